"""Restarts and durability: the real bot as a subprocess (``python -m bot serve --http``),
killed with SIGKILL, stopped with SIGTERM, and started on damaged or locked state.

Waiting is always on something observable (a call reaching the fake, a refused
connection, the process exiting), with a deadline; never a fixed sleep.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.sqlite_store import SQLiteStateStore
from bot.store import ThreadKey, ThreadState
from retrieval.models import Query
from tests.support import BotHarness, BotServer, FakeSlack, Fault, bot_env, mention_event, sign
from tests.support.bot_server import ROOT
from tests.support.slack_requests import SIGNING_SECRET

START_TIMEOUT = 30


def _subprocess_bot(fake: FakeSlack, tmp_path: Path, **env: str) -> BotServer:
    return BotServer(bot_env(fake, tmp_path, **env), subprocess=True).start(START_TIMEOUT)


def _refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except OSError:
        return True


def _until(check, timeout: float = 10.0, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _wait_finished(state: Path, claim: str) -> None:
    """Until the bot has marked ``claim`` answered in its state database."""

    def finished() -> bool:
        db = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT done FROM claims WHERE event = ?", (claim,)).fetchone()
        finally:
            db.close()
        return bool(row and row[0])

    _until(finished, what=f"{claim} to be finished")


def test_sigkill_between_a_reply_and_its_refinement_loses_nothing(fake: FakeSlack, tmp_path: Path):
    bot = _subprocess_bot(fake, tmp_path)
    try:
        harness = BotHarness(fake, bot)
        event = mention_event("object detection")
        first = harness.expect_reply(lambda: harness.slack.event(event, event_id="Ev0KILLED"), "C0CHAN")
        _wait_finished(tmp_path / "state.sqlite3", "event:Ev0KILLED")  # the bot has seen Slack accept it
        bot.kill()
        bot.start(START_TIMEOUT)

        refined = harness.reply(first, "only tensorflow")
        assert refined.body["thread_ts"] == first.body["thread_ts"]
        assert "tags: #object-detection #tensorflow" in refined.text
        # A button of the message from before the kill: it acts on that message's own search.
        clicked = harness.click(first, "+ pytorch")
        assert clicked.body["thread_ts"] == first.body["thread_ts"]
        assert "_Added #pytorch_" in clicked.text and "tags: #object-detection #pytorch" in clicked.text

        # Slack retrying the first event after the restart: still a duplicate.
        assert harness.slack.event(event, event_id="Ev0KILLED", retry_num=1).status == 200
        assert harness.slack.event(event, event_id="Ev0KILLED", retry_num=2).status == 200
        harness.settle()
        assert len(harness.posts_in("C0CHAN")) == 3
    finally:
        bot.stop()


def test_requests_cut_off_by_sigkill_are_answered_after_the_restart(fake: FakeSlack, tmp_path: Path):
    """Acknowledged, then killed before the answer reached Slack: the restart answers them, once."""
    bot = _subprocess_bot(fake, tmp_path, LISTENER_THREADS="2")
    try:
        harness = BotHarness(fake, bot)
        release = threading.Event()
        to_thread = Fault(hold=release, error="never_seen", when=lambda body: body.get("channel") == "C0CHAN")
        to_command = Fault(hold=release, error="never_seen", when=lambda body: body.get("channel") == "C0CMD")
        fake.inject("chat.postMessage", to_thread)
        fake.inject("chat.postMessage", to_command)
        event = mention_event("gan papers")
        assert harness.slack.event(event, event_id="Ev0CUTOFF").status == 200
        assert harness.command("transformers papers", channel="C0CMD", user="U0BOB").status == 200
        assert to_thread.arrived.wait(10) and to_command.arrived.wait(10), "both answers were being posted"
        bot.kill()
        release.set()  # Slack never got them: the fake answers errors to a dead process

        bot.start(START_TIMEOUT)
        [reply] = fake.wait_for("chat.postMessage", where=lambda c: c.body["channel"] == "C0CHAN" and c.answer["ok"])
        assert reply.body["thread_ts"] == event["ts"] and "StyleGAN2 Paper" in reply.text
        [answer] = fake.wait_for("chat.postMessage", where=lambda c: c.body["channel"] == "C0CMD" and c.answer["ok"])
        assert "<@U0BOB> searched: _transformers papers_" in answer.text
        assert "answering 2 requests a stopped process had acknowledged but not answered" in bot.output()

        assert harness.slack.event(event, event_id="Ev0CUTOFF", retry_num=1).status == 200
        refined = harness.reply(reply, "only pytorch")  # the replayed answer's thread works
        assert "tags: #generative-adversarial-networks #paper #pytorch" in refined.text
        harness.settle()
        assert [c.body["channel"] for c in fake.posts() if c.body["channel"] != "D0SETTLE"].count("C0CHAN") == 2
        assert len(harness.posts_in("C0CMD")) == 1
    finally:
        bot.stop()


def test_sigterm_stops_accepting_finishes_the_reply_in_flight_closes_the_store_and_exits_0(fake: FakeSlack, tmp_path: Path):
    bot = _subprocess_bot(fake, tmp_path, LOG_LEVEL="INFO")
    harness = BotHarness(fake, bot)
    release = threading.Event()
    held = Fault(hold=release)
    fake.inject("chat.postMessage", held)
    assert harness.slack.event(mention_event("gan papers")).status == 200
    assert held.arrived.wait(10)

    # A request still arriving (headers sent, body not yet) when SIGTERM comes.
    body = json.dumps(
        {"type": "event_callback", "event_id": "Ev0LATE", "team_id": "T0TEAM", "event": mention_event("speech", channel="C0LATE")}
    ).encode()
    late = socket.create_connection(("127.0.0.1", bot.port), timeout=10)
    headers = {
        "Host": "127.0.0.1",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        **sign(SIGNING_SECRET, body),
    }
    late.sendall(
        ("POST /slack/events HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode() + body[:10]
    )

    bot.process.send_signal(signal.SIGTERM)
    _until(lambda: _refused(bot.port), what="the bot to stop accepting connections")
    assert bot.process.poll() is None, "still running: a reply and a request are in flight"

    late.sendall(body[10:])
    assert late.recv(4096).startswith(b"HTTP/1.1 200"), "the request in flight was answered"
    late.close()
    release.set()
    assert bot.process.wait(20) == 0
    [reply] = [c for c in fake.posts() if c.body["channel"] == "C0CHAN"]
    assert "StyleGAN2 Paper" in reply.text, "the reply in flight was finished"
    [late_reply] = [c for c in fake.posts() if c.body["channel"] == "C0LATE"]
    assert "Speech Recognition" in late_reply.text
    assert not (tmp_path / "state.sqlite3-wal").exists(), "the store was closed (its WAL checkpointed away)"
    output = bot.output()
    assert "state store closed" in output and "stopped on SIGTERM" in output and "Traceback" not in output


# ---- the state database at start-up --------------------------------------------------------------


def _serve_once(fake: FakeSlack, tmp_path: Path, state: Path, timeout: float = 40) -> subprocess.CompletedProcess:
    env = {**os.environ, **bot_env(fake, tmp_path, STATE_DB_PATH=str(state))}
    command = [sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1", "--port", "9"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_a_state_database_locked_by_another_process_is_a_clear_start_up_error(fake: FakeSlack, tmp_path: Path):
    state = tmp_path / "state.sqlite3"
    SQLiteStateStore(state, ttl_seconds=3600).close()
    holder = sqlite3.connect(state, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = _serve_once(fake, tmp_path, state)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: cannot open the state database {state}: it is locked by another process "
        f"(waited 5s; is a backup or another tool holding it?)"
    )
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("kind", ["a directory", "under a file", "unreadable"])
def test_an_unusable_state_path_is_a_clear_start_up_error(fake: FakeSlack, tmp_path: Path, kind: str):
    if kind == "a directory":
        state = tmp_path / "state.sqlite3"
        state.mkdir()
    elif kind == "under a file":
        (tmp_path / "afile").write_text("x")
        state = tmp_path / "afile" / "state.sqlite3"
    else:
        if os.geteuid() == 0:
            pytest.skip("root reads any file")
        state = tmp_path / "state.sqlite3"
        SQLiteStateStore(state, ttl_seconds=3600).close()
        state.chmod(0)
    result = _serve_once(fake, tmp_path, state)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: cannot open the state database {state}: "), last
    assert "Traceback" not in result.stderr + result.stdout


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(fake: FakeSlack, tmp_path: Path):
    state = tmp_path / "state.sqlite3"
    state.write_text('{"this": "is the catalog, not the state database"}')
    result = _serve_once(fake, tmp_path, state)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: cannot open the state database {state}: it is not a SQLite database (is STATE_DB_PATH right?)"
    )
    assert state.read_text().startswith('{"this"'), "not moved, not touched"


def _damage_table(path: Path, table: str, leaf: int = 0) -> int:
    """Scribble over one page of ``table`` (its ``leaf``-th leaf); returns how many rows it held."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    pages = db.execute(
        "SELECT pageno, ncell FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno", (table,)
    ).fetchall()
    db.close()
    page, cells = pages[leaf]
    with open(path, "r+b") as handle:
        handle.seek((page - 1) * page_size + 8)
        handle.write(b"\xa5" * (page_size - 16))
    return cells


