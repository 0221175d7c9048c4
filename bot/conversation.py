"""The conversation core: an event in, an outcome out. It knows nothing of Slack.

:meth:`Conversation.handle` reads the stored state an event refers to, decides what the
event means (a request, a refinement, a click, something to ignore) and returns the
turn to show with the state to save under each key. It never writes: the caller saves
the state when the turn is shown (bot.runner for Slack, bot.chat for the console), so
a turn that could not be shown never moves a conversation on.

State lives under two kinds of keys: the conversation (a thread, a DM, the console),
which replies continue, and each results message (``message_key``), which that
message's buttons act on even after the thread has moved on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from bot.events import Click, Command, ConsoleLine, DirectMessage, Event, Mention, ThreadReply
from bot.outcomes import Action, Outcome, Turn, TurnKind, label
from bot.store import StateStore, Step, ThreadKey, ThreadState
from retrieval.alternatives import apply_change
from retrieval.engine import SearchEngine
from retrieval.models import Query
from retrieval.refine import (
    NOT_UNDERSTOOD,
    Refinement,
    RefinementKind,
    asks_for_help,
    doubted,
    is_no_request,
    positive_tags,
    read_request,
    refine,
    requested_count,
)
from retrieval.similar import similar_query

START_OVER = "Starting over — what are you looking for?"
NOTHING_LEFT = "nothing is left of the search — what are you looking for?"
MESSAGE_PREFIX = "message:"
LAST_DM = "last-dm"  # the thread name under which a DM's latest top-level search lives
CONSOLE = ThreadKey("console", "console", "chat")


def message_key(thread: ThreadKey, message: str) -> ThreadKey:
    """Where the state of one results message lives (``message`` is its Turn.id)."""
    return thread._replace(thread=MESSAGE_PREFIX + message)


def save(store: StateStore, outcome: Outcome) -> None:
    """Keep an outcome's state under each of its keys."""
    if outcome.state is not None:
        for key in outcome.keys:
            store.save(key, outcome.state)


