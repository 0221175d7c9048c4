"""Correctly signed requests to the bot, shaped like Slack's: events, slash commands, clicks.

:class:`SlackSender` posts to the bot's ``/slack/events`` over real HTTP and returns the
status and body; every builder fills in the ids Slack would send, so a test only states
what matters (channel, user, text, ts).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.support.fake_slack import BOT_USER_ID, TEAM_ID

SIGNING_SECRET = "test-signing-secret"
_ids = itertools.count(1)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The X-Slack-Signature headers Slack would send with this body."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def next_ts() -> str:
    """A fresh message ts, distinct from the fake server's bot ts series."""
    return f"1600000000.{next(_ids):06d}"


def event_callback(event: dict[str, Any], event_id: str | None = None, team: str = TEAM_ID) -> dict[str, Any]:
    return {
        "token": "legacy-unused",
        "team_id": team,
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": BOT_USER_ID, "is_bot": True}],
        "event": event,
    }


def message_event(
    text: str,
    channel: str = "C0CHAN",
    user: str = "U0ALICE",
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    **extra: Any,
) -> dict[str, Any]:
    event = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts or next_ts(),
        "channel_type": channel_type,
        "team": TEAM_ID,
        **extra,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def mention_event(
    text: str, channel: str = "C0CHAN", user: str = "U0ALICE", ts: str | None = None, thread_ts: str | None = None
) -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "channel": channel,
        "user": user,
        "ts": ts or next_ts(),
        "text": f"<@{BOT_USER_ID}> {text}".rstrip(),
        "team": TEAM_ID,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def command_form(
    text: str, response_url: str, channel: str = "C0CHAN", user: str = "U0ALICE", command: str = "/findproject"
) -> str:
    return urlencode(
        {
            "token": "legacy-unused",
            "team_id": TEAM_ID,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": "alice",
            "command": command,
            "text": text,
            "api_app_id": "A0APP",
            "response_url": response_url,
            "trigger_id": f"tr{next(_ids)}",
        }
    )


def click_form(button: dict[str, Any], message: dict[str, Any], channel: str, response_url: str, user: str = "U0ALICE") -> str:
    """A block_actions payload for clicking ``button`` (as the bot sent it) on ``message``."""
    thread_ts = message.get("thread_ts")
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "api_app_id": "A0APP",
        "user": {"id": user, "username": "alice", "team_id": TEAM_ID},
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel,
            "is_ephemeral": False,
            **({"thread_ts": thread_ts} if thread_ts else {}),
        },
        "channel": {"id": channel, "name": "general"},
        "message": message,
        "response_url": response_url,
        "trigger_id": f"tr{next(_ids)}",
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": "b",
                "text": button["text"],
                "value": button.get("value", ""),
                "action_ts": str(time.time()),
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


@dataclass
class Reply:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class SlackSender:
    """Signs and posts requests to a running bot, the way Slack does."""

    def __init__(self, base_url: str, secret: str = SIGNING_SECRET):
        self.url = base_url.rstrip("/") + "/slack/events"
        self.secret = secret

    def post(
        self,
        body: str | bytes,
        content_type: str,
        signed: bool = True,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
        secret: str | None = None,
    ) -> Reply:
        data = body.encode("utf-8") if isinstance(body, str) else body
        all_headers = {
            "Content-Type": content_type,
            **(sign(secret or self.secret, data, timestamp) if signed else {}),
            **(headers or {}),
        }
        request = urllib.request.Request(self.url, data=data, headers=all_headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode("utf-8", "replace"))

    def event(self, event: dict[str, Any], event_id: str | None = None, retry_num: int | None = None, **kwargs: Any) -> Reply:
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        body = json.dumps(event_callback(event, event_id))
        return self.post(body, "application/json", headers=headers, **kwargs)

    def command(self, text: str, response_url: str, **kwargs: Any) -> Reply:
        return self.post(command_form(text, response_url, **kwargs), "application/x-www-form-urlencoded")

    def click(self, button: dict[str, Any], message: dict[str, Any], channel: str, response_url: str) -> Reply:
        return self.post(click_form(button, message, channel, response_url), "application/x-www-form-urlencoded")
