"""A fake Slack Web API on 127.0.0.1 that records every call and can be told to misbehave.

Point the bot at it with ``SLACK_API_URL=fake.api_url``; ``response_url`` posts go to
``fake.response_url(name)``. Every request is recorded as a :class:`Call` with its decoded
body (JSON, or a form whose ``blocks`` were JSON-decoded), so tests assert on what the
bot actually sent. Faults are queued per method with :meth:`FakeSlack.inject`::

    with FakeSlack() as fake:
        fake.inject("chat.postMessage", Fault(status=429, retry_after=1))
        fake.inject("chat.postMessage", Fault(error="not_in_channel", when=lambda b: b["channel"] == "C9"))
        ...
        [reply] = fake.wait_for("chat.postMessage")

Used by tests/bot and by benchmarks/bot_load.py; it only needs the standard library.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from retrieval.plurals import plural

TEAM_ID = "T0TEAM"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
RESPONSE_PREFIX = "/response/"


@dataclass
class Call:
    """One request the bot made: the API method (or ``response_url``), its body and headers."""

    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    path: str
    at: float = field(default_factory=time.monotonic)
    answer: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Everything a user would read: the fallback text plus every text in the blocks."""
        return "\n".join([str(self.body.get("text", "")), *block_texts(self.body.get("blocks") or [])])

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [
            element
            for block in self.body.get("blocks") or []
            if block.get("type") == "actions"
            for element in block.get("elements", [])
        ]


@dataclass
class Fault:
    """A misbehaviour for the next ``times`` matching calls (``times=None``: every one).

    ``status`` other than 200 answers with that HTTP status (``retry_after`` adds the
    header); ``error`` answers 200 with ``{"ok": false, "error": error}``; ``delay`` waits
    before answering; ``when`` limits the fault to calls whose body it accepts.
    ``drop`` closes the connection without an answer. ``hold`` keeps the call waiting
    until the test sets it (at most HOLD_LIMIT seconds); ``arrived`` is set as soon as a
    call takes this fault, so a test can act while the bot waits (``fault.arrived.wait()``).
    """

    status: int = 200
    error: str | None = None
    retry_after: int | str | None = None
    delay: float = 0.0
    times: int | None = 1
    when: Callable[[dict[str, Any]], bool] | None = None
    drop: bool = False
    hold: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)


HOLD_LIMIT = 30.0


