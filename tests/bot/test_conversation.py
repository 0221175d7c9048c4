"""The conversation layer on its own: request, refinements, paging, buttons, state."""

from __future__ import annotations

import threading

import pytest

from bot.conversation import START_OVER, Conversation
from bot.conversation_models import Action, Delivery, Turn, TurnKind
from bot.sqlite_store import SQLiteStateStore
from bot.store import ThreadKey

KEY = ThreadKey("T1", "C1", "1.0")


@pytest.fixture
def conversation(engine):
    return Conversation(engine, SQLiteStateStore(":memory:", ttl_seconds=3600), page_size=5)


class Shown:
    """A deliver callable that keeps what it was given."""

    def __init__(self, delivered: bool = True):
        self.turns: list[Turn] = []
        self.delivered = delivered

    def __call__(self, turn: Turn) -> Delivery | None:
        self.turns.append(turn)
        return Delivery("9.9", (KEY,)) if self.delivered else None


def test_request_then_refinements_then_paging(conversation):
    shown = Shown()
    first = conversation.start("object detection", shown)
    assert first.response.parsed.include_tags == ["object-detection"]

    narrowed = conversation.follow(KEY, "only pytorch", shown)
    assert narrowed.change == "added #pytorch"
    assert narrowed.response.parsed.include_tags == ["object-detection", "pytorch"]

    widened = conversation.follow(KEY, "drop pytorch", shown)
    assert widened.response.parsed.include_tags == ["object-detection"]

    broad = conversation.follow(KEY, "actually pytorch", shown)
    assert broad.change == "new search" and broad.page == 0
    page_two = conversation.follow(KEY, "more", shown)
    assert page_two.page == 1 and page_two.response.offset == 5
    back = conversation.follow(KEY, "back", shown)
    assert back.page == 0
    assert conversation.follow(KEY, "back", shown).change == "already on the first page"


def test_more_past_the_end_stays_on_the_last_page(conversation):
    shown = Shown()
    conversation.start("#keras", shown)  # 3 projects: one page
    turn = conversation.follow(KEY, "more", shown)
    assert turn.page == 0 and turn.change == "that was the last page"
    assert len(turn.response.results) == 3


def test_reset_then_a_new_request_in_the_same_thread(conversation):
    shown = Shown()
    conversation.start("gan papers", shown)
    reset = conversation.follow(KEY, "start over", shown)
    assert reset.kind is TurnKind.PROMPT and reset.change == START_OVER
    fresh = conversation.follow(KEY, "reinforcement learning", shown)
    assert fresh.response.parsed.include_tags == ["reinforcement-learning"]


def test_buttons_apply_to_the_stored_query(conversation):
    shown = Shown()
    conversation.start("#keras #reinforcement-learning", shown)
    assert shown.turns[-1].response.total == 0
    offered = [a.action for a in shown.turns[-1].alternatives]
    assert Action(op="drop", tag="keras") in offered

    dropped = conversation.press(KEY, Action(op="drop", tag="keras"), shown)
    assert dropped.response.parsed.include_tags == ["reinforcement-learning"] and dropped.response.total == 2
    added = conversation.press(KEY, Action(op="add", tag="pytorch"), shown)
    assert added.response.parsed.include_tags == ["reinforcement-learning", "pytorch"]
    assert conversation.press(KEY, Action(op="more"), shown).change == "that was the last page"


def test_unknown_threads_and_undelivered_turns_keep_no_state(conversation):
    assert conversation.follow(KEY, "only pytorch", Shown()) is None
    assert conversation.press(KEY, Action(op="more"), Shown()) is None
    conversation.start("gan papers", Shown(delivered=False))
    assert conversation.store.load(KEY) is None
    assert conversation.start("   ", Shown()).kind is TurnKind.USAGE


def test_concurrent_replies_to_one_thread_lose_no_update(conversation):
    conversation.start("tutorials", Shown())
    words = [f"zzword{i}" for i in range(12)]
    threads = [threading.Thread(target=conversation.follow, args=(KEY, f"not {w}", Shown())) for w in words]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(conversation.store.load(KEY).query.exclude_words) == sorted(words)
