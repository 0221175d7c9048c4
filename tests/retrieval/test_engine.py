"""The engine on a small hand-written catalog: filters, order, relaxation, suggestions, paging.

tests/retrieval/fixtures/small_catalog.json has 12 projects; small_tags.json gives them a
taxonomy with aliases ('nlp', 'cv'), spelling variants in the catalog ('GANs', 'tf-lite'),
a parent written as an alias (object-detection -> 'cv') and a three-level chain
(yolo -> object-detection -> computer-vision).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.engine import MAX_LIMIT, EngineSettings, SearchEngine
from retrieval.models import Project, Query, SearchResponse
from retrieval.ranking import top_k
from retrieval.suggest import MAX_SUGGESTIONS, SAMPLE
from tests.conftest import MWML_PROJECTS, needs_mwml

FIXTURES = Path(__file__).parent / "fixtures"
CATALOG = FIXTURES / "small_catalog.json"
TAGS = FIXTURES / "small_tags.json"


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    return SearchEngine.from_paths(CATALOG, TAGS)


def ids(response: SearchResponse) -> list:
    return [r.project.id for r in response.results]


def carries(engine: SearchEngine, project: Project, tag: str) -> bool:
    """Whether a project has the tag or one below it."""
    return bool(set(project.tags) & engine.taxonomy.descendants(tag))


def expected_ids(engine: SearchEngine, include=(), exclude=()) -> set:
    return {
        p.id
        for p in engine.projects
        if all(carries(engine, p, t) for t in include) and not any(carries(engine, p, t) for t in exclude)
    }


# ---- filters ---------------------------------------------------------------------------


def test_catalog_tags_are_canonicalised_at_load(engine):
    by_id = {p.id: p for p in engine.projects}
    assert by_id[3].tags == ["pytorch", "object-detection", "tutorial"]
    assert by_id[5].tags[0] == "natural-language-processing"  # written 'nlp'
    assert by_id[8].tags[0] == "generative-adversarial-networks"  # written 'GANs'
    assert by_id[9].tags[0] == "tensorflow-lite"  # written 'tf-lite'


@pytest.mark.parametrize(
    ("request_text", "include"),
    [
        ("#pytorch #paper", ["pytorch", "paper"]),
        ("#pytorch #object-detection", ["pytorch", "object-detection"]),
        ("tag:tutorial tag:keras", ["tutorial", "keras"]),
        ("#computer-vision #code #pytorch", ["computer-vision", "code", "pytorch"]),
    ],
)
def test_include_tags_are_anded(engine, request_text, include):
    response = engine.search(request_text, limit=100)
    assert response.parsed.include_tags == include
    assert set(ids(response)) == expected_ids(engine, include) != set()
    assert response.total == len(response.results)
    assert not response.relaxed


def test_two_include_tags_narrow_to_their_intersection(engine):
    assert set(ids(engine.search("#pytorch #paper"))) == {11}
    assert set(ids(engine.search("#pytorch #object-detection"))) == {1, 3}  # 1 via its #yolo


@pytest.mark.parametrize("request_text", ["#pytorch -#yolo", "#pytorch -tag:yolo", "tag:pytorch -#object-detection"])
def test_exclude_tags_are_noted_with_their_descendants(engine, request_text):
    response = engine.search(request_text, limit=100)
    excluded = response.parsed.exclude_tags
    assert set(ids(response)) == expected_ids(engine, ["pytorch"], excluded)
    for result in response.results:
        assert not carries(engine, result.project, excluded[0])


def test_exclusion_alone_returns_everything_else(engine):
    response = engine.search("-#computer-vision", limit=100)
    assert set(ids(response)) == {5, 6, 7, 8, 9}


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("#nlp", "#natural-language-processing"),
        ("tag:cv", "#computer-vision"),
        ("#gans", "#generative-adversarial-networks"),
        ("#tf-lite", "#tensorflow-lite"),
        ("#Machine-Vision", "#computer-vision"),
    ],
)
def test_an_alias_or_variant_in_a_filter_resolves(engine, alias, canonical):
    by_alias, by_name = engine.search(alias, limit=100), engine.search(canonical, limit=100)
    assert by_alias.parsed.include_tags == by_name.parsed.include_tags == [canonical[1:]]
    assert ids(by_alias) == ids(by_name) != []


def test_nlp_filter_matches_the_project_tagged_nlp_and_the_transformers_below_it(engine):
    assert set(ids(engine.search("#nlp"))) == {5, 6, 7, 11}


def test_a_filter_on_a_parent_matches_its_descendants_across_levels(engine):
    response = engine.search("#computer-vision", limit=100)
    # 12 carries only #yolo (two levels down), 4 only #image-segmentation, 2 #object-detection.
    assert set(ids(response)) == {1, 2, 3, 4, 10, 11, 12}
    assert set(ids(engine.search("#object-detection", limit=100))) == {1, 2, 3, 10, 12}
    assert set(ids(engine.search("#tensorflow", limit=100))) == {4, 9, 10, 12}


def test_a_tag_the_catalog_does_not_have_becomes_a_word_with_a_note(engine):
    response = engine.search("#quantum")
    assert response.parsed.include_tags == [] and response.parsed.keywords == ["quantum"]
    assert any("quantum" in note for note in response.notes)
    assert response.total == 0


def test_a_query_object_with_an_alias_resolves_too(engine):
    assert set(ids(engine.search(Query(include_tags=["nlp"])))) == {5, 6, 7, 11}


# ---- order -----------------------------------------------------------------------------


def test_filter_only_order_is_newest_first(engine):
    response = engine.search("#tutorial", limit=100)
    assert ids(response) == [12, 5, 9, 3, 4]
    assert all(r.score == 0.0 for r in response.results)
    dates = [r.project.created_on for r in response.results]
    assert dates == sorted(dates, reverse=True)


def test_filter_only_order_breaks_date_ties_by_id_and_puts_undated_last():
    projects = [
        Project(id="b", title="B", tags=["x"], created_on="2021-01-01"),
        Project(id=10, title="Ten", tags=["x"], created_on="2021-01-01"),
        Project(id="a", title="A", tags=["x"], created_on="2021-01-01"),
        Project(id=9, title="Nine", tags=["x"], created_on="2021-01-01"),
        Project(id=1, title="Undated", tags=["x"]),
        Project(id=2, title="Newest", tags=["x"], created_on="2022-01-01"),
        Project(id=3, title="Other tag", tags=["y"], created_on="2023-01-01"),
    ]
    response = SearchEngine(projects).search("#x")
    # Integer ids in numeric order (9 before 10), then string ids.
    assert ids(response) == [2, 9, 10, "a", "b", 1]


def test_an_empty_request_lists_the_whole_catalog_newest_first(engine):
    response = engine.search("", limit=100)
    assert response.total == 12
    assert ids(response)[:3] == [12, 10, 1]


def test_documents_scoring_zero_are_dropped_from_keyword_queries():
    # By words alone: the tags nearest a request's meaning bring in more (test_semantic.py).
    engine = SearchEngine.from_paths(CATALOG, TAGS, settings=EngineSettings(meaning_weight=0))
    response = engine.search("detector", limit=100)
    assert set(ids(response)) == {1, 2, 12}  # the only ones with the word 'detector'
    assert all(r.score > 0 for r in response.results)
    scores = [r.score for r in response.results]
    assert scores == sorted(scores, reverse=True)
    nothing = engine.search("zebra")
    assert (nothing.total, nothing.results, nothing.relaxed) == (0, [], False)


def test_a_keyword_nothing_matches_is_not_dropped_by_relaxation(engine):
    response = engine.search("#pytorch zebra")
    assert all(r.score > 0 for r in response.results)


@pytest.fixture(scope="module")
def tie_engine() -> SearchEngine:
    # Four documents with the same words and length score exactly alike for 'zebra'.
    projects = [
        Project(id=5, title="Zebra stripes", description="Zebra zebra plain.", created_on="2019-01-01"),
        Project(id=3, title="Zebra alpha", description="plain words", created_on="2021-05-05"),
        Project(id=2, title="Zebra bravo", description="plain words", created_on="2020-05-05"),
        Project(id=10, title="Zebra delta", description="plain words", created_on="2021-05-05"),
        Project(id=9, title="Zebra gamma", description="plain words", created_on="2021-05-05"),
        Project(id=1, title="Lion kingly", description="plain words", created_on="2023-05-05"),
    ]
    # Ranked by words alone: the meaning of 'alpha' and 'bravo' (retrieval/semantic.py) would break the ties.
    return SearchEngine(projects, settings=EngineSettings(similarity_weight=0))


def test_ties_break_by_newest_then_id(tie_engine):
    response = tie_engine.search("zebra")
    scores = {r.project.id: r.score for r in response.results}
    assert scores[3] == scores[9] == scores[10] == scores[2] < scores[5]
    assert ids(response) == [5, 3, 9, 10, 2]


@pytest.mark.parametrize(
    ("limit", "offset", "expected"), [(2, 0, [5, 3]), (3, 0, [5, 3, 9]), (2, 1, [3, 9]), (2, 2, [9, 10]), (1, 4, [2])]
)
def test_tie_breaks_hold_at_page_edges(tie_engine, limit, offset, expected):
    assert ids(tie_engine.search("zebra", limit=limit, offset=offset)) == expected


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2)), min_size=0, max_size=40),
    k=st.integers(0, 45),
)
def test_top_k_equals_a_full_sort_even_with_ties_at_the_cut(data, k):
    # argpartition picks an arbitrary member of a tie at the k-th place; top_k must not.
    scores = np.array([d[0] for d in data], dtype=float)
    dates = np.array([d[1] for d in data], dtype=float)
    id_rank = np.arange(len(data), dtype=float)[::-1].copy()  # the last document has the smallest id
    candidates = np.arange(len(data))
    expected = sorted(range(len(data)), key=lambda i: (-scores[i], -dates[i], id_rank[i]))[:k]
    assert top_k(candidates, [scores, dates, -id_rank], k).tolist() == expected


def test_order_is_the_same_on_every_call(engine):
    first = [ids(engine.search(q)) for q in ("pytorch", "#tutorial", "detector", "pytorch paper")]
    again = [ids(engine.search(q)) for q in ("pytorch", "#tutorial", "detector", "pytorch paper")]
    assert first == again


# ---- relaxation ------------------------------------------------------------------------


def test_inferred_tags_too_strict_are_relaxed_after_the_strict_results(engine):
    response = engine.search("yolo tutorial")
    query = response.parsed
    assert set(query.inferred_tags) == {"yolo", "tutorial"}
    assert response.relaxed
    strict = [p for p in engine.projects if carries(engine, p, "yolo") and carries(engine, p, "tutorial")]
    assert [p.id for p in strict] == [12]
    assert ids(response)[0] == 12
    missing = set()
    for result in response.results[1:]:
        lacking = {t for t in query.inferred_tags if not carries(engine, result.project, t)}
        assert lacking, f"{result.project.id} matches every tag but was ranked after the strict results"
        missing |= lacking
    assert response.total == len(response.results) > 1
    note = " ".join(response.notes)
    for tag in missing:
        assert f"#{tag}" in note


def test_relaxation_keeps_the_rarer_tag_longer(engine):
    # #yolo (2 projects) says more than #tutorial (5): projects that keep #yolo come first.
    response = engine.search("yolo tutorial")
    assert ids(response)[:2] == [12, 1]
    assert set(ids(response)[2:]) == {3, 4, 5, 9}


def test_no_relaxation_when_the_strict_results_fill_the_page(engine):
    response = engine.search("yolo tutorial", limit=1)
    assert not response.relaxed and ids(response) == [12]
    assert not any("close matches" in note for note in response.notes)


def test_explicit_tags_are_never_relaxed(engine):
    response = engine.search("#pytorch #paper")
    assert ids(response) == [11] and response.total == 1 and not response.relaxed
    response = engine.search("#yolo tutorial", limit=100)
    assert response.results
    assert all(carries(engine, r.project, "yolo") for r in response.results)


def test_an_explicit_tag_filters_and_an_inferred_one_ranks(engine):
    response = engine.search("#yolo tutorial")
    assert ids(response) == [12] and all("yolo" in r.project.tags for r in response.results)


def test_exclusions_are_never_relaxed(engine):
    response = engine.search("yolo tutorial -#tensorflow", limit=100)
    assert response.relaxed and response.results
    for result in response.results:
        assert not carries(engine, result.project, "tensorflow"), result.project.id
    # 12 (yolo + tutorial) would be the strict match but its #tensorflow-lite sits under #tensorflow.
    assert 12 not in ids(response)


# ---- suggestions -----------------------------------------------------------------------

SMALL_QUERIES = ["", "#computer-vision", "pytorch", "#nlp", "pytorch paper", "detector", "#tutorial -#keras"]


def check_suggestions(engine: SearchEngine, request: str) -> SearchResponse:
    response = engine.search(request)
    top = engine.search(request, limit=SAMPLE).results
    in_query = {*response.parsed.include_tags, *response.parsed.exclude_tags}
    suggestions = response.suggested_tags
    assert len(suggestions) <= MAX_SUGGESTIONS
    assert len({s.tag for s in suggestions}) == len(suggestions)
    groups = [s.group for s in suggestions]
    assert groups == sorted(groups, key=lambda g: g != "resource"), "resource types come first, as a group"
    for s in suggestions:
        assert s.tag not in in_query
        # Its count among the top matches is what a filter on it would keep: descendants count.
        assert s.count == sum(1 for r in top if carries(engine, r.project, s.tag)), s
        assert 2 <= s.count < len(top), s  # not on every match, not on almost none
        assert (s.group == "resource") == engine.taxonomy.is_resource(s.tag)
    for group in ("resource", "topic"):
        # Tags nearest to splitting the matches in half come first within their group.
        balance = [abs(s.count / len(top) - 0.5) for s in suggestions if s.group == group]
        assert balance == sorted(balance)
    return response


@pytest.mark.parametrize("request_text", SMALL_QUERIES)
def test_suggestions_follow_the_rules_on_the_small_catalog(engine, request_text):
    check_suggestions(engine, request_text)


def test_suggestions_for_everything(engine):
    response = check_suggestions(engine, "")
    suggested = {s.tag: s.count for s in response.suggested_tags}
    assert suggested["tutorial"] == 5 and suggested["pytorch"] == 5
    assert [s.group for s in response.suggested_tags][:3] == ["resource"] * 3
    # Tags on one project only cannot narrow anything.
    assert "library" not in suggested and "generative-adversarial-networks" not in suggested


def test_suggestions_leave_out_tags_on_every_match(engine):
    response = check_suggestions(engine, "#pytorch #object-detection")
    # Both matches (1, 3) share only #pytorch; nothing else is on two of them.
    assert response.suggested_tags == []


def test_fewer_than_two_matches_give_no_suggestions(engine):
    assert engine.search("#pytorch #paper").suggested_tags == []
    assert engine.search("zebra").suggested_tags == []


def test_suggestions_leave_out_tags_the_query_already_prefers(engine):
    response = engine.search("train detector scripts pytorch")
    assert "pytorch" in response.parsed.inferred_tags
    assert "pytorch" not in {s.tag for s in response.suggested_tags}


def test_a_suggested_count_is_what_the_filter_would_keep(engine):
    response = engine.search("#computer-vision")
    for suggestion in response.suggested_tags:
        narrowed = engine.search(f"#computer-vision #{suggestion.tag}")
        assert suggestion.count == narrowed.total, suggestion


# ---- paging ----------------------------------------------------------------------------


@pytest.mark.parametrize("request_text", ["", "#computer-vision", "pytorch paper"])
def test_pages_are_disjoint_and_consecutive(engine, request_text):
    pages = [engine.search(request_text, limit=3, offset=offset) for offset in (0, 3, 6, 9)]
    seen = [i for page in pages for i in ids(page)]
    assert len(seen) == len(set(seen)) == min(12, pages[0].total)
    assert {page.total for page in pages} == {pages[0].total}
    assert [page.offset for page in pages] == [0, 3, 6, 9]
    # Consecutive: the pages read like one longer page.
    assert seen == ids(engine.search(request_text, limit=12))


def test_page_after_the_end_is_empty(engine):
    response = engine.search("#tutorial", offset=50)
    assert response.results == [] and response.total == 5 and not response.has_more


def test_has_more(engine):
    assert engine.search("", limit=5).has_more
    assert not engine.search("", limit=5, offset=10).has_more


@pytest.mark.parametrize(("limit", "clamped"), [(0, 1), (-3, 1), (1, 1), (MAX_LIMIT + 1, MAX_LIMIT), (10**9, MAX_LIMIT)])
def test_limit_is_clamped(engine, limit, clamped):
    response = engine.search("", limit=limit)
    assert response.limit == clamped
    assert len(response.results) == min(clamped, 12)


def test_negative_offset_is_zero(engine):
    response = engine.search("", offset=-4, limit=2)
    assert response.offset == 0 and ids(response) == ids(engine.search("", limit=2))


# ---- from_paths ------------------------------------------------------------------------


def test_from_paths_without_a_taxonomy_uses_the_catalog_tags():
    plain = SearchEngine.from_paths(CATALOG)
    raw = json.loads(CATALOG.read_text(encoding="utf-8"))
    from retrieval.models import normalize_tags

    assert plain.taxonomy.tags == {t for record in raw for t in normalize_tags(record["tags"])}
    # Without aliases or parents each tag stands alone.
    assert set(ids(plain.search("#nlp"))) == {5}
    assert set(ids(plain.search("#gans"))) == {8}
    assert set(ids(plain.search("#computer-vision"))) == {11}
    assert set(ids(plain.search("#pytorch #object-detection"))) == {3}


def test_from_paths_with_skip_invalid_keeps_the_problems(tmp_path):
    records = json.loads(CATALOG.read_text(encoding="utf-8"))
    records.append({"id": 99, "title": ""})
    path = tmp_path / "projects.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    engine = SearchEngine.from_paths(path, TAGS, skip_invalid=True)
    assert len(engine.projects) == 12
    assert [p.record_id for p in engine.skipped] == ["99"]


# ---- the Made With ML catalog --------------------------------------------------------------


@needs_mwml
def test_mwml_pytorch_and_object_detection_returns_only_projects_with_both(mwml_engine):
    response = mwml_engine.search("#pytorch #object-detection", limit=MAX_LIMIT)
    assert response.parsed.include_tags == ["pytorch", "object-detection"]
    assert not response.relaxed
    assert response.results
    for result in response.results:
        assert {"pytorch", "object-detection"} <= set(result.project.tags)
    raw = json.loads(MWML_PROJECTS.read_text(encoding="utf-8"))
    both = {p["id"] for p in raw if {"pytorch", "object-detection"} <= set(p["tags"])}
    assert set(ids(response)) == both and response.total == len(both)


@needs_mwml
def test_mwml_alias_and_parent_filters(mwml_engine):
    by_alias = mwml_engine.search("#nlp", limit=MAX_LIMIT)
    assert by_alias.parsed.include_tags == ["natural-language-processing"]
    assert by_alias.total == mwml_engine.search("#natural-language-processing").total > 0
    vision = mwml_engine.search("#computer-vision", limit=5)
    detection = mwml_engine.search("#object-detection", limit=5)
    assert vision.total > detection.total > 0  # object-detection sits under computer-vision


@needs_mwml
@pytest.mark.parametrize("request_text", ["pytorch", "#computer-vision", "transformers tutorial", "#nlp -#tutorial", "gans"])
def test_mwml_suggestions_follow_the_rules(mwml_engine, request_text):
    response = check_suggestions(mwml_engine, request_text)
    assert response.suggested_tags


@needs_mwml
def test_mwml_pages_are_disjoint_and_consecutive(mwml_engine):
    whole = ids(mwml_engine.search("#computer-vision", limit=30))
    pages = [ids(mwml_engine.search("#computer-vision", limit=10, offset=o)) for o in (0, 10, 20)]
    assert [i for page in pages for i in page] == whole
    assert len(set(whole)) == 30


def test_date_range_and_excluded_ids_are_hard_limits():
    from datetime import date

    projects = [
        Project(id=1, title="gan tutorial", created_on="2019-06-01"),
        Project(id=2, title="gan paper", created_on="2020-03-01"),
        Project(id=3, title="gan library", created_on="2021-01-01"),
        Project(id=4, title="gan notes"),
    ]
    engine = SearchEngine(projects)
    ids = lambda q: {r.project.id for r in engine.search(q).results}  # noqa: E731
    assert ids(Query(keywords=["gan"], date_from=date(2020, 1, 1), date_to=date(2020, 12, 31))) == {2}
    assert ids(Query(keywords=["gan"], date_to=date(2019, 12, 31))) == {1}
    assert ids(Query(keywords=["gan"], date_from=date(2020, 1, 1), exclude_ids=["3"])) == {2}
    assert "since 2020-01-01" in Query(keywords=["gan"], date_from=date(2020, 1, 1)).echo()
