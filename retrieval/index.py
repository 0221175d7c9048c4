"""BM25 index: rank-bm25's BM25Okapi statistics, precomputed into a term-major sparse matrix.

rank-bm25's ``get_scores`` walks every document's dict for every query term. Here the
fitted model's idf, doc_len, avgdl, k1 and b are turned once into per-posting weights,
so a query adds a few matrix rows. The arithmetic mirrors ``get_scores`` operation for
operation, so the scores are bit-identical to it (shown by tests/retrieval/test_index.py).

Building for a million documents is kept cheap (benchmarks/search_speed.py):

- tokens are interned to int ids as the documents stream in, so neither the string
  corpus nor a list per document is kept;
- term frequencies come from one stable radix sort of the token ids (numpy; scipy's sparse
  routines from 5M tokens on), not from a Python dict per document; the weights are kept as
  plain CSR arrays, so a small catalog's start-up never imports scipy (``matrix`` builds a
  scipy view on demand);
- BM25Okapi is still fitted, and idf, doc_len, avgdl, k1 and b are taken from it, but it
  is fed cheaply: each document as its true length only (its own loop records doc_len,
  corpus_size and avgdl), and the document frequency of every term, counted exactly from
  the postings and listed in the order of first appearance that its own counting would give,
  handed to its own _calc_idf. It keeps no per-document dict (get_scores' data, which this
  index replaces). The statistics are therefore exactly those of a plain fit on the token
  lists, as tests/retrieval/test_index.py checks against BM25Okapi itself.
"""

from __future__ import annotations

import gc
from array import array
from collections import deque
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

import numpy as np
from rank_bm25 import BM25Okapi

from retrieval.numbering import Numbering


class Tokens:
    """A corpus interned: every token as a term id, in document order, and each document's length.

    The index is fitted on it, and retrieval/positions.py reads where each term stands from it.
    """

    def __init__(self, vocabulary: dict[str, int], ids: np.ndarray, lengths: np.ndarray):
        self.vocabulary, self.ids, self.lengths = vocabulary, ids, lengths

    @classmethod
    def of(cls, corpus: Iterable[Sequence[str]]) -> Tokens:
        stream = TokenStream()
        with gc_paused():  # the corpus may be analysed as it streams in: many short-lived lists
            for doc in corpus:
                stream.add(doc)
        return stream.tokens()


class TokenStream:
    """Documents added one by one, interned as they come: neither the strings nor a list per document is kept."""

    def __init__(self) -> None:
        self._vocabulary = Numbering()
        self._intern = self._vocabulary.__getitem__
        self._chunks: list[np.ndarray] = []
        self._pending: list[int] = []  # term ids, moved into an int32 array every _CHUNK tokens
        self._lengths = array("q")

    def add(self, doc: Sequence[str]) -> None:
        self._pending.extend(map(self._intern, doc))
        self._lengths.append(len(doc))
        if len(self._pending) >= _CHUNK:
            self._chunks.append(np.array(self._pending, dtype=np.int32))
            self._pending.clear()

    def tokens(self) -> Tokens:
        ids = np.concatenate([*self._chunks, np.array(self._pending, dtype=np.int32)])
        lengths = np.frombuffer(self._lengths, dtype=np.int64).copy() if self._lengths else np.zeros(0, dtype=np.int64)
        return Tokens(dict(self._vocabulary), ids, lengths)


