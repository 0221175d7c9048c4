"""The Slack side's one job runner: queue, decide, post, save, in that order, once.

The listeners turn each payload into a typed event (or None) and submit it as a Job;
they return at once, so a slow Slack API never delays the next acknowledgement. The
runner then, for each job:

1. holds the request's claim (``with journal.claimed(...)``) until the job is done;
2. asks the conversation core what the event means (bot.conversation);
3. claims the human message itself, so one message delivered twice (as ``app_mention``
   and ``message``) is answered once;
4. saves the new state, posts the turn, and puts the old state back if the post failed,
   so a reply the user can see always has its state and a failed post never moves a
   conversation on; a top-level answer also opens the thread under it. A reply or a vote in
   a thread of this channel waits while a top-level answer here is between its post and that
   save and the log of its search (a reply to a slash command's results can arrive within
   milliseconds).

Order: the jobs of one conversation (a channel thread, or a whole DM) run one at a
time in arrival order; different conversations run in parallel. A request takes its
:class:`Place` when it arrives, before Slack gets its acknowledgement
(:meth:`Runner.arrive`, from bot.slack_app): a place in the store's line of the
conversation (``store.ordered``: across every process on a Redis store) and, under the
same lock, a place in this process's queue of it (bot.locks.KeyedQueues), so the two
orders agree and a process never waits in its own queue for a turn it holds further
back. The job enters its turn in the line when it runs; every path that does not run
the work leaves both places at once, so nobody waits for it.

Failures: one log line without message text, and a short apology to the user where
Slack allows it; the details stay in the debug log.
"""

from __future__ import annotations

import logging
import threading
import urllib.error
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from functools import partial

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import metrics
from bot.blocks import APOLOGY, apology, build
from bot.conversation import Conversation, save
from bot.delivery import NOT_IN_CHANNEL, Respond, elsewhere, post, privately, slack_error
from bot.events import Click, Command, DirectMessage, Event, Mention, ThreadReply
from bot.journal import Journal
from bot.locks import KeyedQueues, Slot
from bot.outcomes import Outcome, Turn, TurnKind
from bot.presentation import Presentation
from bot.searchlog import NullSearchLog, SearchLog, surface_of
from bot.store import StateStoreError, ThreadKey, ThreadState
from bot.store import Turn as LineTurn

log = logging.getLogger(__name__)
# How long a reply waits for the thread a top-level answer opens (its post, then its save).
THREAD_SAVE_WAIT = 2.0
CONTEXT_KEY = "findproject"
CLAIM_KEY = "findproject.claim"
PLACE_KEY = "findproject.place"
APOLOGY_TIMEOUT = 5


@dataclass(frozen=True)
class Place:
    """A request's place in its conversation's order: the store's line and this process's queue."""

    turn: LineTurn
    slot: Slot

    def leave(self) -> None:
        """The request will not run: both lines move past it (harmless when already left). A store
        that is away is logged, never raised: its line moves on once it is back (bot.redis_line)."""
        self.slot.cancel()
        try:
            self.turn.skip()
        except StateStoreError as exc:
            log.warning("could not leave a conversation's line yet: %s", exc)


@dataclass(frozen=True)
class Job:
    """One request to answer. ``event`` None: nothing to answer, only the claim to finish (and
    ``work``, if any, to do in the conversation's turn)."""

    event: Event | None
    claim: str | None = None  # the request's own claim, taken before the acknowledgement
    client: WebClient | None = None
    once: str | None = None  # the human message's claim: one answer however often it is delivered
    respond: Respond | None = None  # response_url (slash commands and clicks)
    place: Place | None = None  # taken on arrival (Runner.arrive); None: no order to keep
    # Done in the conversation's turn, after the answers before it: a vote on a results message
    # finds its search logged, however soon after the post it came.
    work: Callable[[], None] | None = None
    # The message's thread, for ``work``: a top-level answer there (a slash command's, which is in
    # no line) is logged before the work runs.
    thread: ThreadKey | None = None


@dataclass(frozen=True)
class _Place:
    """Where a turn is posted: top level when ``thread`` is None."""

    team: str
    channel: str
    thread: str | None
    user: str
    presentation: Presentation


