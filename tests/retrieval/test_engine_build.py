"""Build-time shortcuts in the engine give exactly what the plain per-project code gives."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import numpy as np

from retrieval.corpus import _timestamps
from retrieval.engine import SearchEngine
from retrieval.models import Project


def _project(number: int, created_on: datetime | None) -> Project:
    return Project(id=number, title=f"project {number}", created_on=created_on)


def test_timestamps_equal_the_property_for_naive_dates_and_none():
    rng = random.Random(7)
    dates = [datetime(1900, 1, 1) + timedelta(microseconds=rng.randrange(0, 200 * 365 * 86400 * 10**6))
             for _ in range(5000)]
    projects = [_project(i, d) for i, d in enumerate(dates)] + [_project(-1, None)]
    got = _timestamps(projects)
    assert got.dtype == np.float64
    assert got.tolist() == [p.timestamp for p in projects]


def test_timestamps_with_aware_dates_fall_back_to_the_property():
    projects = [_project(1, datetime(2020, 1, 1, 12, tzinfo=timezone(timedelta(hours=5)))),
                _project(2, datetime(2021, 6, 1, 8, 30)), _project(3, None)]
    assert _timestamps(projects).tolist() == [p.timestamp for p in projects]


def test_aliased_tags_become_canonical_once(demo_engine):
    raw = ["nlp", "natural-language-processing", "pytorch", "nlp"]
    engine = SearchEngine([Project.model_construct(id=1, title="x", description="", tags=raw, created_on=None)],
                          demo_engine.taxonomy)
    expected = list(dict.fromkeys(demo_engine.taxonomy.canonical(t) for t in raw))
    assert engine.projects[0].tags == expected
    assert len(expected) < len(raw)


def test_id_order_equals_the_sorted_keys():
    from retrieval.corpus import _id_key, _id_order

    rng = random.Random(3)
    ints = [Project.model_construct(id=rng.randrange(-10**6, 10**6)) for _ in range(3000)]
    ints += ints[:50]  # repeated ids keep their order (stable)
    mixed = ints[:100] + [Project.model_construct(id=f"p{rng.randrange(10**6)}") for _ in range(100)]
    huge = ints[:10] + [Project.model_construct(id=2**70)]
    for projects in (ints, mixed, huge, []):
        expected = sorted(range(len(projects)), key=lambda i: _id_key(projects[i].id))
        assert list(_id_order(projects)) == expected


def _plain_tag_docs(projects):
    postings = {}
    for number, project in enumerate(projects):
        for tag in project.tags:
            postings.setdefault(tag, []).append(number)
    return {tag: docs for tag, docs in postings.items()}


def test_tag_postings_equal_the_plain_loop(mwml_engine, demo_engine):
    for engine in (mwml_engine, demo_engine):
        expected = _plain_tag_docs(engine.projects)
        assert list(engine.corpus.tag_docs) == list(expected)  # same tags, same order
        assert all(engine.corpus.tag_docs[tag].tolist() == docs for tag, docs in expected.items())
        assert all(engine.corpus.tag_docs[tag].dtype == np.int32 for tag in expected)


def test_tag_postings_fall_back_when_the_index_disagrees(demo_engine):
    from retrieval.corpus import _tag_postings
    from retrieval.index import BM25Index

    projects = demo_engine.projects
    without_tag_terms = BM25Index([p.title.lower().split() for p in projects])
    got = _tag_postings(without_tag_terms, projects, list(_plain_tag_docs(projects)))
    assert {tag: docs.tolist() for tag, docs in got.items()} == _plain_tag_docs(projects)
