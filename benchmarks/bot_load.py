"""Bot load benchmark: the real bot in HTTP mode under a Slack-shaped load, on loopback.

    python benchmarks/bot_load.py                      # 2,000 requests at concurrency 50, 2k catalog
    python benchmarks/bot_load.py --requests 200 --concurrency 10 --startup-runs 3

Three processes share the machine:

- the fake Slack Web API (tests.support.FakeSlack) runs in its own process and streams
  one line per call it receives (method, channel, thread, ts, arrival time, the posted
  message) to this one, so the load generator and the fake never share a GIL;
- the bot runs as ``python -m bot serve --http`` (tests.support.BotServer, output to a log
  file) with the Made With ML catalog (2,032 projects) and its default settings;
- this process is the load generator: one asyncio loop, ``--concurrency`` keep-alive
  connections, correctly signed requests (tests.support builders and ``sign``).

The load is conversations. A new one starts with a mention (answered in the mention's
thread) or a slash command (answered in its channel, which is unique per conversation so
the answer can be matched), with a request from benchmarks/bench_requests.py. Once the
bot's answer has arrived at the fake (and the fake has answered the post, so the message
exists), the conversation may go on, 0-3 times, with a thread refinement ("only pytorch",
"more"...) or a click on one of the buttons of the bot's latest message (the real
block_actions value the bot sent). One conversation never has two requests outstanding,
so each answer is matched to the request that caused it. The answer is the first
``chat.postMessage`` (or ``chat.update``) in that thread, or a post to the request's own
``response_url``.

Two meanings of "concurrency N" (``--modes``, both by default):

- ``answer``: a request is in flight until it is answered. N users each send a request,
  wait for the bot's answer, and go on (a follow-up in the same conversation, or a new
  one). This is how people use the bot, and what the targets are judged on.
- ``ack``: a request is in flight until it is acknowledged. N connections each send the
  next request as soon as the last one is acked (a follow-up whose answer has arrived,
  else a new conversation). Acks are much cheaper than answers, so this saturates the
  ack path and the answers queue up behind it: it shows the ack capacity and what an
  overload does to the reply latency.

Measured per request: the ack latency (send to the end of the HTTP response) and the
reply latency (send to the answer's arrival at the fake; both clocks are the system's
CLOCK_MONOTONIC). Lost = no answer within ``--drain`` seconds after the last ack;
duplicate = every answer beyond the first (plus answers matching no request).

The baseline in the same run is benchmarks/bot_echo.py: the same uvicorn options, the
same signature check and Slack client, but no Bolt, no search, no state and no blocks;
it answers every request with one canned post. It shows what the harness, the HTTP stack
and the Slack client cost on this machine, so "bot / echo" is the bot's own overhead.

Several worker processes (``--workers 1,2`` with ``--state-url redis://…``): one bot phase
per worker count, side by side in one run, each ``serve --http --workers N`` (1: plain
``serve --http``) on the Redis state store under a key prefix of its own, deleted after
the phase. The report gives the answers/s of N workers over 1 worker; the CPU of the bot
is its whole process tree's, and Redis's own CPU is shown apart when it runs here.

Start-up: ``--startup-runs`` fresh processes each for the bot and the echo baseline, from
``Popen`` to the first ``GET /healthz`` 200 (catalog loaded, index built, app built after
auth.test, uvicorn listening), polled every 20 ms (tests.support.BotServer).

Everything is bounded: each request times out after ``--request-timeout`` s, the drain
after ``--drain`` s, the whole run after ``--timeout`` s; the servers get SIGTERM (then
SIGKILL) and the fake exits when this process closes its stdin or dies.
"""

from __future__ import annotations

import argparse
import asyncio
import http.server
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support import (  # noqa: E402
    SIGNING_SECRET,
    BotServer,
    FakeSlack,
    bot_env,
    click_form,
    command_form,
    event_callback,
    mention_event,
    message_event,
    next_ts,
    sign,
)

