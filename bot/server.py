"""``findproject serve`` and ``run``: Socket Mode, or HTTP mode under uvicorn (``--workers N``: N processes)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TextIO

import uvicorn
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError

from bot import logs, metrics
from bot.conversation import Conversation
from bot.engines import open_engine, shared_snapshot
from bot.http_server import SlackHttpApp
from bot.journal import Journal
from bot.metrics import MeteredEngine
from bot.presentation import Presentation
from bot.recovery import replay
from bot.runner import Runner
from bot.settings import Settings, SettingsError, load_settings, require
from bot.slack_app import BotApp, build_app
from bot.store import StateStoreError
from bot.stores import open_search_log, open_store
from bot.sweeper import Sweeper
from retrieval.plurals import plural
from retrieval.problems import CatalogError

log = logging.getLogger(__name__)
EXIT_OK, EXIT_BAD_INPUT = 0, 2
STARTUP_FAILURE = 3  # uvicorn's status for a worker that cannot start: its supervisor then stops
# Where the first worker that cannot start leaves a mark, so the parent exits with status 2.
WORKER_FAILED = "FINDPROJECT_WORKER_FAILED"


def load_runner(settings: Settings) -> Runner:
    """The catalog index (searches timed in bot.metrics), the state store, and the conversation
    and job runner over both."""
    engine = open_engine(settings, engine_class=MeteredEngine)
    metrics.CATALOG_PROJECTS.set(len(engine.projects))
    store = open_store(settings)
    workers = ThreadPoolExecutor(settings.listener_threads, thread_name_prefix="reply")
    return Runner(
        Conversation(engine, store, settings.results_per_page),
        Journal(store),
        workers,
        Presentation(url_template=settings.project_url_template),
        open_search_log(settings),
    )


def cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    metrics_port = getattr(args, "metrics_port", None)
    settings = load_settings(**({} if metrics_port is None else {"metrics_port": metrics_port}))
    logs.apply(settings.log_level, settings.log_format, verbose=getattr(args, "verbose", False))
    socket_mode = settings.slack_app_token is not None and not args.http
    require(settings, "SLACK_BOT_TOKEN", "the bot posts with it (see .env.example)")
    if not socket_mode:
        require(settings, "SLACK_SIGNING_SECRET", "HTTP mode verifies requests with it (see .env.example)")
    refusal = _workers_refusal(args.workers, socket_mode, settings)
    if refusal:
        print(f"error: {refusal}", file=err)
        return EXIT_BAD_INPUT
    try:
        return _serve(settings, socket_mode, args.host or settings.host, args.port or settings.port, args.workers)
    except StateStoreError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
    except BoltError as exc:  # auth.test refused the token
        print(f"error: Slack did not accept SLACK_BOT_TOKEN: {exc}", file=err)
        return EXIT_BAD_INPUT


def cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Serve Slack when its tokens are configured, else the console chat."""
    from bot.chat import cmd_chat

    settings = load_settings()
    if not settings.slack_configured:
        print("No Slack tokens configured (see .env.example); starting the console chat.", file=err)
        return cmd_chat(args, out, err)
    args.http = settings.slack_app_token is None
    args.host = args.port = None
    args.workers = 1
    return cmd_serve(args, out, err)


def _workers_refusal(workers: int, socket_mode: bool, settings: Settings) -> str | None:
    """Why ``--workers`` cannot be served as asked, or None."""
    if workers < 1:
        return "--workers must be at least 1"
    if workers == 1:
        return None
    if socket_mode:
        return "--workers is for HTTP mode (--http); for Socket Mode start several processes instead"
    if not settings.state_url:
        return f"--workers {workers} needs STATE_URL (a Redis server): the SQLite state file cannot be shared by worker processes"
    return None


