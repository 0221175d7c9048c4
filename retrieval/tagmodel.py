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

from retrieval.models import Project
from retrieval.taxonomy import Taxonomy

MIN_EXAMPLES = 5
# Regularisation strength, chosen by 5-fold cross-validation on the Made With ML catalog
# (benchmarks/tagmodel.py --sweep): recall@3 was flat from C=3 to C=30.
C = 10.0
# Training time grows faster than the catalog (68 s on 8,000 synthetic projects, 12 s on
# 3,000); a deterministic sample of this size bounds a first build on any catalog while
# keeping every tag's examples (projects with rare tags are taken first). The Made With ML
# catalog (2,032) is learned whole.
MAX_TRAINING_DOCS = 3_000

Terms = Callable[[str], list[str]]


def training_text(project: Project) -> str:
    """What the model reads of a project: the title twice (as the index does), then the description."""
    return f"{project.title} {project.title} {project.description}"


@dataclass
class TagModel:
    """Per-tag linear scores over TF-IDF features; ``predict`` gives one probability per tag."""

    tags: list[str]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_terms,)
    coef: np.ndarray  # (n_terms, n_tags), float32
    intercept: np.ndarray  # (n_tags,)

    @classmethod
    def train(cls, projects: Sequence[Project], taxonomy: Taxonomy, terms: Terms, c: float = C) -> TagModel | None:
        """Fit on the catalog; None when too few topic tags have enough examples to learn."""
        texts, labels = _examples(projects, taxonomy)
        if len(labels) < 2:
            return None
        pipeline = fit_pipeline(texts, labels, terms, c)
        vectorizer, classifier = pipeline
        tags = list(classifier.classes_)
        coef = np.vstack([est.coef_.ravel() for est in classifier.estimators_]).T.astype(np.float32)
        intercept = np.array([est.intercept_[0] for est in classifier.estimators_], dtype=np.float64)
        return cls(tags=tags, vocabulary={t: int(i) for t, i in vectorizer.vocabulary_.items()},
                   idf=vectorizer.idf_.astype(np.float64), coef=coef, intercept=intercept)

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


def _examples(projects: Sequence[Project], taxonomy: Taxonomy) -> tuple[list[str], list[list[str]]]:
    """Texts and their learnable tags, from a deterministic sample that keeps rare tags' examples."""
    counts = Counter(t for p in projects for t in p.tags if not taxonomy.is_resource(t))
    learnable = {t for t, n in counts.items() if n >= MIN_EXAMPLES}
    chosen = [p for p in projects if learnable & set(p.tags)]
    if len(chosen) > MAX_TRAINING_DOCS:  # the rarest tag a project carries decides its priority
        chosen.sort(key=lambda p: (min(counts[t] for t in p.tags if t in learnable), str(p.id)))
        chosen = chosen[:MAX_TRAINING_DOCS]
    labels = [[t for t in p.tags if t in learnable] for p in chosen]
    present = {t for tags in labels for t in tags}
    return [training_text(p) for p in chosen], (labels if len(present) >= 2 else [])


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
    classifier = OneVsRestClassifier(LogisticRegression(solver="liblinear", C=c))
    classifier.fit(features, targets)
    classifier.classes_ = binarizer.classes_  # tag names rather than column numbers
    return vectorizer, classifier
