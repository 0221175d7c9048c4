"""Which state store and search log the bot uses: Redis when STATE_URL is set, else the SQLite file."""

from __future__ import annotations

from pathlib import Path

from bot.searchlog import NullSearchLog, RecordingLog, SearchLog
from bot.searchlog_sqlite import SQLiteSearchLog
from bot.settings import Settings
from bot.sqlite_store import SQLiteStateStore
from bot.store import StateStore
from bot.user_keys import configured_secret

DAY = 86400


def open_store(settings: Settings) -> StateStore:
    """The store the settings name; StateStoreError (one line) when it cannot be used."""
    ttl = settings.state_ttl_days * DAY
    if settings.state_url:
        from bot.redis_store import RedisStateStore  # only a Redis deployment imports redis-py

        return RedisStateStore(settings.state_url, ttl, prefix=settings.state_prefix)
    return SQLiteStateStore(settings.state_db_path, ttl_seconds=ttl)


def open_search_log(settings: Settings) -> SearchLog:
    """The bot's search log beside its state, or nothing with SEARCH_LOG=false. Open it after the
    state store, which may move a damaged SQLite file aside as it opens."""
    return _search_log(settings, None, must_exist=False) if settings.search_log else NullSearchLog()


def search_log_at(settings: Settings, state: Path | None = None) -> RecordingLog:
    """The report's log: in the SQLite file ``state`` (--state), else the configured state, whatever
    SEARCH_LOG says (a report reads what was recorded before the log was turned off). A report
    never makes a state file: the SQLite file must exist."""
    return _search_log(settings, state, must_exist=True)


def _search_log(settings: Settings, state: Path | None, must_exist: bool) -> RecordingLog:
    secret, keep_text, retention = configured_secret(settings), settings.log_request_text, settings.log_retention_days
    if state is None and settings.state_url:
        from bot.searchlog_redis import RedisSearchLog  # only a Redis deployment imports redis-py

        return RedisSearchLog(
            settings.state_url, prefix=settings.state_prefix, secret=secret, keep_text=keep_text, retention_days=retention
        )
    return SQLiteSearchLog(
        state or settings.state_db_path, must_exist=must_exist, secret=secret, keep_text=keep_text, retention_days=retention
    )
