"""Prometheus metrics (prometheus-client): what an operator scrapes at ``GET /metrics``.

With PROMETHEUS_MULTIPROC_DIR set in the environment before the bot starts, every process
writes its samples under that directory and a scrape of any one of them covers them all
(the library's multiprocess mode), so several workers need one scrape target. The
endpoint is not signed: README "Deploy" says how to keep it private.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)

from bot import request_info
from bot.settings import SettingsError
from retrieval.engine import SearchEngine

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
if MULTIPROC_DIR is not None and not os.path.isdir(MULTIPROC_DIR):
    raise SettingsError(f"invalid setting PROMETHEUS_MULTIPROC_DIR: {MULTIPROC_DIR} is not a directory")

REQUESTS = Counter(
    "findproject_requests",
    "Slack requests by surface (mention, message, command, button, other; "
    "unknown when refused) and outcome (accepted, duplicate, held while the state store was away, "
    "refused, error)",
    ["surface", "outcome"],
)
REPLIES = Counter("findproject_replies", "Answers worked out, by surface and outcome (handled, failed)", ["surface", "outcome"])
ACK_SECONDS = Histogram(
    "findproject_ack_seconds",
    "From a Slack request's arrival to its HTTP response",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
REPLY_SECONDS = Histogram(
    "findproject_reply_seconds",
    "From a request's dispatch to its answer being done",
    ["surface"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
SEARCH_SECONDS = Histogram(
    "findproject_search_seconds", "One catalog search", buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1)
)
SLACK_CALLS = Counter(
    "findproject_slack_api_calls",
    "Slack Web API calls by method and result (ok, Slack's error code, timeout, connection_error), after the retries",
    ["method", "result"],
)
SLACK_RETRIES = Counter("findproject_slack_api_retries", "Slack Web API retries by method and reason", ["method", "reason"])
DEDUPE_HITS = Counter(
    "findproject_dedupe_hits",
    "Deliveries ignored as duplicates: a request Slack sent again "
    "(kind=request) or a message seen as both mention and message (kind=message)",
    ["kind"],
)
JOURNAL_REPLAYS = Counter(
    "findproject_journal_replays",
    "Requests a stopped process left unanswered, at start-up: replayed, given_up (too old) or failed",
    ["result"],
)
CATALOG_PROJECTS = Gauge("findproject_catalog_projects", "Projects in the loaded catalog", multiprocess_mode="livemax")


class MeteredEngine(SearchEngine):
    """The search engine, with every search timed in SEARCH_SECONDS."""

    def search(self, *args: Any, **kwargs: Any) -> Any:
        with SEARCH_SECONDS.time():
            return super().search(*args, **kwargs)


def acknowledged(status: int, seconds: float) -> None:
    """An HTTP response to Slack; a 4xx is a request refused before anyone read it."""
    ACK_SECONDS.observe(seconds)
    if status >= 400:
        REQUESTS.labels("unknown", "refused" if status < 500 else "error").inc()


def replied(outcome: str) -> None:
    """The current request's answer is done (handled) or gave up (failed)."""
    request = request_info.current()
    surface = request.surface if request is not None else "other"
    REPLIES.labels(surface, outcome).inc()
    if request is not None:
        REPLY_SECONDS.labels(surface).observe(request.elapsed())


def _scraped() -> CollectorRegistry:
    """This process's metrics, or every process's in multiprocess mode."""
    if MULTIPROC_DIR is None:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


SCRAPED = _scraped()


def exposition() -> tuple[bytes, str]:
    """The body and content type of a scrape."""
    return generate_latest(SCRAPED), CONTENT_TYPE_LATEST


def serve(host: str, port: int) -> None:
    """``/metrics`` on a port of its own (``--metrics-port``), on a daemon thread."""
    try:
        start_http_server(port, addr=host, registry=SCRAPED)
    except OSError as exc:
        raise SettingsError(f"invalid setting METRICS_PORT: cannot listen on {host}:{port} ({exc.strerror})") from None


def process_stopped() -> None:
    """In multiprocess mode, drop this process's live gauges from later scrapes."""
    if MULTIPROC_DIR is not None:
        multiprocess.mark_process_dead(os.getpid())
