"""One catalog as arrays: the columns, the BM25 index, term positions, tag postings, dates, and the masks queries need.

Everything here is per document and built once; the pipeline stages (retrieval/plan.py,
score.py, select.py) only read it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import date, datetime, timezone

import numpy as np

from retrieval.analyzer import Analyzer, fold_tag, word_tokens
from retrieval.columns import Catalog
from retrieval.ids import IdLookup, id_order
from retrieval.index import BM25Index
from retrieval.positions import Phrases, Positions
from retrieval.taxonomy import Taxonomy

# A name variant adds a version to a tag's name: #yolo -> #yolov3, #yolov4, #gpt -> #gpt-2.
_VERSION = re.compile(r"^v?\d[\w.]*$")


class Corpus:
    """The searchable catalog: its columns, index, term positions, tag postings and id order.

    Built once (``Corpus.build``) or assembled from a snapshot's arrays; the pipeline only reads it.
    """

    def __init__(
        self,
        catalog: Catalog,
        taxonomy: Taxonomy,
        analyzer: Analyzer,
        index: BM25Index,
        phrases: Phrases,
        tag_postings: tuple[np.ndarray, np.ndarray],
        id_order: np.ndarray,
        id_rank: np.ndarray,
    ):
        self.catalog = catalog
        self.taxonomy = taxonomy
        self.analyzer = analyzer
        self.index = index
        self.phrases = phrases
        if not index.n_docs == len(catalog) == id_order.size == id_rank.size:
            raise ValueError(f"the index has {index.n_docs} documents, the catalog {len(catalog)}")
        indptr, docs = self.tag_postings = tag_postings
        self.tag_docs = {tag: docs[indptr[t] : indptr[t + 1]] for t, tag in enumerate(catalog.tag_names)}
        self.timestamps = catalog.timestamps
        self.id_order, self.id_rank = id_order, id_rank
        self.doc_of = IdLookup(id_order, catalog.project_id)
        # A mask is a byte per project (1 MB at a million): the caches hold MASK_CACHE_BYTES of
        # them, so each worker process keeps a bounded private share; counts are kept apart.
        self.tag_mask = functools.lru_cache(maxsize=_masks(3 * MASK_CACHE_BYTES // 4, len(catalog), 4096))(self._tag_mask)
        self.excluded = functools.lru_cache(maxsize=_masks(MASK_CACHE_BYTES // 8, len(catalog), 1024))(self._excluded)
        self.titled = functools.lru_cache(maxsize=_masks(MASK_CACHE_BYTES // 8, len(catalog), 1024))(self._titled)
        self.carrying = functools.lru_cache(maxsize=65_536)(self._carrying)

    @classmethod
    def build(cls, catalog: Catalog, taxonomy: Taxonomy, analyzer: Analyzer, index: BM25Index, phrases: Phrases) -> Corpus:
        order = id_order([catalog.project_id(doc) for doc in range(len(catalog))])
        rank = np.empty(len(catalog), dtype=np.float64)
        rank[order] = np.arange(len(catalog))
        return cls(catalog, taxonomy, analyzer, index, phrases, catalog.tag_postings(), order, rank)

    def __len__(self) -> int:
        return len(self.catalog)

    def well_formed(self) -> bool:
        """Every array within the bounds the others set (a loaded snapshot is checked before use)."""
        n = len(self.catalog)
        indptr, docs = self.tag_postings
        return (
            self.catalog.well_formed()
            and self.index.well_formed()
            and self.phrases.words.well_formed()
            and self.phrases.word_order.shape == (len(self.phrases.words),)
            and self.phrases.word_positions.well_formed(n, len(self.phrases.words))
            and self.phrases.title_terms.well_formed(n, len(self.index.vocabulary))
            and indptr.shape == (len(self.catalog.tag_names) + 1,)
            and int(indptr[-1]) == docs.size
            and (docs.size == 0 or 0 <= int(docs.min()) <= int(docs.max()) < n)
            and (n == 0 or 0 <= int(self.id_order.min()) <= int(self.id_order.max()) < n)
        )

    def tag_count(self, tag: str) -> int:
        docs = self.tag_docs.get(tag)
        return 0 if docs is None else int(docs.size)

    def _tag_mask(self, tag: str) -> np.ndarray:
        """Documents carrying the tag or any tag below it (read-only: it is shared)."""
        mask = np.zeros(len(self.catalog), dtype=bool)
        for name in self.taxonomy.descendants(tag):
            docs = self.tag_docs.get(name)
            if docs is not None:
                mask[docs] = True
        mask.flags.writeable = False
        return mask

    def _carrying(self, tag: str) -> int:
        """How many projects carry the tag or a tag below it."""
        return int(np.count_nonzero(self.tag_mask(tag)))

    def all_tags(self, tags: Sequence[str]) -> np.ndarray:
        mask = np.ones(len(self.catalog), dtype=bool)
        for tag in tags:
            mask &= self.tag_mask(tag)
        return mask

    def _excluded(self, tag: str) -> np.ndarray:
        """What excluding a tag rules out: the tag, its descendants, its versions, and titles naming it.

        "not yolo" also means not #yolov3 and not a project titled "YOLO made simple".
        Read-only and cached: a common exclusion ("not pytorch") is checked against many titles once.
        """
        mask = self.tag_mask(tag) | self.titled(tag)
        for variant in self._variants(tag):
            mask |= self.tag_mask(variant)
        mask.flags.writeable = False
        return mask

    def _titled(self, tag: str) -> np.ndarray:
        """Documents whose title names the tag (its name or an alias), tagged or not (read-only: cached)."""
        mask = np.zeros(len(self.catalog), dtype=bool)
        for name in self._names(tag):
            terms = self.analyzer.terms(name)
            if terms:
                mask |= self.title_mask(terms)
        mask.flags.writeable = False
        return mask

    def _variants(self, tag: str) -> tuple[str, ...]:
        stems = {fold_tag(name) for name in self._names(tag)}
        return tuple(
            t
            for t in self.tag_docs
            if any(fold_tag(t).startswith(stem) and _VERSION.match(fold_tag(t)[len(stem) :]) for stem in stems)
        )

    def _names(self, tag: str) -> list[str]:
        aliases = [alias for alias, owner in self.taxonomy.aliases.items() if owner == tag]
        return [tag.replace("-", " "), *(a.replace("-", " ") for a in aliases)]

    def title_mask(self, terms: list[str]) -> np.ndarray:
        """Documents whose title holds these analyzer terms in a row."""
        slots = [[row] if (row := self.index.vocabulary.get(term)) is not None else [] for term in terms]
        return self._in_a_row(self.phrases.title_terms, slots)

    def phrase_mask(self, phrase: str) -> np.ndarray:
        """Documents whose title or description holds the phrase.

        Word for word, case-blind, stop words included, the last word also as the start of a
        longer one ("neural network" finds "neural networks"), and among the documents that
        hold every term of the phrase: what a substring search of the text found, except
        that punctuation between the words does not matter ("text to speech" finds
        "text-to-speech") and the first word is a whole word (tests/retrieval/test_phrases.py).
        """
        terms = self.analyzer.terms(phrase)
        if not terms:
            return np.zeros(len(self.catalog), dtype=bool)
        mask = self._in_a_row(self.phrases.word_positions, self.phrases.word_slots(word_tokens(phrase)))
        for term in terms:
            holding = np.zeros(len(self.catalog), dtype=bool)
            holding[self.index.postings(term)] = True
            mask &= holding
        return mask

    def _in_a_row(self, positions: Positions, slots: list[list[int]]) -> np.ndarray:
        if not slots or not all(slots):
            return np.zeros(len(self.catalog), dtype=bool)
        return positions.mask(slots, len(self.catalog))

    def date_mask(self, start: date | None, end: date | None) -> np.ndarray:
        """Projects created within the dates; undated projects fall outside any range."""
        if not (start or end):
            return np.ones(len(self.catalog), dtype=bool)
        mask = self.timestamps != 0.0  # unknown dates are stored as 0
        if start:
            mask &= self.timestamps >= _epoch_seconds(start)
        if end:
            mask &= self.timestamps < _epoch_seconds(end) + 86_400
        return mask


MASK_CACHE_BYTES = 32 << 20


def _masks(budget: int, n_docs: int, most: int) -> int:
    """How many masks of n_docs bytes fit the budget (at least 8, at most ``most``)."""
    return max(8, min(most, budget // max(1, n_docs)))


def _epoch_seconds(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()
