"""Suggested refinement tags: the tags that best split the current matches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from retrieval.models import SuggestedTag
from retrieval.taxonomy import Taxonomy

MAX_SUGGESTIONS = 8
MAX_RESOURCE_SUGGESTIONS = 3
SAMPLE = 50


def suggest_tags(
    matches: Sequence[Sequence[str]],
    taken: Iterable[str],
    taxonomy: Taxonomy,
    limit: int = MAX_SUGGESTIONS,
) -> list[SuggestedTag]:
    """Up to ``limit`` tags from the top matches (each given by its tags), resource types first as their own group.

    A tag on every match or on almost none cannot narrow anything, so both are left out;
    among the rest, tags nearest to half of the matches split them best. A project counts
    for a tag's ancestors too, as a filter on the tag would keep it.
    """
    resource_tags = taxonomy.resource_tags
    sample = matches[:SAMPLE]
    n = len(sample)
    if n < 2:
        return []
    counts = Counter(tag for tags in sample for tag in set().union(*map(taxonomy.with_ancestors, tags)))
    skip = set(taken)
    floor = max(2, round(0.04 * n))
    useful = [(tag, c) for tag, c in counts.items() if tag not in skip and floor <= c < n]
    # Closest to an even split first; then the more common; then by name for stability.
    useful.sort(key=lambda item: (abs(item[1] / n - 0.5), -item[1], item[0]))
    resources = [item for item in useful if item[0] in resource_tags][:MAX_RESOURCE_SUGGESTIONS]
    topics = [item for item in useful if item[0] not in resource_tags][: limit - len(resources)]
    return [SuggestedTag(tag=t, count=c, group="resource") for t, c in resources] + [
        SuggestedTag(tag=t, count=c, group="topic") for t, c in topics
    ]
