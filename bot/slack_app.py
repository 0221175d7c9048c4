"""The Bolt app factory: the Web API client, the middleware and the listeners.

Every Slack API call is retried a bounded number of times: a 429 after its Retry-After
(unless Slack asks for more than MAX_RETRY_AFTER seconds), a 5xx, a refused or reset
connection and a timeout after a short backoff. A retried post whose first attempt did
reach Slack can show twice; that is the price of not losing answers to a flaky network.
Calls, retries, requests and duplicates are counted in bot.metrics.
"""

from __future__ import annotations

import contextvars
import http.client
import json
import logging
import re
import urllib.error
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from bot import metrics, request_info
from bot.delivery import slack_error
from bot.held import HELD_KEY, STILL_AWAY, Held
from bot.listeners import conversation, register_all
from bot.runner import CLAIM_KEY, CONTEXT_KEY, PLACE_KEY, Runner
from bot.settings import Settings, require
from bot.store import StateStoreError

log = logging.getLogger(__name__)
API_RETRIES = 2
CONNECTION_ERRORS = (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException)
_ERROR_CODE = re.compile(r"[a-z_]{1,60}")
MAX_RETRY_AFTER = 30  # seconds; a longer wait would hold a reply worker hostage


class _CountedRetries(RetryHandler):
    """Counts each retry the handler grants (bot.metrics), by Slack method and ``reason``."""

    reason = "other"

    def can_retry(
        self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None, error: Exception | None = None
    ) -> bool:
        granted = super().can_retry(state=state, request=request, response=response, error=error)
        if granted:
            metrics.SLACK_RETRIES.labels(_method(request.url), self.reason).inc()
        return granted


class _ConnectionRetry(_CountedRetries, ConnectionErrorRetryHandler):
    reason = "connection"


class _RateLimitRetry(_CountedRetries, RateLimitErrorRetryHandler):
    """Waits out a 429's Retry-After, but not an unreadable or unreasonably long one."""

    reason = "rate_limited"

    def _can_retry(
        self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None, error: Exception | None = None
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        values = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
        value = str(values[0] if isinstance(values, list) and values else values).strip()
        if not value.isdigit() or int(value) > MAX_RETRY_AFTER:
            log.warning("Slack rate-limited a call and asked to wait %r seconds; not waiting that long", value)
            return False
        return True


class _ServerErrorRetry(_CountedRetries, ServerErrorRetryHandler):
    """Any 5xx, not only 500 and 503: a gateway error is as passing as those."""

    reason = "server_error"

    def _can_retry(
        self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None, error: Exception | None = None
    ) -> bool:
        return response is not None and 500 <= response.status_code < 600


class _MeteredClient(WebClient):
    """Counts every Web API call, after its retries, by method and result (bot.metrics)."""

    @classmethod
    def like(cls, client: WebClient) -> _MeteredClient:
        """A metered client with the settings of ``client`` (which Bolt made for one request)."""
        return cls(
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            ssl=client.ssl,
            proxy=client.proxy,
            headers=client.headers,
            team_id=client.default_params.get("team_id"),
            logger=client.logger,
            retry_handlers=client.retry_handlers,
        )

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        result = "exception"
        try:
            response = super().api_call(api_method, **kwargs)
            result = "ok"
            return response
        except Exception as exc:
            result = _result(exc)
            raise
        finally:
            metrics.SLACK_CALLS.labels(api_method, result).inc()


def _result(exc: Exception) -> str:
    """A short, bounded label for how a call failed."""
    if isinstance(exc, SlackApiError):
        code = slack_error(exc)
        return code if _ERROR_CODE.fullmatch(code) else "http_error"
    if isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError):
        return "timeout"
    return "connection_error" if isinstance(exc, CONNECTION_ERRORS) else "exception"


