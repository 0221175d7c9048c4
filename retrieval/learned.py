"""What an engine learns from its catalog: the word statistics and the tag model.

Built with the index (seconds on a large catalog: it says so on a terminal) and cached with
it (retrieval/cache.py), so a start-up from the cache trains nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.analyzer import Analyzer
from retrieval.lexicon import Lexicon
from retrieval.models import Project
from retrieval.tagmodel import TagModel
from retrieval.taxonomy import Taxonomy


@dataclass
class LearnedModels:
    lexicon: Lexicon
    tag_model: TagModel | None

    @classmethod
    def build(cls, projects: Sequence[Project], taxonomy: Taxonomy, analyzer: Analyzer) -> LearnedModels:
        texts = (f"{p.title} {p.description} {' '.join(t.replace('-', ' ') for t in p.tags)}" for p in projects)
        return cls(lexicon=Lexicon.build(texts), tag_model=TagModel.train(projects, taxonomy, analyzer.terms))
