"""The SQLite state store: persistence, expiry and exactly-once claims."""

from __future__ import annotations

import threading

import pytest

from bot.sqlite_store import CLAIM_LIFETIME, SQLiteStateStore
from bot.store import StateStoreError, ThreadKey, ThreadState
from retrieval.models import Query

KEY = ThreadKey("T1", "C1", "1700000000.000001")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_state_survives_reopening_the_file(tmp_path):
    path = tmp_path / "state.sqlite3"
    store = SQLiteStateStore(path, ttl_seconds=3600)
    state = ThreadState(query=Query(text="gan", keywords=["gan"], include_tags=["pytorch"]), page=2, bot_ts="1.2")
    store.save(KEY, state)
    assert store.claim("event:Ev1")
    store.finish("event:Ev1")
    store.close()

    reopened = SQLiteStateStore(path, ttl_seconds=3600)
    assert reopened.load(KEY) == state
    assert reopened.load(KEY._replace(thread="other")) is None
    assert not reopened.claim("event:Ev1")
    assert reopened._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reopened.close()


def test_threads_and_claims_expire(tmp_path):
    clock = Clock()
    store = SQLiteStateStore(tmp_path / "s.sqlite3", ttl_seconds=100, clock=clock)
    store.save(KEY, ThreadState(query=Query(keywords=["gan"])))
    assert store.claim("event:Ev1")
    clock.now += 99
    assert store.load(KEY) is not None
    clock.now += 2
    assert store.load(KEY) is None, "an expired thread reads as unknown even before it is purged"
    assert store.expire() == 1
    clock.now += CLAIM_LIFETIME
    assert store.expire() == 1
    assert store.claim("event:Ev1"), "a claim is forgotten after its lifetime"


def test_a_claim_is_won_exactly_once_across_threads(tmp_path):
    store = SQLiteStateStore(tmp_path / "s.sqlite3", ttl_seconds=3600)
    wins: list[bool] = []
    barrier = threading.Barrier(16)

    def contend() -> None:
        barrier.wait()
        wins.append(store.claim("message:T1:C1:1.0"))

    threads = [threading.Thread(target=contend) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 15 + [True]


def test_an_unusable_database_is_a_clear_error(tmp_path):
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateStoreError, match="cannot open the state database .*state.sqlite3"):
        SQLiteStateStore(path, ttl_seconds=3600)
