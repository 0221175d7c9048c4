"""The state store for several bot processes: one Redis server (``STATE_URL=redis://…``).

Same behaviour as :class:`bot.sqlite_store.SQLiteStateStore`, shared by every process on
the server:

- **Threads**: a hash per thread (its state and when it was saved). Redis deletes it
  ``ttl`` after the last save (PEXPIRE); until then a load still checks the save time
  against the store's clock, so a thread past its lifetime never reads as live.
- **Claims** (the journal): a hash per event key with its owner, whether it is done, the
  request (``job``) and when it was claimed, kept for CLAIM_LIFETIME; the open ones are
  also in a sorted set by claim time, which is what :meth:`abandoned` reads. Claiming and
  taking over are one Lua script each, so a claim is won by exactly one process.
- **Owners**: each store holds a lease (bot.redis_lease). An open claim whose owner's
  lease lapsed (the process died) or that is older than STALE_CLAIM is abandoned, and the
  next claim of it takes it over, exactly once.
- **Order**: :meth:`ordered` is a line per conversation across processes (bot.redis_line).

Every key starts with ``prefix``, so several bots (or tests) can share one server. Redis
Cluster is not supported: the scripts touch keys they compute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

from bot.redis_client import connect, failures
from bot.redis_lease import Lease
from bot.redis_line import RedisLine
from bot.store import CLAIM_LIFETIME, STALE_CLAIM, OpenClaim, StateStoreError, ThreadKey, ThreadState
from bot.turns import Ticket

log = logging.getLogger(__name__)
LEASE_SECONDS = 10.0
EXPIRE_INTERVAL = 600

# KEYS: the claim, the open claims. ARGV: event, owner, now, job, has job (1/0), lifetime
# seconds, stale seconds, lease key prefix. Returns 0 (not yours), 1 (new), 2 (taken over).
CLAIM = """
local owner, done, at = unpack(redis.call('HMGET', KEYS[1], 'owner', 'done', 'at'))
local now = tonumber(ARGV[3])
local live = owner and now - tonumber(at) < tonumber(ARGV[6])
if live then
  if done == '1' or owner == ARGV[2] then return 0 end
  if now - tonumber(at) <= tonumber(ARGV[7]) and redis.call('EXISTS', ARGV[8] .. owner) == 1 then return 0 end
end
redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'done', '0', 'at', ARGV[3])
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[1], 'job', ARGV[4])
elseif not live then
  redis.call('HDEL', KEYS[1], 'job')
end
redis.call('PEXPIRE', KEYS[1], math.floor(tonumber(ARGV[6]) * 1000))
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if live then return 2 end
return 1
"""

# KEYS: the claim, the open claims. ARGV: owner, event.
FINISH = """
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'done', '1')
  redis.call('HDEL', KEYS[1], 'job')
  redis.call('ZREM', KEYS[2], ARGV[2])
