"""`findproject chat`, `run` and `serve` start-up: the terminal conversation and clear setting errors."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from bot import server
from bot.cli import main
from tests.support import FakeSlack, Fault, free_port
from tests.support.bot_server import FIXTURES, ROOT

SLACK_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No .env and no Slack variables from the developer's shell; the fixture catalog."""
    monkeypatch.chdir(tmp_path)
    for name in SLACK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CATALOG_PATH", str(FIXTURES / "projects.json"))
    monkeypatch.setenv("TAXONOMY_PATH", str(FIXTURES / "tags.json"))
    monkeypatch.setenv("STATE_DB_PATH", str(tmp_path / "state.sqlite3"))
    monkeypatch.setattr(server.uvicorn, "run", _must_not_serve)
    return monkeypatch


def _must_not_serve(*args, **kwargs):
    raise AssertionError("the server must not start")


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(argv, out, err), out.getvalue(), err.getvalue()


def test_console_chat_runs_the_conversation_from_stdin():
    lines = (
        "pytorch tutorials on object detection\nonly tensorflow\nmore\nprevious page\nprevious page\nundo\n"
        "/new\ngan papers\nnot keras\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "chat",
            "--catalog",
            str(FIXTURES / "projects.json"),
            "--taxonomy",
            str(FIXTURES / "tags.json"),
        ],
        input=lines,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Understood: tags: #pytorch #tutorial #object-detection" in out
    assert "  1. PyTorch Object Detection Tutorial (2021-03-02)" in out
    assert "(added #tensorflow)" in out
    assert "(next page)" in out and "(previous page)" in out and "This is already the first page." in out
    assert "(undone: back to the search before)" in out
    assert "Starting over — what are you looking for?" in out
    assert "Understood: tags: #generative-adversarial-networks #paper" in out
    assert "(excluded #keras)" in out
    assert "Traceback" not in result.stderr


def test_run_without_tokens_is_the_console_chat(clean_env):
    clean_env.setattr(sys, "stdin", io.StringIO("gan papers\n/quit\nnever read\n"))
    code, out, err = run(["run"])
    assert code == 0
    assert "starting the console chat" in err
    assert "StyleGAN2 Paper" in out and "never read" not in out


@pytest.mark.parametrize("leave", ["/quit", "quit", "Exit"])
def test_the_console_chat_leaves_on_the_words_a_terminal_user_types(clean_env, leave):
    clean_env.setattr(sys, "stdin", io.StringIO(f"gan papers\n{leave}\nnever read\n"))
    code, out, _ = run(["run"])
    assert code == 0 and "StyleGAN2 Paper" in out and "never read" not in out and "could not tell" not in out


def test_serve_names_the_missing_setting(clean_env):
    clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-123")
    code, _, err = run(["serve", "--http"])
    assert code == 2
    assert err.strip().splitlines() == [
        "error: missing setting SLACK_SIGNING_SECRET: HTTP mode verifies requests with it (see .env.example)"
    ]
    clean_env.delenv("SLACK_BOT_TOKEN")
    code, _, err = run(["serve"])
    assert code == 2 and "missing setting SLACK_BOT_TOKEN" in err


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("PORT", "eighty", "invalid setting PORT"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token-secret", "invalid setting SLACK_BOT_TOKEN: must start with 'xoxb-'"),
        ("SLACK_API_URL", "ftp://example", "invalid setting SLACK_API_URL"),
        ("LOG_LEVEL", "chatty", "invalid setting LOG_LEVEL"),
        ("PROJECT_URL_TEMPLATE", "https://madewithml.com/projects/", "invalid setting PROJECT_URL_TEMPLATE: must be an http"),
        ("LOG_FORMAT", "xml", "invalid setting LOG_FORMAT"),
    ],
)
def test_invalid_settings_are_one_line_and_exit_2(clean_env, name, value, expected):
    clean_env.setenv(name, value)
    code, _, err = run(["serve", "--http"])
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and expected in err
    assert "secret" not in err.replace("SIGNING_SECRET", "")


def test_an_unusable_state_database_is_exit_2(clean_env, tmp_path):
    (tmp_path / "state.sqlite3").write_bytes(b"not a database" * 100)
    clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-123")
    clean_env.setenv("SLACK_SIGNING_SECRET", "s")
    code, _, err = run(["serve", "--http", "--port", str(free_port())])
    assert code == 2 and "cannot open the state database" in err


def test_a_token_slack_refuses_is_exit_2(clean_env):
    with FakeSlack() as fake:
        fake.inject("auth.test", Fault(error="invalid_auth"))
        clean_env.setenv("SLACK_API_URL", fake.api_url)
        clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-revoked-token")
        clean_env.setenv("SLACK_SIGNING_SECRET", "s")
        code, _, err = run(["serve", "--http", "--port", str(free_port())])
    assert code == 2 and "Slack did not accept SLACK_BOT_TOKEN" in err and "invalid_auth" in err
    assert "xoxb-revoked-token" not in err


def test_serve_uses_socket_mode_when_the_app_token_is_set(clean_env):
    started = []

    def start(handler):
        started.append(handler)

    clean_env.setattr(server.SocketModeHandler, "start", start)
    with FakeSlack() as fake:
        clean_env.setenv("SLACK_API_URL", fake.api_url)
        clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-123")
        clean_env.setenv("SLACK_APP_TOKEN", "xapp-456")
        code, _, err = run(["serve"])
        assert fake.calls("auth.test")
        api_url = fake.api_url
    assert code == 0, err
    [handler] = started
    assert handler.app_token == "xapp-456"
    assert handler.client.web_client.base_url == api_url


def test_run_with_a_bot_token_serves_and_names_what_is_missing(clean_env):
    clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-123")
    code, _, err = run(["run"])
    assert code == 2 and "missing setting SLACK_SIGNING_SECRET" in err


def test_console_chat_links_projects_without_a_url_through_the_template():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "chat",
            "--catalog",
            str(FIXTURES / "projects.json"),
            "--taxonomy",
            str(FIXTURES / "tags.json"),
        ],
        input="recommender systems tutorial\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "PROJECT_URL_TEMPLATE": "https://madewithml.com/projects/{id}"},
    )
    assert result.returncode == 0, result.stderr
    assert "https://madewithml.com/projects/30" in result.stdout
