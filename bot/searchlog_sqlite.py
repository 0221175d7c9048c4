"""The search log in the SQLite state file: three tables beside the threads and claims.

Its own connection to the same file (WAL, like bot/sqlite_store.py), so logging never
holds the state store's lock. A search is one row whose ``record`` column is the
SearchRecord as JSON, so the row model lives in one place (bot/searchlog.py); ``at`` is a
column of its own for the window queries and the purge. Votes have one row per search and
user (the primary key is the "one vote per user" rule); clicks one row per click.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from bot.searchlog import ClickRecord, LogWindow, RecordingLog, SearchRecord, VoteRecord, VoteResult
from bot.sqlite_store import immediate
from bot.store import StateStoreError
from bot.user_keys import new_stored_secret

BUSY_TIMEOUT_MS = 5000
SCHEMA = """
CREATE TABLE IF NOT EXISTS search_log (search_id TEXT PRIMARY KEY, at REAL NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS search_log_at ON search_log (at);
CREATE TABLE IF NOT EXISTS search_votes (
    search_id TEXT NOT NULL, user_key TEXT NOT NULL, vote TEXT NOT NULL, at REAL NOT NULL,
    changes INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (search_id, user_key)
);
CREATE TABLE IF NOT EXISTS search_clicks (
    search_id TEXT NOT NULL, user_key TEXT NOT NULL, project TEXT NOT NULL, rank INTEGER NOT NULL, at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS search_clicks_search ON search_clicks (search_id);
CREATE TABLE IF NOT EXISTS search_log_secret (only INTEGER PRIMARY KEY CHECK (only = 1), secret TEXT NOT NULL);
"""
IN_WINDOW = "search_id IN (SELECT search_id FROM search_log WHERE at >= ? AND at < ?)"


class SQLiteSearchLog(RecordingLog):
    """The log in ``path``; ``must_exist`` (the report) refuses a file that is not there rather than make one."""

    def __init__(
        self,
        path: str | Path,
        *,
        secret: bytes | None,
        keep_text: bool,
        retention_days: float,
        clock: Callable[[], float] = time.time,
        must_exist: bool = False,
    ):
        self.path = Path(path)
        if must_exist and not self.path.is_file():
            raise StateStoreError(f"no state database at {self.path} (set STATE_DB_PATH or STATE_URL, or give --state)")
        self._lock = threading.Lock()
        with self._failures("opening"):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(self.path), check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
            )
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.executescript(SCHEMA)
        super().__init__(secret, keep_text, retention_days, clock)

    def _put_search(self, record: SearchRecord) -> None:
        with self._failures("recording a search"):
            self._db.execute(
                "INSERT INTO search_log (search_id, at, record) VALUES (?, ?, ?) ON CONFLICT (search_id) "
                "DO UPDATE SET at = excluded.at, record = excluded.record",
                (record.search_id, record.at.timestamp(), record.model_dump_json()),
            )

    def _put_vote(self, vote: VoteRecord) -> VoteResult:
        with self._failures("recording a vote"), immediate(self._db):
            if self._db.execute("SELECT 1 FROM search_log WHERE search_id = ?", (vote.search_id,)).fetchone() is None:
                return VoteResult.UNKNOWN
            row = self._db.execute(
                "SELECT vote FROM search_votes WHERE search_id = ? AND user_key = ?", (vote.search_id, vote.user_key)
            ).fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO search_votes (search_id, user_key, vote, at) VALUES (?, ?, ?, ?)",
                    (vote.search_id, vote.user_key, vote.vote.value, vote.at.timestamp()),
                )
                return VoteResult.RECORDED
            if row[0] == vote.vote.value:
                return VoteResult.SAME
            self._db.execute(
                "UPDATE search_votes SET vote = ?, at = ?, changes = changes + 1 WHERE search_id = ? AND user_key = ?",
                (vote.vote.value, vote.at.timestamp(), vote.search_id, vote.user_key),
            )
            return VoteResult.CHANGED

    def _put_click(self, click: ClickRecord) -> bool:
        with self._failures("recording a click"):
            inserted = self._db.execute(
                "INSERT INTO search_clicks (search_id, user_key, project, rank, at) "
                "SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM search_log WHERE search_id = ?)",
                (click.search_id, click.user_key, click.project_id, click.rank, click.at.timestamp(), click.search_id),
            )
            return inserted.rowcount == 1

    def _purge(self, before: float) -> int:
        old = "search_id IN (SELECT search_id FROM search_log WHERE at < ?)"
        with self._failures("deleting old searches"), immediate(self._db):
            self._db.execute(f"DELETE FROM search_votes WHERE {old}", (before,))
            self._db.execute(f"DELETE FROM search_clicks WHERE {old}", (before,))
            return self._db.execute("DELETE FROM search_log WHERE at < ?", (before,)).rowcount

    def _stored_secret(self) -> str:
        with self._failures("reading the user-key secret"), immediate(self._db):
            self._db.execute("INSERT OR IGNORE INTO search_log_secret (only, secret) VALUES (1, ?)", (new_stored_secret(),))
            return self._db.execute("SELECT secret FROM search_log_secret").fetchone()[0]

    def read(self, since: datetime, until: datetime) -> LogWindow:
        window = (since.timestamp(), until.timestamp())
        with self._failures("reading the log"):
            searches = [
                SearchRecord.model_validate_json(row[0])
                for row in self._db.execute(
                    "SELECT record FROM search_log WHERE at >= ? AND at < ? ORDER BY at, search_id", window
                )
            ]
            votes = [
                VoteRecord(search_id=s, user_key=u, vote=v, at=_utc(at), changes=c)
                for s, u, v, at, c in self._db.execute(
                    f"SELECT search_id, user_key, vote, at, changes FROM search_votes WHERE {IN_WINDOW}", window
                )
            ]
            clicks = [
                ClickRecord(search_id=s, user_key=u, project_id=p, rank=r, at=_utc(at))
                for s, u, p, r, at in self._db.execute(
                    f"SELECT search_id, user_key, project, rank, at FROM search_clicks WHERE {IN_WINDOW} ORDER BY rowid", window
                )
            ]
        return LogWindow(searches, votes, clicks)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _failures(self, doing: str) -> Iterator[None]:
        """One lock for the connection; an SQLite or file failure is one StateStoreError naming the file."""
        with self._lock:
            try:
                yield
            except (sqlite3.Error, OSError) as exc:
                raise StateStoreError(f"the search log in {self.path} failed while {doing}: {exc}") from None


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)