DEFAULT_CATALOG = ROOT.parent / "shared" / "data" / "madewithml"
FAKE_FLAG = "--serve-fake"
REFINEMENTS = [
    "only pytorch",
    "not videos",
    "more",
    "newest first",
    "without tensorflow",
    "only tutorials",
    "also code",
    "papers only",
    "next page",
    "no keras",
    "with notebooks",
    "only tensorflow",
    "not papers",
    "more",
    "drop pytorch",
    "only computer vision",
]
FALLBACK_REQUESTS = [
    "pytorch tutorials on object detection, not yolo",
    "newest GAN papers",
    "transformers for text classification",
    "reinforcement learning",
    "time series forecasting",
]
USAGE_PREFIX = "How to use"  # bot.blocks.usage: the answer to a request with no words (e.g. "learning")
TARGETS = {"ack_p99": 0.300, "reply_p99": 1.0, "rps": 100.0, "workers_gain": 1.7}
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- the fake Slack API, in its own process ------------------------------------------


class StreamingFake(FakeSlack):
    """FakeSlack that writes one JSON line per call to stdout instead of keeping it."""

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()
        self._out = threading.Lock()
        self.service = [0, 0.0, 0.0]  # calls, total and max seconds from handler start to reply sent

    def _handle(self, request: Any) -> None:
        """The line goes out once the answer is written: only then does the message exist
        for users (and for the load generator's follow-ups); ``at`` is the arrival."""
        start = self._local.start = time.monotonic()
        self._local.call = None
        super()._handle(request)
        spent = time.monotonic() - start
        call = self._local.call
        line = (
            ""
            if call is None
            else json.dumps(
                [
                    call.method,
                    call.body.get("channel"),
                    call.body.get("thread_ts"),
                    call.answer.get("ts"),
                    call.path,
                    start,
                    call.answer.get("message") if call.method in ("chat.postMessage", "chat.update") else None,
                ]
            )
        )
        with self._out:
            self.service[0] += 1
            self.service[1] += spent
            self.service[2] = max(self.service[2], spent)
            if line:
                sys.stdout.write(line + "\n")
                sys.stdout.flush()

    def _record(self, call: Any) -> None:
        self._local.call = call


def serve_fake() -> int:
    # socketserver listens with a backlog of 5: the bot's reply threads open a connection
    # per call, and a SYN dropped from a full backlog costs a 1 s retransmit. Only this
    # process serves, so a deeper backlog here is the fake's, not the bot's, concern.
    http.server.ThreadingHTTPServer.request_queue_size = 1024
    fake = StreamingFake().start()
    sys.stdout.write(f"PORT {fake.base_url.rsplit(':', 1)[1]}\n")
    sys.stdout.flush()
    sys.stdin.read()  # until the benchmark closes stdin or dies
    fake.stop()
    calls, total, worst = fake.service
    sys.stdout.write(
        json.dumps({"summary": {"calls": calls, "service_mean": total / max(calls, 1), "service_max": worst}}) + "\n"
    )
    sys.stdout.flush()
    return 0


class FakeProcess:
    """The fake's process and the task that reads its lines and hands them to the run they belong to."""

    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.port = 0
        self.runs: dict[str, LoadRun] = {}
        self.summary: dict[str, Any] = {}
        self.stray = 0
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> FakeProcess:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, FAKE_FLAG, stdin=subprocess.PIPE, stdout=subprocess.PIPE, limit=16 << 20
        )
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 20)
        if not line.startswith(b"PORT "):
            raise RuntimeError(f"the fake Slack did not start: {line!r}")
        self.port = int(line.split()[1])
        self._reader = asyncio.create_task(self._read())
        return self

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        while line := await self.process.stdout.readline():
            record = json.loads(line)
            if isinstance(record, dict):
                self.summary = record.get("summary", {})
                continue
            method, channel, _thread, _ts, path, _at, _message = record
            name = channel if method != "response_url" else path.rsplit("/", 1)[-1]
            run = self.runs.get((name or "")[:2])
            if run is not None:
                run.on_call(*record)
            elif method not in ("auth.test",):
                self.stray += 1

    async def stop(self) -> None:
        if self.process is None:
            return
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
            if self._reader is not None:
                await asyncio.wait_for(self._reader, 5)
        except asyncio.TimeoutError:
            self.process.kill()
            await self.process.wait()

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid) if self.process else 0.0


