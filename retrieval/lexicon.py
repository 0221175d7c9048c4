"""The catalog's own word statistics: which request words are filler, and typo correction.

Both are learned from data, not listed by hand:

- **Filler** is a word that everyday English uses far more than this catalog does ("anyone",
  "weekend", "lol", "hundred"): its *excess*, its frequency in general English (the
  ``wordfreq`` package, read once when the lexicon is built) over its relative frequency in
  the catalog, is above a ratio fitted on relevance cases (``filler_ratio``). BM25 would
  otherwise give such a word a high idf exactly *because* the catalog rarely uses it.
  Topical words ("pytorch", "segmentation", even "model") are used far more in the catalog
  than in English, so they stay.
- **Typos** are corrected by a noisy-channel choice over the catalog's word forms: the
  candidate within one edit (two from 8 letters) with the highest ``count x EDIT_PRIOR**edits``
  wins, and the typed word keeps its own count (``TYPED_UNSEEN`` when it has none). A misspelled tag used once ("pytroch") so
  loses to a word used hundreds of times ("pytorch"), while a real English word is never
  "corrected".

The lexicon is computed when the engine is built and cached with it, so ``wordfreq`` is
never loaded at start-up or at query time.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from retrieval.analyzer import STOP_WORDS

# One edit makes a candidate this much less likely than the word typed: a correction needs
# a word about 100x as common as the typed one (Norvig's noisy channel with a prior per edit).
EDIT_PRIOR = 0.01
MIN_TYPO_LENGTH = 5
# Half a use: the smoothing for a word the catalog never uses.
UNSEEN = 0.5
# What a typed word the catalog never uses still weighs against a correction: a twentieth of a
# use, so a correction needs a word used 5 times one edit away, or 500 times two edits away
# ("monocular" is not "molecular", used twice).
TYPED_UNSEEN = 0.05
# English words at least this common (a Zipf value of 3 is once per million words) are kept
# as known words even when the catalog lacks them, so they are never "corrected".
ENGLISH_ZIPF = 3.0


@dataclass
class Lexicon:
    """Word-form counts of one catalog, its filler set and the English words it must not correct."""

    counts: dict[str, int]
    excess: dict[str, float]  # English frequency / catalog frequency, for words English uses more
    english: frozenset[str]

    @classmethod
    def build(cls, counts: Counter[str]) -> Lexicon:
        """From the catalog's word-form counts: ``word_tokens`` of every title, description and tag
        (counted while the catalog is indexed, so its text is read once)."""
        from wordfreq import word_frequency  # build time only

        total = max(1, sum(counts.values()))
        english = _common_english()
        excess = {}
        for word in itertools.chain(counts, english):
            ratio = (english.get(word) or word_frequency(word, "en")) * total / (counts.get(word, 0) or UNSEEN)
            if ratio > 1 and word not in STOP_WORDS:
                excess[word] = ratio
        return cls(counts=dict(counts), excess=excess, english=frozenset(w for w in english if w.isalpha()))

    def is_filler(self, word: str, ratio: float) -> bool:
        """Whether English uses the word more than ``ratio`` times as much as the catalog does."""
        return self.excess.get(word, 0.0) > ratio

    def correct(self, word: str, filler_ratio: float) -> str:
        """The word the user most likely meant: itself unless a far commoner one is an edit or two away."""
        own = self.counts.get(word, 0) or TYPED_UNSEEN
        if len(word) < MIN_TYPO_LENGTH or not word.isalpha() or word in self.english or word in STOP_WORDS:
            return word
        best, best_weight = word, float(own)
        budget = 1 if len(word) < 8 else 2
        if own * EDIT_PRIOR**-1 > self._most_common:  # nothing could outweigh it
            return word
        for candidate, edits, _ in process.extract(
            word, self._choices, scorer=DamerauLevenshtein.distance, score_cutoff=budget, limit=None
        ):
            if self.is_filler(candidate, filler_ratio):
                continue
            weight = self.counts[candidate] * EDIT_PRIOR**edits
            if weight > best_weight or weight == best_weight and candidate < best:
                best, best_weight = candidate, weight
        return best

    @cached_property
    def _most_common(self) -> int:
        return max(self.counts.values(), default=0)

    @cached_property
    def _choices(self) -> list[str]:
        """Correction targets: alphabetic catalog words."""
        return sorted(w for w in self.counts if w.isalpha() and len(w) >= MIN_TYPO_LENGTH - 1 and w not in STOP_WORDS)


@functools.cache
def _common_english() -> dict[str, float]:
    """English words with a Zipf frequency of at least ENGLISH_ZIPF, and their frequencies (read once)."""
    from wordfreq import top_n_list, word_frequency

    found: dict[str, float] = {}
    for word in top_n_list("en", 60_000):
        frequency = word_frequency(word, "en")
        if frequency < 10 ** (ENGLISH_ZIPF - 9):  # the list is ordered: the rest are rarer
            break
        found[word] = frequency
    return found
