"""`findproject --version`, `--help` (a usage line and examples that really are valid commands),
and the default catalog: the bundled demo, found through the installed package from any directory."""

from __future__ import annotations

import importlib.metadata
import io
import json
import shlex
from pathlib import Path

import pytest

from bot.cli import build_parser, main

COMMANDS = ["search", "validate", "serve", "chat", "run", "report", "suggest-tags"]
ROOT = Path(__file__).resolve().parents[2]


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(argv, out, err), out.getvalue(), err.getvalue()


def test_version_is_the_installed_distribution_version():
    code, out, _ = _run(["--version"])
    assert code == 0
    assert out == f"findproject {importlib.metadata.version('findproject')}\n"


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_shows_a_usage_line_and_examples_that_parse(command):
    argv = [command] if command else []
    code, out, _ = _run([*argv, "--help"])
    assert code == 0
    assert out.startswith(f"usage: findproject {command or ''}".rstrip())
    examples = out.split("\nexamples:\n", 1)[1].strip().splitlines()
    assert examples, "at least one example"
    for line in examples:
        words = shlex.split(line)
        assert words[0] == "findproject"
        if "--help" in words:
            continue
        args = build_parser().parse_args(words[1:])  # exits (a failed test) on an invalid example
        assert args.command == (command or args.command)


def test_the_default_catalog_is_the_bundled_demo_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("CATALOG_PATH", "TAXONOMY_PATH"):
        monkeypatch.delenv(name, raising=False)
    code, out, err = _run(["search", "--json", "--limit", "100", "#demo"])
    assert code == 0, err
    demo = json.loads((ROOT / "data" / "projects.json").read_text())
    assert json.loads(out)["total"] == sum("demo" in p["tags"] for p in demo) > 0
