"""The search log: one row per answered search, with its votes and clicks, for `findproject report`.

Why it exists: the bot answers and forgets, so maintainers cannot see what people asked
for, what found nothing, what was useless, or which projects nobody is shown. This keeps
what a report needs and no more.

The privacy rules are applied here, once, for every backend (bot/searchlog_sqlite.py,
bot/searchlog_redis.py; bot/stores.py picks one):

- a user id is turned into its HMAC (bot/user_keys.py) before anything is stored, and so is
  a direct message's channel id, which names one person as surely;
- with ``LOG_REQUEST_TEXT=false`` neither the request nor its keywords and phrases (the
  words the user typed) are kept, only the catalog's tags and the counts;
- rows older than ``LOG_RETENTION_DAYS`` are deleted when a log is opened and then at
  most once an hour, as it writes; a vote or click goes with its search.

A log that fails (a locked file, Redis away) must never cost a user their answer: the
``record_*`` methods log a warning and carry on.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from enum import Enum
from typing import Annotated, NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field

from bot.events import Click, Command, ConsoleLine, DirectMessage, Event, Mention, ThreadReply
from bot.store import StateStoreError
from bot.user_keys import UserKeys
from retrieval.models import SearchResponse

log = logging.getLogger(__name__)
DAY = 86400
PURGE_INTERVAL = 3600


class Surface(str, Enum):
    """Where a turn came from."""

    MENTION = "mention"
    COMMAND = "command"
    DM = "dm"
    THREAD = "thread"
    BUTTON = "button"
    CONSOLE = "console"


class Vote(str, Enum):
    """A feedback button; the values end the buttons' action ids (findproject.feedback.<vote>)."""

    HELPFUL = "helpful"
    NOT_HELPFUL = "not_helpful"


class VoteResult(str, Enum):
    RECORDED = "recorded"  # the user's first vote on this search
    CHANGED = "changed"  # the user had voted the other way: the vote is replaced, not added
    SAME = "same"  # the same vote again: nothing changes
    UNKNOWN = "unknown"  # no such search in the log (purged, never logged, or a forged value): nothing stored


# A search id travels in button values, which anyone can forge: a bounded one is harmless as a key.
SearchId = Annotated[str, Field(min_length=1, max_length=128)]


