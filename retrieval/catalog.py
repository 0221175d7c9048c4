"""Load and validate a project catalog (JSON list or JSONL) into columns.

The records stream in (retrieval/jsonfile.py), are validated in batches (retrieval/records.py)
and only their fields are kept, as columns (retrieval/columns.py): a large catalog never
exists as a list of dicts or of pydantic objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from retrieval.columns import Catalog, CatalogBuilder
from retrieval.jsonfile import stream_records
from retrieval.models import Project
from retrieval.problems import CatalogError, Problem
from retrieval.progress import tracked_reading
from retrieval.records import validated


@dataclass
class LoadedCatalog:
    catalog: Catalog
    skipped: list[Problem] = field(default_factory=list)

    @property
    def projects(self) -> list[Project]:
        """Every project as a pydantic object: for small catalogs and tests (a million take 3 GB)."""
        return list(self.catalog)


def load_catalog(path: str | Path, skip_invalid: bool = False) -> LoadedCatalog:
    """Load every valid project; by default any invalid record fails the whole load."""
    source = Path(path).name
    records = stream_records(path)
    problems: list[Problem] = []
    builder = CatalogBuilder()
    seen_ids: set[str] = set()
    for position, fields in validated(tracked_reading(records, "validating projects"), source):
        if isinstance(fields, Problem):
            problems.append(fields)
            continue
        key = str(fields.id)
        if key in seen_ids:
            problems.append(Problem(source=source, position=position, record_id=key, reason="duplicate id"))
            continue
        seen_ids.add(key)
        builder.add(*fields)
    del seen_ids
    problems.extend(records.problems)
    problems.sort(key=lambda p: p.position or 0)
    if problems and not skip_invalid:
        raise CatalogError(problems)
    if not len(builder):
        # An empty catalog would serve "no projects found" to every request.
        reason = "no valid project left to load" if problems else "the catalog has no projects"
        raise CatalogError([*problems, Problem(source=source, reason=reason)])
    return LoadedCatalog(catalog=builder.build(), skipped=problems)
