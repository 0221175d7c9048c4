"""Lines per conversation: requests take a place when they arrive and run in that order.

A :class:`Ticket` is the :class:`bot.store.Turn` every store hands out; the store's line
decides when a ticket's turn has come. :class:`LocalLine` orders the threads of one
process, which is all the SQLite store needs (several processes need Redis, see
:mod:`bot.redis_line`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol


class Line(Protocol):
    def wait(self, key: tuple[str, ...], number: int) -> None:
        """Return once ticket ``number`` is the first in the line of ``key``."""

    def leave(self, key: tuple[str, ...], number: int) -> None:
        """Ticket ``number`` is done (or will never run): the line moves past it."""


class Ticket:
    """One place in a line: ``with ticket:`` waits for its turn and leaves at the end."""

    def __init__(self, line: Line, key: tuple[str, ...], number: int):
        self.line = line
        self.key = key
        self.number = number
        self._left = False

    def __enter__(self) -> None:
        try:
            self.line.wait(self.key, self.number)
        except BaseException:
            self.skip()  # a place that cannot wait must not hold up the ones behind it
            raise

    def __exit__(self, *exc: object) -> None:
        self.skip()

    def skip(self) -> None:
        if not self._left:
            self._left = True
            self.line.leave(self.key, self.number)

    def __repr__(self) -> str:
        return f"Ticket({self.key!r}, {self.number})"


@dataclass
class _Queue:
    last: int = 0  # the last ticket handed out
    serving: int = 1  # the first ticket that has not left
    left: set[int] = field(default_factory=set)  # tickets that left before their turn


class LocalLine:
    """Tickets per key in this process; a key's state goes once its last ticket has left."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._queues: dict[tuple[str, ...], _Queue] = {}

    def take(self, key: tuple[str, ...]) -> Ticket:
        with self._changed:
            queue = self._queues.setdefault(key, _Queue())
            queue.last += 1
            return Ticket(self, key, queue.last)

    def wait(self, key: tuple[str, ...], number: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._queues[key].serving == number)

    def leave(self, key: tuple[str, ...], number: int) -> None:
        with self._changed:
            queue = self._queues[key]
            queue.left.add(number)
            while queue.serving in queue.left:
                queue.left.remove(queue.serving)
                queue.serving += 1
            if queue.serving > queue.last:
                del self._queues[key]
            self._changed.notify_all()

    def __len__(self) -> int:
        """How many keys have tickets out."""
        with self._changed:
            return len(self._queues)
