"""What the conversation layer hands to a surface (Slack or the console) to show."""

from __future__ import annotations

from enum import Enum
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from bot.store import ThreadKey
from retrieval.models import SearchResponse


# A button value holds at most 2,000 characters; a click claiming a longer tag or word is forged.
ACTION_TEXT_CHARS = 1000


class Action(BaseModel):
    """A button's meaning, small enough for a Slack button value (the query stays in the store)."""

    model_config = ConfigDict(frozen=True)

    op: Literal["add", "drop", "try", "more", "reset"]
    tag: str = Field(default="", max_length=ACTION_TEXT_CHARS)
    word: str = Field(default="", max_length=ACTION_TEXT_CHARS)

    def label(self) -> str:
        if self.op == "add":
            return f"+ {self.tag}"
        if self.op == "drop":
            return f"− #{self.tag}" if self.tag else f"− '{self.word}'"
        if self.op == "try":
            return f"#{self.tag}"
        return "More results" if self.op == "more" else "Start over"


class Alternative(BaseModel):
    """An offer shown when nothing matched, with the number of results it would give."""

    action: Action
    count: int


class TurnKind(str, Enum):
    RESULTS = "results"
    PROMPT = "prompt"  # nothing left to search for: ask what they want
    USAGE = "usage"  # the request was empty


class Turn(BaseModel):
    """One answer: the results page for the current query, and what changed to get there."""

    kind: TurnKind
    request: str = ""
    change: str = ""
    response: SearchResponse | None = None
    page: int = 0
    alternatives: list[Alternative] = []


class Delivery(NamedTuple):
    """Where a turn was shown: the message ts, and the threads replies to it will arrive in."""

    ts: str | None
    keys: tuple[ThreadKey, ...] = ()
