"""Conversation state: what each thread last searched for, and which events were handled.

The bot is stateless between requests; everything a thread reply or a button click needs
lives behind :class:`StateStore`, so a restart (or a second process) picks up where the
last one stopped. :mod:`bot.sqlite_store` is the default; a networked store only has to
implement the same six methods.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from pydantic import BaseModel

from retrieval.models import Query


class ThreadKey(NamedTuple):
    """Where a conversation lives. ``thread`` is the Slack thread ts (or a fixed name)."""

    team: str
    channel: str
    thread: str


class ThreadState(BaseModel):
    """The last query shown in a thread, the page it was on, and the bot's message."""

    query: Query
    page: int = 0
    bot_ts: str | None = None


class StateStoreError(Exception):
    """The state store cannot be opened or used; the message says which file and why."""


class StateStore(Protocol):
    def load(self, key: ThreadKey) -> ThreadState | None:
        """The live state of a thread, or None when unknown or expired."""

    def save(self, key: ThreadKey, state: ThreadState) -> None:
        """Replace the thread's state and refresh its expiry."""

    def forget(self, key: ThreadKey) -> None:
        """Drop a thread's state (its first answer could not be posted)."""

    def claim(self, event: str) -> bool:
        """True exactly once per event key, across threads, processes and restarts."""

    def expire(self) -> int:
        """Forget threads and claims past their lifetime; returns how many rows went."""

    def close(self) -> None:
        """Release the store; later calls are errors."""
