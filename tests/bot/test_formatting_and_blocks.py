"""Escaping and the Block Kit builders, as pure functions."""

from __future__ import annotations

import re
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.blocks import FEEDBACK_PREFIX, build
from bot.formatting import escape, escaped, link, user_mention
from bot.outcomes import Turn, TurnKind
from bot.presentation import Presentation
from retrieval.alternatives import Alternative, Change
from retrieval.models import Project, Query, SearchResponse, SearchResult, SuggestedTag
from tests.support import block_texts

ENTITY = re.compile(r"&(?:amp|lt|gt);")
HOSTILE = "<!channel> <!here> <!everyone> <@U123> <#C123> <https://evil.example|click> &amp; *b* _i_ `c`"


def payload_texts(message) -> list[str]:
    payload = message.payload()
    return [payload["text"], *block_texts(payload["blocks"])]


def test_escape_makes_slack_syntax_inert():
    assert escape("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert escape("<!channel> hi <@U123>") == "&lt;!channel&gt; hi &lt;@U123&gt;"
    assert escape("ping @here and @channel") == "ping @\u2060here and @\u2060channel"
    assert escape("line\nbreak\u202eRTL\u200bzero\x1bESC") == "line breakRTLzeroESC"


@given(st.text(max_size=300))
def test_escaped_text_never_holds_slack_syntax(text):
    result = escaped(text, 120)
    assert len(result) <= 120
    assert "<" not in result and ">" not in result
    assert "&" not in ENTITY.sub("", result)


def test_links_only_from_plain_http_urls():
    assert link("https://example.org/a?b=1&c=2", "T") == "<https://example.org/a?b=1&amp;c=2|T>"
    assert link("javascript:alert(1)", "T") == "T"
    assert link("https://evil.example|click", "T") == "T"
    assert user_mention("U0BOB") == "<@U0BOB>" and user_mention("<!channel>") == "Someone"


def _project(number: int, size: int) -> Project:
    return Project(
        id=number,
        title=f"{HOSTILE} title {number} " + "t" * size,
        description=HOSTILE + " d" * size,
        tags=[f"tag-{number}-{i}-" + "x" * 30 for i in range(20)],
        created_on=datetime(2021, 1, 2),
        url=f"https://example.org/{number}",
    )


def _response(count: int, size: int) -> SearchResponse:
    query = Query(text=HOSTILE * 20, keywords=[HOSTILE * 10], include_tags=["a" * 100], exclude_words=["<!here>"])
    return SearchResponse(
        request=query.text,
        parsed=query,
        total=500,
        offset=0,
        limit=count,
        results=[SearchResult(project=_project(i, size), score=1.0) for i in range(count)],
        suggested_tags=[SuggestedTag(tag=f"suggested-{i}-" + "y" * 120, count=99999) for i in range(8)],
        relaxed=True,
        notes=[HOSTILE * 30] * 6,
    )


def test_a_long_result_set_stays_inside_block_kit_limits():
    turn = Turn(kind=TurnKind.RESULTS, request=HOSTILE * 50, change=HOSTILE * 5, response=_response(10, 5000))
    message = build(turn, Presentation(asker="U0BOB", invite_hint=True))
    payload = message.payload()  # slack_sdk validates every field here
    blocks = payload["blocks"]
    texts = payload_texts(message)
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 7 and all(len(b["text"]["text"]) <= 75 for b in buttons)  # 5 suggestions, more, start over
    assert all(len(b["value"]) <= 2000 for b in buttons)
    assert sum(len(t) for t in texts) <= 12000
    assert len(payload["text"]) <= 3000
    joined = "\n".join(texts)
    for forbidden in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C123>", "<https://evil"):
        assert forbidden not in joined
    assert re.findall(r"<([^>|]*)[|>]", joined) == ["@U0BOB"] + [f"https://example.org/{i}" for i in range(10)]


def test_no_results_offers_drops_and_nearest_tags():
    query = Query(text="x", include_tags=["keras", "reinforcement-learning"])
    turn = Turn(
        kind=TurnKind.RESULTS,
        request="x",
        response=SearchResponse(request="x", parsed=query, total=0),
        alternatives=[
            Alternative(change=Change(op="drop", tag="keras"), count=2),
            Alternative(change=Change(op="try", tag="pytorch"), count=12),
        ],
    )
    message = build(turn, Presentation())
    texts = "\n".join(payload_texts(message))
    assert "No projects match *tags: #keras #reinforcement-learning*." in texts
    labels = [e["text"]["text"] for b in message.payload()["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["− #keras (2)", "#pytorch (12)", "Start over"]


def test_response_url_answers_have_no_buttons_and_say_how_to_invite():
    turn = Turn(kind=TurnKind.RESULTS, request="gan", response=_response(3, 10))
    message = build(turn, Presentation(interactive=False, invite_hint=True))
    payload = message.payload()
    assert not [b for b in payload["blocks"] if b["type"] == "actions"]
    assert "/invite @FindProject" in "\n".join(payload_texts(message))


def test_tags_and_descriptions_are_cut_at_a_word_boundary_with_an_ellipsis():
    from bot.formatting import truncate

    assert escaped("#generative-adversarial-networks-for-medical-imaging", 40) == "#generative-adversarial-networks-for…"
    assert truncate("A practical set of notebooks on machine learning basics", 30) == "A practical set of notebooks…"


def _results_turn(query: Query, suggestions: list[str], total: int = 50) -> Turn:
    response = SearchResponse(
        request="x",
        parsed=query,
        total=total,
        limit=5,
        results=[SearchResult(project=_project(i, 1), score=1.0) for i in range(5)],
        suggested_tags=[SuggestedTag(tag=t, count=3) for t in suggestions],
    )
    return Turn(kind=TurnKind.RESULTS, id="m1", request="x", response=response)


def test_at_most_five_suggestions_and_a_hint_that_follows_the_search():
    from retrieval.models import Sort

    turn = _results_turn(Query(include_tags=["pytorch"], sort=Sort.NEWEST), [f"tag{i}" for i in range(8)])
    message = build(turn, Presentation())
    blocks = message.payload()["blocks"]
    [suggestions] = [b for b in blocks if b.get("block_id") == "findproject-suggestions"]
    assert len(suggestions["elements"]) == 5
    hint = blocks[-1]["elements"][0]["text"]
    assert hint == "Reply in this thread to refine: only tag0 · not tag1 · most relevant · more · more like #1"
    assert message.text.startswith("50 results for ") and "result(s)" not in message.text
    dm = build(turn, Presentation(in_dm=True)).payload()["blocks"][-1]["elements"][0]["text"]
    assert dm.startswith("Reply to refine: ")


def test_buttons_name_their_message_and_the_page_they_lead_to():
    import json

    turn = _results_turn(Query(include_tags=["pytorch"]), ["code"]).model_copy(update={"page": 2})
    values = {
        b["text"]["text"]: json.loads(b["value"])
        for b in build(turn, Presentation()).payload()["blocks"]
        if b["type"] == "actions"
        for b in b["elements"]
        if not b["action_id"].startswith(FEEDBACK_PREFIX)
    }
    votes = [
        b
        for block in build(turn, Presentation()).payload()["blocks"]
        if block["type"] == "actions"
        for b in block["elements"]
        if b["action_id"].startswith(FEEDBACK_PREFIX)
    ]
    assert [(b["text"]["text"], b["value"]) for b in votes] == [("Found it", "m1"), ("Not helpful", "m1")]
    assert values["More results"] == {"op": "page", "page": 3, "message": "m1"}
    assert values["+ code (3)"] == {"op": "change", "change": {"op": "add", "tag": "code"}, "message": "m1"}


def test_a_title_without_a_url_links_through_the_template():
    turn = _results_turn(Query(include_tags=["pytorch"]), [])
    turn.response.results[0] = SearchResult(project=_project(0, 1).model_copy(update={"url": None, "id": "a b"}), score=1.0)
    text = "\n".join(payload_texts(build(turn, Presentation(url_template="https://madewithml.com/projects/{id}"))))
    assert "<https://madewithml.com/projects/a%20b|" in text
    assert "madewithml" not in "\n".join(payload_texts(build(turn, Presentation())))
