"""Build-time shortcuts in the engine give exactly what the plain per-project code gives."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import numpy as np

from retrieval.columns import Catalog
from retrieval.engine import SearchEngine
from retrieval.models import Project


def _project(number: int, created_on: datetime | None) -> Project:
    return Project(id=number, title=f"project {number}", created_on=created_on)


def test_timestamps_equal_the_property_for_naive_dates_and_none():
    rng = random.Random(7)
    dates = [datetime(1900, 1, 1) + timedelta(microseconds=rng.randrange(0, 200 * 365 * 86400 * 10**6)) for _ in range(5000)]
    projects = [_project(i, d) for i, d in enumerate(dates)] + [_project(-1, None)]
    got = Catalog.from_projects(projects).timestamps
    assert got.dtype == np.float64
    assert got.tolist() == [p.timestamp for p in projects]


def test_timestamps_with_aware_dates_fall_back_to_the_property():
    projects = [
        _project(1, datetime(2020, 1, 1, 12, tzinfo=timezone(timedelta(hours=5)))),
        _project(2, datetime(2021, 6, 1, 8, 30)),
        _project(3, None),
    ]
    assert Catalog.from_projects(projects).timestamps.tolist() == [p.timestamp for p in projects]


def test_aliased_tags_become_canonical_once(demo_engine):
    raw = ["nlp", "natural-language-processing", "pytorch", "nlp"]
    engine = SearchEngine(
        [Project.model_construct(id=1, title="x", description="", tags=raw, created_on=None)], demo_engine.taxonomy
    )
    expected = list(dict.fromkeys(demo_engine.taxonomy.canonical(t) for t in raw))
    assert engine.projects[0].tags == expected
    assert len(expected) < len(raw)


def test_id_order_equals_the_sorted_keys():
    from retrieval.ids import id_key, id_order

    rng = random.Random(3)
    ints = [Project.model_construct(id=rng.randrange(-(10**6), 10**6)) for _ in range(3000)]
    ints += ints[:50]  # repeated ids keep their order (stable)
    mixed = ints[:100] + [Project.model_construct(id=f"p{rng.randrange(10**6)}") for _ in range(100)]
    huge = ints[:10] + [Project.model_construct(id=2**70)]
    for projects in (ints, mixed, huge, []):
        expected = sorted(range(len(projects)), key=lambda i: id_key(projects[i].id))
        assert list(id_order([p.id for p in projects])) == expected


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


def test_canonical_tags_keep_first_use_order_and_each_tag_once():
    projects = [
        Project(id=1, title="a", tags=["b", "x"]),
        Project(id=2, title="b", tags=["y", "a", "x"]),
        Project(id=3, title="c"),
    ]
    merged = {"x": "a", "y": "b"}
    catalog = Catalog.from_projects(projects).with_canonical_tags(lambda tag: merged.get(tag, tag))
    assert [catalog.tags(doc) for doc in range(3)] == [["b", "a"], ["b", "a"], []]
    assert catalog.tag_names == ["b", "a"]


def test_id_lookup_answers_like_a_dict_of_every_id(demo_engine):
    projects = [Project(id=n, title="t") for n in (5, -3, 12)] + [Project(id=s, title="t") for s in ("07", "x", "5a")]
    engine = SearchEngine(projects)
    for text in ("5", "-3", "12", "07", "x", "5a", "7", "05", "", "y", "+5", " 5"):
        expected = {str(p.id): p for p in projects}.get(text)
        assert engine.project(text) == expected, text
    assert all(demo_engine.project(str(p.id)) == p for p in demo_engine.projects)
