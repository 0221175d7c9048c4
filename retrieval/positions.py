"""Term positions: where each term occurs in each project, for matching terms in a row.

A quoted phrase ('"machine learning" tutorial') needs its words in a row in a title or
description, and an excluded tag's name in a title ("not yolo" rules out "YOLO made simple")
its terms in a row in the title. Checking the candidate documents' texts one by one took
1.4-1.9 s at a million projects (BENCHMARKS.md); with positions it is a few vectorised
lookups, driven by the rarest term.

Each term's occurrences are one sorted int64 array of keys ``document << 32 | position``.
The terms with ids t0, t1, ... are in a row when, for a start key k, k + i is a key of ti.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.columns import StringColumn
from retrieval.index import Tokens, stable_order

_SHIFT = 32
_POSITION = (1 << _SHIFT) - 1


class Positions:
    def __init__(self, indptr: np.ndarray, keys: np.ndarray):
        self.indptr, self.keys = indptr, keys

    @classmethod
    def build(cls, tokens: Tokens, starts: np.ndarray, lengths: np.ndarray) -> Positions:
        """Of each document d, the tokens ``tokens.ids[starts[d]:starts[d] + lengths[d]]``."""
        n_docs = lengths.size
        ends = np.cumsum(lengths)
        docs = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        within = np.arange(int(ends[-1]) if n_docs else 0, dtype=np.int64)
        within -= np.repeat(ends - lengths, lengths)  # the position inside the document
        terms = tokens.ids[np.repeat(starts, lengths) + within]
        keys = (docs << _SHIFT) | within
        del docs, within
        n_terms = len(tokens.vocabulary)
        order = stable_order(terms, n_terms)  # stable: each term's keys stay ascending
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=n_terms), out=indptr[1:])
        return cls(indptr, keys[order])

    def well_formed(self, n_docs: int, n_terms: int) -> bool:
        indptr, keys = self.indptr, self.keys
        return (
            indptr.shape == (n_terms + 1,)
            and int(indptr[0]) == 0
            and int(indptr[-1]) == keys.size
            and bool(np.all(indptr[1:] >= indptr[:-1]))
            and (keys.size == 0 or 0 <= int(keys.min()) and int(keys.max()) >> _SHIFT < n_docs)
        )

    def in_a_row(self, slots: Sequence[Sequence[int]]) -> np.ndarray:
        """The documents where a term of each slot (ids) follows one of the slot before (a document once per run).

        Driven by the rarest slot: its occurrences, moved back by its place in the run, are
        the candidate starts, and each other slot keeps the starts it continues.
        """
        occurrences = [self._occurrences(ids) for ids in slots]
        rarest = min(range(len(slots)), key=lambda i: occurrences[i].size)
        found = occurrences[rarest]
        starts = found[(found & _POSITION) >= rarest] - rarest
        for offset, keys in enumerate(occurrences):
            if offset == rarest or not starts.size:
                continue
            wanted = starts + offset
            at = np.searchsorted(keys, wanted)
            hit = at < keys.size
            hit[hit] = keys[at[hit]] == wanted[hit]
            starts = starts[hit]
        return starts >> _SHIFT

    def mask(self, slots: Sequence[Sequence[int]], n_docs: int) -> np.ndarray:
        mask = np.zeros(n_docs, dtype=bool)
        mask[self.in_a_row(slots)] = True
        return mask

    def _occurrences(self, ids: Sequence[int]) -> np.ndarray:
        """The sorted keys of any of these terms."""
        parts = [self.keys[self.indptr[i] : self.indptr[i + 1]] for i in ids]
        return parts[0] if len(parts) == 1 else np.sort(np.concatenate(parts))


@dataclass
class Phrases:
    """What matching in a row needs: the words of titles and descriptions, and the terms of titles.

    A phrase matches word for word (stop words included) in the title and description run
    together, its last word also as the start of a longer word ("neural network" finds
    "neural networks", as a substring search did); a name in a title matches by the
    analyzer's terms, as the title is indexed.
    """

    words: StringColumn  # each word once, by id
    word_order: np.ndarray  # word ids in the words' sort order, for lookups by binary search
    word_positions: Positions  # word_tokens of the title, then of the description
    title_terms: Positions  # the analyzer terms of the title, by the index's term ids

    @classmethod
    def build(cls, words: dict[str, int], word_positions: Positions, title_terms: Positions) -> Phrases:
        column = StringColumn.of(sorted(words, key=words.__getitem__))
        order = np.array(sorted(range(len(column)), key=column.__getitem__), dtype=np.int64)
        return cls(column, order, word_positions, title_terms)

    def word_slots(self, words: Sequence[str]) -> list[list[int]]:
        """For each word of a phrase, the ids it may match: itself, or for the last any word it starts."""
        return [self._starting(word) if i == len(words) - 1 else self._exactly(word) for i, word in enumerate(words)]

    def _exactly(self, word: str) -> list[int]:
        at = self._first_not_below(word)
        return [int(self.word_order[at])] if at < self.word_order.size and self._word(at) == word else []

    def _starting(self, prefix: str) -> list[int]:
        start = end = self._first_not_below(prefix)
        while end < self.word_order.size and self._word(end).startswith(prefix):
            end += 1
        return self.word_order[start:end].tolist()

    def _first_not_below(self, word: str) -> int:
        lo, hi = 0, self.word_order.size
        while lo < hi:
            mid = (lo + hi) // 2
            if self._word(mid) < word:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _word(self, rank: int) -> str:
        return self.words[int(self.word_order[rank])]