def block_texts(blocks: list[dict[str, Any]], kinds: tuple[str, ...] = ("mrkdwn", "plain_text")) -> list[str]:
    """Every text string of the given kinds inside a list of blocks (sections, contexts, buttons, fields)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in kinds and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return found


class FakeSlack:
    """The server; start it with ``with FakeSlack() as fake`` or ``start()``/``stop()``."""

    def __init__(self, team_id: str = TEAM_ID, bot_user_id: str = BOT_USER_ID, bot_id: str = BOT_ID, port: int = 0):
        self.team_id, self.bot_user_id, self.bot_id = team_id, bot_user_id, bot_id
        self.port = port
        self.socket_url: str | None = None  # what apps.connections.open answers (tests/support/fake_socket.py)
        self._calls: list[Call] = []
        self._faults: dict[str, list[Fault]] = {}
        self._lock = threading.Condition()
        self._ts = 1  # the number in the next message's ts
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle --------------------------------------------------------------------

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]  # kept, so restart() comes back on the same port
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="fake-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def restart(self) -> FakeSlack:
        """Down and up again on the same port (calls and faults are kept)."""
        self.stop()
        return self.start()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self.port, "start the fake first"
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The value for SLACK_API_URL."""
        return self.base_url + "/api/"

    def response_url(self, name: str = "r") -> str:
        """A response_url whose posts are recorded as method ``response_url``."""
        return f"{self.base_url}{RESPONSE_PREFIX}{name}"

    # ---- control and inspection -------------------------------------------------------

    def inject(self, method: str, fault: Fault) -> None:
        with self._lock:
            self._faults.setdefault(method, []).append(fault)

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def posts(self) -> list[Call]:
        """The chat.postMessage calls that succeeded, in order."""
        return [c for c in self.calls("chat.postMessage") if c.answer.get("ok")]

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._faults.clear()

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, where: Callable[[Call], bool] | None = None
    ) -> list[Call]:
        """Block until ``count`` matching calls were recorded; the matching calls, or AssertionError."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self._calls if c.method == method and (where is None or where(c))]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {plural(count, method + ' call')}, got {len(found)}: {[c.body for c in found]}"
                    )
                self._lock.wait(remaining)

    # ---- the server side ----------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode("utf-8") if length else ""
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = _decode(raw, headers.get("content-type", ""))
        path = request.path.split("?", 1)[0]
        method = "response_url" if path.startswith(RESPONSE_PREFIX) else path.removeprefix("/api/")
        fault = self._take_fault(method, body)
        if fault:
            fault.arrived.set()
        if fault and fault.hold is not None:
            fault.hold.wait(HOLD_LIMIT)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.drop:
            self._record(Call(method, body, headers, path, answer={"ok": False, "error": "dropped"}))
            request.close_connection = True
            return
        if fault and fault.status != 200:
            answer: dict[str, Any] = {"ok": False, "error": "fault"}
            extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            self._record(Call(method, body, headers, path, answer=answer))
            _reply(request, fault.status, answer, extra)
            return
        answer = {"ok": False, "error": fault.error} if fault and fault.error else self._answer(method, body, headers)
        self._record(Call(method, body, headers, path, answer=answer))
        _reply(request, 200, answer)

    def _take_fault(self, method: str, body: dict[str, Any]) -> Fault | None:
        with self._lock:
            for fault in self._faults.get(method, []):
                if fault.when is None or fault.when(body):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults[method].remove(fault)
                    return fault
        return None

    def _answer(self, method: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        if method == "response_url":
            return {"ok": True}
        if method == "apps.connections.open":  # Socket Mode asks with the app-level token
            if not headers.get("authorization", "").startswith("Bearer xapp-"):
                return {"ok": False, "error": "not_allowed_token_type"}
            return {"ok": True, "url": self.socket_url} if self.socket_url else {"ok": False, "error": "no_socket"}
        if not headers.get("authorization", "").startswith("Bearer xoxb-"):
            return {"ok": False, "error": "not_authed"}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.com/",
                "team": "Fake",
                "user": "findproject",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
            }
        if method in ("chat.postMessage", "chat.update"):
            ts = body.get("ts") or self._next_ts()
            message = {k: v for k, v in body.items() if k in ("text", "blocks", "thread_ts")}
            return {
                "ok": True,
                "channel": body.get("channel"),
                "ts": ts,
                "message": {**message, "ts": ts, "user": self.bot_user_id, "bot_id": self.bot_id},
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "conversations.info":
            return {"ok": True, "channel": {"id": body.get("channel"), "is_member": True}}
        return {"ok": False, "error": "unknown_method"}

    def _next_ts(self) -> str:
        with self._lock:
            self._ts += 1
            return f"1700000000.{self._ts - 1:06d}"

    def upcoming_ts(self) -> str:
        """The ts the next posted message will get (for a test that answers a held post's thread)."""
        with self._lock:
            return f"1700000000.{self._ts:06d}"

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)
            self._lock.notify_all()


def _decode(raw: str, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type or raw.lstrip().startswith("{"):
        return json.loads(raw)
    body: dict[str, Any] = dict(parse_qsl(raw, keep_blank_values=True))
    for key in ("blocks", "attachments"):
        if isinstance(body.get(key), str):
            body[key] = json.loads(body[key])
    return body


def _reply(request: BaseHTTPRequestHandler, status: int, answer: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    data = json.dumps(answer).encode("utf-8")
    try:
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):  # the bot gave up waiting (a timeout test)
        request.close_connection = True
