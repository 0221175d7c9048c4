"""Conversation state: what each thread last searched for, and which events were handled.

The bot is stateless between requests; everything a thread reply or a button click needs
lives behind :class:`StateStore`, so a restart (or a second process) picks up where the
last one stopped. :mod:`bot.sqlite_store` is the default; :mod:`bot.redis_store` lets
several processes share one Redis server (:func:`bot.stores.open_store` picks one).

Claims are the journal that makes "exactly once" and "nothing lost" hold together: a
request is claimed before it is acknowledged and finished once answered; a claim left
open by a process that died may be taken over, and :meth:`StateStore.abandoned` lists
those so the next process can answer them.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from pydantic import BaseModel

from retrieval.models import Query

CLAIM_LIFETIME = 24 * 3600  # Slack retries within minutes; a day is plenty.
# An open claim this old is abandoned whoever owns it: a reply takes seconds, never minutes.
STALE_CLAIM = 15 * 60


class ThreadKey(NamedTuple):
    """Where a conversation lives. ``thread`` is the Slack thread ts (or a fixed name)."""

    team: str
    channel: str
    thread: str


MAX_HISTORY = 10


class Step(BaseModel):
    """One earlier search of a conversation, to go back to."""

    query: Query
    page: int = 0
    page_size: int = 0


class ThreadState(BaseModel):
    """A conversation's search as last shown: in a thread, or on one of the bot's messages.

    ``page_size`` 0 is the bot's default. ``asker`` started the search (in a channel only
    they steer it without mentioning the bot). ``shown`` holds the ids of the results on
    the page shown, so "more like the second one" knows which project that was, and
    ``history`` the searches before, newest last, for "undo". An empty query is a thread
    that waits for a request (after the usage text, or "start over").
    """

    query: Query
    page: int = 0
    page_size: int = 0
    asker: str = ""
    shown: list[str] = []
    history: list[Step] = []

    def then(self, query: Query, page: int = 0, page_size: int | None = None) -> ThreadState:
        """The next search of this conversation; this one goes on the history."""
        step = Step(query=self.query, page=self.page, page_size=self.page_size)
        return ThreadState(
            query=query,
            page=page,
            page_size=self.page_size if page_size is None else page_size,
            asker=self.asker,
            history=[*self.history, step][-MAX_HISTORY:],
        )

    def undone(self) -> ThreadState:
        """The search before the last change (the caller checks there is one)."""
        step = self.history[-1]
        return ThreadState(
            query=step.query, page=step.page, page_size=step.page_size, asker=self.asker, history=self.history[:-1]
        )


class OpenClaim(NamedTuple):
    """A claim left unfinished by a process that is gone; ``job`` is the request as JSON."""

    event: str
    job: str | None
    claimed_at: float


class StateStoreError(Exception):
    """The state store cannot be opened or used; the message says which file or server and why."""


class Turn(Protocol):
    """A request's place in the line of one conversation (see :meth:`StateStore.ordered`)."""

    def __enter__(self) -> None:
        """Wait until every earlier place in the line has left."""

    def __exit__(self, *exc: object) -> None:
        """Leave the line: the next place may go."""

    def skip(self) -> None:
        """Leave the line without waiting (a request that will not run); leaving twice is harmless."""


class StateStore(Protocol):
    def load(self, key: ThreadKey) -> ThreadState | None:
        """The live state of a thread, or None when unknown or expired."""

    def save(self, key: ThreadKey, state: ThreadState) -> None:
        """Replace the thread's state and refresh its expiry."""

    def forget(self, key: ThreadKey) -> None:
        """Drop a thread's state (its first answer could not be posted)."""

    def claim(self, event: str, job: str | None = None) -> bool:
        """True once per event key across threads, processes and restarts, unless the owner
        of the claim died before finishing it; ``job`` is what is needed to replay it."""

    def finish(self, event: str) -> None:
        """The claimed event is answered (or given up); later claims of it are duplicates."""

    def abandoned(self) -> list[OpenClaim]:
        """Unfinished claims whose owner process is gone, oldest first."""

    def expire(self) -> int:
        """Forget threads and claims past their lifetime; returns how many rows went."""

    def ordered(self, key: tuple[str, ...]) -> Turn:
        """A place in the line of ``key`` (a conversation), taken now: call it when the request
        arrives and enter it when its work runs. Places are served one at a time in the order
        they were taken, in every process on the store; every place must be entered or skipped."""

    def close(self) -> None:
        """Release the store; later calls are errors."""
