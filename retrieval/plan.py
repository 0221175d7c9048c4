"""Plan a query: the text to score, the tag evidence and its weights, and the expansions.

The one ranking model (retrieval/score.py) adds three kinds of evidence:
- BM25 over every content word of the request, the words that named tags included;
- the tag intents named in plain words. Together they weigh more the more of the request's
  words went into naming them ("rl papers" is all tags; a descriptive request is mostly
  words), and each weighs by how telling it is (its idf), so the subject of a request
  (#hyperparameter-optimization) can outweigh a broad intent (#library);
- the tags the catalog's tag model predicts from the words (retrieval/tagmodel.py),
  weighted by their probability;
- what the request means beyond its words (retrieval/semantic.py): its vector's similarity to
  each project, and the tags whose vectors lie nearest to it as expansions. These weigh
  with the request's free words ("condense news articles into key sentences" is all free
  words; "rl papers in pytorch" has none) and with the chance that it asks for a topic,
  not for one project or by named tags (retrieval/kinds.py); retrieval/score.py gates them.
A project far ahead of all others on BM25 alone goes first whatever the tags say: the
request is in its own words, a known item (``lead_ratio``).
How much each kind counts is learned from relevance cases by cross-validation
(benchmarks/relevance.py --fit), not set by hand. Explicit tags, phrases, exclusions,
dates and excluded ids are hard limits, never relaxed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel

from retrieval.corpus import Corpus
from retrieval.kinds import topic_chance
from retrieval.learned import LearnedModels
from retrieval.models import ExpandedTag, Query
from retrieval.semantic import Meanings, embed


class RankingWeights(BaseModel):
    """How much tag intents and tag-model expansions count against a BM25 score scaled to [0, 1].

    The defaults are fitted by ``python benchmarks/relevance.py --fit`` (5-fold cross-validation
    over dev.jsonl and benchmarks/cases/tuning*.jsonl; BENCHMARKS.md has the run).
    """

    tag_weight: float = 0.125
    # Added to tag_weight in proportion to the share of the request's words that named tags.
    tag_share_weight: float = 4.0
    # Each intent's part of the weight goes with idf ** subject_power (0: all alike).
    subject_power: float = 0.0
    # What a project whose title names a tag intent, untagged, gets of that intent's weight.
    title_evidence: float = 0.25
    # A project whose BM25 score is at least this many times every other's goes first: the
    # request says its own words ("semantic segmentation guide 2020"). 0: never.
    lead_ratio: float = 1.3
    expansion_weight: float = 0.5
    expansions: int = 3
    min_expansion: float = 0.25
    # The request's vector against each candidate's (the most similar candidate gets all of it).
    similarity_weight: float = 0.5
    # The tags nearest the request's vector: the nearest gets all of this, times the share of free
    # words and the chance that the request asks for a topic.
    meaning_weight: float = 12.0
    meanings: int = 3
    # Times a ramp of how much nearer the request lies to its nearest tag than to its nearest
    # candidate project: a request in one project's words is a known item, not a topic. The
    # ramp is 1/2 at this difference and ``meaning_gate_width`` wide (0: no gate).
    meaning_gate_center: float = -0.05
    meaning_gate_width: float = 0.4
    # The share of it a project gets that lacks a topic the request names (#library and the like aside).
    meaning_off_topic: float = 0.5
    # A word English uses this many times more than the catalog does is filler (retrieval/lexicon.py).
    filler_ratio: float = 16.0


@dataclass
class Plan:
    query: Query  # with expanded_tags filled in
    text_terms: list[str]
    required: list[str]
    intents: dict[str, float]  # soft tag intent -> weight
    expansions: dict[str, float]  # tag predicted from the words -> weight
    meaning_expansions: dict[str, float]  # tag nearest the request's meaning -> weight, before the gate
    nearest_tag: float  # the request's similarity to its nearest tag (retrieval/score.py gates by it)
    gate_center: float
    gate_width: float
    off_topic_share: float  # of a meaning expansion's weight, for a project off a topic the request names
    title_evidence: float  # share of an intent's weight a title naming it earns
    lead_ratio: float  # how far ahead on BM25 a project must be to go first (0: never)
    request_vector: np.ndarray | None  # what the request means (retrieval/semantic.py), when it counts
    similarity_weight: float


def plan(query: Query, corpus: Corpus, models: LearnedModels, weights: RankingWeights) -> Plan:
    analyzer = corpus.analyzer
    tag_model, meanings = models.tag_model, models.meanings
    words = [*query.keywords, *query.tag_words, *query.phrases]
    content = [t for word in words for t in analyzer.terms(word)]
    soft = [t for t in query.include_tags if t in query.inferred_tags]
    required = [t for t in query.include_tags if t not in query.inferred_tags]
    telling = {tag: _idf(corpus, tag) ** weights.subject_power for tag in soft}
    total = sum(telling.values()) or 1.0
    named, free = len(query.tag_words), len(query.keywords) + len(query.phrases)
    share = named / (named + free) if named + free else 1.0
    weight = weights.tag_weight + weights.tag_share_weight * share
    intents = {tag: weight * telling[tag] / total for tag in soft}
    expanded: list[ExpandedTag] = []
    if tag_model is not None and content and weights.expansions and weights.expansion_weight:
        # Expansions weigh the words, so a request of explicit tags alone has none. The model
        # reads the whole request: it learned which everyday words go with which tags.
        said = analyzer.terms(query.text) if query.text else content
        taken = {*query.include_tags, *query.exclude_tags}
        likely = [
            (tag, p)
            for tag, p in zip(tag_model.labels, tag_model.predict(said))
            if p >= weights.min_expansion and tag not in taken and corpus.tag_count(tag)
        ]
        # The most telling first: a likely rare tag says more than a likely broad one.
        likely.sort(key=lambda item: (-item[1] * _idf(corpus, item[0]), item[0]))
        expanded = [ExpandedTag(tag=tag, weight=round(p, 3)) for tag, p in likely[: weights.expansions]]
    expansions = {e.tag: weights.expansion_weight * e.weight for e in expanded}
    vector, nearest_tag, by_meaning = None, 0.0, {}
    # Meaning reads a request the catalog knows a word of: a word it has never seen ("objdetect")
    # finds nothing, and the user is offered the nearest tags instead (retrieval/alternatives.py).
    counts = weights.similarity_weight or weights.meaning_weight
    if meanings is not None and counts and any(corpus.index.doc_freq(term) for term in content):
        vector = embed([query.text or " ".join(words)])[0]
        if weights.meaning_weight and share < 1:
            taken = {*query.include_tags, *query.exclude_tags, *expansions}
            nearest_tag, nearest = _nearest_tags(meanings, vector, taken, weights.meanings)
            meant = weights.meaning_weight * (1 - share) * topic_chance(models.kinds, query.text or " ".join(words))
            by_meaning = {tag: meant * closeness for tag, closeness in nearest}
            expanded += [ExpandedTag(tag=tag, weight=round(closeness, 3), source="meaning") for tag, closeness in nearest]
    return Plan(
        query=query.model_copy(update={"expanded_tags": expanded}),
        text_terms=content,
        required=required,
        intents=intents,
        expansions=expansions,
        meaning_expansions=by_meaning,
        nearest_tag=nearest_tag,
        gate_center=weights.meaning_gate_center,
        gate_width=weights.meaning_gate_width,
        off_topic_share=weights.meaning_off_topic,
        title_evidence=weights.title_evidence,
        lead_ratio=weights.lead_ratio,
        request_vector=vector,
        similarity_weight=weights.similarity_weight,
    )


def _nearest_tags(meanings: Meanings, vector: np.ndarray, taken: set[str], count: int) -> tuple[float, list[tuple[str, float]]]:
    """The nearest tag's similarity, and the ``count`` tags nearest the request, not already taken,
    each with its closeness relative to the nearest."""
    if not count or not meanings.tag_names:
        return 0.0, []
    similarity = meanings.tags(vector)
    ranked = (i for i in np.argsort(-similarity, kind="stable").tolist() if meanings.tag_names[i] not in taken)
    order = [i for i in itertools.islice(ranked, count) if similarity[i] > 0]
    if not order:
        return 0.0, []
    return float(similarity[order[0]]), [(meanings.tag_names[i], float(similarity[i] / similarity[order[0]])) for i in order]


def _idf(corpus: Corpus, tag: str) -> float:
    carried = corpus.carrying(tag)
    return math.log((len(corpus) + 1) / (carried + 1)) + 1e-6  # a tag on every project still counts a little
