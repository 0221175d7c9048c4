"""Where a turn goes in Slack: a thread reply, a channel post, a DM, or a response_url answer.

Each function returns a ``deliver`` callable for the conversation layer. It posts the
message and names the threads that replies to it will arrive in, so the conversation can
file its state under them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import Message, build
from bot.conversation import Deliver
from bot.conversation_models import Delivery, Turn
from bot.presentation import Presentation
from bot.store import ThreadKey

log = logging.getLogger(__name__)
# Errors that mean "the bot cannot post here": answer privately and say how to invite it.
NOT_IN_CHANNEL = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
LAST_DM = "last-dm"  # the thread name under which a DM's latest top-level search lives

Respond = Callable[..., Any]


def post(client: WebClient, channel: str, message: Message, thread_ts: str | None = None) -> str:
    """chat.postMessage with link previews off (a page of results would unfurl every url)."""
    response = client.chat_postMessage(channel=channel, thread_ts=thread_ts, unfurl_links=False,
                                       unfurl_media=False, **message.payload())
    return str(response["ts"])


def in_thread(client: WebClient, key: ThreadKey) -> Deliver:
    """Reply in the thread ``key`` names (a mention, a thread reply, a button)."""
    def deliver(turn: Turn) -> Delivery:
        ts = post(client, key.channel, build(turn, Presentation()), key.thread)
        return Delivery(ts, (key,))
    return deliver


def in_dm(client: WebClient, team: str, channel: str, user_ts: str) -> Deliver:
    """Answer a top-level DM at top level; later DMs and both messages' threads continue it."""
    def deliver(turn: Turn) -> Delivery:
        ts = post(client, channel, build(turn, Presentation()))
        threads = (LAST_DM, user_ts, ts)
        return Delivery(ts, tuple(ThreadKey(team, channel, thread) for thread in threads))
    return deliver


def in_channel(client: WebClient, team: str, channel: str, asker: str, respond: Respond) -> Deliver:
    """A slash command's public answer, whose thread is where refinements happen.

    When the bot cannot post in the channel the asker still gets the results, privately
    through response_url, with a line on how to invite the bot.
    """
    def deliver(turn: Turn) -> Delivery | None:
        try:
            ts = post(client, channel, build(turn, Presentation(asker=asker)))
        except SlackApiError as exc:
            if exc.response.get("error") not in NOT_IN_CHANNEL:
                raise
            log.info("cannot post in %s (%s); answering through response_url", channel, exc.response.get("error"))
            privately(respond, build(turn, Presentation(interactive=False, invite_hint=True)))
            return None
        return Delivery(ts, (ThreadKey(team, channel, ts),))
    return deliver


def privately(respond: Respond, message: Message) -> None:
    """An ephemeral answer through response_url that leaves the original message alone."""
    respond(response_type="ephemeral", replace_original=False, **message.payload())
