"""``/findproject <request>``: acknowledged at once, answered in the channel."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import usage
from bot.inbox import inbox_of, is_help
from bot.presentation import Presentation

COMMAND = "/findproject"


def register(app: App) -> None:
    app.command(COMMAND)(answer_command)


def answer_command(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient,
                   respond: Respond) -> None:
    if is_help(command.get("text", "")):
        ack(response_type="ephemeral", **usage(Presentation()).payload())
        return
    ack()
    inbox_of(context).on_command(command, context.team_id or "", client, respond)
