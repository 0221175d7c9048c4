"""Ask in Slack, vote, click, then `findproject report` shows it: the search log end to end.

The real Bolt app over signed HTTP against the fake Slack; the log is read back from the
bot's own state file, as the report reads it.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.cli import main as cli_main
from tests.support import BotHarness, BotServer, FakeSlack, bot_env
from tests.support.fake_slack import Call, Fault
from tests.support.slack_requests import click_form, mention_event, next_ts


def accessories(message) -> list[dict]:
    return [block["accessory"] for block in message.body.get("blocks") or [] if block.get("accessory")]


def read_log(harness: BotHarness):
    from bot.settings import load_settings
    from bot.stores import search_log_at

    harness.settle()
    harness.wait_idle()
    log = search_log_at(load_settings(), Path(harness.bot.env["STATE_DB_PATH"]))
    try:
        now = datetime.now(timezone.utc)
        return log.read(now - timedelta(days=1), now + timedelta(days=1))
    finally:
        log.close()


def test_a_conversation_leaves_log_rows_votes_and_clicks(harness: BotHarness):
    first = harness.mention("gan papers")
    empty = harness.mention("zzqx blorptastic")  # matches nothing
    channel = first.body["channel"]
    sent = {**first.answer["message"], "ts": first.answer["ts"]}

    helpful = harness.button(first, "Found it")
    for button in (helpful, helpful, harness.button(first, "Not helpful")):  # twice the same, then changed
        assert (
            harness.slack.post(
                click_form(button, sent, channel, harness.fake.response_url()), "application/x-www-form-urlencoded"
            ).status
            == 200
        )
    opened = accessories(first)[1]  # the second result's "Open" button
    assert opened["text"]["text"] == "Open" and opened["url"].startswith("http")
    assert (
        harness.slack.post(
            click_form(opened, sent, channel, harness.fake.response_url()), "application/x-www-form-urlencoded"
        ).status
        == 200
    )

    window = read_log(harness)
    searches = {s.search_id: s for s in window.searches}
    asked = searches[helpful["value"]]
    assert (asked.surface.value, asked.channel, asked.request, asked.page) == ("mention", channel, "gan papers", 0)
    assert asked.shown and asked.total >= len(asked.shown) and "U0ALICE" not in asked.user_key
    assert any(s.zero_result for s in window.searches if s.request == "zzqx blorptastic") == (
        empty.body["text"].startswith("No projects")
    )
    assert [(v.search_id, v.vote.value) for v in window.votes] == [(helpful["value"], "not_helpful")]  # one vote, changed
    assert [(c.search_id, c.rank) for c in window.clicks] == [(helpful["value"], 2)]
    thanks = [c.body.get("text", "") for c in harness.fake.calls("response_url")]
    assert sum("Thanks" in t for t in thanks) == 3 and any("changed" in t for t in thanks)


def test_a_vote_on_results_just_posted_waits_for_their_search_to_be_logged(harness: BotHarness):
    """Slack shows a message as soon as it is posted, so a vote can come before the bot has
    logged the search; it is recorded in the conversation's turn, after that answer."""
    posted: list[dict] = []
    fault = Fault(hold=threading.Event(), when=lambda body: not posted.append(body))
    harness.fake.inject("chat.postMessage", fault)
    assert harness.slack.event(mention_event("gan papers", channel="C0VOTE")).status == 200
    assert fault.arrived.wait(10), "the results were never posted"
    shown = Call("chat.postMessage", posted[-1], {}, "/api/chat.postMessage")
    vote = harness.button(shown, "Found it")
    message = {**posted[-1], "ts": next_ts()}
    form = click_form(vote, message, "C0VOTE", harness.fake.response_url())
    assert harness.slack.post(form, "application/x-www-form-urlencoded").status == 200
    assert fault.hold is not None
    fault.hold.set()  # the post returns; the bot logs the search, then the vote
    thanks = harness.fake.wait_for("response_url", 1, 10, where=lambda c: "noted" in c.body.get("text", ""))
    assert thanks[0].body["response_type"] == "ephemeral"


def test_a_vote_on_a_slash_commands_results_just_posted_waits_for_their_search(fake: FakeSlack, tmp_path: Path):
    """The same with several reply threads: a command's results open a thread of their own, so
    the vote is in no line behind the command; it waits for the top-level answer to be logged."""
    posted: list[dict] = []
    fault = Fault(hold=threading.Event(), when=lambda body: not posted.append(body))
    fake.inject("chat.postMessage", fault)
    with BotServer(bot_env(fake, tmp_path, LISTENER_THREADS="4")) as bot:
        harness = BotHarness(fake, bot)
        assert harness.command("gan papers", channel="C0VOTE").status == 200
        assert fault.arrived.wait(10), "the results were never posted"
        shown = Call("chat.postMessage", posted[-1], {}, "/api/chat.postMessage")
        form = click_form(harness.button(shown, "Found it"), {**posted[-1], "ts": next_ts()}, "C0VOTE", fake.response_url())
        assert harness.slack.post(form, "application/x-www-form-urlencoded").status == 200
        time.sleep(0.3)  # the vote's job has run by now, unless it waits for the results' search
        assert fault.hold is not None
        fault.hold.set()
        thanks = fake.wait_for("response_url", 1, 10, where=lambda c: "noted" in c.body.get("text", ""))
        assert thanks[0].body["response_type"] == "ephemeral"


def test_the_report_reads_what_slack_users_did(harness: BotHarness):
    first = harness.mention("gan papers")
    harness.mention("gan papers")
    channel, sent = first.body["channel"], {**first.answer["message"], "ts": first.answer["ts"]}
    harness.slack.post(
        click_form(harness.button(first, "Found it"), sent, channel, harness.fake.response_url()),
        "application/x-www-form-urlencoded",
    )
    read_log(harness)
    out, err = io.StringIO(), io.StringIO()
    previous = {k: os.environ.get(k) for k in ("CATALOG_PATH", "TAXONOMY_PATH")}
    os.environ.update(CATALOG_PATH=harness.bot.env["CATALOG_PATH"], TAXONOMY_PATH=harness.bot.env["TAXONOMY_PATH"])
    try:
        code = cli_main(["report", "--json", "--state", harness.bot.env["STATE_DB_PATH"]], out, err)
    finally:
        for key, value in previous.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    assert code == 0, err.getvalue()
    report = json.loads(out.getvalue())
    assert report["requests"] == 3 and report["askers"] == 1  # the two mentions and the harness's settling DM
    assert report["feedback"] == {"helpful": 1, "not_helpful": 0}
    assert report["top_requests"][0] == {"request": "gan papers", "count": 2}
