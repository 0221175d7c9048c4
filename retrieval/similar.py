"""Projects like a given one ("more like the second one"): a query from its own text and tags.

The project's most telling words (rare in the catalog, but shared with a few other
projects) rank the candidates, and its topic tags are inferred intents (evidence for
ranking, never a filter); the project itself is left out.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

from retrieval.models import Project, Query
from retrieval.vocabulary import FILLER

if TYPE_CHECKING:
    from retrieval.engine import SearchEngine

MAX_WORDS = 8
TITLE_WEIGHT = 2
MAX_SHARE = 0.2  # a word in more than a fifth of the catalog says little about one project


def similar_query(engine: SearchEngine, project: Project) -> Query:
    """Ranks projects by how much of ``project``'s telling words and tags they share."""
    analyzer = engine.analyzer
    n = len(engine.projects)
    counts: Counter[str] = Counter()
    for text, weight in ((project.title, TITLE_WEIGHT), (project.description, 1)):
        for word in analyzer.words(text):
            if word not in FILLER and not word.isdigit() and len(word) > 2:
                counts[word] += weight
    scores: dict[str, float] = {}
    seen_terms: set[str] = set()
    for word, count in counts.most_common():
        terms = analyzer.terms(word)
        if len(terms) != 1 or terms[0] in seen_terms:
            continue
        frequency = engine.index.doc_freq(terms[0])
        if 2 <= frequency <= MAX_SHARE * n:
            seen_terms.add(terms[0])
            scores[word] = count * math.log(n / frequency)
    keywords = sorted(scores, key=lambda w: -scores[w])[:MAX_WORDS]
    topics = [tag for tag in project.tags if not engine.taxonomy.is_resource(tag)]
    return Query(
        text=f"projects like {project.title}",
        keywords=keywords,
        include_tags=topics,
        inferred_tags=topics,
        exclude_ids=[str(project.id)],
    )
