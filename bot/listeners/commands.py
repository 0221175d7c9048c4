"""``/findproject <request>``: acknowledged at once, answered in the channel."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import usage
from bot.events import Command
from bot.presentation import Presentation
from bot.runner import job_of, runner_of
from bot.slack_text import read

COMMAND = "/findproject"
HELP_WORDS = frozenset({"", "help", "?", "-h", "--help"})


def register(app: App) -> None:
    app.command(COMMAND)(answer_command)


def answer_command(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    """Help is answered in the acknowledgement itself, privately; a request is queued."""
    text = command.get("text")
    said = read(text, context.bot_user_id).text if isinstance(text, str) else ""
    if said.lower() in HELP_WORDS:
        ack(response_type="ephemeral", **usage(Presentation()).payload())
        runner_of(context).submit(job_of(context))
        return
    ack()
    event = Command(context.team_id or "", str(command.get("channel_id") or ""), str(command.get("user_id") or ""), said)
    runner_of(context).submit(job_of(context, event, client, respond=respond))
