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


class KeyedQueues:
    """Runs work on an executor, one item at a time per key, in the order it was submitted.

    Work for different keys runs in parallel on the executor's threads; work for the same
    key (a conversation) runs strictly in submission order, so the replies to one thread
    apply in the order the bot received the messages. ``key=None`` means no order at all.
    """

    def __init__(self, executor: Executor) -> None:
        self.executor = executor
        self._guard = threading.Lock()
        self._pending: dict[Hashable, deque[Callable[[], None]]] = {}

    def submit(self, key: Hashable | None, work: Callable[[], None]) -> None:
        work = partial(contextvars.copy_context().run, work)  # the submitter's request ids (bot.request_info)
        if key is None:
            self.executor.submit(work)
            return
        with self._guard:
            queue = self._pending.get(key)
            if queue is not None:  # a drain for this key is queued or running: it will take this too
                queue.append(work)
                return
            self._pending[key] = deque([work])
        try:
            self.executor.submit(self._drain, key)
        except BaseException:
            with self._guard:
                del self._pending[key]
            raise

    def _drain(self, key: Hashable) -> None:
        while True:
            with self._guard:
                queue = self._pending[key]
                if not queue:
                    del self._pending[key]
                    return
                work = queue[0]
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
