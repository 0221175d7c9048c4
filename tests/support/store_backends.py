"""The state stores the contract tests run against, opened in the test or in another process.

A :class:`Backend` opens any number of stores on one shared place (a SQLite file, or a
Redis key prefix) and closes them after the test; :attr:`Backend.spec` tells a
subprocess (tests/support/store_worker.py) how to open a store on the same place.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.redis_store import RedisStateStore
from bot.sqlite_store import SQLiteStateStore
from bot.store import StateStore
from tests.support.redis_db import REDIS_URL

# Short, so a killed owner's claims are taken over quickly; long enough that a busy test
# machine renews it in time (three renewals per lease).
TEST_LEASE = 2.0


def open_spec(spec: dict[str, Any], ttl: float = 3600, clock: Callable[[], float] = time.time) -> StateStore:
    if spec["kind"] == "sqlite":
        return SQLiteStateStore(spec["path"], ttl_seconds=ttl, clock=clock)
    return RedisStateStore(spec["url"], ttl, prefix=spec["prefix"], clock=clock, lease_seconds=spec["lease"])


class Backend:
    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        self.kind: str = spec["kind"]
        self._stores: list[StateStore] = []

    @classmethod
    def sqlite(cls, path: Path) -> Backend:
        return cls({"kind": "sqlite", "path": str(path)})

    @classmethod
    def redis(cls, prefix: str) -> Backend:
        return cls({"kind": "redis", "url": REDIS_URL, "prefix": prefix, "lease": TEST_LEASE})

    def open(self, ttl: float = 3600, clock: Callable[[], float] = time.time) -> StateStore:
        store = open_spec(self.spec, ttl, clock)
        self._stores.append(store)
        return store

    def spec_json(self) -> str:
        return json.dumps(self.spec)

    def close_all(self) -> None:
        for store in self._stores:
            store.close()  # a second close is harmless
