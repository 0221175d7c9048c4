"""Select a page: rank the candidates by the query's sort, deterministically.

Relevance ranks by score, then newest, then id. A date sort ranks the projects that carry
every tag intent first (they are what was asked for), each group newest (or oldest) first.
"""

from __future__ import annotations

import numpy as np

from retrieval.corpus import Corpus
from retrieval.models import Query, Sort
from retrieval.ranking import top_k
from retrieval.score import Scored


def select(scored: Scored, query: Query, corpus: Corpus, count: int) -> list[int]:
    """The first ``count`` candidates in ranked order."""
    keys = _sort_keys(scored, query, corpus)
    return top_k(scored.candidates, keys, count).tolist()


def _sort_keys(scored: Scored, query: Query, corpus: Corpus) -> list[np.ndarray]:
    if query.sort is Sort.RELEVANCE:
        return [scored.scores, corpus.timestamps, -corpus.id_rank]
    when = corpus.timestamps if query.sort is Sort.NEWEST else -corpus.timestamps
    return [scored.complete.astype(np.float64), when, scored.scores, -corpus.id_rank]
