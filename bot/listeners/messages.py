"""Messages the bot can see: DMs, mentions, and replies in channel threads.

A message that mentions the bot is read as a mention, so it is answered the same way
whether Slack delivers it as ``app_mention``, as ``message``, or both (the runner
answers it once). Edits, deletions, joins and every bot's messages are ignored.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.events import DirectMessage, Event, Mention, ThreadReply
from bot.runner import job_of, runner_of
from bot.slack_text import read
from bot.store import ThreadKey

# A human message, or one sent to the channel from a thread; everything else is ignored.
ANSWERED_SUBTYPES = frozenset({None, "thread_broadcast"})


def register(app: App) -> None:
    app.event("message")(answer_message)


def answer_message(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    submit(event, context, client)


def submit(payload: dict[str, Any], context: BoltContext, client: WebClient, mentioned: bool = False) -> None:
    """Hand a message payload to the runner as an event (None when it is not for the bot)."""
    team = context.team_id or ""
    event = to_event(payload, team, context.bot_user_id, mentioned)
    once = f"message:{team}:{payload.get('channel')}:{payload.get('ts')}" if event else None
    runner_of(context).submit(job_of(context, event, client, once=once))


def to_event(payload: dict[str, Any], team: str, bot_user_id: str | None, mentioned: bool = False) -> Event | None:
    subtype = payload.get("subtype")
    if not (subtype is None or isinstance(subtype, str)) or subtype not in ANSWERED_SUBTYPES or payload.get("bot_id"):
        return None
    channel, ts, user, text = (payload.get(name) for name in ("channel", "ts", "user", "text"))
    if not (isinstance(channel, str) and isinstance(ts, str) and isinstance(user, str) and channel and ts):
        return None
    if not isinstance(text, str):
        return None
    said = read(text, bot_user_id)
    thread = payload.get("thread_ts") if isinstance(payload.get("thread_ts"), str) else None
    if payload.get("channel_type") == "im":
        return DirectMessage(team, channel, user, ts, said.text, thread)
    if mentioned or said.mentions_bot:
        return Mention(ThreadKey(team, channel, thread or ts), user, said.text, in_thread=bool(thread))
    if thread:
        return ThreadReply(ThreadKey(team, channel, thread), user, said.text, to_someone_else=said.mentions_others)
    return None
