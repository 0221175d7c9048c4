"""A count in a request: a number after a cue, in a last clause of its own, or opening the request before a resource type."""

from __future__ import annotations

import pytest

from retrieval.counts import take_count


def _resource(word: str) -> bool:
    return word in ("papers", "tutorials", "notebooks")


@pytest.mark.parametrize(
    "text, count, rest",
    [
        ("show me 3 tutorials on gans", 3, "show me  tutorials on gans"),
        ("Top Five gan papers", 5, "Top  gan papers"),
        ("4 papers on rl pls", 4, " papers on rl pls"),
        ("2 stage detectors", 0, "2 stage detectors"),
        ("i need 4 gpus for training", 0, "i need 4 gpus for training"),
        ("3d object detection", 0, "3d object detection"),
        ("object tracking code, just the top 3", 3, "object tracking code"),
        ("data augmentation, 10 per page", 10, "data augmentation"),
        ("gans - 5 results please", 5, "gans"),
        ("nlp, top 10 only", 10, "nlp"),
        ("bert, 3 layers", 0, "bert, 3 layers"),  # a last clause that says more than how many
        ("yolo, v3", 0, "yolo, v3"),
    ],
)
def test_take_count(text, count, rest):
    assert take_count(text, _resource) == (count, rest)