# ---- the servers under test ----------------------------------------------------------


class LoggedServer(BotServer):
    """tests.support.BotServer for any command, with its output in a file (a pipe nobody
    reads could fill up and stall the server under load)."""

    def __init__(self, env: dict[str, str], command: list[str], log_path: Path):
        super().__init__(env, subprocess=True)
        self._command = [*command, "--host", "127.0.0.1", "--port", str(self.port)]
        self.log_path = log_path

    def command(self) -> list[str]:
        return self._command

    def wait_healthy(self, timeout: float) -> None:
        try:
            super().wait_healthy(timeout)
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{exc}\n--- {self.log_path} ---\n{tail}") from None

    def cpu(self) -> float:
        """CPU of the server and its worker processes (``--workers``)."""
        return sum(cpu_seconds(pid) for pid in process_tree(self.process.pid)) if self.process else 0.0


@dataclass
class Target:
    name: str
    command: list[str]
    env: dict[str, str]


def targets(args: argparse.Namespace, api_url: str, work: Path) -> tuple[list[Target], Target]:
    """The bot once per worker count (named "bot", "bot x2", …), and the echo baseline."""
    catalog = Path(args.catalog)
    env = bot_env(
        SimpleNamespace(api_url=api_url),
        work,
        CATALOG_PATH=str(catalog / "projects.json"),
        TAXONOMY_PATH=str(catalog / "tags.json"),
        LOG_LEVEL="WARNING",
    )
    env.pop("LISTENER_THREADS")  # the tests pin 1 thread; the benchmark runs the default
    if args.listener_threads:
        env["LISTENER_THREADS"] = str(args.listener_threads)
    serve = [sys.executable, "-m", "bot", "serve", "--http"]
    bots = [
        Target(
            "bot" if n == 1 else f"bot x{n}",
            serve + (["--workers", str(n)] if n > 1 else []),
            {**env, "STATE_URL": args.state_url} if args.state_url else env,
        )
        for n in args.workers
    ]
    echo = Target("echo", [sys.executable, str(ROOT / "benchmarks" / "bot_echo.py")], env)
    return bots, echo


def start(target: Target, work: Path, tag: str) -> LoggedServer:
    """A fresh server with state of its own: a new SQLite file, or a new Redis key prefix."""
    state = Path(tempfile.mkdtemp(prefix=f"{target.name.replace(' ', '')}-{tag}-", dir=work))
    env = {**target.env, "STATE_DB_PATH": str(state / "state.sqlite3"), "STATE_PREFIX": f"bench-{uuid.uuid4().hex}"}
    return LoggedServer(env, target.command, state / "server.log").start(timeout=60)


