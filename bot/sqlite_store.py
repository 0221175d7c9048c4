"""The default state store: one SQLite file in WAL mode, shared by the listener threads.

Claims are the bot's journal. A request is claimed (with the request itself as its job)
before Slack gets its acknowledgement, and finished once it has been answered. A claim
that is still open when its owner process is gone was never answered: the next process
may take it over, so Slack's retry of it is answered and :func:`bot.recovery.replay`
answers the rest. An open claim of a live process (this one, or another one on the same
file) is a duplicate delivery.

At start-up the file is checked. A file that SQLite cannot lock or open is a clear error
(:class:`StateStoreError`). A damaged database is moved aside, with its WAL, and a new
one starts with every thread and claim that could still be read from the old one: a
thread that can still be refined is never dropped silently.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.store import CLAIM_LIFETIME, STALE_CLAIM, OpenClaim, StateStoreError, ThreadKey, ThreadState
from bot.turns import LocalLine, Ticket
from retrieval.plurals import plural

log = logging.getLogger(__name__)
EXPIRE_INTERVAL = 600
BUSY_TIMEOUT_MS = 5000
SALVAGE_PROBES = 2000
SQLITE_HEADER = b"SQLite format 3\x00"
CORRUPT = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})
LOCKED = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})
HOST = socket.gethostname()
_OPEN_OWNERS: set[str] = set()  # the stores open in this process
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
# Added after the first release; claims from before it read as finished.
CLAIM_COLUMNS = {"owner": "TEXT NOT NULL DEFAULT ''", "done": "INTEGER NOT NULL DEFAULT 1", "job": "TEXT"}


@contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taken up front, so a check-then-write is atomic across processes."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class SQLiteStateStore:
    """Thread state and claims in one file; every call is one short transaction.

    One connection behind a lock: SQLite serialises writers anyway, and each call takes
    well under a millisecond, so the listener threads never wait long.
    """

    def __init__(self, path: str | Path, ttl_seconds: float, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.ttl = ttl_seconds
        self.clock = clock
        # Who owns the claims made through this store: host, process and this very store.
        self.owner = f"{HOST}/{os.getpid()}/{uuid.uuid4().hex[:12]}"
        self.recovered_from: Path | None = None
        self._lock = threading.Lock()
        self._line = LocalLine()  # one process per file serves Slack (several need Redis)
        self._last_expiry = 0.0
        self._memory = str(path) == ":memory:"
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if _code(exc) not in CORRUPT or self._memory or not _has_sqlite_header(self.path):
                raise StateStoreError(_explain(self.path, exc)) from None
            self._db = self._start_over(exc)
        except OSError as exc:
            raise StateStoreError(f"cannot open the state database {self.path}: {exc}") from None
        try:
            self.expire()
        except sqlite3.Error as exc:
            self._db.close()
            raise StateStoreError(_explain(self.path, exc)) from None
        _OPEN_OWNERS.add(self.owner)

    # ---- threads --------------------------------------------------------------------------

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

    # ---- claims ---------------------------------------------------------------------------

    def claim(self, event: str, job: str | None = None) -> bool:
        """True when this process should handle ``event``: it is new, or its owner died
        before finishing it. ``job`` (the request) lets a later process replay it."""
        now = self.clock()
        with self._lock, immediate(self._db):
            row = self._db.execute("SELECT owner, done, claimed_at FROM claims WHERE event = ?", (event,)).fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO claims (event, claimed_at, owner, done, job) VALUES (?, ?, ?, 0, ?)",
                    (event, now, self.owner, job),
                )
                claimed = True
            elif row[1] or not self._abandoned(row[0], row[2]):
                claimed = False
            else:
                self._db.execute(
                    "UPDATE claims SET owner = ?, claimed_at = ?, job = coalesce(?, job) WHERE event = ?",
                    (self.owner, now, job, event),
                )
                log.warning("took over %s, left unfinished by a stopped process", event)
                claimed = True
        self._maybe_expire()
        return claimed

    def finish(self, event: str) -> None:
        """The claim is answered (or given up): it stays only to recognise duplicates."""
        with self._lock:
            self._db.execute("UPDATE claims SET done = 1, job = NULL WHERE event = ? AND owner = ?", (event, self.owner))

    def abandoned(self) -> list[OpenClaim]:
        """Open claims whose owner is gone, oldest first: requests nobody answered."""
        with self._lock:
            rows = self._db.execute(
                "SELECT event, job, claimed_at, owner FROM claims WHERE done = 0 AND owner != ? ORDER BY claimed_at",
                (self.owner,),
            ).fetchall()
        return [OpenClaim(event, job, at) for event, job, at, owner in rows if self._abandoned(owner, at)]

    def expire(self) -> int:
        now = self.clock()
        with self._lock:
            self._last_expiry = now
            threads = self._db.execute("DELETE FROM threads WHERE updated_at <= ?", (now - self.ttl,)).rowcount
            claims = self._db.execute("DELETE FROM claims WHERE claimed_at <= ?", (now - CLAIM_LIFETIME,)).rowcount
        return threads + claims

    def ordered(self, key: tuple[str, ...]) -> Ticket:
        return self._line.take(key)

    def close(self) -> None:
        _OPEN_OWNERS.discard(self.owner)
        with self._lock:
            self._db.close()

    # ---- internals ------------------------------------------------------------------------

    def _abandoned(self, owner: str, claimed_at: float) -> bool:
        """Whether the process that made a claim is gone (so the claim will never finish)."""
        if owner == self.owner:
            return False
        if self.clock() - claimed_at > STALE_CLAIM:
            return True
        host, _, rest = owner.partition("/")
        pid = rest.partition("/")[0]
        if host != HOST or not pid.isdigit():
            return False  # another machine's claim: only staleness tells
        if int(pid) == os.getpid():  # this process: alive while that store is open (else a restart in place,
            return owner not in _OPEN_OWNERS  # or an earlier process with the same pid, as a container's pid 1)
        return not _process_alive(int(pid))

    def _maybe_expire(self) -> None:
        if self.clock() - self._last_expiry >= EXPIRE_INTERVAL:
            self.expire()

    def _open(self) -> sqlite3.Connection:
        if not self._memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            problems = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise _Corrupt("; ".join(problems[:3]))
            db.executescript(SCHEMA)
            present = {row[1] for row in db.execute("PRAGMA table_info(claims)")}
            for column, definition in CLAIM_COLUMNS.items():
                if column not in present:
                    db.execute(f"ALTER TABLE claims ADD COLUMN {column} {definition}")
        except BaseException:
            db.close()
            raise
        return db

    def _start_over(self, problem: sqlite3.DatabaseError) -> sqlite3.Connection:
        """Move the damaged file aside, start a new one, and copy in whatever rows still read."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{uuid.uuid4().hex[:6]}")
        threads, claims = _salvage(self.path)
        for suffix in ("", "-wal", "-shm"):
            part = Path(str(self.path) + suffix)
            if part.exists():
                part.rename(Path(str(aside) + suffix))
        try:
            db = self._open()
            db.execute("BEGIN")
            db.executemany(
                "INSERT OR IGNORE INTO threads (team, channel, thread, state, updated_at) VALUES (?, ?, ?, ?, ?)", threads
            )
            db.executemany("INSERT OR IGNORE INTO claims (event, claimed_at, owner, done, job) VALUES (?, ?, ?, ?, ?)", claims)
            db.execute("COMMIT")
        except (sqlite3.Error, OSError) as exc:
            raise StateStoreError(
                f"the state database {self.path} was damaged ({problem}) and moved to {aside}, "
                f"but a new one could not be started: {exc}"
            ) from None
        log.error(
            "THE STATE DATABASE %s WAS DAMAGED (%s). It was moved to %s and a new one started with the %s "
            "and %s that could still be read; threads whose rows were lost will say their search expired.",
            self.path,
            problem,
            aside,
            plural(len(threads), "thread"),
            plural(len(claims), "claim"),
        )
        self.recovered_from = aside
        return db


