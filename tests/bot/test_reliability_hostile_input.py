"""Hostile input: HTTP requests, user text and catalog text.

- Hostile HTTP requests each get the right 4xx or a harmless 200, and nobody gets a reply.
- Hostile user text is fuzzed with hypothesis through the real parser, conversation,
  builders and escaper (many examples, in-process), and through the real bot over HTTP
  (fewer): every message stays inside Block Kit's limits, holds no mention or link that
  was not built from a catalog url (or the asker's id), and the bot always answers.
- Hostile catalog text (titles, descriptions and tags holding the same strings) is
  rendered inert, in every kind of message the bot sends.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.blocks import build, plain
from bot.conversation import Conversation, save
from bot.events import Click, Event, Mention, ThreadReply
from bot.formatting import ELLIPSIS, escape, escaped
from bot.listeners.commands import HELP_WORDS
from bot.outcomes import ACTION_TEXT_CHARS, Action, Outcome, Turn
from bot.presentation import Presentation
from bot.slack_text import read
from bot.sqlite_store import SQLiteStateStore
from bot.store import ThreadKey
from retrieval.engine import SearchEngine
from tests.support import (
    SIGNING_SECRET,
    TEAM_ID,
    BotHarness,
    BotServer,
    Call,
    FakeSlack,
    Fault,
    bot_env,
    click_form,
    command_form,
    event_callback,
    mention_event,
    message_event,
    next_ts,
    sign,
)
from tests.support.checks import limit_problems, message_problems, unsafe_markup

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CATALOG_URLS = {p["url"] for p in json.loads((FIXTURES / "projects.json").read_text()) if p.get("url")}
ASKER = "U0ALICE"
HOSTILE = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123>",
    "<@U0BOT>",
    "<#C123>",
    "<#C123|general>",
    "<https://evil.example|click>",
    "<https://evil.example>",
    "<mailto:x@evil.example|mail>",
    "@channel",
    "@here",
    "&lt;",
    "&amp;",
    "&",
    "<",
    ">",
    "|",
    "*bold*",
    "_it_",
    "~strike~",
    "`code`",
    "```block```",
    "> quote",
    "\n",
    "\r\n",
    "\t",
    "\x00",
    "\x1b[31m",
    "\x7f",
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u061c",
    "\u0645\u0631\u062d\u0628\u0627",
    "😀",
    "👩‍👩‍👧",
    "🇺🇳",
    "\U000e0041",
    '"',
    "'",
    '"unbalanced',
    "it's",
    "not",
    "only",
    "more",
    "start over",
    "newest first",
    "pytorch",
    "gan",
    "#keras",
    "-video",
    "tutorials",
    "\\",
    "%",
    "{}",
    "[]",
]


def hostile_texts(max_pieces: int = 40) -> st.SearchStrategy[str]:
    """Requests made of Slack syntax, invisible and direction characters, emoji, quotes and
    ordinary words; sometimes 40,000 characters of it."""
    piece = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12), st.text(alphabet=st.characters(codec="utf-8"), max_size=12))
    sentence = st.lists(piece, max_size=max_pieces).map(" ".join)
    huge = st.tuples(sentence.filter(bool), st.booleans()).map(
        lambda args: ((args[0] + (" " if args[1] else "")) * (40_000 // len(args[0]) + 1))[:40_000]
    )
    return st.one_of(sentence, sentence, sentence, huge)


def _message_call(payload: dict) -> Call:
    return Call("chat.postMessage", payload, {}, "")


PRESENTATIONS = [
    Presentation(),
    Presentation(asker=ASKER),
    Presentation(interactive=False, invite_hint=True),
    Presentation(interactive=False, invite_hint=True, sent_to_dm=True),
]


def _problems_in_every_rendering(turn: Turn, urls: set[str]) -> list[str]:
    problems = []
    for presentation in PRESENTATIONS:
        for render in (build, plain):
            payload = render(turn, presentation).payload()
            problems += [f"{render.__name__}: {p}" for p in message_problems(_message_call(payload), urls, [ASKER])]
    return problems


# ---- hostile text: parser, conversation, builders and escaper, in-process ------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(request=hostile_texts(), refinement=hostile_texts(12), tag=hostile_texts(4), word=hostile_texts(4))
def test_hostile_text_through_the_whole_pipeline_is_inert_and_inside_block_kit(
    engine: SearchEngine, request: str, refinement: str, tag: str, word: str
):
    store = SQLiteStateStore(":memory:", 3600)
    conversation = Conversation(engine, store, page_size=10)
    key = ThreadKey(TEAM_ID, "C0CHAN", "1600000000.000001")
    turns: list[Turn] = []

    def say(event: Event) -> Outcome:
        outcome = conversation.handle(event)
        if outcome.turn is not None:
            turns.append(outcome.turn)
        save(store, outcome)
        return outcome

    first = say(Mention(key, ASKER, read(request, "U0BOT").text))
    assert first.turn is not None, "a new request is always answered"
    if store.load(key) is not None:
        say(ThreadReply(key, ASKER, read(refinement, "U0BOT").text))
        # Forged button values, read the way a click's value is: refused when too long, else shown escaped.
        for change in ({"op": "add", "tag": tag}, {"op": "drop", "word": word}, {"op": "try", "tag": tag}):
            value = {"op": "change", "change": change, "message": turns[0].id}
            try:
                action = Action.model_validate_json(json.dumps(value))
            except ValidationError:
                assert len(tag) > ACTION_TEXT_CHARS or len(word) > ACTION_TEXT_CHARS
                continue
            assert say(Click(key, ASKER, action)).turn is not None
        assert say(Click(key, ASKER, Action(op="page", page=1, message=turns[0].id))).turn is not None
    for turn in turns:
        assert _problems_in_every_rendering(turn, CATALOG_URLS) == []


# ---- hostile text: the real bot over HTTP -------------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotHarness]:
    """One bot for the whole module (hypothesis runs many examples against it)."""
    with FakeSlack() as fake, BotServer(bot_env(fake, tmp_path_factory.mktemp("hostile"))) as bot:
        yield BotHarness(fake, bot)


def _check(call: Call) -> None:
    assert message_problems(call, CATALOG_URLS, [ASKER]) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(request=hostile_texts(), refinement=hostile_texts(12))
def test_hostile_text_over_http_is_always_answered_inertly(live: BotHarness, request: str, refinement: str):
    reply = live.mention(request)
    _check(reply)
    thread = reply.body["thread_ts"]
    assert live.slack.event(message_event(refinement, user=ASKER, thread_ts=thread)).status == 200
    live.settle()  # a reply that is only an emoji or a "thanks" is rightly left unanswered
    for followed in live.posts_in("C0CHAN"):
        _check(followed)


_DM_CHANNELS = itertools.count()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(request=hostile_texts().filter(lambda text: text.strip().lower() not in ("", "help", "?", "-h", "--help")))
@example(request="K")  # an acknowledgement when said to a search; a request of its own here
def test_hostile_slash_commands_and_dms_are_answered_inertly(live: BotHarness, request: str):
    if read(request, None).text.lower() not in HELP_WORDS:  # help (or nothing left of the markup): in the ack
        before = len(live.posts_in("C0CMD"))
        assert live.command(request, channel="C0CMD").status == 200
        posted = live.fake.wait_for(
            "chat.postMessage", before + 1, where=lambda c: c.body.get("channel") == "C0CMD" and c.answer.get("ok")
        )[before]
        _check(posted)
    # A DM channel of its own: in one with a search, "K" or "thanks" is rightly left unanswered.
    _check(live.dm(request, channel=f"D0HOSTILE{next(_DM_CHANNELS)}"))


def test_the_property_check_catches_what_it_must():
    """The checks above are only as good as this: they see a smuggled mention, broadcast or link."""
    urls = {"https://example.org/a"}
    assert unsafe_markup("<https://example.org/a|A> <@U0ALICE>", urls, [ASKER]) == []
    assert unsafe_markup("hi <!channel>", urls) == ["<!channel>"]
    assert unsafe_markup("<@U123> <#C1|x> <https://evil.example|A>", urls) == ["<@U123>", "<#C1|x>", "<https://evil.example|A>"]
    assert unsafe_markup("psst @here", urls) == ["bare @here"]
    assert limit_problems({"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}]})


# ---- hostile HTTP requests ----------------------------------------------------------------------


def _form(fields: dict) -> str:
    return urlencode(fields)


def _payload(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


def _event(event: object, **extra: object) -> str:
    return json.dumps({"type": "event_callback", "event_id": f"Ev{next_ts()}", "team_id": TEAM_ID, "event": event, **extra})


JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
CASES = {
    # malformed bodies
    "malformed JSON": ("{not json", JSON, 400),
    "a JSON array": ("[1, 2]", JSON, 400),
    "JSON null": ("null", JSON, 400),
    "not UTF-8": (b"\xff\xfe{}", JSON, 400),
    "an empty JSON body": ("", JSON, 400),
    "an empty form body": ("", FORM, 400),
    "a form of junk": ("a=b&c", FORM, 400),
    "a form holding JSON": (_event(mention_event("gan papers")), FORM, 400),
    "a payload that is not JSON": (_form({"payload": "{nope"}), FORM, 400),
    "a payload that is a list": (_form({"payload": "[1]"}), FORM, 400),
    # wrong content types
    "an event sent as text/plain": (_event(mention_event("gan papers")), "text/plain", 415),
    "an event sent as XML": (_event(mention_event("gan papers")), "application/xml", 415),
    "a command sent as multipart": (command_form("gan papers", "http://127.0.0.1:9/r"), "multipart/form-data", 415),
    "no content type": (_event(mention_event("gan papers")), "", 415),
    # missing fields
    "an object without a type": (json.dumps({"hello": "world"}), JSON, 400),
    "an event callback without an event": (json.dumps({"type": "event_callback", "event_id": "Ev0NOEVENT"}), JSON, 400),
    "an event that is a string": (_event("app_mention"), JSON, 400),
    "an event without a type": (_event({"text": "gan papers", "channel": "C0CHAN"}), JSON, 400),
    "a mention without channel, user or ts": (_event({"type": "app_mention", "text": "<@U0BOT> gan papers"}), JSON, 200),
    "a mention with a list for text": (_event({**mention_event("x"), "text": ["gan"]}), JSON, 200),
    "a mention without text": (_event({k: v for k, v in mention_event("x").items() if k != "text"}), JSON, 200),
    "a thread reply with a numeric thread_ts": (_event(message_event("gan", thread_ts=12)), JSON, 200),
    "an unknown event type": (_event({"type": "reaction_added", "user": "U0ALICE"}), JSON, 200),
    "an unknown envelope type": (json.dumps({"type": "app_rate_limited", "team_id": TEAM_ID}), JSON, 200),
    "a form with neither command nor payload": (_form({"text": "gan papers", "user_id": "U0ALICE"}), FORM, 400),
    "an unknown slash command": (command_form("gan papers", "http://127.0.0.1:9/r", command="/other"), FORM, 200),
    "a click without actions": (
        _payload({"type": "block_actions", "team": {"id": TEAM_ID}, "user": {"id": ASKER}, "trigger_id": "tr0NOACT"}),
        FORM,
        200,
    ),
    "a click with an unreadable value": (
        _payload(
            {
                "type": "block_actions",
                "team": {"id": TEAM_ID},
                "user": {"id": ASKER},
                "trigger_id": "tr0BADVAL",
                "container": {"channel_id": "C0CHAN", "message_ts": "1.2"},
                "actions": [{"action_id": "findproject.more", "value": "<!channel>"}],
            }
        ),
        FORM,
        200,
    ),
    "a click whose container is a string": (
        _payload(
            {
                "type": "block_actions",
                "team": {"id": TEAM_ID},
                "user": {"id": ASKER},
                "trigger_id": "tr0ODD",
                "container": "C0CHAN",
                "channel": 7,
                "actions": [{"action_id": "findproject.more", "value": "{}"}],
            }
        ),
        FORM,
        400,
    ),
    "a click whose message is a list": (
        _payload(
            {
                "type": "block_actions",
                "team": {"id": TEAM_ID},
                "user": {"id": ASKER},
                "trigger_id": "tr0ODD2",
                "container": {"type": "message"},
                "message": [],
                "actions": [{"action_id": "findproject.more", "value": '{"op": "more"}'}],
            }
        ),
        FORM,
        200,
    ),
    "a message with a list for subtype": (_event({**message_event("gan", thread_ts="1.2"), "subtype": []}), JSON, 200),
    "a click on a message that is not the bot's": (
        click_form(
            {"action_id": "other.app", "text": {"type": "plain_text", "text": "x"}, "value": "{}"},
            {"ts": "1.2"},
            "C0CHAN",
            "http://127.0.0.1:9/r",
        ),
        FORM,
        200,
    ),
    "a shortcut": (
        _payload(
            {"type": "shortcut", "callback_id": "x", "team": {"id": TEAM_ID}, "user": {"id": ASKER}, "trigger_id": "tr0SHORT"}
        ),
        FORM,
        200,
    ),
    "a view submission": (_payload({"type": "view_submission", "team": {"id": TEAM_ID}, "user": {"id": ASKER}}), FORM, 200),
    "a view submission with a view": (
        _payload(
            {
                "type": "view_submission",
                "team": {"id": TEAM_ID},
                "user": {"id": ASKER},
                "view": {"id": "V1", "callback_id": "cb", "type": "modal"},
            }
        ),
        FORM,
        200,
    ),
    "a view submission Bolt cannot read": (
        _payload(
            {"type": "view_submission", "team": {"id": TEAM_ID}, "user": {"id": ASKER}, "view": {"id": "V1", "callback_id": "cb"}}
        ),
        FORM,
        400,
    ),
    "an options request": (
        _payload(
            {
                "type": "block_suggestion",
                "team": {"id": TEAM_ID},
                "user": {"id": ASKER},
                "action_id": "a",
                "block_id": "b",
                "value": "x",
            }
        ),
        FORM,
        200,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_requests_get_the_right_status_and_no_reply(live: BotHarness, name: str):
    body, content_type, status = CASES[name]
    before = len(live.fake.calls())
    answer = live.slack.post(body, content_type)
    assert answer.status == status, answer
    assert "Traceback" not in answer.body and "error" not in answer.body.lower().replace("internal", "")
    live.settle()
    sent = live.fake.calls()[before:]
    assert [c.body.get("channel") for c in sent] == ["D0SETTLE"], "nothing but the settle DM's answer"


def _signed_with(live: BotHarness, body: bytes, headers: dict[str, str]) -> int:
    return live.slack.post(body, JSON, signed=False, headers=headers).status


def test_bad_missing_foreign_and_stale_signatures_are_401_and_never_answered(live: BotHarness):
    body = json.dumps(event_callback(mention_event("gan papers"))).encode()
    other = json.dumps(event_callback(mention_event("other papers"))).encode()
    now = int(time.time())
    before = len(live.fake.calls())
    attempts = {
        "no signature": {},
        "the wrong secret": sign("not-the-secret", body),
        "a signature of another body": sign(SIGNING_SECRET, other),
        "a garbage signature": {**sign(SIGNING_SECRET, body), "X-Slack-Signature": "v0=zz"},
        "a non-numeric timestamp": {**sign(SIGNING_SECRET, body), "X-Slack-Request-Timestamp": "soon"},
        "a timestamp six minutes old": sign(SIGNING_SECRET, body, now - 360),
        "a timestamp six minutes ahead": sign(SIGNING_SECRET, body, now + 360),
        "a non-ASCII signature": {**sign(SIGNING_SECRET, body), "X-Slack-Signature": "v0=\u00e9"},
    }
    for name, headers in attempts.items():
        assert _signed_with(live, body, headers) == 401, name
    too_big = b'{"type": "event_callback", "pad": "' + b" " * (1024 * 1024) + b'"}'
    assert live.slack.post(too_big, JSON).status == 413
    live.settle()
    assert [c.body.get("channel") for c in live.fake.calls()[before:]] == ["D0SETTLE"]


def test_a_replayed_request_is_refused_when_old_and_answered_once_when_fresh(live: BotHarness):
    fake = live.fake
    # A request captured and replayed more than five minutes later: refused.
    captured = json.dumps(event_callback(mention_event("gan papers"))).encode()
    assert _signed_with(live, captured, sign(SIGNING_SECRET, captured, int(time.time()) - 301)) == 401

    # Replayed at once (same bytes, same valid signature): an event, a command and a click
    # are each answered exactly once.
    event = json.dumps(event_callback(mention_event("gan papers", channel="C0REPLAY"))).encode()
    headers = sign(SIGNING_SECRET, event)
    command = command_form("gan papers", fake.response_url("replay"), channel="C0REPLAY").encode()
    command_headers = sign(SIGNING_SECRET, command)
    for _ in range(3):
        assert _signed_with(live, event, headers) == 200
        assert live.slack.post(command, FORM, signed=False, headers=command_headers).status == 200
    live.settle()
    first, second = live.posts_in("C0REPLAY")
    click = click_form(
        live.button(first, "More results"),
        {**first.answer["message"], "ts": first.answer["ts"]},
        "C0REPLAY",
        fake.response_url("replay-click"),
    ).encode()
    click_headers = sign(SIGNING_SECRET, click)
    for _ in range(3):
        assert live.slack.post(click, FORM, signed=False, headers=click_headers).status == 200
    live.settle()
    posts = live.posts_in("C0REPLAY")
    assert len(posts) == 3, [p.text[:60] for p in posts]
    assert "Showing 6–" in posts[2].text


# ---- hostile catalog text ------------------------------------------------------------------------


HOSTILE_LINE = " ".join(HOSTILE)


def _hostile_catalog(path: Path) -> tuple[Path, set[str]]:
    records = [
        {
            "id": 1,
            "title": f"Quokka {HOSTILE_LINE}",
            "description": (HOSTILE_LINE + " ") * 200,
            "tags": ["pytorch", "<!channel>", "*bold*", "<https://evil.example|tag>", "x" * 300],
            "url": "https://example.org/quokka?a=1&b=2",
            "created_on": "2021-01-01",
        },
        {
            "id": 2,
            "title": "Quokka " + "\u202e😀`*_~" * 6000,
            "description": "<@U123> " * 5000,
            "tags": ["pytorch", "tutorial"],
            "url": None,
            "created_on": "2020-01-01",
        },
        {
            "id": 3,
            "title": "Quokka <https://evil.example|click me> for prizes",
            "description": "@channel quokka",
            "tags": ["gan", "<!channel>"],
            "url": "https://example.org/" + "a" * 2900,
        },
        {
            "id": 4,
            "title": "Quokka *bold* _it_ ~strike~ `code` ```block``` snake_case",
            "description": "A project.",
            "tags": ["pytorch"],
            "url": "https://example.org/plain",
        },
    ]
    catalog = path / "hostile.json"
    catalog.write_text(json.dumps(records))
    return catalog, {r["url"] for r in records if r["url"]}


@pytest.fixture
def hostile_catalog(fake: FakeSlack, tmp_path: Path) -> Iterator[tuple[BotHarness, set[str]]]:
    catalog, urls = _hostile_catalog(tmp_path)
    with BotServer(bot_env(fake, tmp_path, CATALOG_PATH=str(catalog))) as bot:
        yield BotHarness(fake, bot), urls


def test_hostile_catalog_records_are_rendered_inert_everywhere(hostile_catalog, fake: FakeSlack):
    bot, urls = hostile_catalog
    reply = bot.mention("quokka")
    assert message_problems(reply, urls) == []
    assert "Quokka &lt;!channel&gt; &lt;!here&gt;" in reply.text
    assert "Quokka ∗bold∗ ＿it＿ ∼strike∼ ˋcodeˋ ˋˋˋblockˋˋˋ snake_case>" in reply.text, "markers shown literally"
    assert "\u202e" not in reply.text and "\u200b" not in reply.text and "\x1b" not in reply.text

    clicked = bot.click(reply, "+ <!channel>")  # a hostile tag as a button: plain text, and still works
    assert message_problems(clicked, urls) == []
    assert "_Added #&lt;!channel&gt;_" in clicked.text

    fake.inject("chat.postMessage", Fault(error="invalid_blocks", when=lambda body: "blocks" in body))
    plain_reply = bot.mention("quokka")
    assert "blocks" not in plain_reply.body and message_problems(plain_reply, urls) == []

    fake.inject("chat.postMessage", Fault(error="not_in_channel", when=lambda body: body["channel"] == "C0OUT"))
    assert bot.command("quokka", channel="C0OUT").status == 200
    [private] = fake.wait_for("response_url")
    assert message_problems(private, urls, [ASKER]) == []

    dm = bot.dm("quokka")
    assert message_problems(dm, urls) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    title=hostile_texts(20).filter(str.strip),
    description=hostile_texts(),
    tags=st.lists(hostile_texts(3)),
    path=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~%/?=&#+", max_size=60),
)
def test_any_catalog_record_is_rendered_inert(title: str, description: str, tags: list[str], path: str):
    from retrieval.models import Project

    url = f"https://example.org/{path}"
    projects = [
        Project(id=1, title=title, description=description, tags=[*tags, "quokka"], url=url),
        Project(id=2, title=f"quokka {title}", description=description, tags=tags, url=None),
    ]
    engine = SearchEngine(projects)
    conversation = Conversation(engine, SQLiteStateStore(":memory:", 3600))
    key = ThreadKey(TEAM_ID, "C0CHAN", "1.1")
    turns = [conversation.handle(Mention(key, ASKER, text)).turn for text in ("#quokka", "quokka")]
    for turn in turns:
        assert turn is not None
        assert _problems_in_every_rendering(turn, {url}) == []


def _escaped_the_long_way(text: str, limit: int) -> str:
    """bot.formatting.escaped as first written: escape everything, then cut."""
    result = escape(text)
    if len(result) <= limit:
        return result
    cut = result[: limit - 1]
    entity = cut.rfind("&")
    if entity != -1 and ";" not in cut[entity:]:
        cut = cut[:entity]
    boundary = max(cut.rfind(" "), cut.rfind("-"))
    if boundary >= limit * 0.6:
        cut = cut[:boundary]
    return cut.rstrip(" ,.:-") + ELLIPSIS


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=hostile_texts(), limit=st.integers(min_value=2, max_value=400))
def test_escaping_only_the_shown_part_of_a_long_text_changes_nothing(text: str, limit: int):
    assert escaped(text, limit) == _escaped_the_long_way(text, limit)


def test_mrkdwn_markers_in_user_and_catalog_text_are_shown_literally():
    assert escape("*bold* _it_ ~strike~ `code` ```block```") == "∗bold∗ ＿it＿ ∼strike∼ ˋcodeˋ ˋˋˋblockˋˋˋ"
    assert escape("snake_case a*b x~y") == "snake_case a*b x~y", "inside a word Slack does not format: kept"
    assert escape("not_a_tag_ _x") == "not_a_tag＿ ＿x"
