"""Load and validate a project catalog (JSON list or JSONL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from retrieval.jsonfile import read_records
from retrieval.models import Project
from retrieval.problems import CatalogError, Problem
from retrieval.progress import tracked


class LoadedCatalog(BaseModel):
    projects: list[Project]
    skipped: list[Problem] = []


def load_catalog(path: str | Path, skip_invalid: bool = False) -> LoadedCatalog:
    """Load every valid project; by default any invalid record fails the whole load."""
    source = Path(path).name
    records, problems = read_records(path)
    projects: list[Project] = []
    seen_ids: set[str] = set()
    for position, raw in tracked(records, "validating projects"):
        project, problem = _parse_project(raw, source, position)
        if problem is not None:
            problems.append(problem)
            continue
        assert project is not None
        key = str(project.id)
        if key in seen_ids:
            problems.append(Problem(source=source, position=position, record_id=key, reason="duplicate id"))
            continue
        seen_ids.add(key)
        projects.append(project)
    problems.sort(key=lambda p: p.position or 0)
    if problems and not skip_invalid:
        raise CatalogError(problems)
    if not projects:
        # An empty catalog would serve "no projects found" to every request.
        reason = "no valid project left to load" if problems else "the catalog has no projects"
        raise CatalogError([*problems, Problem(source=source, reason=reason)])
    return LoadedCatalog(projects=projects, skipped=problems)


def _parse_project(raw: Any, source: str, position: int) -> tuple[Project | None, Problem | None]:
    if not isinstance(raw, dict):
        return None, Problem(source=source, position=position, reason="record is not a JSON object")
    record_id = raw.get("id")
    shown_id = None if record_id is None else str(record_id)[:60]
    if record_id is None or (isinstance(record_id, str) and not record_id.strip()):
        return None, Problem(source=source, position=position, reason="missing id")
    if isinstance(record_id, bool) or not isinstance(record_id, (int, str, float)) or (
        isinstance(record_id, float) and not record_id.is_integer()
    ):
        return None, Problem(source=source, position=position, record_id=shown_id,
                             reason=f"id must be a string or an integer, got {record_id!r:.40}")
    if "tags" not in raw and "tag" in raw:  # the later Made With ML shape
        raw = {**raw, "tags": raw["tag"]}
    if "title" not in raw or raw["title"] is None:
        return None, Problem(source=source, position=position, record_id=shown_id, reason="missing title")
    try:
        return Project.model_validate(raw), None
    except ValidationError as exc:
        return None, Problem(source=source, position=position, record_id=shown_id, reason=_explain(exc))


def _explain(exc: ValidationError) -> str:
    reasons = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "record"
        message = error["msg"].removeprefix("Value error, ")
        if field == "created_on":
            message = f"bad date {str(error.get('input'))[:40]!r}"
        reasons.append(f"{field}: {message}")
    return "; ".join(reasons)
