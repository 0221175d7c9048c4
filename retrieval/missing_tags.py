"""Tags a project's own text strongly implies but it does not carry: for catalog maintainers.

The engine's tag model (retrieval/tagmodel.py) reads a project's title and description the
way it was trained to. A high probability for a tag the project lacks says that the
catalog's other projects written that way carry it. The model learned from this very
project *without* the tag, so a confident suggestion is one the project's own label could
not argue away. A tag the project already implies is never suggested: its tags and every
tag above them (a #yolo project counts for #object-detection). How often the missing tag is
found is measured by benchmarks/suggest_tags.py (BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from retrieval.linear import LinearTextModel
from retrieval.models import Project
from retrieval.progress import tracked
from retrieval.tagmodel import Terms, training_text
from retrieval.taxonomy import Taxonomy

# suggest-tags' default. The model has read each project without its missing tag, which pulls
# that tag's probability down, so a useful threshold is low: on the Made With ML catalog 0.3
# lists 217 suggestions for 2,032 projects, and when a tag is hidden at least 64% of the
# suggestions at 0.3 are that very tag (benchmarks/suggest_tags.py, BENCHMARKS.md).
DEFAULT_MIN_CONFIDENCE = 0.3


class TagSuggestion(BaseModel):
    id: str
    title: str
    tag: str
    confidence: float


def implied_tags(project: Project, taxonomy: Taxonomy) -> set[str]:
    """The project's tags and every tag above them: what it already counts for in a search."""
    return set().union(*(taxonomy.with_ancestors(tag) for tag in project.tags))


def likely_missing(project: Project, model: LinearTextModel, terms: Terms, taxonomy: Taxonomy, k: int) -> list[tuple[str, float]]:
    """The project's ``k`` likeliest tags that it neither carries nor implies, likeliest first."""
    probabilities = model.predict(terms(training_text(project.title, project.description)))
    implied = implied_tags(project, taxonomy)
    order = np.argsort(-probabilities, kind="stable")
    return [(model.labels[i], float(probabilities[i])) for i in order if model.labels[i] not in implied][:k]


def suggest_missing_tags(
    projects: Sequence[Project], model: LinearTextModel, terms: Terms, taxonomy: Taxonomy, min_confidence: float
) -> list[TagSuggestion]:
    """Every (project, tag) at ``min_confidence`` or more, most confident first (then by id and tag)."""
    found = []
    for project in tracked(projects, "reading projects"):
        for tag, confidence in likely_missing(project, model, terms, taxonomy, len(model.labels)):
            if confidence < min_confidence:
                break
            found.append(TagSuggestion(id=str(project.id), title=project.title, tag=tag, confidence=round(confidence, 4)))
    return sorted(found, key=lambda s: (-s.confidence, s.id, s.tag))
