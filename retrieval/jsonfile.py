"""Read a list of JSON objects from a .json array or a .jsonl file, with positions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from retrieval.problems import CatalogError, Problem


def read_records(path: str | Path) -> tuple[list[tuple[int, Any]], list[Problem]]:
    """Return (position, record) pairs plus per-line problems; raise on an unreadable file."""
    path = Path(path)
    source = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CatalogError([Problem(source=str(path), reason="file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError([Problem(source=str(path), reason=f"cannot read file: {exc}")]) from None

    stripped = text.lstrip()
    if path.suffix.lower() == ".jsonl" or (stripped and not stripped.startswith("[")):
        records, problems = _read_jsonl(text, source)
        if problems and stripped.startswith("{") and isinstance(_whole(text), dict):
            # One object spread over many lines: not JSONL, and not the list we need.
            raise CatalogError([Problem(source=source, reason="expected a JSON list of objects, got one JSON object")])
        return records, problems
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        raise CatalogError([Problem(source=source, reason=reason)]) from None
    if not isinstance(data, list):
        raise CatalogError([Problem(source=source, reason="expected a JSON list of objects")])
    return list(enumerate(data, start=1)), []


def _read_jsonl(text: str, source: str) -> tuple[list[tuple[int, Any]], list[Problem]]:
    records: list[tuple[int, Any]] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(Problem(source=source, position=number, reason=f"malformed JSON: {exc.msg}"))
    return records, problems


def _whole(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None
