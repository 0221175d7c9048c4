"""Text analysis shared by indexing and querying: tokenize, drop stop words, stem."""

from __future__ import annotations

import re
import unicodedata

import Stemmer

# Letters and digits, keeping the symbols that make names like c++ and c#.
_TOKEN = re.compile(r"[^\W_]+(?:\+\+|#)?", re.UNICODE)

# A compact English stop list: function words that carry no topic.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves via using use used
    s t d ll m re ve don doesn didn isn aren wasn weren won shouldn couldn wouldn
    """.split()
)

TAG_PREFIX = "#"


def singular(word: str) -> str:
    """A light English singular: enough to make 'gans', 'libraries', 'classes' meet their tags."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    return word[:-1]


def fold_tag(tag: str) -> str:
    """A spelling-blind form of a tag: 'tf-lite', 'TFLite' and 'tflites' all fold to 'tflite'."""
    return "".join(singular(part) for part in re.split(r"[-\s_]+", tag.lower()) if part)


def word_tokens(text: str) -> list[str]:
    """Lower-cased word forms, stop words kept: what people typed, before stemming."""
    return _tokens(text)


class Analyzer:
    """Turns text into index terms. The version string keys any cached index."""

    version = "2"

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._stems = _StemCache(self._stemmer)

    def words(self, text: str) -> list[str]:
        """Lower-cased word tokens with stop words removed, not yet stemmed."""
        return [w for w in _tokens(text) if w not in STOP_WORDS]

    def stem(self, word: str) -> str:
        return self._stemmer.stemWord(word)

    def terms(self, text: str) -> list[str]:
        """Stemmed terms for BM25, in order, duplicates kept (they are term frequency)."""
        # The cache maps a stop word to "", which filter() drops: stemWords(words(text)), faster.
        return list(filter(None, map(self._stems.__getitem__, _tokens(text))))

    def words_and_terms(self, text: str) -> tuple[list[str], list[str]]:
        """``word_tokens(text)`` and ``terms(text)`` from one tokenization (indexing needs both)."""
        words = _tokens(text)
        return words, list(filter(None, map(self._stems.__getitem__, words)))

    def tag_terms(self, tag: str) -> list[str]:
        """A tag gives its whole-tag term plus the stemmed words of its parts."""
        return [TAG_PREFIX + tag, *self.terms(tag.replace("-", " "))]


# Speed (benchmarks/search_speed.py): analysis is most of an index build, so the common
# case avoids the regex and re-stemming. Both shortcuts give exactly what the plain
# definitions give (tests/retrieval/test_analyzer_speed.py checks them against each other).
_ASCII_SPACES = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))
_STEM_CACHE_SIZE = 200_000


def _tokens(text: str) -> list[str]:
    """_TOKEN.findall of the NFKC-folded, lower-cased text.

    For ASCII text without '+' or '#', a token is a maximal run of [a-z0-9]: every other
    byte becomes a space and the text is split, which is several times faster than the regex.
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    if folded.isascii() and "+" not in folded and "#" not in folded:
        return folded.encode("ascii").translate(_ASCII_SPACES).decode("ascii").split()
    return _TOKEN.findall(folded)


class _StemCache(dict):
    """word -> its stem, or "" for a stop word; bounded (cleared when full)."""

    def __init__(self, stemmer: Stemmer.Stemmer):
        super().__init__()
        self._stemmer = stemmer

    def __missing__(self, word: str) -> str:
        # Snowball never stems a word to "" (it keeps at least the part before R1), so ""
        # marks stop words only; the test suite checks every short word.
        stem = "" if word in STOP_WORDS else self._stemmer.stemWord(word)
        if len(self) >= _STEM_CACHE_SIZE:
            self.clear()
        self[word] = stem
        return stem