class _Corrupt(sqlite3.DatabaseError):
    sqlite_errorname = "SQLITE_CORRUPT"


def _salvage(path: Path) -> tuple[list[tuple], list[tuple]]:
    """Every thread and claim row that can still be read from a damaged database."""
    threads: list[tuple] = []
    claims: list[tuple] = []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error:
        return threads, claims
    try:
        _read_rows(db, "threads", "team, channel, thread, state, updated_at", threads)
        present = {row[1] for row in _quietly(db, "PRAGMA table_info(claims)")}
        columns = "event, claimed_at, owner, done, job" if CLAIM_COLUMNS.keys() <= present else "event, claimed_at, '', 1, NULL"
        _read_rows(db, "claims", columns, claims)
    finally:
        db.close()
    return threads, claims


def _read_rows(db: sqlite3.Connection, table: str, columns: str, into: list[tuple]) -> None:
    """Rows in rowid order up to the damage, then row by row: a lookup by rowid only walks
    one path of the b-tree, so it reaches the rows on the pages that are still whole. The
    rowids to look up come from an index when one still reads, else from a bounded scan."""
    last = 0
    try:
        for row in db.execute(f"SELECT rowid, {columns} FROM {table} ORDER BY rowid"):
            last = row[0]
            into.append(tuple(row[1:]))
        return
    except sqlite3.DatabaseError:
        pass
    candidates: Iterable[int] = []
    for (index,) in _quietly(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,)):
        rowids = _quietly(db, f'SELECT rowid FROM {table} INDEXED BY "{index}" WHERE rowid > ?', (last,))
        if rowids:
            candidates = sorted({rowid for (rowid,) in rowids})
            break
    else:
        top = _quietly(db, f"SELECT max(rowid) FROM {table}")
        end = top[0][0] if top and top[0][0] is not None else last + SALVAGE_PROBES
        candidates = range(last + 1, min(end, last + 100 * SALVAGE_PROBES) + 1)
    misses = 0
    for rowid in candidates:
        try:
            row = db.execute(f"SELECT {columns} FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            row = None
        if row is None:
            misses += 1
            if misses > SALVAGE_PROBES:  # a damaged root page fails every lookup: stop trying
                return
            continue
        misses = 0
        into.append(tuple(row))


def _quietly(db: sqlite3.Connection, query: str, args: tuple = ()) -> list[tuple]:
    try:
        return db.execute(query, args).fetchall()
    except sqlite3.DatabaseError:
        return []


def _has_sqlite_header(path: Path) -> bool:
    """A damaged SQLite file still starts with its header; a file that does not is some other file."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _code(exc: sqlite3.Error) -> str:
    """SQLite's primary error name (``SQLITE_IOERR_SHORT_READ`` is ``SQLITE_IOERR``)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if not name and "malformed" in str(exc):
        return "SQLITE_CORRUPT"
    return "_".join(name.split("_")[:2])


def _explain(path: Path, exc: sqlite3.Error) -> str:
    code = _code(exc)
    if code in LOCKED:
        return (
            f"cannot open the state database {path}: it is locked by another process "
            f"(waited {BUSY_TIMEOUT_MS // 1000}s; is a backup or another tool holding it?)"
        )
    if code in CORRUPT:
        return f"cannot open the state database {path}: it is not a SQLite database (is STATE_DB_PATH right?)"
    return f"cannot open the state database {path}: {exc} (check that the path is a file this user can read and write)"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
