"""The tag model: trained deterministically, and its numpy prediction is scikit-learn's."""

from __future__ import annotations

import numpy as np

from retrieval.tagmodel import TagModel, _examples, fit_pipeline


def test_training_is_deterministic_and_prediction_matches_scikit_learn(demo_engine):
    catalog, taxonomy, terms = demo_engine.catalog, demo_engine.taxonomy, demo_engine.analyzer.terms
    # Threaded fits once differed in about one test run in five with ten repeats: thirty show it.
    first, *others = [TagModel.train(catalog, taxonomy, terms) for _ in range(30)]
    assert first is not None
    for other in others:
        assert other is not None and first.tags == other.tags and np.array_equal(first.coef, other.coef)
    texts, labels = _examples(catalog, taxonomy)
    vectorizer, classifier = fit_pipeline(texts, labels, terms)
    for request in ["recommend products to users", "turn speech into text", "gan gan gan tutorials", "zzz"]:
        ours = first.predict(terms(request))
        theirs = classifier.predict_proba(vectorizer.transform([request]))[0]
        assert np.allclose(ours, theirs, atol=1e-6)
