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
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
from pydantic import Field

from retrieval.alternatives import Alternative, alternatives
from retrieval.analyzer import Analyzer, word_tokens
from retrieval.catalog import load_catalog
from retrieval.columns import Catalog
from retrieval.corpus import Corpus
from retrieval.explain import page_notes
from retrieval.index import BM25Index, Tokens, TokenStream, gc_paused
from retrieval.learned import LearnedModels
from retrieval.models import Project, Query, SearchResponse, SearchResult, normalize_tag
from retrieval.parser import RequestParser
from retrieval.plan import RankingWeights, plan
from retrieval.positions import Phrases, Positions
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
    title_weight: int = Field(default=1, ge=1)
    k1: float = 1.5
    b: float = 0.75


class SearchEngine:
    """Holds one catalog's index and learned models; ``search`` is safe to call from many threads.

    The catalog is held as columns (retrieval/columns.py): ``project_at(doc)``, ``project(id)``
    and ``projects[doc]`` build a Project when asked, and a search builds them only for the
    results it returns.
    """

    @gc_paused()  # building for a million projects: no collector passes over them meanwhile
    def __init__(
        self,
        projects: Sequence[Project] | Catalog,
        taxonomy: Taxonomy | None = None,
        settings: EngineSettings | None = None,
        skipped: Sequence[Problem] = (),
    ):
        settings = settings or EngineSettings()
        taxonomy = taxonomy or Taxonomy()
        catalog = projects if isinstance(projects, Catalog) else Catalog.from_projects(projects)
        catalog = catalog.with_canonical_tags(functools.cache(taxonomy.canonical))  # a catalog repeats its tags
        taxonomy = taxonomy.with_catalog_tags(catalog.tag_names)
        analyzer = Analyzer()
        index, phrases, word_counts = _indexed(catalog, analyzer, settings)
        corpus = Corpus.build(catalog, taxonomy, analyzer, index, phrases)
        models = LearnedModels.build(catalog, taxonomy, analyzer, word_counts, corpus.tag_docs)
        self._assemble(corpus, models, settings, skipped)

    @classmethod
    def assembled(
        cls, corpus: Corpus, models: LearnedModels, settings: EngineSettings, skipped: Sequence[Problem] = ()
    ) -> SearchEngine:
        """An engine around parts built earlier for these very settings (retrieval/snapshot.py)."""
        engine = cls.__new__(cls)
        engine._assemble(corpus, models, settings, skipped)
        return engine

    def _assemble(self, corpus: Corpus, models: LearnedModels, settings: EngineSettings, skipped: Sequence[Problem]) -> None:
        self.settings = settings
        self.skipped = list(skipped)
        self.corpus, self.models = corpus, models
        self.catalog, self.taxonomy, self.analyzer, self.index = corpus.catalog, corpus.taxonomy, corpus.analyzer, corpus.index
        tag_counts = {tag: int(docs.size) for tag, docs in corpus.tag_docs.items()}
        matcher = TagMatcher(self.taxonomy, self.analyzer, tag_counts, self.index.doc_freq)
        self.parser = RequestParser(self.taxonomy, self.analyzer, matcher, models.lexicon, settings.filler_ratio, models.replies)

    @classmethod
    def from_paths(
        cls,
        catalog: str | Path,
        taxonomy: str | Path | None = None,
        skip_invalid: bool = False,
        settings: EngineSettings | None = None,
    ) -> SearchEngine:
        loaded = load_catalog(catalog, skip_invalid=skip_invalid)
        skipped = list(loaded.skipped)
        tax = None
        if taxonomy is not None:
            tax, problems = load_taxonomy(taxonomy, skip_invalid=skip_invalid)
            skipped.extend(problems)
        return cls(loaded.catalog, tax, settings=settings, skipped=skipped)

    @property
    def projects(self) -> Catalog:
        """The projects by document number, each built on access (a read-only sequence)."""
        return self.catalog

    def project_at(self, doc: int) -> Project:
        return self.catalog[doc]

    def document_terms(self, doc: int) -> list[str]:
        """What the index holds of a project: the title (weighted), the description, the tags."""
        return _document_terms(
            self.analyzer.terms(self.catalog.titles[doc]),
            self.analyzer.terms(self.catalog.descriptions[doc]),
            self.catalog.tags(doc),
            self.settings.title_weight,
            self.analyzer.tag_terms,
        )

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
        return None if doc is None else self.catalog[doc]

    def tag_count(self, tag: str) -> int:
        return self.corpus.tag_count(tag)

    def carrying_all(self, tags: Sequence[str]) -> int:
        """How many projects carry every one of the tags (or a tag below it)."""
        return int(np.count_nonzero(self.corpus.all_tags(tags)))

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
        planned = plan(query, self.corpus, self.models, self.settings)
        scored = score(planned, self.corpus, self.models.meanings)
        ranked = select(scored, planned.query, self.corpus, max(offset + limit, SUGGESTION_SAMPLE))
        page = ranked[offset : offset + limit]
        notes, relaxed = page_notes(planned.query, scored, page, self.corpus)
        taken = {*query.include_tags, *query.exclude_tags}  # an expansion only weighs: filtering on it still helps
        suggestions = suggest_tags([self.catalog.tags(i) for i in ranked[:SUGGESTION_SAMPLE]], taken, self.taxonomy)
        return SearchResponse(
            request=query.text,
            parsed=planned.query,
            total=int(scored.candidates.size),
            offset=offset,
            limit=limit,
            results=[SearchResult(project=self.catalog[i], score=float(scored.scores[i])) for i in page],
            suggested_tags=suggestions,
            relaxed=relaxed,
            notes=[*query.notes, *notes],
        )

    def _resolved(self, query: Query) -> Query:
        """A Query built by hand may name tags by alias or spelling variant, like a request."""

        def resolve(tags: list[str]) -> list[str]:
            return list(dict.fromkeys(self.parser.resolve_tag(t) or normalize_tag(t) for t in tags))

        fields = ("include_tags", "exclude_tags", "inferred_tags")
        return query.model_copy(update={name: resolve(getattr(query, name)) for name in fields})


