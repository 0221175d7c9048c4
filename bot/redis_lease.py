"""Whether the process behind a claim or a place in line is still alive, across machines.

SQLite asks the operating system whether a pid lives; processes on several machines
cannot. Here each store holds a lease instead: a key that Redis deletes by itself
``seconds`` after the last renewal, renewed from a background thread three times per
lease. A process that dies (SIGKILL, OOM, a lost machine) stops renewing, so within one
lease its claims and places read as abandoned, judged by the Redis server's own clock
(no clock skew between machines). Closing a store ends its lease at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

import redis

log = logging.getLogger(__name__)
HOST = socket.gethostname()


class Lease:
    """This store's lease; :attr:`prefix` + an owner name is the key Lua scripts look for."""

    def __init__(self, client: redis.Redis, prefix: str, seconds: float):
        self.client = client
        self.prefix = f"{prefix}:lease:"
        self.owner = f"{HOST}/{os.getpid()}/{uuid.uuid4().hex[:12]}"
        self.key = self.prefix + self.owner
        self.millis = max(1, int(seconds * 1000))
        self._stop = threading.Event()
        self._renew()  # raises when the server is unreachable: the store cannot start
        self._thread = threading.Thread(target=self._keep, name="state-lease", daemon=True)
        self._thread.start()

    def end(self) -> None:
        """Stop renewing and delete the lease, so what this store left open is taken over now."""
        self._stop.set()
        self._thread.join()
        try:
            self.client.delete(self.key)
        except redis.RedisError as exc:
            log.warning("could not end the state store lease (it lapses by itself): %s", exc)

    def _renew(self) -> None:
        # SET rather than PEXPIRE: a restarted server (Redis here keeps nothing on disk) gets it back.
        self.client.set(self.key, "1", px=self.millis)

    def _keep(self) -> None:
        failing = False
        while not self._stop.wait(self.millis / 3000):
            try:
                self._renew()
            except redis.RedisError as exc:
                if not failing:
                    log.error(
                        "cannot renew the state store lease (%s); other processes will take over "
                        "this one's open requests if it stays down",
                        exc,
                    )
                failing = True
                continue
            if failing:
                log.warning("the state store lease is renewed again")
                failing = False
