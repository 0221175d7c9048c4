"""Recognising tags in plain words, from the loaded taxonomy and catalog only.

A tag is named by its name, an alias or a resource word ("tutorials", "papers"), in any
inflection: names of several words are compared by the analyzer's stems and single words
by their singular, so "GANs", "recommender systems"
and "generative adversarial networks" all find their tags. Where several tags share a
stemmed name, the one the catalog uses most wins ("recommender systems" is
#recommendation-systems, on 21 projects, not #recommender-systems, on 1).
Typos are corrected before matching, against the whole catalog vocabulary
(retrieval/lexicon.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from retrieval.analyzer import STOP_WORDS, Analyzer, singular
from retrieval.taxonomy import Taxonomy
from retrieval.vocabulary import AMBIGUOUS_SHORT, FILLER, RESOURCE_WORDS

MAX_NGRAM = 5
# A one-word catalog tag is trusted for a plain word only if at least this share of the
# projects that use the word carry the tag: "pytorch" yes, "overview" or "data" no.
MIN_TAG_RELIABILITY = 0.2
# A tag on fewer projects than this, whose name is two tags each used SPLIT_FACTOR times as
# much, is read as those two (the catalog's own usage decides, as for spellings and typos).
MIN_SPLIT_COUNT = 5
SPLIT_FACTOR = 5
# A last word that ends at least this many tag names is a head a name may be said without.
MIN_HEAD_NAMES = 5
# A catalog's own tag outside the taxonomy is asked for in plain words only when this many
# projects carry it: on fewer it is one project's label ("pool", "padding"), not a name people
# use, so its words are keywords. "#tag" still asks for it, and a negation still rules it out.
# Chosen on the tuning sets: 3 read the most conversation turns right (5,638 of 5,947 against
# 5,580 with every tag; 5,473 with taxonomy tags alone), and relevance scored alike (BENCHMARKS.md).
MIN_NAMED_PROJECTS = 3


def _parts(name: str) -> list[str]:
    return [p for p in re.split(r"[-\s_]+", name.lower()) if p]


class TagMatcher:
    def __init__(self, taxonomy: Taxonomy, analyzer: Analyzer, tag_counts: Mapping[str, int], doc_freq: Callable[[str], int]):
        self.taxonomy = taxonomy
        self.analyzer = analyzer
        self.tag_counts = tag_counts
        self.doc_freq = doc_freq
        self.names: dict[tuple[str, ...], str] = {}
        self._build()

    def _key(self, words: Iterable[str]) -> tuple[str, ...]:
        """Names of several words meet by stem; a single word by its singular, since stems
        conflate too much on their own ("products" and #production)."""
        words = list(words)
        if len(words) == 1:
            return (singular(words[0]),)
        return tuple(self.analyzer.stem(w) for w in words)

    def _build(self) -> None:
        """Resource words first; then names and aliases, the more used tag winning a shared key."""
        for words, candidates in RESOURCE_WORDS.items():
            usable = [t for t in candidates if t in self.taxonomy.tags and self._reliable(t, t)]
            if usable:
                self.names[self._key(words)] = usable[0]
        best: dict[tuple[str, ...], tuple[int, int, str]] = {}
        names = [(tag, tag) for tag in sorted(self.taxonomy.tags)] + sorted(self.taxonomy.aliases.items())
        for name, tag in names:
            parts = _parts(name)
            if not parts or (len(parts) == 1 and parts[0] in AMBIGUOUS_SHORT):
                continue
            # One plain word names its tag only where the catalog uses it so, alias or name
            # ("node" is an alias of #node-js, yet most projects that say "node" mean graph nodes).
            if len(parts) == 1 and not self._reliable(tag, parts[0]):
                continue
            rank = (self.tag_counts.get(tag, 0), int(tag in self.taxonomy.entries), tag)
            keys = [self._key(parts)] + ([self._key(["".join(parts)])] if len(parts) > 1 else [])
            for key in keys:
                if key not in self.names and (key not in best or rank > best[key]):
                    best[key] = rank
        self.names.update({key: rank[2] for key, rank in best.items()})
        self._add_headless_names()

    def _add_headless_names(self) -> None:
        """ "zero-shot" for #zero-shot-learning: a name of three words or more without its last
        word, when that word ends many tag names (a head like "learning" or "networks") and the
        rest names no other tag and does not end on a stop word ("image to" is no name)."""
        names = [_parts(tag) for tag in sorted(self.taxonomy.tags)]
        heads = Counter(parts[-1] for parts in names if len(parts) > 1)
        found: dict[tuple[str, ...], set[str]] = {}
        for parts in names:
            rest = parts[:-1]
            if len(parts) >= 3 and heads[parts[-1]] >= MIN_HEAD_NAMES and rest[-1] not in STOP_WORDS and min(map(len, rest)) > 1:
                found.setdefault(self._key(rest), set()).add(self.names.get(self._key(parts)) or "-".join(parts))
        self.names.update({key: tags.pop() for key, tags in found.items() if len(tags) == 1 and key not in self.names})

    def wanted_in_words(self, tag: str) -> bool:
        """Whether plain words that name this tag ask for it (see MIN_NAMED_PROJECTS); ruling it out
        always works ("saliency maps are not what I need")."""
        return tag in self.taxonomy.entries or self.tag_counts.get(tag, 0) >= MIN_NAMED_PROJECTS

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
        return self._named(parts)

    def _named(self, words: list[str]) -> str | None:
        """The tag these words name, apart or run together: of "gpt 2" (#gpt-2, 1 project) and
        "gpt2" (#gpt2, 14), the one the catalog uses more."""
        found = [self.names.get(self._key(words))]
        if len(words) > 1:
            found.append(self.names.get(self._key(["".join(words)])))
        tags = [t for t in found if t is not None]
        return max(tags, key=lambda t: self.tag_counts.get(t, 0)) if tags else None

    def match_at(self, words: list[str | None], start: int) -> tuple[str, int] | None:
        """The longest tag named at ``start`` and its length in words, not across punctuation (None)."""
        first = words[start]
        if first is None:
            return None
        end = start
        while end < len(words) and words[end] is not None and end - start < MAX_NGRAM:
            end += 1
        # A filler or stop word ("recommendation", "few") may open a longer name
        # ("recommendation systems", "few-shot learning"), never name a tag alone.
        shortest = start + 2 if first in FILLER or first in STOP_WORDS else start + 1
        for stop in range(end, shortest - 1, -1):
            span = [w for w in words[start:stop] if w is not None]
            if len(span) > 1 and span[-1] in STOP_WORDS:
                continue
            tag = self._named(span)
            if tag is not None:
                return self._split(words, start, stop, tag) or (tag, stop - start)
        return None

    def _split(self, words: list[str | None], start: int, stop: int, tag: str) -> tuple[str, int] | None:
        """The first of two tags a barely used tag's name is made of, when both are used far more:
        "medical imaging segmentation" is #medical-imaging and #segmentation, not the
        #medical-image-segmentation of 1 project (the longest name wins otherwise)."""
        whole = self.tag_counts.get(tag, 0)
        if whole >= MIN_SPLIT_COUNT:
            return None
        for cut in range(stop - 1, start, -1):
            first = self._named([w for w in words[start:cut] if w is not None])
            second = self._named([w for w in words[cut:stop] if w is not None])
            if (
                first
                and second
                and min(self.tag_counts.get(first, 0), self.tag_counts.get(second, 0)) >= SPLIT_FACTOR * max(whole, 1)
            ):
                return first, cut - start
        return None
