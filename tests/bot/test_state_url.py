"""STATE_URL: which store `serve` uses, `--workers`, and bad values as one line with exit 2."""

from __future__ import annotations

import pytest

from bot.redis_store import RedisStateStore
from bot.settings import load_settings
from bot.sqlite_store import SQLiteStateStore
from bot.stores import open_store
from tests.bot.test_cli_modes import clean_env, run  # noqa: F401 (clean_env is a fixture)
from tests.support import free_port
from tests.support.redis_db import REDIS_URL, redis_namespace


@pytest.fixture
def http_env(clean_env):  # noqa: F811 (the imported fixture)
    clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-123")
    clean_env.setenv("SLACK_SIGNING_SECRET", "s")
    clean_env.delenv("STATE_URL", raising=False)
    return clean_env


def test_state_url_selects_redis_and_its_absence_the_sqlite_file(tmp_path):
    with redis_namespace() as prefix:
        store = open_store(load_settings(state_url=REDIS_URL, state_prefix=prefix, state_db_path=tmp_path / "unused.sqlite3"))
        try:
            assert isinstance(store, RedisStateStore) and store.prefix == prefix
        finally:
            store.close()
    assert not (tmp_path / "unused.sqlite3").exists()
    store = open_store(load_settings(state_url="", state_db_path=tmp_path / "state.sqlite3"))
    try:
        assert isinstance(store, SQLiteStateStore) and (tmp_path / "state.sqlite3").exists()
    finally:
        store.close()


@pytest.mark.parametrize("value", ["http://127.0.0.1:6379/0", "127.0.0.1:6379", "postgres://u:hunter2@db/x"])
def test_a_state_url_that_is_not_redis_is_one_line_and_exit_2(http_env, value):
    http_env.setenv("STATE_URL", value)
    code, _, err = run(["serve", "--http"])
    assert code == 2
    assert err.strip().splitlines() == ["error: invalid setting STATE_URL: must be a Redis url such as redis://127.0.0.1:6379/0"]


@pytest.mark.parametrize("argv", [["serve", "--http"], ["serve", "--http", "--workers", "2"], ["run"]])
def test_an_unreachable_redis_is_one_line_and_exit_2_without_the_password(http_env, argv):
    port = free_port()  # nothing listens there
    http_env.setenv("STATE_URL", f"redis://bot:hunter2@127.0.0.1:{port}/0")
    code, _, err = run(argv)
    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith(f"error: cannot reach the state store at redis://127.0.0.1:{port}/0: "), line
    assert "hunter2" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv, expected",
    [
        (
            ["serve", "--http", "--workers", "2"],
            "error: --workers 2 needs STATE_URL (a Redis server): the SQLite state file cannot be shared by worker processes",
        ),
        (["serve", "--http", "--workers", "0"], "error: --workers must be at least 1"),
    ],
)
def test_workers_need_redis_and_a_positive_count(http_env, argv, expected):
    code, _, err = run(argv)
    assert code == 2 and err.strip().splitlines() == [expected]


def test_workers_are_refused_in_socket_mode(http_env):
    http_env.setenv("SLACK_APP_TOKEN", "xapp-456")
    http_env.setenv("STATE_URL", REDIS_URL)
    code, _, err = run(["serve", "--workers", "2"])
    assert code == 2 and err.strip().splitlines() == [
        "error: --workers is for HTTP mode (--http); for Socket Mode start several processes instead"
    ]
