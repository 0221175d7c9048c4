"""Catalog loading: JSON and JSONL, the Made With ML shapes, tag normalisation, and every bad record."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from retrieval.catalog import load_catalog
from retrieval.models import normalize_tag, normalize_tags
from retrieval.problems import MAX_LISTED, CatalogError, Problem, format_problems
from tests.conftest import MWML_PROJECTS, needs_mwml

GOOD = [
    {
        "id": 1,
        "title": "First",
        "description": "One.",
        "tags": ["pytorch"],
        "created_on": "2020-02-17 06:30:41",
        "url": "https://example.org/one",
    },
    {"id": "two", "title": "Second", "description": "Two.", "tags": ["keras"]},
]


def write_json(tmp_path: Path, records: object, name: str = "projects.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def write_jsonl(tmp_path: Path, lines: list[str], name: str = "projects.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    return caught.value.problems


def only_problem(path: Path) -> Problem:
    problems = problems_of(path)
    assert len(problems) == 1, problems
    return problems[0]


# ---- good files ------------------------------------------------------------------------


def test_json_list_loads_every_field(tmp_path):
    loaded = load_catalog(write_json(tmp_path, GOOD))
    assert loaded.skipped == []
    first, second = loaded.projects
    assert (first.id, first.title, first.description, first.tags) == (1, "First", "One.", ["pytorch"])
    assert first.created_on == datetime(2020, 2, 17, 6, 30, 41)
    assert first.url == "https://example.org/one"
    assert (second.id, second.created_on, second.url) == ("two", None, None)


def test_jsonl_loads_one_record_per_line_and_skips_blank_lines(tmp_path):
    path = write_jsonl(tmp_path, [json.dumps(GOOD[0]), "", "   ", json.dumps(GOOD[1])])
    assert [p.id for p in load_catalog(path).projects] == [1, "two"]


def test_jsonl_content_in_a_json_named_file_is_read_as_jsonl(tmp_path):
    path = tmp_path / "projects.json"
    path.write_text("\n".join(json.dumps(r) for r in GOOD), encoding="utf-8")
    assert [p.title for p in load_catalog(path).projects] == ["First", "Second"]


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "projects.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode("utf-8"))
    assert len(load_catalog(path).projects) == 2


@pytest.mark.parametrize(
    ("tag_field", "expected"),
    [
        ("Deep Learning", ["deep-learning"]),
        (["PyTorch", " Object Detection "], ["pytorch", "object-detection"]),
    ],
)
def test_later_made_with_ml_shape_with_a_single_tag_field(tmp_path, tag_field, expected):
    path = write_json(tmp_path, [{"id": 1, "title": "T", "description": "D", "tag": tag_field}])
    assert load_catalog(path).projects[0].tags == expected


def test_tags_field_wins_over_tag_field(tmp_path):
    path = write_json(tmp_path, [{"id": 1, "title": "T", "tags": ["keras"], "tag": "pytorch"}])
    assert load_catalog(path).projects[0].tags == ["keras"]


def test_tags_are_lower_cased_trimmed_hyphenated_and_deduplicated(tmp_path):
    raw = ["  Object Detection ", "object-detection", "NLP", "nlp", "Natural  Language\tProcessing", "", "  "]
    path = write_json(tmp_path, [{"id": 1, "title": "T", "tags": raw}])
    assert load_catalog(path).projects[0].tags == ["object-detection", "nlp", "natural-language-processing"]


def test_tag_normalisation_helpers():
    assert normalize_tag("  Object   Detection ") == "object-detection"
    assert normalize_tag("Reinforcement_Learning") == "reinforcement-learning"
    assert normalize_tag("--Graph--Neural-- ") == "graph-neural"
    assert normalize_tags(["B", "a", "b ", "A"]) == ["b", "a"]


def test_missing_description_tags_date_and_url_are_fine(tmp_path):
    project = load_catalog(write_json(tmp_path, [{"id": 7, "title": "Only a title"}])).projects[0]
    assert (project.description, project.tags, project.created_on, project.url) == ("", [], None, None)


@needs_mwml
def test_the_real_made_with_ml_catalog_loads_cleanly():
    loaded = load_catalog(MWML_PROJECTS)
    assert loaded.skipped == []
    assert len(loaded.projects) == len(json.loads(MWML_PROJECTS.read_text(encoding="utf-8")))


# ---- bad records -----------------------------------------------------------------------


def test_malformed_json_file_is_one_problem_with_line_and_column(tmp_path):
    path = tmp_path / "projects.json"
    path.write_text('[{"id": 1, "title": "a"},\n {"id": 2 "title": "b"}]', encoding="utf-8")
    problem = only_problem(path)
    assert problem.source == "projects.json"
    assert "malformed JSON" in problem.reason and "line 2" in problem.reason


def test_one_malformed_jsonl_line_is_reported_by_line_number(tmp_path):
    path = write_jsonl(tmp_path, [json.dumps(GOOD[0]), "", '{"id": 2, "title": ', json.dumps(GOOD[1])])
    problem = only_problem(path)
    assert problem.position == 3
    assert "malformed JSON" in problem.reason


def test_one_malformed_jsonl_line_is_skipped_with_skip_invalid(tmp_path):
    path = write_jsonl(tmp_path, [json.dumps(GOOD[0]), "{not json", json.dumps(GOOD[1])])
    loaded = load_catalog(path, skip_invalid=True)
    assert [p.id for p in loaded.projects] == [1, "two"]
    assert [p.position for p in loaded.skipped] == [2]


@pytest.mark.parametrize(
    ("record", "reason_part", "shown_id"),
    [
        ({"id": 5, "description": "no title"}, "missing title", "5"),
        ({"id": 5, "title": None}, "missing title", "5"),
        ({"id": 5, "title": ""}, "title", "5"),
        ({"id": 5, "title": "   "}, "title", "5"),
        ({"id": 5, "title": 42}, "title", "5"),
        ({"id": 5, "title": "T", "created_on": "yesterday"}, "bad date 'yesterday'", "5"),
        ({"id": 5, "title": "T", "created_on": "2020-13-45"}, "bad date", "5"),
        ({"id": 5, "title": "T", "url": "ftp://example.org/file"}, "url", "5"),
        ({"id": 5, "title": "T", "url": "javascript:alert(1)"}, "url", "5"),
        ({"id": 5, "title": "T", "url": "https://example.org/a|b"}, "url", "5"),
        ({"id": 5, "title": "T", "url": "https://example.org/a>b"}, "url", "5"),
        ({"id": 5, "title": "T", "url": "https://example.org/<script>"}, "url", "5"),
        ({"id": 5, "title": "T", "url": "http://"}, "url", "5"),
        ({"id": 5, "title": "T", "tags": [1, 2]}, "tags", "5"),
        ({"title": "no id"}, "missing id", None),
        ({"id": None, "title": "null id"}, "missing id", None),
        ({"id": "  ", "title": "blank id"}, "missing id", None),
        ({"id": True, "title": "bool id"}, "id must be a string or an integer", "True"),
        ({"id": [1], "title": "list id"}, "id must be a string or an integer", "[1]"),
        ({"id": 1.5, "title": "fractional id"}, "id must be a string or an integer", "1.5"),
        ("just a string", "not a JSON object", None),
        ([1, 2], "not a JSON object", None),
    ],
)
def test_every_bad_record_is_reported_with_position_id_and_reason(tmp_path, record, reason_part, shown_id):
    path = write_json(tmp_path, [GOOD[0], record, GOOD[1]])
    problem = only_problem(path)
    assert problem.source == "projects.json"
    assert problem.position == 2
    assert problem.record_id == shown_id
    assert reason_part in problem.reason
    text = str(problem)
    assert text.startswith("projects.json #2") and reason_part in text
    if shown_id is not None:
        assert f"(id {shown_id})" in text


@pytest.mark.parametrize("url", ["https://example.org/a?b=1&c=2", "HTTP://EXAMPLE.ORG/X", "http://localhost:8000/x"])
def test_plain_http_urls_are_accepted(tmp_path, url):
    assert load_catalog(write_json(tmp_path, [{"id": 1, "title": "T", "url": url}])).projects[0].url == url


def test_empty_url_counts_as_none(tmp_path):
    assert load_catalog(write_json(tmp_path, [{"id": 1, "title": "T", "url": "  "}])).projects[0].url is None


def test_url_with_a_control_character_is_rejected(tmp_path):
    problem = only_problem(write_json(tmp_path, [{"id": 1, "title": "T", "url": "https://example.org/\u0000a"}]))
    assert "url" in problem.reason


def test_duplicate_id_is_reported_at_the_second_occurrence(tmp_path):
    records = [GOOD[0], GOOD[1], {"id": 1, "title": "Again"}]
    problem = only_problem(write_json(tmp_path, records))
    assert (problem.position, problem.record_id, problem.reason) == (3, "1", "duplicate id")


def test_integer_and_string_spellings_of_an_id_are_duplicates(tmp_path):
    problem = only_problem(write_json(tmp_path, [{"id": 1, "title": "A"}, {"id": "1", "title": "B"}]))
    assert (problem.position, problem.reason) == (2, "duplicate id")


def test_a_file_holding_one_object_is_one_clear_problem(tmp_path):
    path = tmp_path / "projects.json"
    path.write_text(json.dumps({"projects": GOOD}, indent=2), encoding="utf-8")
    problem = only_problem(path)
    assert problem.position is None
    assert "expected a JSON list" in problem.reason


def test_a_json_scalar_is_one_clear_problem(tmp_path):
    path = tmp_path / "projects.json"
    path.write_text("[1, 2]", encoding="utf-8")
    assert [p.reason for p in problems_of(path)] == ["record is not a JSON object"] * 2


@pytest.mark.parametrize("content", ["", "[]", "\n\n"])
def test_an_empty_catalog_does_not_load(tmp_path, content):
    path = tmp_path / ("projects.jsonl" if content.strip() == "" else "projects.json")
    path.write_text(content, encoding="utf-8")
    problems = problems_of(path)
    assert problems and "no projects" in problems[-1].reason


# ---- the whole-catalog rules -------------------------------------------------------------


def bad_catalog(tmp_path: Path) -> Path:
    records = [
        GOOD[0],
        {"id": 2, "description": "no title"},  # 2
        {"id": 3, "title": "Fine"},  # 3
        {"id": 1, "title": "Duplicate"},  # 4
        {"id": 4, "title": "Bad date", "created_on": "31/02/2020"},  # 5
        {"id": 5, "title": "Bad url", "url": "ftp://example.org"},  # 6
        "not an object",  # 7
        {"title": "No id"},  # 8
        {"id": 6, "title": "Also fine", "tag": "keras"},  # 9
    ]
    return write_json(tmp_path, records)


def test_by_default_an_invalid_catalog_raises_listing_every_problem(tmp_path):
    with pytest.raises(CatalogError) as caught:
        load_catalog(bad_catalog(tmp_path))
    problems = caught.value.problems
    assert [p.position for p in problems] == [2, 4, 5, 6, 7, 8]
    message = str(caught.value)
    for position in (2, 4, 5, 6, 7, 8):
        assert f"projects.json #{position}" in message


def test_skip_invalid_loads_the_rest_and_reports_the_skipped(tmp_path):
    loaded = load_catalog(bad_catalog(tmp_path), skip_invalid=True)
    assert [p.id for p in loaded.projects] == [1, 3, 6]
    assert loaded.projects[2].tags == ["keras"]
    assert [p.position for p in loaded.skipped] == [2, 4, 5, 6, 7, 8]


def test_skip_invalid_with_nothing_valid_still_fails(tmp_path):
    path = write_json(tmp_path, [{"id": 1}, {"id": 2}])
    with pytest.raises(CatalogError) as caught:
        load_catalog(path, skip_invalid=True)
    assert [p.reason for p in caught.value.problems][:2] == ["missing title", "missing title"]


def test_file_not_found(tmp_path):
    problem = only_problem(tmp_path / "nope.json")
    assert "file not found" in problem.reason and "nope.json" in str(problem)


def test_file_not_found_is_not_skippable(tmp_path):
    with pytest.raises(CatalogError, match="file not found"):
        load_catalog(tmp_path / "nope.json", skip_invalid=True)


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "projects.json"
    path.write_bytes(json.dumps([{"id": 1, "title": "Caf\u00e9"}]).encode("latin-1").replace(b"\\u00e9", b"\xe9"))
    problem = only_problem(path)
    assert "cannot read" in problem.reason and "utf-8" in problem.reason


def test_a_directory_is_a_problem_not_a_crash(tmp_path):
    assert "cannot read" in only_problem(tmp_path).reason


def test_problem_list_shows_the_first_twenty_then_a_count():
    problems = [Problem(source="p.json", position=i, record_id=str(i), reason="missing title") for i in range(1, 26)]
    lines = format_problems(problems).splitlines()
    assert len(lines) == MAX_LISTED + 1 == 21
    assert lines[0] == "- p.json #1 (id 1): missing title"
    assert lines[-1] == "... and 5 more problems"
    assert len(format_problems(problems[:20]).splitlines()) == 20
