"""Answering, while this process runs, what another process left unanswered when it died.

bot.recovery.replay runs once at start-up, which is enough for one process. With several
processes on one Redis a process can die while the others run on, and its claims read as
abandoned only once its lease lapses (bot.redis_lease), after a restart has long happened.
So every SWEEP_INTERVAL seconds the running process replays the abandoned claims again.
Taking a claim over is atomic, so of all the processes sweeping one answers each.
"""

from __future__ import annotations

import logging
import threading

from slack_bolt import App

from bot.recovery import replay
from bot.store import StateStore

log = logging.getLogger(__name__)
SWEEP_INTERVAL = 5.0


class Sweeper:
    """A background thread replaying abandoned claims until :meth:`stop`."""

    def __init__(self, app: App, store: StateStore, interval: float = SWEEP_INTERVAL):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(app, store, interval), name="sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self, app: App, store: StateStore, interval: float) -> None:
        failing = False
        while not self._stop.wait(interval):
            try:
                replay(app, store)
            except Exception as exc:  # the store is away (logged by whoever needs it); try again later
                if not failing:
                    log.error("cannot look for requests stopped processes left unanswered: %s", exc)
                failing = True
                continue
            failing = False