class SearchRecord(BaseModel):
    """One turn that showed a results page: a new request, a refinement, a button, a page."""

    search_id: SearchId
    message_ts: str | None = None
    at: datetime
    surface: Surface
    team: str = ""
    channel: str = ""
    user_key: str
    request: str | None = None  # None when LOG_REQUEST_TEXT=false
    keywords: list[str] = Field(default_factory=list)  # the parser's keywords and phrases; [] without text
    include_tags: list[str] = Field(default_factory=list)
    exclude_tags: list[str] = Field(default_factory=list)
    expanded_tags: list[str] = Field(default_factory=list)
    total: int = Field(ge=0)
    relaxed: bool = False
    shown: list[str] = Field(default_factory=list)  # project ids on the page, in rank order
    page: int = Field(default=0, ge=0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def zero_result(self) -> bool:
        return self.total == 0


class VoteRecord(BaseModel):
    """A user's current vote on a search; ``changes`` counts how often they changed their mind."""

    search_id: SearchId
    user_key: str
    vote: Vote
    at: datetime
    changes: int = Field(default=0, ge=0)


class ClickRecord(BaseModel):
    """An "Open" button click; ``rank`` is the result's place in the whole list (1 = first of page 1)."""

    search_id: SearchId
    user_key: str
    project_id: str
    rank: int = Field(ge=1)
    at: datetime


class LogWindow(NamedTuple):
    """The searches made in a time window, oldest first, with every vote and click on them."""

    searches: list[SearchRecord]
    votes: list[VoteRecord]
    clicks: list[ClickRecord]


def surface_of(event: Event) -> Surface:
    """The surface a conversation event came from (a mention inside a thread refines, like a reply)."""
    if isinstance(event, Mention):
        return Surface.THREAD if event.in_thread else Surface.MENTION
    surfaces = {
        ThreadReply: Surface.THREAD,
        DirectMessage: Surface.DM,
        Command: Surface.COMMAND,
        Click: Surface.BUTTON,
        ConsoleLine: Surface.CONSOLE,
    }
    return surfaces[type(event)]


class OpenRef(BaseModel):
    """What an "Open" url button carries, so its click can be logged: the search, the project and its rank.

    Anyone can forge a button value, so it is read back with :meth:`read`, never trusted as JSON.
    """

    model_config = ConfigDict(frozen=True)

    search: SearchId
    project: str = Field(min_length=1, max_length=128)
    rank: int = Field(ge=1, le=100_000)

    def value(self) -> str:
        return self.model_dump_json()

    @classmethod
    def read(cls, value: object) -> OpenRef | None:
        """The reference in a button value, or None for one that is not ours."""
        try:
            return cls.model_validate_json(value if isinstance(value, str) else "")
        except ValidationError:
            return None


def new_search_id() -> str:
    """An id for a search, made before its message is built so its buttons can carry it."""
    return uuid.uuid4().hex


def search_record(
    response: SearchResponse,
    *,
    request: str,
    surface: Surface | str,
    team: str,
    channel: str,
    user_key: str,
    page: int,
    keep_text: bool,
    at: datetime,
    search_id: str,
    message_ts: str | None = None,
) -> SearchRecord:
    """The log row of a turn (pure): what was understood and found, without text unless ``keep_text``."""
    parsed = response.parsed
    return SearchRecord(
        search_id=search_id,
        message_ts=message_ts,
        at=at,
        surface=Surface(surface),
        team=team,
        channel=channel,
        user_key=user_key,
        request=request if keep_text else None,
        keywords=[*parsed.keywords, *parsed.phrases] if keep_text else [],
        include_tags=parsed.include_tags,
        exclude_tags=parsed.exclude_tags,
        expanded_tags=[expanded.tag for expanded in parsed.expanded_tags],
        total=response.total,
        relaxed=response.relaxed,
        shown=[str(r.project.id) for r in response.results],
        page=page,
    )


class SearchLog(Protocol):
    """What the bot records and the report reads. User ids go in raw; only their keys are stored."""

    def record_search(
        self,
        response: SearchResponse,
        *,
        request: str,
        surface: Surface | str,
        team: str,
        channel: str,
        user: str,
        page: int = 0,
        search_id: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """Log a results turn; returns its search id (``search_id`` when given, else a new one)."""

    def record_feedback(self, search_id: str, user: str, vote: Vote | str) -> VoteResult:
        """One vote per user and search: a second click changes the vote, never adds one."""

    def record_click(self, search_id: str, project_id: str, rank: int, user: str) -> bool:
        """Log an "Open" click on the result at ``rank``; False when the search is not in the log."""

    def read(self, since: datetime, until: datetime) -> LogWindow:
        """The searches made from ``since`` (inclusive) to ``until`` (exclusive), with their votes and clicks."""

    def close(self) -> None:
        """Release the connection."""


class NullSearchLog:
    """SEARCH_LOG=false: records nothing, reads an empty log."""

    def record_search(
        self,
        response: SearchResponse,
        *,
        request: str,
        surface: Surface | str,
        team: str,
        channel: str,
        user: str,
        page: int = 0,
        search_id: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        return search_id or new_search_id()

    def record_feedback(self, search_id: str, user: str, vote: Vote | str) -> VoteResult:
        return VoteResult.UNKNOWN

    def record_click(self, search_id: str, project_id: str, rank: int, user: str) -> bool:
        return False

    def read(self, since: datetime, until: datetime) -> LogWindow:
        return LogWindow([], [], [])

    def close(self) -> None:
        pass


class RecordingLog(ABC):
    """The privacy rules and the purge schedule, over a backend's storage calls.

    A backend opens its connection, then calls ``super().__init__``, which purges at once.
    Its storage calls raise StateStoreError (one line naming the file or server) on failure.
    """

    def __init__(self, secret: bytes | None, keep_text: bool, retention_days: float, clock: Callable[[], float] = time.time):
        self.keys = UserKeys(secret, self._stored_secret)
        self.keep_text = keep_text
        self.retention = retention_days * DAY
        self.clock = clock
        self._purge_lock = threading.Lock()
        self._last_purge = 0.0
        self.purge()

    # ---- what the bot records -------------------------------------------------------------

    def record_search(
        self,
        response: SearchResponse,
        *,
        request: str,
        surface: Surface | str,
        team: str,
        channel: str,
        user: str,
        page: int = 0,
        search_id: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        search_id = search_id or new_search_id()
        with self._guarded("a search"):
            self._put_search(
                search_record(
                    response,
                    request=request,
                    surface=surface,
                    team=team,
                    channel=self._channel(channel),
                    user_key=self.keys(user),
                    page=page,
                    keep_text=self.keep_text,
                    at=self._now(),
                    search_id=search_id,
                    message_ts=message_ts,
                )
            )
        return search_id

    def record_feedback(self, search_id: str, user: str, vote: Vote | str) -> VoteResult:
        result = VoteResult.UNKNOWN
        with self._guarded("a vote"):
            result = self._put_vote(VoteRecord(search_id=search_id, user_key=self.keys(user), vote=Vote(vote), at=self._now()))
        return result

    def record_click(self, search_id: str, project_id: str, rank: int, user: str) -> bool:
        recorded = False
        with self._guarded("a click"):
            recorded = self._put_click(
                ClickRecord(search_id=search_id, user_key=self.keys(user), project_id=str(project_id), rank=rank, at=self._now())
            )
        return recorded

    def purge(self) -> int:
        """Delete the searches older than the retention, with their votes and clicks; returns how many searches."""
        now = self.clock()
        with self._purge_lock:
            self._last_purge = now
        return self._purge(now - self.retention)

    # ---- storage: each backend's own ------------------------------------------------------

    @abstractmethod
    def _put_search(self, record: SearchRecord) -> None:
        """Store the search (again: the same id replaces it, so a replayed turn is logged once)."""

    @abstractmethod
    def _put_vote(self, vote: VoteRecord) -> VoteResult:
        """Store, replace or keep the user's vote, atomically across processes."""

    @abstractmethod
    def _put_click(self, click: ClickRecord) -> bool:
        """Append the click when its search is in the log."""

    @abstractmethod
    def _purge(self, before: float) -> int:
        """Delete the searches made before ``before`` (epoch seconds) with their votes and clicks."""

    @abstractmethod
    def _stored_secret(self) -> str:
        """The random user-key secret kept in the state (hex), made by the first process that needs it."""

    @abstractmethod
    def read(self, since: datetime, until: datetime) -> LogWindow:
        """See :meth:`SearchLog.read`."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    # ---- internals ------------------------------------------------------------------------

    def _channel(self, channel: str) -> str:
        """A direct message's channel (D…) is one person's, so it is keyed like their user id."""
        return self.keys(channel) if channel.startswith("D") else channel

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), timezone.utc)

    @contextmanager
    def _guarded(self, what: str) -> Iterator[None]:
        """Around a write: a failure is a warning (the user still gets their answer); then the hourly purge."""
        try:
            yield
            if self._due():
                self.purge()
        except (StateStoreError, ValueError) as exc:  # ValueError: a vote or rank that is not one
            log.warning("the search log could not record %s: %s", what, exc)

    def _due(self) -> bool:
        with self._purge_lock:
            return self.clock() - self._last_purge >= PURGE_INTERVAL
