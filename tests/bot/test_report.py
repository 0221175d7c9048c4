"""`findproject report` over a seeded search log: exact counts (SQLite and the real Redis), the
terminal summary, the HTML page and its charts, an empty log, and bad input."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.cli import main
from bot.searchlog import DAY, RecordingLog
from bot.sqlite_store import SQLiteStateStore
from tests.bot.conftest import FIXTURES
from tests.support.redis_db import REDIS_URL, redis_namespace
from tests.support.searchlog_places import Clock, LogPlace, sqlite_place

CATALOG = ["--catalog", str(FIXTURES / "projects.json"), "--taxonomy", str(FIXTURES / "tags.json")]
# Recent days: opening the log for a report purges what is past LOG_RETENTION_DAYS (90) from today.
FIRST = datetime.now(timezone.utc).date() - timedelta(days=3)
DAYS = [str(FIRST + timedelta(days=n)) for n in range(3)]
WINDOW = ["--since", DAYS[0], "--until", DAYS[2]]
ZERO = '"quantum knitting"'  # a phrase is a hard filter: nothing in the fixture catalog has it


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(argv, out, err), out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _no_configured_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("STATE_URL", "STATE_PREFIX", "STATE_DB_PATH", "SEARCH_LOG", "LOG_REQUEST_TEXT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env, and no state/ folder of the checkout


class Seeded:
    """The searches, votes and clicks the expected figures below are worked out from."""

    def __init__(self, log: RecordingLog, clock: Clock, engine):
        def search(request: str, user: str, surface: str, page: int = 0, query: str | None = None) -> str:
            response = engine.search(query or request, limit=5, offset=5 * page)
            self.responses.append(response)
            return log.record_search(response, request=request, surface=surface, team="T1", channel="C1", user=user, page=page)

        self.responses = []
        clock.now = datetime.combine(FIRST - timedelta(days=1), time(12), timezone.utc).timestamp()
        search("gans", "U4", "mention")  # the day before the window
        self.responses.clear()
        clock.now += DAY
        s1 = search("pytorch tutorials", "U1", "mention")
        s2 = search("PyTorch   tutorials", "U2", "command")
        s3 = search(ZERO, "U3", "dm")
        search(f"{ZERO} detection", "U1", "thread")  # "detection" is a catalog word: not unmet
        clock.now += DAY
        s5 = search("+ pytorch", "U2", "button", query="#pytorch")
        search("more", "U3", "thread", page=1, query="pytorch tutorials")
        log.record_feedback(s1, "U1", "helpful")
        log.record_feedback(s1, "U1", "helpful")
        log.record_feedback(s2, "U2", "helpful")
        log.record_feedback(s2, "U2", "not_helpful")
        log.record_feedback(s3, "U3", "not_helpful")
        log.record_click(s1, "1", 1, "U1")
        log.record_click(s1, "30", 3, "U2")
        log.record_click(s5, "6", 2, "U2")
        self.shown = {str(r.project.id) for response in self.responses for r in response.results}


def _seed(place: LogPlace, engine, **policy) -> Seeded:
    clock = Clock()
    log = place.open(clock=clock, **policy)
    seeded = Seeded(log, clock, engine)
    log.close()
    return seeded


@pytest.fixture(params=["sqlite", "redis"])
def configured(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LogPlace]:
    """A log where the settings point: STATE_DB_PATH, or STATE_URL with a test's own STATE_PREFIX."""
    if request.param == "sqlite":
        place = sqlite_place(tmp_path)
        monkeypatch.setenv("STATE_DB_PATH", place.where)
        yield place
        return
    with redis_namespace() as prefix:
        monkeypatch.setenv("STATE_URL", REDIS_URL)
        monkeypatch.setenv("STATE_PREFIX", prefix)
        yield LogPlace("redis", prefix)


