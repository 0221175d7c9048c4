"""HTTP mode itself: health, size limits, routing, quick acknowledgement, restarts."""

from __future__ import annotations

import http.client
import json
import time
import urllib.request
from urllib.parse import urlsplit

from tests.support import BotHarness, BotServer, Fault, bot_env, mention_event

MB = 1024 * 1024


def _request(
    base: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None, chunked: bool = False
) -> tuple[int, bytes]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        if chunked:
            connection.request(
                method,
                path,
                body=iter([body[i : i + 65536] for i in range(0, len(body), 65536)]),
                headers=headers or {},
                encode_chunked=True,
            )
        else:
            connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_health_and_routing(harness: BotHarness):
    with urllib.request.urlopen(harness.bot.url + "/healthz") as response:
        assert response.status == 200 and json.loads(response.read())["projects"] == 30
    assert _request(harness.bot.url, "GET", "/slack/events")[0] == 405
    assert _request(harness.bot.url, "GET", "/nowhere")[0] == 404


def test_bodies_over_one_megabyte_are_refused(harness: BotHarness):
    big = b"{" + b" " * (MB + 10) + b"}"
    assert harness.slack.post(big, "application/json").status == 413
    assert _request(harness.bot.url, "POST", "/slack/events", big, {"Content-Type": "application/json"}, chunked=True)[0] == 413


def test_malformed_bodies_are_400_even_when_signed(harness: BotHarness):
    assert harness.slack.post("{not json", "application/json").status == 400
    assert harness.slack.post("[1, 2]", "application/json").status == 400
    assert harness.slack.post(b"\xff\xfe", "application/json").status == 400


def test_url_verification_is_answered(harness: BotHarness):
    reply = harness.slack.post(json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"}), "application/json")
    assert reply.status == 200 and "c-123" in reply.body


def test_requests_are_acknowledged_while_a_slow_reply_is_in_flight(harness: BotHarness, fake):
    fake.inject("chat.postMessage", Fault(delay=1.5))
    assert harness.slack.event(mention_event("gan papers")).status == 200
    started = time.monotonic()
    assert harness.command("gan papers").status == 200
    assert harness.slack.event(mention_event("speech")).status == 200
    assert time.monotonic() - started < 0.5, "acks must not wait behind a reply that is still posting"
    assert len(fake.wait_for("chat.postMessage", 3, timeout=10)) == 3


def test_threads_and_buttons_survive_a_restart(harness: BotHarness):
    event = mention_event("object detection")
    first = harness.expect_reply(lambda: harness.slack.event(event, event_id="Ev0BEFORE"), "C0CHAN")
    harness.bot.restart()

    clicked = harness.click(first, "+ pytorch")
    assert "tags: #object-detection #pytorch" in clicked.text
    replied = harness.reply(clicked, "not yolo")
    assert "excluding: #yolo" in replied.text
    assert harness.slack.event(event, event_id="Ev0BEFORE", retry_num=1).status == 200
    harness.settle()
    assert len(harness.posts_in("C0CHAN")) == 3


def test_a_click_on_a_forgotten_thread_says_it_expired(fake, tmp_path):
    with BotServer(bot_env(fake, tmp_path / "a")) as bot:
        first = BotHarness(fake, bot).mention("gan papers")
    with BotServer(bot_env(fake, tmp_path / "b")) as bot:  # another state database: the thread is unknown
        harness = BotHarness(fake, bot)
        button = harness.button(first, "More results")
        message = {**first.answer["message"], "ts": first.answer["ts"]}
        assert harness.slack.click(button, message, "C0CHAN", fake.response_url("expired")).status == 200
        [notice] = fake.wait_for("response_url")
        assert notice.body["response_type"] == "ephemeral" and "This search has expired" in notice.text


def test_subprocess_mode_survives_sigkill(fake, tmp_path):
    bot = BotServer(bot_env(fake, tmp_path), subprocess=True).start()
    try:
        harness = BotHarness(fake, bot)
        first = harness.mention("object detection")
        harness.wait_idle()  # the answer is recorded as done before the kill
        bot.kill()
        bot.start()
        refined = harness.reply(first, "only tensorflow")
        assert "tags: #object-detection #tensorflow" in refined.text
        harness.wait_idle()
        assert len(fake.calls("chat.postMessage")) == 2, "the restart posted nothing twice"
    finally:
        bot.stop()
    assert bot.process.returncode == 0, "a clean SIGTERM shutdown exits 0"
    assert not (tmp_path / "state.sqlite3-wal").exists(), "the store was closed (its WAL checkpointed away)"
