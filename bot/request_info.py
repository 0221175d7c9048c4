"""Which Slack request the current work belongs to: its surface, ids and start time.

bot.slack_app sets it for each request before Bolt runs the listener; the listener and
reply threads run in a copy of that context (bot.slack_app's executor, bot.locks'
queues), so the JSON log lines (bot.logs) and the metrics (bot.metrics) of a request can
name it without passing it along. It holds ids only, never message text.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@dataclass(frozen=True)
class RequestInfo:
    surface: str  # mention, message, command, button or other
    event_id: str | None = None
    team: str | None = None
    channel: str | None = None
    started: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def ids(self) -> dict[str, str]:
        """The ids that are known, for a log line."""
        known = {"event_id": self.event_id, "team": self.team, "channel": self.channel}
        return {name: value for name, value in known.items() if value}


_current: ContextVar[RequestInfo | None] = ContextVar("findproject_request", default=None)


def current() -> RequestInfo | None:
    return _current.get()


@contextmanager
def handling(info: RequestInfo) -> Iterator[None]:
    """``info`` is the current request inside this block (and in work it hands to other threads)."""
    token = _current.set(info)
    try:
        yield
    finally:
        _current.reset(token)


def describe(body: dict[str, Any]) -> RequestInfo:
    """The surface and ids of a Slack request body (event, slash command or block action)."""
    if body.get("type") == "event_callback":
        surface = {"app_mention": "mention", "message": "message"}.get(str(_at(body, "event", "type")), "other")
        return RequestInfo(surface, _at(body, "event_id"), _at(body, "team_id"), _at(body, "event", "channel"))
    if body.get("type") == "block_actions":
        channel = _at(body, "container", "channel_id") or _at(body, "channel", "id")
        return RequestInfo("button", team=_at(body, "team", "id"), channel=channel)
    if "command" in body:
        return RequestInfo("command", team=_at(body, "team_id"), channel=_at(body, "channel_id"))
    return RequestInfo("other", team=_at(body, "team_id"))


def _at(body: dict[str, Any], *path: str) -> str | None:
    """The Slack id at ``path`` in the body, or None where there is none (or no id-like string)."""
    value: Any = body
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) and _ID.fullmatch(value) else None
