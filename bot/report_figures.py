"""The report's figures from a window of the search log: pure (no I/O), so they are exact and tested.

What each figure means (the README's "The search log" repeats it):

- ``requests``: every logged results turn: a new request, a thread reply, a button, a page;
- ``askers``: distinct user keys; ``zero_result_requests`` / ``relaxed_requests``: turns that
  found nothing / whose page lacked a tag intent;
- ``feedback``: users' current votes (a changed vote counts once, as it stands now);
- ``click_through_rate``: the share of turns that showed results and got at least one "Open"
  click; ``mean_clicked_rank``: over every click, 1 being the first result of the first page;
- the text lists (top requests, top zero-result requests, unmet words) read only what people
  typed: a button's text is its label and a later page's is "more", so those turns are left out;
- ``unmet_words``: keywords whose stem no catalog project holds, which is demand the catalog
  does not cover; grouped by stem, shown in their commonest form, counted once per request;
- ``top_tags``: the tag intents of first pages, typed or clicked;
- ``never_shown``: catalog projects no turn in the window showed.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta

from pydantic import BaseModel

from bot.searchlog import LogWindow, SearchRecord, Surface, Vote
from retrieval.models import Project
from retrieval.progress import tracked

NO_TEXT = "(request text not logged)"
# (stem, word) of each word of a keyword or phrase that matches nothing in the catalog.
Unmet = Callable[[str], list[tuple[str, str]]]


class RequestCount(BaseModel):
    request: str
    count: int


class WordCount(BaseModel):
    word: str
    count: int


class TagCount(BaseModel):
    tag: str
    count: int


class Feedback(BaseModel):
    helpful: int = 0
    not_helpful: int = 0


class Day(BaseModel):
    """One day's turns, and the votes on them (by the day of the search)."""

    day: date
    requests: int = 0
    zero_result: int = 0
    helpful: int = 0
    not_helpful: int = 0


class ProjectRef(BaseModel):
    id: str
    title: str


class Report(BaseModel):
    since: date
    until: date
    requests: int
    askers: int
    zero_result_requests: int
    relaxed_requests: int
    zero_result_rate: float | None
    relaxed_rate: float | None
    feedback: Feedback
    clicks: int
    click_through_rate: float | None
    mean_clicked_rank: float | None
    top_requests: list[RequestCount]
    top_zero_result: list[RequestCount]
    unmet_words: list[WordCount]
    top_tags: list[TagCount]
    not_helpful_requests: list[RequestCount]
    requests_without_text: int
    never_shown: list[ProjectRef]
    days: list[Day]


def summarize(window: LogWindow, since: date, until: date, projects: Sequence[Project], unmet: Unmet, top: int = 10) -> Report:
    """The figures of ``window`` (searches made from ``since`` to ``until``, both inclusive)."""
    searches = list(tracked(window.searches, "reading the search log"))  # a bar on a terminal for a large log
    typed = [s for s in searches if s.surface is not Surface.BUTTON and s.page == 0]
    texts = [s for s in typed if s.request is not None]
    by_id = {s.search_id: s for s in searches}
    votes = Counter(v.vote for v in window.votes)
    showing = {s.search_id for s in searches if s.shown}
    clicked = {c.search_id for c in window.clicks}
    zero = sum(s.zero_result for s in searches)
    relaxed = sum(s.relaxed for s in searches)
    shown_ids = set(itertools.chain.from_iterable(s.shown for s in searches))
    tags = Counter(t for s in searches if s.page == 0 for t in dict.fromkeys(s.include_tags))
    return Report(
        since=since,
        until=until,
        requests=len(searches),
        askers=len({s.user_key for s in searches}),
        zero_result_requests=zero,
        relaxed_requests=relaxed,
        zero_result_rate=_ratio(zero, len(searches)),
        relaxed_rate=_ratio(relaxed, len(searches)),
        feedback=Feedback(helpful=votes[Vote.HELPFUL], not_helpful=votes[Vote.NOT_HELPFUL]),
        clicks=len(window.clicks),
        click_through_rate=_ratio(len(showing & clicked), len(showing)),
        mean_clicked_rank=_ratio(sum(c.rank for c in window.clicks), len(window.clicks)),
        top_requests=_requests(_text(s) for s in texts)[:top],
        top_zero_result=_requests(_text(s) for s in texts if s.zero_result)[:top],
        unmet_words=_unmet_words(texts, unmet)[:top],
        top_tags=[TagCount(tag=tag, count=n) for tag, n in _ranked(tags)[:top]],
        not_helpful_requests=_requests(
            _text(by_id[v.search_id]) for v in window.votes if v.vote is Vote.NOT_HELPFUL and v.search_id in by_id
        )[:top],
        requests_without_text=sum(s.request is None for s in searches),
        never_shown=[ProjectRef(id=str(p.id), title=p.title) for p in projects if str(p.id) not in shown_ids],
        days=_days(searches, window, since, until),
    )


def _text(search: SearchRecord) -> str:
    """A request as it is grouped: lower case, spaces collapsed."""
    return " ".join(search.request.lower().split()) if search.request is not None else NO_TEXT


def _ratio(part: float, whole: int) -> float | None:
    """``part / whole`` to four places; None when there is nothing to divide by (no requests, no clicks)."""
    return None if whole == 0 else round(part / whole, 4)


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Commonest first, ties in alphabetical order, so a report reads the same every time."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _requests(texts: Iterable[str]) -> list[RequestCount]:
    return [RequestCount(request=text, count=n) for text, n in _ranked(Counter(texts))]


def _unmet_words(searches: list[SearchRecord], unmet: Unmet) -> list[WordCount]:
    requests: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for search in searches:
        found = [pair for keyword in search.keywords for pair in unmet(keyword)]
        requests.update({stem for stem, _ in found})
        for stem, word in found:
            forms[stem][word] += 1
    return [WordCount(word=_ranked(forms[stem])[0][0], count=n) for stem, n in _ranked(requests)]


def _days(searches: list[SearchRecord], window: LogWindow, since: date, until: date) -> list[Day]:
    days = {since + timedelta(days=n): Day(day=since + timedelta(days=n)) for n in range((until - since).days + 1)}
    day_of = {}
    for search in searches:
        day = day_of[search.search_id] = days[search.at.date()]
        day.requests += 1
        day.zero_result += search.zero_result
    for vote in window.votes:
        voted = day_of.get(vote.search_id)
        if voted is not None and vote.vote is Vote.HELPFUL:
            voted.helpful += 1
        elif voted is not None:
            voted.not_helpful += 1
    return list(days.values())
