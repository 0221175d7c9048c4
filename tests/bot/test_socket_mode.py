"""Socket Mode end to end: the real bot (`findproject serve` with SLACK_APP_TOKEN) connects to
a fake Socket Mode server on loopback (tests/support/fake_socket.py) through the url the
fake Web API hands out, and gets Slack's envelopes over that WebSocket.

With one connection every surface works and a redelivered event is answered once. With
two processes connected at once (on the real Redis), Slack spreads the envelopes over
both connections: each event is answered once, and a thread refined over both
connections applies its replies in the order they were delivered.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.support import (
    FakeSlack,
    bot_env,
    click_form,
    command_form,
    event_callback,
    mention_event,
    message_event,
)
from tests.support.checks import first_rank
from tests.support.fake_slack import Call
from tests.support.fake_socket import FakeSocketMode, SocketModeBot
from tests.support.redis_db import REDIS_URL, redis_namespace, wait_answered

PAGES = 20


@pytest.fixture
def socket(fake: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode() as server:
        fake.socket_url = server.url
        yield server


def _posts(fake: FakeSlack, channel: str, count: int) -> list[Call]:
    return fake.wait_for(
        "chat.postMessage", count, timeout=15, where=lambda c: c.body.get("channel") == channel and c.answer.get("ok")
    )


def _delivered(socket: FakeSocketMode, kind: str, payload: dict[str, Any], **how: Any) -> dict[str, Any]:
    """Send one envelope and return the bot's acknowledgement of it."""
    return socket.wait_ack(socket.send(kind, payload, **how))


def _click(fake: FakeSlack, message: Call, label: str) -> dict[str, Any]:
    """The block_actions payload of a click on the bot's ``message``, as Socket Mode carries it (JSON)."""
    button = next(b for b in message.buttons if b["text"]["text"].startswith(label))
    sent = {**message.answer["message"], "ts": message.answer["ts"]}
    form = dict(parse_qsl(click_form(button, sent, message.body["channel"], fake.response_url("click"))))
    return json.loads(form["payload"])


def test_one_connection_answers_every_surface_and_a_redelivered_event_once(
    fake: FakeSlack, socket: FakeSocketMode, tmp_path: Path
):
    with SocketModeBot(bot_env(fake, tmp_path), socket):
        mention = mention_event("gan papers", channel="C0SOCK")
        assert _delivered(socket, "events_api", event_callback(mention, event_id="Ev0SOCK")) == {"envelope_id": "env-1"}
        [first] = _posts(fake, "C0SOCK", 1)
        assert first.body["thread_ts"] == mention["ts"] and "StyleGAN2 Paper" in first.text
        _delivered(socket, "events_api", event_callback(mention, event_id="Ev0SOCK"), retry_attempt=1)

        refine = message_event("only pytorch", channel="C0SOCK", thread_ts=mention["ts"])
        _delivered(socket, "events_api", event_callback(refine))
        refined = _posts(fake, "C0SOCK", 2)[1]
        assert "tags: #generative-adversarial-networks #paper #pytorch" in refined.text

        _delivered(socket, "interactive", _click(fake, first, "More results"))
        older = _posts(fake, "C0SOCK", 3)[2]
        assert "6. " in older.text and "#pytorch" not in older.text.split("\n")[0], "the first message's search"

        usage = _delivered(socket, "slash_commands", dict(parse_qsl(command_form("help", fake.response_url("h")))))
        assert "/findproject" in json.dumps(usage["payload"]), "help is the acknowledgement's own payload"
        form = command_form("reinforcement learning", fake.response_url("cmd"), channel="C0SOCKCMD")
        _delivered(socket, "slash_commands", dict(parse_qsl(form)))
        [answer] = _posts(fake, "C0SOCKCMD", 1)
        assert "reinforcement" in answer.text.lower()
        assert len([c for c in fake.posts() if c.body.get("channel") == "C0SOCK"]) == 3, (
            "the redelivered mention got no second answer"
        )


def test_two_processes_connected_at_once_answer_each_event_once_and_refine_across_both(
    fake: FakeSlack, socket: FakeSocketMode, tmp_path: Path
):
    with redis_namespace() as prefix:
        envs = []
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            envs.append(bot_env(fake, tmp_path / name, STATE_URL=REDIS_URL, STATE_PREFIX=prefix))
        with SocketModeBot(envs[0], socket), SocketModeBot(envs[1], socket):
            mentions = [mention_event("gan papers", channel="C0TWO") for _ in range(6)]
            for i, event in enumerate(mentions):  # each to one connection, and Slack's redelivery to the other
                _delivered(socket, "events_api", event_callback(event, event_id=f"Ev0TWO{i}"), to=i)
                _delivered(socket, "events_api", event_callback(event, event_id=f"Ev0TWO{i}"), to=i + 1, retry_attempt=1)
            wait_answered(prefix)
            posts = fake.posts()
            for event in mentions:
                assert len([c for c in posts if c.body.get("thread_ts") == event["ts"]]) == 1, "answered once"

            root = mentions[0]["ts"]
            _delivered(socket, "events_api", event_callback(message_event("1 per page", channel="C0TWO", thread_ts=root)), to=1)
            for page in range(2, PAGES + 2):  # each as soon as the last is acknowledged, over the two connections in turn
                _delivered(
                    socket, "events_api", event_callback(message_event(f"page {page}", channel="C0TWO", thread_ts=root)), to=page
                )
            wait_answered(prefix)
            replies = [c for c in fake.posts() if c.body.get("thread_ts") == root][2:]
            assert [first_rank(reply) for reply in replies] == list(range(2, PAGES + 2))
