"""A running bot, its fake Slack, and the moves a test makes: mention, reply, command, click.

``settle()`` is how a test shows that something did *not* happen without sleeping: the
bot runs listeners on one thread (LISTENER_THREADS=1 in bot_env), in arrival order, so
once a sentinel DM sent afterwards is answered, every earlier event has been handled.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from retrieval.plurals import plural
from tests.support.bot_server import BotServer
from tests.support.fake_slack import Call, FakeSlack
from tests.support.slack_requests import Reply, SlackSender, mention_event, message_event, next_ts

SETTLE_CHANNEL = "D0SETTLE"


class BotHarness:
    def __init__(self, fake: FakeSlack, bot: BotServer):
        self.fake = fake
        self.bot = bot
        self.slack = SlackSender(bot.url)

    # ---- what users do ------------------------------------------------------------------

    def mention(self, text: str, channel: str = "C0CHAN", **kwargs: Any) -> Call:
        """@mention the bot and wait for its reply in the thread."""
        event = mention_event(text, channel=channel, **kwargs)
        return self.expect_reply(lambda: self.slack.event(event), channel)

    def reply(self, to: Call, text: str, user: str = "U0ALICE") -> Call:
        """A human reply in the thread of the bot's message ``to``; waits for the bot's answer."""
        channel = to.body["channel"]
        thread = to.body.get("thread_ts") or to.answer["ts"]
        event = message_event(
            text, channel=channel, user=user, thread_ts=thread, channel_type="im" if channel.startswith("D") else "channel"
        )
        return self.expect_reply(lambda: self.slack.event(event), channel)

    def dm(self, text: str, channel: str = "D0ALICE") -> Call:
        event = message_event(text, channel=channel, channel_type="im")
        return self.expect_reply(lambda: self.slack.event(event), channel)

    def click(self, message: Call, label: str) -> Call:
        """Click the button whose text starts with ``label`` on the bot's message; waits for the answer."""
        button = self.button(message, label)
        sent = {**message.answer["message"], "ts": message.answer["ts"]}
        channel = message.body["channel"]
        return self.expect_reply(lambda: self.slack.click(button, sent, channel, self.fake.response_url()), channel)

    def command(self, text: str, channel: str = "C0CHAN", user: str = "U0ALICE") -> Reply:
        return self.slack.command(text, self.fake.response_url(f"cmd-{next_ts()}"), channel=channel, user=user)

    # ---- what tests check ---------------------------------------------------------------

    @staticmethod
    def button(message: Call, label: str) -> dict[str, Any]:
        for button in message.buttons:
            if button["text"]["text"].startswith(label):
                return button
        raise AssertionError(f"no button {label!r} in {[b['text']['text'] for b in message.buttons]}")

    def posts_in(self, channel: str) -> list[Call]:
        return [c for c in self.fake.posts() if c.body.get("channel") == channel]

    def expect_reply(self, action: Any, channel: str, timeout: float = 5.0) -> Call:
        before = len(self.posts_in(channel))
        reply = action()
        assert reply.status == 200, reply
        found = self.fake.wait_for(
            "chat.postMessage", before + 1, timeout, where=lambda c: c.body.get("channel") == channel and c.answer.get("ok")
        )
        return found[before]

    def settle(self) -> None:
        """Return once every event sent so far has been fully handled."""
        self.dm(f"settle {next_ts()}", channel=SETTLE_CHANNEL)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Return once every request acknowledged so far has been answered (or given up).

        Works with any number of reply threads, unlike settle(): each request is claimed
        in the state database before it is acknowledged and finished after its answer, so
        no open claim means no work left.
        """
        path = self.bot.env["STATE_DB_PATH"]
        deadline = time.monotonic() + timeout
        while True:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                open_claims = db.execute("SELECT count(*) FROM claims WHERE done = 0").fetchone()[0]
            finally:
                db.close()
            if open_claims == 0:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{plural(open_claims, 'request')} still unanswered after {timeout}s")
            time.sleep(0.01)
