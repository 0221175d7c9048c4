"""One catalog as arrays: the BM25 index, tag postings, dates, and the masks queries need.

Everything here is per document and built once; the pipeline stages (retrieval/plan.py,
score.py, select.py) only read it.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from datetime import date, datetime, timezone
from operator import attrgetter

import numpy as np

from retrieval.analyzer import TAG_PREFIX, Analyzer, fold_tag
from retrieval.index import BM25Index
from retrieval.models import Project
from retrieval.taxonomy import Taxonomy

_SPACE = re.compile(r"\s+")
# A name variant adds a version to a tag's name: #yolo -> #yolov3, #yolov4, #gpt -> #gpt-2.
_VERSION = re.compile(r"^v?\d[\w.]*$")


class Corpus:
    def __init__(self, projects: Sequence[Project], taxonomy: Taxonomy, analyzer: Analyzer, index: BM25Index):
        self.projects = projects
        self.taxonomy = taxonomy
        self.analyzer = analyzer
        self.index = index
        if index.n_docs != len(projects):
            raise ValueError(f"the index has {index.n_docs} documents, the catalog {len(projects)}")
        catalog_tags = list(dict.fromkeys(itertools.chain.from_iterable(p.tags for p in projects)))
        self.tag_docs = _tag_postings(index, projects, catalog_tags)
        self.timestamps = _timestamps(projects)
        id_order = _id_order(projects)
        self.id_rank = np.empty(len(projects), dtype=np.float64)
        self.id_rank[id_order] = np.arange(len(projects))
        self.doc_of = {pid: doc for doc, pid in enumerate(map(str, map(attrgetter("id"), projects)))}
        self.tag_mask = functools.lru_cache(maxsize=4096)(self._tag_mask)
        self.excluded = functools.lru_cache(maxsize=1024)(self._excluded)

    def __len__(self) -> int:
        return len(self.projects)

    def tag_count(self, tag: str) -> int:
        docs = self.tag_docs.get(tag)
        return 0 if docs is None else int(docs.size)

    def _tag_mask(self, tag: str) -> np.ndarray:
        """Documents carrying the tag or any tag below it (read-only: it is shared)."""
        mask = np.zeros(len(self.projects), dtype=bool)
        for name in self.taxonomy.descendants(tag):
            docs = self.tag_docs.get(name)
            if docs is not None:
                mask[docs] = True
        mask.flags.writeable = False
        return mask

    def all_tags(self, tags: Sequence[str]) -> np.ndarray:
        mask = np.ones(len(self.projects), dtype=bool)
        for tag in tags:
            mask &= self.tag_mask(tag)
        return mask

    def _excluded(self, tag: str) -> np.ndarray:
        """What excluding a tag rules out: the tag, its descendants, its versions, and titles naming it.

        "not yolo" also means not #yolov3 and not a project titled "YOLO made simple".
        Read-only and cached: a common exclusion ("not pytorch") is checked against many titles once.
        """
        mask = self.tag_mask(tag).copy()
        for variant in self._variants(tag):
            mask |= self.tag_mask(variant)
        for name in self._names(tag):
            terms = self.analyzer.terms(name)
            if terms:
                mask |= self.title_mask(terms)
        mask.flags.writeable = False
        return mask

    def _variants(self, tag: str) -> tuple[str, ...]:
        stems = {fold_tag(name) for name in self._names(tag)}
        return tuple(t for t in self.tag_docs if any(
            fold_tag(t).startswith(stem) and _VERSION.match(fold_tag(t)[len(stem):]) for stem in stems))

    def _names(self, tag: str) -> list[str]:
        aliases = [alias for alias, owner in self.taxonomy.aliases.items() if owner == tag]
        return [tag.replace("-", " "), *(a.replace("-", " ") for a in aliases)]

    def title_mask(self, terms: list[str]) -> np.ndarray:
        """Documents whose title holds these analyzer terms in a row."""
        mask = np.zeros(len(self.projects), dtype=bool)
        for doc in self._holding(terms).tolist():
            title = self.analyzer.terms(self.projects[doc].title)
            if _contains(title, terms):
                mask[doc] = True
        return mask

    def phrase_mask(self, phrase: str) -> np.ndarray:
        """Documents whose title or description holds the phrase, checked only where every term occurs."""
        mask = np.zeros(len(self.projects), dtype=bool)
        terms = self.analyzer.terms(phrase)
        if not terms:
            return mask
        needle = _SPACE.sub(" ", phrase.lower()).strip()
        for doc in self._holding(terms).tolist():
            project = self.projects[doc]
            if needle in _SPACE.sub(" ", f"{project.title} {project.description}".lower()):
                mask[doc] = True
        return mask

    def _holding(self, terms: list[str]) -> np.ndarray:
        """Documents whose text holds every term."""
        candidates = self.index.postings(terms[0])
        for term in terms[1:]:
            candidates = np.intersect1d(candidates, self.index.postings(term), assume_unique=True)
        return candidates

    def date_mask(self, start: date | None, end: date | None) -> np.ndarray:
        """Projects created within the dates; undated projects fall outside any range."""
        if not (start or end):
            return np.ones(len(self.projects), dtype=bool)
        mask = self.timestamps != 0.0  # unknown dates are stored as 0
        if start:
            mask &= self.timestamps >= _epoch_seconds(start)
        if end:
            mask &= self.timestamps < _epoch_seconds(end) + 86_400
        return mask


def _contains(words: list[str], run: list[str]) -> bool:
    n = len(run)
    return any(words[i:i + n] == run for i in range(len(words) - n + 1))


def _epoch_seconds(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()


def _tag_postings(index: BM25Index, projects: Sequence[Project], tags: list[str]) -> dict[str, np.ndarray]:
    """Each tag's documents (ascending), tags in order of first use.

    Every tag of a document is indexed as its whole-tag term (Analyzer.tag_terms), and no
    word becomes a term starting with TAG_PREFIX, so the index already holds these lists.
    If the counts ever disagree (the document terms changed), they are collected one by one.
    """
    found = {tag: np.asarray(index.postings(TAG_PREFIX + tag), dtype=np.int32) for tag in tags}
    if sum(docs.size for docs in found.values()) == sum(map(len, (p.tags for p in projects))):
        return found
    postings: dict[str, list[int]] = {}
    for number, project in enumerate(projects):
        for tag in project.tags:
            postings.setdefault(tag, []).append(number)
    return {tag: np.array(docs, dtype=np.int32) for tag, docs in postings.items()}


def _timestamps(projects: Sequence[Project]) -> np.ndarray:
    """Each project's ``timestamp``; for naive dates the same timedelta.total_seconds(), without the tz round trip."""
    dates = list(map(attrgetter("created_on"), projects))
    if any(d is not None and d.tzinfo is not None for d in dates):
        return np.array([p.timestamp for p in projects], dtype=np.float64)
    return np.array([0.0 if d is None else (d - _EPOCH).total_seconds() for d in dates], dtype=np.float64)


_EPOCH = datetime(1970, 1, 1)


def _id_order(projects: Sequence[Project]) -> list[int] | np.ndarray:
    """Document numbers sorted by _id_key (stable); all-int ids at once through numpy."""
    ids = list(map(attrgetter("id"), projects))
    if set(map(type, ids)) <= {int}:
        try:
            return np.argsort(np.array(ids, dtype=np.int64), kind="stable")
        except OverflowError:  # beyond int64
            pass
    return sorted(range(len(ids)), key=lambda i: _id_key(ids[i]))


def _id_key(project_id: int | str) -> tuple[int, int, str]:
    if isinstance(project_id, int):
        return (0, project_id, "")
    return (1, 0, project_id)
