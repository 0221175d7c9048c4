"""Lines per conversation across processes: a ticket counter and a "now serving" counter in Redis.

A request takes a ticket when it arrives (INCR), in whichever process Slack sent it to,
so the tickets of one thread are in arrival order. The line is served one ticket at a
time: a ticket waits until "now serving" reaches it, and leaving moves "now serving" on
and wakes the next ticket's waiter (a list it blocks on, BLPOP). Each ticket records the
lease owner that took it (bot.redis_lease), so a ticket whose process died, waiting or
holding its turn, is passed over once its lease has lapsed: a dead process delays a
thread by at most one lease, never blocks it.

Waiters also wake every ``poll`` seconds to look for such a dead ticket ahead of them;
a wake-up only re-checks, it never decides by time.

The server can go away in between. A leave that fails is kept and sent again before this
line's next command, so a blip never leaves a live process's ticket blocking a thread.
A server that restarted empty has forgotten its lines: a waiter whose ticket is past the
line's last one goes ahead (its place is gone), and taking a ticket renews the taker's
lease, so a restarted server never reads a live process as dead.
"""

from __future__ import annotations

import logging
import threading
from collections import deque

import redis

from bot.redis_client import failures
from bot.redis_lease import Lease
from bot.turns import Ticket

log = logging.getLogger(__name__)
LINE_LIFETIME = 24 * 3600  # a line nobody used for a day is gone; the next ticket starts it anew
WAKE_LIFETIME = 60  # a wake-up nobody took (its ticket had already run) goes after a minute
POLL_CAP = 1.0

# KEYS: last ticket, owners (ticket -> lease owner), now serving. ARGV: owner, lifetime ms,
# the owner's lease key, the lease in ms.
TAKE = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('DEL', KEYS[2])
  redis.call('SET', KEYS[3], 1)
end
redis.call('HSET', KEYS[2], n, ARGV[1])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
redis.call('SET', ARGV[3], '1', 'PX', ARGV[4])
return n
"""

# The first ticket still in line: passes over tickets that left (no owner) or whose
# owner's lease lapsed. KEYS as TAKE. ARGV: lease key prefix, lifetime ms, a ticket that
# leaves now ('' for none). Returns {now serving, last ticket}.
ADVANCE = """
if ARGV[3] ~= '' then redis.call('HDEL', KEYS[2], ARGV[3]) end
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local serving = tonumber(redis.call('GET', KEYS[3]) or '1')
while serving <= last do
  local owner = redis.call('HGET', KEYS[2], tostring(serving))
  if owner and redis.call('EXISTS', ARGV[1] .. owner) == 1 then break end
  redis.call('HDEL', KEYS[2], tostring(serving))
  serving = serving + 1
end
redis.call('SET', KEYS[3], serving, 'PX', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {serving, last}
"""


class RedisLine:
    """The lines of every conversation under ``prefix``, shared by all processes on the server."""

    def __init__(self, client: redis.Redis, url: str, prefix: str, lease: Lease):
        self.client = client
        self.url = url
        self.prefix = f"{prefix}:line:"
        self.lease = lease
        self.poll = min(POLL_CAP, max(0.05, lease.millis / 4000))
        self._guard = threading.Lock()
        self._unsent: deque[tuple[tuple[str, ...], int]] = deque()  # leaves the server did not get yet
        self._take = client.register_script(TAKE)
        self._advance = client.register_script(ADVANCE)

    def take(self, key: tuple[str, ...]) -> Ticket:
        with failures(self.url, "taking a place in a thread's line"):
            self._leave_unsent()
            number = self._take(
                keys=self._keys(key), args=[self.lease.owner, LINE_LIFETIME * 1000, self.lease.key, self.lease.millis]
            )
        return Ticket(self, key, int(number))

    def wait(self, key: tuple[str, ...], number: int) -> None:
        wake = self._wake(key, number)
        with failures(self.url, "waiting for a thread's earlier replies"):
            self._leave_unsent()
            while True:
                serving, last = self._step(key, "")
                if serving == number or number > last:  # its turn, or a restarted server forgot the line
                    return  # a wake-up pushed for it expires by itself (WAKE_LIFETIME)
                if serving > number:  # passed over: this process's lease lapsed while it waited
                    log.warning(
                        "the line of %s moved past a request whose process looked dead; answering it now, out of order",
                        ":".join(key),
                    )
                    return
                self.client.blpop([wake], timeout=self.poll)

    def leave(self, key: tuple[str, ...], number: int) -> None:
        with self._guard:
            self._unsent.append((key, number))
        with failures(self.url, "leaving a thread's line"):
            self._leave_unsent()

    def _leave_unsent(self) -> None:
        """Send the leaves not sent yet, oldest first; one that fails stays for the next command."""
        while True:
            with self._guard:
                if not self._unsent:
                    return
                key, number = self._unsent[0]
            serving, last = self._step(key, str(number))
            if serving <= last:
                wake = self._wake(key, serving)
                self.client.pipeline(transaction=False).lpush(wake, "1").expire(wake, WAKE_LIFETIME).execute()
            with self._guard:
                if self._unsent and self._unsent[0] == (key, number):
                    self._unsent.popleft()

    def _step(self, key: tuple[str, ...], leaving: str) -> tuple[int, int]:
        serving, last = self._advance(keys=self._keys(key), args=[self.lease.prefix, LINE_LIFETIME * 1000, leaving])
        return int(serving), int(last)

    def _keys(self, key: tuple[str, ...]) -> list[str]:
        base = self.prefix + ":".join(key)
        return [f"{base}:last", f"{base}:owners", f"{base}:serving"]

    def _wake(self, key: tuple[str, ...], number: int) -> str:
        return f"{self.prefix}{':'.join(key)}:wake:{number}"
