"""Typo correction weighs the typed word against its candidates: a word the catalog never uses
is still a word, so a rare catalog word two edits away does not capture it."""

from __future__ import annotations

from retrieval.lexicon import Lexicon


def _lexicon() -> Lexicon:
    return Lexicon(counts={"molecular": 2, "transformer": 56, "tutorials": 18, "pytorch": 300}, excess={}, english=frozenset())


def test_a_typo_one_edit_from_a_used_word_is_corrected():
    lexicon = _lexicon()
    assert lexicon.correct("tranformer", 16.0) == "transformer"
    assert lexicon.correct("tutorails", 16.0) == "tutorials"
    assert lexicon.correct("pytroch", 16.0) == "pytorch"


def test_an_unseen_word_is_not_taken_for_a_rare_word_two_edits_away():
    assert _lexicon().correct("monocular", 16.0) == "monocular"
