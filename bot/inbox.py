"""Incoming Slack messages and clicks, turned into conversation calls.

The listeners acknowledge and hand over the raw event; this module decides at once, in
arrival order, whether a message is a new request, a refinement, or something to ignore,
and queues the answer on its own reply threads, so a slow Slack API (a 429 waiting out
Retry-After) never delays the acknowledgement of the next command or click.

Order: the answers for one conversation (a thread, or a DM channel) run one at a time in
the order the bot received the messages (see bot.locks.KeyedQueues); different
conversations are answered in parallel.

Exactly once: one human message is answered at most once even when Slack delivers it
twice (as ``app_mention`` and ``message``). Every claim (the request's own, taken in
bot.slack_app before the acknowledgement, and the message's) is finished only when the
answer is done, so a request cut off by a crash is answered after the restart.

Failures: when an answer cannot be given (Slack down after the bounded retries, a bug)
the error is logged in one line and the user gets a short ephemeral "something went
wrong, try again" where Slack allows it; the details stay in the debug log.
"""

from __future__ import annotations

import logging
import re
import urllib.error
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pydantic import ValidationError
from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import metrics
from bot.blocks import APOLOGY, apology, notice
from bot.conversation import Conversation
from bot.conversation_models import Action
from bot.delivery import LAST_DM, Respond, in_channel, in_dm, in_thread, privately, slack_error
from bot.locks import KeyedQueues
from bot.store import StateStore, ThreadKey

log = logging.getLogger(__name__)
# A human message, or one sent to the channel from a thread; everything else is ignored.
ANSWERED_SUBTYPES = frozenset({None, "thread_broadcast"})
HELP_WORDS = frozenset({"", "help", "?", "-h", "--help"})
CONTEXT_KEY = "findproject"
CLAIM_KEY = "findproject.claim"
EXPIRED = "This search has expired. Mention me or use `/findproject` to search again."
APOLOGY_TIMEOUT = 5


