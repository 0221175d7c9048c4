"""``findproject serve`` and ``run``: Socket Mode, or HTTP mode under uvicorn."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TextIO

import uvicorn
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError

from bot.conversation import Conversation
from bot.http_server import SlackHttpApp
from bot.journal import Journal
from bot.presentation import Presentation
from bot.recovery import replay
from bot.runner import Runner
from bot.settings import Settings, load_settings, require
from bot.slack_app import build_app
from bot.sqlite_store import SQLiteStateStore
from bot.store import StateStoreError
from retrieval.engine import SearchEngine

log = logging.getLogger(__name__)
EXIT_OK, EXIT_BAD_INPUT = 0, 2
DAY = 86400


def load_runner(settings: Settings) -> Runner:
    """The catalog index, the state store, and the conversation and job runner over both."""
    engine = SearchEngine.from_paths(settings.catalog_path, settings.taxonomy_path)
    store = SQLiteStateStore(settings.state_db_path, ttl_seconds=settings.state_ttl_days * DAY)
    workers = ThreadPoolExecutor(settings.listener_threads, thread_name_prefix="reply")
    return Runner(Conversation(engine, store, settings.results_per_page), Journal(store), workers,
                  Presentation(url_template=settings.project_url_template))


def cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    settings = load_settings()
    _log_level(settings, args)
    socket_mode = settings.slack_app_token is not None and not args.http
    require(settings, "SLACK_BOT_TOKEN", "the bot posts with it (see .env.example)")
    if not socket_mode:
        require(settings, "SLACK_SIGNING_SECRET", "HTTP mode verifies requests with it (see .env.example)")
    try:
        return _serve(settings, socket_mode, args.host or settings.host, args.port or settings.port)
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
    return cmd_serve(args, out, err)


def _serve(settings: Settings, socket_mode: bool, host: str, port: int) -> int:
    if socket_mode:
        runner = load_runner(settings)
        try:
            app = build_app(settings, runner, socket_mode=True)
            replay(app, runner.journal.store)
            log.info("serving Slack over Socket Mode")
            SocketModeHandler(app, require(settings, "SLACK_APP_TOKEN", "Socket Mode connects with it")).start()
        finally:
            runner.close()
        return EXIT_OK
    asgi = http_app(settings)
    log.info("serving Slack over HTTP on %s:%d (POST /slack/events, GET /healthz)", host, port)
    with _clean_exit_on_sigterm():
        uvicorn.run(asgi, host=host, port=port, **uvicorn_options(settings))
    return EXIT_OK


def uvicorn_options(settings: Settings) -> dict[str, object]:
    """uvicorn's settings for HTTP mode (benchmarks/bot_echo.py serves its baseline with the same)."""
    return {"lifespan": "on", "log_level": settings.log_level.lower(), "access_log": settings.log_level == "DEBUG",
            "timeout_graceful_shutdown": 10}


def http_app(settings: Settings) -> SlackHttpApp:
    """The whole bot as one ASGI app; the store closes when uvicorn shuts it down."""
    runner = load_runner(settings)
    try:
        app = build_app(settings, runner)
        replay(app, runner.journal.store)
    except BaseException:
        runner.close()
        raise
    engine = runner.conversation.engine
    return SlackHttpApp(app, health=lambda: {"projects": len(engine.projects)},
                        on_shutdown=lambda: _close(app, runner),
                        signing_secret=require(settings, "SLACK_SIGNING_SECRET", "HTTP mode verifies requests with it"))


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


def _close(app: App, runner: Runner) -> None:
    """After the last request: let the listeners and replies finish, then close the store."""
    app.listener_runner.listener_executor.shutdown(wait=True)
    runner.close()


def _log_level(settings: Settings, args: argparse.Namespace) -> None:
    if not getattr(args, "verbose", False):
        logging.getLogger().setLevel(settings.log_level)

