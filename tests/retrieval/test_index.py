"""The precomputed index must score exactly like rank-bm25's BM25Okapi.get_scores."""

from __future__ import annotations

import json
import random

import numpy as np
from rank_bm25 import BM25Okapi

from retrieval.analyzer import Analyzer
from retrieval.index import BM25Index
from tests.conftest import MWML_PROJECTS, needs_mwml


@needs_mwml
def test_scores_are_bit_identical_to_get_scores_on_random_queries():
    analyzer = Analyzer()
    projects = json.loads(MWML_PROJECTS.read_text(encoding="utf-8"))
    corpus = [
        analyzer.terms(p["title"]) * 2
        + analyzer.terms(p["description"])
        + [t for tag in p["tags"] for t in analyzer.tag_terms(tag)]
        for p in projects
    ]
    index = BM25Index(corpus)
    reference = BM25Okapi(corpus)
    vocabulary = sorted(index.vocabulary)
    rng = random.Random(20261128)
    for _ in range(300):
        query = rng.sample(vocabulary, rng.randint(1, 8))
        if rng.random() < 0.3:
            query.append(query[0])  # a repeated term counts twice in rank-bm25
        if rng.random() < 0.3:
            query.append("term-not-in-the-corpus")
        ours, theirs = index.scores(query), reference.get_scores(query)
        assert np.array_equal(ours, theirs), query


def test_fitted_parameters_come_from_bm25okapi():
    corpus = [["a", "b"], ["b", "c", "c"], ["d"]]
    index = BM25Index(corpus, k1=1.2, b=0.5)
    model = BM25Okapi(corpus, k1=1.2, b=0.5)
    assert index.avgdl == model.avgdl
    assert (index.k1, index.b) == (1.2, 0.5)
    assert list(index.doc_len) == model.doc_len


def test_tiny_corpus_idf_floor_keeps_matching_documents_above_non_matching():
    # Terms in most of a tiny corpus push rank-bm25's mean idf, and so its floor, below 0:
    # its own scores then rank documents that match "a" below the one that does not.
    corpus = [["a", "x"], ["a", "x"], ["a", "x"], ["c"]]
    reference = BM25Okapi(corpus).get_scores(["a"])
    assert reference[3] > reference[0]
    scores = BM25Index(corpus).scores(["a"])
    assert scores[0] == scores[1] == scores[2] > 0 == scores[3]
    # An idf of exactly 0 (a term in half of a 2-document corpus) would hide the match too.
    two_docs = BM25Index([["pytorch", "vision"], ["keras"]]).scores(["pytorch"])
    assert two_docs[0] > two_docs[1] == 0


def test_postings_and_unknown_terms():
    index = BM25Index([["x", "y"], ["y"], ["z"]])
    assert sorted(index.postings("y").tolist()) == [0, 1]
    assert index.postings("nope").size == 0
    assert not index.scores(["nope"]).any()


def test_empty_corpus_and_empty_documents():
    assert BM25Index([]).scores(["a"]).size == 0
    assert not BM25Index([[], []]).scores(["a"]).any()
