"""Which state store the bot uses: Redis when STATE_URL is set, else the SQLite file."""

from __future__ import annotations

from bot.settings import Settings
from bot.sqlite_store import SQLiteStateStore
from bot.store import StateStore

DAY = 86400


def open_store(settings: Settings) -> StateStore:
    """The store the settings name; StateStoreError (one line) when it cannot be used."""
    ttl = settings.state_ttl_days * DAY
    if settings.state_url:
        from bot.redis_store import RedisStateStore  # only a Redis deployment imports redis-py

        return RedisStateStore(settings.state_url, ttl, prefix=settings.state_prefix)
    return SQLiteStateStore(settings.state_db_path, ttl_seconds=ttl)
