"""Pydantic models at the boundaries of the search core."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import date, datetime, timezone
from enum import Enum
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

_SPACES = re.compile(r"[\s_]+")
# Characters that would let a url break out of Slack's <url|label> syntax.
_URL_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f<>|\"'`]")


def normalize_tag(raw: str) -> str:
    """Lower-case, trim, and hyphenate a tag so 'Object Detection' == 'object-detection'."""
    tag = _SPACES.sub("-", raw.strip().lower())
    return re.sub(r"-{2,}", "-", tag).strip("-")


def normalize_tags(raw: list[str]) -> list[str]:
    """Normalise a tag list, dropping empties and duplicates but keeping order."""
    seen: dict[str, None] = {}
    for item in raw:
        tag = normalize_tag(item)
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def clean_title(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("title is empty")
    return value


def clean_description(value: str | None) -> str:
    return (value or "").strip()


def parse_tags(value: object, normalize: Callable[[list[str]], list[str]] | None = None) -> list[str]:
    """A project's tags from None, a comma-separated string or a list of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(map(isinstance, value, itertools.repeat(str))):
        raise ValueError("tags must be a list of strings")
    return (normalize or normalize_tags)(value)


def clean_url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or _URL_FORBIDDEN.search(value):
        raise ValueError(f"url must be a plain http(s) url, got {value[:80]!r}")
    return value


class Project(BaseModel):
    """One catalog entry: a project, paper, library, tutorial..."""

    model_config = ConfigDict(frozen=True)

    id: int | str
    title: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    created_on: datetime | None = None
    url: str | None = None

    # Each check is a module function, so retrieval/records.py (which validates large
    # catalogs in batches) applies exactly these and no look-alikes.
    @field_validator("title")
    @classmethod
    def _title_present(cls, value: str) -> str:
        return clean_title(value)

    @field_validator("description")
    @classmethod
    def _strip_description(cls, value: str | None) -> str:
        return clean_description(value)

    @field_validator("tags", mode="before")
    @classmethod
    def _normalize(cls, value: object) -> list[str]:
        return parse_tags(value)

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        return clean_url(value)

    @property
    def timestamp(self) -> float:
        """Seconds since the epoch (naive dates read as UTC); 0 when unknown."""
        if self.created_on is None:
            return 0.0
        when = self.created_on
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return when.timestamp()


class Tag(BaseModel):
    """A taxonomy entry in the tags.json shape: {"tag", "aliases", "parents"}."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    name: str = Field(alias="tag")
    aliases: list[str] = Field(default_factory=list)
    parents: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        tag = normalize_tag(value)
        if not tag:
            raise ValueError("tag name is empty")
        return tag

    @field_validator("aliases", "parents", mode="before")
    @classmethod
    def _names(cls, value: object) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("aliases and parents must be lists of strings")
        return normalize_tags(value)


class Sort(str, Enum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


class ExpandedTag(BaseModel):
    tag: str
    weight: float
    # What suggested it: the tag model reading the words (weight: its probability), or the
    # request's meaning (weight: its closeness to the tag, relative to the nearest tag's).
    source: Literal["tag-model", "meaning"] = "tag-model"


class Query(BaseModel):
    """What a request asks for, once understood."""

    text: str = ""
    keywords: list[str] = Field(default_factory=list)
    # Words that named an inferred tag: they rank like keywords, but the echo shows the tag.
    tag_words: list[str] = Field(default_factory=list)
    phrases: list[str] = Field(default_factory=list)
    include_tags: list[str] = Field(default_factory=list)
    exclude_tags: list[str] = Field(default_factory=list)
    # Words whose presence rules a project out ("not beginner" where no tag fits).
    exclude_words: list[str] = Field(default_factory=list)
    # Tag intents named in plain words: strong evidence for ranking, never a filter.
    # The rest of include_tags (#tag, tag:x, a clicked suggestion) are filters.
    inferred_tags: list[str] = Field(default_factory=list)
    # Tags the catalog's tag model predicts from the words, and those nearest the request's
    # meaning: weaker evidence, filled in by search.
    expanded_tags: list[ExpandedTag] = Field(default_factory=list)
    # Content words the parser could not use (several plain words under one negation).
    ignored_words: list[str] = Field(default_factory=list)
    sort: Sort = Sort.RELEVANCE
    # Only projects created within these dates (inclusive); either end may be open.
    date_from: date | None = None
    date_to: date | None = None
    # Projects never to show ("more like #2" leaves #2 itself out); ids as strings.
    exclude_ids: list[str] = Field(default_factory=list)
    # What the parser wants the user to know, e.g. how a conflict was settled.
    notes: list[str] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.keywords
            or self.phrases
            or self.include_tags
            or self.exclude_tags
            or self.exclude_words
            or self.date_from
            or self.date_to
        )

    def echo(self) -> str:
        """One line that tells the user what was understood."""
        parts: list[str] = []
        if self.keywords:
            parts.append("keywords: " + " ".join(self.keywords))
        if self.phrases:
            parts.append("phrases: " + " ".join(f'"{p}"' for p in self.phrases))
        if self.include_tags:
            parts.append("tags: " + " ".join(f"#{t}" for t in self.include_tags))
        if self.expanded_tags:
            parts.append("related: " + " ".join(f"#{e.tag}" for e in self.expanded_tags))
        if self.exclude_tags or self.exclude_words:
            excluded = [f"#{t}" for t in self.exclude_tags] + [f"'{w}'" for w in self.exclude_words]
            parts.append("excluding: " + " ".join(excluded))
        if self.date_from or self.date_to:
            parts.append(_date_range(self.date_from, self.date_to))
        if self.sort is Sort.NEWEST:
            parts.append("newest first")
        elif self.sort is Sort.OLDEST:
            parts.append("oldest first")
        if self.ignored_words:
            parts.append("ignoring: " + " ".join(self.ignored_words))
        return " · ".join(parts) if parts else "everything"


def _date_range(start: date | None, end: date | None) -> str:
    if start and end:
        return f"from {start.isoformat()} to {end.isoformat()}"
    return f"since {start.isoformat()}" if start else f"until {end.isoformat()}" if end else ""


class SearchResult(BaseModel):
    project: Project
    score: float


class SuggestedTag(BaseModel):
    tag: str
    count: int
    group: str = "topic"  # "resource" for resource types, else "topic"


class SearchResponse(BaseModel):
    request: str
    parsed: Query
    total: int
    offset: int = 0
    limit: int = 10
    results: list[SearchResult] = Field(default_factory=list)
    suggested_tags: list[SuggestedTag] = Field(default_factory=list)
    relaxed: bool = False
    notes: list[str] = Field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.results) < self.total
