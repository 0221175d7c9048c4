"""Where the search-log tests keep a log: an SQLite file or a key prefix on the real Redis server.

A :class:`LogPlace` opens any number of logs on one place (as several bot processes would),
closes them after the test, and reads back *everything* stored there as text, so a test
can show that a user id or a request was never written anywhere.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import redis

from bot.searchlog import RecordingLog
from bot.searchlog_redis import RedisSearchLog
from bot.searchlog_sqlite import SQLiteSearchLog
from tests.support.redis_db import REDIS_URL, redis_keys


class Clock:
    """A clock the test moves by hand (retention is days long)."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


class LogPlace:
    def __init__(self, kind: str, where: str):
        self.kind = kind
        self.where = where  # the SQLite file, or the Redis key prefix
        self._logs: list[RecordingLog] = []

    def open(
        self,
        *,
        secret: bytes | None = b"test secret",
        keep_text: bool = True,
        retention_days: float = 90,
        clock: Callable[[], float] = time.time,
    ) -> RecordingLog:
        policy = {"secret": secret, "keep_text": keep_text, "retention_days": retention_days, "clock": clock}
        if self.kind == "sqlite":
            opened: RecordingLog = SQLiteSearchLog(self.where, **policy)
        else:
            opened = RedisSearchLog(REDIS_URL, prefix=self.where, **policy)
        self._logs.append(opened)
        return opened

    def stored_text(self) -> str:
        """Every table's rows (SQLite) or every key and value under the prefix (Redis), as one text."""
        if self.kind == "sqlite":
            db = sqlite3.connect(self.where)
            try:
                return "\n".join(db.iterdump())
            finally:
                db.close()
        client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
        try:
            return "\n".join(f"{key} {_value(client, key)}" for key in redis_keys(self.where))
        finally:
            client.close()

    def close_all(self) -> None:
        for opened in self._logs:
            opened.close()


def _value(client: redis.Redis, key: str) -> object:
    kind = client.type(key)
    if kind == "string":
        return client.get(key)
    if kind == "hash":
        return client.hgetall(key)
    if kind == "list":
        return client.lrange(key, 0, -1)
    return client.zrange(key, 0, -1, withscores=True)


def sqlite_place(directory: Path) -> LogPlace:
    return LogPlace("sqlite", str(directory / "state.sqlite3"))
