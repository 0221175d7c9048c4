"""Two bot processes, A and B, on the real Redis, with Slack's requests alternating between them.

Each test works in a channel of its own, so the two bots (subprocesses, started once for
the module) and their key prefix are shared. What must hold whichever process gets a
request: a retry is a duplicate, a thread's state is shared, the replies to one thread
apply one at a time in arrival order, and a button acts on its own message's search.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.redis_store import RedisStateStore
from bot.store import ThreadKey
from tests.support import TEAM_ID, BotHarness, BotServer, FakeSlack, bot_env, mention_event, message_event
from tests.support.checks import first_rank
from tests.support.fake_slack import Call
from tests.support.redis_db import REDIS_URL, redis_namespace, wait_answered

START_TIMEOUT = 60
REFINEMENTS = 20


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def prefix() -> Iterator[str]:
    with redis_namespace() as name:
        yield name


@pytest.fixture(scope="module")
def bots(slack: FakeSlack, prefix: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[BotHarness]]:
    servers = [
        BotServer(bot_env(slack, tmp_path_factory.mktemp(name), STATE_URL=REDIS_URL, STATE_PREFIX=prefix), subprocess=True)
        for name in ("a", "b")
    ]
    try:
        for server in servers:
            server.start(START_TIMEOUT)
        yield [BotHarness(slack, server) for server in servers]
    finally:
        for server in servers:
            server.stop()


def _thread(harness: BotHarness, channel: str, root: str) -> list[Call]:
    return [c for c in harness.posts_in(channel) if c.body.get("thread_ts") == root]


def _message_id(call: Call) -> str:
    """The turn id of a results message: its buttons name it."""
    return next(json.loads(b["value"])["message"] for b in call.buttons if "message" in json.loads(b["value"]))


def test_a_mention_to_a_and_its_retry_to_b_get_one_reply(bots: list[BotHarness], prefix: str):
    a, b = bots
    event = mention_event("gan papers", channel="C0RETRY")
    assert a.slack.event(event, event_id="Ev0TWICE").status == 200
    assert b.slack.event(event, event_id="Ev0TWICE", retry_num=1).status == 200
    wait_answered(prefix)
    [reply] = _thread(a, "C0RETRY", event["ts"])
    assert "StyleGAN2 Paper" in reply.text


def test_a_refinement_sent_to_b_refines_the_search_a_answered(bots: list[BotHarness]):
    a, b = bots
    first = a.mention("gan papers", channel="C0SHARE")
    refined = b.reply(first, "only pytorch")
    assert "tags: #generative-adversarial-networks #paper #pytorch" in refined.text, refined.text


def test_refinements_alternating_between_a_and_b_apply_one_at_a_time_in_arrival_order(
    bots: list[BotHarness], prefix: str, tmp_path: Path
):
    """One result per page, then "page 2" … "page 21", each sent as soon as the previous one
    is acknowledged, to A and B in turn. Every reply must show its own page, in that order,
    and the thread's history must hold every step: a reply applied on a stale state (two at
    once) loses the other's step."""
    a, b = bots
    first = a.mention("gan papers", channel="C0ORDER")
    root = first.body["thread_ts"]
    b.reply(first, "1 per page")
    for page in range(2, REFINEMENTS + 2):
        sender = bots[page % 2]
        assert sender.slack.event(message_event(f"page {page}", channel="C0ORDER", thread_ts=root)).status == 200
    wait_answered(prefix)

    replies = _thread(a, "C0ORDER", root)[2:]
    assert [first_rank(reply) for reply in replies] == list(range(2, REFINEMENTS + 2)), "one reply each, in order"

    store = RedisStateStore(REDIS_URL, 3600, prefix=prefix)
    try:
        state = store.load(ThreadKey(TEAM_ID, "C0ORDER", root))
        last = store.load(ThreadKey(TEAM_ID, "C0ORDER", "message:" + _message_id(replies[-1])))
    finally:
        store.close()
    assert state is not None and state == last, "the thread's state is the last reply's"
    assert (state.page, state.page_size) == (REFINEMENTS, 1)
    assert [step.page for step in state.history] == list(range(REFINEMENTS - 10, REFINEMENTS)), (
        "every step is in the history, in order"
    )


def test_a_click_on_an_older_message_sent_to_the_other_process_acts_on_that_messages_search(bots: list[BotHarness]):
    a, b = bots
    first = a.mention("gan papers", channel="C0CLICK")
    refined = b.reply(first, "only pytorch")
    assert "#pytorch" in refined.text
    older = b.click(first, "More results")
    assert older.body["thread_ts"] == first.body["thread_ts"]
    assert "tags: #generative-adversarial-networks #paper ·" in older.text and "#pytorch" not in older.text.split("\n")[0], (
        older.text
    )
    assert "6. " in older.text, "the second page of the first message's search"
