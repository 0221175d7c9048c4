"""What kind of request this is: one project remembered, a filter on named tags, or a topic.

The tags nearest a request's meaning (retrieval/semantic.py) are what a topic request needs
("software that reads the printed words off scanned receipts"), and they push aside what a
known item ("that demo mapping every car towed in a canadian city") or a filter ("rl
tutorials, not tensorflow") asks for. The plan weighs them by the chance that the request is
a topic. A linear model (retrieval/linear.py) learns the kinds from example requests written
apart from the code and the evaluation sets: kind_examples.jsonl (known items and filters)
and the topic examples of topic_examples.jsonl. Each kind weighs alike (``balanced``), as
the topic examples outnumber the others.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from retrieval.jsonfile import package_lines
from retrieval.linear import LinearTextModel
from retrieval.semantic import TOPIC_EXAMPLES

KIND_EXAMPLES = Path(__file__).with_name("kind_examples.jsonl")
TOPIC = "topic"
C = 1.0  # 0.3 to 3 told the kinds apart alike (BENCHMARKS.md)
_WORD = re.compile(r"[a-z0-9']+")


def kind_features(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def load_examples() -> list[tuple[str, str]]:
    """(request, kind) pairs: the kind examples, and every topic example as a topic."""
    kinds = [(row["request"], row["kind"]) for row in package_lines(KIND_EXAMPLES)]
    return kinds + [(row["request"], TOPIC) for row in package_lines(TOPIC_EXAMPLES)]


def train_kind_model(examples: list[tuple[str, str]] | None = None) -> LinearTextModel:
    pairs = load_examples() if examples is None else examples
    return LinearTextModel.fit([t for t, _ in pairs], [[k] for _, k in pairs], kind_features, C, balanced=True)


@functools.cache
def example_kind_model() -> LinearTextModel:
    """The model of the package's own examples: every engine built in a process shares one fit."""
    return train_kind_model()


def topic_chance(model: LinearTextModel, text: str) -> float:
    """The topic's share of the kinds' probabilities for this request."""
    chances = model.predict(kind_features(text))
    total = float(chances.sum())
    return float(chances[model.labels.index(TOPIC)]) / total if total > 0 else 0.0