class Runner:
    """Shared through Bolt's context; see the module docs."""

    def __init__(
        self,
        conversation: Conversation,
        journal: Journal,
        workers: Executor,
        presentation: Presentation | None = None,
        search_log: SearchLog | None = None,
    ):
        self.conversation = conversation
        self.journal = journal
        self.search_log = search_log or NullSearchLog()
        self.workers = workers
        self.presentation = presentation or Presentation()
        self.queues = KeyedQueues(workers)
        self._arrivals = threading.Lock()
        self._opening: Counter[tuple[str, str]] = Counter()  # (team, channel): top-level posts whose thread is not saved yet
        self._opened = threading.Condition()

    def arrive(self, conversation: tuple[str, ...] | None) -> Place | None:
        """The place of a request that just arrived, taken before it is acknowledged; None when it
        belongs to no conversation. Raises StateStoreError when the store's line cannot be reached."""
        if conversation is None:
            return None
        with self._arrivals:  # one store call: the store's order and this queue's order agree
            turn = self.journal.store.ordered(conversation)
            return Place(turn, self.queues.reserve(conversation))

    def submit(self, job: Job) -> None:
        work = partial(self._run, job)
        if job.place is not None:
            job.place.slot.fill(work)
        else:
            self.queues.submit(None, work)

    def close(self) -> None:
        """Finish the queued jobs, then release the store."""
        self.workers.shutdown(wait=True)
        self.search_log.close()
        self.journal.store.close()
        log.info("state store closed")

    def _run(self, job: Job) -> None:
        with self.journal.claimed(job.claim):
            if job.work is not None:
                self._work(job, job.work)
                return
            if job.event is None or job.client is None:
                if job.place is not None:
                    job.place.leave()
                return
            try:
                with job.place.turn if job.place else nullcontext():  # the conversation's earlier replies first
                    self._answer(job, job.event, job.client)
                metrics.replied("handled")
            except Exception as exc:
                metrics.replied("failed")
                log.error("could not answer %s: %s", _where(job.event), describe(exc))
                log.debug("failure details", exc_info=True)
                self._apologise(job, job.event, job.client)

    def _work(self, job: Job, work: Callable[[], None]) -> None:
        try:
            with job.place.turn if job.place else nullcontext():
                if job.thread is not None:
                    self._wait_for_threads(job.thread)
                work()
        except Exception as exc:
            log.error("could not record a click: %s", describe(exc))
            log.debug("failure details", exc_info=True)

    def _answer(self, job: Job, event: Event, client: WebClient) -> None:
        if isinstance(event, (ThreadReply, Mention)):
            self._wait_for_threads(event.thread)
        outcome = self.conversation.handle(event)
        if outcome.turn is None:
            log.debug("%s needs no answer (%s)", _where(event), "acknowledged" if outcome.heard else "not for the bot")
            return
        if job.once and not self.journal.claim(job.once):
            log.info("%s already answered; duplicate delivery ignored", _where(event))
            metrics.DEDUPE_HITS.labels("message").inc()
            return
        with self.journal.claimed(job.once):
            self._show(outcome, outcome.turn, event, client, job.respond)

    def _show(self, outcome: Outcome, turn: Turn, event: Event, client: WebClient, respond: Respond | None) -> None:
        if turn.kind is TurnKind.EXPIRED:
            privately(respond, build(turn, self.presentation))
            return
        place = self._place(event)
        store = self.journal.store
        before = {key: store.load(key) for key in outcome.keys}
        save(store, outcome)  # before it is shown: a reply the user can see always has its state
        ts = None
        with self._opening_thread(place) if place.thread is None else nullcontext():
            try:
                ts = self._post(client, place, turn, respond)
            finally:
                if ts is None:
                    self._put_back(before)
            if ts is not None and place.thread is None and outcome.state is not None:
                store.save(ThreadKey(place.team, place.channel, ts), outcome.state)  # replies under it continue it
            if turn.kind is TurnKind.RESULTS and turn.response is not None:  # shown, publicly or privately
                self.search_log.record_search(
                    turn.response,
                    request=turn.request,
                    page=turn.page,
                    surface=surface_of(event),
                    team=place.team,
                    channel=place.channel,
                    user=place.user,
                    search_id=turn.id,
                    message_ts=ts,
                )

    @contextmanager
    def _opening_thread(self, place: _Place) -> Iterator[None]:
        """A top-level post, the save of the thread under it and the log of its search, which replies
        and votes there wait for."""
        where = (place.team, place.channel)
        with self._opened:
            self._opening[where] += 1
        try:
            yield
        finally:
            with self._opened:
                self._opening[where] -= 1
                self._opened.notify_all()

    def _wait_for_threads(self, thread: ThreadKey) -> None:
        """Until no top-level answer in the thread's channel is between its post and its save (at most 2 s)."""
        with self._opened:
            self._opened.wait_for(lambda: not self._opening[(thread.team, thread.channel)], timeout=THREAD_SAVE_WAIT)

    def _post(self, client: WebClient, place: _Place, turn: Turn, respond: Respond | None) -> str | None:
        """The message's ts; None when the bot cannot post there and answered privately instead."""
        try:
            return post(client, place.channel, turn, place.presentation, place.thread)
        except SlackApiError as exc:
            if slack_error(exc) not in NOT_IN_CHANNEL:
                raise
            elsewhere(client, place.channel, slack_error(exc), turn, place.user, respond, self.presentation)
            return None

    def _put_back(self, before: dict[ThreadKey, ThreadState | None]) -> None:
        store = self.journal.store
        for key, state in before.items():
            if state is None:
                store.forget(key)
            else:
                store.save(key, state)

    def _place(self, event: Event) -> _Place:
        base = self.presentation
        if isinstance(event, Command):
            return _Place(event.team, event.channel, None, event.user, replace(base, asker=event.user))
        if isinstance(event, DirectMessage):
            return _Place(event.team, event.channel, event.thread, event.user, replace(base, in_dm=True))
        assert isinstance(event, (Mention, ThreadReply, Click))
        key = event.thread
        return _Place(key.team, key.channel, key.thread, event.user, replace(base, in_dm=_is_dm(key.channel)))

    def _apologise(self, job: Job, event: Event, client: WebClient) -> None:
        """An ephemeral apology, tried once and quickly: Slack may well be what failed."""
        try:
            if isinstance(event, (Command, Click)):
                privately(job.respond, apology())
            else:
                place = self._place(event)
                quick = type(client)(
                    token=client.token, base_url=client.base_url, timeout=min(client.timeout, APOLOGY_TIMEOUT), retry_handlers=[]
                )
                quick.chat_postEphemeral(
                    channel=place.channel,
                    user=place.user,
                    text=APOLOGY,
                    blocks=apology().payload()["blocks"],
                    thread_ts=place.thread,
                )
            log.info("told the user in %s to try again", _where(event).rpartition(" ")[2])
        except Exception as again:
            log.error("could not tell the user either: %s", describe(again))


