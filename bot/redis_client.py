"""The connection to the Redis server behind :mod:`bot.redis_store`, and its failures in plain words.

Commands are never retried by the client: a retried claim or ticket whose first attempt
did reach the server would be applied twice (a claim would then read as a duplicate of
itself). A failed command is a :class:`bot.store.StateStoreError` for the caller, and the
next command opens a fresh connection, so a restarted server is picked up by itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from bot.store import StateStoreError

CONNECT_TIMEOUT = 2.0
# Longer than any blocking wait the store makes (bot.redis_line.POLL_CAP).
COMMAND_TIMEOUT = 5.0


def redacted(url: str) -> str:
    """The url without its user name and password, fit for a log line or an error."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "the configured STATE_URL"
    return f"{parts.scheme}://{host}{port}{parts.path}"


def connect(url: str) -> redis.Redis:
    """A client for ``url`` that has answered a PING; StateStoreError with the reason if not."""
    where = redacted(url)
    try:
        client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=COMMAND_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
        )
    except ValueError as exc:  # redis-py's own reading of the url
        raise StateStoreError(f"cannot use STATE_URL {where}: {exc}") from None
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        raise StateStoreError(
            f"cannot reach the state store at {where}: {_reason(exc)} (is Redis running there, and is STATE_URL right?)"
        ) from None
    return client


@contextmanager
def failures(url: str, doing: str) -> Iterator[None]:
    """Any Redis failure inside becomes one StateStoreError naming the server and the step."""
    try:
        yield
    except redis.RedisError as exc:
        raise StateStoreError(f"the state store at {redacted(url)} failed while {doing}: {_reason(exc)}") from None


def _reason(exc: redis.RedisError) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text.splitlines()[0]
