"""What the conversation core hands back: the turn to show, and the state to keep."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.store import ThreadKey, ThreadState
from retrieval.alternatives import Alternative, Change
from retrieval.models import SearchResponse

# A button value holds at most 2,000 characters; a click claiming a longer tag or word is forged.
ACTION_TEXT_CHARS = 1000
MESSAGE_ID_CHARS = 32
MAX_PAGE = 10_000


class Action(BaseModel):
    """A button: a change to the search of the message it sits on, a page of it, or start over.

    ``message`` names that message's stored state; the search itself never travels in the
    value. ``page`` is the page the button leads to, so a double click shows it twice
    instead of skipping one.
    """

    model_config = ConfigDict(frozen=True)

    op: Literal["change", "page", "reset"]
    change: Change | None = None
    page: int = Field(default=0, ge=0, le=MAX_PAGE)
    message: str = Field(default="", max_length=MESSAGE_ID_CHARS)

    @model_validator(mode="after")
    def _complete(self) -> Action:
        if (self.op == "change") != (self.change is not None):
            raise ValueError("a change button needs a change, and only it")
        if self.change and max(len(self.change.tag), len(self.change.word)) > ACTION_TEXT_CHARS:
            raise ValueError("the tag or word is longer than any button could carry")
        return self


def label(action: Action) -> str:
    """The words on a button."""
    change = action.change
    if change is None:
        return "More results" if action.op == "page" else "Start over"
    if change.op == "add":
        return f"+ {change.tag}"
    if change.op == "drop":
        return f"− #{change.tag}" if change.tag else f"− '{change.word}'"
    return f"#{change.tag}"


class TurnKind(str, Enum):
    RESULTS = "results"
    PROMPT = "prompt"  # nothing left to search for: ask what they want
    USAGE = "usage"  # an empty request, or "help"
    NOTICE = "notice"  # one line, the search unchanged: not understood, nothing to undo...
    EXPIRED = "expired"  # a button whose search is gone


class Turn(BaseModel):
    """One answer: a page of results and what changed to get there, or a line of text.

    ``id`` names the state stored for this very message, which its buttons act on.
    """

    kind: TurnKind
    id: str = ""
    request: str = ""
    change: str = ""
    response: SearchResponse | None = None
    page: int = 0
    alternatives: list[Alternative] = []


@dataclass(frozen=True)
class Outcome:
    """The result of one event: the turn to show (None: say nothing) and the state to save
    under each of ``keys`` once it is shown. ``heard`` marks an acknowledgement ("thanks")
    as opposed to a message that was not for the bot at all."""

    turn: Turn | None = None
    state: ThreadState | None = None
    keys: tuple[ThreadKey, ...] = ()
    heard: bool = False
