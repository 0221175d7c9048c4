"""The columnar engine answers exactly as recorded, built from the file, from a list of Projects,
and from a snapshot of itself.

tests/support/answers.py says how tests/retrieval/fixtures/answers-*.json were recorded: first
from the engine that held a list of pydantic Projects (commit acc220d), whose answers the
columnar engine matched bit for bit; since the ranking changed, from the engine built from the
file. 300-odd requests, two pages each, every field of every result, the scores bit for bit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import retrieval.snapshot as snapshot
from retrieval.engine import SearchEngine
from tests.conftest import DEMO_PROJECTS, DEMO_TAGS, MWML_PROJECTS
from tests.support.answers import answers

FIXTURES = Path(__file__).parent / "fixtures"


def _recorded(name: str) -> list[dict]:
    return json.loads((FIXTURES / f"answers-{name}.json").read_text())


def _same(got: list[dict], recorded: list[dict]) -> None:
    assert len(got) == len(recorded)
    for answer, expected in zip(got, recorded):
        assert answer == expected, (answer["request"], answer["offset"])


def test_the_demo_catalog_answers_as_the_list_engine_did(demo_engine):
    _same(answers(demo_engine), _recorded("demo"))


def test_made_with_ml_answers_as_the_list_engine_did(mwml_engine):
    _same(answers(mwml_engine), _recorded("mwml"))


def test_an_engine_from_a_list_of_projects_and_one_from_a_snapshot_answer_the_same(demo_engine, tmp_path):
    from retrieval.catalog import load_catalog
    from retrieval.taxonomy import load_taxonomy

    projects = load_catalog(DEMO_PROJECTS).projects  # a list of pydantic Projects
    from_list = SearchEngine(projects, load_taxonomy(DEMO_TAGS)[0])
    snapshot.save(from_list, tmp_path / "demo.snapshot")
    recorded = _recorded("demo")
    _same(answers(from_list), recorded)
    _same(answers(snapshot.load(tmp_path / "demo.snapshot")), recorded)


def test_projects_are_built_only_for_the_rows_returned(demo_engine, monkeypatch):
    built = []
    real = type(demo_engine.catalog).__getitem__

    def counting(self, doc):
        built.append(doc)
        return real(self, doc)

    monkeypatch.setattr(type(demo_engine.catalog), "__getitem__", counting)
    response = demo_engine.search("learning", limit=7)
    returned = list(built)
    assert response.total > 50 and len(returned) == 7
    assert [r.project for r in response.results] == [demo_engine.project_at(doc) for doc in returned]


def test_a_project_by_id_and_by_document_number(demo_engine):
    first = demo_engine.project_at(0)
    assert demo_engine.project(str(first.id)) == first == demo_engine.projects[0]
    assert demo_engine.project("no such id") is None
    with pytest.raises(IndexError):
        demo_engine.project_at(len(demo_engine.projects))


@pytest.mark.skipif(not MWML_PROJECTS.exists(), reason="the Made With ML catalog is not in this checkout")
def test_made_with_ml_from_a_snapshot_answers_as_the_list_engine_did(mwml_engine, tmp_path):
    snapshot.save(mwml_engine, tmp_path / "mwml.snapshot")
    _same(answers(snapshot.load(tmp_path / "mwml.snapshot")), _recorded("mwml"))