def forget_state(server: LoggedServer) -> None:
    """Delete the Redis keys a phase wrote (its own prefix only; never a flush)."""
    url = server.env.get("STATE_URL")
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=server.env["STATE_PREFIX"] + ":*", count=1000))
        for first in range(0, len(keys), 500):
            client.delete(*keys[first : first + 500])
    finally:
        client.close()


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it (uvicorn's workers and their helpers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo += children.get(tree[-1], [])
    return tree


def redis_pid() -> int | None:
    """The local redis-server's pid, to show its CPU apart (None when it does not run here)."""
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "redis-server":
                return int(comm.parent.name)
        except OSError:
            continue
    return None


def measure_startup(target: Target, work: Path, runs: int) -> dict[str, list[float]]:
    """Wall time from Popen to the first healthy /healthz, and the CPU time the process had
    used by then (which other processes' load on the machine does not inflate much)."""
    times: dict[str, list[float]] = {"wall": [], "cpu": []}
    for run in range(runs):
        began = time.perf_counter()
        server = start(target, work, f"startup{run}")
        times["wall"].append(time.perf_counter() - began)
        times["cpu"].append(server.cpu())
        server.stop()
    return times


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used (all cores, from /proc/stat)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLK_TCK


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


# ---- the load ------------------------------------------------------------------------


@dataclass
class Request:
    kind: str
    opened_by: str = ""  # the request that started the conversation: mention or command
    sent: float = 0.0
    ack: float | None = None
    status: int | None = None
    replies: list[float] = field(default_factory=list)
    answered: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Conversation:
    channel: str
    follow_ups: int
    root: str | None = None  # the thread its answers go to (known at once for a mention)
    outstanding: Request | None = None
    last: Request | None = None
    message: dict[str, Any] | None = None  # the bot's latest message in the thread


class LoadRun:
    """One phase of load against one server; ``prefix`` (two characters) tags its channels."""

    def __init__(
        self,
        prefix: str,
        port: int,
        fake: FakeProcess,
        total: int,
        concurrency: int,
        seed: int,
        texts: list[str],
        timeout: float,
        mode: str = "answer",
    ):
        self.prefix, self.port, self.fake = prefix, port, fake
        self.total, self.concurrency, self.timeout, self.mode = total, concurrency, timeout, mode
        self.rng = random.Random(seed)
        self.texts = texts
        self.requests: list[Request] = []
        self.by_thread: dict[tuple[str, str], Conversation] = {}
        self.by_channel: dict[str, Conversation] = {}
        self.by_response: dict[str, tuple[Conversation, Request]] = {}
        self.ready: deque[Conversation] = deque()
        self.unmatched = 0
        self.errors: Counter[str] = Counter()
        self.conversations = 0
        fake.runs[prefix] = self

    # -- answers arriving at the fake --

    def on_call(
        self,
        method: str,
        channel: str | None,
        thread: str | None,
        ts: str | None,
        path: str,
        at: float,
        message: dict[str, Any] | None,
    ) -> None:
        if method == "response_url":
            found = self.by_response.get(path.rsplit("/", 1)[-1])
            if found is None:
                self.unmatched += 1
            else:
                self._answered(found[0], found[1], at, None)
            return
        if method not in ("chat.postMessage", "chat.update") or channel is None:
            return
        conversation = self.by_thread.get((channel, thread)) if thread else self.by_channel.get(channel)
        if conversation is None:
            self.unmatched += 1
            return
        if conversation.root is None and ts:  # a slash command's answer starts its thread
            conversation.root = ts
            self.by_thread[(channel, ts)] = conversation
        request = conversation.outstanding or conversation.last
        if request is None:
            self.unmatched += 1
            return
        self._answered(conversation, request, at, message)

    def _answered(self, conversation: Conversation, request: Request, at: float, message: dict[str, Any] | None) -> None:
        request.replies.append(at)
        request.answered.set()
        if conversation.outstanding is not request:
            return  # a duplicate; it does not move the conversation on
        conversation.outstanding = None
        if message is not None:
            conversation.message = message
        if message is not None and str(message.get("text", "")).startswith(USAGE_PREFIX):
            conversation.follow_ups = 0  # the usage text (an empty request) opens no conversation
        if self.mode == "ack" and self.continues(conversation):
            self.ready.append(conversation)

    @staticmethod
    def continues(conversation: Conversation | None) -> bool:
        return (
            conversation is not None
            and conversation.follow_ups > 0
            and conversation.root is not None
            and conversation.outstanding is None
        )

    # -- what the next free connection sends --

    def next_request(self, mine: Conversation | None = None) -> tuple[Request, Conversation, bytes] | None:
        """The next request: ``mine`` goes on if it can (answer mode), else the oldest
        conversation whose answer has arrived (ack mode), else a new conversation."""
        if len(self.requests) >= self.total:
            return None
        conversation = mine if self.mode == "answer" and self.continues(mine) else None
        while conversation is None and self.ready:
            ready = self.ready.popleft()
            conversation = ready if self.continues(ready) else None
        if conversation is not None:
            conversation.follow_ups -= 1
            buttons = _buttons(conversation.message)
            if buttons and self.rng.random() < 0.5:
                request = Request("click")
                name = self._response_name(conversation, request)
                body = click_form(
                    self.rng.choice(buttons), conversation.message or {}, conversation.channel, self.fake.response_url(name)
                )
                content_type = "application/x-www-form-urlencoded"
            else:
                request = Request("refine")
                event = message_event(self.rng.choice(REFINEMENTS), channel=conversation.channel, thread_ts=conversation.root)
                body, content_type = json.dumps(event_callback(event)), "application/json"
        else:
            self.conversations += 1
            channel = f"{self.prefix}{self.conversations:06d}"
            conversation = Conversation(channel, follow_ups=self.rng.choice([0, 1, 2, 3]))
            text = self.rng.choice(self.texts)
            if self.rng.random() < 0.6:
                request = Request("mention")
                event = mention_event(text, channel=channel, ts=next_ts())
                conversation.root = event["ts"]
                self.by_thread[(channel, event["ts"])] = conversation
                body, content_type = json.dumps(event_callback(event)), "application/json"
            else:
                request = Request("command")
                self.by_channel[channel] = conversation
                name = self._response_name(conversation, request)
                body = command_form(text, self.fake.response_url(name), channel=channel)
                content_type = "application/x-www-form-urlencoded"
        request.opened_by = conversation.last.opened_by if conversation.last else request.kind
        conversation.outstanding = conversation.last = request
        self.requests.append(request)
        data = body.encode("utf-8")
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "Content-Type": content_type,
            "Content-Length": str(len(data)),
            **sign(SIGNING_SECRET, data),
        }
        head = "POST /slack/events HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        return request, conversation, head.encode("latin-1") + data

    def _response_name(self, conversation: Conversation, request: Request) -> str:
        name = f"{self.prefix}r{len(self.by_response) + 1}"
        self.by_response[name] = (conversation, request)
        return name

    # -- the connections --

    async def run(self, drain: float) -> None:
        workers = [asyncio.create_task(self._connection()) for _ in range(self.concurrency)]
        await asyncio.gather(*workers)
        deadline = time.monotonic() + drain
        while time.monotonic() < deadline and any(not r.replies for r in self.requests):
            await asyncio.sleep(0.02)
        await asyncio.sleep(min(1.0, drain))  # late duplicates

    async def _connection(self) -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        mine: Conversation | None = None
        try:
            while (item := self.next_request(mine)) is not None:
                request, mine, data = item
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    request.sent = time.monotonic()
                    writer.write(data)
                    status, close = await asyncio.wait_for(_response(reader), self.timeout)  # type: ignore[arg-type]
                    request.ack, request.status = time.monotonic(), status
                    if close:
                        writer.close()
                        reader = writer = None
                except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as exc:
                    self.errors[exc.__class__.__name__] += 1
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    mine = None
                    continue
                if self.mode == "answer":  # this user waits for the answer before doing anything else
                    try:
                        await asyncio.wait_for(request.answered.wait(), self.timeout)
                    except asyncio.TimeoutError:
                        mine = None  # given up on (it counts as lost unless it comes during the drain)
        finally:
            if writer is not None:
                writer.close()


