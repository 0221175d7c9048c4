"""One behaviour, two stores: every test here runs against SQLite and against the real Redis.

What the bot relies on: thread state that expires, claims won exactly once (by threads,
stores and processes racing), a killed owner's claims taken over exactly once, and a
line per conversation served one at a time in arrival order.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.redis_store import RedisStateStore
from bot.sqlite_store import SQLiteStateStore
from bot.store import CLAIM_LIFETIME, STALE_CLAIM, StateStore, ThreadKey, ThreadState
from retrieval.models import Query
from tests.support.redis_db import redis_namespace
from tests.support.store_backends import Backend
from tests.support.store_worker import THREAD, StoreWorker

KEY = ThreadKey("T1", "C1", "1700000000.000001")
JOB = '{"type": "event_callback", "event_id": "Ev0DEAD"}'


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        opened = Backend.sqlite(tmp_path / "state.sqlite3")
        yield opened
        opened.close_all()
        return
    with redis_namespace() as prefix:
        opened = Backend.redis(prefix)
        yield opened
        opened.close_all()


def _until(check, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return result


def _race(calls, count: int = 16) -> list:
    """Run ``calls(i)`` on ``count`` threads released at once; their results in thread order."""
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_both_stores_implement_every_method_of_the_protocol():
    wanted = {name for name, _ in inspect.getmembers(StateStore, inspect.isfunction) if not name.startswith("_")}
    for store in (SQLiteStateStore, RedisStateStore):
        missing = {name for name in wanted if not callable(getattr(store, name, None))}
        assert not missing, f"{store.__name__} lacks {sorted(missing)}"


def test_thread_state_is_shared_replaced_and_forgotten(backend: Backend):
    first, second = backend.open(), backend.open()
    state = ThreadState(query=Query(text="gan", keywords=["gan"], include_tags=["pytorch"]), page=2, bot_ts="1.2")
    first.save(KEY, state)
    assert second.load(KEY) == state, "another store (process) on the same place sees it"
    assert second.load(KEY._replace(thread="other")) is None
    second.save(KEY, state.model_copy(update={"page": 3}))
    assert first.load(KEY).page == 3
    first.forget(KEY)
    assert second.load(KEY) is None


def test_threads_and_claims_expire_by_the_stores_clock(backend: Backend):
    clock = Clock()
    store = backend.open(ttl=100, clock=clock)
    store.save(KEY, ThreadState(query=Query(keywords=["gan"])))
    assert store.claim("event:Ev1")
    store.finish("event:Ev1")
    clock.now += 99
    assert store.load(KEY) is not None
    clock.now += 2
    assert store.load(KEY) is None, "an expired thread reads as unknown even before it is purged"
    store.expire()
    assert store.load(KEY) is None
    assert not store.claim("event:Ev1"), "a finished claim is remembered for its lifetime"
    clock.now += CLAIM_LIFETIME
    store.expire()
    assert store.claim("event:Ev1"), "a claim is forgotten after its lifetime"


def test_a_claim_is_the_owners_until_finished_then_a_duplicate_for_everyone(backend: Backend):
    owner, other = backend.open(), backend.open()
    assert owner.claim("event:Ev1", JOB)
    assert not owner.claim("event:Ev1"), "a second delivery to the same process"
    assert not other.claim("event:Ev1"), "the owner is alive: a duplicate, not abandoned"
    assert other.abandoned() == []
    other.finish("event:Ev1")  # not its claim: no effect
    assert not other.claim("event:Ev1") and other.abandoned() == []
    owner.finish("event:Ev1")
    assert not owner.claim("event:Ev1") and not other.claim("event:Ev1")


def test_a_claim_is_won_exactly_once_by_racing_threads_and_stores(backend: Backend):
    stores = [backend.open(), backend.open()]
    wins = _race(lambda i: stores[i % 2].claim("message:T1:C1:1.0"))
    assert sorted(wins) == [False] * 15 + [True]


def test_claims_are_won_exactly_once_by_two_racing_processes(backend: Backend):
    workers = [StoreWorker(backend.spec), StoreWorker(backend.spec)]
    try:
        for worker in workers:
            worker.send("race 200")
        for worker in workers:
            worker.send("go")
        won = [set(worker.answer().split()[1:]) for worker in workers]
    finally:
        for worker in workers:
            worker.close()
    assert not won[0] & won[1], "no event was won by both processes"
    assert won[0] | won[1] == {str(i) for i in range(200)}, "every event was won by one of them"


def test_a_killed_owners_claim_is_taken_over_exactly_once(backend: Backend):
    worker = StoreWorker(backend.spec)
    assert worker.ask(f"claim event:Ev0DEAD {JOB}") == "won"
    assert worker.ask("claim event:Ev0DONE") == "won" and worker.ask("finish event:Ev0DONE") == "finished"
    watcher = backend.open()
    assert watcher.abandoned() == [] and not watcher.claim("event:Ev0DEAD"), "its owner is alive"
    worker.kill()

    [claim] = _until(watcher.abandoned, "the killed process's claims to read as abandoned")
    assert (claim.event, claim.job) == ("event:Ev0DEAD", JOB)
    stores = [watcher, backend.open()]
    wins = _race(lambda i: stores[i % 2].claim("event:Ev0DEAD"))
    assert wins.count(True) == 1, wins
    assert watcher.abandoned() == [], "taken over by a live store: no longer abandoned"
    winner = stores[wins.index(True) % 2]
    winner.finish("event:Ev0DEAD")
    assert not watcher.claim("event:Ev0DEAD") and not stores[1].claim("event:Ev0DEAD")


def test_a_closed_stores_open_claims_are_abandoned_at_once(backend: Backend):
    leaving, staying = backend.open(), backend.open()
    assert leaving.claim("event:Ev1", JOB)
    leaving.close()
    assert [c.event for c in staying.abandoned()] == ["event:Ev1"]
    assert staying.claim("event:Ev1")


def test_an_open_claim_past_the_stale_age_is_abandoned_though_its_owner_lives(backend: Backend):
    clock = Clock()
    owner, other = backend.open(clock=clock), backend.open(clock=clock)
    assert owner.claim("event:Ev1", JOB)
    assert other.abandoned() == []
    clock.now += STALE_CLAIM + 1
    assert [c.event for c in other.abandoned()] == ["event:Ev1"]
    assert other.claim("event:Ev1") and not owner.claim("event:Ev1")


def test_abandoned_claims_are_listed_oldest_first(backend: Backend):
    clock = Clock()
    leaving = backend.open(clock=clock)
    for event in ("event:Ev2", "event:Ev1", "event:Ev3"):
        clock.now += 1
        assert leaving.claim(event, JOB)
    leaving.close()
    assert [c.event for c in backend.open(clock=clock).abandoned()] == ["event:Ev2", "event:Ev1", "event:Ev3"]


def test_places_in_a_line_run_one_at_a_time_in_the_order_they_were_taken(backend: Backend):
    store = backend.open()
    turns = [store.ordered(KEY) for _ in range(20)]
    applied: list[int] = []
    inside = threading.Semaphore(1)

    def run(i: int) -> None:
        with turns[i]:
            assert inside.acquire(blocking=False), "two places ran at once"
            applied.append(i)
            inside.release()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(20)]
    for thread in reversed(threads):  # started last to first: only the line puts them in order
        thread.start()
    for thread in threads:
        thread.join()
    assert applied == list(range(20))


def test_a_skipped_or_failed_place_does_not_hold_up_the_line(backend: Backend):
    store = backend.open()
    first, skipped, failing, last = (store.ordered(KEY) for _ in range(4))
    skipped.skip()
    with first:
        pass
    with pytest.raises(RuntimeError):
        with failing:
            raise RuntimeError("the answer failed")
    with last:
        pass
    with store.ordered(KEY):  # the line is empty again: a new place goes straight in
        pass
    with store.ordered(KEY._replace(thread="other")):  # another conversation has its own line
        pass


def test_a_thread_refined_from_two_processes_applies_every_reply_in_arrival_order(backend: Backend):
    if backend.kind == "sqlite":
        pytest.skip("a SQLite store orders one process; several processes need Redis (serve --workers refuses)")
    workers = [StoreWorker(backend.spec), StoreWorker(backend.spec)]
    try:
        for item in range(20):  # alternating, each taken before the next is sent: that is arrival order
            assert workers[item % 2].ask(f"arrive {item}") == f"queued {item}"
        for worker in workers:
            worker.send("apply")
        for worker in workers:
            worker.expect("applied")
    finally:
        for worker in workers:
            worker.close()
    assert backend.open().load(THREAD).query.keywords == [str(item) for item in range(20)]
