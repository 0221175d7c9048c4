"""Counted nouns for messages: "1 problem", "3 problems", never "problem(s)"."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and the noun, singular for exactly one; ``many`` for an irregular plural."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"