class Conversation:
    def __init__(self, engine: SearchEngine, store: StateStore, page_size: int = 5, today: Callable[[], date] = date.today):
        self.engine = engine
        self.store = store
        self.page_size = page_size
        self.today = today

    def handle(self, event: Event) -> Outcome:
        """What the event means, and what to show and keep for it."""
        if isinstance(event, Command):
            return self._request(event.text, event.user, ThreadKey(event.team, event.channel, ""), ())
        if isinstance(event, Mention):
            state = self.store.load(event.thread) if event.in_thread else None
            if state is not None and event.text.strip():
                return self._reply(state, event.text, event.thread, (event.thread,), addressed=True)
            return self._request(event.text, event.user, event.thread, (event.thread,))
        if isinstance(event, ThreadReply):
            state = self.store.load(event.thread)
            if state is None or event.to_someone_else or event.user != state.asker:
                return Outcome()  # not the bot's thread, or not meant for it
            return self._reply(state, event.text, event.thread, (event.thread,), addressed=False)
        if isinstance(event, DirectMessage):
            return self._direct(event)
        if isinstance(event, Click):
            return self._click(event)
        return self._console(event)

    # ---- where a message belongs ----------------------------------------------------------

    def _direct(self, event: DirectMessage) -> Outcome:
        """A DM thread reply continues that thread. A top-level DM continues the last DM
        search only when it reads as a change on its own ("only pytorch", "thanks", "more");
        anything else is a new request."""
        own = ThreadKey(event.team, event.channel, event.thread or event.ts)
        if event.thread:
            state = self.store.load(own)
            if state is not None:
                return self._reply(state, event.text, own, (own,), addressed=True)
            return self._request(event.text, event.user, own, (own,))
        last_key = own._replace(thread=LAST_DM)
        keys = (last_key, own)
        last = self.store.load(last_key)
        if last is not None and not last.query.is_empty:
            reading = self._read(last, event.text)
            if reading.explicit and reading.kind is not RefinementKind.NEW:
                return self._apply(last, reading, event.text, own, keys)
            if reading.kind is RefinementKind.NOT_UNDERSTOOD and is_no_request(
                self.engine.parser, event.text, self.today(), self.engine.index.doc_freq
            ):
                return _notice(event.text, reading.change)  # "asdfgh", "who built you?": the search stays
        if last is not None and last.query.is_empty:  # a search cleared ("clear filters"): "thanks" asks nothing
            return self._reply(last, event.text, own, keys, addressed=True)
        return self._request(event.text, event.user, own, keys)

    def _console(self, event: ConsoleLine) -> Outcome:
        state = self.store.load(CONSOLE)
        if state is None:
            return self._request(event.text, "", CONSOLE, (CONSOLE,))
        return self._reply(state, event.text, CONSOLE, (CONSOLE,), addressed=True)

    def _click(self, event: Click) -> Outcome:
        """A button acts on the search of the message it sits on, whatever the thread did since."""
        action = event.action
        state = self.store.load(message_key(event.thread, action.message)) if action.message else None
        if state is None:
            return Outcome(turn=Turn(kind=TurnKind.EXPIRED))
        keys = (event.thread,)
        if action.op == "reset":
            return self._prompt(label(action), state.then(Query()), keys, START_OVER)
        if action.op == "page":
            moved = state.then(state.query, page=action.page)
            return self._results(label(action), moved, event.thread, keys, "next page")
        return self._results(label(action), state.then(_changed(state.query, action)), event.thread, keys, _described(action))

    # ---- requests and replies -------------------------------------------------------------

    def _request(self, text: str, asker: str, home: ThreadKey, keys: tuple[ThreadKey, ...]) -> Outcome:
        """A new request; an empty one gets the usage text, after which the threads in
        ``keys`` that had no search yet wait for one."""
        query = self._requested(text)
        if query.is_empty or asks_for_help(text):
            waiting = tuple(key for key in keys if self.store.load(key) is None)
            return Outcome(
                turn=Turn(kind=TurnKind.USAGE, request=text), state=ThreadState(query=Query(), asker=asker), keys=waiting
            )
        size = requested_count(self.engine.parser, text) or 0
        return self._results(text, ThreadState(query=query, asker=asker, page_size=size), home, keys, "")

    def _requested(self, text: str) -> Query:
        return read_request(self.engine.parser, text, self.today())

    def _reply(self, state: ThreadState, text: str, home: ThreadKey, keys: tuple[ThreadKey, ...], addressed: bool) -> Outcome:
        """A reply in a conversation with a search (or one waiting for a request)."""
        reading = self._read(state, text)
        talk = reading.kind in (RefinementKind.ACK, RefinementKind.HELP)
        if state.query.is_empty and (not talk or positive_tags(self._requested(text))):  # "ok, gan tutorials"
            return self._request(text, state.asker or "", home, keys)
        if reading.words_only and not addressed:
            return Outcome()  # "haha fair", "ta": talk in the thread, not a search for "fair"
        if reading.kind is RefinementKind.CHANGE and not reading.explicit and doubted(self.engine.parser, text):
            # "ooh optuna is in there", "@bot can you play some music lol": a guess the reply model doubts
            return _notice(text, NOT_UNDERSTOOD) if addressed else Outcome()
        return self._apply(state, reading, text, home, keys)

    def _read(self, state: ThreadState, text: str) -> Refinement:
        engine = self.engine
        page_size = state.page_size or self.page_size
        return refine(engine.parser, state.query, text, self.today(), engine.index.doc_freq, page_size, engine.carrying_all)

    def _apply(self, state: ThreadState, reading: Refinement, text: str, home: ThreadKey, keys: tuple[ThreadKey, ...]) -> Outcome:
        kind = reading.kind
        if kind is RefinementKind.ACK:
            return Outcome(heard=True)
        if kind is RefinementKind.HELP:
            return Outcome(turn=Turn(kind=TurnKind.USAGE, request=text))
        if kind is RefinementKind.NOT_UNDERSTOOD:
            return _notice(text, reading.change)
        if kind is RefinementKind.RESET:
            return self._prompt(text, state.then(Query()), keys, START_OVER)
        if kind is RefinementKind.UNDO:
            if not state.history:
                return _notice(text, "There is nothing to undo yet.")
            return self._results(text, state.undone(), home, keys, "undone: back to the search before")
        if kind is RefinementKind.NEXT_PAGE:
            return self._results(text, state.then(state.query, page=state.page + 1), home, keys, "next page")
        if kind is RefinementKind.PAGE:
            return self._results(text, state.then(state.query, page=reading.page or 0), home, keys, reading.change)
        if kind is RefinementKind.PREVIOUS_PAGE:
            if not state.page:
                return _notice(text, "This is already the first page.")
            return self._results(text, state.then(state.query, page=state.page - 1), home, keys, "previous page")
        if kind is RefinementKind.PAGE_SIZE:
            # The query too: "just the 3 most recent" sets the order with the size.
            return self._results(text, state.then(reading.query, page_size=reading.page_size), home, keys, reading.change)
        if kind is RefinementKind.SIMILAR:
            return self._similar(state, reading, text, home, keys)
        return self._results(text, state.then(reading.query), home, keys, reading.change)

    def _similar(
        self, state: ThreadState, reading: Refinement, text: str, home: ThreadKey, keys: tuple[ThreadKey, ...]
    ) -> Outcome:
        """Projects like the one at the reading's rank (its number in the list, or its place on the
        page shown), narrowed as the rest of the reply says ("more like #1 but in jax")."""
        rank = reading.rank or 0
        first = state.page * (state.page_size or self.page_size) + 1
        if rank == -1:
            rank = first + len(state.shown) - 1
        position = rank - first if rank >= first else rank - 1
        project = self.engine.project(state.shown[position]) if 0 <= position < len(state.shown) else None
        if project is None:
            return _notice(text, f"There is no #{rank} on the page shown, so the search is unchanged.")
        change = f"projects like #{first + position}: {project.title}"
        similar = state.then(similar_query(self.engine, project), page_size=0)  # a new list: the default page size
        if reading.then and (narrowed := self._read(similar, reading.then)).kind is RefinementKind.CHANGE:
            similar, change = similar.model_copy(update={"query": narrowed.query}), f"{change}; {narrowed.change}"
        return self._results(text, similar, home, keys, change)

    # ---- turns ----------------------------------------------------------------------------

    def _results(self, request: str, state: ThreadState, home: ThreadKey, keys: tuple[ThreadKey, ...], change: str) -> Outcome:
        """The page of results ``state`` asks for, kept under ``keys`` and the new message's own key."""
        query = state.query
        if query.is_empty:
            return self._prompt(request, state, keys, f"{change}; {NOTHING_LEFT}".lstrip("; "))
        size = state.page_size or self.page_size
        page = state.page
        response = self.engine.search(query, limit=size, offset=page * size)
        if page and not response.results:
            page = max(0, (response.total - 1) // size)
            if state.history and state.history[-1] == Step(query=query, page=page, page_size=state.page_size):
                return _notice(request, "That was the last page.")  # never repost the same page
            response = self.engine.search(query, limit=size, offset=page * size)
            change = "that was the last page"
        alternatives = self.engine.alternatives(query) if response.total == 0 else []
        shown = state.model_copy(update={"page": page, "shown": [str(r.project.id) for r in response.results]})
        turn = Turn(
            kind=TurnKind.RESULTS,
            id=_new_id(),
            request=request,
            change=change,
            response=response,
            page=page,
            alternatives=alternatives,
        )
        return Outcome(turn=turn, state=shown, keys=(*keys, message_key(home, turn.id)))

    def _prompt(self, request: str, state: ThreadState, keys: tuple[ThreadKey, ...], text: str) -> Outcome:
        """Nothing to search for: ask what they want; the conversation waits for a request."""
        return Outcome(turn=Turn(kind=TurnKind.PROMPT, request=request, change=text), state=state, keys=keys)


def _notice(request: str, text: str) -> Outcome:
    return Outcome(turn=Turn(kind=TurnKind.NOTICE, request=request, change=text))


def _changed(query: Query, action: Action) -> Query:
    assert action.change is not None
    return apply_change(query, action.change)


def _described(action: Action) -> str:
    change = action.change
    assert change is not None
    if change.op == "add":
        return f"added #{change.tag}"
    if change.op == "try":
        return f"searching #{change.tag} instead of the words"
    return f"dropped #{change.tag}" if change.tag else f"dropped '{change.word}'"


def _new_id() -> str:
    return uuid.uuid4().hex[:12]
