"""The Bolt app factory: the Web API client, the middleware and the listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from bot.inbox import CONTEXT_KEY, Inbox
from bot.listeners import register_all
from bot.settings import Settings, require

log = logging.getLogger(__name__)
API_TIMEOUT = 10
API_RETRIES = 2


def web_client(settings: Settings, token: str) -> WebClient:
    """A client that waits out 429s and retries 5xx a little; SLACK_API_URL moves it (tests)."""
    client = WebClient(token=token, base_url=settings.slack_api_url or WebClient.BASE_URL, timeout=API_TIMEOUT)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=API_RETRIES))
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=API_RETRIES))
    return client


def build_app(settings: Settings, inbox: Inbox, socket_mode: bool = False) -> App:
    """The Bolt app; HTTP mode verifies every request with SLACK_SIGNING_SECRET.

    ``process_before_response=False``: Bolt acknowledges first and runs the listener on
    its executor, so Slack always gets its 2xx within three seconds. The listeners only
    acknowledge and queue (see bot.inbox), so one intake thread keeps arrival order and is
    never stuck behind a slow reply; the replies run on ``inbox.workers``.
    """
    token = require(settings, "SLACK_BOT_TOKEN", "the bot posts with it")
    secret = "" if socket_mode else require(settings, "SLACK_SIGNING_SECRET", "HTTP mode verifies requests with it")
    bolt_log = logging.getLogger("findproject.bolt")
    bolt_log.addFilter(SKIP_TOKEN_WARNING)
    app = App(
        signing_secret=secret,
        client=web_client(settings, token),
        process_before_response=False,
        request_verification_enabled=not socket_mode,
        listener_executor=ThreadPoolExecutor(1, thread_name_prefix="intake"),
        logger=bolt_log,
    )
    app.use(_provide(inbox))
    app.use(_dedupe_events(inbox))
    app.error(_report)
    register_all(app)
    return app


class _SkipTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, then warns
    that it ignores it; our client carries that same token, so the warning only confuses."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


SKIP_TOKEN_WARNING = _SkipTokenWarning()


def _provide(inbox: Inbox) -> Callable[..., Any]:
    def provide_inbox(context: BoltContext, next: Callable[[], None]) -> None:
        context[CONTEXT_KEY] = inbox
        next()
    return provide_inbox


def _dedupe_events(inbox: Inbox) -> Callable[..., Any]:
    """Each event_id is handled once, however often Slack delivers it (retries included)."""
    def dedupe_events(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not inbox.store.claim(f"event:{event_id}"):
            log.info("event %s already handled; duplicate delivery acknowledged and ignored", event_id)
            return BoltResponse(status=200, body="")
        next()
        return None
    return dedupe_events


def _report(error: Exception, body: dict[str, Any]) -> None:
    """Listener failures are logged with their type only; details (and text) at debug level."""
    kind = body.get("type") or ("command" if "command" in body else "request")
    log.error("failed to handle a %s: %s: %s", kind, error.__class__.__name__, error)
    log.debug("failure details", exc_info=error)
