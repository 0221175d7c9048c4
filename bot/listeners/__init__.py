"""Slack listeners, one module per surface: each turns a payload into an event for bot.runner."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.blocks import ACTION_PREFIX
from bot.listeners import actions, commands, feedback, mentions, messages
from bot.runner import conversation_in, conversation_of, job_of, runner_of


def register_all(app: App) -> None:
    for surface in (mentions, commands, messages, feedback, actions):  # feedback before the generic buttons
        surface.register(app)
    # Registered last, so they only catch what nothing above handles: a 200, not a 404,
    # keeps Slack from retrying (and eventually disabling) events the bot does not use.
    # Anything else no listener takes is answered by bot.slack_app's error handler.
    app.event(re.compile(".*"))(_ignore)
    app.action(re.compile(".*"))(_acknowledge)


def _ignore(context: BoltContext) -> None:
    """An event the bot subscribes to but does not act on."""
    runner_of(context).submit(job_of(context))


def _acknowledge(ack: Ack, context: BoltContext) -> None:
    ack()
    runner_of(context).submit(job_of(context))


def conversation(body: dict[str, Any], team: str, bot_user_id: str | None) -> tuple[str, ...] | None:
    """The conversation a request belongs to, read with the listeners' own parsers before Bolt runs
    them (bot.slack_app takes the request's place in line then); None: nothing to answer in order."""
    kind = body.get("type")
    if kind == "event_callback":
        payload = body.get("event")
        if isinstance(payload, dict) and payload.get("type") in ("message", "app_mention"):
            mentioned = payload.get("type") == "app_mention"
            return conversation_of(messages.to_event(payload, team, bot_user_id, mentioned))
    elif kind == "block_actions":
        pressed = body.get("actions")
        first = pressed[0] if isinstance(pressed, list) and pressed and isinstance(pressed[0], dict) else {}
        thread = actions.thread_of(body, team) if str(first.get("action_id", "")).startswith(ACTION_PREFIX) else None
        return None if thread is None else conversation_in(thread)
    return None
