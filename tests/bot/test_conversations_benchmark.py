"""The conversation benchmark holds its floors: turn accuracy on the tuning conversations and the blind set."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT, needs_mwml

sys.path.insert(0, str(ROOT / "benchmarks"))
import conversations  # noqa: E402

# Just under what each set measured when the floor was set (BENCHMARKS.md).
FLOORS = {
    "conversations_tuning": 0.96,
    "conversations_tuning2": 0.98,
    "conversations_tuning3": 0.96,
    "conversations_tuning4": 0.94,
    "conversations_tuning5": 0.95,
    "conversations_tuning6": 0.98,
    "conversations_tuning7": 0.99,
    "conversations_tuning8": 0.95,
    "conversations_tuning9": 0.93,
    "conversations_tuning10": 0.95,
    "conversations_tuning11": 0.92,
    "conversations_tuning12": 0.97,
    "conversations_tuning13": 0.97,
    "conversations_tuning14": 0.96,
    "conversations_tuning15": 0.95,
    "conversations_tuning16": 0.93,
    "conversations_tuning17": 0.95,
    "conversations_tuning18": 0.93,
    "conversations_tuning19": 0.87,
    "conversations_tuning20": 0.95,
    "conversations_tuning21": 0.93,
    "conversations_tuning22": 0.89,
    "conversations_tuning23": 0.93,
    "conversations_tuning24": 0.88,
    "conversations": 0.94,  # the blind set: a floor under its measured 94.1%, never a target to tune to
}


@needs_mwml
@pytest.mark.parametrize("name", list(FLOORS))
def test_turn_accuracy_on_the_tuning_conversations_holds_its_floor(mwml_engine, name):
    report = conversations.run(mwml_engine, conversations.load(ROOT / "benchmarks" / "cases" / f"{name}.jsonl"))
    assert report["conversations"] >= 30
    wrong = [f"{f['id']}.{f['turn']} {f['text']!r}: {'; '.join(f['problems'])}" for f in report["failures"]]
    assert report["turn_accuracy"] >= FLOORS[name], "\n".join(wrong)


def test_the_scorer_fails_a_wrong_reading(engine):
    """A label the bot does not meet is counted wrong, so the floor above means something."""
    case = {
        "id": "x",
        "surface": "thread",
        "turns": [
            {"from": "asker", "text": "<@U0BOT> object detection", "expect": {"include": ["object-detection"]}},
            {"from": "asker", "text": "only pytorch", "expect": {"include": ["object-detection"]}},
            {"from": "other", "text": "only keras", "expect": "ack"},
            {"from": "asker", "text": "thanks", "expect": "help"},
        ],
    }
    report = conversations.run(engine, [case])
    assert [f["turn"] for f in report["failures"]] == [2, 4]
    assert report["turn_accuracy"] == 0.5
