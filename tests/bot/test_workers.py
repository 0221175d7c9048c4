"""Several bot processes on the real Redis: `serve --http --workers 2` behind one port, and
two separate bots of which one is killed while it answers.

The bots run as subprocesses with the fake Slack from tests/support and their state under
a key prefix of their own on the local Redis.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.redis_store import LEASE_SECONDS
from bot.sweeper import SWEEP_INTERVAL
from tests.support import BotHarness, BotServer, FakeSlack, Fault, bot_env, free_port, mention_event
from tests.support.bot_server import ROOT
from tests.support.redis_db import REDIS_URL, redis_namespace, wait_answered

START_TIMEOUT = 60


@pytest.fixture
def prefix() -> Iterator[str]:
    with redis_namespace() as name:
        yield name


def _workers(pid: int) -> list[str]:
    """The worker processes of a uvicorn parent (not multiprocessing's resource tracker)."""
    listed = subprocess.run(["ps", "-ww", "-o", "args=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [line for line in listed.splitlines() if "spawn_main" in line]


def test_two_workers_answer_each_mention_once_and_share_the_threads(fake: FakeSlack, tmp_path: Path, prefix: str):
    env = bot_env(fake, tmp_path, STATE_URL=REDIS_URL, STATE_PREFIX=prefix)
    bot = BotServer(env, subprocess=True, args=("--workers", "2")).start(START_TIMEOUT)
    try:
        assert len(_workers(bot.process.pid)) == 2, "uvicorn runs two worker processes"
        harness = BotHarness(fake, bot)
        mentions = [mention_event("gan papers") for _ in range(12)]
        # Each mention and its retry, sent at once from parallel clients: the workers race for them.
        sends = [(event, f"Ev0W{i:03d}", retry) for i, event in enumerate(mentions) for retry in (None, 1)]
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda s: harness.slack.event(s[0], event_id=s[1], retry_num=s[2]).status, sends))
        assert statuses == [200] * len(sends)
        wait_answered(prefix)
        for event in mentions:
            replies = [c for c in harness.posts_in("C0CHAN") if c.body.get("thread_ts") == event["ts"]]
            assert len(replies) == 1, f"{len(replies)} replies to the mention {event['ts']}"
            assert "StyleGAN2 Paper" in replies[0].text

        # Refinements of one thread, each to whichever worker takes it, build on each other.
        first = next(c for c in harness.posts_in("C0CHAN") if c.body.get("thread_ts") == mentions[0]["ts"])
        refined = harness.reply(first, "only pytorch")
        assert "tags: #generative-adversarial-networks #paper #pytorch" in refined.text
        again = harness.reply(first, "not tensorflow")
        assert "#pytorch" in again.text and "#tensorflow" in again.text, again.text
    finally:
        bot.stop()
    assert bot.process.returncode == 0, bot.output()


def test_a_request_claimed_by_a_killed_process_is_answered_by_another_once(fake: FakeSlack, tmp_path: Path, prefix: str):
    """A acknowledged the mention and was posting its answer when it died: B, which keeps
    running, answers it once A's lease has lapsed; Slack's retry of it to B is a duplicate."""
    release = threading.Event()
    held = Fault(hold=release, error="never_seen", when=lambda body: body.get("channel") == "C0KILL")
    fake.inject("chat.postMessage", held)
    bots = [
        BotServer(bot_env(fake, tmp_path / name, STATE_URL=REDIS_URL, STATE_PREFIX=prefix), subprocess=True)
        for name in ("a", "b")
    ]
    for bot, name in zip(bots, ("a", "b")):
        (tmp_path / name).mkdir()
        bot.start(START_TIMEOUT)
    a, b = (BotHarness(fake, bot) for bot in bots)
    try:
        event = mention_event("gan papers", channel="C0KILL")
        assert a.slack.event(event, event_id="Ev0KILLED").status == 200
        assert held.arrived.wait(10), "A was posting its answer"
        bots[0].kill()
        release.set()  # Slack never got A's post

        [answer] = fake.wait_for(
            "chat.postMessage",
            timeout=LEASE_SECONDS + 2 * SWEEP_INTERVAL + 10,
            where=lambda c: c.body["channel"] == "C0KILL" and c.answer.get("ok"),
        )
        assert answer.body["thread_ts"] == event["ts"] and "StyleGAN2 Paper" in answer.text
        assert "answering 1 request a stopped process had acknowledged but not answered" in bots[1].output()
        assert b.slack.event(event, event_id="Ev0KILLED", retry_num=1).status == 200
        wait_answered(prefix)
        assert len([c for c in fake.posts() if c.body["channel"] == "C0KILL" and c.answer.get("ok")]) == 1
    finally:
        for bot in bots:
            bot.stop()


def test_workers_that_cannot_load_the_catalog_stop_the_server_with_one_line_and_exit_2(
    fake: FakeSlack, tmp_path: Path, prefix: str
):
    env = bot_env(fake, tmp_path, STATE_URL=REDIS_URL, STATE_PREFIX=prefix, CATALOG_PATH=str(tmp_path / "none.json"))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--http", "--workers", "2", "--host", "127.0.0.1", "--port", str(free_port())],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: 1 problem in the catalog or taxonomy; `findproject validate` lists them"]
    assert "Traceback" not in result.stderr
