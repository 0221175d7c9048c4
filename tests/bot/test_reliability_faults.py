"""Slack API faults, injected by the fake Slack server, against the real bot over HTTP.

Each test states what the user ends up seeing: the reply (exactly once), a plain-text
version of it, a private answer with how to invite the bot, or a short ephemeral "try
again"; and that the next request works. The bot waits at most SLACK_API_TIMEOUT=0.5s
for one call here, so the bounded retries stay quick.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.blocks import APOLOGY
from bot.conversation import Conversation
from tests.support import SIGNING_SECRET, BotHarness, BotServer, FakeSlack, Fault, bot_env, mention_event
from tests.support.checks import LogWatch, message_problems

API_CALLS_PER_REQUEST = 3  # the first attempt and two retries
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CATALOG_URLS = {p["url"] for p in json.loads((FIXTURES / "projects.json").read_text()) if p.get("url")}


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path, logs: LogWatch) -> Iterator[BotHarness]:
    with BotServer(bot_env(fake, tmp_path, SLACK_API_TIMEOUT="0.5")) as server:
        yield BotHarness(fake, server)


def _in(channel: str):
    return lambda body: body.get("channel") == channel


def test_a_429_is_waited_out_and_the_reply_arrives_exactly_once(bot: BotHarness, fake: FakeSlack):
    fake.inject("chat.postMessage", Fault(status=429, retry_after=1))
    reply = bot.mention("gan papers")

    limited, accepted = fake.calls("chat.postMessage")
    assert limited.answer == {"ok": False, "error": "fault"} and accepted.answer["ok"]
    assert accepted.at - limited.at >= 1.0, "the retry waited for Retry-After"
    assert accepted.body == limited.body, "the same message was sent again"
    assert "StyleGAN2 Paper" in reply.text
    bot.settle()
    assert bot.posts_in("C0CHAN") == [reply]


def test_a_retry_after_beyond_reason_is_not_waited_out_and_the_user_is_told(bot: BotHarness, fake: FakeSlack, logs: LogWatch):
    fake.inject("chat.postMessage", Fault(status=429, retry_after=600, times=None, when=_in("C0CHAN")))
    mention = mention_event("gan papers")
    assert bot.slack.event(mention).status == 200

    [sorry] = fake.wait_for("chat.postEphemeral")
    assert len(fake.calls("chat.postMessage")) == 1, "no waiting ten minutes, no retry"
    assert sorry.text.startswith(APOLOGY)
    logs.wait_for(r"asked to wait '600' seconds; not waiting that long", logging.WARNING)


def test_server_errors_are_retried_boundedly_then_logged_and_the_user_is_told(bot: BotHarness, fake: FakeSlack, logs: LogWatch):
    fake.inject("chat.postMessage", Fault(status=500, times=None, when=_in("C0CHAN")))
    mention = mention_event("gan papers")
    assert bot.slack.event(mention).status == 200

    [sorry] = fake.wait_for("chat.postEphemeral")
    assert len(fake.calls("chat.postMessage")) == API_CALLS_PER_REQUEST
    assert (sorry.body["channel"], sorry.body["user"], sorry.body["thread_ts"]) == ("C0CHAN", "U0ALICE", mention["ts"])
    assert sorry.text == f"{APOLOGY}\n{APOLOGY}", "a short fixed text: no error, no traceback"
    logs.wait_for(r"could not answer a mention in C0CHAN: Slack refused chat\.postMessage \(HTTP 500, fault\)", logging.ERROR)

    assert bot.command("gan papers").status == 200  # a slash command is told through its response_url
    [by_url] = fake.wait_for("response_url", timeout=10)
    assert by_url.body["response_type"] == "ephemeral" and by_url.text.startswith(APOLOGY)
    assert len(fake.calls("chat.postMessage")) == 2 * API_CALLS_PER_REQUEST

    fake.reset()
    fake.inject("chat.postMessage", Fault(status=502))  # any 5xx is retried, and then it goes through
    after = bot.mention("gan papers")
    assert "StyleGAN2 Paper" in after.text
    assert [c.answer["ok"] for c in fake.calls("chat.postMessage")] == [False, True]


def test_timeouts_are_retried_boundedly_then_the_user_is_told(bot: BotHarness, fake: FakeSlack, logs: LogWatch):
    # The fake answers after 1.5s, long after the bot stopped waiting (0.5s); it answers an
    # error so that the late answers never count as posts.
    fake.inject("chat.postMessage", Fault(delay=1.5, error="too_late", times=API_CALLS_PER_REQUEST))
    assert bot.slack.event(mention_event("gan papers")).status == 200

    [sorry] = fake.wait_for("chat.postEphemeral", timeout=10)
    assert sorry.text.startswith(APOLOGY)
    logs.wait_for(r"could not answer a mention in C0CHAN: Slack did not answer in time, after the retries", logging.ERROR)
    assert len(fake.wait_for("chat.postMessage", API_CALLS_PER_REQUEST)) == API_CALLS_PER_REQUEST

    assert "StyleGAN2 Paper" in bot.mention("gan papers").text


def test_a_dropped_connection_is_retried_and_answered_once(bot: BotHarness, fake: FakeSlack):
    fake.inject("chat.postMessage", Fault(drop=True))
    reply = bot.mention("gan papers")
    assert [c.answer for c in fake.calls("chat.postMessage")][0] == {"ok": False, "error": "dropped"}
    assert "StyleGAN2 Paper" in reply.text
    bot.settle()
    assert bot.posts_in("C0CHAN") == [reply]


def test_slack_unreachable_is_logged_nothing_crashes_and_the_next_request_works(bot: BotHarness, fake: FakeSlack, logs: LogWatch):
    fake.stop()  # connections to the Web API are now refused
    assert bot.slack.event(mention_event("gan papers")).status == 200, "acknowledged all the same"
    logs.wait_for(r"could not answer a mention in C0CHAN: cannot reach Slack \(.*refused.*\), after the retries", logging.ERROR)
    logs.wait_for(r"could not tell the user either: cannot reach Slack", logging.ERROR)
    assert bot.command("gan papers").status == 200, "still acknowledging while Slack is away"
    logs.wait_for(r"could not answer a slash command in C0CHAN", logging.ERROR)

    fake.restart()  # same port: Slack is back
    reply = bot.mention("gan papers")
    assert "StyleGAN2 Paper" in reply.text


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found"])
def test_a_slash_command_where_the_bot_is_not_answers_privately_with_an_invite(bot: BotHarness, fake: FakeSlack, error: str):
    fake.inject("chat.postMessage", Fault(error=error, when=_in("C0PRIVATE")))
    assert bot.command("gan papers", channel="C0PRIVATE").status == 200

    [private] = fake.wait_for("response_url")
    assert private.body["response_type"] == "ephemeral"
    assert "StyleGAN2 Paper" in private.text and "/invite @FindProject" in private.text
    assert not private.buttons
    assert message_problems(private, CATALOG_URLS) == []


def test_a_mention_where_the_bot_cannot_post_is_answered_in_a_dm_with_an_invite(bot: BotHarness, fake: FakeSlack):
    fake.inject("chat.postMessage", Fault(error="not_in_channel", when=_in("C0GONE")))
    assert bot.slack.event(mention_event("gan papers", channel="C0GONE")).status == 200

    [dm] = fake.wait_for("chat.postMessage", where=lambda c: c.body["channel"] == "U0ALICE")
    assert "StyleGAN2 Paper" in dm.text
    assert "I could not answer in the channel where you asked" in dm.text and "/invite @FindProject" in dm.text
    assert "thread_ts" not in dm.body and not dm.buttons


def test_a_click_where_the_bot_was_removed_answers_through_response_url(bot: BotHarness, fake: FakeSlack):
    first = bot.mention("object detection")
    fake.inject("chat.postMessage", Fault(error="channel_not_found", when=_in("C0CHAN")))
    button = bot.button(first, "+ pytorch")
    message = {**first.answer["message"], "ts": first.answer["ts"]}
    assert bot.slack.click(button, message, "C0CHAN", fake.response_url("gone")).status == 200

    [private] = fake.wait_for("response_url")
    assert "tags: #object-detection #pytorch" in private.text and "/invite @FindProject" in private.text


@pytest.mark.parametrize("error", ["invalid_blocks", "msg_too_long"])
def test_a_refused_message_falls_back_to_plain_text_with_the_results(bot: BotHarness, fake: FakeSlack, error: str):
    fake.inject("chat.postMessage", Fault(error=error, times=None, when=lambda body: "blocks" in body))
    assert bot.command("object detection").status == 200

    refused, plain = fake.wait_for("chat.postMessage", 2)
    assert refused.answer["error"] == error and plain.answer["ok"]
    assert "blocks" not in plain.body
    lines = plain.body["text"].split("\n")
    assert lines[0] == "<@U0ALICE> searched: object detection"
    assert lines[1].startswith("Understood: tags: #object-detection")
    top_three = re.findall(r"<https://[^>]+>", refused.text)[:3]  # the full message's first results, linked
    assert lines[2:5] == [f"{n}. {link}" for n, link in enumerate(top_three, start=1)]
    assert lines[5].startswith("Showing 1–3 of ")
    assert message_problems(plain, CATALOG_URLS, ["U0ALICE"]) == []

    refined = bot.reply(plain, "only tensorflow")  # the thread works on the plain message too
    assert refined.body["thread_ts"] == plain.answer["ts"]
    assert "tags: #object-detection #tensorflow" in refined.body["text"]


def test_an_internal_failure_gets_a_short_apology_and_no_details(
    bot: BotHarness, fake: FakeSlack, logs: LogWatch, monkeypatch: pytest.MonkeyPatch
):
    def broken(self, event):
        raise RuntimeError(f"internal detail: {event} <@U0SECRET>")

    monkeypatch.setattr(Conversation, "handle", broken)
    assert bot.slack.event(mention_event("zqxsecret papers")).status == 200
    assert bot.command("zqxsecret papers").status == 200

    [in_channel] = fake.wait_for("chat.postEphemeral")
    [by_url] = fake.wait_for("response_url")
    for sorry in (in_channel, by_url):
        assert APOLOGY in sorry.text
        assert "internal detail" not in sorry.text and "Traceback" not in sorry.text and "U0SECRET" not in sorry.text
    errors = logs.lines(logging.ERROR)
    assert "could not answer a mention in C0CHAN: RuntimeError (details at debug level)" in errors
    assert not any("zqxsecret" in line or "internal detail" in line for line in logs.lines(logging.INFO))

    monkeypatch.undo()
    assert "StyleGAN2 Paper" in bot.mention("gan papers").text


def test_no_token_or_secret_is_ever_logged_and_message_text_only_at_debug(bot: BotHarness, fake: FakeSlack, logs: LogWatch):
    fake.inject("chat.postMessage", Fault(status=500))
    first = bot.mention("zqxmarker gan papers")
    bot.reply(first, "only zqxrefine")
    bot.command("zqxcommand")
    bot.settle()

    everything = "\n".join(logs.lines(logging.DEBUG))
    assert "zqxmarker" in everything, "the debug log does see message text (so this check is not vacuous)"
    for secret in ("xoxb-test-token", SIGNING_SECRET):
        assert secret not in everything
    informative = "\n".join(logs.lines(logging.INFO))
    for text in ("zqxmarker", "zqxrefine", "zqxcommand"):
        assert text not in informative
