"""What only the Redis store has: a server that can be away, keys that must expire, and
lines shared by processes whose holder can die. The shared behaviour is in test_store_contract.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import redis

from bot.redis_line import LINE_LIFETIME
from bot.redis_store import RedisStateStore
from bot.store import CLAIM_LIFETIME, StateStoreError, ThreadKey, ThreadState
from retrieval.models import Query
from tests.support import free_port
from tests.support.redis_db import REDIS_URL, redis_keys, redis_namespace
from tests.support.store_backends import TEST_LEASE, Backend
from tests.support.store_worker import StoreWorker
from tests.support.tcp_proxy import TcpProxy

KEY = ThreadKey("T1", "C1", "1700000000.000001")
TTL = 3600


@pytest.fixture
def backend() -> Iterator[Backend]:
    with redis_namespace() as prefix:
        opened = Backend.redis(prefix)
        yield opened
        opened.close_all()


def test_an_unreachable_server_is_a_clear_error_at_start():
    port = free_port()
    with pytest.raises(
        StateStoreError,
        match=rf"^cannot reach the state store at redis://127.0.0.1:{port}/0: .*"
        r"\(is Redis running there, and is STATE_URL right\?\)$",
    ):
        RedisStateStore(f"redis://:hunter2@127.0.0.1:{port}/0", TTL)


def test_a_server_that_goes_away_is_a_clear_error_and_is_used_again_when_back(backend: Backend):
    with TcpProxy(6379) as proxy:
        url = f"redis://127.0.0.1:{proxy.port}/0"
        store = RedisStateStore(url, TTL, prefix=backend.spec["prefix"], lease_seconds=TEST_LEASE)
        try:
            assert store.claim("event:Ev1")
            proxy.cut()
            with pytest.raises(StateStoreError, match=rf"^the state store at {url} failed while claiming a request: "):
                store.claim("event:Ev2")
            with pytest.raises(StateStoreError, match="failed while loading a thread"):
                store.load(KEY)
            proxy.restore()
            assert store.claim("event:Ev2"), "the next call opens a new connection"
            assert not store.claim("event:Ev1"), "and nothing was lost on the server"
        finally:
            store.close()


def test_every_key_expires_by_itself_but_the_index_of_open_claims(backend: Backend):
    store = backend.open(ttl=TTL)
    store.save(KEY, ThreadState(query=Query(keywords=["gan"])))
    assert store.claim("event:Ev1", "{}")
    with store.ordered(KEY):
        pass
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        lifetimes = {
            key.removeprefix(backend.spec["prefix"] + ":"): client.pttl(key) for key in redis_keys(backend.spec["prefix"])
        }
    finally:
        client.close()
    open_index = lifetimes.pop("claims:open")
    assert open_index == -1, "the open claims are swept by expire(), not by Redis"
    limits = {"thread": TTL, "claim": CLAIM_LIFETIME, "lease": TEST_LEASE, "line": LINE_LIFETIME}
    for key, millis in lifetimes.items():
        assert 0 < millis <= limits[key.split(":")[0]] * 1000, (key, millis)
    store.finish("event:Ev1")
    assert f"{backend.spec['prefix']}:claims:open" not in redis_keys(backend.spec["prefix"])


def test_a_closed_store_refuses_calls_and_ends_its_lease(backend: Backend):
    store = backend.open()
    store.close()
    with pytest.raises(StateStoreError, match="the state store is closed"):
        store.load(KEY)
    with pytest.raises(StateStoreError, match="the state store is closed"):
        store.ordered(KEY)
    assert not [key for key in redis_keys(backend.spec["prefix"]) if ":lease:" in key]


def test_a_killed_holder_of_a_threads_turn_is_passed_over_once_its_lease_lapses(backend: Backend):
    worker = StoreWorker(backend.spec)
    assert worker.ask("hold " + ":".join(KEY)) == "holding"
    store = backend.open()
    turn = store.ordered(KEY)
    assert turn.number == 2
    assert store._line._step(KEY, "") == (1, 2), "a live holder keeps its turn"
    worker.kill()

    entered = threading.Event()

    def wait_turn() -> None:
        with turn:
            entered.set()

    waiter = threading.Thread(target=wait_turn)
    waiter.start()
    waiter.join(30)
    assert entered.is_set(), "the dead holder's turn was passed over"


def _delete(prefix: str, part: str) -> None:
    """Delete this test's keys whose name holds ``part``: what a restart without persistence does to them."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.delete(*[key for key in redis_keys(prefix) if part in key])
    finally:
        client.close()


def _enters(turn, timeout: float = 30.0) -> bool:
    """Whether a thread entering ``turn`` gets in (and out) within ``timeout``: False is a stuck line."""
    entered = threading.Event()

    def run() -> None:
        with turn:
            entered.set()

    waiter = threading.Thread(target=run, daemon=True)
    waiter.start()
    waiter.join(timeout)
    return entered.is_set()


def test_a_line_the_server_forgot_lets_its_waiters_go(backend: Backend):
    store = backend.open()
    first, second = store.ordered(KEY), store.ordered(KEY)
    _delete(backend.spec["prefix"], ":line:")
    assert _enters(second), "ticket 2 waited for a ticket 1 the server no longer knows"
    first.skip()
    with store.ordered(KEY):
        pass


def test_a_leave_the_server_did_not_get_is_sent_again_once_it_is_back(backend: Backend):
    with TcpProxy(6379) as proxy:
        store = RedisStateStore(f"redis://127.0.0.1:{proxy.port}/0", TTL, prefix=backend.spec["prefix"], lease_seconds=TEST_LEASE)
        try:
            first, second = store.ordered(KEY), store.ordered(KEY)
            first.__enter__()
            proxy.cut()
            with pytest.raises(StateStoreError, match="leaving a thread's line"):
                first.__exit__(None, None, None)
            proxy.restore()
            assert _enters(second), "ticket 1 never left: its process is alive, so the line was stuck"
        finally:
            store.close()


def test_taking_a_ticket_renews_the_takers_lease(backend: Backend):
    """A restarted server has forgotten every lease; a ticket taken before the next renewal
    must not read as a dead process's (and be passed over)."""
    store = backend.open()
    _delete(backend.spec["prefix"], ":lease:")
    store.ordered(KEY).skip()
    assert [key for key in redis_keys(backend.spec["prefix"]) if ":lease:" in key]
