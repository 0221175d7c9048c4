"""HTTP mode: a small ASGI app around the sync Bolt app, served by uvicorn.

``POST /slack/events`` takes events, slash commands and interactions. Before Bolt sees a
request it is checked, in this order, and refused without a reply to anyone:

- a body over 1 MB: 413;
- a missing or wrong signature, or a timestamp more than five minutes off (which is also
  what stops a captured request from being replayed later): 401;
- a content type Slack does not send (only JSON and form bodies): 415;
- a body that is not UTF-8, not a JSON object, a form without a command, a ``payload``
  or an ``ssl_check``, a ``payload`` that is not a JSON object, or an event callback
  without an event object: 400.

Everything else goes to Bolt, whose sync ``dispatch`` runs on a worker thread so the
event loop keeps accepting requests; requests no listener handles get a 200 or a 400
from bot.slack_app, never a 404 that Slack would retry, and a payload Bolt itself cannot
read (its parsing raises) is a 400. ``GET /healthz`` is 200 while
the catalog is loaded and the store open; ``GET /metrics`` serves bot.metrics unless
METRICS=false or ``--metrics-port`` moved it. Every request to the events path is timed
for the ack latency histogram.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App, BoltRequest, BoltResponse

from bot import metrics

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
MAX_BODY_BYTES = 1024 * 1024
DRAIN_BYTES = 8 * MAX_BODY_BYTES  # beyond this an oversized body is not even read
DISPATCH_THREADS = 16
MAX_CLOCK_SKEW = 5 * 60  # Slack's own limit for X-Slack-Request-Timestamp
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BodyTooLarge(Exception):
    pass


class SlackHttpApp:
    """The ASGI application; ``on_shutdown`` runs once uvicorn has drained the requests in flight."""

    def __init__(
        self,
        bolt: App,
        health: Callable[[], dict[str, Any]],
        on_shutdown: Callable[[], None] = lambda: None,
        max_body: int = MAX_BODY_BYTES,
        signing_secret: str | None = None,
        metrics: Callable[[], tuple[bytes, str]] | None = None,
    ):
        self.bolt = bolt
        self.metrics = metrics
        self.secret = signing_secret.encode("utf-8") if signing_secret else None
        self.health = health
        self.on_shutdown = on_shutdown
        self.max_body = max_body
        self.ready = True
        self._dispatchers = ThreadPoolExecutor(DISPATCH_THREADS, thread_name_prefix="dispatch")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            started = time.monotonic()
            status, headers, body = await self._route(scope, receive)
            if scope["path"] == EVENTS_PATH:
                metrics.acknowledged(status, time.monotonic() - started)
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
                }
            )
            await send({"type": "http.response.body", "body": body})

    async def _route(self, scope: Scope, receive: Receive) -> tuple[int, dict[str, str], bytes]:
        path, method = scope["path"], scope["method"]
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return _json(200 if self.ready else 503, {**self.health(), "ready": self.ready})
        if path == METRICS_PATH and method in ("GET", "HEAD") and self.metrics is not None:
            body, content_type = self.metrics()
            return 200, {"content-type": content_type}, body
        if path != EVENTS_PATH:
            return _text(404, "not found")
        if method != "POST":
            return _text(405, "use POST")
        try:
            raw = await self._read_body(scope, receive)
        except BodyTooLarge:
            return _text(413, "request body too large")
        headers = _headers(scope)
        if self.secret is not None and not _signed(self.secret, raw, headers):
            log.info("refused a request with a missing, wrong or expired signature")
            return _text(401, "invalid request signature or timestamp")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _text(400, "request body is not UTF-8")
        refusal = _refusal(headers.get("content-type", ""), text)
        if refusal is not None:
            log.info("refused a signed request: %s", refusal[2].decode())
            return refusal
        try:
            request = BoltRequest(
                body=text,
                query=scope.get("query_string", b"").decode("latin-1"),
                headers=dict[str, "str | Sequence[str]"](headers),
            )
        except Exception:  # Bolt parses the body eagerly and fails in many ways on junk
            log.debug("unparseable request body", exc_info=True)
            return _text(400, "malformed request body")
        loop = asyncio.get_running_loop()
        try:
            response: BoltResponse = await loop.run_in_executor(self._dispatchers, self.bolt.dispatch, request)
        except Exception as exc:
            # Bolt handles every failure of a listener or middleware itself; what escapes is
            # Bolt's own payload parsing failing on a shape Slack never sends (a view without
            # a type, say). That is a bad request, not a server error Slack should retry.
            log.warning("could not dispatch a signed request Bolt cannot read: %s", exc.__class__.__name__)
            log.debug("dispatch failure", exc_info=True)
            return _text(400, "malformed Slack payload")
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


def _signed(secret: bytes, raw: bytes, headers: dict[str, str]) -> bool:
    """Slack's v0 signature over the raw bytes, with a timestamp within five minutes of now."""
    stamp = headers.get("x-slack-request-timestamp", "")
    if not (stamp.isascii() and stamp.isdigit()) or abs(time.time() - int(stamp)) > MAX_CLOCK_SKEW:
        return False
    expected = b"v0=" + hmac.new(secret, b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, headers.get("x-slack-signature", "").encode("latin-1"))


def _refusal(content_type: str, text: str) -> tuple[int, dict[str, str], bytes] | None:
    """Why a signed body cannot be a Slack request (415 or 400), or None when it can."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == JSON_TYPE:
        try:
            body = json.loads(text)
        except ValueError:
            return _text(400, "malformed JSON body")
        if not isinstance(body, dict):
            return _text(400, "the JSON body is not an object")
        if body.get("type") == "event_callback":
            event = body.get("event")
            if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                return _text(400, "an event callback without an event")
        return None
    if media == FORM_TYPE:
        if text.lstrip().startswith("{"):
            return _text(400, "a form body holding JSON")
        form = parse_qs(text, keep_blank_values=True)
        if "payload" in form:
            try:
                payload = json.loads(form["payload"][0])
            except ValueError:
                return _text(400, "malformed payload")
            return None if isinstance(payload, dict) else _text(400, "the payload is not an object")
        if "command" in form or "ssl_check" in form:
            return None
        return _text(400, "a form without a command or a payload")
    return _text(415, "Slack sends JSON or form bodies only")


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _text(status: int, text: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "text/plain; charset=utf-8"}, text.encode("utf-8")


def _json(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json"}, json.dumps(body).encode("utf-8")
