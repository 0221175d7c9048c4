"""A tag model learned from the catalog: predict a text's topic tags from its words.

This is Made With ML's own method: a project's tags predicted from its title and
description. Here it bridges the words people use and the tags the catalog uses
("recommend products to users" -> #recommendation-systems): its predictions become soft
expansions of a request. The catalog maintainers' tools reuse it to suggest missing tags.

Training uses scikit-learn: TF-IDF over the engine's own analyzer terms, then one logistic
regression per tag (one-vs-rest, liblinear: deterministic). Only topic tags are learned
(resource types like #tutorial say what a project is, not what it is about), and only those
with ``MIN_EXAMPLES`` projects. The fitted vocabulary, idf, coefficients and intercepts are
then kept as numpy arrays, so prediction needs neither scikit-learn nor its import time;
``predict`` reproduces the pipeline's ``predict_proba`` (tests/retrieval/test_tagmodel.py).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.columns import Catalog
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

Terms = Callable[[str], list[str]]


def training_text(title: str, description: str) -> str:
    """What the model reads of a project: the title twice (as the index does), then the description."""
    return f"{title} {title} {description}"


@dataclass
class TagModel:
    """Per-tag linear scores over TF-IDF features; ``predict`` gives one probability per tag."""

    tags: list[str]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_terms,)
    coef: np.ndarray  # (n_terms, n_tags), float32
    intercept: np.ndarray  # (n_tags,)

    @classmethod
    def train(cls, catalog: Catalog, taxonomy: Taxonomy, terms: Terms, c: float = C) -> TagModel | None:
        """Fit on the catalog; None when too few topic tags have enough examples to learn."""
        texts, labels = _examples(catalog, taxonomy)
        if len(labels) < 2:
            return None
        pipeline = fit_pipeline(texts, labels, terms, c)
        vectorizer, classifier = pipeline
        tags = list(classifier.classes_)
        coef = np.vstack([est.coef_.ravel() for est in classifier.estimators_]).T.astype(np.float32)
        intercept = np.array([est.intercept_[0] for est in classifier.estimators_], dtype=np.float64)
        return cls(
            tags=tags,
            vocabulary={t: int(i) for t, i in vectorizer.vocabulary_.items()},
            idf=vectorizer.idf_.astype(np.float64),
            coef=coef,
            intercept=intercept,
        )

    def predict(self, terms: Sequence[str]) -> np.ndarray:
        """P(tag | text) for every tag in ``self.tags``, from the text's analyzer terms."""
        counts = Counter(self.vocabulary[t] for t in terms if t in self.vocabulary)
        logits = self.intercept.copy()
        if counts:
            columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
            weights = np.array([1.0 + math.log(counts[c]) for c in columns]) * self.idf[columns]
            weights /= np.linalg.norm(weights)
            logits += weights @ self.coef[columns].astype(np.float64)
        return 1.0 / (1.0 + np.exp(-logits))


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


def fit_pipeline(texts: Sequence[str], labels: Sequence[Sequence[str]], terms: Terms, c: float = C):
    """The scikit-learn model itself: (TfidfVectorizer, OneVsRestClassifier). Imported only to train."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    binarizer = MultiLabelBinarizer()
    targets = binarizer.fit_transform(labels)
    vectorizer = TfidfVectorizer(analyzer=terms, sublinear_tf=True, min_df=2)
    features = vectorizer.fit_transform(texts)
    # One binary fit per tag, in this thread: liblinear keeps C globals (its random state among
    # them), so fits run side by side in threads gave slightly different models from build to
    # build, and a cached engine could answer unlike a fresh one. Sequential costs 8.5 s against
    # 5.8 s threaded on 3,000 synthetic projects (1,545 tags), once per catalog build.
    classifier = OneVsRestClassifier(LogisticRegression(solver="liblinear", C=c, random_state=0))
    classifier.fit(features, targets)
    classifier.classes_ = binarizer.classes_  # tag names rather than column numbers
    return vectorizer, classifier