def _serve(settings: Settings, socket_mode: bool, host: str, port: int, workers: int = 1) -> int:
    if settings.metrics and settings.metrics_port is not None:
        metrics.serve(host, settings.metrics_port)
        log.info("serving metrics on %s:%d (GET /metrics)", host, settings.metrics_port)
    if socket_mode:
        runner = load_runner(settings)
        try:
            app = build_app(settings, runner, socket_mode=True)
            replay(app, runner.journal.store)
            sweeper = Sweeper(app, runner.journal.store)
            try:
                log.info("serving Slack over Socket Mode")
                SocketModeHandler(app, require(settings, "SLACK_APP_TOKEN", "Socket Mode connects with it")).start()
            finally:
                sweeper.stop()
                app.held.close()
        finally:
            runner.close()
            metrics.process_stopped()
        return EXIT_OK
    if workers > 1:
        open_store(settings).close()  # an unreachable STATE_URL is one line here, not a crash in every worker
        snapshot = shared_snapshot(settings)  # one file in the page cache, mapped by every worker
        log.info("serving Slack over HTTP on %s:%d with %d worker processes", host, port, workers)
        with tempfile.TemporaryDirectory(prefix="findproject-") as scratch, _clean_exit_on_sigterm():
            failed = Path(scratch) / "worker-failed"
            inherited = {WORKER_FAILED: str(failed), **({"SNAPSHOT_PATH": str(snapshot)} if snapshot else {})}
            previous = {name: os.environ.get(name) for name in inherited}
            os.environ.update(inherited)  # the workers inherit the environment
            try:
                uvicorn.run(
                    "bot.server:worker_app", factory=True, workers=workers, host=host, port=port, **uvicorn_options(settings)
                )
            finally:
                for name, value in previous.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
            return EXIT_BAD_INPUT if failed.exists() else EXIT_OK
    asgi = http_app(settings)
    log.info(
        "serving Slack over HTTP on %s:%d (POST /slack/events, GET /healthz%s)",
        host,
        port,
        ", GET /metrics" if asgi.metrics else "",
    )
    with _clean_exit_on_sigterm():
        uvicorn.run(asgi, host=host, port=port, **uvicorn_options(settings))
    return EXIT_OK


def worker_app() -> SlackHttpApp:
    """The app of one worker process of ``serve --workers N``; uvicorn imports and calls it.

    A worker is a fresh interpreter: it reads the settings from the environment, as the
    parent did. A worker that cannot start exits with uvicorn's start-up failure status, on
    which uvicorn stops the whole server; the first one to fail says why in one line.
    """
    try:
        settings = load_settings()
        logs.start(verbose=False)
        logs.apply(settings.log_level, settings.log_format)
        return http_app(settings)
    except CatalogError as exc:
        _worker_failed(f"{plural(len(exc.problems), 'problem')} in the catalog or taxonomy; `findproject validate` lists them")
    except (SettingsError, StateStoreError, BoltError, OSError) as exc:
        _worker_failed(str(exc))
    raise SystemExit(STARTUP_FAILURE)


def _worker_failed(reason: str) -> None:
    """One line for the whole server: only the worker that leaves the mark first prints it."""
    try:
        with open(os.environ[WORKER_FAILED], "x"):
            pass
    except FileExistsError:
        return
    except (KeyError, OSError):  # not started by `serve --workers`: say it anyway
        pass
    print(f"error: {reason}", file=sys.stderr)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's settings for HTTP mode (benchmarks/bot_echo.py serves its baseline with the same).
    ``log_config=None``: uvicorn's lines go through the bot's own handler, so LOG_FORMAT applies to them."""
    return {
        "lifespan": "on",
        "log_level": settings.log_level.lower(),
        "access_log": settings.log_level == "DEBUG",
        "log_config": None,
        "timeout_graceful_shutdown": 10,
    }


def http_app(settings: Settings) -> SlackHttpApp:
    """The whole bot as one ASGI app; the store closes when uvicorn shuts it down."""
    runner = load_runner(settings)
    try:
        app = build_app(settings, runner)
        replay(app, runner.journal.store)
    except BaseException:
        runner.close()
        raise
    sweeper = Sweeper(app, runner.journal.store)
    engine = runner.conversation.engine
    scrape = metrics.exposition if settings.metrics and settings.metrics_port is None else None
    return SlackHttpApp(
        app,
        health=lambda: {"projects": len(engine.projects)},
        on_shutdown=lambda: _close(app, runner, sweeper),
        metrics=scrape,
        signing_secret=require(settings, "SLACK_SIGNING_SECRET", "HTTP mode verifies requests with it"),
    )


@contextlib.contextmanager
def _clean_exit_on_sigterm() -> Iterator[None]:
    """Exit status 0 after a graceful SIGTERM shutdown.

    uvicorn handles SIGTERM itself (stop accepting, drain the requests in flight, run the
    lifespan shutdown that finishes the replies and closes the store), then re-raises the
    signal so the process dies of it (-15). That re-raised signal lands here and ends the
    process normally instead; a SIGTERM before uvicorn took over also exits 0 at once.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stopped(signum: int, frame: object) -> None:
        log.info("stopped on SIGTERM")
        raise SystemExit(EXIT_OK)

    previous = signal.signal(signal.SIGTERM, stopped)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _close(app: BotApp, runner: Runner, sweeper: Sweeper) -> None:
    """After the last request: stop replaying, let the listeners and replies finish, then close the store."""
    sweeper.stop()
    app.held.close()
    app.listener_runner.listener_executor.shutdown(wait=True)
    runner.close()
    metrics.process_stopped()
