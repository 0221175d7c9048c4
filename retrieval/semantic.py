"""Meaning beyond shared words: static word vectors for requests, projects and tags.

BM25 matches words, and people describe a purpose in words the catalog does not use
("condense long news articles into a few key sentences" for #text-summarization). WordLlama
ships static token vectors, distilled from a large language model, inside its PyPI package
(16 MB, no PyTorch, nothing downloaded): a text's vector is the mean of its tokens' vectors,
read with the tokenizers package it depends on.
The ranking (retrieval/plan.py, score.py) uses them twice, each weighed by cross-validation:
- a request's similarity to each project. Projects keep the first ``DOC_DIMS`` dimensions:
  the model is trained so that a prefix is a smaller model, and 64 of the 256 dimensions rank
  as well (the cross-validated fit at 64 and at 128 scored alike) for a quarter of the memory,
  which a broad query reads whole (256 MB at a million projects; BENCHMARKS.md);
- its similarity to each tag's vector. The most similar tags become soft expansions, shown in
  the echo like the tag model's. A tag's vector is where people's requests for it lie: the
  centroid of its example requests (topic_examples.jsonl, everyday words written apart from the
  code and the evaluation sets), added to the centroid of the projects carrying it. A catalog's
  descriptions say what a project is; people ask for what they want done, in other words (the
  nearest tag was a wanted one for 26% of the tuning sets' topic requests by projects alone,
  77% with the examples; BENCHMARKS.md).
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from retrieval.columns import Catalog
from retrieval.jsonfile import package_lines
from retrieval.progress import tracked
from retrieval.taxonomy import Taxonomy

MODEL = "l2_supercat"  # the model wordllama's package ships, at 256 dimensions
DIMS = 256
DOC_DIMS = 64
MIN_PROJECTS = 3  # a centroid of fewer projects is one project's description, not a topic
TOPIC_EXAMPLES = Path(__file__).with_name("topic_examples.jsonl")
# How far a tag's example requests pull its vector from its projects' centroid (both unit
# length): the examples lead, the projects break ties (BENCHMARKS.md has the measurements).
EXAMPLES_WEIGHT = 16.0
_BATCH = 1_000
_FEW = 8  # texts embedded one by one; more go through a sparse product
_ROWS = 16_384  # projects' vectors compared at a time when only some are (4 MB)


def model_version() -> str:
    """Which vectors these are: a snapshot made with other vectors is not reused (retrieval/snapshot.py)."""
    return f"wordllama {metadata.version('wordllama')} {MODEL}"


@dataclass(frozen=True)
class _Model:
    tokenizer: Tokenizer
    tokens: np.ndarray  # (vocabulary, 256) float16, memory-mapped from the package's file: one vector per token


@functools.cache
def _model() -> _Model:
    """The packaged model, read from wordllama's files without importing wordllama.

    Importing it (0.3 s) would double a snapshot start at 100k projects; its ``embed`` is the
    mean of the text's token vectors, computed here the same way (tests/retrieval/test_semantic.py
    checks the two agree). ``WordLlama.load`` would also look for the tokenizer in a folder the
    package does not have, then try to download it.
    """
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the wordllama package is not installed (pip install wordllama)")
    root = Path(spec.submodule_search_locations[0])
    tokenizer = Tokenizer.from_file(str(root / "tokenizers" / f"{MODEL}_tokenizer_config.json"))
    tokenizer.no_truncation()
    tokens = _token_vectors(root / "weights" / f"{MODEL}_256.safetensors")
    if tokens.ndim != 2 or tokens.shape[1] != DIMS:
        raise RuntimeError(f"wordllama's {MODEL} vectors have the shape {tokens.shape}, not (vocabulary, {DIMS})")
    return _Model(tokenizer, tokens)


def _token_vectors(path: Path) -> np.ndarray:
    """The token vectors, memory-mapped, so that the worker processes of one machine share one copy.

    The safetensors package only copies a tensor out; its format is an 8-byte little-endian
    header length, a JSON header (each tensor's dtype, shape and byte range), then the bytes.
    """
    with open(path, "rb") as file:
        size = int.from_bytes(file.read(8), "little")
        entry = json.loads(file.read(size))["embedding.weight"]
    if entry["dtype"] != "F16":
        raise RuntimeError(f"wordllama's {MODEL} vectors are {entry['dtype']}, not F16")
    start, _ = entry["data_offsets"]
    return np.memmap(path, dtype="<f2", mode="r", offset=8 + size + start, shape=tuple(entry["shape"]))


def embed(texts: Sequence[str], progress: str = "") -> np.ndarray:
    """One unit vector per text (float32): the mean of its token vectors (the sum, scaled to length 1);
    a text of no token gets zeros. ``progress``: a bar's label, for a catalog's worth of texts."""
    model = _model()
    if len(texts) <= _FEW:
        # A request: summed row by row, so answering never imports scipy (0.17 s).
        sums = np.zeros((len(texts), model.tokens.shape[1]), dtype=np.float32)
        for row, text in enumerate(model.tokenizer.encode_batch(list(texts), add_special_tokens=False)):
            if text.ids:
                sums[row] = model.tokens[text.ids].astype(np.float32).sum(axis=0)
        return _unit(sums)
    from scipy import sparse

    tokens = model.tokens.astype(np.float32)
    parts = []
    for start in tracked(range(0, len(texts), _BATCH), progress or "embedding texts"):
        encoded = model.tokenizer.encode_batch(list(texts[start : start + _BATCH]), add_special_tokens=False)
        lengths = np.fromiter((len(text.ids) for text in encoded), dtype=np.int64, count=len(encoded))
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        ids = np.fromiter(itertools.chain.from_iterable(text.ids for text in encoded), dtype=np.int64, count=int(indptr[-1]))
        # Texts x tokens, times the token vectors: 35x faster than gathering every token's vector.
        counts = sparse.csr_matrix((np.ones(ids.size, dtype=np.float32), ids, indptr), shape=(len(encoded), len(tokens)))
        parts.append(_unit(np.asarray(counts @ tokens, dtype=np.float32)))
    return np.vstack(parts)


def _asked(names: Sequence[str], taxonomy: Taxonomy) -> np.ndarray:
    """Each tag's unit centroid of its example requests (zeros for a tag without any), in ``names``' order."""
    row = {name: i for i, name in enumerate(names)}
    examples = package_lines(TOPIC_EXAMPLES)
    known = [(row[tag], example["request"]) for example in examples if (tag := taxonomy.canonical(example["tag"])) in row]
    sums = np.zeros((len(names), DIMS), dtype=np.float32)
    if known:
        np.add.at(sums, [i for i, _ in known], embed([request for _, request in known]))
    return _unit(sums)


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


@dataclass
class Meanings:
    """The catalog's vectors: one per project (``DOC_DIMS``) and one per topic tag (all dimensions)."""

    doc_vectors: np.ndarray  # (n_docs, DOC_DIMS) float32, unit rows
    tag_names: list[str]
    tag_vectors: np.ndarray  # (n_tags, DIMS) float32, unit rows

    @classmethod
    def build(cls, catalog: Catalog, taxonomy: Taxonomy, tag_docs: Mapping[str, np.ndarray]) -> Meanings:
        """``tag_docs``: each tag's projects (the corpus's tag postings)."""
        texts = [f"{title}. {description}" for title, description in zip(catalog.titles, catalog.descriptions)]
        vectors = embed(texts, progress="reading meanings")
        names, centroids = [], []
        for tag, carriers in tag_docs.items():
            if carriers.size >= MIN_PROJECTS and not taxonomy.is_resource(tag):
                names.append(tag)
                centroids.append(vectors[carriers].sum(axis=0))
        if not centroids:
            return cls(_unit(np.ascontiguousarray(vectors[:, :DOC_DIMS])), names, np.zeros((0, DIMS), dtype=np.float32))
        tag_vectors = _unit(np.vstack(centroids)) + EXAMPLES_WEIGHT * _asked(names, taxonomy)
        return cls(_unit(np.ascontiguousarray(vectors[:, :DOC_DIMS])), names, _unit(tag_vectors))

    def well_formed(self, n_docs: int) -> bool:
        """The shapes a catalog of ``n_docs`` projects needs (a loaded snapshot is checked before use)."""
        return (
            self.doc_vectors.shape == (n_docs, DOC_DIMS)
            and self.tag_vectors.ndim == 2
            and self.tag_vectors.shape[0] == len(self.tag_names)
            and self.tag_vectors.shape[1] == DIMS
        )

    def documents(self, request: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """The cosine similarity of projects ``docs`` (ascending document numbers) to a request's vector.

        Every project's vectors are read in one pass when ``docs`` is most of the catalog, and only
        those rows when it is a small part (a phrase or a rare word: at a million projects the whole
        pass reads 256 MB)."""
        vector = _unit(request[None, :DOC_DIMS])[0]
        if docs.size * 4 >= len(self.doc_vectors):
            return (self.doc_vectors @ vector)[docs]
        similarity = np.empty(docs.size, dtype=np.float32)
        for start in range(0, docs.size, _ROWS):  # the rows are copied out: a few MB at a time
            similarity[start : start + _ROWS] = self.doc_vectors[docs[start : start + _ROWS]] @ vector
        return similarity

    def tags(self, request: np.ndarray) -> np.ndarray:
        """Each of ``tag_names``' cosine similarity to a request's vector."""
        return self.tag_vectors @ request
