"""The report as one self-contained HTML page: the figures, the lists, and four charts as inline SVG.

The charts are drawn with matplotlib through its object API (``Figure``, no pyplot: no
global figure state and no GUI backend) and embedded as ``<svg>`` elements, so the page
needs no network, no script and no other file to be read anywhere. Text stays SVG text
(``svg.fonttype: none``): smaller, selectable, and searchable in the page. Every catalog and
user string is HTML-escaped; in the charts, ``$`` is never read as mathtext.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Sequence
from datetime import timedelta
from html import escape
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.report_figures import Report

STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "findproject",
    "text.parse_math": False,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
BLUE, RED, ORANGE = "#3b6ea8", "#c0392b", "#d68910"
# Its first use in a home builds a font cache and says so at INFO: not news for the reader of a report.
logging.getLogger("matplotlib.font_manager").setLevel(logging.WARNING)
CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
td, th { padding: 0.2rem 0.8rem 0.2rem 0; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0 2rem; } svg { max-width: 100%; height: auto; }
"""


def page(report: Report) -> str:
    """The whole page for ``report``; an empty log gives a page that says so."""
    period = f"{report.since} to {report.until} (UTC)"
    parts = [f"<h1>FindProject search report</h1><p>{escape(period)}</p>"]
    if report.requests == 0:
        parts.append(f"<p>The search log is empty: no requests from {escape(period)}.</p>")
    else:
        parts += [_headline(report), *_charts(report), *_lists(report)]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>FindProject search report, {escape(period)}</title><style>{CSS}</style></head>\n"
        "<body>\n" + "\n".join(parts) + "\n</body></html>\n"
    )


def _headline(report: Report) -> str:
    def percent(ratio: float | None) -> str:
        return "–" if ratio is None else f"{ratio:.1%}"

    rows = [
        ("Requests", f"{report.requests:,}"),
        ("Distinct askers", f"{report.askers:,}"),
        ("Zero-result rate", f"{percent(report.zero_result_rate)} ({report.zero_result_requests:,})"),
        ("Relaxed rate", f"{percent(report.relaxed_rate)} ({report.relaxed_requests:,})"),
        ("Helpful / not helpful votes", f"{report.feedback.helpful:,} / {report.feedback.not_helpful:,}"),
        ("Click-through rate", percent(report.click_through_rate)),
        ("Clicks", f"{report.clicks:,}"),
        ("Mean clicked rank", "–" if report.mean_clicked_rank is None else f"{report.mean_clicked_rank:.2f}"),
    ]
    body = "".join(f'<tr><th>{name}</th><td class="n">{value}</td></tr>' for name, value in rows)
    return f"<table>{body}</table>"


def _charts(report: Report) -> list[str]:
    with matplotlib.rc_context(STYLE):  # read as artists are made and as they are drawn
        return _drawn(report)


def _drawn(report: Report) -> list[str]:
    days: Any = [d.day for d in report.days]  # matplotlib draws dates; its stubs accept only numbers
    requests = _figure("Requests per day")
    requests.axes[0].bar(days, [d.requests for d in report.days], color=BLUE)
    requests.axes[0].yaxis.set_major_locator(MaxNLocator(integer=True))
    rates = _figure("Zero-result rate (of requests) and not-helpful rate (of votes), per day")
    axes = rates.axes[0]
    axes.plot(days, [_share(d.zero_result, d.requests) for d in report.days], marker="o", color=ORANGE, label="zero-result")
    axes.plot(
        days, [_share(d.not_helpful, d.helpful + d.not_helpful) for d in report.days], marker="s", color=RED, label="not helpful"
    )
    axes.set_ylim(0, 105)
    axes.set_ylabel("%")
    axes.legend(frameon=False)
    for figure in (requests, rates):  # the whole period, even where a line has gaps
        start: Any = days[0] - timedelta(days=1)
        end: Any = days[-1] + timedelta(days=1)
        figure.axes[0].set_xlim(start, end)
        figure.autofmt_xdate()
    charts = [_svg(requests, "Requests per day"), _svg(rates, "Zero-result and not-helpful rates over time")]
    for title, labels, counts in (
        ("Most requested tags", [f"#{t.tag}" for t in report.top_tags], [t.count for t in report.top_tags]),
        (
            "Top unmet words: asked for, in no catalog project",
            [w.word for w in report.unmet_words],
            [w.count for w in report.unmet_words],
        ),
    ):
        charts.append(_bars(title, labels, counts) if labels else f"<h2>{title}</h2><p>None in this period.</p>")
    return charts


def _lists(report: Report) -> list[str]:
    lists = [
        _table("Top requests", [(r.request, r.count) for r in report.top_requests]),
        _table("Top zero-result requests", [(r.request, r.count) for r in report.top_zero_result]),
        _table("Requests voted not helpful", [(r.request, r.count) for r in report.not_helpful_requests]),
    ]
    never = "".join(f"<li>{escape(p.id)} {escape(p.title)}</li>" for p in report.never_shown)
    lists.append(f"<details><summary>Projects never shown: {len(report.never_shown):,}</summary><ul>{never}</ul></details>")
    return lists


def _table(title: str, rows: Sequence[tuple[str, int]]) -> str:
    body = "".join(f'<tr><td>{escape(text)}</td><td class="n">{count:,}</td></tr>' for text, count in rows)
    return f"<h2>{title}</h2>" + (f"<table>{body}</table>" if rows else "<p>None in this period.</p>")


def _share(part: int, whole: int) -> float:
    """A percentage, or NaN (a gap in the line) on a day with nothing to divide by."""
    return math.nan if whole == 0 else 100 * part / whole


def _figure(title: str, height: float = 2.8) -> Figure:
    figure = Figure(figsize=(8, height), layout="constrained")
    figure.add_subplot().set_title(title, loc="left")
    return figure


def _bars(title: str, labels: list[str], counts: list[int]) -> str:
    figure = _figure(title, height=0.6 + 0.28 * len(labels))
    axes = figure.axes[0]
    axes.barh(labels[::-1], counts[::-1], color=BLUE)
    axes.set_xlabel("requests")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _svg(figure, title)


def _svg(figure: Figure, title: str) -> str:
    """The figure as an inline <svg> element (no XML prolog), in a <figure> with its title."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata=dict.fromkeys(("Creator", "Date", "Format", "Type")))
    svg = buffer.getvalue()
    return f'<figure aria-label="{escape(title)}">{svg[svg.index("<svg") :]}</figure>'
