"""Buttons on results messages: add a suggested tag, more results, start over, alternatives."""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import ACTION_PREFIX
from bot.events import Click
from bot.outcomes import Action
from bot.runner import job_of, runner_of
from bot.store import ThreadKey

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(re.compile("^" + re.escape(ACTION_PREFIX)))(answer_button)


def answer_button(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    ack()
    runner_of(context).submit(job_of(context, to_click(body, action, context.team_id or ""), client, respond=respond))


def to_click(body: dict[str, Any], action: dict[str, Any], team: str) -> Click | None:
    """The click, in the thread of the message it was on; None for a value that is not ours."""
    value = action.get("value")
    try:
        choice = Action.model_validate_json(value if isinstance(value, str) else "")
    except ValidationError:
        log.warning("ignored a button with an unreadable value (action_id %s)", action.get("action_id"))
        return None
    thread = thread_of(body, team)
    if thread is None:
        return None
    user = _object(body.get("user")).get("id")
    return Click(thread, user if isinstance(user, str) else "", choice)


def thread_of(body: dict[str, Any], team: str) -> ThreadKey | None:
    """The thread of the message a button was on; a top-level message (slash command, DM) is its own thread."""
    container, message = _object(body.get("container")), _object(body.get("message"))
    channel = container.get("channel_id") or _object(body.get("channel")).get("id")
    thread = message.get("thread_ts") or container.get("thread_ts") or message.get("ts") or container.get("message_ts")
    if not (isinstance(channel, str) and isinstance(thread, str) and channel and thread):
        return None
    return ThreadKey(team, channel, thread)


def _object(value: Any) -> dict[str, Any]:
    """A part of a payload that should be an object, or an empty one when it is not."""
    return value if isinstance(value, dict) else {}
