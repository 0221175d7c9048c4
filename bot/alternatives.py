"""What to offer when a search finds nothing: drop one constraint, or try a nearby tag.

Each offer is checked against the engine first, so a button never leads to another
empty page, and carries the number of results it would give.
"""

from __future__ import annotations

from rapidfuzz import fuzz, process

from bot.conversation_models import Action, Alternative
from retrieval.engine import SearchEngine
from retrieval.models import Query
from retrieval.refine import add_tag, remove_tag

MAX_DROPS = 4
MAX_NEAREST = 4
MIN_SIMILARITY = 70
MAX_WORD_CHARS = 100


def apply(query: Query, action: Action) -> Query:
    """The query an offer (or a suggestion button) leads to."""
    if action.op == "add":
        return add_tag(query, action.tag)
    if action.op == "drop" and action.tag:
        return remove_tag(query, action.tag)
    if action.op == "drop":
        return query.model_copy(update={
            field: [w for w in getattr(query, field) if w != action.word]
            for field in ("keywords", "phrases", "exclude_words")
        })
    if action.op == "try":
        return add_tag(query.model_copy(update={"keywords": [], "phrases": []}), action.tag)
    return query


def offers(engine: SearchEngine, query: Query) -> list[Alternative]:
    """Drops first (the user's own words are closest to what they meant), then nearest tags."""
    drops = [Action(op="drop", tag=tag) for tag in [*query.include_tags, *query.exclude_tags]]
    drops += [Action(op="drop", word=word) for word in [*query.keywords, *query.phrases, *query.exclude_words]
              if len(word) <= MAX_WORD_CHARS]
    found = [alt for alt in (_checked(engine, query, a) for a in drops) if alt][:MAX_DROPS]
    taken = {*query.include_tags, *query.exclude_tags}
    nearest: list[Alternative] = []
    for tag in _nearest_tags(engine, query, taken):
        alternative = _checked(engine, query, Action(op="try", tag=tag))
        if alternative:
            nearest.append(alternative)
        if len(nearest) == MAX_NEAREST:
            break
    return found + nearest


def _checked(engine: SearchEngine, query: Query, action: Action) -> Alternative | None:
    changed = apply(query, action)
    if changed == query or changed.is_empty:
        return None
    total = engine.search(changed, limit=1).total
    return Alternative(action=action, count=total) if total else None


def _nearest_tags(engine: SearchEngine, query: Query, taken: set[str]) -> list[str]:
    """Catalog tags spelled most like the request's words, the most used first among equals."""
    choices = sorted(engine.taxonomy.tags - taken)
    scored: dict[str, float] = {}
    for word in [*query.keywords, *query.phrases][:6]:
        for tag, score, _ in process.extract(word, choices, scorer=fuzz.WRatio, limit=MAX_NEAREST):
            if score >= MIN_SIMILARITY:
                scored[tag] = max(scored.get(tag, 0), score)
    return sorted(scored, key=lambda t: (-scored[t], -engine.tag_count(t), t))