class BM25Index:
    """Scores tokenized documents for a tokenized query."""

    def __init__(self, corpus: Iterable[Sequence[str]] | Tokens, k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25):
        tokens = corpus if isinstance(corpus, Tokens) else Tokens.of(corpus)
        self.vocabulary: dict[str, int] = tokens.vocabulary
        self.n_docs = tokens.lengths.size
        self.k1, self.b = k1, b
        self.avgdl = 0.0
        self.idf = np.zeros(len(self.vocabulary))
        self.doc_len = tokens.lengths.copy()
        n_terms = len(self.vocabulary)
        # The weight matrix, rows = terms, as CSR arrays: row t's documents (ascending) and weights.
        self._indptr = np.zeros(n_terms + 1, dtype=np.int64)
        self._docs = np.zeros(0, dtype=np.int32)
        self._weights = np.zeros(0, dtype=np.float64)
        if self.doc_len.sum() == 0:
            return
        terms, docs, tf = _postings(tokens.ids, self.doc_len, n_terms)
        doc_freqs = np.bincount(terms, minlength=n_terms)  # (term, doc) pairs are unique
        model = _FittedOnly(self.doc_len.tolist(), dict(enumerate(doc_freqs.tolist())), k1=k1, b=b, epsilon=epsilon)
        self.k1, self.b, self.avgdl = model.k1, model.b, model.avgdl
        self.doc_len = np.asarray(model.doc_len, dtype=np.int64)
        self.idf[np.fromiter(model.idf.keys(), dtype=np.int64, count=len(model.idf))] = list(model.idf.values())
        _raise_idf_floor(self.idf, epsilon)
        del model
        np.cumsum(doc_freqs, out=self._indptr[1:])
        self._docs = docs
        self._weights = self._posting_weights(terms, docs, tf)

    @classmethod
    def from_arrays(
        cls, vocabulary: dict[str, int], arrays: dict[str, np.ndarray], k1: float, b: float, avgdl: float
    ) -> BM25Index:
        """An index saved earlier (retrieval/snapshot.py): ``arrays`` as ``arrays()`` gave them."""
        index = cls.__new__(cls)
        index.vocabulary, index.k1, index.b, index.avgdl = vocabulary, k1, b, avgdl
        index._indptr, index._docs, index._weights = arrays["indptr"], arrays["docs"], arrays["weights"]
        index.idf, index.doc_len = arrays["idf"], arrays["doc_len"]
        index.n_docs = index.doc_len.size
        return index

    def arrays(self) -> dict[str, np.ndarray]:
        return {"indptr": self._indptr, "docs": self._docs, "weights": self._weights, "idf": self.idf, "doc_len": self.doc_len}

    def _posting_weights(self, terms: np.ndarray, docs: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """Per-posting BM25 weights, in get_scores' exact operation order.

        get_scores adds, for each query term, idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)))
        to every document. The same expression is evaluated here per posting, with the
        same operands in the same order, so each weight is the float get_scores adds.
        """
        k1, b, avgdl = self.k1, self.b, self.avgdl
        norm = k1 * (1 - b + b * self.doc_len / avgdl)  # per document, as get_scores computes it
        weights = tf * (k1 + 1)
        weights /= tf + norm[docs]
        return np.multiply(self.idf[terms], weights, out=weights)

    @property
    def matrix(self):
        """The weights as a scipy CSR matrix (terms x documents), for inspection; scipy loads on first use."""
        from scipy import sparse

        return sparse.csr_matrix((self._weights, self._docs, self._indptr), shape=(len(self.vocabulary), self.n_docs), copy=False)

    @property
    def n_postings(self) -> int:
        return int(self._docs.size)

    def well_formed(self) -> bool:
        """Arrays of consistent shapes and bounds (a loaded index is checked before it is used)."""
        n_terms = len(self.vocabulary)
        return (
            self._indptr.shape == (n_terms + 1,)
            and self._indptr[0] == 0
            and self._indptr[-1] == self._docs.size == self._weights.size
            and bool(np.all(np.diff(self._indptr) >= 0))
            and self.idf.shape == (n_terms,)
            and self.doc_len.shape == (self.n_docs,)
            and (self._docs.size == 0 or 0 <= int(self._docs.min()) <= int(self._docs.max()) < self.n_docs)
            and sorted(self.vocabulary.values()) == list(range(n_terms))
        )

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every document; repeated query terms count again, as in rank-bm25."""
        total = np.zeros(self.n_docs)
        indptr, indices, data = self._indptr, self._docs, self._weights
        first = True
        for term in terms:
            row = self.vocabulary.get(term)
            if row is not None:
                lo, hi = indptr[row], indptr[row + 1]
                if first:  # 0.0 + w is w: the first row is written, not added
                    total[indices[lo:hi]] = data[lo:hi]
                    first = False
                else:
                    total[indices[lo:hi]] += data[lo:hi]
        return total

    def doc_freq(self, term: str) -> int:
        """How many documents contain the term."""
        row = self.vocabulary.get(term)
        return 0 if row is None else int(self._indptr[row + 1] - self._indptr[row])

    def postings(self, term: str) -> np.ndarray:
        """Document numbers that contain the term."""
        row = self.vocabulary.get(term)
        if row is None:
            return np.zeros(0, dtype=np.int32)
        return self._docs[self._indptr[row] : self._indptr[row + 1]]


_CHUNK = 1 << 20


@contextmanager
def gc_paused():
    """No cyclic garbage collection while a large build allocates millions of acyclic objects.

    A context manager, or a decorator (``@gc_paused()``).

    Each full collection would walk every live object (a million projects and their fields);
    reference counting still frees everything the build drops. The previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _postings(tokens: np.ndarray, lengths: np.ndarray, n_terms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every distinct (term, document) pair with its term frequency, by term, documents ascending.

    ``tokens`` are term ids in document order. A stable sort by term keeps each term's
    tokens in document order, so equal (term, document) pairs are adjacent: their runs
    give the term frequencies. The sort is a radix sort on 16-bit keys (twice for a
    vocabulary of more than 65,536 terms), linear in the number of tokens.
    """
    if tokens.size >= _SCIPY_FROM:
        return _postings_scipy(tokens, lengths, n_terms)
    doc_of = np.repeat(np.arange(lengths.size, dtype=np.int32), lengths)
    order = stable_order(tokens, n_terms)
    terms, docs = tokens[order], doc_of[order]
    del order, doc_of
    starts = np.ones(terms.size, dtype=bool)
    np.not_equal(terms[1:], terms[:-1], out=starts[1:])
    starts[1:] |= docs[1:] != docs[:-1]
    first = np.flatnonzero(starts)
    tf = np.diff(first, append=terms.size)
    return terms[first], docs[first], tf


# From this many tokens (about 140k documents like the catalog's) scipy's compiled sparse
# routines are several times faster than the radix sort; below it, scipy (a quarter of a
# second to import) is not loaded at all, which is most of a small catalog's start-up.
_SCIPY_FROM = 5_000_000


def _postings_scipy(tokens: np.ndarray, lengths: np.ndarray, n_terms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """_postings through scipy: a doc-term CSR whose rows are sorted and summed, then transposed."""
    from scipy import sparse

    indptr = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    ones = np.ones(tokens.size, dtype=np.int32)
    counts = sparse.csr_matrix((ones, tokens, indptr), shape=(lengths.size, n_terms), copy=False)
    counts.sum_duplicates()  # sorts each row's term ids and adds up the repeats
    by_term = counts.tocsc()  # columns = terms, each column's documents ascending
    del counts
    terms = np.repeat(np.arange(n_terms, dtype=np.int32), np.diff(by_term.indptr))
    return terms, by_term.indices.astype(np.int32, copy=False), by_term.data.astype(np.int64, copy=False)


def stable_order(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """np.argsort(keys, kind="stable") for non-negative int keys below ``n_keys``, as 16-bit radix passes."""
    if n_keys <= 1 << 16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    return order[np.argsort((keys[order] >> 16).astype(np.uint16), kind="stable")]


class _Lengths:
    """The corpus as BM25Okapi's fitting loop reads it: only each document's length."""

    def __init__(self, lengths: Sequence[int]):
        self._lengths = lengths

    def __len__(self) -> int:
        return len(self._lengths)

    def __iter__(self):
        return map(_Length, self._lengths)


class _Length(int):
    """A document of this many tokens, none listed (they are counted apart).

    len() gives the int and iteration gives nothing, both without a Python-level call:
    this loop runs once per document, a million times at 1M.
    """

    __slots__ = ()
    __len__ = int.__index__
    __iter__ = ().__iter__  # called with no arguments: an empty iterator


class _FittedOnly(BM25Okapi):
    """BM25Okapi fitted on document lengths plus exact document frequencies.

    Its own _initialize reads the lengths (doc_len, corpus_size, avgdl); the document
    frequencies it would count one (document, term) pair at a time are given instead,
    in term-id order, which is the order it would first meet the terms in. Its own
    _calc_idf then computes idf, average_idf and the epsilon floor from them.
    """

    def __init__(self, lengths: Sequence[int], doc_freqs: dict[int, int], **params: float):
        self._given_doc_freqs = doc_freqs
        super().__init__(_Lengths(lengths), **params)

    def _initialize(self, corpus):
        self.doc_freqs = deque(maxlen=0)  # get_scores' per-document dicts: dropped as appended
        counted = super()._initialize(corpus)
        assert not counted  # the documents listed no terms
        return self._given_doc_freqs


def _raise_idf_floor(idf: np.ndarray, epsilon: float) -> None:
    """Keep every idf positive.

    rank-bm25 floors negative idfs at epsilon * mean idf, but on a tiny corpus that
    mean is itself zero or negative, so a matching document would score below one that
    does not match. Such idfs are raised to epsilon * the mean positive idf (or epsilon).
    On normal corpora no idf is affected, and scores equal rank-bm25's.
    """
    positive = idf[idf > 0]
    floor = epsilon * (positive.mean() if positive.size else 1.0)
    idf[idf <= 0] = floor
