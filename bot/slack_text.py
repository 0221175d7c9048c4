"""Slack message text back to what the person wrote, before anything parses it.

Slack sends markup: ``<@U123>`` mentions, ``<#C123|general>`` channel links,
``<https://x|label>`` links, ``<!here>`` broadcasts, ``:emoji:`` codes, and ``&lt;``
for a typed ``<``. A channel link becomes its name, a labelled link its label; mentions,
broadcasts and bare links go, emoji codes become the emoji they stand for, and who was
mentioned is kept: a thread reply that mentions someone else is not meant for the bot.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import emoji

_MARKUP = re.compile(r"<([^<>]*)>")
_EMOJI = re.compile(r"(?<!\w):[a-z0-9_+'-]+:(?::skin-tone-\d:)?(?!\d)", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Said:
    """A message's words without markup, and whom it mentioned."""

    text: str
    mentions_bot: bool = False
    mentions_others: bool = False


def _emoji(match: re.Match[str]) -> str:
    """The emoji a code stands for (":+1:" is "👍", which the reply model reads); a workspace's
    own emoji (":partyparrot:") goes."""
    code = match.group().split("::")[0]
    if not code.endswith(":"):
        code += ":"
    shown = emoji.emojize(code, language="alias")
    return f" {shown} " if shown != code else " "


def read(raw: str, bot_user_id: str | None) -> Said:
    """The cleaned text of a message, and whether it mentions the bot or anyone else."""
    mentioned: list[str] = []

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, shown = inner.partition("|")
        if target.startswith("@"):
            mentioned.append(target[1:])
            return " "
        if target.startswith("!"):  # <!here>, <!channel>, <!subteam^S1|@team>, <!date^…|fallback>
            if target.startswith("!date"):
                return f" {shown} "
            mentioned.append(target)
            return " "
        if target.startswith("#"):
            return f" {shown} "
        return f" {shown} " if shown else " "

    text = _MARKUP.sub(replace, raw or "")
    text = _EMOJI.sub(_emoji, html.unescape(text))
    by_bot = bool(bot_user_id) and bot_user_id in mentioned
    others = any(who != bot_user_id for who in mentioned)
    return Said(text=_SPACE.sub(" ", text).strip(), mentions_bot=by_bot, mentions_others=others)
