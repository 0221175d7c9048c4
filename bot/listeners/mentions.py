"""@FindProject in a channel: answered in a thread under the mention."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.inbox import claim_of, inbox_of


def register(app: App) -> None:
    app.event("app_mention")(answer_mention)


def answer_mention(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    inbox_of(context).on_message(event, context.team_id or "", context.bot_user_id, client, mentioned=True,
                                  claim=claim_of(context))
