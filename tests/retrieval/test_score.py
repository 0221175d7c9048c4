"""Scoring: a tag intent's evidence from the tag, and part of it from a title that names the tag."""

from __future__ import annotations

import json

import pytest

from retrieval.engine import EngineSettings, SearchEngine


@pytest.fixture
def engine(tmp_path):
    projects = [
        {"id": 1, "title": "Filters and kernels", "description": "Blur and sharpen pictures.", "tags": ["image-processing"]},
        {"id": 2, "title": "Digital image processing in Python", "description": "Blur and sharpen.", "tags": ["python"]},
        {"id": 3, "title": "Sorting in Python", "description": "Lists, blur and sharpen.", "tags": ["python"]},
    ]
    for i, project in enumerate(projects):
        project["created_on"] = f"2020-0{i + 1}-01 00:00:00"
    tags = [{"tag": "image-processing", "aliases": [], "parents": []}, {"tag": "python", "aliases": [], "parents": []}]
    (tmp_path / "p.json").write_text(json.dumps(projects))
    (tmp_path / "t.json").write_text(json.dumps(tags))
    return lambda **weights: SearchEngine.from_paths(tmp_path / "p.json", tmp_path / "t.json", settings=EngineSettings(**weights))


def test_a_title_naming_an_intent_earns_part_of_its_weight(engine):
    scores = {r.project.id: r.score for r in engine(title_evidence=0.5).search("image processing", limit=3).results}
    assert scores[1] > scores[2] > scores.get(3, 0.0)  # tagged, then titled, then neither
    without = {r.project.id: r.score for r in engine(title_evidence=0.0).search("image processing", limit=3).results}
    assert without[2] < scores[2]  # the title's evidence, and nothing else, moved it
    assert scores[1] == pytest.approx(without[1])  # the tagged project earns the intent either way


def test_a_project_far_ahead_on_bm25_goes_first_whatever_the_tags_say(engine):
    """ "image processing sorting python": #image-processing lifts project 1, yet project 3's
    own words ("Sorting in Python") put it far ahead on BM25, so with a lead ratio it leads."""
    request = "sorting in python image processing"
    heavy_tags = {"tag_weight": 2.0}
    plain = [r.project.id for r in engine(lead_ratio=0.0, **heavy_tags).search(request, limit=3).results]
    led = [r.project.id for r in engine(lead_ratio=1.3, **heavy_tags).search(request, limit=3).results]
    assert plain[0] != 3 and led[0] == 3 and sorted(led) == sorted(plain)
    far = engine(lead_ratio=50.0, **heavy_tags).search(request, limit=3).results
    assert far[0].project.id == plain[0], "not that far ahead"
