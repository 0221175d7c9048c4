"""The linear text models (tag model, reply model): trained deterministically, and their numpy
prediction is scikit-learn's."""

from __future__ import annotations

import numpy as np

from retrieval.linear import fit_pipeline
from retrieval.replies import C as REPLY_C
from retrieval.replies import load_examples, reply_features, train_reply_model
from retrieval.tagmodel import C as TAG_C
from retrieval.tagmodel import _examples, train_tag_model


def test_tag_model_training_is_deterministic_and_prediction_matches_scikit_learn(demo_engine):
    catalog, taxonomy, terms = demo_engine.catalog, demo_engine.taxonomy, demo_engine.analyzer.terms
    # Threaded fits once differed in about one test run in five with ten repeats: thirty show it.
    first, *others = [train_tag_model(catalog, taxonomy, terms) for _ in range(30)]
    assert first is not None
    for other in others:
        assert other is not None and first.labels == other.labels and np.array_equal(first.coef, other.coef)
    texts, labels = _examples(catalog, taxonomy)
    vectorizer, classifier = fit_pipeline(texts, labels, terms, TAG_C)
    for request in ["recommend products to users", "turn speech into text", "gan gan gan tutorials", "zzz"]:
        ours = first.predict(terms(request))
        theirs = classifier.predict_proba(vectorizer.transform([request]))[0]
        assert np.allclose(ours, theirs, atol=1e-6)


def test_reply_model_prediction_matches_scikit_learn():
    examples = load_examples()
    model = train_reply_model(examples)
    vectorizer, classifier = fit_pipeline([t for t, _ in examples], [[k] for _, k in examples], reply_features, REPLY_C)
    assert model.labels == list(classifier.classes_)
    for reply in ["what else is there", "go back to what you had before", "3 results is plenty", "", "zzz qqq"]:
        theirs = classifier.predict_proba(vectorizer.transform([reply]))[0]
        assert np.allclose(model.predict(reply_features(reply)), theirs, atol=1e-6)
