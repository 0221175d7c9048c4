"""Recognising tags in plain words, from the loaded taxonomy and catalog only.

Three strengths of match, because a wrong tag filter hides the right project:
- strong: a tag name, an alias or a resource word, in any plural ("GANs", "nlp",
  "generative adversarial networks", "papers"). May filter.
- weak: the same stem as a tag but another word ("label" and the alias "labeling").
  Only ranks.
- typo: one or two edits from a tag, for a long word the catalog never uses ("pytroch").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from enum import Enum

from rapidfuzz.distance import DamerauLevenshtein

from retrieval.analyzer import STOP_WORDS, Analyzer, singular
from retrieval.taxonomy import Taxonomy
from retrieval.vocabulary import AMBIGUOUS_SHORT, FILLER, RESOURCE_WORDS

MAX_NGRAM = 5
# A one-word catalog tag is trusted for a plain word only if at least this share of the
# projects that use the word carry the tag: "pytorch" yes, "overview" or "data" no.
MIN_TAG_RELIABILITY = 0.2
MIN_TYPO_LENGTH = 5


class Strength(str, Enum):
    STRONG = "strong"
    WEAK = "weak"


def _key(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(singular(w) for w in words)


def _parts(name: str) -> list[str]:
    return [p for p in re.split(r"[-\s_]+", name.lower()) if p]


class TagMatcher:
    def __init__(self, taxonomy: Taxonomy, analyzer: Analyzer, tag_counts: Mapping[str, int],
                 doc_freq: Callable[[str], int]):
        self.taxonomy = taxonomy
        self.analyzer = analyzer
        self.tag_counts = tag_counts
        self.doc_freq = doc_freq
        self.strong: dict[tuple[str, ...], str] = {}
        self.weak: dict[str, str] = {}
        self._build()
        self._typo_targets = sorted(
            {key[0] for key in self.strong if len(key) == 1 and len(key[0]) >= MIN_TYPO_LENGTH and key[0].isalpha()}
        )

    def _build(self) -> None:
        """Resource words first; then names and aliases, the more used tag winning a shared key."""
        for words, candidates in RESOURCE_WORDS.items():
            usable = [t for t in candidates if t in self.taxonomy.tags and self._reliable(t, t)]
            if usable:
                self.strong[words] = usable[0]
        best: dict[tuple[str, ...], tuple[int, int, str]] = {}
        names = [(tag, tag) for tag in sorted(self.taxonomy.tags)] + sorted(self.taxonomy.aliases.items())
        for name, tag in names:
            parts = _parts(name)
            if not parts or (len(parts) == 1 and parts[0] in AMBIGUOUS_SHORT):
                continue
            is_alias = name != tag
            if len(parts) == 1 and not is_alias and not self._reliable(tag, parts[0]):
                continue
            rank = (self.tag_counts.get(tag, 0), int(tag in self.taxonomy.entries), tag)
            keys = [_key(parts)] + ([_key(["".join(parts)])] if len(parts) > 1 else [])
            for key in keys:
                if key not in self.strong and (key not in best or rank > best[key]):
                    best[key] = rank
            if len(parts) == 1 and tag in self.taxonomy.entries:
                self.weak.setdefault(self.analyzer.stem(parts[0]), tag)
        self.strong.update({key: rank[2] for key, rank in best.items()})

    def _reliable(self, tag: str, word: str) -> bool:
        """Whether a word that spells a one-word tag usually means that tag in this catalog.

        "tool" is in many descriptions but tags one project, so it is not the tag.
        """
        uses = self.doc_freq(self.analyzer.stem(word))
        return uses == 0 or self.tag_counts.get(tag, 0) / uses >= MIN_TAG_RELIABILITY

    def resolve(self, text: str) -> str | None:
        """A tag for explicit text like 'object-detection', 'GANs' or 'nlp', else None."""
        direct = self.taxonomy.resolve(text)
        if direct:
            return direct
        parts = _parts(text.lstrip("#"))
        if not parts:
            return None
        return self.strong.get(_key(parts)) or self.strong.get(_key(["".join(parts)]))

    def match_at(self, words: list[str | None], start: int) -> tuple[str, int, Strength] | None:
        """The longest tag starting at ``start``, not across punctuation (None entries)."""
        first = words[start]
        if first is None or first in STOP_WORDS:
            return None
        end = start
        while end < len(words) and words[end] is not None and end - start < MAX_NGRAM:
            end += 1
        # A filler word ("recommendation") may open a longer name ("recommendation systems").
        shortest = start + 2 if first in FILLER else start + 1
        for stop in range(end, shortest - 1, -1):
            span = [w for w in words[start:stop] if w is not None]
            if len(span) > 1 and span[-1] in STOP_WORDS:
                continue
            tag = self.strong.get(_key(span))
            if tag is None and len(span) > 1:
                tag = self.strong.get(_key(["".join(span)]))
            if tag is not None:
                return tag, stop - start, Strength.STRONG
        if first in FILLER:
            return None
        typo = self.typo(first)
        if typo:
            return typo, 1, Strength.STRONG
        weak = self.weak.get(self.analyzer.stem(first))
        if weak and first not in AMBIGUOUS_SHORT:
            return weak, 1, Strength.WEAK
        return None

    def typo(self, word: str) -> str | None:
        """A tag one or two edits away, for a long word the catalog never uses, if only one fits."""
        word = word.lower()
        if len(word) < MIN_TYPO_LENGTH or not word.isalpha() or word in FILLER or word in STOP_WORDS:
            return None
        if self.doc_freq(self.analyzer.stem(word)) > 0:
            return None
        budget = 1 if len(word) < 8 else 2
        close = {
            self.strong[(candidate,)]
            for candidate in self._typo_targets
            if abs(len(candidate) - len(word)) <= budget and candidate[0] == word[0]
            and DamerauLevenshtein.distance(word, candidate, score_cutoff=budget) <= budget
        }
        return close.pop() if len(close) == 1 else None
