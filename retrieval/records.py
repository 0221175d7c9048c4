"""Catalog records validated in batches, with exactly ``Project.model_validate``'s outcome.

``Project.model_validate`` costs about 70 µs a record here (its four Python validators run
one call at a time), 70 s for a million. So records are checked in chunks: pydantic's core
validates a whole chunk against the same field types in one call (``_Fields``: no Python
validators), then the very functions the model's validators call (retrieval/models.py)
finish each record, with tag normalisation cached per distinct raw tag. Any record that
fails anywhere on this path is validated again by ``Project.model_validate`` itself, so its
problem reads exactly as before (tests/retrieval/test_records.py checks both paths agree).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, NamedTuple, cast

from pydantic import TypeAdapter, ValidationError
from typing_extensions import NotRequired, TypedDict

from retrieval.models import Project, clean_description, clean_title, clean_url, normalize_tag, parse_tags
from retrieval.problems import Problem

CHUNK = 2048


class Fields(NamedTuple):
    """A valid project's fields, as Project holds them."""

    id: int | str
    title: str
    description: str
    tags: list[str]
    created_on: datetime | None
    url: str | None


class _Fields(TypedDict):
    """Project's fields and types, without its validators."""

    id: int | str
    title: str
    description: NotRequired[str]
    tags: NotRequired[Any]
    created_on: NotRequired[datetime | None]
    url: NotRequired[str | None]


_CHUNK_OF_FIELDS = TypeAdapter(list[_Fields])


def validated(records: Iterable[tuple[int, Any]], source: str) -> Iterator[tuple[int, Fields | Problem]]:
    """Each record's fields, or the problem that rules it out, in order."""
    chunk: list[tuple[int, Any]] = []
    for item in records:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield from _chunk(chunk, source)
            chunk = []
    yield from _chunk(chunk, source)


def _chunk(chunk: list[tuple[int, Any]], source: str) -> Iterator[tuple[int, Fields | Problem]]:
    checked = [(position, _precheck(raw, source, position)) for position, raw in chunk]
    ready = [i for i, (_, raw) in enumerate(checked) if not isinstance(raw, Problem)]
    typed = _typed([raw for _, raw in checked if not isinstance(raw, Problem)])
    by_index = dict(zip(ready, typed))
    for i, (position, raw) in enumerate(checked):
        if isinstance(raw, Problem):
            yield position, raw
            continue
        fields = None
        if (values := by_index[i]) is not None:
            try:
                fields = _finish(values)
            except ValueError:
                pass
        yield position, fields if fields is not None else _model(raw, source, position)


def _typed(raws: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    """The records type-checked in one call; None for those that fail (the model then says why)."""
    try:
        return cast(list[dict[str, Any] | None], _CHUNK_OF_FIELDS.validate_python(raws))  # TypedDicts are dicts
    except ValidationError as exc:
        bad = {error["loc"][0] for error in exc.errors() if error["loc"]}
    good = [i for i in range(len(raws)) if i not in bad]  # each record is checked on its own: these pass again
    typed: list[dict[str, Any] | None] = [None] * len(raws)
    for i, values in zip(good, _CHUNK_OF_FIELDS.validate_python([raws[i] for i in good])):
        typed[i] = cast(dict[str, Any], values)
    return typed


def _finish(values: dict[str, Any]) -> Fields:
    """What Project's validators make of type-checked fields; ValueError where they refuse."""
    return Fields(
        values["id"],
        clean_title(values["title"]),
        clean_description(values.get("description", "")),
        parse_tags(values.get("tags"), _normalized),
        values.get("created_on"),
        clean_url(values.get("url")),
    )


def _normalized(raw: list[str]) -> list[str]:
    """normalize_tags, with each distinct raw tag normalised once."""
    return list(dict.fromkeys(filter(None, map(_normalize_tag, raw))))


_normalize_tag = functools.lru_cache(maxsize=65_536)(normalize_tag)


def _model(raw: dict[str, Any], source: str, position: int) -> Fields | Problem:
    try:
        project = Project.model_validate(raw)
    except ValidationError as exc:
        return Problem(source=source, position=position, record_id=_shown_id(raw.get("id")), reason=_explain(exc))
    return Fields(project.id, project.title, project.description, project.tags, project.created_on, project.url)


def _precheck(raw: Any, source: str, position: int) -> dict[str, Any] | Problem:
    """The checks made before the model: an object, an id of a usable type, a title; ``tag`` read as ``tags``."""
    if not isinstance(raw, dict):
        return Problem(source=source, position=position, reason="record is not a JSON object")
    record_id = raw.get("id")
    if record_id is None or (isinstance(record_id, str) and not record_id.strip()):
        return Problem(source=source, position=position, reason="missing id")
    if (
        isinstance(record_id, bool)
        or not isinstance(record_id, (int, str, float))
        or (isinstance(record_id, float) and not record_id.is_integer())
    ):
        return Problem(
            source=source,
            position=position,
            record_id=_shown_id(record_id),
            reason=f"id must be a string or an integer, got {record_id!r:.40}",
        )
    if "tags" not in raw and "tag" in raw:  # the later Made With ML shape
        raw = {**raw, "tags": raw["tag"]}
    if "title" not in raw or raw["title"] is None:
        return Problem(source=source, position=position, record_id=_shown_id(record_id), reason="missing title")
    return raw


def _shown_id(record_id: Any) -> str | None:
    return None if record_id is None else str(record_id)[:60]


def _explain(exc: ValidationError) -> str:
    reasons = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "record"
        message = error["msg"].removeprefix("Value error, ")
        if field == "created_on":
            message = f"bad date {str(error.get('input'))[:40]!r}"
        reasons.append(f"{field}: {message}")
    return "; ".join(reasons)
