"""Batch validation keeps exactly Project.model_validate's outcome, and JSON arrays stream with json's own errors."""

from __future__ import annotations

import json

import pytest

from retrieval.jsonfile import Records
from retrieval.models import Project
from retrieval.problems import CatalogError, Problem
from retrieval.records import CHUNK, Fields, _model, validated
from tests.conftest import DEMO_PROJECTS, MWML_PROJECTS

ODD = [
    {"id": 1, "title": "  Spaced  ", "description": None},
    {"id": 2, "title": "x", "description": "  d  ", "tags": "A, b ,a", "url": " https://x.org/a "},
    {"id": 3, "title": "", "tags": ["x"]},
    {"id": 4, "title": "t", "tags": [1, "x"]},
    {"id": 5, "title": "t", "tags": None, "created_on": "2020-02-30"},
    {"id": 6, "title": "t", "created_on": "2021-03-04T05:06:07.123456+02:00", "url": "ftp://x.org"},
    {"id": 7.0, "title": "t", "created_on": 1600000000, "extra": {"kept": False}},
    {"id": "8", "title": "t", "url": "https://x.org/<script>"},
    {"id": 9, "title": 5},
    {"id": 10, "title": "t", "tags": ["Object  Detection", "object_detection", "--", "NLP"], "url": ""},
    {"id": 11, "title": "t", "description": 7},
    {"id": 12, "title": "t", "created_on": "2019-08-08 10:00:00", "tags": []},
    {"id": True, "title": "t"},
    {"title": "no id"},
    {"id": 13},
    ["not", "an", "object"],
]


def _expected(position: int, raw) -> Fields | Problem | None:
    """What the model makes of a record that passes the pre-checks."""
    if not isinstance(raw, dict) or "id" not in raw or "title" not in raw or isinstance(raw["id"], bool):
        return None
    return _model(raw, "f.json", position)


@pytest.mark.parametrize("records", [ODD, ODD * (CHUNK // len(ODD) + 1)], ids=["odd", "over a chunk"])
def test_every_record_gets_the_models_fields_or_its_problem(records):
    got = list(validated(enumerate(records, start=1), "f.json"))
    assert [position for position, _ in got] == list(range(1, len(records) + 1))
    for (position, result), raw in zip(got, records):
        expected = _expected(position, raw)
        if expected is not None:
            assert result == expected, raw
    assert sum(isinstance(r, Fields) for _, r in got) == 4 * len(records) // len(ODD)


@pytest.mark.parametrize("path", [DEMO_PROJECTS, MWML_PROJECTS], ids=["demo", "mwml"])
def test_real_catalogs_validate_to_the_models_projects(path):
    if not path.exists():
        pytest.skip(f"{path} is not in this checkout")
    records = json.loads(path.read_text(encoding="utf-8"))
    got = [fields for _, fields in validated(enumerate(records, start=1), path.name)]
    assert got == [
        Fields(*Project.model_validate({**r, "tags": r.get("tags", r.get("tag"))}).model_dump().values()) for r in records
    ]


CASES = [
    "[]",
    " [ ] ",
    '[{"a":1}]',
    '[{"a":1},]',
    '[{"a":1} {"b":2}]',
    '[{"a":1}]x',
    "[1,2",
    '[{"a":1},\n{"b": }]',
    "\x0b[1]",
    '[\n{"a":1},\n{"b":2}\n]\n',
    "[",
    "[{",
    '[{"a": "\\q"}]',
]


@pytest.mark.parametrize("text", CASES)
def test_a_streamed_array_reads_like_json_loads(text):
    try:
        expected = ("records", json.loads(text))
    except json.JSONDecodeError as exc:
        expected = ("problem", f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
    try:
        got = ("records", [record for _, record in Records(text, "f.json", jsonl=False)])
    except CatalogError as exc:
        got = ("problem", exc.problems[0].reason)
    assert got == expected
