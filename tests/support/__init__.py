"""Test harness for the Slack bot, shared by tests/bot, the reliability suite and benchmarks.

- fake_slack.FakeSlack: the local fake Web API (records calls, injects faults)
- slack_requests: signing, Slack-shaped payloads, SlackSender (posts to the bot)
- bot_server.BotServer: the real bot in HTTP mode, in-process or as a subprocess
- harness.BotHarness: a bot plus its fake, with mention/reply/dm/click/command and settle()
"""

from tests.support.bot_server import BotServer, bot_env, free_port
from tests.support.fake_slack import BOT_USER_ID, TEAM_ID, Call, FakeSlack, Fault, block_texts
from tests.support.harness import BotHarness
from tests.support.slack_requests import (
    SIGNING_SECRET,
    SlackSender,
    click_form,
    command_form,
    event_callback,
    mention_event,
    message_event,
    next_ts,
    sign,
)

__all__ = [
    "BOT_USER_ID",
    "SIGNING_SECRET",
    "TEAM_ID",
    "BotHarness",
    "BotServer",
    "Call",
    "FakeSlack",
    "Fault",
    "SlackSender",
    "block_texts",
    "bot_env",
    "click_form",
    "command_form",
    "event_callback",
    "free_port",
    "mention_event",
    "message_event",
    "next_ts",
    "sign",
]
