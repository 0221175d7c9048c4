"""`findproject index build` writes a snapshot; `search`, `chat` and `serve` start from one given by
--snapshot FILE or SNAPSHOT_PATH, and refuse one that is not usable in one line, exit status 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from tests.conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures"
CATALOG = FIXTURES / "small_catalog.json"
TAGS = FIXTURES / "small_tags.json"
REQUESTS = ["#nlp", "pytorch paper", "zebra", "#computer-vision -#yolo", "transformers newest"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("snapshot") / "small.snapshot"
    code, out, err = run("index", "build", "--catalog", str(CATALOG), "--taxonomy", str(TAGS), "--out", str(path))
    assert code == 0, err
    assert out.startswith(f"wrote {path}: ") and " projects, " in out and path.stat().st_size > 0
    return path


def _answers(*options: str) -> list[dict]:
    got = []
    for request in REQUESTS:
        code, out, err = run("search", request, "--json", "--limit", "20", *options)
        assert code == 0, err
        got.append(json.loads(out))
    return got


def test_search_from_a_snapshot_answers_like_search_from_the_catalog(built):
    assert _answers("--snapshot", str(built)) == _answers("--catalog", str(CATALOG), "--taxonomy", str(TAGS))


def test_snapshot_path_is_the_same_setting(built, monkeypatch):
    monkeypatch.setenv("SNAPSHOT_PATH", str(built))
    assert _answers() == _answers("--catalog", str(CATALOG), "--taxonomy", str(TAGS))


def test_the_option_leaves_the_environment_as_it_was(built, monkeypatch, tmp_path):
    monkeypatch.delenv("SNAPSHOT_PATH", raising=False)
    run("search", "gans", "--snapshot", str(built))
    assert "SNAPSHOT_PATH" not in os.environ
    monkeypatch.setenv("SNAPSHOT_PATH", str(tmp_path / "another"))
    assert run("search", "gans", "--snapshot", str(built))[0] == 0  # the option wins
    assert os.environ["SNAPSHOT_PATH"] == str(tmp_path / "another")


@pytest.mark.parametrize("damage", ["garbage", "truncated", "missing"])
def test_an_unusable_snapshot_is_one_line_and_exit_2(built, tmp_path, damage):
    path = tmp_path / "bad.snapshot"
    if damage == "garbage":
        path.write_bytes(b"\x7fELF not a snapshot" * 10)
    elif damage == "truncated":
        path.write_bytes(built.read_bytes()[:-100])
    code, out, err = run("search", "gans", "--snapshot", str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: snapshot {path} cannot be used: ")
    assert "index build" in err and "Traceback" not in err


def test_a_snapshot_and_a_catalog_at_once_is_a_usage_error(built):
    code, _, err = run("search", "gans", "--snapshot", str(built), "--catalog", str(CATALOG))
    assert code == 2 and "not both" in err


def test_index_build_of_an_invalid_catalog_lists_the_problems(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": 1, "title": "ok"}, {"id": 2}]))
    code, out, err = run("index", "build", "--catalog", str(bad), "--out", str(tmp_path / "s"))
    assert code == 2 and "missing title" in err and not (tmp_path / "s").exists()
    code, out, err = run("index", "build", "--catalog", str(bad), "--out", str(tmp_path / "s"), "--skip-invalid")
    assert code == 0 and "Skipped 1 invalid record" in err and (tmp_path / "s").exists()


def _bot(*argv: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_chat_starts_from_a_snapshot(built):
    result = _bot("chat", "--snapshot", str(built), stdin="#nlp\n/quit\n")
    projects = len(json.loads(CATALOG.read_text()))
    assert result.returncode == 0, result.stderr
    assert f"FindProject chat on {projects} projects" in result.stdout


def test_serve_refuses_an_unusable_snapshot_in_one_line(tmp_path):
    bad = tmp_path / "bad.snapshot"
    bad.write_bytes(b"nothing useful")
    result = _bot(
        "serve",
        "--http",
        "--port",
        "0",
        "--snapshot",
        str(bad),
        env={
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "secret",
            "STATE_DB_PATH": str(tmp_path / "s.db"),
            "SLACK_APP_TOKEN": "",
        },
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines == [
        f"error: snapshot {bad} cannot be used: not a FindProject snapshot; "
        "build one with `findproject index build --catalog … --taxonomy … --out FILE`"
    ]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("argv", [["index", "--help"], ["index", "build", "--help"]])
def test_index_help_has_examples_that_parse(argv):
    import shlex

    code, out, _ = run(*argv)
    assert code == 0 and out.startswith(f"usage: findproject {' '.join(argv[:-1])}")
    examples = out.split("\nexamples:\n", 1)[1].strip().splitlines()
    for line in examples:
        args = cli.build_parser().parse_args(shlex.split(line)[1:])
        assert args.command in ("index", "serve")
