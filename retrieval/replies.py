"""The reply model: which move a reply to a search makes, learned from example replies.

"what else is there", "go back to what you had before", "3 results is plenty", "all good,
that's actually helpful", "gonna read these tonight": people say the same few moves (next
page, undo, a page size, thanks, talk that asks nothing...) in more ways than any list of
phrasings holds. A linear text model
(retrieval/linear.py) learns the moves from the example replies in reply_examples.jsonl,
over words, word pairs and letter triples (so "nxt pg" and "undoo" are near their moves).
The move "edit" stands for every change to what is searched: the rules of retrieval/refine.py
read those, as they need the catalog's tags. Trained when an engine is built and kept in its
snapshot, like the tag model.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from retrieval.analyzer import STOP_WORDS
from retrieval.jsonfile import package_lines
from retrieval.linear import LinearTextModel

EXAMPLES = Path(__file__).with_name("reply_examples.jsonl")
EMOJI_EXAMPLES = Path(__file__).with_name("emoji_examples.jsonl")
EDIT = "edit"
# Regularisation, chosen by 5-fold cross-validation over the 1,159 example replies (move accuracy
# 0.789 at C=1, 0.856 at 10, 0.866 at 30, 0.865 at 100: 30 and 100 alike, 100 kept); and the
# probability below which the rules read a reply instead, by turn accuracy on the 24 tuning
# conversation sets (5,947 turns: 93.7% at 0.3 and 0.4, 93.8% at 0.5, 93.7% at 0.6 and 0.7).
# `python benchmarks/conversations.py --fit-replies` reruns both.
C = 100.0
MIN_CONFIDENCE = 0.5
# Below this chance of changing a search, a top-level DM naming no tag is no new request, and a
# reply with no cue changes nothing (retrieval/refine.py). Wrong turns of the 24 tuning
# conversation sets (5,947 turns) by floor: 380 at 0, 368 at 0.02, 367 from 0.05 to 0.2, 368 at
# 0.3, 372 at 0.5: the middle of the best.
CHANGE_DOUBTED_BELOW = 0.1
_WORD = re.compile(r"\d+|[^\W\d_]+(?:'[^\W\d_]+)?")
# Shorter words are too near too many others to correct ("ony" could be "only" or "any").
MIN_TYPO_LENGTH = 4


@dataclass(frozen=True)
class Move:
    kind: str
    confidence: float


def reply_features(text: str) -> list[str]:
    """Words (numbers as one symbol), word pairs, and the letter triples of each word."""
    words = ["<n>" if w.isdigit() else w for w in _WORD.findall(text.lower().replace("\u2019", "'"))]
    pairs = [f"{a} {b}" for a, b in zip(words, words[1:])]
    triples = [f"#{w[i : i + 3]}" for w in (f"<{w}>" for w in words if w != "<n>") for i in range(len(w) - 2)]
    return [*words, *pairs, *triples]


def emoji_of(text: str) -> list[str]:
    """The emoji symbols of a text ("👍🏽" is "👍": skin tones, joiners and variation selectors are not symbols)."""
    return [symbol for symbol in text if unicodedata.category(symbol) == "So"]


@functools.cache
def _emoji_votes() -> dict[str, Counter[str]]:
    votes: dict[str, Counter[str]] = {}
    for text, kind in load_examples(EMOJI_EXAMPLES):
        for symbol in emoji_of(text):
            votes.setdefault(symbol, Counter())["help" if kind == "help" else "silent"] += 1
    return votes


def pokes_the_bot(text: str) -> bool:
    """Whether emoji alone poke the bot ("🤔", "🤖": the usage text) rather than react to the
    results ("👍", "🎉": nothing to say). Each symbol votes as the example emoji replies that use
    it do (emoji_examples.jsonl, written apart from the code); one no example uses pokes. No
    emoji at all (punctuation, an emoji Slack's codes do not name) pokes nothing."""
    votes: Counter[str] = Counter()
    for symbol in emoji_of(text):
        votes.update(_emoji_votes().get(symbol, Counter(help=1)))
    return bool(votes) and votes["help"] >= votes["silent"]  # a tie pokes, as emoji alone get the usage


def load_examples(path: Path = EXAMPLES) -> list[tuple[str, str]]:
    """(text, move) pairs, one JSON object per line."""
    return [(row["text"], row["kind"]) for row in package_lines(path)]


def train_reply_model(examples: list[tuple[str, str]] | None = None, c: float = C) -> LinearTextModel:
    pairs = load_examples() if examples is None else examples
    return LinearTextModel.fit([t for t, _ in pairs], [[k] for _, k in pairs], reply_features, c)


@functools.cache
def example_reply_model() -> LinearTextModel:
    """The model of the package's own examples: every engine built in a process shares one fit."""
    return train_reply_model()


def cross_validated_accuracy(examples: list[tuple[str, str]], c: float = C, folds: int = 5) -> float:
    """How often the likeliest move is right for example replies the model was not trained on."""
    order = np.random.default_rng(0).permutation(len(examples)).tolist()
    right = 0
    for fold in range(folds):
        held = set(order[fold::folds])
        model = train_reply_model([e for i, e in enumerate(examples) if i not in held], c)
        right += sum(likeliest(model, examples[i][0]) == examples[i][1] for i in held)
    return right / len(examples)


def likeliest(model: LinearTextModel, text: str) -> str:
    return model.labels[int(model.predict(reply_features(text)).argmax())]


def read_move(model: LinearTextModel, text: str) -> Move:
    """The likeliest move; ``edit`` when none is likely enough, or when the reply shares no telling
    word or word pair with the examples (letter triples once read "@channel" as thanks, and the
    bare "it" of "got it" did too)."""
    features = reply_features(text)
    if not any(f in model.vocabulary for f in features if not f.startswith("#") and (" " in f or f not in STOP_WORDS)):
        return Move(EDIT, 0.0)
    probabilities = model.predict(features)
    best = int(probabilities.argmax())
    confidence = float(probabilities[best])
    if confidence < MIN_CONFIDENCE:
        return Move(EDIT, confidence)
    return Move(model.labels[best], confidence)


def doubts_a_change(model: LinearTextModel, text: str) -> bool:
    """Whether the model finds it most unlikely that a reply changes what is searched (the move
    ``edit`` below ``CHANGE_DOUBTED_BELOW``): "who built you?", "make it better"."""
    return float(model.predict(reply_features(text))[model.labels.index(EDIT)]) < CHANGE_DOUBTED_BELOW


def respelled(text: str, model: LinearTextModel, known: Callable[[str], bool]) -> str:
    """The reply with misspelt words of the example replies put right: "onyl pytorch", "exlcude
    keras", "swtich to tensorflow", "strat over". A word ``known`` does not know (the catalog's
    and English words are kept as typed), one edit from words the examples use, becomes the most
    used of them (the lowest idf). The rules of retrieval/refine.py then read the reply as meant."""
    words = model.words

    def right(match: re.Match[str]) -> str:
        word = match.group()
        if len(word) < MIN_TYPO_LENGTH or not word.isalpha() or word in model.vocabulary or known(word):
            return word
        near = process.extract(word, words, scorer=DamerauLevenshtein.distance, score_cutoff=1, limit=None)
        if not near:
            return word
        return min((model.idf[model.vocabulary[w]], w) for w, _, _ in near)[1]

    return re.sub(r"[^\W\d_]+", right, text)
