"""What an engine learns: the catalog's word statistics, its tag model, its meanings, the reply model and the kind model.

Built with the index from the catalog's columns (the lexicon from the word counts of the index's
one pass over the text; the tag model on at most MAX_TRAINING_DOCS projects), and saved with it in a snapshot
(retrieval/snapshot.py), so a start-up from a snapshot or the cache trains nothing. The reply
model learns from the package's example replies, not the catalog (retrieval/replies.py), and
the kind model from its example requests (retrieval/kinds.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from retrieval.analyzer import Analyzer
from retrieval.columns import Catalog
from retrieval.kinds import example_kind_model
from retrieval.lexicon import Lexicon
from retrieval.linear import LinearTextModel
from retrieval.replies import example_reply_model
from retrieval.semantic import Meanings
from retrieval.tagmodel import train_tag_model
from retrieval.taxonomy import Taxonomy


@dataclass
class LearnedModels:
    lexicon: Lexicon
    tag_model: LinearTextModel | None
    meanings: Meanings
    replies: LinearTextModel
    kinds: LinearTextModel

    @classmethod
    def build(
        cls,
        catalog: Catalog,
        taxonomy: Taxonomy,
        analyzer: Analyzer,
        word_counts: Counter[str],
        tag_docs: Mapping[str, np.ndarray],
    ) -> LearnedModels:
        """``word_counts``: the word forms of every title, description and tag, counted as the catalog was indexed;
        ``tag_docs``: each tag's projects (the corpus's tag postings)."""
        return cls(
            lexicon=Lexicon.build(word_counts),
            tag_model=train_tag_model(catalog, taxonomy, analyzer.terms),
            meanings=Meanings.build(catalog, taxonomy, tag_docs),
            replies=example_reply_model(),
            kinds=example_kind_model(),
        )