end
"""


class RedisStateStore:
    """Thread state, claims and lines on a Redis server; safe to share between threads."""

    def __init__(
        self,
        url: str,
        ttl_seconds: float,
        prefix: str = "findproject",
        clock: Callable[[], float] = time.time,
        lease_seconds: float = LEASE_SECONDS,
    ):
        self.url = url
        self.ttl = ttl_seconds
        self.prefix = prefix
        self.clock = clock
        self._client = connect(url)
        try:
            with failures(url, "starting"):
                self._lease = Lease(self._client, prefix, lease_seconds)
        except StateStoreError:
            self._client.close()
            raise
        self.owner = self._lease.owner
        self._line = RedisLine(self._client, url, prefix, self._lease)
        self._claim = self._client.register_script(CLAIM)
        self._finish = self._client.register_script(FINISH)
        self._open = f"{prefix}:claims:open"
        self._last_expiry = 0.0
        self._closed = False

    # ---- threads --------------------------------------------------------------------------

    def load(self, key: ThreadKey) -> ThreadState | None:
        with self._using("loading a thread"):
            state, saved = self._client.hmget(self._thread(key), "state", "at")
        if state is None or float(saved) <= self.clock() - self.ttl:
            return None
        return ThreadState.model_validate_json(state)

    def save(self, key: ThreadKey, state: ThreadState) -> None:
        name = self._thread(key)
        with self._using("saving a thread"):
            (
                self._client.pipeline()
                .hset(name, mapping={"state": state.model_dump_json(), "at": repr(self.clock())})
                .pexpire(name, max(1, int(self.ttl * 1000)))
                .execute()
            )

    def forget(self, key: ThreadKey) -> None:
        with self._using("forgetting a thread"):
            self._client.delete(self._thread(key))

    # ---- claims ---------------------------------------------------------------------------

    def claim(self, event: str, job: str | None = None) -> bool:
        """True when this process should handle ``event``: it is new, or its owner died
        before finishing it. ``job`` (the request) lets a later process replay it."""
        with self._using("claiming a request"):
            won = int(
                self._claim(
                    keys=[self._claim_key(event), self._open],
                    args=[
                        event,
                        self.owner,
                        repr(self.clock()),
                        job or "",
                        "0" if job is None else "1",
                        CLAIM_LIFETIME,
                        STALE_CLAIM,
                        self._lease.prefix,
                    ],
                )
            )
        if won == 2:
            log.warning("took over %s, left unfinished by a stopped process", event)
        self._maybe_expire()
        return won > 0

    def finish(self, event: str) -> None:
        with self._using("finishing a request"):
            self._finish(keys=[self._claim_key(event), self._open], args=[self.owner, event])

    def abandoned(self) -> list[OpenClaim]:
        """Open claims whose owner is gone (or that went stale), oldest first."""
        now = self.clock()
        with self._using("listing unanswered requests"):
            events = self._client.zrange(self._open, 0, -1)
            reads = self._client.pipeline(transaction=False)
            for event in events:
                reads.hmget(self._claim_key(event), "owner", "done", "job", "at")
            rows = [(event, *row) for event, row in zip(events, reads.execute())]
            rows = [row for row in rows if row[1] is not None and row[1] != self.owner and row[2] != "1"]
            owners = sorted({row[1] for row in rows})
            checks = self._client.pipeline(transaction=False)
            for owner in owners:
                checks.exists(self._lease.prefix + owner)
            alive = {owner for owner, exists in zip(owners, checks.execute()) if exists}
        return [
            OpenClaim(event, job, float(at))
            for event, owner, _, job, at in rows
            if owner not in alive or now - float(at) > STALE_CLAIM
        ]

    def expire(self) -> int:
        """Redis deletes threads and claims past their lifetime by itself; what is left to
        sweep is the index of open claims that were never finished nor taken over."""
        now = self.clock()
        self._last_expiry = now
        with self._using("expiring old requests"):
            return int(self._client.zremrangebyscore(self._open, "-inf", now - CLAIM_LIFETIME))

    # ---- order and lifetime ---------------------------------------------------------------

    def ordered(self, key: tuple[str, ...]) -> Ticket:
        self._check_open()
        return self._line.take(key)

    def close(self) -> None:
        """End the lease (what this store left open may be taken over at once) and disconnect."""
        if self._closed:
            return
        self._closed = True
        self._lease.end()
        self._client.close()

    # ---- internals ------------------------------------------------------------------------

    def _using(self, doing: str) -> AbstractContextManager[None]:
        """Checks that the store is open; failures inside are explained (bot.redis_client)."""
        self._check_open()
        return failures(self.url, doing)

    def _check_open(self) -> None:
        if self._closed:
            raise StateStoreError("the state store is closed")

    def _maybe_expire(self) -> None:
        if self.clock() - self._last_expiry >= EXPIRE_INTERVAL:
            self.expire()

    def _thread(self, key: ThreadKey) -> str:
        return f"{self.prefix}:thread:" + ":".join(key)

    def _claim_key(self, event: str) -> str:
        return f"{self.prefix}:claim:{event}"
