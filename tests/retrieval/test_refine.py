"""Thread replies applied to the previous query."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.engine import SearchEngine
from retrieval.models import Query, Sort
from retrieval.refine import RefinementKind, add_tag, remove_tag

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    return SearchEngine.from_paths(FIXTURES / "parser_projects.json", FIXTURES / "parser_tags.json")


@pytest.fixture(scope="module")
def start(engine) -> Query:
    return engine.parse("object detection tutorials")


@pytest.mark.parametrize(
    "reply, tag", [("only pytorch", "pytorch"), ("just papers", "paper"), ("also tutorials", "tutorial"),
                   ("with #jax", "jax"), ("pytorch only", "pytorch"), ("#keras", "keras")],
)
def test_add_includes(engine, start, reply, tag):
    refinement = engine.refine(start, reply)
    assert refinement.kind is RefinementKind.INCLUDE
    assert tag in refinement.query.include_tags
    assert tag not in refinement.query.inferred_tags  # what the user asks for in a reply is not relaxed
    assert refinement.explicit


@pytest.mark.parametrize(
    "reply, tag", [("not tensorflow", "tensorflow"), ("no videos", "video"), ("without keras", "keras"),
                   ("-#yolo", "yolo"), ("except demos", "demo")],
)
def test_add_excludes(engine, start, reply, tag):
    refinement = engine.refine(start, reply)
    assert refinement.kind is RefinementKind.EXCLUDE
    assert refinement.query.exclude_tags == [tag]
    assert set(refinement.query.include_tags) == set(start.include_tags)


def test_excluding_an_included_tag_moves_it(engine, start):
    query = engine.refine(start, "only pytorch").query
    after = engine.refine(query, "not pytorch").query
    assert "pytorch" in after.exclude_tags and "pytorch" not in after.include_tags


@pytest.mark.parametrize("reply", ["drop pytorch", "remove #pytorch", "any framework", "forget pytorch"])
def test_remove_a_constraint(engine, start, reply):
    query = engine.refine(start, "only pytorch").query
    refinement = engine.refine(query, reply)
    assert refinement.kind is RefinementKind.REMOVE
    assert "pytorch" not in refinement.query.include_tags
    assert set(refinement.query.include_tags) == set(start.include_tags)
    assert "dropped #pytorch" in refinement.change


def test_removing_something_not_in_the_search_says_so(engine, start):
    refinement = engine.refine(start, "drop keras")
    assert refinement.query == start
    assert "nothing to drop" in refinement.change


@pytest.mark.parametrize("reply", ["more", "next", "show more", "More!", "next page"])
def test_next_page(engine, start, reply):
    refinement = engine.refine(start, reply)
    assert refinement.kind is RefinementKind.NEXT_PAGE and refinement.query == start


@pytest.mark.parametrize("reply", ["back", "previous"])
def test_previous_page(engine, start, reply):
    assert engine.refine(start, reply).kind is RefinementKind.PREVIOUS_PAGE


@pytest.mark.parametrize(
    "reply, sort", [("newest first", Sort.NEWEST), ("oldest first", Sort.OLDEST), ("most relevant", Sort.RELEVANCE)]
)
def test_sort(engine, start, reply, sort):
    previous = start.model_copy(update={"sort": Sort.OLDEST if sort is not Sort.OLDEST else Sort.NEWEST})
    refinement = engine.refine(previous, reply)
    assert refinement.kind is RefinementKind.SORT
    assert refinement.query.sort is sort
    assert refinement.query.include_tags == previous.include_tags


@pytest.mark.parametrize("reply", ["reset", "start over"])
def test_reset(engine, start, reply):
    refinement = engine.refine(start, reply)
    assert refinement.kind is RefinementKind.RESET and refinement.query.is_empty


def test_a_clearly_new_request_replaces_the_query(engine, start):
    refinement = engine.refine(start, "actually, show me GAN papers")
    assert refinement.kind is RefinementKind.NEW
    assert set(refinement.query.include_tags) == {"generative-adversarial-networks", "paper"}
    assert "object-detection" not in refinement.query.include_tags


def test_an_unrecognised_reply_becomes_keywords_and_the_echo_shows_it(engine, start):
    refinement = engine.refine(start, "webcam")
    assert refinement.kind is RefinementKind.KEYWORDS
    assert "webcam" in refinement.query.keywords
    assert "keywords: webcam" in refinement.query.echo()
    assert not refinement.explicit  # on its own, in a DM, this is a new request


def test_is_refinement_tells_commands_from_new_requests(engine):
    assert engine.is_refinement("only pytorch")
    assert engine.is_refinement("more")
    assert engine.is_refinement("not videos")
    assert not engine.is_refinement("gan papers")
    assert not engine.is_refinement("actually, show me GAN papers")


def test_refinements_chain_and_change_the_results(engine):
    query = engine.parse("object detection")
    first = {r.project.id for r in engine.search(query).results}
    query = engine.refine(query, "only pytorch").query
    second = engine.search(query).results
    assert second and all("pytorch" in r.project.tags for r in second)
    query = engine.refine(query, "not yolo").query
    third = engine.search(query).results
    assert all("yolo" not in r.project.tags for r in third)
    assert {r.project.id for r in third} < first | {r.project.id for r in second}


def test_add_and_remove_tag_helpers():
    query = Query(include_tags=["a", "b"], inferred_tags=["a", "b"], exclude_tags=["c"])
    added = add_tag(query, "c")
    assert "c" in added.include_tags and "c" not in added.exclude_tags
    assert add_tag(query, "b").inferred_tags == ["a"]  # asked for in a reply: now a filter
    assert remove_tag(added, "a").include_tags == ["b", "c"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_refine_never_raises(engine, start, text):
    refinement = engine.refine(start, text)
    assert isinstance(refinement.query, Query)
