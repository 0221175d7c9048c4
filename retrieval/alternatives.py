"""What to offer when a search finds nothing: drop one constraint, or try a nearby tag.

Each offer is checked against the engine first, so following it never leads to another
empty page, and carries the number of results it would give.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz, process

from retrieval.models import Query
from retrieval.refine import add_tag, remove_tag

Count = Callable[[Query], int]

MAX_DROPS = 4
MAX_NEAREST = 4
MIN_SIMILARITY = 70
MAX_WORD_CHARS = 100


class Change(BaseModel):
    """One edit to a query: require a tag, drop a tag or word, or try a tag instead of the words."""

    model_config = ConfigDict(frozen=True)

    op: Literal["add", "drop", "try"]
    tag: str = ""
    word: str = ""


class Alternative(BaseModel):
    change: Change
    count: int


def apply_change(query: Query, change: Change) -> Query:
    """The query a change leads to."""
    if change.op == "add":
        return add_tag(query, change.tag)
    if change.op == "drop" and change.tag:
        return remove_tag(query, change.tag)
    if change.op == "drop":
        return query.model_copy(
            update={
                field: [w for w in getattr(query, field) if w != change.word]
                for field in ("keywords", "tag_words", "phrases", "exclude_words")
            }
        )
    return add_tag(query.model_copy(update={"keywords": [], "tag_words": [], "phrases": []}), change.tag)


def alternatives(query: Query, count: Count, tags: Iterable[str], tag_count: Callable[[str], int]) -> list[Alternative]:
    """Drops first (the user's own words are closest to what they meant), then nearest tags.

    ``count`` says how many projects a query finds, so every offer is checked before it is made.
    """
    drops = [Change(op="drop", tag=tag) for tag in [*query.include_tags, *query.exclude_tags]]
    drops += [
        Change(op="drop", word=word)
        for word in [*query.keywords, *query.phrases, *query.exclude_words]
        if len(word) <= MAX_WORD_CHARS
    ]
    found = [alt for alt in (_checked(count, query, c) for c in drops) if alt][:MAX_DROPS]
    taken = {*query.include_tags, *query.exclude_tags}
    nearest: list[Alternative] = []
    for tag in nearest_tags(tags, tag_count, [*query.keywords, *query.phrases], taken):
        alternative = _checked(count, query, Change(op="try", tag=tag))
        if alternative:
            nearest.append(alternative)
        if len(nearest) == MAX_NEAREST:
            break
    return found + nearest


def _checked(count: Count, query: Query, change: Change) -> Alternative | None:
    changed = apply_change(query, change)
    if changed == query or changed.is_empty:
        return None
    total = count(changed)
    return Alternative(change=change, count=total) if total else None


def nearest_tags(tags: Iterable[str], tag_count: Callable[[str], int], words: list[str], taken: set[str]) -> list[str]:
    """Catalog tags spelled most like the words, the most used first among equals."""
    choices = sorted(set(tags) - taken)
    scored: dict[str, float] = {}
    for word in words[:6]:
        for tag, score, _ in process.extract(word, choices, scorer=fuzz.WRatio, limit=MAX_NEAREST):
            if score >= MIN_SIMILARITY:
                scored[tag] = max(scored.get(tag, 0), score)
    return sorted(scored, key=lambda t: (-scored[t], -tag_count(t), t))
