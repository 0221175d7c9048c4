"""@FindProject in a channel: answered in a thread under the mention."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.listeners.messages import submit


def register(app: App) -> None:
    app.event("app_mention")(answer_mention)


def answer_mention(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    submit(event, context, client, mentioned=True)
