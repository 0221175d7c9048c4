"""Concurrency: many requests at once, against the real bot over HTTP with several reply threads.

Order (bot.runner, bot.locks.KeyedQueues): the replies to one conversation (a thread, or a
DM channel) are applied one at a time, in the order the bot received the messages;
different conversations are answered in parallel. So 20 refinements of one thread sent
at once get 20 replies that each build on the one before (nothing lost), and 20 sent one
after another get their replies in that order, even while the first one is stuck.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support import BotHarness, BotServer, Call, FakeSlack, Fault, bot_env, mention_event, message_event
from tests.support.checks import LogWatch

WORKERS = "8"
CLIENTS = 20
WORDS = ["zq" + "".join(pair) for pair in itertools.product("bcdfgk", repeat=2)]  # zqbb, zqbc, ...
CODE = re.compile(r"z[qr][bcdfgk]{3}")  # the mixed-load test's per-conversation code words
EXCLUDED = re.compile(r"'(zq[bcdfgk]{2})'")


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path, logs: LogWatch) -> Iterator[BotHarness]:
    with BotServer(bot_env(fake, tmp_path, LISTENER_THREADS=WORKERS)) as server:
        yield BotHarness(fake, server)


def _all_at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run every call on its own client thread, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        barrier.wait(10)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _understood(call: Call) -> str:
    first_section = call.body["blocks"][0]["text"]["text"]
    return next(line for line in first_section.split("\n") if line.startswith("*Understood:*"))


def _change(call: Call) -> str:
    return call.body["blocks"][0]["text"]["text"].split("\n")[0]


def _stored(tmp_path: Path, channel: str, thread: str) -> dict:
    db = sqlite3.connect(f"file:{tmp_path / 'state.sqlite3'}?mode=ro", uri=True)
    try:
        [(state,)] = db.execute("SELECT state FROM threads WHERE channel = ? AND thread = ?", (channel, thread))
    finally:
        db.close()
    return json.loads(state)


def test_twenty_refinements_of_one_thread_at_once_each_get_one_reply_and_lose_nothing(
    bot: BotHarness, fake: FakeSlack, tmp_path: Path, logs: LogWatch
):
    first = bot.mention("object detection")
    thread = first.body["thread_ts"]
    words = WORDS[:20]
    events = [message_event(f"not {word}", thread_ts=thread) for word in words]

    statuses = _all_at_once([lambda event=event: bot.slack.event(event).status for event in events])
    assert statuses == [200] * 20
    replies = fake.wait_for(
        "chat.postMessage", 21, timeout=20, where=lambda c: c.body.get("thread_ts") == thread and c.answer["ok"]
    )[1:]
    bot.wait_idle()
    assert len(bot.posts_in("C0CHAN")) == 21, "exactly one reply per refinement"

    applied = []  # the word each reply added, in the order the replies were posted
    for reply in replies:
        [added] = EXCLUDED.findall(_change(reply))
        applied.append(added)
        # Each reply shows every refinement before it, and its own: applied one at a time.
        assert EXCLUDED.findall(_understood(reply)) == applied
    assert sorted(applied) == sorted(words), "every refinement answered once"
    state = _stored(tmp_path, "C0CHAN", thread)
    assert state["query"]["exclude_words"] == applied, "the stored state is the last reply's: no lost update"
    assert state["page"] == 0
    assert logs.lines(40) == []  # no ERROR lines


def test_refinements_apply_in_the_order_they_arrived_even_behind_a_stuck_reply(bot: BotHarness, fake: FakeSlack):
    first = bot.mention("object detection")
    thread = first.body["thread_ts"]
    release = threading.Event()
    stuck = Fault(hold=release, when=lambda body: body.get("thread_ts") == thread)
    fake.inject("chat.postMessage", stuck)
    words = WORDS[20:36]
    assert bot.slack.event(message_event(f"not {words[0]}", thread_ts=thread)).status == 200
    assert stuck.arrived.wait(10), "the first reply is being posted, and held there"
    for word in words[1:]:  # each acknowledged before the next is sent: a known arrival order
        assert bot.slack.event(message_event(f"not {word}", thread_ts=thread)).status == 200
    bot.settle()  # other conversations are not held up by the stuck one
    release.set()

    fake.wait_for(
        "chat.postMessage", len(words) + 1, timeout=20, where=lambda c: c.body.get("thread_ts") == thread and c.answer["ok"]
    )
    bot.wait_idle()
    replies = [c for c in bot.posts_in("C0CHAN") if c.body.get("thread_ts") == thread][1:]
    assert [EXCLUDED.findall(_change(reply)) for reply in replies] == [[word] for word in words]
    assert EXCLUDED.findall(_understood(replies[-1])) == words


def test_mixed_load_across_a_hundred_conversations_keeps_each_ones_state_apart(
    bot: BotHarness, fake: FakeSlack, tmp_path: Path, logs: LogWatch
):
    codes = [("".join(pair)) for pair in itertools.product("bcdfgk", repeat=3)][:100]
    topics = ["object detection", "gan", "transformers", "reinforcement learning", "speech"]
    mentions = {
        code: ("C0MIX" + str(n % 10), mention_event(f"{topics[n % 5]} zq{code}", channel="C0MIX" + str(n % 10)))
        for n, code in enumerate(codes[:40])
    }
    commands = {code: "C0CMD" + str(n % 10) for n, code in enumerate(codes[40:70])}
    dms = {code: f"D0MIX{n:02d}" for n, code in enumerate(codes[70:])}

    # 1. A hundred new conversations at once: mentions, slash commands and DMs.
    starts = [lambda e=event: bot.slack.event(e).status for _, event in mentions.values()]
    starts += [
        lambda c=code, ch=channel: bot.command(f"{topics[int(codes.index(c)) % 5]} zq{c}", channel=ch).status
        for code, channel in commands.items()
    ]
    starts += [
        lambda c=code, ch=channel: (
            bot.slack.event(message_event(f"{topics[codes.index(c) % 5]} zq{c}", channel=ch, channel_type="im")).status
        )
        for code, channel in dms.items()
    ]
    for batch in range(0, len(starts), CLIENTS):
        assert set(_all_at_once(starts[batch : batch + CLIENTS])) == {200}
    firsts = {_code_of(c): c for c in fake.wait_for("chat.postMessage", 100, timeout=30, where=lambda c: c.answer["ok"])}
    assert sorted(firsts) == sorted(codes), "every conversation answered once, each about its own request"

    # 2. Each refined at once: a thread reply, a reply under the slash command's message, a DM.
    follow_ups = []
    for code, first in firsts.items():
        channel = first.body["channel"]
        if code in dms:
            event = message_event(f"not zr{code}", channel=channel, channel_type="im")
        else:
            event = message_event(f"not zr{code}", channel=channel, thread_ts=first.body.get("thread_ts") or first.answer["ts"])
        follow_ups.append(lambda e=event: bot.slack.event(e).status)
    # 3. ...while the mention threads' first messages get a suggestion clicked.
    clicked = set()
    for code in mentions:
        first = firsts[code]
        buttons = [b for b in first.buttons if b["text"]["text"].startswith(("+ ", "More results"))]
        if not buttons:
            continue
        button = buttons[0]
        clicked.add(code)
        message = {**first.answer["message"], "ts": first.answer["ts"]}
        follow_ups.append(
            lambda b=button, m=message, ch=first.body["channel"]: bot.slack.click(b, m, ch, fake.response_url("mix")).status
        )
    for batch in range(0, len(follow_ups), CLIENTS):
        assert set(_all_at_once(follow_ups[batch : batch + CLIENTS])) == {200}
    assert len(clicked) >= 30
    fake.wait_for("chat.postMessage", 200 + len(clicked), timeout=60, where=lambda c: c.answer["ok"])
    bot.wait_idle()
    everything = fake.posts()

    per_code = Counter(_code_of(call) for call in everything)
    assert per_code == {code: 3 if code in clicked else 2 for code in codes}
    for call in everything:
        code = _code_of(call)
        assert set(CODE.findall(call.text)) <= {f"zq{code}", f"zr{code}"}, "no state from one conversation in another"
    for code, first in firsts.items():
        channel = first.body["channel"]
        thread = "last-dm" if code in dms else first.body.get("thread_ts") or first.answer["ts"]
        query = _stored(tmp_path, channel, thread)["query"]
        # A click acts on its own message's search, so whichever of reply and click came last holds the thread.
        assert f"zq{code}" in query["keywords"]
        assert query["exclude_words"] in ([[f"zr{code}"], []] if code in clicked else [[f"zr{code}"]])
        assert {w for w in query["keywords"] if CODE.fullmatch(w)} == {f"zq{code}"}
    assert logs.lines(40) == [], "no errors"
    assert fake.calls("chat.postEphemeral") == [] and fake.calls("response_url") == []


def _code_of(call: Call) -> str:
    """The conversation a message belongs to, by the one code word its request holds."""
    codes = {match[2:] for match in CODE.findall(call.body["blocks"][0]["text"]["text"]) if match.startswith("zq")}
    assert len(codes) == 1, call.body["blocks"][0]["text"]["text"]
    return codes.pop()


def test_a_reply_under_a_slash_commands_results_before_its_thread_is_saved_is_answered(bot: BotHarness, fake: FakeSlack):
    """The results of /findproject open their thread only once posted; a reply can arrive in between."""
    release = threading.Event()
    held = Fault(hold=release, when=lambda body: body.get("channel") == "C0RACE" and not body.get("thread_ts"))
    fake.inject("chat.postMessage", held)
    assert bot.command("object detection", channel="C0RACE").status == 200
    assert held.arrived.wait(10), "the results are being posted, and held there"
    thread = fake.upcoming_ts()  # what the held post is answered with once released
    assert bot.slack.event(message_event("only pytorch", channel="C0RACE", thread_ts=thread)).status == 200
    time.sleep(0.3)  # the reply reaches the bot before the thread under the results exists
    release.set()
    reply = fake.wait_for("chat.postMessage", 1, timeout=10, where=lambda c: c.body.get("thread_ts") == thread)[0]
    assert "#pytorch" in reply.text