def test_a_damaged_database_is_moved_aside_and_its_usable_threads_kept(fake: FakeSlack, tmp_path: Path):
    bot = _subprocess_bot(fake, tmp_path)
    harness = BotHarness(fake, bot)
    try:
        first = harness.mention("object detection")
    finally:
        bot.stop()
    state = tmp_path / "state.sqlite3"
    _damage_table(state, "claims")

    bot.start(START_TIMEOUT)
    try:
        output = bot.output()
        assert f"THE STATE DATABASE {state} WAS DAMAGED" in output
        # The thread's state and its first message's state.
        assert "a new one started with the 2 threads and 0 claims that could still be read" in output
        [aside] = [
            p for p in tmp_path.iterdir() if p.name.startswith("state.sqlite3.corrupt-") and not p.name.endswith(("-wal", "-shm"))
        ]
        assert aside.stat().st_size > 0
        refined = harness.reply(first, "only tensorflow")
        assert "tags: #object-detection #tensorflow" in refined.text
        clicked = harness.click(first, "+ pytorch")
        assert "tags: #object-detection #pytorch" in clicked.text
    finally:
        bot.stop()


def test_salvage_keeps_every_thread_on_an_undamaged_page(tmp_path: Path):
    state = tmp_path / "state.sqlite3"
    store = SQLiteStateStore(state, ttl_seconds=3600)
    keys = [ThreadKey("T1", "C1", f"1700000000.{n:06d}") for n in range(400)]
    for n, key in enumerate(keys):
        store.save(key, ThreadState(query=Query(text=f"request {n}", keywords=[f"w{n}"] * 5), page=n % 3))
    store.close()
    lost = _damage_table(state, "threads", leaf=2)

    reopened = SQLiteStateStore(state, ttl_seconds=3600)
    try:
        assert reopened.recovered_from is not None and reopened.recovered_from.exists()
        kept = [key for key in keys if reopened.load(key) is not None]
        assert len(kept) == len(keys) - lost and 0 < lost < 100
        assert all(reopened.load(key).query.text == f"request {keys.index(key)}" for key in kept)
        assert reopened.claim("event:after"), "the new database works"
    finally:
        reopened.close()


def test_a_claim_left_open_by_a_dead_process_is_taken_over_and_a_live_ones_is_not(tmp_path: Path):
    state = tmp_path / "state.sqlite3"
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "from bot.sqlite_store import SQLiteStateStore\n"
                f"s = SQLiteStateStore({str(state)!r}, 3600)\n"
                "assert s.claim('event:Ev0DEAD', '{\"type\": \"event_callback\"}')\n"
                "s.claim('event:Ev0DONE'); s.finish('event:Ev0DONE')\n"
            ),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert child.returncode == 0, child.stderr
    first = SQLiteStateStore(state, ttl_seconds=3600)
    second = SQLiteStateStore(state, ttl_seconds=3600)  # another live store (process) on the same file
    try:
        assert [c.event for c in first.abandoned()] == ["event:Ev0DEAD"]
        assert first.claim("event:Ev0DEAD"), "its owner is gone: taken over"
        assert not second.claim("event:Ev0DEAD"), "now owned by a live store"
        assert not first.claim("event:Ev0DONE") and not second.claim("event:Ev0DONE"), "finished stays finished"
        assert first.abandoned() == []
    finally:
        first.close()
        second.close()
