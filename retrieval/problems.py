"""Validation problems, reported per record so a maintainer can fix the file."""

from __future__ import annotations

from pydantic import BaseModel

from retrieval.plurals import plural

MAX_LISTED = 20


class Problem(BaseModel):
    source: str
    position: int | None = None  # 1-based record (JSON) or line (JSONL) number
    record_id: str | None = None
    reason: str

    def __str__(self) -> str:
        where = self.source
        if self.position is not None:
            where += f" #{self.position}"
        if self.record_id is not None:
            where += f" (id {self.record_id})"
        return f"{where}: {self.reason}"


class CatalogError(Exception):
    """A catalog or taxonomy that cannot be loaded as it is."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(format_problems(problems))


def format_problems(problems: list[Problem], limit: int = MAX_LISTED) -> str:
    lines = [f"- {p}" for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... and {plural(len(problems) - limit, 'more problem')}")
    return "\n".join(lines)
