"""Natural-language requests to a Query: keywords, tag intents, exclusions and sort.

"pytorch tutorials on object detection, not yolo" becomes include #pytorch #tutorial
#object-detection, exclude #yolo. Tags are recognised from the loaded taxonomy and
catalog (names, aliases, plurals, multi-word names, light typos), so a catalog with
other tags needs no code change. Explicit syntax (#tag, tag:x, -#x, -tag:x, "phrases")
always wins and is always a hard filter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from retrieval.analyzer import STOP_WORDS, Analyzer
from retrieval.models import Query, Sort, normalize_tag
from retrieval.tagmatch import Strength, TagMatcher
from retrieval.taxonomy import Taxonomy
from retrieval.vocabulary import FILLER, NEGATIONS, NEWEST_WORDS, OLDEST_WORDS

MAX_REQUEST_CHARS = 2000
# Inferred topic tags filter only when the request is mostly tags: at most this many
# other content words. Longer, descriptive requests are better served by ranking.
MAX_FREE_WORDS_FOR_FILTER = 1

_LEXEME = re.compile(
    r"""(?P<phrase>"[^"]*")
      | (?P<neg_tag>(?<!\S)-(?:\#|tag:)[^\s,;"]+)
      | (?P<tag>(?<![\w\#])(?:\#|tag:)[^\s,;"]+)
      | (?P<neg_word>(?<!\S)-[^\W_][\w+#.-]*)
      | (?P<word>[^\W_]+(?:\+\+|\#(?!\w))?)
      | (?P<sep>[,;.!?()\[\]:/|&])""",
    re.VERBOSE | re.UNICODE,
)
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})
_INVISIBLE = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


@dataclass
class _Lexeme:
    kind: str
    text: str


class RequestParser:
    """Parses requests against one catalog's vocabulary."""

    def __init__(self, taxonomy: Taxonomy, analyzer: Analyzer, tag_counts: Mapping[str, int],
                 doc_freq: Callable[[str], int], max_free_words_for_filter: int = MAX_FREE_WORDS_FOR_FILTER,
                 tag_words_as_keywords: bool = True):
        self.max_free_words_for_filter = max_free_words_for_filter
        self.tag_words_as_keywords = tag_words_as_keywords
        self.taxonomy = taxonomy
        self.analyzer = analyzer
        self.tags = TagMatcher(taxonomy, analyzer, tag_counts, doc_freq)

    def resolve_tag(self, text: str) -> str | None:
        """A tag for explicit text like 'object-detection', 'GANs' or 'nlp', else None."""
        return self.tags.resolve(text)

    # ---- parsing ----------------------------------------------------------------------

    def parse(self, text: str) -> Query:
        """Never raises: anything it cannot use becomes a keyword or is dropped."""
        original = text if isinstance(text, str) else str(text)
        cleaned = _clean(original)
        lexemes = [_Lexeme(m.lastgroup or "sep", m.group()) for m in _LEXEME.finditer(cleaned)]
        state = _State()
        words: list[_Lexeme | None] = []  # plain words and separators, in order
        for lexeme in lexemes:
            if lexeme.kind == "phrase":
                phrase = lexeme.text.strip('"').strip()
                if self.analyzer.terms(phrase):
                    state.phrases.append(phrase)
            elif lexeme.kind in ("tag", "neg_tag"):
                self._explicit_tag(lexeme, state)
            elif lexeme.kind == "neg_word":
                self._negate(lexeme.text[1:], state)
            elif lexeme.kind == "word":
                words.append(lexeme)
            else:
                words.append(None)
        self._read_words(words, state)
        return state.to_query(original[:MAX_REQUEST_CHARS], self._is_hard)

    def _explicit_tag(self, lexeme: _Lexeme, state: _State) -> None:
        negative = lexeme.kind == "neg_tag"
        raw = re.sub(r"^-?(?:#|tag:)", "", lexeme.text).rstrip(".!?")
        tag = self.resolve_tag(raw)
        if tag:
            (state.exclude if negative else state.explicit).append(tag)
            return
        shown = normalize_tag(raw)
        if not shown:
            return
        state.notes.append(f"#{shown} is not a tag in this catalog, so it was searched as a word.")
        (state.exclude_words if negative else state.keywords).append(shown.replace("-", " "))

    def _negate(self, text: str, state: _State) -> None:
        tag = self.resolve_tag(text) or self.tags.typo(text)
        if tag:
            state.exclude.append(tag)
        elif self.analyzer.terms(text):
            state.exclude_words.append(text.lower())

    def _read_words(self, items: list[_Lexeme | None], state: _State) -> None:
        """Walk the words: sort words, negations, tag n-grams, then keywords."""
        words = [None if item is None else item.text.lower() for item in items]
        i = 0
        negating = False
        just_excluded = False  # "not yolo or ssd", "excluding pytorch and tensorflow"
        while i < len(words):
            word = words[i]
            if word is None:
                negating = just_excluded = False
                i += 1
                continue
            if just_excluded and (word in ("or", "nor") or word == "and" and self._ends_clause(words, i + 1)) \
                    and _opens_item(words, i + 1):
                negating, just_excluded = True, False
                i += 1
                continue
            just_excluded = False
            if word in ("most", "more") and i + 1 < len(words) and words[i + 1] in NEWEST_WORDS:
                i += 1
                continue
            if word in NEWEST_WORDS or word in OLDEST_WORDS:
                state.sort = Sort.NEWEST if word in NEWEST_WORDS else Sort.OLDEST
                i += 1
                if i < len(words) and words[i] == "first":
                    i += 1
                continue
            if word in NEGATIONS:
                negating = True
                i += 1
                continue
            if negating and (word in STOP_WORDS or word in FILLER):  # "without any of the", "don't use"
                i += 1
                continue
            match = self.tags.match_at(words, i)
            if match:
                tag, length, strength = match
                if negating:
                    state.exclude.append(tag)
                    just_excluded = True
                elif strength is Strength.STRONG:
                    state.inferred.append(tag)
                    if self.tag_words_as_keywords:
                        state.tag_words.extend(w for w in words[i:i + length] if w and w not in STOP_WORDS)
                else:
                    state.weak.append(tag)
                    state.keywords.append(word)
                negating = False
                i += length
                continue
            if negating:
                state.exclude_words.append(word)
                negating, just_excluded = False, True
                i += 1
                continue
            if word not in STOP_WORDS and word not in FILLER:
                state.keywords.append(word)
            i += 1

    def _ends_clause(self, words: list[str | None], at: int) -> bool:
        """Whether one item (a tag or a word) at ``at`` closes its clause.

        "excluding pytorch and tensorflow" goes on excluding; in "not yolo and pytorch
        tutorials" the "and" starts what is wanted.
        """
        match = self.tags.match_at(words, at) if at < len(words) else None
        after = at + (match[1] if match else 1)
        return after >= len(words) or words[after] is None

    def _is_hard(self, tag: str, free_words: int) -> bool:
        """Whether an inferred tag filters (relaxed if too strict) or only ranks.

        Tags filter when the request is mostly tags ("rl papers"); a descriptive request
        ("a book on applied statistics leading into deep learning") is better served by
        ranking, since the project it describes may not carry every tag its words suggest.
        """
        return free_words <= self.max_free_words_for_filter


def _opens_item(words: list[str | None], at: int) -> bool:
    """Whether a content word follows: "and with pytorch" starts something new, "and ssd" goes on."""
    return at < len(words) and words[at] is not None and words[at] not in FILLER and words[at] not in STOP_WORDS


class _State:
    """What the walk over a request has found so far."""

    def __init__(self) -> None:
        self.keywords: list[str] = []
        self.phrases: list[str] = []
        self.explicit: list[str] = []
        self.inferred: list[str] = []
        self.weak: list[str] = []
        self.tag_words: list[str] = []
        self.exclude: list[str] = []
        self.exclude_words: list[str] = []
        self.notes: list[str] = []
        self.sort = Sort.RELEVANCE

    def to_query(self, text: str, is_hard: Callable[[str, int], bool]) -> Query:
        exclude = _unique(self.exclude)
        conflicts = [t for t in _unique(self.explicit + self.inferred) if t in exclude]
        for tag in conflicts:
            self.notes.append(f"#{tag} was both asked for and excluded; the exclusion wins.")
        explicit = [t for t in _unique(self.explicit) if t not in exclude]
        inferred = [t for t in _unique(self.inferred) if t not in exclude and t not in explicit]
        keywords = _unique(self.keywords)
        free_words = len(keywords) - len(self.weak)
        hard = [t for t in inferred if is_hard(t, free_words)]
        boost = [t for t in _unique(inferred + self.weak) if t not in hard and t not in exclude and t not in explicit]
        return Query(
            text=text, keywords=keywords, tag_words=_unique(self.tag_words), phrases=_unique(self.phrases),
            include_tags=explicit + hard, inferred_tags=hard, boost_tags=boost,
            exclude_tags=exclude, exclude_words=_unique(self.exclude_words),
            sort=self.sort, notes=_unique(self.notes),
        )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _clean(text: str) -> str:
    """NFKC, straight quotes, no control or invisible characters, bounded length."""
    text = unicodedata.normalize("NFKC", text[: MAX_REQUEST_CHARS * 2]).translate(_QUOTES)
    text = _INVISIBLE.sub(" ", text)[:MAX_REQUEST_CHARS]
    if text.count('"') % 2:
        text = text.replace('"', " ")
    return text