def _method(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rpartition("/")[2]


def web_client(settings: Settings, token: str) -> WebClient:
    """A client with bounded retries (see the module docs), counted in bot.metrics; SLACK_API_URL moves it (tests)."""
    connection = _ConnectionRetry(max_retry_count=API_RETRIES, error_types=list(CONNECTION_ERRORS))
    return _MeteredClient(
        token=token,
        base_url=settings.slack_api_url or WebClient.BASE_URL,
        timeout=settings.slack_api_timeout,  # type: ignore[arg-type]  # typed int, handed to urllib
        retry_handlers=[connection, _RateLimitRetry(max_retry_count=API_RETRIES), _ServerErrorRetry(max_retry_count=API_RETRIES)],
    )


def build_app(settings: Settings, runner: Runner, socket_mode: bool = False) -> BotApp:
    """The Bolt app; HTTP mode verifies every request with SLACK_SIGNING_SECRET.

    ``process_before_response=False``: Bolt acknowledges first and runs the listener on
    its executor, so Slack always gets its 2xx within three seconds. The listeners only
    acknowledge and queue (see bot.runner), so one intake thread keeps arrival order and is
    never stuck behind a slow reply; the replies run on ``runner.workers``.
    """
    token = require(settings, "SLACK_BOT_TOKEN", "the bot posts with it")
    secret = "" if socket_mode else require(settings, "SLACK_SIGNING_SECRET", "HTTP mode verifies requests with it")
    bolt_log = logging.getLogger("findproject.bolt")
    bolt_log.addFilter(SKIP_TOKEN_WARNING)
    app = BotApp(
        signing_secret=secret,
        client=web_client(settings, token),
        process_before_response=False,
        request_verification_enabled=not socket_mode,
        listener_executor=_InContext(1, thread_name_prefix="intake"),
        logger=bolt_log,
        raise_error_for_unhandled_request=True,  # answered by _report: a 200 or a 400, never Bolt's 404
    )
    app.use(_metered_client)
    app.use(_provide(runner))
    app.use(_journal(runner, app.held))
    app.error(_report(runner))
    register_all(app)
    return app


class BotApp(App):
    """Each request is the current one (bot.request_info) while Bolt dispatches it, in HTTP
    mode, Socket Mode and replays alike; its listener runs in a copy of that context.
    ``held`` keeps what arrives while the state store is away (close it when stopping)."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.held = Held(self.dispatch)

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        with request_info.handling(request_info.describe(req.body)):
            return super().dispatch(req)


class _InContext(ThreadPoolExecutor):
    """Runs each listener in a copy of the dispatching thread's context: the request's ids."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


class _SkipTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, then warns
    that it ignores it; our client carries that same token, so the warning only confuses."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


SKIP_TOKEN_WARNING = _SkipTokenWarning()


def _metered_client(context: BoltContext, next: Callable[[], None]) -> None:
    """Bolt gives each request a plain copy of the app's client; the listeners get a metered one."""
    context["client"] = _MeteredClient.like(context.client)
    next()


def _provide(runner: Runner) -> Callable[..., Any]:
    def provide_runner(context: BoltContext, next: Callable[[], None]) -> None:
        context[CONTEXT_KEY] = runner
        next()

    return provide_runner


def claim_key(body: dict[str, Any]) -> str | None:
    """The id that makes a request a duplicate of an earlier one: the event id for events,
    the trigger id for slash commands and clicks (Slack never sends those twice)."""
    kind = body.get("type")
    if kind == "event_callback":
        key = body.get("event_id")
        return f"event:{key}" if isinstance(key, str) and key else None
    if kind == "block_actions" or isinstance(body.get("command"), str):
        trigger = body.get("trigger_id")
        return f"{'action' if kind else 'command'}:{trigger}" if isinstance(trigger, str) and trigger else None
    return None


def _journal(runner: Runner, held: Held) -> Callable[..., Any]:
    """Before Slack gets its acknowledgement, each event, command and click takes its place in
    its conversation's line (bot.runner.Runner.arrive), so the replies to one thread apply in
    the order Slack delivered them whichever process got them, and is claimed (with itself as
    the job), so a retry or a replayed request is answered once and a request cut off by a
    crash can be answered after the restart (bot.recovery). While the store is away it is
    acknowledged and held (bot.held)."""

    def journal(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:
        key = claim_key(body)
        line = conversation(body, context.team_id or "", context.bot_user_id)
        if key is None and line is None:
            next()
            return None
        surface = request_info.describe(body).surface
        again = bool(context.get(HELD_KEY))
        if not again and held.waiting():  # behind the ones held before it, to keep the arrival order
            held.hold(body, "")
            metrics.REQUESTS.labels(surface, "held").inc()
            return BoltResponse(status=200, body="")
        place = None
        try:
            place = runner.arrive(line)
            if key is not None and not runner.journal.claim(key, json.dumps(body)):
                log.info("%s already handled; duplicate delivery acknowledged and ignored", key)
                metrics.REQUESTS.labels(surface, "duplicate").inc()
                metrics.DEDUPE_HITS.labels("request").inc()
                if place is not None:
                    place.leave()
                return BoltResponse(status=200, body="")
        except StateStoreError as exc:
            if place is not None:
                place.leave()
            if again:
                return BoltResponse(status=STILL_AWAY, body="")
            held.hold(body, str(exc))
            metrics.REQUESTS.labels(surface, "held").inc()
            return BoltResponse(status=200, body="")
        metrics.REQUESTS.labels(surface, "accepted").inc()
        context[CLAIM_KEY] = key
        context[PLACE_KEY] = place
        next()
        return None

    return journal


def _report(runner: Runner) -> Callable[..., BoltResponse | None]:
    def report(error: Exception, body: dict[str, Any], request: BoltRequest) -> BoltResponse | None:
        """No listener took the request: a harmless 200 for anything shaped like Slack's
        (so Slack never retries it), a 400 for anything else. A failing listener: one log
        line with the error type (details, which may hold message text, at debug level)."""
        runner.journal.finish(request.context.get(CLAIM_KEY))
        place = request.context.get(PLACE_KEY)
        if place is not None:
            place.leave()
        kind = body.get("type") or ("command" if "command" in body else None)
        if isinstance(error, BoltUnhandledRequestError):
            if isinstance(kind, str) and kind:
                log.info("ignored a %s request that the bot does not handle", kind)
                return BoltResponse(status=200, body="")
            log.warning("refused a signed request that is not a Slack payload")
            return BoltResponse(status=400, body="not a Slack request")
        log.error("failed to handle a %s: %s", kind or "request", error.__class__.__name__)
        log.debug("failure details", exc_info=error)
        return None

    return report
