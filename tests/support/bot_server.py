"""The real bot in HTTP mode on a free loopback port: in this process, or as a subprocess.

In-process (the default) runs uvicorn on a thread and is fast; ``subprocess=True`` runs
``python -m bot serve --http`` so a test can SIGKILL it and start it again on the same
state database. Configuration is the environment the bot would get in production::

    with BotServer(bot_env(fake, tmp_path)) as bot:
        SlackSender(bot.url).event(mention_event("pytorch tutorials"))
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import uvicorn

from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "bot" / "fixtures"


def bot_env(fake: FakeSlack, state_dir: Path, **overrides: str) -> dict[str, str]:
    """Settings for a bot that talks to ``fake`` and keeps its state under ``state_dir``."""
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": fake.api_url,
        "CATALOG_PATH": str(FIXTURES / "projects.json"),
        "TAXONOMY_PATH": str(FIXTURES / "tags.json"),
        "STATE_DB_PATH": str(state_dir / "state.sqlite3"),
        # One listener thread runs events in arrival order, which makes "nothing else
        # was sent" checkable without sleeping (see BotServer.settle in tests/bot).
        "LISTENER_THREADS": "1",
        "LOG_LEVEL": "WARNING",
    }
    return {**env, **overrides}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BotServer:
    """Start with ``with BotServer(env) as bot`` (or ``start()``); ``bot.url`` is its base url."""

    def __init__(self, env: dict[str, str], subprocess: bool = False, port: int | None = None, args: tuple[str, ...] = ()):
        self.env = env
        self.use_subprocess = subprocess
        self.args = args  # more `serve` options for a subprocess, such as ("--workers", "2")
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        # A subprocess writes its log here (every start appends), so tests can read it any time.
        self.log_path: Path | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> BotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 20.0) -> BotServer:
        if self.use_subprocess:
            self._start_process()
        else:
            self._start_thread()
        self.wait_healthy(timeout)
        return self

    def command(self) -> list[str]:
        """What a subprocess runs."""
        return [sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1", "--port", str(self.port), *self.args]

    def _start_process(self) -> None:
        command = self.command()
        if self.log_path is None:
            state = self.env.get("STATE_DB_PATH")
            if state:  # next to the state database: the test's own temporary directory
                self.log_path = Path(state).parent / f"bot-{self.port}.log"
            else:
                handle, name = tempfile.mkstemp(prefix="bot-", suffix=".log")
                os.close(handle)
                self.log_path = Path(name)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        """Everything the subprocess bot has logged so far (all its starts)."""
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def _start_thread(self) -> None:
        from bot.server import http_app
        from bot.settings import load_settings

        settings = load_settings(**{name.lower(): value for name, value in self.env.items()})
        config = uvicorn.Config(
            http_app(settings), host="127.0.0.1", port=self.port, lifespan="on", log_level="warning", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="bot-http", daemon=True)
        self._thread.start()

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the bot exited with {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.02)
        raise TimeoutError(f"the bot did not become healthy at {self.url} within {timeout}s")

    def stop(self, timeout: float = 10.0) -> None:
        """A graceful stop: SIGTERM for a subprocess, uvicorn's own exit for a thread."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout)
            self._server = None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; only a subprocess can be killed."""
        assert self.process is not None, "kill() needs subprocess=True"
        self.process.kill()
        self.process.wait()

    def restart(self) -> BotServer:
        """Start again on the same port and environment (so the same state database)."""
        self.stop()
        return self.start()
