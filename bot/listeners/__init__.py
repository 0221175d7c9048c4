"""Slack listeners, one module per surface: each turns a payload into an event for bot.runner."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, BoltContext

from bot.listeners import actions, commands, feedback, mentions, messages
from bot.runner import Job, claim_of, runner_of


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
    runner_of(context).submit(Job(None, claim_of(context)))


def _acknowledge(ack: Ack, context: BoltContext) -> None:
    ack()
    runner_of(context).submit(Job(None, claim_of(context)))
