"""The tag vocabulary: canonical tags, aliases and the parent hierarchy."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from retrieval.analyzer import fold_tag
from retrieval.jsonfile import read_records
from retrieval.models import Tag, normalize_tag
from retrieval.problems import CatalogError, Problem

# Generic resource kinds. A tag counts as a resource type when the catalog uses one of these.
RESOURCE_TAGS = frozenset(
    {
        "article",
        "blog",
        "book",
        "code",
        "course",
        "dataset",
        "demo",
        "library",
        "notebook",
        "paper",
        "podcast",
        "research",
        "slides",
        "talk",
        "tool",
        "tutorial",
        "video",
    }
)


class Taxonomy:
    """Resolves names and aliases to canonical tags and expands parents to descendants."""

    def __init__(self, tags: Iterable[Tag] = (), catalog_tags: Iterable[str] = ()):
        self.entries: dict[str, Tag] = {tag.name: tag for tag in tags}
        self._aliases: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        for tag in self.entries.values():
            self._folded.setdefault(fold_tag(tag.name), tag.name)
            for alias in tag.aliases:
                if alias != tag.name and alias not in self.entries:
                    self._aliases.setdefault(alias, tag.name)
        for alias, owner in self._aliases.items():
            self._folded.setdefault(fold_tag(alias), owner)
        self._children: dict[str, set[str]] = {}
        self._ancestors: dict[str, frozenset[str]] = {}
        for tag in self.entries.values():
            for parent in tag.parents:
                self._children.setdefault(self.canonical(parent), set()).add(tag.name)
        known = set(self.entries) | set(self._children) | {self.canonical(t) for t in catalog_tags}
        self.tags: frozenset[str] = frozenset(known)
        self.resource_tags: frozenset[str] = RESOURCE_TAGS & self.tags

    @property
    def aliases(self) -> dict[str, str]:
        return dict(self._aliases)

    def canonical(self, tag: str) -> str:
        """An alias or spelling variant becomes its tag: a catalog may say 'nlp', 'gans' or 'tf-lite'."""
        if tag in self.entries:
            return tag
        return self._aliases.get(tag) or self._folded.get(fold_tag(tag), tag)

    def resolve(self, name: str) -> str | None:
        """The canonical tag for a name or alias, or None when it is not a tag."""
        tag = self.canonical(normalize_tag(name.lstrip("#")))
        return tag if tag in self.tags else None

    def descendants(self, tag: str) -> set[str]:
        """The tag itself and every tag below it, so a parent filter matches its children."""
        found = {tag}
        stack = [tag]
        while stack:
            for child in self._children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found

    def with_ancestors(self, tag: str) -> set[str]:
        """The tag and every tag above it: a project tagged #yolo also counts for #object-detection."""
        # Asked for every tag of the top 50 results of every search: walked once per tag.
        cached = self._ancestors.get(tag)
        if cached is None:
            cached = self._ancestors[tag] = frozenset(self._walk_up(tag))
        return set(cached)

    def _walk_up(self, tag: str) -> set[str]:
        found = {tag}
        stack = [tag]
        while stack:
            for parent in self.parents(stack.pop()):
                if parent not in found:
                    found.add(parent)
                    stack.append(parent)
        return found

    def parents(self, tag: str) -> list[str]:
        entry = self.entries.get(tag)
        return list(dict.fromkeys(self.canonical(p) for p in entry.parents)) if entry else []

    def is_resource(self, tag: str) -> bool:
        return tag in self.resource_tags

    def with_catalog_tags(self, catalog_tags: Iterable[str]) -> Taxonomy:
        return Taxonomy(self.entries.values(), set(self.tags) | set(catalog_tags))


def load_taxonomy(path: str | Path, skip_invalid: bool = False) -> tuple[Taxonomy, list[Problem]]:
    """Load tags.json; bad records, duplicates, alias collisions and parent cycles are problems."""
    source = Path(path).name
    records, problems = read_records(path)
    tags: dict[str, Tag] = {}
    positions: dict[str, int] = {}
    for position, raw in records:
        if not isinstance(raw, dict):
            problems.append(Problem(source=source, position=position, reason="record is not a JSON object"))
            continue
        try:
            tag = Tag.model_validate(raw)
        except ValidationError as exc:
            name = raw.get("tag")
            shown = str(name)[:60] if name is not None and str(name).strip() else None
            problems.append(Problem(source=source, position=position, record_id=shown, reason=_explain(exc)))
            continue
        if tag.name in tags:
            problems.append(Problem(source=source, position=position, record_id=tag.name, reason="duplicate tag"))
            continue
        tags[tag.name] = tag
        positions[tag.name] = position

    cleaned, structural = _check_structure(tags, positions, source)
    problems.extend(structural)
    problems.sort(key=lambda p: p.position or 0)
    if problems and not skip_invalid:
        raise CatalogError(problems)
    return Taxonomy(cleaned.values()), problems


def _explain(exc: ValidationError) -> str:
    reasons = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "record"
        reasons.append(f"{field}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(reasons)


def _check_structure(tags: dict[str, Tag], positions: dict[str, int], source: str) -> tuple[dict[str, Tag], list[Problem]]:
    """Drop colliding aliases and cycle edges, reporting each; parents resolve through aliases."""
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    cleaned: dict[str, Tag] = {}
    for name, tag in tags.items():
        aliases = []
        for alias in tag.aliases:
            if alias == name:
                continue
            clash = "a tag" if alias in tags else owner.get(alias)
            if clash:
                other = "another tag's name" if clash == "a tag" else f"an alias of '{clash}'"
                problems.append(
                    Problem(
                        source=source, position=positions[name], record_id=name, reason=f"alias '{alias}' collides with {other}"
                    )
                )
                continue
            owner[alias] = name
            aliases.append(alias)
        cleaned[name] = Tag(tag=name, aliases=aliases, parents=tag.parents)
    folded: dict[str, str] = {}
    for name in cleaned:
        folded.setdefault(fold_tag(name), name)
    for alias, name in owner.items():
        folded.setdefault(fold_tag(alias), name)

    def resolve(parent: str) -> str:
        if parent in cleaned:
            return parent
        return owner.get(parent) or folded.get(fold_tag(parent), parent)

    for name, tag in list(cleaned.items()):
        # A parent may be written as an alias or a spelling variant ('gans'), or name a
        # tag found only in the catalog.
        parents = list(dict.fromkeys(resolve(parent) for parent in tag.parents))
        if name in parents:
            problems.append(Problem(source=source, position=positions[name], record_id=name, reason="tag is its own parent"))
            parents.remove(name)
        cleaned[name] = Tag(tag=name, aliases=tag.aliases, parents=parents)

    for name, parent in _cycle_edges(cleaned):
        problems.append(
            Problem(source=source, position=positions[name], record_id=name, reason=f"parent cycle through '{parent}'")
        )
        entry = cleaned[name]
        cleaned[name] = Tag(tag=name, aliases=entry.aliases, parents=[p for p in entry.parents if p != parent])
    return cleaned, problems


def _cycle_edges(tags: dict[str, Tag]) -> list[tuple[str, str]]:
    """Back edges of a depth-first walk up the parent links: each closes a cycle."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    edges: list[tuple[str, str]] = []
    for root in tags:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            name, index = stack[-1]
            parents = tags[name].parents if name in tags else []
            if index < len(parents):
                stack[-1] = (name, index + 1)
                parent = parents[index]
                if state.get(parent) == 1:
                    edges.append((name, parent))
                elif parent not in state:
                    state[parent] = 1
                    stack.append((parent, 0))
            else:
                state[name] = 2
                stack.pop()
    return edges
