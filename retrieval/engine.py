"""The search engine: a thin facade over the pipeline parse -> plan -> score -> select -> explain.

- parse (retrieval/parser.py): request text to a Query of keywords, tag intents, exclusions;
- plan (retrieval/plan.py): the text terms, tag evidence and weights, tag-model expansions;
- score (retrieval/score.py): hard limits as a mask, then BM25 plus weighted evidence;
- select (retrieval/select.py): the ranked page;
- explain (retrieval/explain.py, suggest.py): notes true of the page, and tags to refine by.
What the engine learns from its catalog (retrieval/learned.py) is built with it and cached
with the index (retrieval/cache.py).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

from retrieval.alternatives import Alternative, alternatives
from retrieval.analyzer import Analyzer
from retrieval.catalog import load_catalog
from retrieval.corpus import Corpus
from retrieval.explain import page_notes
from retrieval.index import BM25Index, gc_paused
from retrieval.learned import LearnedModels
from retrieval.models import Project, Query, SearchResponse, SearchResult, normalize_tag
from retrieval.parser import RequestParser
from retrieval.plan import RankingWeights, plan
from retrieval.problems import Problem
from retrieval.progress import tracked
from retrieval.refine import Refinement, is_refinement, refine
from retrieval.score import score
from retrieval.select import select
from retrieval.suggest import SAMPLE as SUGGESTION_SAMPLE
from retrieval.suggest import suggest_tags
from retrieval.tagmatch import TagMatcher
from retrieval.taxonomy import Taxonomy, load_taxonomy

MAX_LIMIT = 100


class EngineSettings(RankingWeights):
    """Index and ranking settings; the ranking weights are fitted by benchmarks/relevance.py --fit."""

    # Fitted with the ranking weights (--fit --set title_weight=N for 1..4): 1 scored best.
    title_weight: int = 1
    k1: float = 1.5
    b: float = 0.75


class SearchEngine:
    """Holds one catalog's index and learned models; ``search`` is safe to call from many threads."""

    @gc_paused()  # building for a million projects: no collector passes over them meanwhile
    def __init__(self, projects: Sequence[Project], taxonomy: Taxonomy | None = None,
                 settings: EngineSettings | None = None, skipped: Sequence[Problem] = (),
                 index: BM25Index | None = None, models: LearnedModels | None = None):
        self.settings = settings or EngineSettings()
        self.skipped = list(skipped)
        taxonomy = taxonomy or Taxonomy()
        canonical = functools.cache(taxonomy.canonical)  # a catalog repeats its few thousand tags
        self.projects = [_canonical_tags(p, canonical) for p in projects]
        catalog_tags = set(itertools.chain.from_iterable(p.tags for p in self.projects))
        self.taxonomy = taxonomy.with_catalog_tags(catalog_tags)
        self.analyzer = Analyzer()
        self._tag_terms = functools.cache(lambda tag: tuple(self.analyzer.tag_terms(tag)))
        # ``index`` and ``models``: built earlier for these very projects and settings (retrieval/cache.py).
        self.index = index if index is not None else BM25Index(
            (self.document_terms(p) for p in tracked(self.projects, "indexing projects")),
            k1=self.settings.k1, b=self.settings.b)
        self.corpus = Corpus(self.projects, self.taxonomy, self.analyzer, self.index)
        self.models = models if models is not None else LearnedModels.build(self.projects, self.taxonomy,
                                                                              self.analyzer)
        tag_counts = {tag: int(docs.size) for tag, docs in self.corpus.tag_docs.items()}
        matcher = TagMatcher(self.taxonomy, self.analyzer, tag_counts, self.index.doc_freq)
        self.parser = RequestParser(self.taxonomy, self.analyzer, matcher, self.models.lexicon,
                                    self.settings.filler_ratio)

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

    def document_terms(self, project: Project) -> list[str]:
        """What the index holds of a project: the title (weighted), the description, the tags."""
        title = self.analyzer.terms(project.title)
        terms = title * self.settings.title_weight + self.analyzer.terms(project.description)
        terms.extend(itertools.chain.from_iterable(map(self._tag_terms, project.tags)))
        return terms

    @property
    def settings(self) -> EngineSettings:
        return self._settings

    @settings.setter
    def settings(self, settings: EngineSettings) -> None:
        """New ranking weights take effect on the next search (the index settings are fixed at build)."""
        self._settings = settings
        if hasattr(self, "parser"):
            self.parser.filler_ratio = settings.filler_ratio

    def project(self, project_id: str) -> Project | None:
        doc = self.corpus.doc_of.get(project_id)
        return None if doc is None else self.projects[doc]

    def tag_count(self, tag: str) -> int:
        return self.corpus.tag_count(tag)

    def parse(self, request: str) -> Query:
        return self.parser.parse(request)

    def refine(self, previous: Query, text: str) -> Refinement:
        """A thread reply applied to the previous query (see retrieval/refine.py)."""
        return refine(self.parser, previous, text)

    def is_refinement(self, text: str) -> bool:
        return is_refinement(self.parser, text)

    def alternatives(self, query: Query) -> list[Alternative]:
        """For an empty result: constraints to drop and nearby tags, each with its result count."""
        return alternatives(query, self.count, self.taxonomy.tags, self.tag_count)

    def count(self, query: Query) -> int:
        """How many projects a query finds."""
        return self.search(query, limit=1).total

    def search(self, request: str | Query, limit: int = 10, offset: int = 0) -> SearchResponse:
        query = self.parse(request) if isinstance(request, str) else self._resolved(request)
        limit = max(1, min(int(limit), MAX_LIMIT))
        offset = max(0, int(offset))
        planned = plan(query, self.corpus, self.models.tag_model, self.settings)
        scored = score(planned, self.corpus)
        ranked = select(scored, planned.query, self.corpus, max(offset + limit, SUGGESTION_SAMPLE))
        page = ranked[offset:offset + limit]
        notes, relaxed = page_notes(planned.query, scored, page, self.corpus)
        taken = {*query.include_tags, *query.exclude_tags}  # an expansion only weighs: filtering on it still helps
        suggestions = suggest_tags([self.projects[i] for i in ranked[:SUGGESTION_SAMPLE]], taken, self.taxonomy)
        return SearchResponse(
            request=query.text, parsed=planned.query, total=int(scored.candidates.size), offset=offset,
            limit=limit, results=[SearchResult(project=self.projects[i], score=float(scored.scores[i])) for i in page],
            suggested_tags=suggestions, relaxed=relaxed, notes=[*query.notes, *notes],
        )

    def _resolved(self, query: Query) -> Query:
        """A Query built by hand may name tags by alias or spelling variant, like a request."""
        def resolve(tags: list[str]) -> list[str]:
            return list(dict.fromkeys(self.parser.resolve_tag(t) or normalize_tag(t) for t in tags))

        fields = ("include_tags", "exclude_tags", "inferred_tags")
        return query.model_copy(update={name: resolve(getattr(query, name)) for name in fields})


def _canonical_tags(project: Project, canonical: Callable[[str], str]) -> Project:
    """Tags written as aliases ('nlp') become their canonical tag, once, at load time."""
    tags = list(dict.fromkeys(map(canonical, project.tags)))
    return project if tags == project.tags else project.model_copy(update={"tags": tags})
