"""What an engine learns from its catalog: the word statistics and the tag model.

Built with the index from the catalog's columns, streaming (the lexicon reads every text once; the
tag model trains on at most MAX_TRAINING_DOCS projects), and saved with it in a snapshot
(retrieval/snapshot.py), so a start-up from a snapshot or the cache trains nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.analyzer import Analyzer
from retrieval.columns import Catalog
from retrieval.lexicon import Lexicon
from retrieval.tagmodel import TagModel
from retrieval.taxonomy import Taxonomy


@dataclass
class LearnedModels:
    lexicon: Lexicon
    tag_model: TagModel | None

    @classmethod
    def build(cls, catalog: Catalog, taxonomy: Taxonomy, analyzer: Analyzer) -> LearnedModels:
        texts = (f"{title} {description} {' '.join(t.replace('-', ' ') for t in tags)}"
                 for title, description, tags in zip(catalog.titles, catalog.descriptions, catalog.tag_lists()))
        return cls(lexicon=Lexicon.build(texts), tag_model=TagModel.train(catalog, taxonomy, analyzer.terms))
