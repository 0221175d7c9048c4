"""The search engine: parse, retrieve, filter, relax, rank, suggest."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from retrieval.alternatives import Alternative, alternatives
from retrieval.analyzer import TAG_PREFIX, Analyzer
from retrieval.catalog import load_catalog
from retrieval.index import BM25Index, gc_paused
from retrieval.models import Project, Query, SearchResponse, SearchResult, Sort, normalize_tag
from retrieval.parser import RequestParser
from retrieval.problems import Problem
from retrieval.progress import tracked
from retrieval.ranking import top_k
from retrieval.refine import Refinement, is_refinement, refine
from retrieval.suggest import SAMPLE as SUGGESTION_SAMPLE, suggest_tags
from retrieval.taxonomy import Taxonomy, load_taxonomy

MAX_LIMIT = 100
TITLE_MATCH_POOL = 50
_SPACE = re.compile(r"\s+")


class EngineSettings(BaseModel):
    """Ranking knobs, measured with benchmarks/relevance.py."""

    title_weight: int = 2
    k1: float = 1.5
    b: float = 0.75
    # Inferred tags filter when the request has at most this many other content words;
    # -1 makes them rank only, a large number makes them always filter.
    max_free_words_for_filter: int = 1
    # Keep the words that named a tag as ranking keywords too.
    tag_words_as_keywords: bool = True


@dataclass
class _Tier:
    """Candidates that rank together; strict matches form the first tier."""

    docs: np.ndarray
    missing: list[str] = field(default_factory=list)


class SearchEngine:
    """Holds one catalog's index; ``search`` is safe to call from many threads."""

    @gc_paused()  # building for a million projects: no collector passes over them meanwhile
    def __init__(self, projects: Sequence[Project], taxonomy: Taxonomy | None = None,
                 settings: EngineSettings | None = None, skipped: Sequence[Problem] = (),
                 index: BM25Index | None = None):
        self.settings = settings or EngineSettings()
        self.skipped = list(skipped)
        taxonomy = taxonomy or Taxonomy()
        canonical = functools.cache(taxonomy.canonical)  # a catalog repeats its few thousand tags
        self.projects = [_canonical_tags(p, canonical) for p in projects]
        catalog_tags = list(dict.fromkeys(itertools.chain.from_iterable(p.tags for p in self.projects)))
        self.taxonomy = taxonomy.with_catalog_tags(set(catalog_tags))
        self.analyzer = Analyzer()
        self._tag_terms = functools.cache(lambda tag: tuple(self.analyzer.tag_terms(tag)))
        # ``index``: one built earlier for these very projects and settings (retrieval/cache.py).
        documents = (self._document_terms(p) for p in tracked(self.projects, "indexing projects"))  # streamed
        self.index = index if index is not None else BM25Index(documents, k1=self.settings.k1, b=self.settings.b)
        if self.index.n_docs != len(self.projects):
            raise ValueError(f"the index has {self.index.n_docs} documents, the catalog {len(self.projects)}")
        n = len(self.projects)
        self._timestamps = _timestamps(self.projects)
        id_order = _id_order(self.projects)
        self._id_rank = np.empty(n, dtype=np.float64)
        self._id_rank[id_order] = np.arange(n)
        self._tag_docs = _tag_postings(self.index, self.projects, catalog_tags)
        self._by_id = dict(zip(map(str, map(attrgetter("id"), self.projects)), self.projects))
        tag_counts = {tag: int(docs.size) for tag, docs in self._tag_docs.items()}
        self.parser = RequestParser(self.taxonomy, self.analyzer, tag_counts, self.index.doc_freq,
                                    self.settings.max_free_words_for_filter, self.settings.tag_words_as_keywords)

    @classmethod
    def from_paths(cls, catalog: str | Path, taxonomy: str | Path | None = None,
                   skip_invalid: bool = False, settings: EngineSettings | None = None) -> SearchEngine:
        loaded = load_catalog(catalog, skip_invalid=skip_invalid)
        skipped = list(loaded.skipped)
        tax = None
        if taxonomy is not None:
            tax, problems = load_taxonomy(taxonomy, skip_invalid=skip_invalid)
            skipped.extend(problems)
        return cls(loaded.projects, tax, settings=settings, skipped=skipped)

    def _document_terms(self, project: Project) -> list[str]:
        title = self.analyzer.terms(project.title)
        terms = title * self.settings.title_weight + self.analyzer.terms(project.description)
        terms.extend(itertools.chain.from_iterable(map(self._tag_terms, project.tags)))
        return terms

    # ---- public API -------------------------------------------------------------------

    def project(self, project_id: str) -> Project | None:
        return self._by_id.get(project_id)

    def tag_count(self, tag: str) -> int:
        docs = self._tag_docs.get(tag)
        return 0 if docs is None else int(docs.size)

    def parse(self, request: str) -> Query:
        return self.parser.parse(request)

    def refine(self, previous: Query, text: str) -> Refinement:
        """A thread reply applied to the previous query (see retrieval/refine.py)."""
        return refine(self.parser, previous, text)

    def is_refinement(self, text: str) -> bool:
        return is_refinement(self.parser, text)

    def alternatives(self, query: Query) -> list[Alternative]:
        """For an empty result: constraints to drop and nearby tags, each with its result count."""
        return alternatives(self, query)

    def search(self, request: str | Query, limit: int = 10, offset: int = 0) -> SearchResponse:
        query = self.parse(request) if isinstance(request, str) else self._resolved(request)
        limit = max(1, min(int(limit), MAX_LIMIT))
        offset = max(0, int(offset))
        notes: list[str] = []
        scores, matched = self._keyword_matches(query)
        allowed = ~self._any_tag_mask(query.exclude_tags)
        for word in query.exclude_words:  # like excluded tags, never relaxed
            for term in self.analyzer.terms(word):
                allowed[self.index.postings(term)] = False
        hard = [t for t in query.include_tags if t not in query.inferred_tags]
        soft = [t for t in query.include_tags if t in query.inferred_tags]
        for tag in query.include_tags:
            if tag not in self.taxonomy.tags:
                notes.append(f"#{tag} is not a tag in this catalog.")
        base = allowed & self._all_tags_mask(hard)
        tiers = self._tiers(query, base, matched, scores, soft, limit)
        strict_total = tiers[0].docs.size
        relaxed = len(tiers) > 1

        keys = self._sort_keys(query, scores)
        wanted = offset + limit
        ranked, from_tier = self._rank(tiers, keys, max(wanted, SUGGESTION_SAMPLE))
        if relaxed:
            shown = sorted(set(from_tier[offset:wanted]) - {0}) or [1]
            notes.append(self._relaxation_note(query, strict_total, [tiers[i] for i in shown]))
        taken = {*query.include_tags, *query.boost_tags, *query.exclude_tags}
        suggestions = suggest_tags([self.projects[i] for i in ranked[:SUGGESTION_SAMPLE]], taken, self.taxonomy)
        results = [SearchResult(project=self.projects[i], score=float(scores[i])) for i in ranked[offset:wanted]]
        return SearchResponse(
            request=query.text, parsed=query, total=sum(t.docs.size for t in tiers),
            offset=offset, limit=limit, results=results, suggested_tags=suggestions,
            relaxed=relaxed, notes=[*query.notes, *notes],
        )

    def _resolved(self, query: Query) -> Query:
        """A Query built by hand may name tags by alias or spelling variant, like a request."""
        def resolve(tags: list[str]) -> list[str]:
            return list(dict.fromkeys(self.parser.resolve_tag(t) or normalize_tag(t) for t in tags))

        fields = ("include_tags", "exclude_tags", "inferred_tags", "boost_tags")
        return query.model_copy(update={name: resolve(getattr(query, name)) for name in fields})

    def _rank(self, tiers: list[_Tier], keys: list[np.ndarray], count: int) -> tuple[list[int], list[int]]:
        """The first ``count`` documents (each tier in order, ranked within itself) and their tiers."""
        ranked: list[int] = []
        from_tier: list[int] = []
        for number, tier in enumerate(tiers):
            if len(ranked) >= count:
                break
            docs = top_k(tier.docs, keys, count - len(ranked)).tolist()
            ranked.extend(docs)
            from_tier.extend([number] * len(docs))
        return ranked, from_tier

    # ---- retrieval --------------------------------------------------------------------

    def _keyword_matches(self, query: Query) -> tuple[np.ndarray, np.ndarray]:
        """BM25 scores, and which documents the words match.

        Free keywords and phrases decide the match. The words that named inferred tags,
        and those tags' whole-tag and part terms, only add to the score. With no free
        words every document matches (the tags filter elsewhere), unless boost tags are
        all there is.
        """
        n = len(self.projects)
        phrase_terms = [self.analyzer.terms(p) for p in query.phrases]
        free = [t for word in query.keywords for t in self.analyzer.terms(word)]
        free += [t for group in phrase_terms for t in group]
        extra = [t for word in query.tag_words for t in self.analyzer.terms(word)]
        extra += [t for tag in [*query.inferred_tags, *query.boost_tags] for t in self.analyzer.tag_terms(tag)]
        free_scores = self.index.scores(free) if free else np.zeros(n)
        scores = free_scores + self.index.scores(extra) if extra else free_scores
        if free:
            matched = free_scores > 0
        elif query.boost_tags and not query.include_tags:
            matched = scores > 0
        else:
            matched = np.ones(n, dtype=bool)
        for phrase, group in zip(query.phrases, phrase_terms):
            matched &= self._phrase_mask(phrase, group)
        return scores, matched

    def _phrase_mask(self, phrase: str, terms: list[str]) -> np.ndarray:
        """Documents whose title or description holds the phrase, checked only where every term occurs."""
        mask = np.zeros(len(self.projects), dtype=bool)
        if not terms:
            return mask
        candidates = self.index.postings(terms[0])
        for term in terms[1:]:
            candidates = np.intersect1d(candidates, self.index.postings(term), assume_unique=True)
        needle = _SPACE.sub(" ", phrase.lower()).strip()
        for doc in candidates.tolist():
            project = self.projects[doc]
            if needle in _SPACE.sub(" ", f"{project.title} {project.description}".lower()):
                mask[doc] = True
        return mask

    def _tag_mask(self, tag: str) -> np.ndarray:
        """Documents carrying the tag or any tag below it."""
        mask = np.zeros(len(self.projects), dtype=bool)
        for name in self.taxonomy.descendants(tag):
            docs = self._tag_docs.get(name)
            if docs is not None:
                mask[docs] = True
        return mask

    def _any_tag_mask(self, tags: list[str]) -> np.ndarray:
        mask = np.zeros(len(self.projects), dtype=bool)
        for tag in tags:
            mask |= self._tag_mask(tag)
        return mask

    def _all_tags_mask(self, tags: list[str]) -> np.ndarray:
        mask = np.ones(len(self.projects), dtype=bool)
        for tag in tags:
            mask &= self._tag_mask(tag)
        return mask

    def _tiers(self, query: Query, base: np.ndarray, matched: np.ndarray, scores: np.ndarray,
               soft: list[str], limit: int) -> list[_Tier]:
        """Strict matches, then (only when they are too few) the best partial matches.

        Exclusions and explicit tags always hold. First the words are let go (the tags came
        from the request's most telling words), then inferred tags, the broadest first, so
        "clustering in python" keeps #clustering before #python. Last come word-only matches.
        """
        has_words = bool(query.keywords or query.phrases)
        if has_words:  # documents scoring 0 are never results of a keyword query
            base = base & (scores > 0)
        masks = [self._tag_mask(tag) for tag in soft]
        bits = np.zeros(len(self.projects), dtype=np.int64)
        for position, mask in enumerate(masks):
            bits[mask] |= 1 << position
        full = (1 << len(soft)) - 1
        strict = base & matched & (bits == full)
        titled = self._title_matches(query, scores, base & ~strict) if soft else np.zeros(0, dtype=np.int64)
        if has_words:  # a request with words beyond its tags may be naming one project
            strict[titled] = True
            titled = titled[:0]
        tiers = [_Tier(docs=np.flatnonzero(strict))]
        if tiers[0].docs.size >= limit or query.is_empty:
            return tiers
        if titled.size:
            tiers.append(_Tier(docs=titled, missing=[t for i, t in enumerate(soft) if not masks[i][titled].all()]))
        base = base & ~strict
        base[titled] = False
        if has_words and query.include_tags:
            tiers.append(_Tier(docs=np.flatnonzero(base & ~matched & (bits == full)), missing=["the words"]))
        weights = [self._tag_weight(mask) for mask in masks]
        # A partial match keeps something of the request: an inferred tag, the words, or the explicit tags.
        partial = base & (bits != full)
        if not (has_words or len(soft) < len(query.include_tags)):
            partial &= bits > 0
        combos = np.unique(bits[partial]).tolist()
        combos.sort(key=lambda c: (-sum(w for i, w in enumerate(weights) if c >> i & 1), c))
        for combo in combos:
            missing = [tag for i, tag in enumerate(soft) if not combo >> i & 1]
            tiers.append(_Tier(docs=np.flatnonzero(partial & (bits == combo)), missing=missing))
        return tiers[:1] + [tier for tier in tiers[1:] if tier.docs.size]

    def _title_matches(self, query: Query, scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Best-scoring documents whose title holds every word of the request.

        Such a title names what was asked for ("structured prediction library"), so the
        project counts as a strict match even when it lacks a tag inferred from the words.
        Requests made only of tag words ("pytorch notebooks") are filters: there such
        projects only lead the close matches.
        Only the top few candidates are checked, so this stays cheap on any catalog.
        """
        words = [*query.keywords, *query.tag_words, *query.phrases]
        wanted = {term for word in words for term in self.analyzer.terms(word)}
        pool = np.flatnonzero(candidates & (scores > 0))
        if len(wanted) < 2 or pool.size == 0:
            return pool[:0]
        pool = top_k(pool, [scores], TITLE_MATCH_POOL)
        return np.array([d for d in pool.tolist() if wanted <= set(self.analyzer.terms(self.projects[d].title))],
                        dtype=np.int64)

    def _tag_weight(self, mask: np.ndarray) -> float:
        """How telling a tag is (given the documents it keeps): rarer tags narrow more, so they are relaxed last."""
        count = int(mask.sum())
        return float(np.log((len(self.projects) + 1) / (count + 1)))

    def _relaxation_note(self, query: Query, strict_total: int, extra: list[_Tier]) -> str:
        """Say what was relaxed for the close matches on this page."""
        missing: list[str] = []
        for tier in extra:
            missing.extend(m for m in tier.missing if m not in missing)
        names = [m if m == "the words" else f"#{m}" for m in missing]
        wanted = " ".join(f"#{t}" for t in query.include_tags) or "your words"
        count = "No project matches" if strict_total == 0 else f"Only {strict_total} match"
        return f"{count} all of {wanted}; close matches that miss {' or '.join(names)} follow."

    def _sort_keys(self, query: Query, scores: np.ndarray) -> list[np.ndarray]:
        """Relevance: score, newest, id. A query with no words ranks newest first."""
        if query.sort is Sort.NEWEST:
            return [self._timestamps, scores, -self._id_rank]
        if query.sort is Sort.OLDEST:
            return [-self._timestamps, scores, -self._id_rank]
        return [scores, self._timestamps, -self._id_rank]

def _canonical_tags(project: Project, canonical: Callable[[str], str]) -> Project:
    """Tags written as aliases ('nlp') become their canonical tag, once, at load time."""
    tags = list(dict.fromkeys(map(canonical, project.tags)))
    return project if tags == project.tags else project.model_copy(update={"tags": tags})


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
