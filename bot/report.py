"""`findproject report`: what people asked, what they found, and what the catalog does not cover.

It reads the search log (bot/searchlog.py) in the configured state (STATE_DB_PATH or
STATE_URL) or in ``--state FILE``, and the catalog, whose index says which request words
match nothing (the unmet words) and which projects were never shown. Dates are UTC days.
The figures are computed in bot/report_figures.py; this module reads, and prints them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from typing import TextIO

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from bot.cli import EXIT_BAD_INPUT, EXIT_OK, build_engine
from bot.report_figures import Report, Unmet, summarize
from bot.settings import load_settings
from bot.store import StateStoreError
from bot.stores import search_log_at
from retrieval.engine import SearchEngine
from retrieval.plurals import plural
from retrieval.progress import hidden

DEFAULT_DAYS = 30
NEVER_SHOWN_LISTED = 10


class BadDate(ValueError):
    """A --since or --until that is not a date, or a window that ends before it starts."""


def cmd_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        since, until = window(args.since, args.until, datetime.now(timezone.utc).date())
    except BadDate as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
    if args.top < 1:
        print("error: --top must be at least 1", file=err)
        return EXIT_BAD_INPUT
    try:
        log = search_log_at(load_settings(), args.state)
        try:
            logged = log.read(_start(since), _start(until + timedelta(days=1)))
        finally:
            log.close()
    except StateStoreError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
    with hidden() if args.json else contextlib.nullcontext():
        engine = build_engine(args.catalog, args.taxonomy, args.skip_invalid, err)
        report = summarize(logged, since, until, engine.projects, unmet_in(engine), top=args.top)
    if args.html:
        from bot.report_html import page  # matplotlib is imported only for a page

        args.html.write_text(page(report), encoding="utf-8")
    if args.json:
        out.write(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n")
    else:
        show(report, len(engine.projects), out)
        if args.html:
            print(f"Wrote {args.html}", file=out)
    return EXIT_OK


def window(since: str | None, until: str | None, today: date) -> tuple[date, date]:
    """The days to report, both inclusive: by default the last DEFAULT_DAYS days up to today."""
    last = _day("--until", until) if until else today
    first = _day("--since", since) if since else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BadDate(f"--since {first} is after --until {last}")
    return first, last


def _day(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadDate(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), timezone.utc)


def unmet_in(engine: SearchEngine) -> Unmet:
    """Words of a logged keyword whose stem no project holds (the index's document frequency is 0)."""

    def unmet(keyword: str) -> list[tuple[str, str]]:
        stems = ((engine.analyzer.stem(word), word) for word in engine.analyzer.words(keyword))
        return [(stem, word) for stem, word in stems if engine.index.doc_freq(stem) == 0]

    return unmet


def show(report: Report, catalog_size: int, out: TextIO) -> None:
    """The summary for a person: headline figures, then the lists."""
    console = Console(file=out, highlight=False)
    period = f"{report.since} to {report.until} (UTC)"
    if report.requests == 0:
        console.print(f"The search log is empty: no requests from {period}.")
        return
    console.print(Text(f"FindProject search report, {period}", style="bold"))
    headline = Table(show_header=False, box=None, pad_edge=False)
    for name, value in _headline(report):
        headline.add_row(name, value)
    console.print(headline)
    if report.requests_without_text:
        console.print(
            f"{plural(report.requests_without_text, 'request')} logged without text "
            "(LOG_REQUEST_TEXT=false): left out of the text lists.",
            soft_wrap=True,
        )
    for title, column, rows in (
        ("Top requests", "request", [(r.request, r.count) for r in report.top_requests]),
        ("Top zero-result requests", "request", [(r.request, r.count) for r in report.top_zero_result]),
        ("Unmet words: asked for, in no catalog project", "word", [(w.word, w.count) for w in report.unmet_words]),
        ("Most requested tags", "tag", [(f"#{t.tag}", t.count) for t in report.top_tags]),
        ("Requests voted not helpful", "request", [(r.request, r.count) for r in report.not_helpful_requests]),
    ):
        console.print(_table(title, column, rows))
    never = report.never_shown
    console.print(Text(f"Projects never shown: {len(never):,} of {catalog_size:,}", style="bold"))
    for project in never[:NEVER_SHOWN_LISTED]:
        console.print(Text(f"  {project.id}  {project.title}"))
    if len(never) > NEVER_SHOWN_LISTED:
        console.print(f"  … and {len(never) - NEVER_SHOWN_LISTED:,} more (--json lists them all)")


def _headline(report: Report) -> list[tuple[str, str]]:
    clicks = f"{report.clicks:,}"
    if report.mean_clicked_rank is not None:
        clicks += f", mean clicked rank {report.mean_clicked_rank:.2f}"
    return [
        ("Requests", f"{report.requests:,}"),
        ("Distinct askers", f"{report.askers:,}"),
        ("Zero-result rate", f"{_percent(report.zero_result_rate)} ({report.zero_result_requests:,})"),
        ("Relaxed rate", f"{_percent(report.relaxed_rate)} ({report.relaxed_requests:,})"),
        ("Votes", f"{report.feedback.helpful:,} helpful, {report.feedback.not_helpful:,} not helpful"),
        ("Click-through rate", _percent(report.click_through_rate)),
        ("Clicks", clicks),
    ]


def _percent(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.1%}"


def _table(title: str, column: str, rows: Sequence[tuple[str, int]]) -> Group:
    table = Table()
    table.add_column(column)
    table.add_column("count", justify="right")
    for text, count in rows:
        table.add_row(Text(text), f"{count:,}")  # Text: user words are never read as rich markup
    if not rows:
        table.add_row(Text("none", style="dim"), "")
    return Group(Text(title, style="bold"), table)
