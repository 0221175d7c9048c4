"""Messages the bot can see: DMs, and replies in the threads it answered."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.inbox import claim_of, inbox_of


def register(app: App) -> None:
    app.event("message")(answer_message)


def answer_message(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    inbox_of(context).on_message(event, context.team_id or "", context.bot_user_id, client, claim=claim_of(context))
