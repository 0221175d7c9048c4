"""Progress bars for long work (validating a large catalog, indexing it), on stderr only.

A bar shows only when stderr is a terminal and the job has at least MIN_ITEMS items, so
logs, pipes and JSON output never see one and small catalogs load without flicker. The
CLI turns bars off for ``--json`` with :func:`hidden`.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

MIN_ITEMS = 10_000
STEPS = 200  # updates per bar: often enough to look live, rare enough to cost nothing per item
T = TypeVar("T")
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
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _Rate(), TimeElapsedColumn())
    step = max(1, total // STEPS)
    with Progress(*columns, console=Console(file=sys.stderr)) as progress:
        task = progress.add_task(description, total=total)
        for done, item in enumerate(items, start=1):
            yield item
            if done % step == 0 or done == total:
                progress.update(task, completed=done)


@contextmanager
def hidden() -> Iterator[None]:
    """No bars inside this block (output that must stay machine-readable)."""
    token = _shown.set(False)
    try:
        yield
    finally:
        _shown.reset(token)

