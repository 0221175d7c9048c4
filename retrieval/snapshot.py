"""A whole engine in one file: the columnar catalog, the index, term positions and learned models.

``findproject index build`` writes one (``save``); ``serve``, ``run``, ``chat`` and ``search``
start from it with ``--snapshot FILE`` or SNAPSHOT_PATH (``load``), and the start-up cache
(retrieval/cache.py) keeps its entries in the same format. Loading trains, analyses and
validates nothing: the arrays are memory-mapped (retrieval/snapfile.py) and the engine is
assembled around them, so at a million projects a start takes about as long as reading
the file's checksums, and every worker process shares one copy of the arrays.

Nothing in the file is executed (no pickle): arrays, and JSON for the taxonomy, the lexicon
and the problems skipped at load. A snapshot is tied to the code that wrote it
(``code_version``): the format, the analyzer, the word vectors and the source of the retrieval package.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from retrieval import semantic, snapfile
from retrieval.analyzer import Analyzer
from retrieval.columns import Catalog, StringColumn
from retrieval.corpus import Corpus
from retrieval.engine import EngineSettings, SearchEngine
from retrieval.index import BM25Index
from retrieval.learned import LearnedModels
from retrieval.lexicon import Lexicon
from retrieval.linear import LinearTextModel
from retrieval.models import Tag
from retrieval.positions import Phrases, Positions
from retrieval.problems import Problem
from retrieval.snapfile import SnapshotError
from retrieval.taxonomy import Taxonomy

__all__ = ["SnapshotError", "code_version", "load", "save"]

_PACKAGE = Path(__file__).resolve().parent
_STRINGS = ("ids", "titles", "descriptions", "dates", "urls")


def code_version() -> str:
    """The snapshot format, the analyzer, the word vectors and the retrieval source (its examples too), hashed."""
    digest = hashlib.sha256(f"format {snapfile.FORMAT}\nanalyzer {Analyzer.version}\n{semantic.model_version()}\n".encode())
    for source in sorted([*_PACKAGE.glob("*.py"), *_PACKAGE.glob("*.jsonl")]):
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def save(engine: SearchEngine, path: str | Path, *, key: str = "", source: dict[str, Any] | None = None) -> None:
    """Write the engine to ``path`` (atomically). ``key`` names what it was built from (the cache checks it)."""
    corpus, catalog, models = engine.corpus, engine.catalog, engine.models
    arrays: dict[str, np.ndarray] = {}
    for name in _STRINGS:
        _put_strings(arrays, f"catalog.{name}", getattr(catalog, name))
    _put_strings(arrays, "catalog.tag_names", StringColumn.of(catalog.tag_names))
    arrays |= {
        "catalog.int_ids": catalog.int_ids,
        "catalog.tag_offsets": catalog.tag_offsets,
        "catalog.tag_ids": catalog.tag_ids,
        "catalog.timestamps": catalog.timestamps,
        "corpus.tag_indptr": corpus.tag_postings[0],
        "corpus.tag_docs": corpus.tag_postings[1],
        "corpus.id_order": corpus.id_order,
        "corpus.id_rank": corpus.id_rank,
        "words.order": corpus.phrases.word_order,
        "words.indptr": corpus.phrases.word_positions.indptr,
        "words.keys": corpus.phrases.word_positions.keys,
        "title_terms.indptr": corpus.phrases.title_terms.indptr,
        "title_terms.keys": corpus.phrases.title_terms.keys,
    }
    _put_strings(arrays, "words.vocabulary", corpus.phrases.words)
    index = engine.index
    _put_strings(arrays, "index.vocabulary", StringColumn.of(_in_id_order(index.vocabulary)))
    arrays |= {f"index.{name}": array for name, array in index.arrays().items()}
    if models.tag_model is not None:
        _put_model(arrays, "tag_model", models.tag_model)
    _put_model(arrays, "replies", models.replies)
    _put_model(arrays, "kinds", models.kinds)
    _put_strings(arrays, "meanings.tag_names", StringColumn.of(models.meanings.tag_names))
    arrays |= {"meanings.doc_vectors": models.meanings.doc_vectors, "meanings.tag_vectors": models.meanings.tag_vectors}
    lexicon = models.lexicon
    _put_json(arrays, "lexicon", {"counts": lexicon.counts, "excess": lexicon.excess, "english": sorted(lexicon.english)})
    _put_json(arrays, "taxonomy", [entry.model_dump(by_alias=True) for entry in engine.taxonomy.entries.values()])
    _put_json(arrays, "skipped", [problem.model_dump() for problem in engine.skipped])
    meta = {
        "settings": engine.settings.model_dump(),
        "projects": len(catalog),
        "index": {"k1": index.k1, "b": index.b, "avgdl": index.avgdl},
        "source": source or {},
    }
    snapfile.write(Path(path), arrays, code=code_version(), key=key, meta=meta)


def load(path: str | Path, *, key: str | None = None, engine_class: type[SearchEngine] = SearchEngine) -> SearchEngine:
    """The engine saved in ``path``; SnapshotError (one line) when it is not a usable snapshot for this code."""
    arrays, meta = snapfile.read(Path(path), code=code_version(), key=key)
    try:
        engine = _assemble(arrays, meta, engine_class)
    except (KeyError, ValueError, TypeError, IndexError) as exc:  # checksums held, yet the parts do not fit
        raise SnapshotError(f"damaged contents ({exc.__class__.__name__}: {str(exc)[:80]})") from None
    if not (engine.corpus.well_formed() and engine.models.meanings.well_formed(len(engine.catalog))):
        raise SnapshotError("damaged contents (arrays out of bounds)")
    return engine


def _assemble(arrays: dict[str, np.ndarray], meta: dict[str, Any], engine_class: type[SearchEngine]) -> SearchEngine:
    strings = {name: _strings(arrays, f"catalog.{name}") for name in _STRINGS}
    catalog = Catalog(
        strings["ids"],
        arrays["catalog.int_ids"],
        strings["titles"],
        strings["descriptions"],
        list(_strings(arrays, "catalog.tag_names")),
        arrays["catalog.tag_offsets"],
        arrays["catalog.tag_ids"],
        strings["dates"],
        arrays["catalog.timestamps"],
        strings["urls"],
    )
    entries = [Tag.model_validate(entry) for entry in _json(arrays, "taxonomy")]
    taxonomy = Taxonomy(entries, catalog.tag_names)
    index = BM25Index.from_arrays(
        _numbered(_strings(arrays, "index.vocabulary")),
        {name: arrays[f"index.{name}"] for name in ("indptr", "docs", "weights", "idf", "doc_len")},
        **meta["index"],
    )
    phrases = Phrases(
        _strings(arrays, "words.vocabulary"),
        arrays["words.order"],
        Positions(arrays["words.indptr"], arrays["words.keys"]),
        Positions(arrays["title_terms.indptr"], arrays["title_terms.keys"]),
    )
    corpus = Corpus(
        catalog,
        taxonomy,
        Analyzer(),
        index,
        phrases,
        (arrays["corpus.tag_indptr"], arrays["corpus.tag_docs"]),
        arrays["corpus.id_order"],
        arrays["corpus.id_rank"],
    )
    lexicon = _json(arrays, "lexicon")
    models = LearnedModels(
        Lexicon(counts=lexicon["counts"], excess=lexicon["excess"], english=frozenset(lexicon["english"])),
        _model(arrays, "tag_model") if "tag_model.coef" in arrays else None,
        semantic.Meanings(
            arrays["meanings.doc_vectors"], list(_strings(arrays, "meanings.tag_names")), arrays["meanings.tag_vectors"]
        ),
        _model(arrays, "replies"),
        _model(arrays, "kinds"),
    )
    skipped = [Problem.model_validate(problem) for problem in _json(arrays, "skipped")]
    return engine_class.assembled(corpus, models, EngineSettings.model_validate(meta["settings"]), skipped)


def _put_model(arrays: dict[str, np.ndarray], name: str, model: LinearTextModel) -> None:
    _put_strings(arrays, f"{name}.vocabulary", StringColumn.of(_in_id_order(model.vocabulary)))
    _put_strings(arrays, f"{name}.labels", StringColumn.of(model.labels))
    arrays |= {f"{name}.idf": model.idf, f"{name}.coef": model.coef, f"{name}.intercept": model.intercept}


def _model(arrays: dict[str, np.ndarray], name: str) -> LinearTextModel:
    return LinearTextModel(
        labels=list(_strings(arrays, f"{name}.labels")),
        vocabulary=_numbered(_strings(arrays, f"{name}.vocabulary")),
        idf=arrays[f"{name}.idf"],
        coef=arrays[f"{name}.coef"],
        intercept=arrays[f"{name}.intercept"],
    )


def _put_strings(arrays: dict[str, np.ndarray], name: str, column: StringColumn) -> None:
    arrays[f"{name}.data"], arrays[f"{name}.offsets"] = column.data, column.offsets


def _strings(arrays: dict[str, np.ndarray], name: str) -> StringColumn:
    return StringColumn(arrays[f"{name}.data"], arrays[f"{name}.offsets"])


def _put_json(arrays: dict[str, np.ndarray], name: str, value: Any) -> None:
    arrays[f"{name}.json"] = np.frombuffer(json.dumps(value, ensure_ascii=False).encode(), dtype=np.uint8)


def _json(arrays: dict[str, np.ndarray], name: str) -> Any:
    return json.loads(arrays[f"{name}.json"].tobytes())


def _in_id_order(numbering: dict[str, int]) -> list[str]:
    names = [""] * len(numbering)
    for name, number in numbering.items():
        names[number] = name
    return names


def _numbered(column: StringColumn) -> dict[str, int]:
    return {name: number for number, name in enumerate(column)}
