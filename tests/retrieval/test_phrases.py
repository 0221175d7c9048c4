"""Phrase matching by term positions equals the substring search it replaced, on the demo catalog.

The old ``phrase_mask`` (``substring_search`` below) looked for the phrase, spaces collapsed
and lower-cased, in the text of every project that held all of the phrase's terms. The
positional index answers the common phrases exactly as it did, and every word n-gram of
the demo catalog the same except in two ways, both checked here one by one:
- punctuation between the words no longer matters ("text to speech" finds "text-to-speech");
- a phrase starts at the start of a word: "bert" no longer finds "roberta".
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from retrieval.analyzer import word_tokens
from tests.support.answers import REQUESTS

_SPACE = re.compile(r"\s+")
COMMON = [
    "neural network",
    "object detection",
    "machine learning",
    "deep learning",
    "data augmentation",
    "question answering",
    "graph neural networks",
    "reinforcement learning",
    "transfer learning",
    "pytorch lightning",
    "hugging face",
    "generative adversarial networks",
    "computer vision",
    "natural language processing",
    "from scratch",
    "convolutional neural network",
    "in production",
    "neural networks",
    "the",
    "tutorial",
    "learning to rank",
]


def substring_search(engine, phrase: str) -> np.ndarray:
    """The phrase matching of the engine before term positions, as it was."""
    mask = np.zeros(len(engine.projects), dtype=bool)
    terms = engine.analyzer.terms(phrase)
    if not terms:
        return mask
    needle = _SPACE.sub(" ", phrase.lower()).strip()
    candidates = engine.index.postings(terms[0])
    for term in terms[1:]:
        candidates = np.intersect1d(candidates, engine.index.postings(term), assume_unique=True)
    for doc in candidates.tolist():
        project = engine.projects[doc]
        if needle in _SPACE.sub(" ", f"{project.title} {project.description}".lower()):
            mask[doc] = True
    return mask


def _quoted(requests: list[tuple[str, str]]) -> list[str]:
    return [phrase for _, text in requests for phrase in re.findall(r'"([^"]+)"', text)]


@pytest.mark.parametrize("phrase", COMMON)
def test_common_phrases_match_exactly_what_the_substring_search_matched(demo_engine, phrase):
    assert np.array_equal(demo_engine.corpus.phrase_mask(phrase), substring_search(demo_engine, phrase))


def _ngrams(engine) -> list[str]:
    grams = set()
    for project in engine.projects:
        for text in (project.title, project.description):
            words = word_tokens(text)
            for n in (1, 2, 3):
                grams.update(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return sorted(grams)


def test_every_word_ngram_of_the_catalog_differs_only_by_punctuation_or_inside_words(demo_engine):
    texts = [_SPACE.sub(" ", f"{p.title} {p.description}".lower()) for p in demo_engine.projects]
    same = 0
    grams = _ngrams(demo_engine) + _quoted(REQUESTS)
    for phrase in grams:
        new, old = demo_engine.corpus.phrase_mask(phrase), substring_search(demo_engine, phrase)
        if np.array_equal(new, old):
            same += 1
            continue
        for doc in np.flatnonzero(new & ~old).tolist():  # found now: the words stand apart by punctuation
            assert phrase not in texts[doc] and _in_a_row(word_tokens(texts[doc]), phrase.split()), (phrase, doc)
        for doc in np.flatnonzero(old & ~new).tolist():  # found before only inside a longer word
            starts = [m.start() for m in re.finditer(re.escape(phrase), texts[doc])]
            assert starts and all(re.match(r"[^\W_]", texts[doc][s - 1]) for s in starts if s), (phrase, doc)
    assert len(grams) > 15_000 and same / len(grams) > 0.75


def _in_a_row(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i : i + n - 1] == phrase[:-1] and words[i + n - 1].startswith(phrase[-1]) for i in range(len(words) - n + 1))


def test_positions_find_every_run_a_plain_scan_of_the_words_finds(demo_engine):
    """The index against its own definition: the phrase's words in a row, the last as a prefix."""
    words = [word_tokens(f"{p.title} {p.description}") for p in demo_engine.projects]
    for phrase in _ngrams(demo_engine)[::7]:
        expected = np.array([_in_a_row(w, phrase.split()) for w in words])
        holding = np.ones(len(words), dtype=bool)
        for term in demo_engine.analyzer.terms(phrase):
            held = np.zeros(len(words), dtype=bool)
            held[demo_engine.index.postings(term)] = True
            holding &= held
        if not demo_engine.analyzer.terms(phrase):
            holding[:] = False
        assert np.array_equal(demo_engine.corpus.phrase_mask(phrase), expected & holding), phrase


def test_a_title_naming_an_excluded_tag_is_found_by_its_terms_in_a_row(demo_engine):
    titles = [demo_engine.analyzer.terms(p.title) for p in demo_engine.projects]
    found = 0
    for name in ("object detection", "yolo", "style transfer", "reinforcement learning", "pytorch", "neural network"):
        terms = demo_engine.analyzer.terms(name)
        expected = [doc for doc, title in enumerate(titles) if any(title[i : i + len(terms)] == terms for i in range(len(title)))]
        assert np.flatnonzero(demo_engine.corpus.title_mask(terms)).tolist() == expected
        found += len(expected)
    assert found > 10
