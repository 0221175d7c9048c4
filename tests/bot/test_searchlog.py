"""The search log, on SQLite and on the real Redis: what a search, a vote and a click leave behind,
one vote per user and search, retention, and what must never be stored (raw user ids; text
when LOG_REQUEST_TEXT=false)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import get_args

import pytest

from bot.events import Click, Command, ConsoleLine, DirectMessage, Event, Mention, ThreadReply
from bot.outcomes import Action
from bot.searchlog import DAY, NullSearchLog, OpenRef, RecordingLog, Surface, Vote, VoteResult, surface_of
from bot.settings import load_settings
from bot.store import ThreadKey
from bot.stores import open_search_log
from bot.user_keys import configured_secret
from tests.support.redis_db import redis_namespace
from tests.support.searchlog_places import Clock, LogPlace, sqlite_place

RAW_USER = "U0RAWUSER42"
SECRET = b"test secret"


@pytest.fixture(params=["sqlite", "redis"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LogPlace]:
    if request.param == "sqlite":
        opened = sqlite_place(tmp_path)
        yield opened
        opened.close_all()
        return
    with redis_namespace() as prefix:
        opened = LogPlace("redis", prefix)
        yield opened
        opened.close_all()


def _everything(log: RecordingLog):
    return log.read(datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))


def _search(log: RecordingLog, engine, request: str, user: str = RAW_USER, **where) -> str:
    response = engine.search(request, limit=5)
    details = {"surface": "mention", "team": "T1", "channel": "C1", "page": 0, **where}
    return log.record_search(response, request=request, user=user, **details)


def test_a_search_is_one_row_with_what_was_asked_understood_and_shown(place: LogPlace, engine):
    log = place.open()
    response = engine.search("pytorch tutorials, not yolo", limit=5, offset=5)
    search_id = log.record_search(
        response,
        request="pytorch tutorials, not yolo",
        surface=Surface.THREAD,
        team="T1",
        channel="C9",
        user=RAW_USER,
        page=1,
        message_ts="1700000000.000100",
    )
    [record] = _everything(log).searches
    assert record.search_id == search_id
    assert (record.surface, record.team, record.channel, record.page) == (Surface.THREAD, "T1", "C9", 1)
    assert record.user_key == hmac.new(SECRET, RAW_USER.encode(), hashlib.sha256).hexdigest()
    assert record.request == "pytorch tutorials, not yolo"
    assert record.include_tags == response.parsed.include_tags == ["pytorch", "tutorial"]
    assert record.exclude_tags == ["yolo"]
    assert record.expanded_tags == [e.tag for e in response.parsed.expanded_tags]
    assert (record.total, record.relaxed, record.zero_result) == (response.total, response.relaxed, False)
    assert record.shown == [str(r.project.id) for r in response.results] and record.shown
    assert record.message_ts == "1700000000.000100"


def test_a_search_that_finds_nothing_is_a_zero_result_row(place: LogPlace, engine):
    log = place.open()
    _search(log, engine, '"quantum knitting"')
    [record] = _everything(log).searches
    assert (record.total, record.zero_result, record.shown) == (0, True, [])
    assert record.keywords == ["quantum knitting"]


def test_one_vote_per_user_and_search_and_a_changed_vote_is_recorded_as_changed(place: LogPlace, engine):
    log = place.open()
    first = _search(log, engine, "gans")
    second = _search(log, engine, "transformers")
    assert log.record_feedback(first, RAW_USER, Vote.HELPFUL) is VoteResult.RECORDED
    assert log.record_feedback(first, RAW_USER, "helpful") is VoteResult.SAME
    assert log.record_feedback(first, RAW_USER, Vote.NOT_HELPFUL) is VoteResult.CHANGED
    assert log.record_feedback(first, "U0OTHER", Vote.HELPFUL) is VoteResult.RECORDED
    assert log.record_feedback(second, RAW_USER, Vote.HELPFUL) is VoteResult.RECORDED
    votes = {(v.search_id, v.vote, v.changes) for v in _everything(log).votes}
    assert votes == {(first, Vote.NOT_HELPFUL, 1), (first, Vote.HELPFUL, 0), (second, Vote.HELPFUL, 0)}


def test_a_vote_on_a_search_the_log_does_not_hold_stores_nothing(place: LogPlace, engine):
    log = place.open()
    _search(log, engine, "gans")
    assert log.record_feedback("forged-or-purged", RAW_USER, Vote.HELPFUL) is VoteResult.UNKNOWN
    assert not log.record_click("forged-or-purged", "3", 1, RAW_USER)
    assert _everything(log).votes == [] and _everything(log).clicks == []


def test_a_click_is_recorded_with_its_project_and_rank(place: LogPlace, engine):
    log = place.open()
    search_id = _search(log, engine, "gans")
    assert log.record_click(search_id, "12", 3, RAW_USER)
    assert log.record_click(search_id, 7, 1, "U0OTHER")
    clicks = _everything(log).clicks
    assert [(c.search_id, c.project_id, c.rank) for c in clicks] == [(search_id, "12", 3), (search_id, "7", 1)]


def test_two_processes_on_one_place_share_the_log_and_the_one_vote_rule(place: LogPlace, engine):
    one, two = place.open(secret=None), place.open(secret=None)
    search_id = _search(one, engine, "gans")
    assert two.record_feedback(search_id, RAW_USER, Vote.HELPFUL) is VoteResult.RECORDED
    assert one.record_feedback(search_id, RAW_USER, Vote.HELPFUL) is VoteResult.SAME
    [record] = _everything(two).searches
    [vote] = _everything(one).votes
    assert vote.user_key == record.user_key, "without a configured secret, both use the one kept in the state"


def test_retention_purges_old_searches_with_their_votes_and_clicks_on_open(place: LogPlace, engine):
    clock = Clock()
    log = place.open(clock=clock, retention_days=90)
    old = _search(log, engine, "gans")
    log.record_feedback(old, RAW_USER, Vote.HELPFUL)
    log.record_click(old, "1", 1, RAW_USER)
    clock.now += 89 * DAY
    kept = _search(log, engine, "transformers")
    clock.now += 2 * DAY
    reopened = place.open(clock=clock, retention_days=90)
    window = _everything(reopened)
    assert [s.search_id for s in window.searches] == [kept]
    assert window.votes == [] and window.clicks == []
    assert old not in place.stored_text()


def test_retention_purges_as_the_log_writes_at_most_once_an_hour(place: LogPlace, engine):
    clock = Clock()
    log = place.open(clock=clock, retention_days=90)
    old = _search(log, engine, "gans")
    clock.now += 90 * DAY - 1800  # the next write purges: nothing is old yet
    _search(log, engine, "transformers")
    clock.now += 1800 + 600  # "gans" is now past the retention, but the last purge was 40 minutes ago
    _search(log, engine, "keras")
    assert old in {s.search_id for s in _everything(log).searches}
    clock.now += 1200  # an hour after the last purge
    _search(log, engine, "spacy")
    assert old not in {s.search_id for s in _everything(log).searches}
    assert len(_everything(log).searches) == 3


def test_without_request_text_no_words_of_the_request_are_stored(place: LogPlace, engine):
    log = place.open(keep_text=False)
    _search(log, engine, 'pytorch tutorials on quantum knitting "zebra crossings"')
    [record] = _everything(log).searches
    assert record.request is None and record.keywords == []
    assert record.include_tags == ["pytorch", "tutorial"], "the catalog's tags are kept"
    stored = place.stored_text().lower()
    for word in ("quantum", "knitting", "zebra", "crossings", "tutorials on"):
        assert word not in stored


def test_no_raw_user_id_is_ever_stored(place: LogPlace, engine):
    log = place.open(secret=None)  # the random secret kept in the state is stored too: it must not be the id
    search_id = _search(log, engine, "gans", user=RAW_USER)
    _search(log, engine, "gans", user=RAW_USER, surface="dm", channel="D0RAWDMCHANNEL")
    log.record_feedback(search_id, RAW_USER, Vote.NOT_HELPFUL)
    log.record_feedback(search_id, RAW_USER, Vote.HELPFUL)
    log.record_click(search_id, "1", 2, RAW_USER)
    stored = place.stored_text()
    assert search_id in stored and "gans" in stored, "the dump does hold the log"
    assert RAW_USER.lower() not in stored.lower()
    assert "d0rawdmchannel" not in stored.lower(), "a DM's channel names one person too"
    assert {s.channel for s in _everything(log).searches} == {"C1", log.keys("D0RAWDMCHANNEL")}


def test_a_failing_log_never_costs_the_user_their_answer(tmp_path: Path, engine, caplog: pytest.LogCaptureFixture):
    place = sqlite_place(tmp_path)
    log = place.open()
    log.close()
    with caplog.at_level(logging.WARNING, logger="bot.searchlog"):
        search_id = _search(log, engine, "gans")
        assert log.record_feedback(search_id, RAW_USER, Vote.HELPFUL) is VoteResult.UNKNOWN
    assert search_id
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "the search log could not record a search",
        "the search log could not record a vote",
    ]


def test_search_log_false_records_nothing(tmp_path: Path, engine):
    settings = load_settings(search_log=False, state_db_path=tmp_path / "state.sqlite3")
    log = open_search_log(settings)
    assert isinstance(log, NullSearchLog)
    _search(log, engine, "gans")
    assert not (tmp_path / "state.sqlite3").exists()


def test_the_user_key_secret_comes_from_the_settings_in_order():
    own = load_settings(search_log_secret="s3cret", slack_signing_secret="signing")
    derived = load_settings(search_log_secret="", slack_signing_secret="signing")
    assert configured_secret(own) == b"s3cret"
    assert configured_secret(derived) not in (None, b"signing")
    assert configured_secret(derived) == configured_secret(load_settings(slack_signing_secret="signing"))
    assert configured_secret(load_settings(search_log_secret="", slack_signing_secret="")) is None


def test_the_stored_secret_is_kept_across_reopening_and_differs_between_states(tmp_path: Path, engine):
    first, again, other = (sqlite_place(tmp_path), sqlite_place(tmp_path), sqlite_place(tmp_path / "other"))
    keys = []
    for place in (first, again, other):
        log = place.open(secret=None)
        _search(log, engine, "gans")
        keys.append(_everything(log).searches[-1].user_key)
        log.close()
    assert keys[0] == keys[1] != keys[2]


def test_searches_are_read_by_time_window(tmp_path: Path, engine):
    clock = Clock(datetime(2024, 3, 10, 12, tzinfo=timezone.utc).timestamp())
    log = sqlite_place(tmp_path).open(clock=clock, retention_days=10_000)
    inside = _search(log, engine, "gans")
    clock.now += DAY
    _search(log, engine, "transformers")
    since = datetime(2024, 3, 10, tzinfo=timezone.utc)
    window = log.read(since, since + timedelta(days=1))
    assert [s.search_id for s in window.searches] == [inside]


def test_every_conversation_event_has_its_surface():
    thread = ThreadKey("T1", "C1", "1700000000.000001")
    events = {
        Mention(thread, "U1", "gans"): Surface.MENTION,
        Mention(thread, "U1", "only pytorch", in_thread=True): Surface.THREAD,
        ThreadReply(thread, "U1", "only pytorch"): Surface.THREAD,
        DirectMessage("T1", "D1", "U1", "1.1", "gans"): Surface.DM,
        Command("T1", "C1", "U1", "gans"): Surface.COMMAND,
        Click(thread, "U1", Action(op="reset")): Surface.BUTTON,
        ConsoleLine("gans"): Surface.CONSOLE,
    }
    assert {type(event) for event in events} == set(get_args(Event))
    for event, surface in events.items():
        assert surface_of(event) is surface


def test_an_open_button_value_reads_back_and_a_forged_one_does_not():
    ref = OpenRef(search="1d8729fe2910", project="42", rank=7)
    assert OpenRef.read(ref.value()) == ref
    for forged in (
        None,
        "",
        "not json",
        '{"search": "x", "project": "1", "rank": 0}',
        '{"search": "", "project": "1", "rank": 1}',
        json.dumps({"search": "x" * 200, "project": "1", "rank": 1}),
    ):
        assert OpenRef.read(forged) is None