def conversation_of(event: Event | None) -> tuple[str, ...] | None:
    """The conversation an event belongs to: its requests are answered in arrival order (None: no order)."""
    if isinstance(event, DirectMessage):
        return ("dm", event.team, event.channel)
    if isinstance(event, (Mention, ThreadReply, Click)):
        return conversation_in(event.thread)
    return None


def conversation_in(thread: ThreadKey) -> tuple[str, ...]:
    """The conversation of a thread: the thread itself, or in a DM the whole DM."""
    return ("dm", thread.team, thread.channel) if _is_dm(thread.channel) else thread


def _is_dm(channel: str) -> bool:
    return channel.startswith("D")


def _where(event: Event) -> str:
    """A log phrase for the event, without its text."""
    if isinstance(event, Command):
        return f"a slash command in {event.channel}"
    if isinstance(event, DirectMessage):
        return f"a DM in {event.channel}"
    if isinstance(event, Click):
        return f"a button in {event.thread.channel}"
    if isinstance(event, Mention):
        return f"a mention in {event.thread.channel}"
    if isinstance(event, ThreadReply):
        return f"a thread reply in {event.thread.channel}"
    return "a console line"


def describe(exc: BaseException) -> str:
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


def runner_of(context: BoltContext) -> Runner:
    """The Runner that bot.slack_app put into every request's context."""
    runner: Runner = context[CONTEXT_KEY]
    return runner


def job_of(
    context: BoltContext,
    event: Event | None = None,
    client: WebClient | None = None,
    once: str | None = None,
    respond: Respond | None = None,
    work: Callable[[], None] | None = None,
    thread: ThreadKey | None = None,
) -> Job:
    """The job for this request, with the claim and the place bot.slack_app took for it on arrival."""
    place = context.get(PLACE_KEY)
    return Job(event, context.get(CLAIM_KEY), client, once=once, respond=respond, place=place, work=work, thread=thread)
