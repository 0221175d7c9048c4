"""The journal of claims: every request is answered once, and none is lost to a crash.

A request is claimed (with the request itself as the job) before Slack gets its
acknowledgement (bot.slack_app), and finished once it has been answered, ignored or
given up: ``with journal.claimed(key):`` around the work makes that one place. A claim a
dead process left open is answered again after the restart (bot.recovery).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from bot.store import StateStore

log = logging.getLogger(__name__)


class Journal:
    def __init__(self, store: StateStore):
        self.store = store

    def claim(self, key: str, job: str | None = None) -> bool:
        """True the first time ``key`` is claimed (or when its claimer died before finishing)."""
        return self.store.claim(key, job)

    @contextmanager
    def claimed(self, *keys: str | None) -> Iterator[None]:
        """Finish these claims when the block ends, however it ends."""
        try:
            yield
        finally:
            self.finish(*keys)

    def finish(self, *keys: str | None) -> None:
        """The request needs nothing more; a failure to record that is logged, never raised."""
        for key in keys:
            if key:
                try:
                    self.store.finish(key)
                except Exception as exc:  # the claim then reads as open until it goes stale; never fatal
                    log.error("could not mark %s finished: %s", key, exc.__class__.__name__)
