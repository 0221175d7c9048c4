"""A fake Slack Socket Mode server on 127.0.0.1, and the real bot connected to it.

The bot's Socket Mode client (slack_sdk's built-in one, under Bolt's SocketModeHandler)
asks the Web API for a url (``apps.connections.open``: the fake Web API answers with
:attr:`FakeSocketMode.url` once ``fake.socket_url`` is set) and opens a WebSocket there.
This server speaks Slack's side of that protocol: a ``hello`` on each new connection,
then envelopes (``events_api``, ``slash_commands``, ``interactive``) with an
``envelope_id``, which the bot must acknowledge with that id (and, for slash commands,
the ack's payload). Like Slack, it spreads the envelopes over the open connections::

    with FakeSocketMode() as socket:
        fake.socket_url = socket.url
        with SocketModeBot(bot_env(fake, tmp_path), socket):
            envelope = socket.send("events_api", event_callback(mention_event("gan papers")))
            socket.wait_ack(envelope)
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from tests.support.bot_server import BotServer

APP_TOKEN = "xapp-1-A0APP-test"


class FakeSocketMode:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._open: list[ServerConnection] = []
        self._connected = 0  # connections ever opened
        self._acks: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._turn = itertools.count()
        self._server: Server | None = None

    def __enter__(self) -> FakeSocketMode:
        self._server = serve(self._session, "127.0.0.1", 0, compression=None)
        threading.Thread(target=self._server.serve_forever, name="fake-socket-mode", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the server first"
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link/?ticket=fake"

    # ---- what Slack does --------------------------------------------------------------

    def send(self, kind: str, payload: dict[str, Any], to: int | None = None, retry_attempt: int = 0) -> str:
        """Deliver one envelope over connection ``to`` (an index into the open ones; by default
        the next one in turn, as Slack spreads them); returns its envelope id."""
        envelope_id = f"env-{next(self._ids)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind == "slash_commands",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        with self._changed:
            if not self._open:
                raise AssertionError("no Socket Mode connection is open")
            connection = self._open[(next(self._turn) if to is None else to) % len(self._open)]
        connection.send(json.dumps(envelope))
        return envelope_id

    # ---- what tests check -------------------------------------------------------------

    def wait_connections(self, count: int, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None) -> None:
        """Until ``count`` connections were opened in all (a bot is ready once connected)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._connected < count:
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"the bot exited with {process.returncode}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self._connected} of {count} Socket Mode connections after {timeout}s")
                self._changed.wait(0.1)

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The bot's acknowledgement of an envelope (its ``payload``, if any, is the ack's body)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while envelope_id not in self._acks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"envelope {envelope_id} was not acknowledged within {timeout}s")
                self._changed.wait(remaining)
            return self._acks[envelope_id]

    @property
    def opened(self) -> int:
        """How many connections were ever opened."""
        with self._changed:
            return self._connected

    def acks(self) -> dict[str, dict[str, Any]]:
        with self._changed:
            return dict(self._acks)

    # ---- the server side --------------------------------------------------------------

    def _session(self, connection: ServerConnection) -> None:
        connection.send(
            json.dumps(
                {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}, "debug_info": {"host": "fake"}}
            )
        )
        with self._changed:
            self._open.append(connection)
            self._connected += 1
            self._changed.notify_all()
        try:
            for message in connection:
                ack = json.loads(message)
                if isinstance(ack, dict) and "envelope_id" in ack:
                    with self._changed:
                        self._acks[ack["envelope_id"]] = ack
                        self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._open.remove(connection)
                self._changed.notify_all()


class SocketModeBot(BotServer):
    """The real bot in Socket Mode (``python -m bot serve`` with SLACK_APP_TOKEN) as a subprocess;
    ready once its connection to ``socket`` is open."""

    def __init__(self, env: dict[str, str], socket: FakeSocketMode):
        super().__init__({**env, "SLACK_APP_TOKEN": APP_TOKEN}, subprocess=True)
        self.socket = socket
        self._ready_at = 0

    def command(self) -> list[str]:
        return [sys.executable, "-m", "bot", "serve"]

    def _start_process(self) -> None:
        self._ready_at = self.socket.opened + 1
        super()._start_process()

    def wait_healthy(self, timeout: float) -> None:
        try:
            self.socket.wait_connections(self._ready_at, timeout, self.process)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{exc}:\n{self.output()}") from None
