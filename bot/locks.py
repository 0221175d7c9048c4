"""One queue per conversation, so replies to the same thread apply one after another."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import Executor
from functools import partial

log = logging.getLogger(__name__)


class Slot:
    """A place in one key's queue, reserved before its work is known (see KeyedQueues.reserve)."""

    def __init__(self, queues: KeyedQueues, key: Hashable | None):
        self._queues = queues
        self.key = key
        self.work: Callable[[], None] | None = None

    def fill(self, work: Callable[[], None]) -> None:
        """The work for this place; it runs once every earlier place of the key is done."""
        self._queues._fill(self, work)

    def cancel(self) -> None:
        """Nothing will run here: the places behind it go on. Harmless after fill or cancel."""
        self._queues._fill(self, _nothing)


def _nothing() -> None:
    pass


class KeyedQueues:
    """Runs work on an executor, one item at a time per key, in the order of the places taken.

    Work for different keys runs in parallel on the executor's threads; work for the same
    key (a conversation) runs strictly in order, so the replies to one thread apply in the
    order the bot received the messages. A place can be reserved when a request arrives
    and filled later (bot.runner: the store's line is taken at the same moment, so both
    orders agree); the key's queue waits at a place until it is filled or cancelled.
    ``key=None`` means no order at all.
    """

    def __init__(self, executor: Executor) -> None:
        self.executor = executor
        self._guard = threading.Lock()
        self._pending: dict[Hashable, deque[Slot]] = {}
        self._draining: set[Hashable] = set()

    def reserve(self, key: Hashable | None) -> Slot:
        slot = Slot(self, key)
        if key is not None:
            with self._guard:
                self._pending.setdefault(key, deque()).append(slot)
        return slot

    def submit(self, key: Hashable | None, work: Callable[[], None]) -> None:
        self.reserve(key).fill(work)

    def _fill(self, slot: Slot, work: Callable[[], None]) -> None:
        work = partial(contextvars.copy_context().run, work)  # the submitter's request ids (bot.request_info)
        if slot.key is None:
            if slot.work is None:
                slot.work = work
                self.executor.submit(work)
            return
        key = slot.key
        with self._guard:
            if slot.work is not None:
                return
            slot.work = work
            start = self._pending[key][0] is slot and key not in self._draining
            if start:
                self._draining.add(key)
        if start:
            try:
                self.executor.submit(self._drain, key)
            except BaseException:
                with self._guard:
                    self._draining.discard(key)
                raise

    def _drain(self, key: Hashable) -> None:
        while True:
            with self._guard:
                queue = self._pending[key]
                if not queue:
                    del self._pending[key]
                    self._draining.discard(key)
                    return
                work = queue[0].work
                if work is None:  # its request is not handed over yet: filling it starts the drain again
                    self._draining.discard(key)
                    return
            try:
                work()
            except Exception:  # the work reports its own failures; the queue must go on regardless
                log.exception("unreported failure in queued work")
            finally:
                with self._guard:
                    queue.popleft()

    def __len__(self) -> int:
        with self._guard:
            return sum(len(queue) for queue in self._pending.values())
