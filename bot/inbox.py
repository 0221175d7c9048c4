"""Incoming Slack messages and clicks, turned into conversation calls.

The listeners acknowledge and hand over the raw event; this module queues the work on its
own reply threads, so a slow Slack API (a 429 waiting out Retry-After) never delays the
acknowledgement of the next command or click. It decides whether a message is a new
request, a refinement, or something to ignore, and makes sure one human message is
answered at most once even when Slack delivers it twice (as ``app_mention`` and ``message``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.blocks import notice
from bot.conversation import Conversation
from bot.conversation_models import Action
from bot.delivery import LAST_DM, Respond, in_channel, in_dm, in_thread, privately
from bot.store import StateStore, ThreadKey

log = logging.getLogger(__name__)
# A human message, or one sent to the channel from a thread; everything else is ignored.
ANSWERED_SUBTYPES = frozenset({None, "thread_broadcast"})
HELP_WORDS = frozenset({"", "help", "?", "-h", "--help"})
CONTEXT_KEY = "findproject"
EXPIRED = "This search has expired. Mention me or use `/findproject` to search again."


@dataclass
class Inbox:
    """Turns what the listeners hand over into conversation calls; shared through Bolt's context."""

    conversation: Conversation
    store: StateStore
    workers: Executor

    def on_message(self, event: dict[str, Any], team: str, bot_user_id: str | None, client: WebClient,
                   mentioned: bool = False) -> None:
        """Any human message the bot can see: a mention, a DM, or a thread reply."""
        self._queue(self._message, event, team, bot_user_id, client, mentioned)

    def on_command(self, command: dict[str, Any], team: str, client: WebClient, respond: Respond) -> None:
        """``/findproject <request>``: a public answer in the channel (help was answered in the ack)."""
        self._queue(self._command, command, team, client, respond)

    def on_button(self, body: dict[str, Any], action: dict[str, Any], team: str, client: WebClient,
                  respond: Respond) -> None:
        """A button on a results message: applied to the thread state the message belongs to."""
        self._queue(self._button, body, action, team, client, respond)

    def close(self) -> None:
        """Finish the queued replies, then release the store."""
        self.workers.shutdown(wait=True)
        self.store.close()

    def _queue(self, work: Callable[..., None], *args: Any) -> None:
        self.workers.submit(_logged, work, *args)

    # ---- messages -------------------------------------------------------------------

    def _message(self, event: dict[str, Any], team: str, bot_user_id: str | None, client: WebClient,
                 mentioned: bool) -> None:
        if event.get("subtype") not in ANSWERED_SUBTYPES or event.get("bot_id"):
            log.debug("ignored %s message", event.get("subtype") or "bot")
            return
        channel, ts, user = event.get("channel"), event.get("ts"), event.get("user")
        if not (channel and ts and user):
            return
        text = event.get("text") or ""
        mentioned = mentioned or bool(bot_user_id and f"<@{bot_user_id}" in text)
        text = _without_mentions(text, bot_user_id)
        thread = event.get("thread_ts")
        if event.get("channel_type") == "im":
            if self._claim(team, channel, ts):
                self._direct(team, channel, ts, thread, text, client)
        elif mentioned:
            if self._claim(team, channel, ts):
                self._mention(ThreadKey(team, channel, thread or ts), bool(thread), text, client)
        elif thread and self.store.load(key := ThreadKey(team, channel, thread)) is not None:
            if self._claim(team, channel, ts):
                self.conversation.follow(key, text, in_thread(client, key))

    def _mention(self, key: ThreadKey, in_a_thread: bool, text: str, client: WebClient) -> None:
        deliver = in_thread(client, key)
        if text.strip() and in_a_thread and self.conversation.follow(key, text, deliver) is not None:
            return
        self.conversation.start(text, deliver, (key,))

    def _direct(self, team: str, channel: str, ts: str, thread: str | None, text: str, client: WebClient) -> None:
        """A DM thread reply refines that thread; a top-level DM refines the last DM search
        only when it reads as a refinement on its own ("only pytorch", "more")."""
        if thread:
            key = ThreadKey(team, channel, thread)
            deliver = in_thread(client, key)
            if self.conversation.follow(key, text, deliver) is None:
                self.conversation.start(text, deliver, (key,))
            return
        deliver = in_dm(client, team, channel, ts)
        last = ThreadKey(team, channel, LAST_DM)
        if self.conversation.engine.is_refinement(text) and self.conversation.follow(last, text, deliver) is not None:
            return
        self.conversation.start(text, deliver, (ThreadKey(team, channel, ts),))

    def _claim(self, team: str, channel: str, ts: str) -> bool:
        """One answer per human message, whichever delivery of it arrives first."""
        claimed = self.store.claim(f"message:{team}:{channel}:{ts}")
        if not claimed:
            log.info("message %s in %s already answered; duplicate delivery ignored", ts, channel)
        return claimed

    # ---- slash command and buttons ----------------------------------------------------

    def _command(self, command: dict[str, Any], team: str, client: WebClient, respond: Respond) -> None:
        deliver = in_channel(client, team, command.get("channel_id", ""), command.get("user_id", ""), respond)
        self.conversation.start(command.get("text", ""), deliver)

    def _button(self, body: dict[str, Any], action: dict[str, Any], team: str, client: WebClient,
                respond: Respond) -> None:
        try:
            choice = Action.model_validate_json(action.get("value") or "")
        except ValidationError:
            log.warning("ignored a button with an unreadable value (action_id %s)", action.get("action_id"))
            return
        container = body.get("container") or {}
        message = body.get("message") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        # The thread a results message sits in; a top-level message (slash command, DM) is its own thread.
        thread = (message.get("thread_ts") or container.get("thread_ts")
                  or message.get("ts") or container.get("message_ts"))
        if not (channel and thread):
            return
        key = ThreadKey(team, channel, thread)
        if self.conversation.press(key, choice, in_thread(client, key)) is None:
            privately(respond, notice(EXPIRED))


def _logged(work: Callable[..., None], *args: Any) -> None:
    """Reply work runs off Bolt's threads, so its failures are logged here (details at debug)."""
    try:
        work(*args)
    except Exception as exc:
        log.error("failed to answer: %s: %s", exc.__class__.__name__, exc)
        log.debug("failure details", exc_info=True)


def is_help(text: str) -> bool:
    return text.strip().lower() in HELP_WORDS


def _without_mentions(text: str, bot_user_id: str | None) -> str:
    """The request without the bot's own mention (``<@U123>`` or ``<@U123|name>``)."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return text.strip()


def inbox_of(context: BoltContext) -> Inbox:
    """The Inbox that bot.slack_app put into every request's context."""
    return context[CONTEXT_KEY]
