"""Score a plan: hard limits as one mask, then BM25 plus weighted tag evidence, the request's
meaning to order them, and a clear BM25 winner first.

BM25 comes from rank-bm25's statistics exactly (retrieval/index.py) and is divided by its
best value among the allowed projects, so the tag weights mean the same on every query; the
similarity of meaning is divided by its best among the candidates. A candidate matches a
word of the request or carries a tag it names or implies; the similarity of meaning orders
the candidates but makes none. The tags nearest the request's meaning count in full when the
request lies nearer a topic than any one project (a request in one project's own words is a
known item), and in part for a project that lacks a topic the request names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.corpus import Corpus
from retrieval.plan import Plan
from retrieval.semantic import Meanings


@dataclass
class Scored:
    scores: np.ndarray
    candidates: np.ndarray  # document numbers that may be shown
    complete: np.ndarray  # per document: carries every tag intent


def score(plan: Plan, corpus: Corpus, meanings: Meanings | None) -> Scored:
    allowed = allowed_mask(plan, corpus)
    n = len(corpus)
    bm25 = corpus.index.scores(plan.text_terms) if plan.text_terms else np.zeros(n)
    best = float(bm25.max(where=allowed, initial=0.0))
    # Added in place: at a million projects each temporary array is 8 MB that the allocator keeps.
    scores = bm25 / best if best > 0 else np.zeros(n)
    complete = np.ones(n, dtype=bool)
    for tag, weight in plan.intents.items():
        mask = corpus.tag_mask(tag)
        scores += weight * np.maximum(mask, plan.title_evidence * corpus.titled(tag))
        complete &= mask
    for tag, weight in plan.expansions.items():
        np.add(scores, weight, out=scores, where=corpus.tag_mask(tag))
    carried = {tag: corpus.tag_mask(tag) for tag in plan.meaning_expansions}  # nearest the meaning
    evidence = bool(plan.text_terms or plan.intents)
    matched = scores > 0
    for mask in carried.values():
        matched |= mask
    candidates = np.flatnonzero(allowed & matched if evidence else allowed)
    nearest_project = 0.0
    if meanings is not None and plan.request_vector is not None and candidates.size:
        similarity = meanings.documents(plan.request_vector, candidates)
        np.maximum(similarity, 0.0, out=similarity)
        nearest_project = float(similarity.max())
        if nearest_project > 0 and plan.similarity_weight:
            similarity *= plan.similarity_weight / nearest_project
            scores[candidates] += similarity
    if carried:
        _add_meanings(scores, plan, corpus, carried, _gate(plan, nearest_project))
    winner = _lexical_winner(bm25, allowed, plan.lead_ratio)
    if winner is not None:
        scores[winner] = np.nextafter(scores[candidates].max(), np.inf)
    return Scored(scores=scores, candidates=candidates, complete=complete)


def _add_meanings(scores: np.ndarray, plan: Plan, corpus: Corpus, carried: dict[str, np.ndarray], gate: float) -> None:
    """The tags nearest the meaning, gated. What is meant weighs less where it contradicts what
    is said: on a project off a topic the request names (#library and the like aside)."""
    topics = [corpus.tag_mask(tag) for tag in plan.intents if not corpus.taxonomy.is_resource(tag)]
    on_topic = np.logical_and.reduce(topics) if topics else None
    for tag, weight in plan.meaning_expansions.items():
        if on_topic is None:
            np.add(scores, gate * weight, out=scores, where=carried[tag])
            continue
        np.add(scores, gate * weight, out=scores, where=carried[tag] & on_topic)
        np.add(scores, gate * weight * plan.off_topic_share, out=scores, where=carried[tag] & ~on_topic)


def _gate(plan: Plan, nearest_project: float) -> float:
    """How much the tags nearest the request's meaning count: all of it for a request nearer a
    topic than any one project, none for one far nearer a project (a known item)."""
    if not plan.gate_width:
        return 1.0
    return float(np.clip((plan.nearest_tag - nearest_project - plan.gate_center) / plan.gate_width + 0.5, 0.0, 1.0))


def _lexical_winner(bm25: np.ndarray, allowed: np.ndarray, ratio: float) -> int | None:
    """The allowed project whose BM25 score is at least ``ratio`` times every other's, if any."""
    if ratio <= 0:
        return None
    docs = np.flatnonzero(allowed & (bm25 > 0))
    if docs.size < 2:
        return int(docs[0]) if docs.size else None  # the only project with the request's words is ahead of all
    top = docs[np.argpartition(-bm25[docs], 1)[:2]]
    first, second = (top[0], top[1]) if bm25[top[0]] >= bm25[top[1]] else (top[1], top[0])
    return int(first) if bm25[first] >= ratio * bm25[second] else None


def allowed_mask(plan: Plan, corpus: Corpus) -> np.ndarray:
    """What the hard limits leave: exclusions, explicit tags, phrases, dates and excluded ids."""
    query = plan.query
    allowed = corpus.all_tags(plan.required)
    for tag in query.exclude_tags:
        allowed &= ~corpus.excluded(tag)
    for word in query.exclude_words:
        for term in corpus.analyzer.terms(word):
            allowed[corpus.index.postings(term)] = False
    for phrase in query.phrases:
        allowed &= corpus.phrase_mask(phrase)
    allowed &= corpus.date_mask(query.date_from, query.date_to)
    for project_id in query.exclude_ids:
        if (doc := corpus.doc_of.get(project_id)) is not None:
            allowed[doc] = False
    return allowed
