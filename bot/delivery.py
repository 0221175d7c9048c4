"""Posting a turn in Slack: a message, its plain-text fallback, or a private answer.

When Slack refuses a message (``invalid_blocks``, ``msg_too_long``) the same answer goes
again as plain text with fewer results, so the user still gets them. When the bot cannot
post where it was asked (``not_in_channel``, ``channel_not_found``) the asker gets the
results privately (through ``response_url``, or in a DM) with a line on how to invite it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackObjectFormationError

from bot.blocks import Message, build, plain
from bot.outcomes import Turn
from bot.presentation import Presentation

log = logging.getLogger(__name__)
# Errors that mean "the bot cannot post here": answer privately and say how to invite it.
NOT_IN_CHANNEL = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
# Errors that mean "Slack will not take this message": post the plain-text version instead.
TOO_RICH = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long", "too_many_blocks", "invalid_arguments"})

Respond = Callable[..., Any]


class ResponseUrlError(Exception):
    """A response_url post was refused; the message says how."""


def slack_error(exc: SlackApiError) -> str:
    """The ``error`` code of a Slack API failure ("" when the answer had none)."""
    response = getattr(exc, "response", None)
    try:
        return str(response.get("error") or "") if response is not None else ""
    except (AttributeError, TypeError):
        return ""


def post(client: WebClient, channel: str, turn: Turn, presentation: Presentation, thread_ts: str | None = None) -> str:
    """chat.postMessage of the turn; the plain-text version if Slack refuses the blocks."""
    try:
        return _post(client, channel, build(turn, presentation), thread_ts)
    except SlackObjectFormationError as exc:  # a limit the builders missed: never leave the user unanswered
        log.error("the message for %s broke a Block Kit limit (%s); posting it as plain text", channel, exc)
    except SlackApiError as exc:
        if slack_error(exc) not in TOO_RICH:
            raise
        log.warning(
            "Slack refused the message for %s (%s); posting it as plain text with fewer results", channel, slack_error(exc)
        )
    return _post(client, channel, plain(turn, presentation), thread_ts)


def _post(client: WebClient, channel: str, message: Message, thread_ts: str | None) -> str:
    """Link previews off: a page of results would unfurl every url."""
    response = client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False, **message.payload()
    )
    return str(response["ts"])


def elsewhere(
    client: WebClient, channel: str, error: str, turn: Turn, user: str | None, respond: Respond | None, base: Presentation
) -> None:
    """The answer for someone the bot cannot answer where they asked: through response_url
    when Slack gave one, else in a DM; either way with how to invite the bot."""
    private = replace(base, asker=None, interactive=False, invite_hint=True)
    if respond is not None:
        log.info("cannot post in %s (%s); answering through response_url", channel, error)
        privately(respond, build(turn, private), plain(turn, private))
    elif user:
        log.info("cannot post in %s (%s); sending the answer to the asker in a DM", channel, error)
        post(client, user, turn, replace(private, sent_to_dm=True))
    else:
        log.warning("cannot post in %s (%s) and nobody to tell; the request goes unanswered", channel, error)


def privately(respond: Respond | None, message: Message, fallback: Message | None = None) -> None:
    """An ephemeral answer through response_url that leaves the original message alone;
    the plain ``fallback`` if Slack refuses the first one."""
    if respond is None:
        raise ResponseUrlError("the request came without a response_url")
    for attempt in (message, fallback):
        if attempt is None:
            break
        answer = respond(response_type="ephemeral", replace_original=False, **attempt.payload())
        status = getattr(answer, "status_code", 200)
        if status == 200:
            return
        log.warning(
            "response_url refused the answer (HTTP %s)%s",
            status,
            "; trying plain text" if attempt is message and fallback is not None else "",
        )
    raise ResponseUrlError(f"response_url refused the answer (HTTP {status})")
