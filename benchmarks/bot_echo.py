"""The baseline for benchmarks/bot_load.py: an "echo bot" behind the same HTTP server.

It is the bot with everything of its own taken out: the same uvicorn server with the
same options (``bot.server.uvicorn_options``), the same signature check (HMAC-SHA256 of
every request) and the same Slack client (``bot.slack_app.web_client``) posting on a pool
of ``LISTENER_THREADS`` threads; but no Bolt, no search, no state store and no Block Kit
building. Each request is acknowledged at once and answered with one canned
``chat.postMessage`` where the bot would answer (the mention's thread, the command's
channel, the clicked message's thread), carrying one button so the load generator can
click it. The difference between the bot's figures and these is the bot's own cost::

    python benchmarks/bot_echo.py --port 3100   # settings from the environment, like the bot
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402

from bot.settings import Settings, load_settings, require  # noqa: E402
from bot.slack_app import web_client  # noqa: E402

BUTTON = {
    "type": "button",
    "action_id": "echo.more",
    "text": {"type": "plain_text", "text": "More"},
    "value": json.dumps({"op": "more"}),
}
BLOCKS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "echo", "verbatim": True}},
    {"type": "actions", "block_id": "echo", "elements": [BUTTON]},
]


class EchoApp:
    def __init__(self, settings: Settings):
        self.secret = require(settings, "SLACK_SIGNING_SECRET", "the echo bot verifies requests like the bot").encode()
        self.client = web_client(settings, require(settings, "SLACK_BOT_TOKEN", "the echo bot posts with it"))
        self.workers = ThreadPoolExecutor(settings.listener_threads, thread_name_prefix="reply")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    self.workers.shutdown(wait=True)
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status = 200
        if scope["path"] == "/slack/events" and scope["method"] == "POST":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            if self._verified(headers, bytes(body)):
                target = _target(bytes(body).decode("utf-8"), headers.get("content-type", ""))
                if target is not None:
                    self.workers.submit(self._post, *target)
            else:
                status = 401
        elif scope["path"] != "/healthz":
            status = 404
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    def _verified(self, headers: dict[str, str], body: bytes) -> bool:
        stamp = headers.get("x-slack-request-timestamp", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
            return False
        digest = hmac.new(self.secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest("v0=" + digest, headers.get("x-slack-signature", ""))

    def _post(self, channel: str, thread_ts: str | None) -> None:
        try:
            self.client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text="echo", blocks=BLOCKS, unfurl_links=False, unfurl_media=False
            )
        except Exception as exc:  # a benchmark baseline: report and go on
            print(f"echo post failed: {exc}", file=sys.stderr)


def _target(text: str, content_type: str) -> tuple[str, str | None] | None:
    """Where the bot would answer this request: (channel, thread_ts)."""
    if "json" in content_type:
        event = json.loads(text).get("event") or {}
        return event.get("channel", ""), event.get("thread_ts") or event.get("ts")
    form = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in form:
        payload = json.loads(form["payload"])
        message = payload.get("message") or {}
        return payload["channel"]["id"], message.get("thread_ts") or message.get("ts")
    if "command" in form:
        return form.get("channel_id", ""), None
    return None


def main() -> int:
    from bot.server import uvicorn_options

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = load_settings()
    uvicorn.run(EchoApp(settings), host=args.host, port=args.port, **uvicorn_options(settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
