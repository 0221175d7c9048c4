"""Slack listeners, one module per surface; each only hands the request to bot.inbox."""

from __future__ import annotations

import re

from slack_bolt import Ack, App

from bot.listeners import actions, commands, mentions, messages


def register_all(app: App) -> None:
    for surface in (mentions, commands, messages, actions):
        surface.register(app)
    # Registered last, so they only catch what nothing above handles: a 200, not a 404,
    # keeps Slack from retrying (and eventually disabling) events the bot does not use.
    app.event(re.compile(".*"))(_ignore)
    app.action(re.compile(".*"))(_acknowledge)


def _ignore() -> None:
    """An event the bot subscribes to but does not act on."""


def _acknowledge(ack: Ack) -> None:
    ack()
