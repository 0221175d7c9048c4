"""Thread replies as changes to the previous Query: "only pytorch", "not videos", "more"...

A reply is read in this order: a whole-reply command (more, back, reset, a sort), a new
request ("actually, show me GAN papers"), a leading verb (drop/only/not...), and last a
fragment parsed like a request and merged in, so an unrecognised reply still counts as
extra keywords instead of being ignored.
"""

from __future__ import annotations

import re
from enum import Enum

from pydantic import BaseModel

from retrieval.models import Query, Sort
from retrieval.parser import RequestParser

# The software an "any framework" reply lets go of; only the tags the catalog has count.
FRAMEWORK_TAGS = frozenset(
    {
        "pytorch", "tensorflow", "keras", "jax", "flax", "mxnet", "caffe", "chainer", "theano",
        "scikit-learn", "fastai", "huggingface", "pytorch-lightning", "tensorflow-js",
        "tensorflow-lite", "onnx", "paddlepaddle", "spacy", "xgboost", "lightgbm",
    }
)
CATEGORY_WORDS = {
    "framework": "framework", "frameworks": "framework", "library": "framework", "libraries": "framework",
    "type": "resource", "types": "resource", "kind": "resource", "format": "resource", "resource": "resource",
}


class RefinementKind(str, Enum):
    NEW = "new"
    INCLUDE = "include"
    EXCLUDE = "exclude"
    REMOVE = "remove"
    NEXT_PAGE = "next_page"
    PREVIOUS_PAGE = "previous_page"
    SORT = "sort"
    RESET = "reset"
    KEYWORDS = "keywords"


class Refinement(BaseModel):
    kind: RefinementKind
    query: Query
    change: str  # one line for the user: "added #pytorch", "next page"
    # Whether the reply reads as a refinement on its own (a command or a leading verb),
    # as opposed to text merged in by default. A top-level DM refines only when True.
    explicit: bool = True


_COMMANDS: dict[str, tuple[RefinementKind, Sort | None]] = {}
for _words, _kind, _sort in [
    ("more|next|show more|more results|next page|more please|show me more|keep going|continue",
     RefinementKind.NEXT_PAGE, None),
    ("back|previous|prev|previous page|go back|page back|last page", RefinementKind.PREVIOUS_PAGE, None),
    ("reset|start over|clear|start again|new search|restart|clear all", RefinementKind.RESET, None),
    ("newest|newest first|latest|latest first|most recent|recent first|most recent first|sort by date|by date",
     RefinementKind.SORT, Sort.NEWEST),
    ("oldest|oldest first|earliest first", RefinementKind.SORT, Sort.OLDEST),
    ("most relevant|relevance|by relevance|best match|best matches|sort by relevance",
     RefinementKind.SORT, Sort.RELEVANCE),
]:
    for _phrase in _words.split("|"):
        _COMMANDS[_phrase] = (_kind, _sort)

_NEW = re.compile(r"^(?:actually|instead|new search|new request|search for|look for|find me|show me|"
                  r"what about|how about|switch to|change of plan)\b[\s,:-]*(?P<rest>.*)$")
_REMOVE = re.compile(r"^(?:drop|remove|forget|without the|no longer|ignore|clear)\s+(?P<rest>.+)$")
_ANY = re.compile(r"^any\s+(?P<rest>.+)$")
_EXCLUDE = re.compile(r"^(?:not|no|without|except|excluding|exclude|but not|no more|skip|hide|minus)\s+(?P<rest>.+)$")
_INCLUDE = re.compile(r"^(?:only|just|also|with|and|plus|add|must have|include|including|more)\s+(?P<rest>.+)$")
_TRAILING_ONLY = re.compile(r"^(?P<rest>.+?)\s+only$")
_EDGE = re.compile(r"^[\s,.!?;:]+|[\s,.!?;:]+$")
_COMMAND_FILLER = re.compile(r"\b(?:please|pls|thanks|thank you)\b")


def refine(parser: RequestParser, previous: Query, text: str) -> Refinement:
    """Apply one thread reply to the previous query."""
    said = _EDGE.sub("", (text or "").strip().lower())
    command = _COMMANDS.get(_EDGE.sub("", _COMMAND_FILLER.sub("", said)).strip())
    if command:
        kind, sort = command
        if kind is RefinementKind.RESET:
            return Refinement(kind=kind, query=Query(), change="started over")
        if kind is RefinementKind.SORT:
            assert sort is not None
            return Refinement(kind=kind, query=previous.model_copy(update={"sort": sort}),
                              change={Sort.NEWEST: "newest first", Sort.OLDEST: "oldest first"}.get(sort, "most relevant first"))
        change = "next page" if kind is RefinementKind.NEXT_PAGE else "previous page"
        return Refinement(kind=kind, query=previous, change=change)

    if match := _NEW.match(said):
        rest = match.group("rest")
        if rest and not _INCLUDE.match(rest) and not _EXCLUDE.match(rest):
            query = parser.parse(rest)
            return Refinement(kind=RefinementKind.NEW, query=query, change="new search")
    if match := _REMOVE.match(said):
        return _remove(parser, previous, match.group("rest"))
    if (match := _ANY.match(said)) and (removed := _remove(parser, previous, match.group("rest"))).query != previous:
        return removed
    if match := _EXCLUDE.match(said):
        return _merge(parser, previous, "not " + match.group("rest"), explicit=True)
    if said.startswith("-"):
        return _merge(parser, previous, said, explicit=True)
    if match := (_INCLUDE.match(said) or _TRAILING_ONLY.match(said)):
        return _merge(parser, previous, match.group("rest"), explicit=True)
    if said.startswith(("#", "tag:", "+")):
        return _merge(parser, previous, said.lstrip("+"), explicit=True)
    return _merge(parser, previous, said, explicit=False)


