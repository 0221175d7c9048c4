"""What every message the bot sends must satisfy, and a way to wait for log lines.

:func:`message_problems` checks one recorded Slack call against Block Kit's limits (by
parsing its blocks back into ``slack_sdk.models.blocks`` objects, whose validators know
Slack's per-field limits, plus the message-wide ones) and against the safety rule: the
only ``<…>`` markup is a link to a catalog url or a mention of the person who asked.
:class:`LogWatch` collects log records from every thread of an in-process bot.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from tests.support.fake_slack import Call, block_texts

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_BUTTON_TEXT = 75
MAX_TOTAL_TEXT = 12_000
_MARKUP = re.compile(r"<([^<>]*)>")
_BROADCAST = re.compile(r"(?<![\w\u2060])@(channel|here|everyone)\b", re.IGNORECASE)


def markup(text: str) -> list[str]:
    """Every ``<…>`` Slack would turn into a mention, channel, broadcast or link."""
    return [match.group(1) for match in _MARKUP.finditer(text)]


def unsafe_markup(text: str, catalog_urls: Iterable[str], askers: Iterable[str] = ()) -> list[str]:
    """The markup in ``text`` that the bot did not build from a catalog url or the asker's id."""
    allowed_urls = set(catalog_urls)
    allowed_people = {f"@{user}" for user in askers}
    bad = []
    for inner in markup(text):
        target = inner.split("|", 1)[0]
        if inner in allowed_people or target.replace("&amp;", "&") in allowed_urls:
            continue
        bad.append(f"<{inner}>")
    bad += [f"bare {m.group()}" for m in _BROADCAST.finditer(text)]
    return bad


def limit_problems(body: dict[str, Any]) -> list[str]:
    """Block Kit limits: the models' own validation, 50 blocks, 3,000 characters of section
    text, 75 of button text, about 12k characters of text in all."""
    problems: list[str] = []
    blocks = body.get("blocks") or []
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"{len(blocks)} blocks")
    for raw in blocks:
        try:
            parsed = Block.parse(raw)
            if parsed is None:
                problems.append(f"unknown block {raw.get('type')}")
            else:
                parsed.to_dict()  # runs slack_sdk's validators
        except SlackObjectFormationError as exc:
            problems.append(f"invalid {raw.get('type')} block: {exc}")
        if raw.get("type") == "section" and len((raw.get("text") or {}).get("text", "")) > MAX_SECTION_TEXT:
            problems.append("section text over 3,000 characters")
        if raw.get("type") == "actions":
            for element in raw.get("elements", []):
                if len(element.get("text", {}).get("text", "")) > MAX_BUTTON_TEXT:
                    problems.append(f"button text over 75 characters: {element['text']['text']!r}")
    total = len(str(body.get("text") or "")) + sum(len(t) for t in block_texts(blocks))
    if total > MAX_TOTAL_TEXT:
        problems.append(f"{total} characters of text")
    if not (body.get("text") or blocks):
        problems.append("an empty message")
    return problems


def mrkdwn(body: dict[str, Any]) -> str:
    """The text Slack parses for markup: the message ``text`` and every mrkdwn text object
    (``plain_text``, such as button labels, is always shown as it is)."""
    return "\n".join([str(body.get("text") or ""), *block_texts(body.get("blocks") or [], kinds=("mrkdwn",))])


def message_problems(call: Call, catalog_urls: Iterable[str], askers: Iterable[str] = ()) -> list[str]:
    """Everything wrong with one message the bot sent (empty when it is fine)."""
    return limit_problems(call.body) + unsafe_markup(mrkdwn(call.body), catalog_urls, askers)


class LogWatch(logging.Handler):
    """Collects log records of every logger and thread while installed (``with LogWatch() as logs``)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._changed = threading.Condition()
        self._root_level = logging.WARNING

    def __enter__(self) -> LogWatch:
        root = logging.getLogger()
        self._root_level = root.level
        root.setLevel(logging.DEBUG)
        root.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        root = logging.getLogger()
        root.removeHandler(self)
        root.setLevel(self._root_level)

    def emit(self, record: logging.LogRecord) -> None:
        record.rendered = self.format(record) if record.exc_info else record.getMessage()
        with self._changed:
            self.records.append(record)
            self._changed.notify_all()

    def lines(self, level: int = logging.DEBUG) -> list[str]:
        with self._changed:
            return [r.rendered for r in self.records if r.levelno >= level]

    def wait_for(self, pattern: str, level: int = logging.DEBUG, timeout: float = 10.0) -> str:
        """The first line at ``level`` or above matching the regex ``pattern``; AssertionError after ``timeout``."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for record in self.records:
                    if record.levelno >= level and regex.search(record.rendered):
                        return record.rendered
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no log line matching {pattern!r}; got {self.lines(level)[-20:]}")
                self._changed.wait(remaining)


def first_rank(call: Call) -> int | None:
    """The rank of the first result a results message shows ("…: 6. Title" gives 6), None for another message."""
    found = re.search(r": (\d+)\. ", str(call.body.get("text") or ""))
    return int(found.group(1)) if found else None
