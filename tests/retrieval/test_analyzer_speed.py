"""The analyzer's fast paths give exactly what its plain definitions give."""

from __future__ import annotations

import itertools
import json
import string
import unicodedata

import Stemmer
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.analyzer import _TOKEN, STOP_WORDS, Analyzer, _tokens
from tests.conftest import MWML_PROJECTS, needs_mwml

_STEMMER = Stemmer.Stemmer("english")


def plain_terms(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).lower()
    return _STEMMER.stemWords([w for w in _TOKEN.findall(folded) if w not in STOP_WORDS])


def plain_tokens(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


_ASCII = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=80)
_WORDY_CHARS = list(string.ascii_letters + string.digits + " -_.,+#'\"/\t\n()é") + ["ß", "ﬁ", "Ⅻ", "İ", "٣"]
_WORDY = st.text(alphabet=st.sampled_from(_WORDY_CHARS), max_size=80)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_ASCII, _WORDY, st.text(max_size=40)))
def test_tokens_and_terms_equal_the_plain_definitions(text):
    assert _tokens(text) == plain_tokens(text)
    analyzer = Analyzer()
    assert analyzer.terms(text) == plain_terms(text)
    assert analyzer.terms(text) == plain_terms(text)  # again, from the stem cache
    assert analyzer.words(text) == [w for w in plain_tokens(text) if w not in STOP_WORDS]


def test_no_short_word_stems_to_empty():
    # "" marks a stop word in the stem cache, so no real word may stem to "".
    alphabet = string.ascii_lowercase + string.digits
    for length in (1, 2, 3):
        for letters in itertools.product(alphabet, repeat=length):
            word = "".join(letters)
            assert _STEMMER.stemWord(word), word


def test_stem_cache_is_bounded(monkeypatch):
    import retrieval.analyzer as module

    monkeypatch.setattr(module, "_STEM_CACHE_SIZE", 10)
    analyzer = Analyzer()
    words = [f"word{i}s" for i in range(35)]
    assert analyzer.terms(" ".join(words)) == plain_terms(" ".join(words))
    assert len(analyzer._stems) <= 10


@needs_mwml
def test_real_catalog_terms_are_unchanged():
    analyzer = Analyzer()
    for project in json.loads(MWML_PROJECTS.read_text(encoding="utf-8")):
        for text in (project["title"], project["description"] or "", *project["tags"]):
            assert analyzer.terms(text) == plain_terms(text), text
