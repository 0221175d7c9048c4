"""LOG_FORMAT=json: the real bot as a subprocess writes one JSON object per line, with the
request's ids, and the same no-secret rules as the text log (see test_reliability_faults)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from bot.logs import JsonFormatter
from tests.support import SIGNING_SECRET, TEAM_ID, BotHarness, BotServer, FakeSlack, Fault, bot_env, mention_event

START_TIMEOUT = 30


def _json_lines(bot: BotServer) -> list[dict]:
    lines = [line for line in bot.output().splitlines() if line.strip()]
    assert lines, "the bot logged something"
    return [json.loads(line) for line in lines]  # raises on any line that is not one JSON object


def test_json_lines_carry_request_ids_and_never_a_secret_or_text_above_debug(fake: FakeSlack, tmp_path: Path):
    env = bot_env(fake, tmp_path, LOG_FORMAT="json", LOG_LEVEL="DEBUG")
    bot = BotServer(env, subprocess=True).start(START_TIMEOUT)
    try:
        harness = BotHarness(fake, bot)
        fake.inject("chat.postMessage", Fault(status=500))
        first = harness.expect_reply(
            lambda: harness.slack.event(mention_event("zqxmarker gan papers"), event_id="Ev0JSONLOG"), "C0CHAN"
        )
        harness.reply(first, "only zqxrefine")
        harness.command("zqxcommand")
        harness.settle()
    finally:
        bot.stop()

    entries = _json_lines(bot)
    for entry in entries:
        assert {"time", "level", "logger", "message"} <= entry.keys(), entry
        assert entry["time"].endswith("+00:00")
    everything = bot.output()
    assert "zqxmarker" in everything, "the debug log does see message text (so this check is not vacuous)"
    for secret in ("xoxb-test-token", SIGNING_SECRET):
        assert secret not in everything
    informative = [e for e in entries if logging.getLevelName(e["level"]) >= logging.INFO]
    assert informative, "some lines above DEBUG (so the next check is not vacuous)"
    for text in ("zqxmarker", "zqxrefine", "zqxcommand"):
        assert not any(text in json.dumps(e) for e in informative)
    # The reply thread's own lines (the Slack client posting the answer) name the request.
    posting = [e for e in entries if e.get("event_id") == "Ev0JSONLOG" and e["logger"].startswith("slack_sdk")]
    assert posting, "the reply thread's log lines carry the request's ids"
    assert all(e["team"] == TEAM_ID and e["channel"] == "C0CHAN" for e in posting)
    assert any(e["logger"].startswith("uvicorn") for e in entries), "uvicorn's own lines are JSON too"


def test_a_json_line_stays_one_line_with_a_multiline_message_and_a_traceback():
    try:
        raise ValueError("first\nsecond")
    except ValueError as exc:
        record = logging.LogRecord("bot.inbox", logging.ERROR, __file__, 1, "failed:\n%s", (exc,), exc_info=True)
        record.exc_info = (type(exc), exc, exc.__traceback__)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "failed:\nfirst\nsecond" and entry["level"] == "ERROR" and entry["logger"] == "bot.inbox"
    assert "Traceback" in entry["exception"] and "event_id" not in entry  # no request: no ids
