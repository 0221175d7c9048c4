"""Read a list of JSON objects from a .json array or a .jsonl file, with positions.

``stream_records`` yields the records one at a time, so a large catalog never exists as a
million dicts at once (retrieval/catalog.py keeps only its columns); ``read_records`` lists
them, for small files such as a taxonomy; ``package_lines`` reads the package's own example
files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from retrieval.problems import CatalogError, Problem

# json's own whitespace (the decoder skips exactly these between values).
_WHITESPACE = re.compile(r"[ \t\n\r]*")


class Records:
    """(position, record) pairs of one file, read lazily.

    ``problems`` fills with the malformed lines of a JSONL file as they are passed;
    ``done`` is how many characters of ``size`` have been read (for a progress bar).
    A malformed JSON array raises CatalogError when the reading reaches the fault.
    """

    def __init__(self, text: str, source: str, jsonl: bool):
        self.size = len(text)
        self.done = 0
        self.problems: list[Problem] = []
        self._text, self._source, self._jsonl = text, source, jsonl

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        records = self._lines() if self._jsonl else self._array()
        try:
            yield from records
        except json.JSONDecodeError as exc:
            reason = f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            raise CatalogError([Problem(source=self._source, reason=reason)]) from None
        if self._jsonl and self.problems and self._text.lstrip().startswith("{") and isinstance(_whole(self._text), dict):
            # One object spread over many lines: not JSONL, and not the list we need.
            raise CatalogError([Problem(source=self._source, reason="expected a JSON list of objects, got one JSON object")])
        self._text = ""  # the file's text is the largest thing held while loading

    def _lines(self) -> Iterator[tuple[int, Any]]:
        text, start = self._text, 0
        for number, line in enumerate(text.splitlines(keepends=True), start=1):
            start += len(line)
            self.done = start
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                self.problems.append(Problem(source=self._source, position=number, reason=f"malformed JSON: {exc.msg}"))

    def _array(self) -> Iterator[tuple[int, Any]]:
        """The elements of a top-level array, with json.loads' own error messages and positions."""
        text, decode = self._text, json.JSONDecoder().raw_decode
        at = _skip(text, 0)
        if text[at : at + 1] != "[":  # only non-JSON whitespace can hide the bracket from stream_records
            raise json.JSONDecodeError("Expecting value", text, at)
        at = _skip(text, at + 1)
        number = 0
        if text[at : at + 1] == "]":
            at += 1
        else:
            while True:
                record, at = decode(text, at)
                number += 1
                self.done = at
                yield number, record
                at = _skip(text, at)
                if text[at : at + 1] == "]":
                    at += 1
                    break
                if text[at : at + 1] != ",":
                    raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
                at = _skip(text, at + 1)
        end = _skip(text, at)
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
        self.done = len(text)


def _skip(text: str, at: int) -> int:
    """Where the whitespace from ``at`` ends (the pattern matches the empty string too)."""
    match = _WHITESPACE.match(text, at)
    return match.end() if match else at


def stream_records(path: str | Path) -> Records:
    """The file's records, read as they are iterated; raises CatalogError on an unreadable file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CatalogError([Problem(source=str(path), reason="file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError([Problem(source=str(path), reason=f"cannot read file: {exc}")]) from None
    stripped = text.lstrip()
    jsonl = path.suffix.lower() == ".jsonl" or bool(stripped and not stripped.startswith("["))
    return Records(text, path.name, jsonl)


def read_records(path: str | Path) -> tuple[list[tuple[int, Any]], list[Problem]]:
    """Every (position, record) pair plus per-line problems; raise on an unreadable or malformed file."""
    records = stream_records(path)
    return list(records), records.problems


def _whole(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def package_lines(path: Path) -> list[dict[str, Any]]:
    """The objects of one of the package's own JSON Lines files (its examples): small, and written
    with the code, so a fault in one is a bug to raise, not a user's record to report."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
