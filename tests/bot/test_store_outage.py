"""The bot while its Redis is away for a few seconds: a TCP relay in front of the real server
(tests/support/tcp_proxy.py) is cut and restored, which is what the bot sees when the
server restarts or the network drops. A restart without persistence also forgets every
key, which the second test does to the test's own keys while the relay is cut.

Requests that arrive meanwhile must be acknowledged (never a 500 that Slack retries into
the outage), answered once the server is back, in arrival order, and the log must say
both what happened and that it is over, in one line each.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support import BotHarness, BotServer, FakeSlack, bot_env, mention_event, message_event
from tests.support.checks import LogWatch
from tests.support.fake_slack import Call
from tests.support.redis_db import REDIS_URL, redis_keys, redis_namespace
from tests.support.tcp_proxy import TcpProxy

AWAY = r"the state store is unreachable \(.*\); acknowledging requests and holding them here until it is back"
BACK = r"the state store is back: answered (\d+) requests? held for up to"


@pytest.fixture
def relayed(fake: FakeSlack, tmp_path: Path) -> Iterator[tuple[BotHarness, TcpProxy, str]]:
    """An in-process bot whose STATE_URL goes through a relay to the real server."""
    with redis_namespace() as prefix, TcpProxy(int(REDIS_URL.rsplit(":", 1)[1].split("/")[0])) as proxy:
        env = bot_env(fake, tmp_path, STATE_URL=f"redis://127.0.0.1:{proxy.port}/0", STATE_PREFIX=prefix)
        with BotServer(env) as bot:
            yield BotHarness(fake, bot), proxy, prefix


def _answers(fake: FakeSlack, channel: str, count: int) -> list[Call]:
    return fake.wait_for(
        "chat.postMessage", count, timeout=30, where=lambda c: c.body.get("channel") == channel and c.answer.get("ok")
    )


def _one_line_each_way(logs: LogWatch, answered: int) -> None:
    logs.wait_for(BACK)
    lines = logs.lines(logging.WARNING)
    assert len([line for line in lines if "the state store is unreachable" in line]) == 1, lines
    [back] = [line for line in lines if "the state store is back" in line]
    assert f"answered {answered} request" in back, back


def test_requests_while_the_store_is_away_are_acked_and_answered_in_order_when_it_is_back(
    relayed: tuple[BotHarness, TcpProxy, str], fake: FakeSlack, logs: LogWatch
):
    harness, proxy, _ = relayed
    first = harness.mention("gan papers", channel="C0AWAY")
    root = first.body["thread_ts"]
    proxy.cut()
    sent = [
        harness.slack.event(message_event("only pytorch", channel="C0AWAY", thread_ts=root)),
        harness.slack.event(message_event("newest first", channel="C0AWAY", thread_ts=root)),
        harness.command("reinforcement learning", channel="C0AWAYCMD"),
    ]
    assert [reply.status for reply in sent] == [200, 200, 200], "acknowledged, not a 500 that Slack would retry"
    logs.wait_for(AWAY, level=logging.ERROR)
    logs.wait_for("cannot renew the state store lease")  # away long enough for the held requests to be retried
    assert len(harness.posts_in("C0AWAY")) == 1, "nothing can be answered while the store is away"
    proxy.restore()

    _, pytorch, newest = _answers(fake, "C0AWAY", 3)
    assert [c.body["thread_ts"] for c in (pytorch, newest)] == [root, root]
    assert "#pytorch" in pytorch.text and "newest first" not in pytorch.text.split("\n")[0]
    assert "#pytorch" in newest.text, "the second refinement builds on the first: arrival order"
    [command] = _answers(fake, "C0AWAYCMD", 1)
    assert "reinforcement" in command.text.lower()
    _one_line_each_way(logs, answered=3)


def test_a_restarted_server_that_forgot_everything_answers_what_was_held(
    relayed: tuple[BotHarness, TcpProxy, str], fake: FakeSlack, logs: LogWatch
):
    harness, proxy, prefix = relayed
    harness.mention("gan papers", channel="C0RESTART")
    proxy.cut()
    event = mention_event("pytorch tutorials", channel="C0RESTART")
    assert harness.slack.event(event).status == 200
    logs.wait_for(AWAY, level=logging.ERROR)
    _forget(prefix)  # what a restart without persistence does: every key is gone, the lease and lines too
    proxy.restore()

    _, answer = _answers(fake, "C0RESTART", 2)
    assert answer.body["thread_ts"] == event["ts"] and "#pytorch" in answer.text
    _one_line_each_way(logs, answered=1)
    later = harness.mention("gan papers", channel="C0RESTART")
    assert "StyleGAN2 Paper" in later.text, "the bot goes on as usual"


def _forget(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = redis_keys(prefix)
        assert keys, "the bot had written keys"
        client.delete(*keys)
    finally:
        client.close()
