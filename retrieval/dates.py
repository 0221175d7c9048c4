"""Date ranges in plain words: "from 2020", "since 2021", "before 2019", "since june 2020",
"this year", "last year".

A named year means that whole year ("from 2020", "in 2020"), a named month that month ("in
june 2020"); "since", "after" and "before" open one end. Relative words count from ``today``, which the caller passes
in, so a test or a benchmark can fix the clock.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import NamedTuple

from retrieval.counts import NUMBER, number

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH_NAMES = "january|february|march|april|may|june|july|august|september|october|november|december|sept|" + "|".join(MONTHS)
# A year, after an optional month name: "2020", "june 2020", "Sept. 2021".
YEAR = rf"(?:(?P<m>{_MONTH_NAMES})\.?\s+)?(?P<a>(?:19|20)\d\d)"
_PLAIN_YEAR = r"(?:19|20)\d\d"
_THROUGH = r"to|until|till|through|thru|-|–"
_PHRASES = [
    # A negated bound keeps the other side: "nothing older than april 2020" is since april 2020.
    ("not_before", re.compile(rf"\b(?:nothing|none|no|not)\s+(?:(?:older|earlier)\s+than|before|prior to)\s+{YEAR}\b")),
    ("not_after", re.compile(rf"\b(?:nothing|none|no|not)\s+(?:(?:newer|later)\s+than|after)\s+{YEAR}\b")),
    # Two months of one year: "between march and june 2020".
    (
        "months",
        re.compile(
            rf"\b(?:between|from)\s+(?P<m1>{_MONTH_NAMES})\.?\s*(?:and|{_THROUGH})\s*(?P<m>{_MONTH_NAMES})\.?\s+(?P<a>(?:19|20)\d\d)\b"
        ),
    ),
    ("between", re.compile(rf"\b(?:between|from)\s+(?P<a>{_PLAIN_YEAR})\s*(?:and|{_THROUGH})\s*(?P<b>{_PLAIN_YEAR})\b")),
    ("range", re.compile(rf"\b(?P<a>{_PLAIN_YEAR})\s*(?:{_THROUGH})\s*(?P<b>{_PLAIN_YEAR})\b")),
    (
        "onwards",
        re.compile(
            rf"\b(?:(?:from|in|since)\s+)?{YEAR}\s*(?:on(?=\s*(?:$|[,.;!?]))|onwards?\b|and later\b|or later\b|"
            rf"and newer\b|or newer\b|and after\b|\+)"
        ),
    ),
    (
        "since",
        re.compile(
            rf"\b(?:(?:since|starting(?:\s+(?:from|in))?|after|newer than|later than)\s+|post[\s-]*)"
            rf"(?:the\s+)?(?:start of\s+)?{YEAR}\b"
        ),
    ),
    ("before", re.compile(rf"\b(?:(?:before|older than|earlier than|prior to)\s+|pre[\s-]*){YEAR}\b")),
    ("until", re.compile(rf"\b(?:until|till|up to|through|no later than|by)\s+{YEAR}\b")),
    ("during", re.compile(rf"\b(?:in|during|of|for|from)?\s*(?:the\s+year\s+)?{YEAR}\b")),
    (
        "relative",
        re.compile(
            r"\b(?:from\s+|in\s+|during\s+|of\s+)?(?P<which>this|last|past|previous)\s+"
            r"(?P<unit>year|yr|month|mo|12 months)\b"
        ),
    ),
    (
        "recent",
        re.compile(
            rf"\b(?:in\s+|from\s+|over\s+)?the\s+(?:last|past)\s+(?P<n>{NUMBER})\s+"
            r"(?P<unit>years|yrs|months)\b"
        ),
    ),
]
_UNITS = {"yr": "year", "mo": "month"}  # as chat writes them


class DateRange(NamedTuple):
    start: date | None
    end: date | None


def take_dates(text: str, today: date) -> tuple[DateRange | None, str]:
    """The first date range the text names, and the text without it; (None, text) when there is none."""
    lowered = text.lower()
    for kind, pattern in _PHRASES:
        match = pattern.search(lowered)
        if match:
            found = _range(kind, match, today)
            if found is not None:
                rest = (text[: match.start()] + " " + text[match.end() :]).strip()
                return found, re.sub(r"\s+", " ", rest)
    return None, text


def range_spans(text: str) -> list[tuple[int, int]]:
    """Where the text names a range of two years ("between 2019 and 2021", "2019 through 2021"):
    a reply is not cut into clauses inside one."""
    lowered = text.lower()
    return [m.span() for kind, pattern in _PHRASES if kind in ("between", "range") for m in pattern.finditer(lowered)]


def _range(kind: str, match: re.Match[str], today: date) -> DateRange | None:
    groups = match.groupdict()
    if kind == "not_before":
        return DateRange(_span(int(groups["a"]), groups.get("m"))[0], None)
    if kind == "not_after":
        return DateRange(None, _span(int(groups["a"]), groups.get("m"))[1])
    if kind == "months":
        year = int(groups["a"])
        return DateRange(_span(year, groups["m1"])[0], _span(year, groups["m"])[1])
    if kind in ("between", "range"):
        first, last = sorted((int(groups["a"]), int(groups["b"])))
        return DateRange(date(first, 1, 1), date(last, 12, 31))
    if kind in ("since", "onwards", "before", "until", "during"):
        start, end = _span(int(groups["a"]), groups.get("m"))
        if kind == "since" or kind == "onwards":
            after = match.group().lstrip().startswith(("after", "newer", "later", "post"))
            return DateRange(end + timedelta(days=1) if after else start, None)
        if kind == "before":
            return DateRange(None, start - timedelta(days=1))
        return DateRange(None, end) if kind == "until" else DateRange(start, end)
    if kind == "relative":
        return _relative(groups["which"], _UNITS.get(groups["unit"], groups["unit"]), today)
    count = number(groups["n"])
    days = count * (365 if groups["unit"] in ("years", "yrs") else 30)
    return DateRange(today - timedelta(days=days), None) if count else None


def _span(year: int, month: str | None) -> tuple[date, date]:
    """The first and last day of a year, or of a month of it."""
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    number = MONTHS.index(month[:3]) + 1
    following = date(year + number // 12, number % 12 + 1, 1)
    return date(year, number, 1), following - timedelta(days=1)


def _relative(which: str, unit: str, today: date) -> DateRange:
    if unit == "12 months" or (which == "past" and unit == "year"):
        return DateRange(today - timedelta(days=365), None)
    if unit == "year":
        year = today.year - (which in ("last", "previous"))
        return DateRange(date(year, 1, 1), date(year, 12, 31))
    if which == "this":
        return DateRange(today.replace(day=1), None)
    first_of_this = today.replace(day=1)
    last_month_end = first_of_this - timedelta(days=1)
    if which == "past":
        return DateRange(today - timedelta(days=30), None)
    return DateRange(last_month_end.replace(day=1), last_month_end)
