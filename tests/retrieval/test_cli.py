"""`findproject search|validate`: the JSON contract, human output, batch mode, and bad catalogs."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from tests.conftest import MWML_PROJECTS, MWML_TAGS, ROOT, needs_mwml

FIXTURES = Path(__file__).parent / "fixtures"
CATALOG = FIXTURES / "small_catalog.json"
TAGS = FIXTURES / "small_tags.json"
ON_SMALL = ["--catalog", str(CATALOG), "--taxonomy", str(TAGS)]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def search_json(request: str, *options: str) -> dict:
    code, out, err = run("search", request, "--json", *ON_SMALL, *options)
    assert code == 0, err
    return json.loads(out)


# ---- the JSON contract ---------------------------------------------------------------------

TOP_KEYS = ["request", "parsed", "total", "relaxed", "notes", "results", "suggested_tags"]
PARSED_KEYS = [
    "keywords",
    "phrases",
    "include_tags",
    "inferred_tags",
    "expanded_tags",
    "exclude_tags",
    "sort",
    "date_from",
    "date_to",
]
RESULT_KEYS = ["id", "title", "description", "tags", "created_on", "url", "score"]


def assert_contract(data: dict) -> None:
    """Exactly the documented keys, with the documented types."""
    assert list(data) == TOP_KEYS
    assert isinstance(data["request"], str)
    assert list(data["parsed"]) == PARSED_KEYS
    for key in ("keywords", "phrases", "include_tags", "inferred_tags", "exclude_tags"):
        assert isinstance(data["parsed"][key], list) and all(isinstance(v, str) for v in data["parsed"][key])
    assert set(data["parsed"]["inferred_tags"]) <= set(data["parsed"]["include_tags"])
    for expanded in data["parsed"]["expanded_tags"]:
        assert list(expanded) == ["tag", "weight", "source"] and 0 < expanded["weight"] <= 1
        assert expanded["source"] in {"tag-model", "meaning"}
    assert data["parsed"]["sort"] in {"relevance", "newest", "oldest"}
    for key in ("date_from", "date_to"):
        assert data["parsed"][key] is None or isinstance(data["parsed"][key], str)
    assert type(data["total"]) is int and data["total"] >= len(data["results"])
    assert type(data["relaxed"]) is bool
    assert isinstance(data["notes"], list) and all(isinstance(n, str) for n in data["notes"])
    for result in data["results"]:
        assert list(result) == RESULT_KEYS
        assert type(result["id"]) in (int, str)
        assert isinstance(result["title"], str) and result["title"]
        assert isinstance(result["description"], str)
        assert isinstance(result["tags"], list) and all(isinstance(t, str) for t in result["tags"])
        assert result["created_on"] is None or isinstance(result["created_on"], str)
        assert result["url"] is None or (isinstance(result["url"], str) and result["url"].startswith("http"))
        assert type(result["score"]) is float
    for suggestion in data["suggested_tags"]:
        assert list(suggestion) == ["tag", "count"]
        assert isinstance(suggestion["tag"], str) and type(suggestion["count"]) is int


def test_json_output_matches_the_contract_exactly():
    data = search_json("#pytorch #object-detection")
    assert_contract(data)
    assert data["request"] == "#pytorch #object-detection"
    assert data["parsed"] == {
        "keywords": [],
        "phrases": [],
        "include_tags": ["pytorch", "object-detection"],
        "inferred_tags": [],
        "expanded_tags": [],
        "exclude_tags": [],
        "sort": "relevance",
        "date_from": None,
        "date_to": None,
    }
    assert (data["total"], data["relaxed"], data["notes"], data["suggested_tags"]) == (2, False, [], [])
    assert data["results"][0] == {
        "id": 1,
        "title": "YOLO real-time detector in PyTorch",
        "description": "A compact PyTorch implementation of the YOLO single-stage detector with training scripts.",
        "tags": ["pytorch", "yolo", "code"],
        "created_on": "2021-03-01T10:00:00",
        "url": "https://example.org/yolo-pytorch",
        "score": 0.0,
    }
    assert data["results"][1]["id"] == 3 and data["results"][1]["url"] is None


@pytest.mark.parametrize(
    "request_text", ['"real-time detector" -#keras', "pytorch paper", "detector", "tag:cv newest", "zebra", ""]
)
def test_json_contract_holds_for_every_kind_of_request(request_text):
    assert_contract(search_json(request_text))


def test_json_carries_phrases_exclusions_relaxation_and_suggestions():
    data = search_json('"detection model" -#keras')
    assert data["parsed"]["phrases"] == ["detection model"]
    assert data["parsed"]["exclude_tags"] == ["keras"]
    assert [r["id"] for r in data["results"]] == [3]
    relaxed = search_json("pytorch paper")
    assert relaxed["relaxed"] is True and relaxed["notes"]
    assert relaxed["suggested_tags"] and all(s["count"] >= 2 for s in relaxed["suggested_tags"])
    scores = search_json("detector")["results"]
    assert all(r["score"] > 0 for r in scores)


def test_string_ids_stay_strings(tmp_path):
    path = tmp_path / "projects.json"
    path.write_text(json.dumps([{"id": "abc", "title": "A thing", "tags": ["x"]}, {"id": 2, "title": "B"}]))
    code, out, _ = run("search", "#x", "--json", "--catalog", str(path))
    assert code == 0
    assert json.loads(out)["results"][0]["id"] == "abc"


def test_search_json_as_a_real_process():
    completed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "search", "--json", "#nlp -#paper", *ON_SMALL],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr
    data = json.loads(completed.stdout)
    assert_contract(data)
    assert data["parsed"]["include_tags"] == ["natural-language-processing"]
    assert {r["id"] for r in data["results"]} == {5, 7}


def test_bad_catalog_as_a_real_process(tmp_path):
    path = tmp_path / "projects.json"
    path.write_text('[{"id": 1, "title": "ok"}, {"id": 1, "title": "again"}, {"id": 2}]', encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "search", "x", "--catalog", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr + completed.stdout
    assert "#2 (id 1): duplicate id" in completed.stderr
    assert "#3 (id 2): missing title" in completed.stderr


# ---- human output -------------------------------------------------------------------------


def test_human_output_is_numbered_results_with_descriptions_and_tags_then_suggestions():
    code, out, _ = run("search", "#computer-vision", *ON_SMALL, "--limit", "3")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Understood: tags: #computer-vision"
    numbered = [line for line in lines if line[:4].strip().rstrip(".").isdigit()]
    assert [line.split(".")[0].strip() for line in numbered] == ["1", "2", "3"]
    assert numbered[0] == "  1. Mobile YOLO with TF Lite (2022-06-30)"
    first = lines.index(numbered[0])
    assert lines[first + 1].strip() == "Quantize a YOLO detector and deploy it on Android."
    assert lines[first + 2].strip() == "#yolo #tensorflow-lite #tutorial"
    assert "Showing 1-3 of 7." in lines
    assert lines[-1].startswith("Refine with: #")
    assert lines.index("Showing 1-3 of 7.") > first
    assert "(3)" in lines[-1]  # each suggestion shows its count


def test_human_output_numbers_continue_on_later_pages():
    code, out, _ = run("search", "#computer-vision", *ON_SMALL, "--limit", "3", "--offset", "3")
    assert code == 0
    assert "  4. " in out and "  1. " not in out and "Showing 4-6 of 7." in out


def test_human_output_with_no_results():
    code, out, _ = run("search", "zebra", *ON_SMALL)
    assert code == 0
    assert "No projects found." in out and "Refine with" not in out


def test_human_output_shows_notes():
    code, out, _ = run("search", "pytorch paper", *ON_SMALL)
    assert code == 0
    assert "Note: " in out and "#pytorch" in out


# ---- limit, offset, batch ------------------------------------------------------------------


def test_limit_and_offset():
    everything = [r["id"] for r in search_json("", "--limit", "12")["results"]]
    assert len(everything) == 12
    page = search_json("", "--limit", "4", "--offset", "4")
    assert [r["id"] for r in page["results"]] == everything[4:8]
    assert page["total"] == 12
    assert len(search_json("", "--limit", "0")["results"]) == 1  # clamped, not an error


def test_batch_writes_one_json_line_per_request_in_order(tmp_path):
    batch = tmp_path / "requests.txt"
    batch.write_text("#nlp\n\n   \npytorch paper\nzebra\n#computer-vision -#yolo\n", encoding="utf-8")
    code, out, err = run("search", "--batch", str(batch), *ON_SMALL, "--limit", "2")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 4
    objects = [json.loads(line) for line in lines]
    assert [o["request"] for o in objects] == ["#nlp", "pytorch paper", "zebra", "#computer-vision -#yolo"]
    for data in objects:
        assert_contract(data)
        assert len(data["results"]) <= 2
    assert objects[2]["total"] == 0


def test_batch_loads_the_catalog_once(tmp_path, monkeypatch):
    batch = tmp_path / "requests.txt"
    batch.write_text("a\nb\nc\n", encoding="utf-8")
    calls = []
    real = cli.open_engine

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(cli, "open_engine", counting)
    code, out, _ = run("search", "--batch", str(batch), *ON_SMALL)
    assert code == 0 and len(out.splitlines()) == 3 and len(calls) == 1


def test_batch_from_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("#nlp\n#paper\n"))
    code, out, _ = run("search", "--batch", "-", *ON_SMALL)
    assert code == 0
    assert [json.loads(line)["parsed"]["include_tags"] for line in out.splitlines()] == [
        ["natural-language-processing"],
        ["paper"],
    ]


def test_batch_file_missing_or_not_utf8(tmp_path):
    code, _, err = run("search", "--batch", str(tmp_path / "none.txt"), *ON_SMALL)
    assert code == 2 and "none.txt" in err and "Traceback" not in err
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"caf\xe9\n")
    code, _, err = run("search", "--batch", str(latin), *ON_SMALL)
    assert code == 2 and "UTF-8" in err and "Traceback" not in err


def test_search_without_a_request_is_a_usage_error():
    code, out, err = run("search", *ON_SMALL)
    assert code == 2 and out == "" and "REQUEST" in err


def test_bad_option_value_is_a_usage_error_on_the_given_stream():
    code, out, err = run("search", "x", "--limit", "many", *ON_SMALL)
    assert code == 2 and out == ""
    assert "--limit" in err and "invalid int value" in err


# ---- bad catalogs ---------------------------------------------------------------------------

GOOD = {"id": 1, "title": "Fine", "tags": ["x"]}
BAD_CATALOGS = {
    "malformed JSON": ('[{"id": 1, "title": "a"},', "malformed JSON"),
    "bad JSONL line": ('{"id": 1, "title": "a"}\n{"id": 2, "title": \n', "#2: malformed JSON"),
    "missing title": ([GOOD, {"id": 2}], "#2 (id 2): missing title"),
    "empty title": ([GOOD, {"id": 2, "title": " "}], "#2 (id 2): title"),
    "duplicate id": ([GOOD, {"id": 1, "title": "Again"}], "#2 (id 1): duplicate id"),
    "bad date": ([GOOD, {"id": 2, "title": "T", "created_on": "soon"}], "#2 (id 2): created_on: bad date 'soon'"),
    "ftp url": ([GOOD, {"id": 2, "title": "T", "url": "ftp://example.org"}], "#2 (id 2): url"),
    "javascript url": ([GOOD, {"id": 2, "title": "T", "url": "javascript:alert(1)"}], "#2 (id 2): url"),
    "url with a pipe": ([GOOD, {"id": 2, "title": "T", "url": "https://e.org/a|b"}], "#2 (id 2): url"),
    "url with >": ([GOOD, {"id": 2, "title": "T", "url": "https://e.org/a>b"}], "#2 (id 2): url"),
    "not an object": ([GOOD, "just text"], "#2: record is not a JSON object"),
    "missing id": ([GOOD, {"title": "T"}], "#2: missing id"),
    "an object, not a list": ({"projects": [GOOD]}, "expected a JSON list"),
    "empty catalog": ([], "no projects"),
}


def write_catalog(tmp_path: Path, content: object, name: str = "projects.json") -> Path:
    if isinstance(content, str) and "\n" in content and content.lstrip().startswith("{"):
        name = "projects.jsonl"
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=1), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["search", "validate"])
@pytest.mark.parametrize("case", list(BAD_CATALOGS))
def test_every_bad_catalog_case_exits_2_with_the_problem_and_no_traceback(tmp_path, command, case):
    content, expected = BAD_CATALOGS[case]
    path = write_catalog(tmp_path, content)
    argv = ["search", "x", "--catalog", str(path)] if command == "search" else ["validate", "--catalog", str(path)]
    code, out, err = run(*argv)
    assert code == 2
    assert expected in err
    assert err.startswith("error: ")
    assert "nothing was loaded" in err
    assert "Traceback" not in err + out
    if command == "search":
        assert out == ""


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (lambda p: None, "file not found"),
        (lambda p: p.write_bytes(b'[{"id": 1, "title": "caf\xe9"}]'), "cannot read file"),
    ],
    ids=["missing", "not utf-8"],
)
def test_unreadable_catalog_exits_2_with_a_clear_message(tmp_path, write, expected):
    path = tmp_path / "projects.json"
    write(path)
    for argv in (["search", "x", "--catalog", str(path)], ["validate", "--catalog", str(path)]):
        code, out, err = run(*argv)
        assert code == 2
        assert expected in err and str(path) in err
        assert "Traceback" not in err + out


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ([{"tag": "a", "aliases": ["b"]}, {"tag": "b"}], "tags.json #1 (id a): alias 'b' collides"),
        ([{"tag": "a", "parents": ["b"]}, {"tag": "b", "parents": ["a"]}], "parent cycle"),
        ([{"tag": "a", "parents": ["a"]}], "tags.json #1 (id a): tag is its own parent"),
        ([{"aliases": []}], "tags.json #1: tag: Field required"),
    ],
)
def test_bad_taxonomy_exits_2_with_the_problem(tmp_path, tags, expected):
    path = tmp_path / "tags.json"
    path.write_text(json.dumps(tags), encoding="utf-8")
    for command in (["search", "x"], ["validate"]):
        code, out, err = run(*command, "--catalog", str(CATALOG), "--taxonomy", str(path))
        assert code == 2
        assert expected in err
        assert "Traceback" not in err + out


def test_the_problem_list_shows_twenty_then_a_count(tmp_path):
    records = [GOOD] + [{"id": i, "description": "no title"} for i in range(2, 27)]  # 25 bad
    code, _, err = run("search", "x", "--catalog", str(write_catalog(tmp_path, records)))
    assert code == 2
    listed = [line for line in err.splitlines() if line.startswith("- ")]
    assert len(listed) == 20
    assert listed[0] == "- projects.json #2 (id 2): missing title"
    assert "... and 5 more problems" in err
    assert "25 problems" in err


def test_skip_invalid_loads_the_rest_and_says_how_many_it_skipped(tmp_path):
    records = [GOOD, {"id": 2}, {"id": 1, "title": "dup"}, {"id": 3, "title": "Also fine", "tags": ["x"]}]
    code, out, err = run("search", "#x", "--json", "--skip-invalid", "--catalog", str(write_catalog(tmp_path, records)))
    assert code == 0
    assert "Skipped 2 invalid records" in err
    assert "#2 (id 2): missing title" in err and "#3 (id 1): duplicate id" in err
    assert sorted(r["id"] for r in json.loads(out)["results"]) == [1, 3]


def test_skip_invalid_says_nothing_when_nothing_was_skipped():
    code, _, err = run("search", "#x", "--skip-invalid", *ON_SMALL)
    assert code == 0 and "Skipped" not in err


# ---- validate --------------------------------------------------------------------------------


def test_validate_prints_the_summary(tmp_path):
    records = json.loads(CATALOG.read_text(encoding="utf-8"))
    records += [{"id": 50, "title": "Untagged"}, {"id": 51, "title": "Quantum", "tags": ["Quantum ML", "pytorch"]}]
    path = write_catalog(tmp_path, records)
    code, out, err = run("validate", "--catalog", str(path), "--taxonomy", str(TAGS))
    assert code == 0, err
    lines = out.splitlines()
    assert "projects: 14" in lines
    # nlp, GANs, tf-lite and segmentation are the taxonomy's tags under other spellings.
    assert "tags used: 15" in lines
    assert "untagged projects: 1" in lines
    assert "taxonomy tags: 16" in lines
    assert "catalog tags missing from the taxonomy: 1" in lines
    assert "  quantum-ml" in lines


def test_validate_without_a_taxonomy():
    code, out, _ = run("validate", "--catalog", str(CATALOG))
    assert code == 0
    assert "projects: 12" in out and "untagged projects: 0" in out
    assert "missing from the taxonomy" not in out


def test_validate_lists_the_problems_of_both_files(tmp_path):
    catalog = write_catalog(tmp_path, [GOOD, {"id": 2}])
    tags = tmp_path / "tags.json"
    tags.write_text(json.dumps([{"tag": "a", "parents": ["a"]}]), encoding="utf-8")
    code, out, err = run("validate", "--catalog", str(catalog), "--taxonomy", str(tags))
    assert code == 2 and out == ""
    assert "projects.json #2 (id 2): missing title" in err
    assert "tags.json #1 (id a): tag is its own parent" in err


def test_validate_skip_invalid_reports_and_exits_0(tmp_path):
    catalog = write_catalog(tmp_path, [GOOD, {"id": 2}])
    code, out, _ = run("validate", "--catalog", str(catalog), "--skip-invalid")
    assert code == 0
    assert "projects: 1" in out and "skipped 1 invalid record:" in out and "missing title" in out


def test_validate_needs_a_catalog():
    code, _, err = run("validate")
    assert code == 2 and "--catalog" in err


# ---- the Made With ML done-when ----------------------------------------------------------------


@needs_mwml
def test_mwml_pytorch_object_detection_via_the_cli():
    code, out, err = run(
        "search", "--json", "#pytorch #object-detection", "--catalog", str(MWML_PROJECTS), "--taxonomy", str(MWML_TAGS)
    )
    assert code == 0, err
    data = json.loads(out)
    assert_contract(data)
    assert data["results"] and data["relaxed"] is False
    for result in data["results"]:
        assert {"pytorch", "object-detection"} <= set(result["tags"])
    raw = json.loads(MWML_PROJECTS.read_text(encoding="utf-8"))
    assert data["total"] == sum(1 for p in raw if {"pytorch", "object-detection"} <= set(p["tags"]))


@needs_mwml
def test_mwml_validates_cleanly():
    code, out, _ = run("validate", "--catalog", str(MWML_PROJECTS), "--taxonomy", str(MWML_TAGS))
    assert code == 0
    assert f"projects: {len(json.loads(MWML_PROJECTS.read_text(encoding='utf-8')))}" in out


# ---- settings ---------------------------------------------------------------------------------


def test_catalog_and_taxonomy_default_to_the_settings(monkeypatch):
    monkeypatch.setenv("CATALOG_PATH", str(CATALOG))
    monkeypatch.setenv("TAXONOMY_PATH", str(TAGS))
    code, out, err = run("search", "#nlp", "--json")
    assert code == 0, err
    assert {r["id"] for r in json.loads(out)["results"]} == {5, 6, 7, 11}


def test_a_missing_catalog_from_the_settings_exits_2(monkeypatch, tmp_path):
    monkeypatch.setenv("CATALOG_PATH", str(tmp_path / "gone.json"))
    code, out, err = run("search", "x")
    assert code == 2 and out == ""
    assert "gone.json: file not found" in err and "Traceback" not in err
