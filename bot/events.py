"""What people do, as the conversation core sees it: typed events, free of any Slack payload.

The Slack listeners (bot/listeners/) and the console chat (bot/chat.py) build these;
bot.conversation turns each one into an Outcome. Text is already cleaned of Slack
markup (bot/slack_text.py): what is left is what the person wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.outcomes import Action
from bot.store import ThreadKey


@dataclass(frozen=True)
class Mention:
    """The bot was mentioned: in a channel (a new thread, or inside one), or in a thread reply."""

    thread: ThreadKey
    user: str
    text: str
    in_thread: bool = False


@dataclass(frozen=True)
class ThreadReply:
    """A channel thread reply that does not mention the bot; acted on only when it is meant for it."""

    thread: ThreadKey
    user: str
    text: str
    to_someone_else: bool = False  # it mentions another person


@dataclass(frozen=True)
class DirectMessage:
    """A DM to the bot: top level (``thread`` is None) or in the thread of one of its answers."""

    team: str
    channel: str
    user: str
    ts: str
    text: str
    thread: str | None = None


@dataclass(frozen=True)
class Command:
    """``/findproject <text>``: always a new request, answered in the channel."""

    team: str
    channel: str
    user: str
    text: str


@dataclass(frozen=True)
class Click:
    """A button on one of the bot's messages, in the thread ``thread``."""

    thread: ThreadKey
    user: str
    action: Action


@dataclass(frozen=True)
class ConsoleLine:
    """One line typed into `findproject chat`."""

    text: str


Event = Mention | ThreadReply | DirectMessage | Command | Click | ConsoleLine
