"""The conversation: a request, then refinements, the same for Slack threads, DMs and the console.

A surface calls :meth:`Conversation.start` for a new request and :meth:`follow` or
:meth:`press` for a reply or a button in a known thread. It passes a ``deliver``
callable that shows the :class:`Turn` and says where replies to it will come from.
The new state is saved *before* the turn is shown, so a reply the user can see always
has its state even if the process dies right after posting; when the turn could not be
shown the old state is put back, so a failed post never moves a thread on. Replies to
one thread are handled one at a time, so none is lost to a concurrent one.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.conversation_models import Action, Alternative, Delivery, Turn, TurnKind
from bot.locks import KeyedLocks
from bot.store import StateStore, ThreadKey, ThreadState
from retrieval.alternatives import Change, apply_change
from retrieval.engine import SearchEngine
from retrieval.models import Query
from retrieval.refine import RefinementKind

Deliver = Callable[[Turn], Delivery | None]
START_OVER = "Starting over — what are you looking for?"
NOTHING_LEFT = "nothing is left of the search — what are you looking for?"


class Conversation:
    def __init__(self, engine: SearchEngine, store: StateStore, page_size: int = 5):
        self.engine = engine
        self.store = store
        self.page_size = page_size
        self._locks = KeyedLocks()

    def start(self, text: str, deliver: Deliver, keys: tuple[ThreadKey, ...] = ()) -> Turn:
        """A new request; an empty one gets the usage text.

        ``keys`` are the new threads the answer opens that are known before it is posted
        (a mention's thread); ``deliver`` names the rest (a slash command's message). After
        the usage text, a thread in ``keys`` that had no search yet is open for one: a reply
        there is answered as a request.
        """
        query = self.engine.parse(text)
        if query.is_empty:
            turn = Turn(kind=TurnKind.USAGE, request=text)
            delivery = deliver(turn)
            if delivery is not None:
                for key in keys:
                    with self._locks.hold(key):
                        if self.store.load(key) is None:
                            self.store.save(key, ThreadState(query=Query(), bot_ts=delivery.ts))
            return turn
        turn = self._turn(text, query, 0, "")
        self._deliver(turn, query, deliver, keys, None)
        return turn

    def follow(self, key: ThreadKey, text: str, deliver: Deliver) -> Turn | None:
        """A reply in a known thread, read as a refinement; None when the thread is unknown."""
        with self._locks.hold(key):
            state = self.store.load(key)
            if state is None:
                return None
            refinement = self.engine.refine(state.query, text)
            kind = refinement.kind
            if kind is RefinementKind.RESET:
                turn = Turn(kind=TurnKind.PROMPT, request=text, change=START_OVER)
                self._deliver(turn, Query(), deliver, (key,), state)
                return turn
            page, change = state.page, refinement.change
            if kind is RefinementKind.NEXT_PAGE:
                page += 1
            elif kind is RefinementKind.PREVIOUS_PAGE:
                page, change = (page - 1, change) if page else (0, "already on the first page")
            else:
                page = 0
            turn = self._turn(text, refinement.query, page, change)
            self._deliver(turn, refinement.query, deliver, (key,), state)
            return turn

    def press(self, key: ThreadKey, action: Action, deliver: Deliver) -> Turn | None:
        """A button on one of the bot's messages; None when the thread is unknown or expired."""
        with self._locks.hold(key):
            state = self.store.load(key)
            if state is None:
                return None
            if action.op == "reset":
                turn = Turn(kind=TurnKind.PROMPT, request=action.label(), change=START_OVER)
                self._deliver(turn, Query(), deliver, (key,), state)
                return turn
            if action.op == "more":
                query, page, change = state.query, state.page + 1, "next page"
            else:
                query, page, change = _applied(state.query, action), 0, _described(action)
            turn = self._turn(action.label(), query, page, change)
            self._deliver(turn, query, deliver, (key,), state)
            return turn

    def _turn(self, request: str, query: Query, page: int, change: str) -> Turn:
        if query.is_empty:
            return Turn(kind=TurnKind.PROMPT, request=request, change=f"{change}; {NOTHING_LEFT}".lstrip("; "))
        response = self.engine.search(query, limit=self.page_size, offset=page * self.page_size)
        if page and not response.results:
            page = max(0, (response.total - 1) // self.page_size)
            response = self.engine.search(query, limit=self.page_size, offset=page * self.page_size)
            change = "that was the last page"
        alternatives = _offers(self.engine, query) if response.total == 0 else []
        return Turn(kind=TurnKind.RESULTS, request=request, change=change, response=response,
                    page=page, alternatives=alternatives)

    def _deliver(self, turn: Turn, query: Query, deliver: Deliver, keys: tuple[ThreadKey, ...],
                 previous: ThreadState | None) -> None:
        pending = ThreadState(query=query, page=turn.page, bot_ts=previous.bot_ts if previous else None)
        for key in keys:
            self.store.save(key, pending)
        delivery = None
        try:
            delivery = deliver(turn)
        finally:
            if delivery is None:
                for key in keys:
                    self._put_back(key, previous)
        if delivery is not None:
            shown = pending.model_copy(update={"bot_ts": delivery.ts})
            for key in dict.fromkeys((*keys, *delivery.keys)):
                self.store.save(key, shown)

    def _put_back(self, key: ThreadKey, previous: ThreadState | None) -> None:
        if previous is None:
            self.store.forget(key)
        else:
            self.store.save(key, previous)


def _described(action: Action) -> str:
    if action.op == "add":
        return f"added #{action.tag}"
    if action.op == "try":
        return f"searching #{action.tag} instead of the words"
    return f"dropped #{action.tag}" if action.tag else f"dropped '{action.word}'"


def _applied(query: Query, action: Action) -> Query:
    """The query a suggestion or offer button leads to."""
    if action.op in ("add", "drop", "try"):
        return apply_change(query, Change(op=action.op, tag=action.tag, word=action.word))
    return query


def _offers(engine: SearchEngine, query: Query) -> list[Alternative]:
    return [Alternative(action=Action(**alt.change.model_dump()), count=alt.count) for alt in engine.alternatives(query)]
