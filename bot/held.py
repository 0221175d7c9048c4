"""Requests that arrived while the state store was away: acknowledged, held here, answered once it is back.

A request is claimed and takes its place in line before Slack gets its acknowledgement
(bot.slack_app). When the store cannot be reached for that (Redis restarting, a network
blip), the request is acknowledged all the same, so Slack neither retries it into the
outage nor shows the user an error, and it is held here, in arrival order. A background
thread dispatches the oldest one again through the same app, after BACKOFF seconds and
then doubling up to MAX_BACKOFF; once the store answers, the held requests go through
the usual path one by one: claimed (a retry that another process already answered is a
duplicate there), queued in their conversations, answered. While anything is held,
newcomers are held behind it, so this process keeps the arrival order.

Bounded: at most LIMIT requests, each for at most PATIENCE seconds; what does not fit or
waits longer is given up, and the log says how many. Held requests live only in this
process's memory (the store that would journal them is what is away): a process that
stops before the store is back loses them, and says so.

The log has one line when the store goes away (the first request held) and one when it
is back (how many were answered, after how long).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from retrieval.plurals import plural

log = logging.getLogger(__name__)
LIMIT = 1000
PATIENCE = 300.0  # seconds; Slack's response_url lives 30 minutes, a user's patience less
BACKOFF = 0.25
MAX_BACKOFF = 5.0
HELD_KEY = "findproject.held"  # in the context of a held request dispatched again
STILL_AWAY = 503  # what the app answers a held request it could not journal yet


class Held:
    """The held requests of one app, and the thread that dispatches them again."""

    def __init__(
        self,
        dispatch: Callable[[BoltRequest], BoltResponse],
        limit: int = LIMIT,
        patience: float = PATIENCE,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._dispatch = dispatch
        self._limit = limit
        self._patience = patience
        self._clock = clock
        self._lock = threading.Lock()
        self._queue: deque[tuple[dict[str, Any], float]] = deque()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._given_up = 0

    def waiting(self) -> bool:
        """Whether requests are held: a newcomer then waits behind them."""
        with self._lock:
            return bool(self._queue)

    def hold(self, body: dict[str, Any], reason: str) -> None:
        """Keep ``body`` to dispatch again once the store is back (it has been acknowledged)."""
        with self._lock:
            if len(self._queue) >= self._limit:
                self._given_up += 1
                return
            if not self._queue and self._thread is None:
                log.error(
                    "the state store is unreachable (%s); acknowledging requests and holding them here "
                    "until it is back (at most %d, for %d s)",
                    reason,
                    self._limit,
                    self._patience,
                )
            self._queue.append((body, self._clock()))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="held", daemon=True)
                self._thread.start()

    def close(self) -> None:
        """Stop dispatching; what is still held is lost, and the log says how much."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join()
        with self._lock:
            if self._queue:
                log.error(
                    "stopping with %s held while the state store was away; they go unanswered",
                    plural(len(self._queue), "request"),
                )
                self._queue.clear()

    def _run(self) -> None:
        began = self._clock()
        answered = 0
        delay = BACKOFF
        while not self._stop.wait(delay):
            given_up, moved = self._dispatch_held()
            answered += moved
            if given_up is not None:
                log.warning(
                    "the state store is back: answered %s held for up to %.1f s%s",
                    plural(answered, "request"),
                    self._clock() - began,
                    f"; gave up {plural(given_up, 'request')} that did not fit or waited too long" if given_up else "",
                )
                return
            delay = BACKOFF if moved else min(delay * 2, MAX_BACKOFF)

    def _dispatch_held(self) -> tuple[int | None, int]:
        """Dispatch the held requests, oldest first, until one finds the store still away.
        Returns how many were given up once none is left (None while some are), and how many
        went through. The thread ends with the queue, in one step, so a newcomer starts another."""
        moved = 0
        while not self._stop.is_set():
            with self._lock:
                if not self._queue:
                    self._thread = None
                    given_up, self._given_up = self._given_up, 0
                    return given_up, moved
                body, since = self._queue[0]
                if self._clock() - since > self._patience:
                    self._queue.popleft()
                    self._given_up += 1
                    continue
            response = self._dispatch(BoltRequest(body=body, mode="socket_mode", context={HELD_KEY: True}))
            if response.status == STILL_AWAY:
                return None, moved
            with self._lock:
                self._queue.popleft()
            moved += 1
        return None, moved
