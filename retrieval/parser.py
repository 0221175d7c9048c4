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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein

from retrieval.analyzer import STOP_WORDS, Analyzer
from retrieval.models import Query, Sort, normalize_tag
from retrieval.taxonomy import Taxonomy
from retrieval.vocabulary import (
    AMBIGUOUS_SHORT, FILLER, NEGATIONS, NEWEST_WORDS, OLDEST_WORDS, RESOURCE_WORDS,
)

MAX_REQUEST_CHARS = 2000
MAX_NGRAM = 5
# A topic tag on more than this share of the catalog is too broad to filter on when
# inferred from a plain word ("machine learning"); it ranks instead.
BROAD_TAG_SHARE = 0.08
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


def singular(word: str) -> str:
    """A light English singular: enough to make 'gans', 'libraries', 'classes' meet their tags."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    return word[:-1]


def _key(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(singular(w) for w in words)


class RequestParser:
    """Parses requests against one catalog's vocabulary."""

    def __init__(self, taxonomy: Taxonomy, analyzer: Analyzer, known_terms: set[str],
                 tag_counts: Mapping[str, int] | None = None, n_docs: int = 0):
        self.taxonomy = taxonomy
        self.analyzer = analyzer
        self.known_terms = known_terms
        self.tag_counts = dict(tag_counts or {})
        self.n_docs = n_docs
        self._lookup: dict[tuple[str, ...], str] = {}
        self._build_lookup()
        self._fuzzy_words = sorted(
            {key[0] for key in self._lookup if len(key) == 1 and len(key[0]) >= 5 and key[0].isalpha()}
        )

    # ---- vocabulary -------------------------------------------------------------------

    def _build_lookup(self) -> None:
        """Map word sequences (singular) to tags. Names beat aliases; common tags beat rare ones."""
        def popularity(tag: str) -> int:
            return self.tag_counts.get(tag, 0)

        names = sorted(self.taxonomy.tags, key=lambda t: (-popularity(t), t))
        for words, candidates in RESOURCE_WORDS.items():
            tag = next((t for t in candidates if t in self.taxonomy.tags), None)
            if tag:
                self._lookup.setdefault(words, tag)
        for tag in names:
            self._add(tag, tag)
        for alias, tag in sorted(self.taxonomy.aliases.items(), key=lambda item: (-popularity(item[1]), item[0])):
            self._add(alias, tag)

    def _add(self, name: str, tag: str) -> None:
        parts = [p for p in re.split(r"[-\s]+", name) if p]
        if not parts or (len(parts) == 1 and parts[0] in AMBIGUOUS_SHORT):
            return
        self._lookup.setdefault(_key(parts), tag)
        if len(parts) > 1:
            self._lookup.setdefault(_key(["".join(parts)]), tag)

    def resolve_tag(self, text: str) -> str | None:
        """A tag for explicit text like 'object-detection', 'GANs' or 'nlp', else None."""
        direct = self.taxonomy.resolve(text)
        if direct:
            return direct
        parts = [p for p in re.split(r"[-\s_]+", text.lower().lstrip("#")) if p]
        return self._lookup.get(_key(parts)) if parts else None

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
        tag = self.resolve_tag(text) or self._fuzzy(text)
        if tag:
            state.exclude.append(tag)
        elif self.analyzer.terms(text):
            state.exclude_words.append(text.lower())

    def _read_words(self, items: list[_Lexeme | None], state: _State) -> None:
        """Walk the words: sort words, negations, tag n-grams, then keywords."""
        words = [None if item is None else item.text.lower() for item in items]
        i = 0
        negating = False
        while i < len(words):
            word = words[i]
            if word is None:
                negating = False
                i += 1
                continue
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
            if word in ("but", "and", "or") and negating:
                i += 1
                continue
            if negating and word in ("any", "the", "a", "an", "more", "using", "with", "in"):
                i += 1
                continue
            tag, length = self._tag_at(words, i)
            if tag:
                if negating:
                    state.exclude.append(tag)
                else:
                    state.inferred.append(tag)
                i += length
                continue
            if negating:
                if word not in STOP_WORDS and word not in FILLER:
                    state.exclude_words.append(word)
                negating = False
                i += 1
                continue
            if word not in STOP_WORDS and word not in FILLER:
                state.keywords.append(word)
            i += 1

    def _tag_at(self, words: list[str | None], start: int) -> tuple[str | None, int]:
        """The longest tag name or alias starting at ``start`` (not across punctuation)."""
        if words[start] in STOP_WORDS or words[start] in FILLER:
            return None, 0
        end = start
        while end < len(words) and words[end] is not None and end - start < MAX_NGRAM:
            end += 1
        for stop in range(end, start, -1):
            span = [w for w in words[start:stop] if w is not None]
            tag = self._lookup.get(_key(span))
            if tag is None and stop - start > 1:
                tag = self._lookup.get(_key(["".join(span)]))
            if tag is not None and not (stop - start > 1 and span[-1] in STOP_WORDS):
                return tag, stop - start
        fuzzy = self._fuzzy(words[start] or "")
        return (fuzzy, 1) if fuzzy else (None, 0)

    def _fuzzy(self, word: str) -> str | None:
        """Typo tolerance, only for a long word the catalog never uses, with one close tag."""
        word = word.lower()
        if len(word) < 5 or not word.isalpha() or word in FILLER or word in STOP_WORDS:
            return None
        if self.analyzer.stem(word) in self.known_terms:
            return None
        budget = 1 if len(word) < 8 else 2
        best: list[str] = []
        for candidate in self._fuzzy_words:
            if abs(len(candidate) - len(word)) > budget or candidate[0] != word[0]:
                continue
            if DamerauLevenshtein.distance(word, candidate, score_cutoff=budget) <= budget:
                best.append(candidate)
        tags = {self._lookup[(c,)] for c in best}
        return tags.pop() if len(tags) == 1 else None

    def _is_hard(self, tag: str, free_words: int) -> bool:
        """Whether an inferred tag filters (and relaxes if too strict) or only ranks."""
        if self.taxonomy.is_resource(tag):
            return True
        if free_words > MAX_FREE_WORDS_FOR_FILTER:
            return False
        share = self.tag_counts.get(tag, 0) / self.n_docs if self.n_docs else 0.0
        return share <= BROAD_TAG_SHARE


class _State:
    """What the walk over a request has found so far."""

    def __init__(self) -> None:
        self.keywords: list[str] = []
        self.phrases: list[str] = []
        self.explicit: list[str] = []
        self.inferred: list[str] = []
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
        hard = [t for t in inferred if is_hard(t, len(keywords))]
        boost = [t for t in inferred if t not in hard]
        return Query(
            text=text, keywords=keywords, phrases=_unique(self.phrases),
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