def test_report_json_counts_are_exact_on_a_seeded_log(configured: LogPlace, engine):
    seeded = _seed(configured, engine)
    code, out, err = _run(["report", "--json", *WINDOW, *CATALOG])
    assert code == 0, err
    report = json.loads(out)
    assert {
        k: report[k]
        for k in (
            "requests",
            "askers",
            "zero_result_requests",
            "relaxed_requests",
            "feedback",
            "clicks",
            "mean_clicked_rank",
            "click_through_rate",
        )
    } == {
        "requests": 6,
        "askers": 3,
        "zero_result_requests": 2,
        "relaxed_requests": sum(r.relaxed for r in seeded.responses),
        "feedback": {"helpful": 1, "not_helpful": 2},
        "clicks": 3,
        "mean_clicked_rank": 2.0,
        "click_through_rate": 0.5,
    }
    assert report["top_requests"] == [
        {"request": "pytorch tutorials", "count": 2},
        {"request": ZERO, "count": 1},
        {"request": f"{ZERO} detection", "count": 1},
    ]
    assert report["top_zero_result"] == [{"request": ZERO, "count": 1}, {"request": f"{ZERO} detection", "count": 1}]
    assert report["unmet_words"] == [{"word": "knitting", "count": 2}, {"word": "quantum", "count": 2}]
    assert report["top_tags"] == [{"tag": "pytorch", "count": 3}, {"tag": "tutorial", "count": 2}]
    assert report["not_helpful_requests"] == [{"request": ZERO, "count": 1}, {"request": "pytorch tutorials", "count": 1}]
    assert [(d["day"], d["requests"], d["zero_result"], d["helpful"], d["not_helpful"]) for d in report["days"]] == [
        (DAYS[0], 4, 2, 1, 2),
        (DAYS[1], 2, 0, 0, 0),
        (DAYS[2], 0, 0, 0, 0),
    ]
    catalog = json.loads((FIXTURES / "projects.json").read_text())
    assert {p["id"] for p in report["never_shown"]} == {str(p["id"]) for p in catalog} - seeded.shown


def test_the_terminal_summary_names_every_figure_and_list(tmp_path: Path, engine):
    place = sqlite_place(tmp_path)
    _seed(place, engine)
    code, out, err = _run(["report", "--state", place.where, *WINDOW, *CATALOG])
    assert code == 0, err
    lines = [" ".join(line.split()) for line in out.splitlines()]
    for expected in (
        "Requests 6",
        "Distinct askers 3",
        "Zero-result rate 33.3% (2)",
        "Votes 1 helpful, 2 not helpful",
        "Click-through rate 50.0%",
        "Clicks 3, mean clicked rank 2.00",
        "Top requests",
        "Top zero-result requests",
        "Unmet words: asked for, in no catalog project",
        "Most requested tags",
        "Requests voted not helpful",
    ):
        assert expected in lines, expected
    assert "│ knitting │ 2 │" in lines and "│ #pytorch │ 3 │" in lines
    assert any(line.startswith("Projects never shown: ") for line in lines)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.figures: list[str] = []
        self.outside: list[str] = []  # attributes that would fetch something
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "figure":
            self.figures.append(dict(attrs)["aria-label"])
        self.outside += [
            f"{tag} {name}={value}"
            for name, value in attrs
            if name in ("src", "href", "xlink:href", "srcset") and value and not value.startswith("#")
        ]
        if tag in ("script", "link", "img", "iframe", "object"):
            self.outside.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_one_self_contained_page_with_the_charts(tmp_path: Path, engine):
    place = sqlite_place(tmp_path)
    _seed(place, engine)
    target = tmp_path / "report.html"
    code, out, err = _run(["report", "--state", place.where, *WINDOW, *CATALOG, "--html", str(target)])
    assert code == 0, err
    assert out.splitlines()[-1] == f"Wrote {target}"
    page = _Page()
    page.feed(target.read_text(encoding="utf-8"))
    assert page.figures == [
        "Requests per day",
        "Zero-result and not-helpful rates over time",
        "Most requested tags",
        "Top unmet words: asked for, in no catalog project",
    ]
    assert page.tags.count("svg") == 4
    assert page.outside == []
    text = " ".join("".join(page.text).split())
    for label in ("#pytorch", "knitting", "quantum", '"quantum knitting"'):
        assert label in text, f"{label} is drawn as text in a chart or a list"