def _indexed(catalog: Catalog, analyzer: Analyzer, settings: EngineSettings) -> tuple[BM25Index, Phrases, Counter[str]]:
    """The BM25 index, the term positions and the word counts, from one pass of text analysis over the catalog."""
    weight = settings.title_weight
    terms, words = TokenStream(), TokenStream()
    title_lengths = array("q")
    tag_terms = functools.cache(analyzer.tag_terms)
    with gc_paused():
        for title, description, tags in zip(
            tracked(catalog.titles, "indexing projects"), catalog.descriptions, catalog.tag_lists()
        ):
            title_words, title_terms = analyzer.words_and_terms(title)
            description_words, description_terms = analyzer.words_and_terms(description)
            terms.add(_document_terms(title_terms, description_terms, tags, weight, tag_terms))
            words.add(title_words + description_words)
            title_lengths.append(len(title_terms))
    term_tokens, word_stream = terms.tokens(), words.tokens()
    counts = _word_counts(catalog, word_stream)
    titles = np.frombuffer(title_lengths, dtype=np.int64) if title_lengths else np.zeros(0, dtype=np.int64)
    # A document's terms start with its title: the title positions are those first ones.
    phrases = Phrases.build(
        word_stream.vocabulary,
        Positions.build(word_stream, _starts(word_stream.lengths), word_stream.lengths),
        Positions.build(term_tokens, _starts(term_tokens.lengths), titles),
    )
    del word_stream
    return BM25Index(term_tokens, k1=settings.k1, b=settings.b), phrases, counts


def _word_counts(catalog: Catalog, words: Tokens) -> Counter[str]:
    """How often each word form occurs in the titles, descriptions and tags (the lexicon's statistics)."""
    per_word = np.bincount(words.ids, minlength=len(words.vocabulary)).tolist()
    counts = Counter(dict(zip(words.vocabulary, per_word)))  # the vocabulary lists its words by id
    for tag, uses in zip(catalog.tag_names, np.bincount(catalog.tag_ids, minlength=len(catalog.tag_names)).tolist()):
        for word in word_tokens(tag.replace("-", " ")):
            counts[word] += uses
    return counts


def _starts(lengths: np.ndarray) -> np.ndarray:
    return np.cumsum(lengths) - lengths


def _document_terms(
    title: list[str], description: list[str], tags: Iterable[str], weight: int, tag_terms: Callable[[str], list[str]]
) -> list[str]:
    """A project's index terms: the title (weighted), the description, the tags."""
    terms = title * weight + description
    terms.extend(itertools.chain.from_iterable(map(tag_terms, tags)))
    return terms
