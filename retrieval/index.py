"""BM25 index: rank-bm25's BM25Okapi statistics, precomputed into a term-major sparse matrix.

rank-bm25's ``get_scores`` walks every document's dict for every query term. Here the
fitted model's idf, doc_len, avgdl, k1 and b are turned once into per-posting weights,
so a query adds a few matrix rows. The arithmetic mirrors ``get_scores`` operation for
operation, so the scores are bit-identical to it (shown by tests/retrieval/test_index.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rank_bm25 import BM25Okapi
from scipy import sparse


class BM25Index:
    """Scores tokenized documents for a tokenized query."""

    def __init__(self, corpus: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25):
        self.n_docs = len(corpus)
        self.vocabulary: dict[str, int] = {}
        interned = [[self.vocabulary.setdefault(term, len(self.vocabulary)) for term in doc] for doc in corpus]
        self.k1, self.b = k1, b
        self.avgdl = 0.0
        self.idf = np.zeros(len(self.vocabulary))
        self.doc_len = np.fromiter((len(doc) for doc in interned), dtype=np.int64, count=self.n_docs)
        if self.doc_len.sum() == 0:
            self.matrix = sparse.csr_matrix((len(self.vocabulary), self.n_docs))
            return
        model = BM25Okapi(interned, k1=k1, b=b, epsilon=epsilon)
        self.k1, self.b, self.avgdl = model.k1, model.b, model.avgdl
        self.doc_len = np.asarray(model.doc_len, dtype=np.int64)
        for term_id, value in model.idf.items():
            self.idf[term_id] = value
        _raise_idf_floor(self.idf, epsilon)
        del model  # its per-document dicts are the bulk of its memory
        self.matrix = self._weights(interned)

    def _weights(self, interned: list[list[int]]) -> sparse.csr_matrix:
        """Per-posting BM25 weights, rows = terms, in get_scores' exact operation order."""
        lengths = self.doc_len
        doc_of_token = np.repeat(np.arange(self.n_docs, dtype=np.int64), lengths)
        term_of_token = np.fromiter((t for doc in interned for t in doc), dtype=np.int64, count=int(lengths.sum()))
        keys, tf = np.unique(term_of_token * self.n_docs + doc_of_token, return_counts=True)
        terms, docs = np.divmod(keys, self.n_docs)
        dl = lengths[docs]
        k1, b, avgdl = self.k1, self.b, self.avgdl
        weights = self.idf[terms] * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)))
        indptr = np.zeros(len(self.vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=len(self.vocabulary)), out=indptr[1:])
        shape = (len(self.vocabulary), self.n_docs)
        return sparse.csr_matrix((weights, docs.astype(np.int32), indptr), shape=shape)

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
