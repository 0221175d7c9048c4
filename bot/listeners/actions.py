"""Buttons on results messages: add a suggested tag, more results, start over, alternatives."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import ACTION_PREFIX
from bot.inbox import claim_of, inbox_of


def register(app: App) -> None:
    app.action(re.compile("^" + re.escape(ACTION_PREFIX)))(answer_button)


def answer_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext,
                  client: WebClient, respond: Respond) -> None:
    ack()
    inbox_of(context).on_button(body, action, context.team_id or "", client, respond, claim=claim_of(context))
