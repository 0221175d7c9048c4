"""Offers for an empty result: every one is checked to lead somewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.alternatives import Change, apply_change
from retrieval.engine import SearchEngine
from retrieval.models import Query

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    return SearchEngine.from_paths(FIXTURES / "parser_projects.json", FIXTURES / "parser_tags.json")


def test_an_empty_result_offers_drops_that_each_find_something(engine):
    query = engine.parse("#jax #yolo")
    assert engine.search(query).total == 0
    offers = engine.alternatives(query)
    assert {alt.change for alt in offers} >= {Change(op="drop", tag="jax"), Change(op="drop", tag="yolo")}
    for alt in offers:
        assert engine.search(apply_change(query, alt.change)).total == alt.count > 0


def test_a_misspelled_word_offers_the_nearest_tag(engine):
    query = engine.parse("objdetect")  # too far from any word to be corrected
    assert engine.search(query).total == 0
    tried = [alt.change.tag for alt in engine.alternatives(query) if alt.change.op == "try"]
    assert "object-detection" in tried


def test_apply_change_edits_one_thing():
    query = Query(keywords=["webcam", "demo"], include_tags=["jax"], exclude_tags=["yolo"])
    assert apply_change(query, Change(op="drop", word="webcam")).keywords == ["demo"]
    assert apply_change(query, Change(op="drop", tag="yolo")).exclude_tags == []
    assert apply_change(query, Change(op="add", tag="keras")).include_tags == ["jax", "keras"]
    tried = apply_change(query, Change(op="try", tag="keras"))
    assert tried.keywords == [] and "keras" in tried.include_tags