async def _response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response; its status and whether the server closes the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip().lower() for k, v in (line.split(":", 1) for line in lines[1:] if line)}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while (size := int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)) > 0:
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    return status, headers.get("connection") == "close"


def _buttons(message: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [
        element
        for block in (message or {}).get("blocks") or []
        if block.get("type") == "actions"
        for element in block.get("elements", [])
        if element.get("type") == "button"
    ]


# ---- figures -------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 100)) - 1))]


def figures(run: LoadRun, cpu: dict[str, float]) -> dict[str, Any]:
    """The figures of one phase; ``cpu`` is each process's share of one core over the phase."""
    sent = [r for r in run.requests if r.sent]
    acked = [r for r in sent if r.status is not None]
    acks = [r.ack - r.sent for r in acked if r.ack is not None]
    answered = [r for r in sent if r.replies]
    replies = [r.replies[0] - r.sent for r in answered]
    start = min(r.sent for r in sent)
    end_ack = max(r.ack for r in acked if r.ack is not None)
    end_reply = max(r.replies[0] for r in answered) if answered else end_ack
    kinds = Counter(r.kind for r in run.requests)
    per_kind = {}
    for kind in sorted(kinds):
        mine = [r for r in sent if r.kind == kind]
        per_kind[kind] = {
            "count": len(mine),
            "ack_p99": percentile([r.ack - r.sent for r in mine if r.ack is not None], 99),
            "reply_p99": percentile([r.replies[0] - r.sent for r in mine if r.replies], 99),
            "lost": sum(1 for r in mine if not r.replies),
        }
    lost_in = Counter(f"{r.kind} in a {r.opened_by}'s thread" for r in sent if not r.replies)
    window = max(end_reply, end_ack) - start
    return {
        "requests": len(run.requests),
        "conversations": run.conversations,
        "kinds": per_kind,
        "ack_p50": percentile(acks, 50),
        "ack_p99": percentile(acks, 99),
        "ack_max": max(acks, default=float("nan")),
        "reply_p50": percentile(replies, 50),
        "reply_p99": percentile(replies, 99),
        "reply_max": max(replies, default=float("nan")),
        "rps": len(acked) / (end_ack - start),
        "answered_rps": len(answered) / (end_reply - start),
        "lost": len(sent) - len(answered) + (len(run.requests) - len(sent)),
        "duplicates": sum(len(r.replies) - 1 for r in answered) + run.unmatched,
        "not_200": sum(1 for r in acked if r.status != 200) + sum(run.errors.values()),
        "errors": dict(run.errors),
        "lost_in": dict(lost_in),
        "window": window,
        "cpu": cpu,
    }


async def load_phase(
    target: Target, fake: FakeProcess, work: Path, args: argparse.Namespace, prefix: str, texts: list[str], mode: str
) -> dict[str, Any]:
    server = await asyncio.to_thread(start, target, work, "load")
    try:
        if args.warmup:
            warm = LoadRun(
                prefix[0] + "w",
                server.port,
                fake,
                args.warmup,
                min(10, args.concurrency),
                args.seed + 1,
                texts,
                args.request_timeout,
                mode,
            )
            await warm.run(drain=min(5.0, args.drain))
        run = LoadRun(prefix, server.port, fake, args.requests, args.concurrency, args.seed, texts, args.request_timeout, mode)
        store = redis_pid() if server.env.get("STATE_URL") else None

        def sample() -> dict[str, float]:
            return {
                "server": server.cpu(),
                "fake": fake.cpu(),
                "generator": time.process_time(),
                **({"redis": cpu_seconds(store)} if store else {}),
                "machine": machine_busy_seconds(),
                "wall": time.monotonic(),
            }

        before = sample()
        await run.run(drain=args.drain)
        after = sample()
        used = {name: after[name] - before[name] for name in before}
        wall = used.pop("wall")
        machine = used.pop("machine")
        used["other processes"] = max(0.0, machine - sum(used.values()))
        return figures(run, {name: seconds / wall for name, seconds in used.items()})
    finally:
        await asyncio.to_thread(server.stop)
        await asyncio.to_thread(forget_state, server)


async def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bot-load-"))
    texts = request_texts()
    fake = await FakeProcess().start()
    out: dict[str, Any] = {"modes": {}}
    try:
        bots, echo = targets(args, fake.api_url, work)
        if args.startup_runs:
            out["startup"] = {
                name: await asyncio.to_thread(measure_startup, t, work, args.startup_runs)
                for name, t in (("bot", bots[0]), ("echo", echo))
            }
        for number, mode in enumerate(args.modes):
            phases = out["modes"][mode] = {}
            if args.baseline == "echo":
                phases["echo"] = await load_phase(echo, fake, work, args, f"E{number}", texts, mode)
            for index, bot in enumerate(bots):
                phases[bot.name] = await load_phase(bot, fake, work, args, f"{'BCDFGH'[index]}{number}", texts, mode)
    finally:
        await fake.stop()
    out["fake"] = {**fake.summary, "stray": fake.stray}
    return out


def request_texts() -> list[str]:
    """The search benchmark's fixed requests (benchmarks/bench_requests.py) as what people ask for."""
    try:
        from benchmarks.bench_requests import REQUESTS
    except ImportError:
        return FALLBACK_REQUESTS
    return [text for _kind, text in REQUESTS] or FALLBACK_REQUESTS


# ---- report --------------------------------------------------------------------------


def machine() -> str:
    try:
        memory = subprocess.run(["free", "-h"], capture_output=True, text=True, timeout=5).stdout.split("\n")[1].split()[1]
    except (OSError, subprocess.SubprocessError, IndexError):
        memory = "?"
    return f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {memory} RAM, Python {platform.python_version()}"


MODES = {
    "answer": "in flight until answered: each of the N users waits for the bot's answer before its next request",
    "ack": "in flight until acked: each of the N connections sends its next request as soon as the last is acked",
}


def report(out: dict[str, Any], args: argparse.Namespace) -> str:
    ms = lambda s: f"{s * 1000:.0f} ms" if s == s else "n/a"  # noqa: E731
    rows = [
        ("ack p50", "ack_p50", "", ms, None),
        ("ack p99", "ack_p99", "≤ 300 ms", ms, lambda v: v <= TARGETS["ack_p99"]),
        ("reply p50", "reply_p50", "", ms, None),
        ("reply p99", "reply_p99", "≤ 1000 ms", ms, lambda v: v <= TARGETS["reply_p99"]),
        ("requests/s (acked)", "rps", "≥ 100", lambda v: f"{v:.0f}", lambda v: v >= TARGETS["rps"]),
        ("requests/s (answered)", "answered_rps", "≥ 100", lambda v: f"{v:.0f}", lambda v: v >= TARGETS["rps"]),
        ("lost replies", "lost", "0", str, lambda v: v == 0),
        ("duplicate replies", "duplicates", "0", str, lambda v: v == 0),
        ("errors / non-200 acks", "not_200", "0", str, lambda v: v == 0),
    ]
    lines = [
        f"Bot load: {args.requests} requests at concurrency {args.concurrency}, catalog {args.catalog}"
        + (f", state on {args.state_url}" if args.state_url else ""),
        f"machine: {machine()}; bot, fake Slack and load generator share these cores",
    ]
    header = f"| {'figure':<22} | {'bot':>11} | {'target':>9} | {'met':>3} | {'echo baseline':>13} | {'bot/echo':>8} |"
    rule = "|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|"
    for mode, phases in out["modes"].items():
        echo = phases.get("echo")
        bots = {name: result for name, result in phases.items() if name != "echo"}
        for name, bot in bots.items():
            lines += ["", f"{name}: concurrency {args.concurrency} {MODES[mode]} (mode {mode}):", header, rule]
            for label, key, target, fmt, check in rows:
                value = bot[key]
                met = ("yes" if check(value) else "NO") if check else ""
                base = fmt(echo[key]) if echo else "–"
                ratio = f"{value / echo[key]:.2f}" if echo and isinstance(value, float) and echo[key] else ""
                lines.append(f"| {label:<22} | {fmt(value):>11} | {target:>9} | {met:>3} | {base:>13} | {ratio:>8} |")
        if "bot" in bots:
            for name, bot in bots.items():
                if name != "bot":
                    gain = bot["answered_rps"] / bots["bot"]["answered_rps"]
                    lines.append(
                        f"{name} / bot, answers per second ({mode}): {gain:.2f} "
                        f"(target ≥ {TARGETS['workers_gain']} for two workers)"
                    )
        for name, result in [*bots.items(), ("echo", echo)]:
            if not result:
                continue
            kinds = ", ".join(
                f"{k} {v['count']} (ack p99 {ms(v['ack_p99'])}, reply p99 {ms(v['reply_p99'])}, lost {v['lost']})"
                for k, v in result["kinds"].items()
            )
            cpu = ", ".join(f"{k} {v * 100:.0f}%" for k, v in result["cpu"].items())
            lines.append(f"{name}: {result['conversations']} conversations; {kinds}")
            lines.append(
                f"{name}: window {result['window']:.2f} s; CPU over the phase (100% = one core): {cpu}; "
                f"ack max {ms(result['ack_max'])}, reply max {ms(result['reply_max'])}"
                + (f"; errors {result['errors']}" if result["errors"] else "")
                + (f"; lost: {result['lost_in']}" if result["lost_in"] else "")
            )
    if "startup" in out:
        bot_times, echo_times = out["startup"]["bot"]["wall"], out["startup"]["echo"]["wall"]
        bot_cpu, echo_cpu = out["startup"]["bot"]["cpu"], out["startup"]["echo"]["cpu"]
        median = statistics.median(bot_times)
        lines += [
            "",
            f"Start-up to ready (GET /healthz 200), {len(bot_times)} runs each:",
            header,
            rule,
            f"| {'bot median / max':<22} | {median:.2f}/{max(bot_times):.2f} s | {'≤ 1.5 s':>9} | "
            f"{'yes' if max(bot_times) <= 1.5 else ('med' if median <= 1.5 else 'NO'):>3} | "
            f"{statistics.median(echo_times):.2f}/{max(echo_times):.2f} s | "
            f"{median / statistics.median(echo_times):>8.2f} |",
            f"| {'CPU used by then':<22} | {statistics.median(bot_cpu):.2f}/{max(bot_cpu):.2f} s | {'':>9} | "
            f"{'':>3} | {statistics.median(echo_cpu):.2f}/{max(echo_cpu):.2f} s | "
            f"{statistics.median(bot_cpu) / statistics.median(echo_cpu):>8.2f} |",
            "runs, wall (s): " + "; ".join(f"{k} " + " ".join(f"{t:.2f}" for t in v["wall"]) for k, v in out["startup"].items()),
        ]
    fake = out.get("fake") or {}
    if fake.get("calls"):
        lines.append(
            f"fake Slack: {fake['calls']} calls, service time mean {fake['service_mean'] * 1000:.2f} ms, "
            f"max {fake['service_max'] * 1000:.1f} ms; calls matching no run: {fake['stray']}"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Load the Slack bot over HTTP and report ack/reply latency.")
    parser.add_argument("--requests", type=int, default=2000, help="measured requests (default 2000)")
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight (default 50)")
    parser.add_argument(
        "--modes",
        default="answer,ack",
        help="comma-separated: answer (a request is in flight until answered), "
        "ack (until acked: saturates the ack path); default answer,ack",
    )
    parser.add_argument(
        "--catalog",
        default=str(DEFAULT_CATALOG),
        help="directory with projects.json and tags.json (default: the Made With ML catalog)",
    )
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured requests first (default 50)")
    parser.add_argument("--baseline", choices=["echo", "none"], default="echo")
    parser.add_argument("--startup-runs", type=int, default=10, help="start-up measurements per server (0: skip)")
    parser.add_argument(
        "--workers", default="1", help="comma-separated worker counts, one bot phase each (default 1); above 1 needs --state-url"
    )
    parser.add_argument(
        "--state-url",
        help="STATE_URL for every bot phase (a Redis url); each phase uses a key prefix of its own and deletes it afterwards",
    )
    parser.add_argument("--listener-threads", type=int, help="LISTENER_THREADS for the bot (default: its own)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--request-timeout", type=float, default=10.0)
    parser.add_argument("--drain", type=float, default=15.0, help="seconds to wait for the last answers")
    parser.add_argument("--timeout", type=float, default=540.0, help="the whole run's limit in seconds")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not args.modes or any(m not in MODES for m in args.modes):
        parser.error(f"--modes takes a comma-separated list of {', '.join(MODES)}")
    try:
        args.workers = [int(n) for n in args.workers.split(",") if n.strip()]
    except ValueError:
        parser.error("--workers takes a comma-separated list of numbers, such as 1,2")
    if not args.workers or min(args.workers) < 1:
        parser.error("--workers takes numbers of at least 1")
    if max(args.workers) > 1 and not args.state_url:
        parser.error("--workers above 1 needs --state-url (a Redis server): the workers share the state there")
    if args.requests < 1 or args.concurrency < 1:
        parser.error("--requests and --concurrency must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [FAKE_FLAG]:
        return serve_fake()
    args = parse_args(argv)
    catalog = Path(args.catalog)
    if not (catalog / "projects.json").exists():
        print(f"error: no projects.json in {catalog}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    out = asyncio.run(asyncio.wait_for(benchmark(args), args.timeout))
    print(report(out, args))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    bots = [result for phases in out["modes"].values() for name, result in phases.items() if name != "echo"]
    return 0 if all(b["lost"] == 0 and b["duplicates"] == 0 and b["not_200"] == 0 for b in bots) else 1


if __name__ == "__main__":
    raise SystemExit(main())
