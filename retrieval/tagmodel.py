"""A tag model learned from the catalog: predict a text's topic tags from its words.

This is Made With ML's own method: a project's tags predicted from its title and
description. Here it bridges the words people use and the tags the catalog uses
("recommend products to users" -> #recommendation-systems): its predictions become soft
expansions of a request. The catalog maintainers' tools reuse it to suggest missing tags.

It is a linear text model (retrieval/linear.py) over the engine's own analyzer terms. Only
topic tags are learned (resource types like #tutorial say what a project is, not what it is
about), and only those with ``MIN_EXAMPLES`` projects.
"""

from __future__ import annotations

import numpy as np

from retrieval.columns import Catalog
from retrieval.linear import Features, LinearTextModel
from retrieval.taxonomy import Taxonomy

MIN_EXAMPLES = 5
# Regularisation strength, chosen by 5-fold cross-validation on the Made With ML catalog
# (benchmarks/tagmodel.py --sweep): recall@3 0.39 at C=1, 0.48 at 3, 0.52 at 10 and at 30.
C = 10.0
# Training time grows faster than the catalog (68 s on 8,000 synthetic projects, 12 s on
# 3,000); a deterministic sample of this size bounds a first build on any catalog while
# keeping every tag's examples (projects with rare tags are taken first). The Made With ML
# catalog (2,032) is learned whole.
MAX_TRAINING_DOCS = 3_000

Terms = Features


def training_text(title: str, description: str) -> str:
    """What the model reads of a project: the title twice (as the index does), then the description."""
    return f"{title} {title} {description}"


def train_tag_model(catalog: Catalog, taxonomy: Taxonomy, terms: Terms, c: float = C) -> LinearTextModel | None:
    """Fit on the catalog; None when too few topic tags have enough examples to learn."""
    texts, labels = _examples(catalog, taxonomy)
    if len(labels) < 2:
        return None
    return LinearTextModel.fit(texts, labels, terms, c)


def _examples(catalog: Catalog, taxonomy: Taxonomy) -> tuple[list[str], list[list[str]]]:
    """Texts and their learnable tags, from a deterministic sample that keeps rare tags' examples.

    Read from the tag columns: a learnable tag is a topic tag on MIN_EXAMPLES projects; past
    MAX_TRAINING_DOCS, projects whose rarest learnable tag is rarer come first, then by id.
    """
    names = catalog.tag_names
    counts = np.bincount(catalog.tag_ids, minlength=len(names))
    learnable = (counts >= MIN_EXAMPLES) & ~np.array([taxonomy.is_resource(t) for t in names], dtype=bool)
    row_sizes = np.diff(catalog.tag_offsets)
    doc_of = np.repeat(np.arange(len(catalog)), row_sizes)
    on_learnable = learnable[catalog.tag_ids]
    chosen = np.unique(doc_of[on_learnable])
    if chosen.size > MAX_TRAINING_DOCS:
        rarest = np.full(len(catalog), np.iinfo(np.int64).max)
        np.minimum.at(rarest, doc_of[on_learnable], counts[catalog.tag_ids[on_learnable]])
        cut = np.partition(rarest[chosen], MAX_TRAINING_DOCS - 1)[MAX_TRAINING_DOCS - 1]
        head = chosen[rarest[chosen] <= cut].tolist()  # only these can be among the first; sorted in Python
        head.sort(key=lambda doc: (int(rarest[doc]), catalog.ids[doc]))
        chosen = np.array(head[:MAX_TRAINING_DOCS])
    offsets, ids = catalog.tag_offsets, catalog.tag_ids
    labels = [[names[t] for t in ids[offsets[doc] : offsets[doc + 1]].tolist() if learnable[t]] for doc in chosen.tolist()]
    present = {t for tags in labels for t in tags}
    texts = [training_text(catalog.titles[doc], catalog.descriptions[doc]) for doc in chosen.tolist()]
    return texts, (labels if len(present) >= 2 else [])
