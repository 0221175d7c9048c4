"""Counted nouns in messages: "1 problem", "3 problems"."""

from __future__ import annotations

import ast
import io
import json
import re
from pathlib import Path

from bot.cli import main
from retrieval.plurals import plural

ROOT = Path(__file__).resolve().parents[2]


def test_one_is_singular_and_every_other_count_is_plural():
    assert plural(1, "problem") == "1 problem"
    assert plural(3, "problem") == "3 problems"
    assert plural(0, "invalid record") == "0 invalid records"
    assert plural(2, "entry", "entries") == "2 entries"


def _load_error(tmp_path: Path, bad: int) -> str:
    records = [{"id": 1, "title": "fine"}] + [{"id": 100 + n} for n in range(bad)]  # no title: invalid
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(records))
    out, err = io.StringIO(), io.StringIO()
    assert main(["search", "anything", "--catalog", str(catalog)], out, err) == 2
    return err.getvalue().splitlines()[0]


def test_the_cli_counts_problems_in_words(tmp_path):
    assert _load_error(tmp_path, 1) == "error: 1 problem in the catalog or taxonomy; nothing was loaded:"
    assert _load_error(tmp_path, 3) == "error: 3 problems in the catalog or taxonomy; nothing was loaded:"


def _docstrings(tree: ast.AST) -> set[int]:
    bodies = [n.body for n in ast.walk(tree) if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef))]
    return {id(body[0].value) for body in bodies if body and isinstance(body[0], ast.Expr)}


def test_no_message_in_the_code_says_s_in_parentheses():
    """A guard for the rule: a message string such as "record(s)" anywhere in bot/ or retrieval/ fails."""
    found = []
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("retrieval/**/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if re.search(r"\w\(s\)", node.value.replace("http(s)", "")):
                    found.append(f"{path.relative_to(ROOT)}: {node.value[:60]!r}")
    assert found == []
