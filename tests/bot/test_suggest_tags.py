"""`findproject suggest-tags` on a catalog made for it: one project is written like the object
detection projects but lacks their tag; another carries a tag below it (#yolo), which implies it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from retrieval.missing_tags import DEFAULT_MIN_CONFIDENCE

DETECTION = [
    "real-time object detector with bounding boxes",
    "detecting objects and drawing bounding boxes",
    "anchor boxes for an object detector",
    "single shot object detection of boxes",
    "bounding box regression for detecting objects",
    "object detection with anchor-free boxes",
    "small objects detection with feature pyramids and boxes",
    "a detector of objects in aerial images",
    "bounding boxes for objects in video frames",
    "two-stage object detector with region proposals",
]
LANGUAGE = [
    "neural machine translation of sentences",
    "translating sentences between language pairs",
    "tokenizing text for language models",
    "language model pretraining on text corpora",
    "sentence embeddings for text similarity",
    "text summarization of long documents",
    "question answering over text passages",
    "named entities in sentences of text",
    "translation quality estimation for sentences",
    "language identification of short text",
]
UNTAGGED_ID, YOLO_ID = 100, 101


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("catalog")
    projects = [
        {
            "id": n,
            "title": title.title(),
            "description": f"An implementation: {title}.",
            "tags": ["object-detection", "computer-vision", "code"],
        }
        for n, title in enumerate(DETECTION)
    ]
    projects += [
        {
            "id": 50 + n,
            "title": title.title(),
            "description": f"A library for {title}.",
            "tags": ["natural-language-processing", "code"],
        }
        for n, title in enumerate(LANGUAGE)
    ]
    projects += [
        {
            "id": UNTAGGED_ID,
            "title": "Fast Object Detector",
            "description": "Detecting objects with bounding boxes and anchor boxes, an object detector for images.",
            "tags": ["computer-vision"],
        },
        {
            "id": YOLO_ID,
            "title": "Tiny YOLO Object Detector",
            "description": "Bounding boxes of objects, detecting objects with an object detector in real time.",
            "tags": ["yolo"],
        },
    ]
    tags = [
        {"tag": "object-detection", "parents": ["computer-vision"]},
        {"tag": "yolo", "parents": ["object-detection"]},
        {"tag": "computer-vision"},
        {"tag": "natural-language-processing"},
        {"tag": "code"},
    ]
    (folder / "projects.json").write_text(json.dumps(projects))
    (folder / "tags.json").write_text(json.dumps(tags))
    return ["--catalog", str(folder / "projects.json"), "--taxonomy", str(folder / "tags.json")]


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(argv, out, err), out.getvalue(), err.getvalue()


def _suggestions(catalog: list[str], *options: str) -> list[dict]:
    code, out, err = _run(["suggest-tags", "--json", *catalog, *options])
    assert code == 0, err
    return json.loads(out)


def test_a_project_written_like_a_tag_s_projects_but_without_it_gets_that_tag(catalog):
    found = _suggestions(catalog, "--min-confidence", "0")
    assert all(set(s) == {"id", "title", "tag", "confidence"} for s in found)
    best = max((s for s in found if s["id"] == str(UNTAGGED_ID)), key=lambda s: s["confidence"])
    assert (best["title"], best["tag"]) == ("Fast Object Detector", "object-detection")
    assert best["confidence"] >= 0.5
    assert [s["confidence"] for s in found] == sorted((s["confidence"] for s in found), reverse=True)


def test_a_tag_the_project_implies_through_a_tag_below_it_is_never_suggested(catalog):
    found = _suggestions(catalog, "--min-confidence", "0")
    assert {s["tag"] for s in found if s["id"] == str(YOLO_ID)}.isdisjoint({"object-detection", "computer-vision"})
    assert not any(s["tag"] == "computer-vision" and s["id"] == str(UNTAGGED_ID) for s in found), "it carries it"


def test_min_confidence_and_limit_filter(catalog):
    everything = _suggestions(catalog, "--min-confidence", "0", "--limit", "1000")
    threshold = sorted(s["confidence"] for s in everything)[len(everything) // 2]
    kept = _suggestions(catalog, "--min-confidence", str(threshold), "--limit", "1000")
    assert kept == [s for s in everything if s["confidence"] >= threshold] and 0 < len(kept) < len(everything)
    assert _suggestions(catalog, "--min-confidence", "0", "--limit", "2") == everything[:2]
    code, out, _ = _run(["suggest-tags", *catalog, "--min-confidence", "1"])
    assert (code, out) == (0, "No project lacks a tag with confidence 1.00 or more.\n")


def test_the_terminal_table_names_project_tag_and_confidence(catalog):
    code, out, err = _run(["suggest-tags", *catalog, "--limit", "1"])
    assert code == 0, err
    row = next(line for line in out.splitlines() if "Fast Object Detector" in line)
    assert [cell.strip() for cell in row.strip("│ ").split("│")][:3] == [
        str(UNTAGGED_ID),
        "Fast Object Detector",
        "#object-detection",
    ]
    assert f"with confidence {DEFAULT_MIN_CONFIDENCE:.2f} or more" in out.splitlines()[-1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--min-confidence", "1.5"], "error: --min-confidence must be between 0 and 1"),
        (["--limit", "0"], "error: --limit must be at least 1"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(catalog, argv, message):
    assert _run(["suggest-tags", *catalog, *argv]) == (2, "", message + "\n")


def test_a_catalog_too_small_to_learn_tags_from_is_one_line_and_exit_2(tmp_path: Path):
    (tmp_path / "projects.json").write_text(json.dumps([{"id": 1, "title": "Solo", "tags": ["x"]}]))
    code, out, err = _run(["suggest-tags", "--catalog", str(tmp_path / "projects.json")])
    assert (code, out) == (2, "")
    assert err == "error: the catalog has too few tagged projects to learn tags from (a tag needs 5)\n"
