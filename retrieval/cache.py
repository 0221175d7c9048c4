"""A start-up cache: the validated projects, the BM25 index and the learned models, on disk.

``load_engine(catalog, taxonomy, cache_dir=...)`` returns the engine ``SearchEngine.from_paths``
would build. The first time it builds it and saves what is slow to make: the validated
projects (before tag canonicalisation), the BM25 index, and what the engine learns from the
catalog (retrieval/learned.py: the word statistics and the tag model, seconds to train).
Later it loads them back, so neither validation, text analysis nor training runs; the
engine is then constructed as usual from them (the taxonomy is always read afresh). At 100k projects this turns a start-up of
several seconds into about one (benchmarks/search_speed.py measures both; BENCHMARKS.md).

The cache is trusted only when everything it was built from is unchanged. Its key covers:
the bytes of the catalog and of the taxonomy, ``Analyzer.version``, the engine settings,
``skip_invalid``, the file format, and the source of the retrieval package (so any change to
how documents are parsed, analysed or indexed invalidates it too). One file is kept per
catalog path; a file whose key, length or SHA-256 does not match, that cannot be unpickled,
or whose contents have the wrong shape is removed and rebuilt, never used.

The file is a pickle: the cache directory must be as trusted as the code itself.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
from collections.abc import Callable
from pathlib import Path

from retrieval.analyzer import Analyzer
from retrieval.catalog import load_catalog
from retrieval.engine import EngineSettings, SearchEngine
from retrieval.index import BM25Index
from retrieval.learned import LearnedModels
from retrieval.models import Project
from retrieval.problems import Problem
from retrieval.taxonomy import load_taxonomy

FORMAT = 2
MAGIC = b"FINDPROJECT-ENGINE-CACHE"
_HEADER = 256  # bytes: magic, format, key, payload length and digest, space-padded
_PACKAGE = Path(__file__).resolve().parent

log = logging.getLogger(__name__)


State = tuple[list[Project], list[Problem], BM25Index, LearnedModels]


def load_engine(catalog: str | Path, taxonomy: str | Path | None = None, *, cache_dir: str | Path,
                skip_invalid: bool = False, settings: EngineSettings | None = None,
                engine_class: type[SearchEngine] = SearchEngine,
                on_build: Callable[[], None] | None = None) -> SearchEngine:
    """``engine_class.from_paths(catalog, taxonomy, ...)``, from the cache when it is still valid.

    ``on_build`` is called before a build from scratch, so a terminal can say why it waits.
    """
    settings = settings or EngineSettings()
    try:
        key = cache_key(catalog, taxonomy, settings, skip_invalid)
    except OSError:  # an unreadable file: loading it says so, problem by problem
        return engine_class.from_paths(catalog, taxonomy, skip_invalid=skip_invalid, settings=settings)
    path = cache_path(cache_dir, catalog)
    cached = _read(path, key)
    tax, tax_problems = (None, []) if taxonomy is None else load_taxonomy(taxonomy, skip_invalid=skip_invalid)
    if cached is not None:
        projects, catalog_problems, index, models = cached
        try:
            return engine_class(projects, tax, settings=settings, skipped=[*catalog_problems, *tax_problems],
                                index=index, models=models)
        except Exception:  # a shape the checks missed: never trust it
            log.warning("engine cache %s does not fit its catalog; rebuilding", path, exc_info=True)
            _remove(path)
    if on_build is not None:
        on_build()
    loaded = load_catalog(catalog, skip_invalid=skip_invalid)
    engine = engine_class(loaded.projects, tax, settings=settings, skipped=[*loaded.skipped, *tax_problems])
    try:
        _write(path, key, (loaded.projects, list(loaded.skipped), engine.index, engine.models))
    except OSError as exc:  # a read-only or full disk only costs the next start-up
        log.warning("could not write the engine cache %s: %s", path, exc)
    return engine


def cache_path(cache_dir: str | Path, catalog: str | Path) -> Path:
    """One cache file per catalog path."""
    name = hashlib.sha256(str(Path(catalog).resolve()).encode()).hexdigest()[:24]
    return Path(cache_dir) / f"engine-{name}.cache"


def cache_key(catalog: str | Path, taxonomy: str | Path | None, settings: EngineSettings,
              skip_invalid: bool) -> str:
    """Everything the cached projects and index depend on, hashed."""
    digest = hashlib.sha256()
    for part in (
        f"format {FORMAT}", f"analyzer {Analyzer.version}", f"settings {settings.model_dump_json()}",
        f"skip_invalid {skip_invalid}", f"code {_code_digest()}",
        f"catalog {_file_digest(catalog)}", f"taxonomy {'-' if taxonomy is None else _file_digest(taxonomy)}",
    ):
        digest.update(part.encode() + b"\n")
    return digest.hexdigest()


def _file_digest(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _code_digest() -> str:
    digest = hashlib.sha256()
    for source in sorted(_PACKAGE.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def _write(path: Path, key: str, state: State) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(b" " * _HEADER)
            writer = _HashingWriter(handle)
            pickle.dump(state, writer, protocol=pickle.HIGHEST_PROTOCOL)
            header = b" ".join([MAGIC, str(FORMAT).encode(), key.encode(), str(writer.size).encode(),
                                writer.digest.hexdigest().encode()])
            handle.seek(0)
            handle.write(header.ljust(_HEADER))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _read(path: Path, key: str) -> State | None:
    """The cached state, or None (after removing the file) when it is missing, stale or damaged."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(_HEADER).split()
            if len(header) != 5 or header[0] != MAGIC or header[1] != str(FORMAT).encode():
                raise _Unusable("not an engine cache of this format")
            if header[2].decode() != key:
                raise _Unusable("built from another catalog, taxonomy, analyzer, settings or code")
            size, expected = int(header[3]), header[4].decode()
            digest = hashlib.sha256()
            read = 0
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                read += len(block)
            if read != size or digest.hexdigest() != expected:
                raise _Unusable("damaged (length or checksum)")
            handle.seek(_HEADER)
            with _gc_paused():
                state = pickle.load(handle)
        projects, problems, index, models = state
        if not (isinstance(projects, list) and all(isinstance(p, Project) for p in projects)
                and isinstance(problems, list) and all(isinstance(p, Problem) for p in problems)
                and isinstance(index, BM25Index) and index.n_docs == len(projects) and index.well_formed()
                and isinstance(models, LearnedModels)):
            raise _Unusable("unexpected contents")
        return projects, problems, index, models
    except FileNotFoundError:
        return None
    except Exception as exc:  # damaged in any way: rebuild, never trust
        log.info("engine cache %s not used (%s); rebuilding", path, exc)
        _remove(path)
        return None


class _Unusable(Exception):
    pass


class _HashingWriter:
    def __init__(self, handle):
        self._handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += memoryview(data).nbytes
        return self._handle.write(data)


class _gc_paused:
    """Unpickling a million projects allocates millions of objects: no GC passes meanwhile."""

    def __enter__(self):
        self._was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self._was:
            gc.enable()


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
