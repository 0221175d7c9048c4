"""HTTP mode: a small ASGI app around the sync Bolt app, served by uvicorn.

``POST /slack/events`` takes events, slash commands and interactions; Bolt verifies the
signature and acknowledges. Bolt's sync ``dispatch`` runs on a worker thread so the event
loop keeps accepting requests. ``GET /healthz`` is 200 while the catalog is loaded and
the store open. Bodies over 1 MB are refused with 413.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1024 * 1024
DRAIN_BYTES = 8 * MAX_BODY_BYTES  # beyond this an oversized body is not even read
DISPATCH_THREADS = 16

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BodyTooLarge(Exception):
    pass


class SlackHttpApp:
    """The ASGI application; ``on_shutdown`` runs once uvicorn has drained the requests in flight."""

    def __init__(self, bolt: App, health: Callable[[], dict[str, Any]], on_shutdown: Callable[[], None] = lambda: None,
                 max_body: int = MAX_BODY_BYTES):
        self.bolt = bolt
        self.health = health
        self.on_shutdown = on_shutdown
        self.max_body = max_body
        self.ready = True
        self._dispatchers = ThreadPoolExecutor(DISPATCH_THREADS, thread_name_prefix="dispatch")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            status, headers, body = await self._route(scope, receive)
            await send({"type": "http.response.start", "status": status,
                        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]})
            await send({"type": "http.response.body", "body": body})

    async def _route(self, scope: Scope, receive: Receive) -> tuple[int, dict[str, str], bytes]:
        path, method = scope["path"], scope["method"]
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return _json(200 if self.ready else 503, {**self.health(), "ready": self.ready})
        if path != EVENTS_PATH:
            return _text(404, "not found")
        if method != "POST":
            return _text(405, "use POST")
        try:
            raw = await self._read_body(scope, receive)
            text = raw.decode("utf-8")
        except BodyTooLarge:
            return _text(413, "request body too large")
        except UnicodeDecodeError:
            return _text(400, "request body is not UTF-8")
        headers = _headers(scope)
        try:
            request = BoltRequest(body=text, query=scope.get("query_string", b"").decode("latin-1"), headers=headers)
        except Exception:  # Bolt parses the body eagerly and fails in many ways on junk
            log.debug("unparseable request body", exc_info=True)
            return _text(400, "malformed request body")
        loop = asyncio.get_running_loop()
        try:
            response: BoltResponse = await loop.run_in_executor(self._dispatchers, self.bolt.dispatch, request)
        except Exception as exc:  # Bolt's own error path can fail on odd payloads
            log.error("could not dispatch a request: %s: %s", exc.__class__.__name__, exc)
            log.debug("dispatch failure", exc_info=True)
            return _text(500, "internal error")
        out = {k: v[0] for k, v in response.headers.items() if v}
        return response.status, out, response.body.encode("utf-8")

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        """The body, or BodyTooLarge. An oversized body is still read and dropped (up to a
        bound) so the client sees the 413 instead of a reset connection."""
        declared = _headers(scope).get("content-length", "0")
        if declared.isdigit() and int(declared) > DRAIN_BYTES:
            raise BodyTooLarge
        chunks = bytearray()
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            received += len(chunk)
            if received <= self.max_body:
                chunks.extend(chunk)
            elif received > DRAIN_BYTES:
                break
            if not message.get("more_body"):
                break
        if received > self.max_body:
            raise BodyTooLarge
        return bytes(chunks)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.ready = False
                await asyncio.get_running_loop().run_in_executor(None, self._shutdown)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _shutdown(self) -> None:
        self._dispatchers.shutdown(wait=True)
        self.on_shutdown()


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _text(status: int, text: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "text/plain; charset=utf-8"}, text.encode("utf-8")


def _json(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json"}, json.dumps(body).encode("utf-8")
