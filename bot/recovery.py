"""Answering what a stopped process left unanswered.

Every event, command and click is claimed in the store, with the request itself as the
job, before Slack gets its acknowledgement (bot.slack_app), and the claim is finished
once the answer is posted (bot.runner). If the process dies in between (SIGKILL, OOM, a
power cut) Slack does not send the request again: it was acknowledged. So at start-up
the claims left open by a process that is gone are dispatched again through the same
app, as if Slack had just sent them; the journal middleware takes each one over, so two
processes starting at once do not both answer it.

A request older than REPLAY_WINDOW is given up (and logged): by then its response_url
may have expired and an answer would only confuse. The one case this cannot tell apart
is a crash after Slack accepted the post but before the bot read Slack's answer and
finished the claim (about one network round trip): that request is answered twice
rather than not at all. bot.metrics counts what became of each.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from slack_bolt import App, BoltRequest

from bot import metrics
from bot.store import StateStore
from retrieval.plurals import plural

log = logging.getLogger(__name__)
REPLAY_WINDOW = 10 * 60


def replay(app: App, store: StateStore, clock: Callable[[], float] = time.time) -> int:
    """Dispatch the unanswered requests of stopped processes again; returns how many."""
    replayed = given_up = failed = 0
    for claim in store.abandoned():
        if claim.job is None:
            continue  # a message's own claim: taken over when its request is replayed, or goes stale
        if clock() - claim.claimed_at > REPLAY_WINDOW:
            if store.claim(claim.event):
                store.finish(claim.event)
                given_up += 1
            continue
        try:
            body = json.loads(claim.job)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if store.claim(claim.event):
                store.finish(claim.event)
                failed += 1
            continue
        try:
            response = app.dispatch(BoltRequest(body=body, mode="socket_mode"))
        except Exception as exc:  # never let one odd request stop the bot from starting
            log.warning("could not replay %s: %s", claim.event, exc.__class__.__name__)
            failed += 1
            if store.claim(claim.event):
                store.finish(claim.event)
            continue
        if response.status == 200:
            replayed += 1
        else:
            failed += 1
            log.warning("replaying %s failed with status %s", claim.event, response.status)
    metrics.JOURNAL_REPLAYS.labels("replayed").inc(replayed)
    metrics.JOURNAL_REPLAYS.labels("given_up").inc(given_up)
    metrics.JOURNAL_REPLAYS.labels("failed").inc(failed)
    if replayed:
        log.warning("answering %s a stopped process had acknowledged but not answered", plural(replayed, "request"))
    if given_up:
        log.warning("gave up %s older than %d minutes", plural(given_up, "unanswered request"), REPLAY_WINDOW // 60)
    return replayed
