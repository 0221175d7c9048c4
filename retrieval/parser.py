"""Natural-language requests to a Query: keywords, tag intents, exclusions and sort.

"hey, any cv libraries not built on pytorch?" becomes the intents #computer-vision and
#library, the exclusion #pytorch, and the keywords the catalog would rank on. Everything
topical comes from the loaded catalog: tags from the taxonomy and catalog (names, aliases,
plurals, multi-word names), filler and typos from the catalog's own word statistics
(retrieval/lexicon.py). Only the grammar of asking is built in (retrieval/vocabulary.py):
negation cues, sort words and request verbs.

Tags named in plain words are *intents*: evidence for ranking, never a gate. Only explicit
syntax (#tag, tag:x, "phrases") and exclusions are hard. Every content word of a request
ends up somewhere the echo shows: a keyword, a tag intent, an exclusion, or "ignoring".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from retrieval.analyzer import STOP_WORDS, Analyzer, singular
from retrieval.lexicon import Lexicon
from retrieval.linear import LinearTextModel
from retrieval.models import Query, Sort, normalize_tag
from retrieval.tagmatch import TagMatcher
from retrieval.taxonomy import Taxonomy
from retrieval.vocabulary import (
    ANY_WORDS,
    BACK_REFERENCES,
    CATEGORY_NOUNS,
    CLAUSE_BREAKS,
    CLAUSE_OPENERS,
    COPULAS,
    FILLER,
    FREE_PREDICATES,
    IDIOMATIC_NEGATIONS,
    LEAVE_OUT,
    LEFT_OUT,
    LIST_JOINS,
    MODALS,
    NEGATED_AUXILIARIES,
    NEGATED_COPULAS,
    NEGATION_PAIRS,
    NEGATIONS,
    NEWEST_WORDS,
    OLDEST_WORDS,
    PREPOSITIONS,
    QUESTION_SUBJECTS,
    REASONS,
    REMOVING,
    RESULT_WORDS,
    RULED_OUT,
    SINGULAR_COPULAS,
    SUBJECT_TAILS,
    WANTING,
)

MAX_REQUEST_CHARS = 2000

_LEXEME = re.compile(
    r"""(?P<phrase>"[^"]*")
      | (?P<neg_tag>(?<!\S)-(?:\#|tag:)[^\s,;"]+)
      | (?P<tag>(?<![\w\#])(?:\#|tag:)[^\s,;"]+)
      | (?P<neg_word>(?<!\S)-[^\W_][\w+#.-]*)
      | (?P<word>[^\W_]+(?:\+\+|\#(?!\w))?)
      | (?P<sep>[,;!?()\[\]:/|&\u2013\u2014]|\.(?!\w)|(?<=\s)-(?=\s))""",
    re.VERBOSE | re.UNICODE,
)
# Written shorthands, spelled out before lexing: "w/o X", "w/ X", "non-X", "X-free", and "X/Y" for "X or Y".
_SHORTHANDS = [
    (re.compile(r"(?<!\w)w/o(?!\w)", re.IGNORECASE), " without "),
    (re.compile(r"(?<!\w)w/(?!\w)", re.IGNORECASE), " with "),
    (re.compile(r"(?<=\w)\s*/\s*(?=\w)"), " or "),
    (re.compile(r"(?<!\w)non-(?=\w)", re.IGNORECASE), " not "),
    (re.compile(r"(?<![\w-])([\w.+#]+(?:-[\w.+#]+)*)-free(?!\w)", re.IGNORECASE), r" without \1 "),
]
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})
_INVISIBLE = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


@dataclass
class _Lexeme:
    kind: str
    text: str


class RequestParser:
    """Parses requests against one catalog's vocabulary."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        analyzer: Analyzer,
        tags: TagMatcher,
        lexicon: Lexicon,
        filler_ratio: float,
        replies: LinearTextModel | None = None,
    ):
        self.filler_ratio = filler_ratio
        self.replies = replies  # the reply model, for replies to a search (retrieval/refine.py)
        self.taxonomy = taxonomy
        self.analyzer = analyzer
        self.tags = tags
        self.lexicon = lexicon

    def resolve_tag(self, text: str) -> str | None:
        """A tag for explicit text like 'object-detection', 'GANs' or 'nlp', else None."""
        return self.tags.resolve(text)

    def parse(self, text: str) -> Query:
        """Never raises: anything it cannot use becomes a keyword or is shown as ignored."""
        original = text if isinstance(text, str) else str(text)
        state = _State()
        words: list[str | None] = []  # plain words, None for punctuation, in order
        for lexeme in _lexemes(_clean(original)):
            if lexeme.kind == "phrase":
                phrase = lexeme.text.strip('"').strip()
                if self.analyzer.terms(phrase):
                    state.phrases.append(phrase)
            elif lexeme.kind in ("tag", "neg_tag"):
                self._explicit_tag(lexeme, state)
            elif lexeme.kind == "neg_word":
                words.extend(["not", lexeme.text[1:].lower(), None])
            else:
                words.append(lexeme.text.lower() if lexeme.kind == "word" else None)
        _Walk(self, self._corrected(words, state), state).run()
        return state.to_query(original[:MAX_REQUEST_CHARS])

    def is_resource_word(self, word: str) -> bool:
        """Whether a word names a resource type of the catalog ("papers", "libs")."""
        tags = (self.resolve_tag(form) for form in (singular(word), word))  # "papers": #paper, not a #papers on one project
        return any(tag is not None and self.taxonomy.is_resource(tag) for tag in tags)

    def is_content(self, word: str) -> bool:
        """A word that says what to find, not how to ask (stop words, request verbs, filler)."""
        return word not in STOP_WORDS and word not in FILLER and not self.lexicon.is_filler(word, self.filler_ratio)

    def _corrected(self, words: list[str | None], state: _State) -> list[str | None]:
        fixed: list[str | None] = []
        for word in words:
            right = word if word is None or not self.is_content(word) else self.lexicon.correct(word, self.filler_ratio)
            if right != word:
                state.notes.append(f"Read '{word}' as '{right}'.")
            fixed.append(right)
        return fixed

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


class _Walk:
    """One pass over the words: sort words, negation scopes, tag mentions, keywords.

    A negation cue ("not", "without", "anything but", "other than", "instead of"...) opens
    a scope that runs to the end of its clause: punctuation or a clause break ("but",
    "because"...). In it, named tags are excluded; after a tag the scope goes on only
    through a list ("not yolo or ssd", "neither pytorch nor tensorflow"). A scope that
    names no tag excludes its one content word ("not beginner"); with several, what to
    exclude is unclear, so they are shown as ignored rather than guessed. After a negated
    verb ("the ones it can't map") the words describe, so they are shown as ignored too.

    A negation may also come after what it rules out ("tf is banned", "pytorch isn't an
    option") or point back to it ("we did the tf.js ones, so skip those"): the tag named
    last is then taken back from the intents and excluded.
    """

    def __init__(self, parser: RequestParser, words: list[str | None], state: _State):
        self.parser, self.words, self.state = parser, words, state
        self.negating = False
        self.idiomatic = False  # the scope's cue is "no" or "not" alone (see IDIOMATIC_NEGATIONS)
        self.excludes_words = False
        self.after_excluded_tag = False
        self.scope_tags = 0
        self.scope_words: list[str] = []
        self.last_mention: tuple[str, list[str], int] | None = None  # tag, its words, where it ended
        self.wanted: list[tuple[str, list[str], int, int]] = []  # each wanted mention: tag, words, start, end
        self.giving_reason = False  # in a "because ..." clause: context, not what to find

    def run(self) -> None:
        words, i = self.words, 0
        while i < len(words):
            i = self._step(i)
        self._close_scope()
        for tag, spoken, _, _ in self.wanted:  # still wanted at the end: one project's label is words
            if tag in self.state.inferred and not self.parser.tags.wanted_in_words(tag):
                self.state.inferred.remove(tag)
                for word in spoken:
                    self.state.tag_words.remove(word)
                self.state.keywords.extend(w for w in spoken if self.parser.is_content(w))

    def _step(self, i: int) -> int:
        word = self.words[i]
        if word is None or (word in CLAUSE_BREAKS and not self._cue_length(i)):
            self._close_scope()
            self.giving_reason = word in REASONS
            return i + 1
        if self.after_excluded_tag:
            self.after_excluded_tag = False
            listed = self._tag_at(i + 1) if word in LIST_JOINS else None
            # "and" lists only a last item: in "not yolo and pytorch tutorials" pytorch is wanted.
            if listed and (word != "and" or self._ends_clause(i + 1 + listed[1])):
                return i + 1
            self._close_scope()
        if self._rules_out_last_tag(i):
            # The rest of the clause says why ("off the table for me"): shown as ignored.
            self._close_scope()
            # "A and B are out", "A or B is out"; but in "cv tutorials and pytorch is out" only pytorch is.
            self._exclude_last_mention(singular=word in SINGULAR_COPULAS)
            end = i + 1
            while not self._ends_clause(end) and self.words[end] not in CLAUSE_BREAKS:
                if self.parser.is_content(word := self.words[end] or ""):
                    self.state.ignored.append(word)
                end += 1
            self.scope_tags = 0
            return end
        if self._declines_last_tag(i):
            self._close_scope()
            self._exclude_last_mention()
            self.negating, self.excludes_words = True, False
            return i + 1
        if cue := self._cue_length(i):
            self._close_scope()
            self.negating = True
            self.idiomatic = cue == 1 and word in IDIOMATIC_NEGATIONS
            # "it can't map", "doesn't scale": a negated verb describes; only a plain cue
            # ("not beginner", "no math") may rule out a word that names no tag.
            self.excludes_words = word not in NEGATED_AUXILIARIES and word != "can"
            return i + cue
        if word in NEWEST_WORDS or word in OLDEST_WORDS:
            self.state.sort = Sort.NEWEST if word in NEWEST_WORDS else Sort.OLDEST
            # "from newest to oldest": the first one says the order, the second where it ends
            to = self._word(i + 2) if self._word(i + 1) == "to" else None
            return i + 3 if to in NEWEST_WORDS or to in OLDEST_WORDS else i + 1
        match = self._tag_at(i)
        if match:
            tag, length = match
            spoken = [w for w in self.words[i : i + length] if w and w not in STOP_WORDS]
            if free := self._left_free(i, length):
                self.state.ignored.extend(spoken)  # "any framework, but not keras": no #library
                return free
            if self.negating:
                self.state.exclude.append(tag)
                self.scope_tags += 1
                self.after_excluded_tag = True
            elif self.giving_reason:
                self.state.keywords.extend(w for w in spoken if self.parser.is_content(w))
            else:
                self.state.inferred.append(tag)
                self.state.tag_words.extend(spoken)
                self.last_mention = (tag, spoken, i + length)
                self.wanted.append((tag, spoken, i, i + length))
            return i + length
        if self.negating and not self.scope_tags and word in BACK_REFERENCES and self.last_mention:
            self._exclude_last_mention()
            return i + 1
        if word in LEAVE_OUT and (kept_out := self._tag_at(i + 1)) and self._word(i + 1 + kept_out[1]) == "out":
            self._close_scope()  # "keep computer vision out of it"
            self.state.exclude.append(kept_out[0])
            return i + 2 + kept_out[1]
        if word in LEAVE_OUT and self._word(i + 1) in LEFT_OUT and self._word(i + 2) == "out" and self.last_mention:
            self._close_scope()  # "quantization I've read, so leave that out"
            self._exclude_last_mention()
            self.scope_tags = 0
            return i + 3
        if self.parser.is_content(word):
            (self.scope_words if self.negating else self.state.keywords).append(word)
        return i + 1

    def _rules_out_last_tag(self, i: int) -> bool:
        """Whether a negation of the tag just named starts at ``i``: "X is banned", "X isn't ..."."""
        if self.negating or self.last_mention is None or not self._right_after_mention(i):
            return False
        word, after = self.words[i], self.words[i + 1] if i + 1 < len(self.words) else None
        if word in MODALS and after in ("not", "never"):  # "nlp results need not apply"
            return True
        if word in NEGATED_COPULAS:
            return True
        # "X is off the table", "X and Y are both out": a copula, perhaps function words, then the ruling.
        ruling = next((w for w in self.words[i + 1 : i + 4] if w not in STOP_WORDS or w in RULED_OUT), None)
        return word in COPULAS and ruling in RULED_OUT

    def _declines_last_tag(self, i: int) -> bool:
        """ "... VAEs and the KL term, which I don't want": a relative clause declining what was named last."""
        if self.negating or self.last_mention is None or self.words[i] not in NEGATED_AUXILIARIES:
            return False
        before = self.words[max(0, i - 2) : i]
        after = [w for w in self.words[i + 1 : i + 3] if w != "t"]
        relative = len(before) == 2 and before[0] in ("which", "that") and before[1] in ("i", "we")
        return relative and bool(after) and after[0] in WANTING

    def _left_free(self, i: int, length: int) -> int:
        """Where the words go on after a category named as free (0 if it is not): "any
        framework" at a clause's end, "framework doesn't matter", "any framework is fine" (its
        predicate with it); but "any libraries for gans?" asks for libraries."""
        category = self.words[i]
        if length != 1 or category not in CATEGORY_NOUNS:
            return 0
        after: list[str] = []
        for word in self.words[i + 1 : i + 5]:
            if word is None or word in CLAUSE_BREAKS:
                break
            after.append(word)
        said = [n for n, word in enumerate(after) if word in FREE_PREDICATES]
        if said:
            return i + 2 + said[0]
        said_any = not after and i > 0 and self.words[i - 1] in ANY_WORDS
        return i + 1 if said_any and singular(category) == category else 0  # "any libraries?" asks for libraries

    def _word(self, i: int) -> str | None:
        return self.words[i] if i < len(self.words) else None

    def _right_after_mention(self, i: int) -> bool:
        """``i`` follows the tag named last, or a short phrase on it ("saliency maps on images is not")."""
        assert self.last_mention is not None
        gap = self.words[self.last_mention[2] : i]
        # Not through a relative clause: in "courses in here that aren't about ..." the courses stay wanted.
        if not gap or len(gap) > 3 or {None, "that", "which", "who"} & set(gap):
            return not gap
        return gap[0] in PREPOSITIONS or all(word in SUBJECT_TAILS for word in gap)  # "yolo-related", "pytorch-only stuff"

    def _exclude_last_mention(self, singular: bool = False) -> None:
        """Take the tag named last back from the intents, with its words, and exclude it."""
        assert self.last_mention is not None
        for tag, spoken in self._coordinated(singular):
            self.state.inferred.remove(tag)
            for word in spoken:
                self.state.tag_words.remove(word)
            self.state.exclude.append(tag)
            self.scope_tags += 1
        self.last_mention = None

    def _coordinated(self, singular: bool) -> list[tuple[str, list[str]]]:
        """The tag named last and those listed right before it ("hugging face and spacy are both out").
        ``singular``: the verb is singular, so only "or" and "nor" can have listed its subject."""
        joins = {"or", "nor"} if singular else LIST_JOINS
        chain = [self.wanted.pop()]
        # A list joins its last item with a word ("A, B or C"); the items before may stand by a comma.
        while self.wanted and _joins(self.words[self.wanted[-1][3] : chain[-1][2]], joins, comma=len(chain) > 1):
            start = self.wanted[-1][2]
            if self.words[self.wanted[-1][3]] is None and start and self.words[start - 1] is not None:
                break  # "gan tutorials, pytorch or keras is out": a comma item stands alone, not in a phrase
            chain.append(self.wanted.pop())
        return [(tag, spoken) for tag, spoken, _, _ in chain]

    def _cue_length(self, i: int) -> int:
        """How many words the negation cue at ``i`` spans (0 if none)."""
        pair = tuple(w for w in self.words[i : i + 2] if w is not None)
        if len(pair) == 2 and pair in NEGATION_PAIRS:
            return 2
        if self.words[i] in NEGATED_AUXILIARIES and self._asks(i + 1) or self._word(i + 1) in CLAUSE_OPENERS:
            return 0  # "wasn't there ...?" asks; "that's not what we do" negates a clause, not a thing
        if self.words[i] in REMOVING and self._word(i + 1) in ("the", "any", "all"):
            # "drop the computer vision ones": a verb of removal, then a tag and the results it stands for
            named = self._tag_at(i + 2)
            return 2 if named and self._word(i + 2 + named[1]) in RESULT_WORDS else 0
        return 1 if self.words[i] in NEGATIONS else 0

    def _asks(self, i: int) -> bool:
        """Whether a subject follows a negated auxiliary ("wasn't there ...?"): a question, not a negation."""
        following = [w for w in self.words[i : i + 2] if w is not None and w != "t"]
        return bool(following) and following[0] in QUESTION_SUBJECTS

    def _tag_at(self, i: int) -> tuple[str, int] | None:
        """A tag named at ``i``; one word names a tag only if it is not filler ("products" is not #production)."""
        if i >= len(self.words) or (word := self.words[i]) is None:
            return None
        match = self.parser.tags.match_at(self.words, i)
        if match and match[1] == 1 and not self.parser.is_content(word):
            return None
        return match

    def _used(self, word: str) -> bool:
        """Whether the word can be an exclusion: "no rush" names an everyday word no project uses,
        so it rules nothing out; "not tesseract" names a thing, shown as excluded though no project has it."""
        lexicon = self.parser.lexicon
        return bool(lexicon.counts.get(word) or lexicon.counts.get(singular(word))) or word not in lexicon.english

    def _ends_clause(self, i: int) -> bool:
        return i >= len(self.words) or self.words[i] is None

    def _close_scope(self) -> None:
        if self.negating and not self.scope_tags:
            if len(self.scope_words) == 1 and self.excludes_words and (not self.idiomatic or self._used(self.scope_words[0])):
                self.state.exclude_words.extend(self.scope_words)
            else:
                self.state.ignored.extend(self.scope_words)
        elif self.negating:
            self.state.ignored.extend(self.scope_words)
        self.negating = self.after_excluded_tag = False
        self.scope_tags = 0
        self.scope_words = []


@dataclass
class _State:
    """What the walk over a request has found so far."""

    keywords: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    explicit: list[str] = field(default_factory=list)
    inferred: list[str] = field(default_factory=list)
    tag_words: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    exclude_words: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sort: Sort = Sort.RELEVANCE

    def to_query(self, text: str) -> Query:
        exclude = _unique(self.exclude)
        conflicts = [t for t in _unique(self.explicit + self.inferred) if t in exclude]
        for tag in conflicts:
            self.notes.append(f"#{tag} was both asked for and excluded; the exclusion wins.")
        explicit = [t for t in _unique(self.explicit) if t not in exclude]
        inferred = [t for t in _unique(self.inferred) if t not in exclude and t not in explicit]
        return Query(
            text=text,
            keywords=_unique(self.keywords),
            tag_words=_unique(self.tag_words),
            phrases=_unique(self.phrases),
            include_tags=explicit + inferred,
            inferred_tags=inferred,
            exclude_tags=exclude,
            exclude_words=_unique(self.exclude_words),
            ignored_words=_unique(self.ignored),
            sort=self.sort,
            notes=_unique(self.notes),
        )


def _lexemes(text: str) -> list[_Lexeme]:
    return [_Lexeme(m.lastgroup or "sep", m.group()) for m in _LEXEME.finditer(text)]


def _joins(gap: list[str | None], joins: set[str] | frozenset[str], comma: bool) -> bool:
    """Whether the words between two tags list them: a join word ("the" may follow), or a comma."""
    joined = any(w in joins for w in gap) or (comma and gap == [None])
    return joined and len(gap) <= 2 and all(w is None or w in joins or w == "the" for w in gap)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def spell_out(text: str) -> str:
    """Written shorthands in words: "w/o X" -> "without X", "X-free" -> "without X", "X/Y" -> "X or Y"."""
    for pattern, replacement in _SHORTHANDS:
        text = pattern.sub(replacement, text)
    return text


def _clean(text: str) -> str:
    """NFKC, straight quotes, no control or invisible characters, shorthands spelled out, bounded."""
    text = unicodedata.normalize("NFKC", text[: MAX_REQUEST_CHARS * 2]).translate(_QUOTES)
    text = _INVISIBLE.sub(" ", text)[:MAX_REQUEST_CHARS]
    text = spell_out(text)
    if text.count('"') % 2:
        text = text.replace('"', " ")
    return text
