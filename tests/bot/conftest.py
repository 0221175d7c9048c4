"""Fixtures: a fake Slack and the real bot over HTTP, fresh for every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import BotHarness, BotServer, FakeSlack, bot_env
from tests.support.checks import LogWatch

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def logs() -> Iterator[LogWatch]:
    """What the bot logged during the test (it runs in this process)."""
    with LogWatch() as watch:
        yield watch


@pytest.fixture
def harness(fake: FakeSlack, tmp_path: Path) -> Iterator[BotHarness]:
    with BotServer(bot_env(fake, tmp_path)) as bot:
        yield BotHarness(fake, bot)


@pytest.fixture(scope="session")
def engine():
    from retrieval.engine import SearchEngine

    return SearchEngine.from_paths(FIXTURES / "projects.json", FIXTURES / "tags.json")
