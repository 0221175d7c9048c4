"""Intents from real text on the Made With ML catalog: negation scopes, typos, filler, expansions.

Each case stands for a class of request (issue 9), not for itself; the blind-set floors in
test_relevance.py measure the classes on requests nobody tuned for.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.analyzer import STOP_WORDS
from retrieval.vocabulary import NEGATIONS


@pytest.mark.parametrize(
    "request_text",
    [
        "cv libraries not built on pytorch",
        "cv libraries not using pytorch",
        "cv libraries w/o pytorch",
        "cv libraries, anything but pytorch",
        "cv libraries other than pytorch",
        "skip pytorch, cv libraries",
        "non-pytorch cv libraries",
        "pytorch-free cv libraries",
        "cv libraries, neither pytorch nor keras",
        "cv libraries that use keras instead of pytorch",
        "cv libraries, we can't use pytorch",
        "cv libraries, cannot use pytorch",
        "stay away from pytorch, cv libraries",
        "cv libraries; I'd rather steer clear of pytorch",
        "cv libraries, but leave out anything on pytorch",
        "cv libraries, and I'd like to leave out anything tied to pytorch",
        "keep pytorch out of it, cv libraries please",
        "pytorch is a no-go for my setup — any cv libraries?",  # a dash ends the clause the ruling runs to
        "cv libraries, but hold the pytorch",
    ],
)
def test_every_negation_form_excludes_and_keeps_the_subject(mwml_engine, request_text):
    query = mwml_engine.parse(request_text)
    assert "pytorch" in query.exclude_tags and "pytorch" not in query.include_tags
    assert {"computer-vision", "library"} <= set(query.include_tags)


def test_a_verb_of_removal_before_a_tag_and_its_results_rules_it_out(mwml_engine):
    query = mwml_engine.parse("self-supervised papers, but we'd like to drop the computer vision ones")
    assert query.exclude_tags == ["computer-vision"] and "paper" in query.include_tags
    kept = mwml_engine.parse("how to drop the learning rate on plateau")  # no results named: no removal
    assert kept.exclude_tags == [] and "learning-rates" in kept.include_tags


def test_a_negated_clause_rules_nothing_out(mwml_engine):
    query = mwml_engine.parse("rl libraries for robotics, excluding atari stuff, that's not what we do in our lab")
    assert query.exclude_tags == ["atari"] and query.exclude_words == []  # "lab" is in two projects


def test_a_negation_scope_ends_at_its_clause(mwml_engine):
    query = mwml_engine.parse("gan papers not using pytorch but tensorflow")
    assert query.exclude_tags == ["pytorch"] and "tensorflow" in query.include_tags
    listed = mwml_engine.parse("neither pytorch nor tensorflow gans")
    assert set(listed.exclude_tags) == {"pytorch", "tensorflow"}


def test_an_excluded_tag_rules_out_its_versions_and_titles_naming_it(mwml_engine):
    results = mwml_engine.search("object detection not yolo", limit=50).results
    assert results
    for result in results:
        assert not any(tag.startswith("yolo") for tag in result.project.tags)
        assert "yolo" not in result.project.title.lower()


def test_typos_go_to_the_word_the_catalog_uses_most(mwml_engine):
    query = mwml_engine.parse("pytroch tutorails on reinforcment lerning")
    assert {"pytorch", "tutorial", "reinforcement-learning"} <= set(query.include_tags)
    assert mwml_engine.parse("recommender system").include_tags == ["recommendation-systems"]


def test_filler_is_learned_not_listed(mwml_engine):
    query = mwml_engine.parse("hey guys, got some stuff about gans pls")
    assert query.keywords == [] and query.include_tags == ["generative-adversarial-networks"]
    lexicon = mwml_engine.models.lexicon  # what made them filler: English uses them far more
    assert all(lexicon.excess.get(w, 0) > mwml_engine.settings.filler_ratio for w in ("hey", "guys"))


def test_the_tag_model_expands_a_request_without_tag_words(mwml_engine):
    response = mwml_engine.search("recommend products to users")
    assert "recommendation-systems" in {e.tag for e in response.parsed.expanded_tags}
    assert "related: #recommendation-systems" in response.parsed.echo()


def test_notes_hold_for_the_results_they_sit_above(mwml_engine):
    for request in ["hyperparameter tuning library", "jax gan notebooks", "rl papers", "graph neural networks"]:
        response = mwml_engine.search(request, limit=10)
        intents = [t for t in response.parsed.include_tags if t in response.parsed.inferred_tags]
        lacking = [
            r for r in response.results if not all(set(r.project.tags) & mwml_engine.taxonomy.descendants(t) for t in intents)
        ]
        assert response.relaxed == bool(lacking)
        assert any("close matches" in n for n in response.notes) == bool(lacking)


_WORDS = [
    "gan",
    "pytorch",
    "tutorial",
    "segmentation",
    "anyone",
    "lol",
    "weekend",
    "graph",
    "bert",
    "speech",
    "library",
    "not",
    "without",
    "keras",
    "yolo",
    "detection",
    "papers",
    "dataset",
    "the",
    "for",
    ",",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=12))
def test_no_content_word_is_dropped_and_exclusions_always_hold(mwml_engine, words):
    request = " ".join(words)
    response = mwml_engine.search(request, limit=20)
    query, echo = response.parsed, response.parsed.echo().lower()
    shown = " ".join([echo, *query.tag_words]).lower()
    for word in words:
        if word.isalpha() and word not in STOP_WORDS | NEGATIONS and mwml_engine.parser.is_content(word):
            named = set(mwml_engine.parse(word).include_tags)
            assert word in shown or named & {*query.include_tags, *query.exclude_tags}, word
    for result in response.results:
        for tag in query.exclude_tags:
            assert not set(result.project.tags) & mwml_engine.taxonomy.descendants(tag)


def test_a_negative_question_is_not_an_exclusion(mwml_engine):
    asked = mwml_engine.parse("wasn't there a pytorch tutorial on serving with onnx?")
    assert asked.exclude_tags == [] and {"pytorch", "tutorial", "onnx"} <= set(asked.include_tags)
    assert mwml_engine.parse("gan tutorials that don't use pytorch").exclude_tags == ["pytorch"]


def test_shorthand_lists_and_dotted_names(mwml_engine):
    assert set(mwml_engine.parse("cv tutorials, anything but tensorflow/keras").exclude_tags) == {"tensorflow", "keras"}
    assert "tensorflow-js" in mwml_engine.parse("tensorflow.js demos").include_tags


def test_a_negated_verb_describes_rather_than_excludes(mwml_engine):
    query = mwml_engine.parse("a demo that turns questions into sql and flags the ones it can't map")
    assert query.exclude_words == [] and "map" in query.ignored_words
    assert mwml_engine.parse("gan tutorials, not beginner").exclude_words == ["beginner"]
