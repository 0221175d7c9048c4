"""The kind model: whether a request asks for a topic, one remembered project, or by named tags."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.engine import EngineSettings, SearchEngine
from retrieval.kinds import TOPIC, example_kind_model, kind_features, load_examples, topic_chance, train_kind_model
from retrieval.plan import plan
from tests.conftest import ROOT


def test_every_kind_has_examples_and_the_model_knows_them():
    kinds = {kind for _, kind in load_examples()}
    assert kinds == {"known-item", "filter", TOPIC}
    assert sorted(example_kind_model().labels) == sorted(kinds)


def test_held_out_examples_are_told_apart_far_better_than_by_chance():
    """5-fold over the examples: each kind counts alike, so chance is a third."""
    examples = load_examples()
    order = np.random.default_rng(0).permutation(len(examples)).tolist()
    right: dict[str, list[bool]] = {}
    for fold in range(5):
        held = set(order[fold::5])
        model = train_kind_model([e for i, e in enumerate(examples) if i not in held])
        for i in held:
            text, kind = examples[i]
            likeliest = model.labels[int(model.predict(kind_features(text)).argmax())]
            right.setdefault(kind, []).append(likeliest == kind)
    assert min(np.mean(hits) for hits in right.values()) > 0.6


@pytest.mark.parametrize(
    ("request_text", "topic"),
    [
        ("how do people spot odd spikes in server metrics before things break", True),
        ("what's a good way to guess tomorrow's shop sales from last year's numbers", True),
        ("there was a streamlit demo mapping every towed car in some canadian city, anyone have the link?", False),
        ("keras tutorials please, nothing with pytorch", False),
    ],
)
def test_a_request_reads_as_a_topic_or_not(request_text: str, topic: bool):
    assert (topic_chance(example_kind_model(), request_text) > 0.5) is topic


def test_the_nearest_tags_weigh_by_the_chance_of_a_topic():
    engine = SearchEngine.from_paths(ROOT / "data" / "projects.json", ROOT / "data" / "tags.json")
    engine.settings = EngineSettings(meaning_gate_width=0.0)  # the kind alone

    def heaviest(request: str) -> float:
        planned = plan(engine.parse(request), engine.corpus, engine.models, engine.settings)
        return max(planned.meaning_expansions.values(), default=0.0)

    asked_as_topic = heaviest("ways to make a computer read text out loud in a natural voice")
    asked_as_one = heaviest("i remember a repo that makes a computer read text out loud in a natural voice, what was it called?")
    assert asked_as_topic > 2 * asked_as_one > 0
