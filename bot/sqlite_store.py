"""The default state store: one SQLite file in WAL mode, shared by the listener threads."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot.store import StateStoreError, ThreadKey, ThreadState

CLAIM_LIFETIME = 24 * 3600  # Slack retries within minutes; a day is plenty.
EXPIRE_INTERVAL = 600
BUSY_TIMEOUT_MS = 5000
SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (
    team TEXT NOT NULL, channel TEXT NOT NULL, thread TEXT NOT NULL,
    state TEXT NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (team, channel, thread)
);
CREATE INDEX IF NOT EXISTS threads_updated ON threads (updated_at);
CREATE TABLE IF NOT EXISTS claims (event TEXT PRIMARY KEY, claimed_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS claims_at ON claims (claimed_at);
"""


class SQLiteStateStore:
    """Thread state and dedupe claims in one file; every call is one short transaction.

    One connection behind a lock: SQLite serialises writers anyway, and each call takes
    well under a millisecond, so the listener threads never wait long.
    """

    def __init__(self, path: str | Path, ttl_seconds: float, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.ttl = ttl_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._last_expiry = 0.0
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None,
                                       timeout=BUSY_TIMEOUT_MS / 1000)
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StateStoreError(f"cannot open the state database {self.path}: {exc}") from None
        self.expire()

    def load(self, key: ThreadKey) -> ThreadState | None:
        with self._lock:
            row = self._db.execute(
                "SELECT state FROM threads WHERE team = ? AND channel = ? AND thread = ? AND updated_at > ?",
                (*key, self.clock() - self.ttl),
            ).fetchone()
        return None if row is None else ThreadState.model_validate_json(row[0])

    def save(self, key: ThreadKey, state: ThreadState) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO threads (team, channel, thread, state, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (team, channel, thread) DO UPDATE SET state = excluded.state, "
                "updated_at = excluded.updated_at",
                (*key, state.model_dump_json(), self.clock()),
            )
        self._maybe_expire()

    def forget(self, key: ThreadKey) -> None:
        with self._lock:
            self._db.execute("DELETE FROM threads WHERE team = ? AND channel = ? AND thread = ?", key)

    def claim(self, event: str) -> bool:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO claims (event, claimed_at) VALUES (?, ?) ON CONFLICT (event) DO NOTHING",
                (event, self.clock()),
            )
            claimed = cursor.rowcount == 1
        self._maybe_expire()
        return claimed

    def expire(self) -> int:
        now = self.clock()
        with self._lock:
            self._last_expiry = now
            threads = self._db.execute("DELETE FROM threads WHERE updated_at <= ?", (now - self.ttl,)).rowcount
            claims = self._db.execute("DELETE FROM claims WHERE claimed_at <= ?", (now - CLAIM_LIFETIME,)).rowcount
        return threads + claims

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _maybe_expire(self) -> None:
        if self.clock() - self._last_expiry >= EXPIRE_INTERVAL:
            self.expire()