@dataclass
class Inbox:
    """Turns what the listeners hand over into conversation calls; shared through Bolt's context."""

    conversation: Conversation
    store: StateStore
    workers: Executor
    queues: KeyedQueues = field(init=False)

    def __post_init__(self) -> None:
        self.queues = KeyedQueues(self.workers)

    def on_message(self, event: dict[str, Any], team: str, bot_user_id: str | None, client: WebClient,
                   mentioned: bool = False, claim: str | None = None) -> None:
        """Any message the bot can see: a mention, a DM, a thread reply, or chatter to ignore."""
        subtype = event.get("subtype")
        if not (subtype is None or isinstance(subtype, str)) or subtype not in ANSWERED_SUBTYPES or event.get("bot_id"):
            log.debug("ignored %s message", subtype or "bot")
            return self.finish(claim)
        channel, ts, user = event.get("channel"), event.get("ts"), event.get("user")
        if not (isinstance(channel, str) and isinstance(ts, str) and isinstance(user, str) and channel and ts):
            return self.finish(claim)
        text = event.get("text")
        if not isinstance(text, str):
            log.warning("ignored a message event whose text is not a string")
            return self.finish(claim)
        mentioned = mentioned or bool(bot_user_id and f"<@{bot_user_id}" in text)
        text = _without_mentions(text, bot_user_id)
        thread = event.get("thread_ts") if isinstance(event.get("thread_ts"), str) else None
        if event.get("channel_type") == "im":
            order: Any = ("dm", team, channel)
            answer: Callable[[], None] = partial(self._direct, team, channel, ts, thread, text, client, user)
            where, reply_thread, known_threads_only = f"a DM in {channel}", thread, False
        elif mentioned:
            order = ThreadKey(team, channel, thread or ts)
            where, reply_thread, known_threads_only = f"a mention in {channel}", order.thread, False
            answer = partial(self._mention, order, bool(thread), text, client, user)
        elif thread:
            order = ThreadKey(team, channel, thread)
            where, reply_thread, known_threads_only = f"a thread reply in {channel}", thread, True
            answer = partial(self._follow, order, text, client, user)
        else:
            return self.finish(claim)
        message = f"message:{team}:{channel}:{ts}"

        def work() -> None:
            # Decided in the conversation's order, so the state the answers before it saved is there.
            if known_threads_only and self.store.load(order) is None:
                return  # a thread the bot is not part of
            if not self.store.claim(message):
                log.info("message %s in %s already answered; duplicate delivery ignored", ts, channel)
                metrics.DEDUPE_HITS.labels("message").inc()
                return
            try:
                answer()
            finally:
                self.finish(message)

        self._queue(order, where, work, partial(self._apologise, client, channel, user, reply_thread), claim)

    def on_command(self, command: dict[str, Any], team: str, client: WebClient, respond: Respond | None,
                   claim: str | None = None) -> None:
        """``/findproject <request>``: a public answer in the channel (help was answered in the ack)."""
        channel = str(command.get("channel_id") or "")
        self._queue(None, f"a slash command in {channel}", partial(self._command, command, team, client, respond),
                    partial(privately, respond, apology()), claim)

    def on_button(self, body: dict[str, Any], action: dict[str, Any], team: str, client: WebClient,
                  respond: Respond | None, claim: str | None = None) -> None:
        """A button on a results message: applied to the thread state the message belongs to."""
        value = action.get("value")
        try:
            choice = Action.model_validate_json(value if isinstance(value, str) else "")
        except ValidationError:
            log.warning("ignored a button with an unreadable value (action_id %s)", action.get("action_id"))
            return self.finish(claim)
        container, message = _object(body.get("container")), _object(body.get("message"))
        channel = container.get("channel_id") or _object(body.get("channel")).get("id")
        # The thread a results message sits in; a top-level message (slash command, DM) is its own thread.
        thread = (message.get("thread_ts") or container.get("thread_ts")
                  or message.get("ts") or container.get("message_ts"))
        if not (isinstance(channel, str) and isinstance(thread, str) and channel and thread):
            return self.finish(claim)
        key = ThreadKey(team, channel, thread)
        user = _object(body.get("user")).get("id")
        self._queue(key, f"a button in {channel}", partial(self._button, key, choice, client, user, respond),
                    partial(privately, respond, apology()), claim)

    def finish(self, *claims: str | None) -> None:
        """The request needs nothing more (answered, ignored or given up)."""
        for claim in claims:
            if claim:
                try:
                    self.store.finish(claim)
                except Exception as exc:  # the claim then reads as open until it goes stale; never fatal
                    log.error("could not mark %s finished: %s", claim, _describe(exc))

    def close(self) -> None:
        """Finish the queued replies, then release the store."""
        self.workers.shutdown(wait=True)
        self.store.close()
        log.info("state store closed")

    # ---- running the answers ----------------------------------------------------------

    def _queue(self, order: Any, where: str, work: Callable[[], None], tell: Callable[[], None],
               *claims: str | None) -> None:
        self.queues.submit(order, partial(self._run, where, work, tell, claims))

    def _run(self, where: str, work: Callable[[], None], tell: Callable[[], None],
             claims: tuple[str | None, ...]) -> None:
        """The answer; on failure one clear log line and an apology; the claims end either way."""
        try:
            work()
            metrics.replied("handled")
        except Exception as exc:
            metrics.replied("failed")
            log.error("could not answer %s: %s", where, _describe(exc))
            log.debug("failure details", exc_info=True)
            try:
                tell()
                log.info("told the user in %s to try again", where.rpartition(" ")[2])
            except Exception as again:
                log.error("could not tell the user either: %s", _describe(again))
        finally:
            self.finish(*claims)

    def _apologise(self, client: WebClient, channel: str, user: str, thread: str | None) -> None:
        """An ephemeral apology, tried once and quickly: Slack may well be what failed."""
        quick = type(client)(token=client.token, base_url=client.base_url,
                          timeout=min(client.timeout, APOLOGY_TIMEOUT), retry_handlers=[])
        message = apology()
        quick.chat_postEphemeral(channel=channel, user=user, text=APOLOGY, blocks=message.payload()["blocks"],
                                 thread_ts=thread)

    # ---- messages -------------------------------------------------------------------

    def _mention(self, key: ThreadKey, in_a_thread: bool, text: str, client: WebClient, user: str) -> None:
        deliver = in_thread(client, key, user)
        if text.strip() and in_a_thread and self.conversation.follow(key, text, deliver) is not None:
            return
        self.conversation.start(text, deliver, (key,))

    def _follow(self, key: ThreadKey, text: str, client: WebClient, user: str) -> None:
        if self.conversation.follow(key, text, in_thread(client, key, user)) is None:
            log.info("thread %s in %s expired before its reply was answered", key.thread, key.channel)

    def _direct(self, team: str, channel: str, ts: str, thread: str | None, text: str, client: WebClient,
                user: str) -> None:
        """A DM thread reply refines that thread; a top-level DM refines the last DM search
        only when it reads as a refinement on its own ("only pytorch", "more")."""
        if thread:
            key = ThreadKey(team, channel, thread)
            deliver = in_thread(client, key, user)
            if self.conversation.follow(key, text, deliver) is None:
                self.conversation.start(text, deliver, (key,))
            return
        deliver = in_dm(client, team, channel, ts)
        last = ThreadKey(team, channel, LAST_DM)
        if self.conversation.engine.is_refinement(text) and self.conversation.follow(last, text, deliver) is not None:
            return
        self.conversation.start(text, deliver, (ThreadKey(team, channel, ts),))

    # ---- slash command and buttons ----------------------------------------------------

    def _command(self, command: dict[str, Any], team: str, client: WebClient, respond: Respond | None) -> None:
        asker = str(command.get("user_id") or "")
        deliver = in_channel(client, team, str(command.get("channel_id") or ""), asker, respond)
        self.conversation.start(str(command.get("text") or ""), deliver)

    def _button(self, key: ThreadKey, choice: Action, client: WebClient, user: str | None,
                respond: Respond | None) -> None:
        if self.conversation.press(key, choice, in_thread(client, key, user, respond)) is None:
            privately(respond, notice(EXPIRED))


def _describe(exc: BaseException) -> str:
    """One line on what failed, without message text, tokens or a traceback."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        method = str(getattr(response, "api_url", "") or "").rstrip("/").rpartition("/")[2] or "the Slack API"
        status = getattr(response, "status_code", "?")
        error = slack_error(exc)
        return f"Slack refused {method} (HTTP {status}{', ' + error if error else ''}) after the retries"
    if isinstance(exc, TimeoutError):
        return "Slack did not answer in time, after the retries"
    if isinstance(exc, urllib.error.URLError):
        return f"cannot reach Slack ({exc.reason}), after the retries"
    if isinstance(exc, ConnectionError):
        return f"the connection to Slack failed ({exc.__class__.__name__}), after the retries"
    return f"{exc.__class__.__name__} (details at debug level)"


def _object(value: Any) -> dict[str, Any]:
    """A part of a payload that should be an object, or an empty one when it is not."""
    return value if isinstance(value, dict) else {}


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


def claim_of(context: BoltContext) -> str | None:
    """The claim bot.slack_app took for this request (None when it needed none)."""
    return context.get(CLAIM_KEY)
