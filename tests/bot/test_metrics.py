"""GET /metrics: Prometheus text that prometheus-client's own parser reads, and that moves as
the real bot (over HTTP, against the fake Slack) serves requests; METRICS=false,
--metrics-port, and multiprocess mode with several workers behind one scrape."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support import BotHarness, BotServer, FakeSlack, Fault, bot_env, free_port, mention_event

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROJECTS = len(json.loads((FIXTURES / "projects.json").read_text()))
START_TIMEOUT = 30

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Samples:
    with urllib.request.urlopen(url + "/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode("utf-8")
    return {
        (s.name, frozenset(s.labels.items())): s.value for family in text_string_to_metric_families(text) for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_metrics_move_as_requests_are_served(harness: BotHarness, fake: FakeSlack):
    url = harness.bot.url
    before = scrape(url)

    event = mention_event("gan papers")
    harness.expect_reply(lambda: harness.slack.event(event, event_id="Ev0METRICS"), "C0CHAN")
    assert harness.slack.event(event, event_id="Ev0METRICS", retry_num=1).status == 200  # Slack's retry
    assert harness.slack.post(b"{}", "application/json", secret="wrong-secret").status == 401
    fake.inject("chat.postMessage", Fault(status=500))  # retried once, then posted
    harness.dm("transformers")
    fake.inject("chat.postMessage", Fault(error="internal_error", when=lambda body: body.get("channel") == "C0FAIL"))
    assert harness.slack.event(mention_event("gan papers", channel="C0FAIL")).status == 200
    fake.wait_for("chat.postEphemeral")  # the apology: that answer failed
    harness.settle()
    harness.wait_idle()  # the fake sees a post before the bot has counted its answer

    after = scrape(url)
    assert moved(before, after, "findproject_requests_total", surface="mention", outcome="accepted") == 2
    assert moved(before, after, "findproject_requests_total", surface="mention", outcome="duplicate") == 1
    assert moved(before, after, "findproject_requests_total", surface="unknown", outcome="refused") == 1
    assert moved(before, after, "findproject_requests_total", surface="message", outcome="accepted") == 2  # dm, settle
    assert moved(before, after, "findproject_dedupe_hits_total", kind="request") == 1
    assert moved(before, after, "findproject_replies_total", surface="mention", outcome="handled") == 1
    assert moved(before, after, "findproject_replies_total", surface="mention", outcome="failed") == 1
    assert moved(before, after, "findproject_reply_seconds_count", surface="mention") == 2
    assert moved(before, after, "findproject_ack_seconds_count") == 6
    assert moved(before, after, "findproject_search_seconds_count") >= 4
    assert moved(before, after, "findproject_slack_api_calls_total", method="chat.postMessage", result="ok") == 3
    assert moved(before, after, "findproject_slack_api_calls_total", method="chat.postMessage", result="internal_error") == 1
    assert moved(before, after, "findproject_slack_api_retries_total", method="chat.postMessage", reason="server_error") == 1
    assert value(after, "findproject_catalog_projects") == PROJECTS


def test_metrics_false_turns_the_endpoint_off(fake: FakeSlack, tmp_path: Path):
    with BotServer(bot_env(fake, tmp_path, METRICS="false")) as bot:
        assert status_of(bot.url + "/metrics") == 404
        assert status_of(bot.url + "/healthz") == 200


def test_workers_share_one_scrape_in_multiprocess_mode_including_journal_replays(fake: FakeSlack, tmp_path: Path):
    """Two `serve` processes with one PROMETHEUS_MULTIPROC_DIR: either one's scrape covers both,
    and what a killed worker counted, and what its restart replayed, stays in it."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    metrics_port = free_port()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = BotServer(
        bot_env(fake, tmp_path / "a", PROMETHEUS_MULTIPROC_DIR=str(shared)),
        subprocess=True,
        args=("--metrics-port", str(metrics_port)),
    )
    second = BotServer(bot_env(fake, tmp_path / "b", PROMETHEUS_MULTIPROC_DIR=str(shared)), subprocess=True)
    try:
        first.start(START_TIMEOUT)
        second.start(START_TIMEOUT)
        assert status_of(first.url + "/metrics") == 404, "--metrics-port moved it off the Slack port"
        BotHarness(fake, first).mention("gan papers")
        to_second = BotHarness(fake, second)
        to_second.mention("object detection")

        release = threading.Event()
        cut = Fault(hold=release, error="never_seen", when=lambda body: body.get("channel") == "C0CUT")
        fake.inject("chat.postMessage", cut)
        assert to_second.slack.event(mention_event("gan papers", channel="C0CUT")).status == 200
        assert cut.arrived.wait(10)
        second.kill()
        release.set()
        second.start(START_TIMEOUT)  # replays the request the killed worker had not answered
        fake.wait_for("chat.postMessage", where=lambda c: c.body["channel"] == "C0CUT" and c.answer.get("ok"))

        for url in (f"http://127.0.0.1:{metrics_port}", second.url):
            samples = scrape(url)
            assert value(samples, "findproject_requests_total", surface="mention", outcome="accepted") == 4
            assert value(samples, "findproject_journal_replays_total", result="replayed") == 1
            assert value(samples, "findproject_catalog_projects") == PROJECTS
    finally:
        first.stop()
        second.stop()


@pytest.mark.parametrize(
    "setting, message",
    [
        ({"PROMETHEUS_MULTIPROC_DIR": "/nonexistent/findproject"}, "invalid setting PROMETHEUS_MULTIPROC_DIR"),
        ({"METRICS_PORT": "0"}, "invalid setting METRICS_PORT"),
    ],
)
def test_bad_metrics_settings_are_one_line_and_exit_2(fake: FakeSlack, tmp_path: Path, setting, message):
    bot = BotServer(bot_env(fake, tmp_path, **setting), subprocess=True)
    with pytest.raises(RuntimeError, match="exited with 2"):
        bot.start(START_TIMEOUT)
    lines = bot.output().strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in bot.output()