def is_refinement(parser: RequestParser, text: str) -> bool:
    """Whether the text alone reads as a change to a previous search."""
    kind_and_flag = refine(parser, Query(), text)
    return kind_and_flag.explicit and kind_and_flag.kind is not RefinementKind.NEW


def add_tag(query: Query, tag: str) -> Query:
    """Require a tag (a clicked suggestion): a hard include, no longer excluded or merely preferred."""
    return query.model_copy(update={
        "include_tags": _unique([*query.include_tags, tag]),
        "inferred_tags": [t for t in query.inferred_tags if t != tag],
        "exclude_tags": [t for t in query.exclude_tags if t != tag],
    })


def remove_tag(query: Query, tag: str) -> Query:
    """Let go of a tag wherever it appears in the query."""
    return query.model_copy(update={
        field: [t for t in getattr(query, field) if t != tag]
        for field in ("include_tags", "inferred_tags", "exclude_tags")
    })


def _remove(parser: RequestParser, previous: Query, rest: str) -> Refinement:
    targets = _tags_named(parser, previous, rest)
    query = previous
    for tag in targets:
        query = remove_tag(query, tag)
    words = set(rest.split())
    kept = [k for k in query.keywords if k not in words]
    dropped_words = [k for k in query.keywords if k in words]
    query = query.model_copy(update={
        "keywords": kept, "exclude_words": [w for w in query.exclude_words if w not in words],
    })
    removed = [f"#{t}" for t in targets] + [f"'{w}'" for w in dropped_words]
    if not removed:
        return Refinement(kind=RefinementKind.REMOVE, query=previous,
                          change=f"nothing to drop: '{rest}' is not part of this search")
    return Refinement(kind=RefinementKind.REMOVE, query=query, change="dropped " + " ".join(removed))


def _tags_named(parser: RequestParser, previous: Query, rest: str) -> list[str]:
    """The query's tags that ``rest`` names: a tag, an alias, or a category like 'framework'."""
    in_query = [*previous.include_tags, *previous.exclude_tags]
    named = parser.parse(rest)
    wanted = {*named.include_tags, *named.exclude_tags}
    for word in rest.replace("#", " ").split():
        tag = parser.resolve_tag(word)
        if tag:
            wanted.add(tag)
        category = CATEGORY_WORDS.get(word)
        if category == "framework":
            wanted |= {t for t in in_query if t in FRAMEWORK_TAGS}
        elif category == "resource":
            wanted |= {t for t in in_query if parser.taxonomy.is_resource(t)}
    expanded = set(wanted)
    for tag in wanted:
        expanded |= parser.taxonomy.descendants(tag)
    return _unique([t for t in in_query if t in expanded])


def _merge(parser: RequestParser, previous: Query, fragment: str, explicit: bool) -> Refinement:
    """Parse a fragment like a request and fold it into the previous query."""
    part = parser.parse(fragment)
    added = part.include_tags
    query = previous
    for tag in added:
        query = add_tag(query, tag)
    excluded = [t for t in part.exclude_tags if t not in added]
    query = query.model_copy(update={
        "include_tags": [t for t in query.include_tags if t not in excluded],
        "inferred_tags": [t for t in query.inferred_tags if t not in excluded],
        "exclude_tags": _unique([*query.exclude_tags, *excluded]),
        "exclude_words": _unique([*query.exclude_words, *part.exclude_words]),
        "keywords": _unique([*query.keywords, *part.keywords]),
        "phrases": _unique([*query.phrases, *part.phrases]),
        "sort": part.sort if part.sort is not Sort.RELEVANCE else query.sort,
        "notes": part.notes,
    })
    changes = [f"added #{t}" for t in added] + [f"excluded #{t}" for t in excluded]
    changes += [f"excluded '{w}'" for w in part.exclude_words]
    changes += [f"added keywords: {' '.join(part.keywords)}"] if part.keywords else []
    if part.sort is not Sort.RELEVANCE:
        changes.append(f"{part.sort.value} first")
    if added:
        kind = RefinementKind.INCLUDE
    elif excluded or part.exclude_words:
        kind = RefinementKind.EXCLUDE
    else:
        kind = RefinementKind.KEYWORDS
    if not changes:
        return Refinement(kind=RefinementKind.KEYWORDS, query=previous, explicit=explicit,
                          change="nothing new understood; the search is unchanged")
    return Refinement(kind=kind, query=query, change="; ".join(changes), explicit=explicit)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
