"""The real Redis server the Redis tests use (127.0.0.1:6379), and a key prefix per test.

Other agents and test runs share this server, so nothing here flushes a database: each
test writes under its own random prefix and deletes only the keys under it. Outside CI a
missing server skips the Redis tests and says why; under CI=true it fails them.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

from retrieval.plurals import plural

REDIS_URL = "redis://127.0.0.1:6379/0"


def require_redis() -> None:
    """Skip (or, under CI=true, fail) the calling test when the server does not answer."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        reason = f"the Redis tests need the local Redis server at {REDIS_URL} ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; under CI=true they must run, not skip")
        pytest.skip(reason)
    finally:
        client.close()


@contextmanager
def redis_namespace() -> Iterator[str]:
    """A fresh key prefix on the test server; every key under it is deleted afterwards."""
    require_redis()
    prefix = f"test-{uuid.uuid4().hex}"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        try:
            keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])
        finally:
            client.close()


def redis_keys(prefix: str) -> list[str]:
    """Every key under ``prefix`` (what a test left on the server)."""
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        return sorted(client.scan_iter(match=f"{prefix}:*", count=1000))
    finally:
        client.close()


def wait_answered(prefix: str, timeout: float = 30.0) -> None:
    """Until no request is claimed and unanswered: every claim is taken before its ack, so once
    the acks are back and the journal's open set is empty, every answer has been posted."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        deadline = time.monotonic() + timeout
        while (left := client.zcard(f"{prefix}:claims:open")) > 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"{plural(left, 'request')} still unanswered after {timeout}s")
            time.sleep(0.02)
    finally:
        client.close()
