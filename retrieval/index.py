"""BM25 index: rank-bm25's BM25Okapi statistics, precomputed into a term-major sparse matrix.

rank-bm25's ``get_scores`` walks every document's dict for every query term. Here the
fitted model's idf, doc_len, avgdl, k1 and b are turned once into per-posting weights,
so a query adds a few matrix rows. The arithmetic mirrors ``get_scores`` operation for
operation, so the scores are bit-identical to it (shown by tests/retrieval/test_index.py).

Building for a million documents is kept cheap (benchmarks/search_speed.py):

- tokens are interned to int ids as the documents stream in, so neither the string
  corpus nor a list per document is kept;
- term frequencies come from a doc-term CSR matrix (scipy sorts each row and sums the
  repeats) instead of a Python dict per document;
- BM25Okapi is still fitted, and idf, doc_len, avgdl, k1 and b are taken from it, but
  it is fed each document as its true length plus its distinct term ids, and its
  per-document frequency dicts (which get_scores would need, and we do not) are
  dropped as they are made. Its document-frequency counts, the order it first meets
  each term in, its lengths and therefore every statistic are exactly what the plain
  token lists would give.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence

import numpy as np
from rank_bm25 import BM25Okapi
from scipy import sparse


class BM25Index:
    """Scores tokenized documents for a tokenized query."""

    def __init__(self, corpus: Iterable[Sequence[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25):
        vocabulary = _Interner()
        intern = vocabulary.__getitem__
        tokens = array("i")
        lengths = array("q")
        for doc in corpus:
            tokens.extend(map(intern, doc))
            lengths.append(len(doc))
        self.vocabulary: dict[str, int] = dict(vocabulary)
        self.n_docs = len(lengths)
        self.k1, self.b = k1, b
        self.avgdl = 0.0
        self.idf = np.zeros(len(self.vocabulary))
        self.doc_len = np.frombuffer(lengths, dtype=np.int64).copy() if lengths else np.zeros(0, dtype=np.int64)
        if self.doc_len.sum() == 0:
            self.matrix = sparse.csr_matrix((len(self.vocabulary), self.n_docs))
            return
        counts = _term_counts(tokens, self.doc_len, len(self.vocabulary))
        del tokens
        model = _FittedOnly(_DistinctTerms(counts, lengths), k1=k1, b=b, epsilon=epsilon)
        self.k1, self.b, self.avgdl = model.k1, model.b, model.avgdl
        self.doc_len = np.asarray(model.doc_len, dtype=np.int64)
        self.idf[np.fromiter(model.idf.keys(), dtype=np.int64, count=len(model.idf))] = list(model.idf.values())
        _raise_idf_floor(self.idf, epsilon)
        del model
        self.matrix = self._weights(counts)

    def _weights(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Per-posting BM25 weights, rows = terms, in get_scores' exact operation order.

        get_scores adds, for each query term, idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)))
        to every document. The same expression is evaluated here per posting, with the
        same operands in the same order, so each weight is the float get_scores adds.
        """
        by_term = counts.tocsc()  # columns = terms: the term-major layout, docs ascending in each
        del counts
        n_terms = len(self.vocabulary)
        k1, b, avgdl = self.k1, self.b, self.avgdl
        norm = k1 * (1 - b + b * self.doc_len / avgdl)  # per document, as get_scores computes it
        tf = by_term.data
        docs = by_term.indices
        term_of = np.repeat(np.arange(n_terms, dtype=np.int32), np.diff(by_term.indptr))
        weights = tf * (k1 + 1)
        weights /= tf + norm[docs]
        weights = np.multiply(self.idf[term_of], weights, out=weights)
        return sparse.csr_matrix((weights, docs, by_term.indptr), shape=(n_terms, self.n_docs), copy=False)

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every document; repeated query terms count again, as in rank-bm25."""
        total = np.zeros(self.n_docs)
        indptr, indices, data = self.matrix.indptr, self.matrix.indices, self.matrix.data
        for term in terms:
            row = self.vocabulary.get(term)
            if row is not None:
                lo, hi = indptr[row], indptr[row + 1]
                total[indices[lo:hi]] += data[lo:hi]
        return total

    def doc_freq(self, term: str) -> int:
        """How many documents contain the term."""
        row = self.vocabulary.get(term)
        return 0 if row is None else int(self.matrix.indptr[row + 1] - self.matrix.indptr[row])

    def postings(self, term: str) -> np.ndarray:
        """Document numbers that contain the term."""
        row = self.vocabulary.get(term)
        if row is None:
            return np.zeros(0, dtype=np.int32)
        return self.matrix.indices[self.matrix.indptr[row] : self.matrix.indptr[row + 1]]


class _Interner(dict):
    """term -> id, a new term getting the next id (in order of first appearance)."""

    def __missing__(self, term: str) -> int:
        self[term] = number = len(self)
        return number


def _term_counts(tokens: array, lengths: np.ndarray, n_terms: int) -> sparse.csr_matrix:
    """Doc-term matrix of term frequencies, each row's term ids ascending."""
    indptr = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = np.frombuffer(tokens, dtype=np.int32)
    ones = np.ones(indices.size, dtype=np.int32)
    counts = sparse.csr_matrix((ones, indices, indptr), shape=(lengths.size, n_terms), copy=False)
    counts.sum_duplicates()  # sorts each row's term ids and adds up the repeats
    return counts


class _DistinctTerms:
    """The corpus as BM25Okapi reads it: each document's length, and its distinct terms.

    BM25Okapi takes a document's length from ``len`` and counts each distinct term once
    per document for its document frequencies; the per-document term frequencies it
    also counts only serve get_scores, which this index replaces. Terms are met in
    ascending id order, which is their order of first appearance in the corpus.
    """

    def __init__(self, counts: sparse.csr_matrix, lengths: Sequence[int]):
        self._indptr = counts.indptr.tolist()
        self._terms = counts.indices
        self._lengths = lengths

    def __len__(self) -> int:
        return len(self._lengths)

    def __iter__(self):
        indptr, terms = self._indptr, self._terms
        for number, length in enumerate(self._lengths):
            yield _Document(length, terms[indptr[number] : indptr[number + 1]].tolist())


class _Document:
    __slots__ = ("_length", "_terms")

    def __init__(self, length: int, terms: list[int]):
        self._length, self._terms = length, terms

    def __len__(self) -> int:
        return self._length

    def __iter__(self):
        return iter(self._terms)


class _Discard(list):
    """Stands in for BM25Okapi.doc_freqs: one dict per document that nothing here reads."""

    def append(self, item: object) -> None:
        pass


class _FittedOnly(BM25Okapi):
    """BM25Okapi's own fitting (lengths, avgdl, document frequencies, idf), without get_scores' dicts."""

    def _initialize(self, corpus):
        self.doc_freqs = _Discard()
        return super()._initialize(corpus)


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
