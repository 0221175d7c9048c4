"""A linear text classifier learned with scikit-learn and kept as numpy arrays.

TF-IDF over the features a caller's function makes of a text, then one logistic regression
per label (one-vs-rest, liblinear: deterministic). The fitted vocabulary, idf, coefficients
and intercepts are kept as arrays, so prediction needs neither scikit-learn nor its import
time, and the arrays go into a snapshot as they are. ``predict`` reproduces the pipeline's
``predict_proba`` (tests/retrieval/test_linear.py). The tag model (retrieval/tagmodel.py)
and the reply model (retrieval/replies.py) are two of these.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

Features = Callable[[str], list[str]]


@dataclass
class LinearTextModel:
    """Per-label linear scores over TF-IDF features; ``predict`` gives one probability per label."""

    labels: list[str]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_features,)
    coef: np.ndarray  # (n_features, n_labels), float32
    intercept: np.ndarray  # (n_labels,)

    @classmethod
    def fit(
        cls, texts: Sequence[str], labels: Sequence[Sequence[str]], features: Features, c: float, balanced: bool = False
    ) -> LinearTextModel:
        """Learn from texts and each text's labels (at least two labels in all). ``balanced``: each
        label's texts weigh as much in all as the rest (for labels with unlike numbers of examples)."""
        vectorizer, classifier = fit_pipeline(texts, labels, features, c, balanced)
        coef = np.vstack([est.coef_.ravel() for est in classifier.estimators_]).T.astype(np.float32)
        intercept = np.array([est.intercept_[0] for est in classifier.estimators_], dtype=np.float64)
        return cls(
            labels=list(classifier.classes_),
            vocabulary={t: int(i) for t, i in vectorizer.vocabulary_.items()},
            idf=vectorizer.idf_.astype(np.float64),
            coef=coef,
            intercept=intercept,
        )

    @cached_property
    def words(self) -> list[str]:
        """The plain words among the features (not word pairs, numbers or letter triples), once."""
        return sorted(f for f in self.vocabulary if f.isalpha())

    def predict(self, features: Sequence[str]) -> np.ndarray:
        """P(label | text) for every label in ``self.labels``, from the text's features."""
        counts = Counter(self.vocabulary[t] for t in features if t in self.vocabulary)
        logits = self.intercept.copy()
        if counts:
            columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
            weights = np.array([1.0 + math.log(counts[c]) for c in columns]) * self.idf[columns]
            weights /= np.linalg.norm(weights)
            logits += weights @ self.coef[columns].astype(np.float64)
        return 1.0 / (1.0 + np.exp(-logits))


def fit_pipeline(texts: Sequence[str], labels: Sequence[Sequence[str]], features: Features, c: float, balanced: bool = False):
    """The scikit-learn model itself: (TfidfVectorizer, OneVsRestClassifier). Imported only to train."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    binarizer = MultiLabelBinarizer()
    targets = binarizer.fit_transform(labels)
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=2)
    matrix = vectorizer.fit_transform(texts)
    # One binary fit per label, in this thread: liblinear keeps C globals (its random state among
    # them), so fits run side by side in threads gave slightly different models from build to
    # build, and a cached engine could answer unlike a fresh one. Sequential costs 8.5 s against
    # 5.8 s threaded for the tag model on 3,000 synthetic projects (1,545 tags), once per build.
    weights = "balanced" if balanced else None
    classifier = OneVsRestClassifier(LogisticRegression(solver="liblinear", C=c, random_state=0, class_weight=weights))
    classifier.fit(matrix, targets)
    classifier.classes_ = binarizer.classes_  # label names rather than column numbers
    return vectorizer, classifier
