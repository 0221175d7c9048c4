"""Progress bars: on a terminal for a large catalog, with a count and a rate; never in a pipe,
never with --json, never on stdout. The CLI runs as a subprocess whose stderr is a real
pseudo-terminal (or a pipe)."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from retrieval.progress import MIN_ITEMS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def large_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("catalog") / "projects.json"
    projects = [
        {"id": n, "title": f"GAN project {n}", "description": "a generative adversarial network", "tags": ["gan"]}
        for n in range(MIN_ITEMS)
    ]
    path.write_text(json.dumps(projects))
    return path


def _search(catalog: Path, *args: str, terminal: bool) -> tuple[str, str]:
    """(stdout, stderr) of `findproject search`, with stderr on a pseudo-terminal or a pipe."""
    command = [sys.executable, "-m", "bot", "search", "gan", "--catalog", str(catalog), *args]
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    if not terminal:
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout, result.stderr
    master, slave = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, cwd=ROOT, env=env)
    os.close(slave)
    chunks: list[bytes] = []

    def read_terminal() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the process closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read_terminal)
    reader.start()
    stdout, _ = process.communicate(timeout=120)
    reader.join(10)
    os.close(master)
    assert process.returncode == 0, b"".join(chunks)
    return stdout.decode(), b"".join(chunks).decode(errors="replace")


def test_a_terminal_shows_bars_with_a_count_and_a_rate_on_stderr_only(large_catalog: Path):
    stdout, stderr = _search(large_catalog, terminal=True)
    for bar in ("validating projects", "indexing projects"):
        assert bar in stderr
    assert f"{MIN_ITEMS}/{MIN_ITEMS}" in stderr
    assert re.search(r"\d[\d,]*/s", stderr), "a rate"
    assert "1. GAN project" in stdout
    assert "projects" not in stdout.split("Understood", 1)[0] and "\x1b" not in stdout


def test_no_bar_when_stderr_is_not_a_terminal(large_catalog: Path):
    stdout, stderr = _search(large_catalog, terminal=False)
    assert stderr == ""
    assert "1. GAN project" in stdout and "\x1b" not in stdout


def test_no_bar_with_json_even_on_a_terminal(large_catalog: Path):
    stdout, stderr = _search(large_catalog, "--json", terminal=True)
    assert "validating" not in stderr and "indexing" not in stderr
    assert json.loads(stdout)["total"] == MIN_ITEMS