def test_request_text_that_looks_like_markup_stays_text(tmp_path: Path, engine):
    place = sqlite_place(tmp_path)
    log = place.open()
    hostile = "<script>alert(1)</script> [bold]x[/bold]"
    log.record_search(engine.search(hostile), request=hostile, surface="mention", team="T", channel="C", user="U1")
    log.close()
    target = tmp_path / "report.html"
    code, out, err = _run(["report", "--state", place.where, *CATALOG, "--html", str(target)])
    assert code == 0, err
    assert hostile in out, "rich prints it as it is, no markup"
    page = _Page()
    page.feed(target.read_text(encoding="utf-8"))
    assert "script" not in page.tags and hostile in "".join(page.text)


def test_without_request_text_the_report_says_so_and_keeps_the_counts(tmp_path: Path, engine):
    place = sqlite_place(tmp_path)
    _seed(place, engine, keep_text=False)
    code, out, err = _run(["report", "--state", place.where, *WINDOW, *CATALOG])
    assert code == 0, err
    assert "6 requests logged without text (LOG_REQUEST_TEXT=false): left out of the text lists." in out
    code, out, _ = _run(["report", "--json", "--state", place.where, *WINDOW, *CATALOG])
    report = json.loads(out)
    assert (report["requests"], report["top_requests"], report["unmet_words"]) == (6, [], [])
    assert report["top_tags"] == [{"tag": "pytorch", "count": 3}, {"tag": "tutorial", "count": 2}]


def test_an_empty_log_gives_a_report_that_says_so(tmp_path: Path):
    state = tmp_path / "state.sqlite3"
    SQLiteStateStore(state, ttl_seconds=3600).close()  # a bot ran here, but nobody searched
    code, out, err = _run(["report", "--state", str(state), *WINDOW, *CATALOG])
    assert (code, err) == (0, "")
    assert out == f"The search log is empty: no requests from {DAYS[0]} to {DAYS[2]} (UTC).\n"
    code, out, _ = _run(["report", "--json", "--state", str(state), *WINDOW, *CATALOG])
    assert json.loads(out)["requests"] == 0
    target = tmp_path / "empty.html"
    assert _run(["report", "--state", str(state), *WINDOW, *CATALOG, "--html", str(target)])[0] == 0
    page = _Page()
    page.feed(target.read_text(encoding="utf-8"))
    assert "svg" not in page.tags
    assert f"The search log is empty: no requests from {DAYS[0]} to {DAYS[2]} (UTC)." in "".join(page.text)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--since", "2024-02-30"], "error: --since '2024-02-30' is not a date (YYYY-MM-DD)"),
        (["--since", "last week"], "error: --since 'last week' is not a date (YYYY-MM-DD)"),
        (["--until", "2024/03/01"], "error: --until '2024/03/01' is not a date (YYYY-MM-DD)"),
        (["--since", "2024-03-02", "--until", "2024-03-01"], "error: --since 2024-03-02 is after --until 2024-03-01"),
        (["--top", "0"], "error: --top must be at least 1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv: list[str], message: str, tmp_path: Path):
    code, out, err = _run(["report", "--state", str(tmp_path / "never-made.sqlite3"), *argv])
    assert (code, out, err) == (2, "", message + "\n")


def test_a_state_file_that_is_not_there_is_one_line_and_exit_2_and_is_not_made(tmp_path: Path):
    missing = tmp_path / "typo.sqlite3"
    code, out, err = _run(["report", "--state", str(missing), *CATALOG])
    assert (code, out) == (2, "")
    assert err == f"error: no state database at {missing} (set STATE_DB_PATH or STATE_URL, or give --state)\n"
    assert not missing.exists()
