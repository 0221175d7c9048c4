"""Progress bars for long work (validating a large catalog, indexing it), on stderr only.

A bar shows only when stderr is a terminal and the job has at least MIN_ITEMS items, so
logs, pipes and JSON output never see one and small catalogs load without flicker. The
CLI turns bars off for ``--json`` with :func:`hidden`.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

MIN_ITEMS = 10_000
STEPS = 200  # updates per bar: often enough to look live, rare enough to cost nothing per item
READING_STEP = 500  # records between updates of a bar over a file being read
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
_shown = ContextVar("findproject_progress_shown", default=True)


class _Rate(ProgressColumn):
    """Items per second, e.g. ``52,310/s``."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f}/s" if task.speed else "", style="progress.data.speed")


def tracked(items: Collection[T], description: str) -> Iterator[T]:
    """``items``, one by one, with a bar on a terminal for a large enough job."""
    total = len(items)
    if total < MIN_ITEMS or not _shown.get() or not sys.stderr.isatty():
        yield from items
        return
    step = max(1, total // STEPS)
    with Progress(*_columns(), console=Console(file=sys.stderr)) as progress:
        task = progress.add_task(description, total=total)
        for done, item in enumerate(items, start=1):
            yield item
            if done % step == 0 or done == total:
                progress.update(task, completed=done)


class Reading(Iterable[T_co], Protocol):
    """Records read from a file: how far the reading is, in characters."""

    size: int
    done: int


def tracked_reading(records: Reading[T], description: str) -> Iterator[T]:
    """A file's records as they are read, with a bar for a large enough file.

    The record count is not known until the end, so the bar's total is estimated from the
    characters read so far and made exact at the end; it appears once the estimate reaches
    MIN_ITEMS.
    """
    if not _shown.get() or not sys.stderr.isatty():
        yield from records
        return
    progress: Progress | None = None
    count = 0
    try:
        for count, item in enumerate(records, start=1):
            yield item
            if count % READING_STEP == 0:
                estimate = max(count, round(count * records.size / max(1, records.done)))
                if progress is None and estimate >= MIN_ITEMS:
                    progress = Progress(*_columns(), console=Console(file=sys.stderr))
                    progress.start()
                    task = progress.add_task(description, total=estimate)
                if progress is not None:
                    progress.update(task, total=estimate, completed=count)
        if progress is not None:
            progress.update(task, total=count, completed=count)
    finally:
        if progress is not None:
            progress.stop()


def _columns() -> tuple[ProgressColumn, ...]:
    return TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _Rate(), TimeElapsedColumn()


@contextmanager
def hidden() -> Iterator[None]:
    """No bars inside this block (output that must stay machine-readable)."""
    token = _shown.set(False)
    try:
        yield
    finally:
        _shown.reset(token)
