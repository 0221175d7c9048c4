"""Another process on the same state store, driven line by line over stdin/stdout.

``python -m tests.support.store_worker SPEC_JSON`` opens a store (tests/support/store_backends.py)
and prints ``ready``. Then, one command per line, each answered with one line:

- ``claim EVENT [JOB]``: ``won`` or ``lost``; ``finish EVENT``: ``finished``;
- ``race N``: waits for ``go``, claims ``event:race-0`` … ``event:race-N-1``, prints ``won i j …``;
- ``hold KEY``: takes a place in KEY's line, enters it and never leaves (``holding``);
- ``arrive ITEM``: takes a place in the line of THREAD now (``queued ITEM``), without running it;
- ``apply``: runs every place taken, each on its own thread and started in reverse arrival
  order; each appends its ITEM to THREAD's stored keywords; ``applied`` once all are done.

The test kills it (SIGKILL) or closes stdin, which closes the store. :class:`StoreWorker`
is the test's side.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from typing import Any

from bot.store import StateStore, ThreadKey, ThreadState, Turn
from retrieval.models import Query
from tests.support.bot_server import ROOT
from tests.support.store_backends import open_spec

THREAD = ThreadKey("T0TEAM", "C0CHAN", "1600000000.000001")


def append(store: StateStore, turn: Turn, item: str) -> None:
    """Read, change and write the thread's state inside its turn (a lost update shows as a missing item)."""
    with turn:
        state = store.load(THREAD) or ThreadState(query=Query())
        query = state.query.model_copy(update={"keywords": [*state.query.keywords, item]})
        store.save(THREAD, state.model_copy(update={"query": query}))


class StoreWorker:
    """A store_worker subprocess; every answer is awaited with a deadline, never forever."""

    def __init__(self, spec: dict[str, Any], timeout: float = 30.0):
        self.timeout = timeout
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.store_worker", json.dumps(spec)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.expect("ready")

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def answer(self) -> str:
        try:
            line = self._lines.get(timeout=self.timeout)
        except queue.Empty:
            raise AssertionError(f"the store worker did not answer within {self.timeout}s") from None
        if line == "":
            self.process.wait()
            raise AssertionError(f"the store worker exited ({self.process.returncode}): {self.process.stderr.read()}")
        return line

    def ask(self, line: str) -> str:
        self.send(line)
        return self.answer()

    def expect(self, line: str) -> None:
        assert (got := self.answer()) == line, got

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def close(self) -> None:
        """End of input: the worker closes its store and exits."""
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(self.timeout)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put("")


def main() -> None:
    store = open_spec(json.loads(sys.argv[1]))
    queued: list[tuple[Turn, str]] = []
    say("ready")
    try:
        for line in sys.stdin:
            command, _, rest = line.strip().partition(" ")
            if command == "claim":
                event, _, job = rest.partition(" ")
                say("won" if store.claim(event, job or None) else "lost")
            elif command == "finish":
                store.finish(rest)
                say("finished")
            elif command == "race":
                assert sys.stdin.readline().strip() == "go"
                won = [str(i) for i in range(int(rest)) if store.claim(f"event:race-{i}")]
                say("won " + " ".join(won))
            elif command == "hold":
                store.ordered(tuple(rest.split(":"))).__enter__()
                say("holding")
            elif command == "arrive":
                queued.append((store.ordered(THREAD), rest))
                say(f"queued {rest}")
            elif command == "apply":
                threads = [threading.Thread(target=append, args=(store, turn, item)) for turn, item in queued]
                for thread in reversed(threads):
                    thread.start()
                for thread in threads:
                    thread.join()
                queued.clear()
                say("applied")
    finally:
        store.close()


def say(line: str) -> None:
    print(line, flush=True)


if __name__ == "__main__":
    main()
