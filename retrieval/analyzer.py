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


class Analyzer:
    """Turns text into index terms. The version string keys any cached index."""

    version = "2"

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")

    def words(self, text: str) -> list[str]:
        """Lower-cased word tokens with stop words removed, not yet stemmed."""
        folded = unicodedata.normalize("NFKC", text).lower()
        return [w for w in _TOKEN.findall(folded) if w not in STOP_WORDS]

    def stem(self, word: str) -> str:
        return self._stemmer.stemWord(word)

    def terms(self, text: str) -> list[str]:
        """Stemmed terms for BM25, in order, duplicates kept (they are term frequency)."""
        return self._stemmer.stemWords(self.words(text))

    def tag_terms(self, tag: str) -> list[str]:
        """A tag gives its whole-tag term plus the stemmed words of its parts."""
        return [TAG_PREFIX + tag, *self.terms(tag.replace("-", " "))]

