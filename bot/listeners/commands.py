"""``/findproject <request>``: acknowledged at once, answered in the channel."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import usage
from bot.inbox import claim_of, inbox_of, is_help
from bot.presentation import Presentation

COMMAND = "/findproject"


def register(app: App) -> None:
    app.command(COMMAND)(answer_command)


def answer_command(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient,
                   respond: Respond) -> None:
    text = command.get("text")
    if not isinstance(text, str) or is_help(text):
        ack(response_type="ephemeral", **usage(Presentation()).payload())
        inbox_of(context).finish(claim_of(context))
        return
    ack()
    inbox_of(context).on_command(command, context.team_id or "", client, respond, claim=claim_of(context))
