"""The start-up cache: a snapshot (retrieval/snapshot.py) per catalog, rebuilt when stale.

``load_engine(catalog, taxonomy, cache_dir=...)`` returns the engine ``SearchEngine.from_paths``
would build. The first time it builds it and saves it as a snapshot; later it opens the
snapshot (memory-mapped: nothing is validated, analysed or trained again).

A cached snapshot is trusted only when everything it was built from is unchanged: its key
covers the bytes of the catalog and of the taxonomy, the engine settings and
``skip_invalid``, and the snapshot itself is tied to the code version (the format, the
analyzer, the source of the retrieval package). One file is kept per catalog path; one that
is stale, foreign, truncated or damaged is said so in one log line, removed and rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from retrieval import snapshot
from retrieval.engine import EngineSettings, SearchEngine
from retrieval.snapshot import SnapshotError

log = logging.getLogger(__name__)


def load_engine(
    catalog: str | Path,
    taxonomy: str | Path | None = None,
    *,
    cache_dir: str | Path,
    skip_invalid: bool = False,
    settings: EngineSettings | None = None,
    engine_class: type[SearchEngine] = SearchEngine,
    on_build: Callable[[], None] | None = None,
) -> SearchEngine:
    """``engine_class.from_paths(catalog, taxonomy, ...)``, from the cache when it is still valid.

    ``on_build`` is called before a build from scratch, so a terminal can say why it waits.
    """
    settings = settings or EngineSettings()
    try:
        key = cache_key(catalog, taxonomy, settings, skip_invalid)
    except OSError:  # an unreadable file: loading it says so, problem by problem
        return engine_class.from_paths(catalog, taxonomy, skip_invalid=skip_invalid, settings=settings)
    path = cache_path(cache_dir, catalog)
    if path.exists():
        try:
            return snapshot.load(path, key=key, engine_class=engine_class)
        except SnapshotError as exc:
            log.warning("engine cache %s not used (%s); rebuilding it", path, exc)
            path.unlink(missing_ok=True)
    if on_build is not None:
        on_build()
    engine = engine_class.from_paths(catalog, taxonomy, skip_invalid=skip_invalid, settings=settings)
    try:
        snapshot.save(engine, path, key=key, source=source(catalog, taxonomy))
    except OSError as exc:  # a read-only or full disk only costs the next start-up
        log.warning("could not write the engine cache %s: %s", path, exc)
    return engine


def cache_path(cache_dir: str | Path, catalog: str | Path) -> Path:
    """One cache file per catalog path."""
    name = hashlib.sha256(str(Path(catalog).resolve()).encode()).hexdigest()[:24]
    return Path(cache_dir) / f"engine-{name}.snapshot"


def cache_key(catalog: str | Path, taxonomy: str | Path | None, settings: EngineSettings, skip_invalid: bool) -> str:
    """Everything a snapshot of this catalog depends on besides the code, hashed."""
    digest = hashlib.sha256()
    for part in (
        f"settings {settings.model_dump_json()}",
        f"skip_invalid {skip_invalid}",
        f"catalog {_file_digest(catalog)}",
        f"taxonomy {'-' if taxonomy is None else _file_digest(taxonomy)}",
    ):
        digest.update(part.encode() + b"\n")
    return digest.hexdigest()


def source(catalog: str | Path, taxonomy: str | Path | None) -> dict[str, str | None]:
    """What a snapshot records of the files it was built from (shown, never trusted)."""
    return {"catalog": str(Path(catalog).resolve()), "taxonomy": None if taxonomy is None else str(Path(taxonomy).resolve())}


def _file_digest(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
