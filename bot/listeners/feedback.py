"""Votes and "Open" clicks on results messages: recorded in the search log for the maintainers' report.

Registered before bot.listeners.actions, whose handler takes every other ``findproject.``
button. A vote is acknowledged privately; a second vote by the same user changes it.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.blocks import FEEDBACK_PREFIX, OPEN_ACTION
from bot.listeners.actions import thread_of
from bot.runner import job_of, runner_of
from bot.searchlog import OpenRef, VoteResult

THANKS = {
    VoteResult.RECORDED: "Thanks, noted: this helps the catalog's maintainers.",
    VoteResult.CHANGED: "Thanks, your vote is changed.",
    VoteResult.SAME: "Thanks, your vote was already noted.",
}


def register(app: App) -> None:
    app.action(re.compile("^" + re.escape(FEEDBACK_PREFIX)))(vote)
    app.action(OPEN_ACTION)(opened)


def vote(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    runner = runner_of(context)
    choice = str(action.get("action_id", "")).removeprefix(FEEDBACK_PREFIX)

    def record() -> None:  # in the conversation's turn: the results' search is logged by then
        result = runner.search_log.record_feedback(str(action.get("value") or ""), _user(body), choice)
        if result in THANKS:
            respond(text=THANKS[result], response_type="ephemeral", replace_original=False)

    runner.submit(job_of(context, work=record, thread=thread_of(body, context.team_id or "")))


def opened(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    """Slack opens the url itself and tells the bot: a click, with the result's rank."""
    ack()
    runner = runner_of(context)
    ref = OpenRef.read(action.get("value"))

    def record() -> None:
        if ref:
            runner.search_log.record_click(ref.search, ref.project, ref.rank, _user(body))

    runner.submit(job_of(context, work=record, thread=thread_of(body, context.team_id or "")))


def _user(body: dict[str, Any]) -> str:
    user = body.get("user")
    return str(user.get("id") or "") if isinstance(user, dict) else ""
