"""Replies to a search read as intents: additions, exclusions, swaps, drops, dates, paging..."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.engine import SearchEngine
from retrieval.models import Project, Query, Sort, Tag
from retrieval.refine import (
    ABOUT_RESULTS,
    Refinement,
    RefinementKind,
    add_tag,
    is_refinement,
    positive_tags,
    read_request,
    refine,
    remove_tag,
    requested_count,
)
from retrieval.taxonomy import Taxonomy
from tests.conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    return SearchEngine.from_paths(FIXTURES / "parser_projects.json", FIXTURES / "parser_tags.json")


@pytest.fixture(scope="module")
def start(engine) -> Query:
    return engine.parse("object detection tutorials")


TODAY = date(2026, 12, 1)


def read(engine: SearchEngine, previous: Query, reply: str, page_size: int = 5) -> Refinement:
    return refine(engine.parser, previous, reply, TODAY, engine.index.doc_freq, page_size)


@pytest.mark.parametrize(
    "reply, tag",
    [
        ("only pytorch", "pytorch"),
        ("just papers", "paper"),
        ("also tutorials", "tutorial"),
        ("with #jax", "jax"),
        ("pytorch only", "pytorch"),
        ("#keras", "keras"),
    ],
)
def test_add_includes(engine, start, reply, tag):
    refinement = read(engine, start, reply)
    assert refinement.kind is RefinementKind.CHANGE
    assert tag in refinement.query.include_tags
    assert tag not in refinement.query.inferred_tags  # what the user asks for in a reply is not relaxed
    assert refinement.explicit


@pytest.mark.parametrize(
    "reply, tag",
    [
        ("not tensorflow", "tensorflow"),
        ("no videos", "video"),
        ("without keras", "keras"),
        ("-#yolo", "yolo"),
        ("except demos", "demo"),
    ],
)
def test_add_excludes(engine, start, reply, tag):
    refinement = read(engine, start, reply)
    assert refinement.kind is RefinementKind.CHANGE
    assert refinement.query.exclude_tags == [tag]
    assert set(refinement.query.include_tags) == set(start.include_tags)


def test_excluding_an_included_tag_moves_it(engine, start):
    query = read(engine, start, "only pytorch").query
    after = read(engine, query, "not pytorch").query
    assert "pytorch" in after.exclude_tags and "pytorch" not in after.include_tags


@pytest.mark.parametrize(
    "reply",
    [
        "drop pytorch",
        "remove #pytorch",
        "any framework",
        "eh, any framework",
        "forget pytorch",
        "drop the pytorch part",
        "remove the pytorch filter",
        "no longer pytorch",
        "can you also drop the pytorch filter",
        "any framework, don't care",
        "eh framework doesn't matter really",
        "i don't care which framework",
    ],
)
def test_remove_a_constraint(engine, start, reply):
    query = read(engine, start, "only pytorch").query
    refinement = read(engine, query, reply)
    assert refinement.kind is RefinementKind.CHANGE
    assert "pytorch" not in refinement.query.include_tags
    assert set(refinement.query.include_tags) == set(start.include_tags)
    assert "dropped #pytorch" in refinement.change


def test_removing_something_not_in_the_search_says_so(engine, start):
    refinement = read(engine, start, "drop keras")
    assert refinement.kind is RefinementKind.NOT_UNDERSTOOD and refinement.query == start
    assert "Nothing to drop" in refinement.change


def test_clear_filters_drops_every_tag_and_date(engine, start):
    query = read(engine, read(engine, start, "only pytorch").query, "since 2020").query
    cleared = read(engine, query, "clear filters").query
    assert cleared.include_tags == cleared.exclude_tags == [] and cleared.date_from is None


@pytest.mark.parametrize(
    "reply",
    [
        "more",
        "next",
        "show more",
        "More!",
        "next page",
        "can you show a few more?",
        "got a couple more",
        "some more pls",
        "give other",
    ],
)
def test_next_page(engine, start, reply):
    refinement = read(engine, start, reply)
    assert refinement.kind is RefinementKind.NEXT_PAGE and refinement.query == start


@pytest.mark.parametrize("reply", ["previous", "previous page"])
def test_previous_page(engine, start, reply):
    assert read(engine, start, reply).kind is RefinementKind.PREVIOUS_PAGE


@pytest.mark.parametrize("reply", ["undo", "back", "go back", "undo that please", "scratch that"])
def test_undo(engine, start, reply):
    assert read(engine, start, reply).kind is RefinementKind.UNDO


@pytest.mark.parametrize(
    "reply, sort", [("newest first", Sort.NEWEST), ("oldest first", Sort.OLDEST), ("most relevant", Sort.RELEVANCE)]
)
def test_sort(engine, start, reply, sort):
    previous = start.model_copy(update={"sort": Sort.OLDEST if sort is not Sort.OLDEST else Sort.NEWEST})
    refinement = read(engine, previous, reply)
    assert refinement.kind is RefinementKind.CHANGE
    assert refinement.query.sort is sort
    assert refinement.query.include_tags == previous.include_tags


@pytest.mark.parametrize("reply", ["reset", "start over"])
def test_reset(engine, start, reply):
    refinement = read(engine, start, reply)
    assert refinement.kind is RefinementKind.RESET and refinement.query.is_empty


def test_a_clearly_new_request_replaces_the_query(engine, start):
    refinement = read(engine, start, "actually, show me GAN papers")
    assert refinement.kind is RefinementKind.NEW
    assert set(refinement.query.include_tags) == {"generative-adversarial-networks", "paper"}
    assert "object-detection" not in refinement.query.include_tags


def test_words_a_reply_adds_narrow_the_search(engine, start):
    refinement = read(engine, start, "webcam")
    assert refinement.kind is RefinementKind.CHANGE
    assert refinement.query.phrases == ["webcam"] and refinement.query.keywords == start.keywords
    assert 'phrases: "webcam"' in refinement.query.echo()
    assert not refinement.explicit  # on its own, in a DM, this is a new request
    before, after = engine.search(start), engine.search(refinement.query)
    assert after.total <= before.total
    assert {r.project.id for r in after.results} <= {r.project.id for r in engine.search(start, limit=100).results}


@pytest.mark.parametrize(
    "reply",
    ["zzqx blorf", "is this any good?", "what do you think about the third one?"],
)
def test_a_reply_that_reads_as_nothing_is_not_understood(engine, start, reply):
    refinement = read(engine, start, reply)
    assert refinement.kind is RefinementKind.NOT_UNDERSTOOD and refinement.query == start
    assert "only pytorch" in refinement.change, "it says what would work"


@pytest.mark.parametrize(
    "reply", ["thanks!", "ok", "cool", "thank you so much", "great, that's what I needed", "👍", "", "hm", "hmm ok", "ok so"]
)
def test_acknowledgements_change_nothing(engine, start, reply):
    assert read(engine, start, reply).kind is RefinementKind.ACK


@pytest.mark.parametrize(
    "reply",
    [
        "I think the second one looks promising",
        "heading to lunch, will check these after",
        "haha my coworker wrote the third one",
    ],
)
def test_talk_that_asks_nothing_changes_nothing(engine, start, reply):
    """Chatter under the results (learned from the example replies) is not a change the bot failed to read."""
    refinement = read(engine, start, reply)
    assert refinement.kind is RefinementKind.ACK and refinement.query == start


def test_talk_with_a_cue_still_changes_the_search(engine, start):
    refinement = read(engine, start, "we did the pytorch ones already, so skip those")
    assert refinement.kind is RefinementKind.CHANGE and "pytorch" in refinement.query.exclude_tags


@pytest.mark.parametrize("reply", ["help", "how does this work?", "what can you do", "how does this bot work"])
def test_help(engine, start, reply):
    assert read(engine, start, reply).kind is RefinementKind.HELP


@pytest.mark.parametrize(
    "reply, size",
    [
        ("show 3", 3),
        ("top 5 only", 5),
        ("just 2 results", 2),
        ("fewer", 3),
        ("show me 10 per page", 10),
        ("fewer pls, like 2", 2),
        ("less - say 4", 4),
        ("show me like 10", 10),
        ("can you show 4?", 4),
    ],
)
def test_page_size(engine, start, reply, size):
    refinement = read(engine, start, reply)
    assert refinement.kind is RefinementKind.PAGE_SIZE and refinement.page_size == size and refinement.query == start


@pytest.mark.parametrize(
    "reply, size, sort",
    [
        ("just the 3 most recent", 3, Sort.NEWEST),
        ("hm ok, and only the newest 3", 3, Sort.NEWEST),
        ("the oldest 2", 2, Sort.OLDEST),
    ],
)
def test_a_page_size_with_an_order(engine, start, reply, size, sort):
    refinement = read(engine, start, reply)
    assert refinement.kind is RefinementKind.PAGE_SIZE and refinement.page_size == size and refinement.query.sort is sort


@pytest.mark.parametrize(
    "reply, rank",
    [
        ("more like the second one", 2),
        ("similar to #3", 3),
        ("show me more like number 1", 1),
        ("something like the 4th", 4),
        ("more like that one then, #2", 2),
        ("the last one, more like that", -1),
        ("the 3rd one - something like that pls", 3),
    ],
)
def test_more_like_one_of_the_results(engine, start, reply, rank):
    refinement = read(engine, start, reply)
    assert refinement.kind is RefinementKind.SIMILAR and refinement.rank == rank


@pytest.mark.parametrize(
    "reply, start_date, end_date",
    [
        ("from 2020", date(2020, 1, 1), date(2020, 12, 31)),
        ("since 2021", date(2021, 1, 1), None),
        ("before 2019", None, date(2018, 12, 31)),
        ("anything pre-2020?", None, date(2019, 12, 31)),
        ("post-2020 only", date(2021, 1, 1), None),
        ("this year", date(2026, 1, 1), date(2026, 12, 31)),
        ("last year", date(2025, 1, 1), date(2025, 12, 31)),
        ("anything from 2020?", date(2020, 1, 1), date(2020, 12, 31)),
        ("just the ones since june 2020", date(2020, 6, 1), None),
        ("before march 2021", None, date(2021, 2, 28)),
        ("in sept. 2020", date(2020, 9, 1), date(2020, 9, 30)),
        ("after december 2020", date(2021, 1, 1), None),
        ("until may 2020", None, date(2020, 5, 31)),
        ("from 2020 on sparse attention", date(2020, 1, 1), date(2020, 12, 31)),  # "on" the topic, not onwards
        ("from 2020 on", date(2020, 1, 1), None),
        ("between 2019 and 2021", date(2019, 1, 1), date(2021, 12, 31)),  # one range, not two clauses
        ("eh, between 2019 and 2020 then", date(2019, 1, 1), date(2020, 12, 31)),
        ("limit it to 2019 through 2021", date(2019, 1, 1), date(2021, 12, 31)),
        ("make that 2019 thru 2021", date(2019, 1, 1), date(2021, 12, 31)),
        ("in 2020 then", date(2020, 1, 1), date(2020, 12, 31)),  # the reply model reads no year as a count
        ("only 2020 pls", date(2020, 1, 1), date(2020, 12, 31)),
        ("ok now only stuff from last yr", date(2025, 1, 1), date(2025, 12, 31)),
        ("leave out anything older than 2020", date(2020, 1, 1), None),  # the side of a date left out
        ("exclude anything before 2019", date(2019, 1, 1), None),
        ("skip stuff newer than 2021", None, date(2021, 12, 31)),
        ("nothing older than april 2020", date(2020, 4, 1), None),  # a negated bound keeps the other side
        ("not after 2020", None, date(2020, 12, 31)),
        ("between march and june 2020", date(2020, 3, 1), date(2020, 6, 30)),  # two months of one year
    ],
)
def test_dates(engine, start, reply, start_date, end_date):
    query = read(engine, start, reply).query
    assert (query.date_from, query.date_to) == (start_date, end_date)
    assert query.include_tags == start.include_tags and query.phrases == start.phrases


@pytest.mark.parametrize(
    "reply, meant",
    [
        ("onyl pytorch", "only pytorch"),
        ("exlcude keras", "exclude keras"),
        ("swtich to tensorflow", "switch to tensorflow"),
        ("newst first", "newest first"),
        ("strat over", "start over"),
        ("thnaks", "thanks"),
        ("fewr pls", "fewer pls"),
    ],
)
def test_a_misspelt_word_of_a_reply_reads_as_meant(engine, start, reply, meant):
    assert read(engine, start, reply) == read(engine, start, meant)


def test_words_the_catalog_or_english_knows_are_not_respelt(engine, start):
    # "layer" is one edit from the examples' "later", "lve" from their "love": the catalog
    # uses the first, and the second is too short to tell.
    assert read(engine, start, "only layer").query.phrases == ["layer"]
    assert read(engine, start, "no layer").query.exclude_words == ["layer"]


def test_a_verb_on_the_search_is_no_word_to_find(engine, start):
    for reply in ("make it pytorch", "limit it to pytorch", "keep it to pytorch"):
        refinement = read(engine, start, reply)
        assert refinement.query.include_tags == [*start.include_tags, "pytorch"] and not refinement.query.phrases, reply
        assert refinement.query.keywords == start.keywords, reply


@pytest.mark.parametrize("reply", ["nah scrap the date", "drop the dates", "forget the date filter"])
def test_dropping_the_date(engine, start, reply):
    since = read(engine, start, "since 2020").query
    dropped = read(engine, since, reply).query
    assert (dropped.date_from, dropped.date_to) == (None, None) and dropped.include_tags == start.include_tags
    assert dropped.keywords == start.keywords and not dropped.phrases


def test_one_open_bound_narrows_the_range_the_search_has(engine, start):
    since = read(engine, start, "since 2020").query
    narrowed = read(engine, since, "and before 2021 too").query
    assert (narrowed.date_from, narrowed.date_to) == (date(2020, 1, 1), date(2020, 12, 31))
    assert read(engine, since, "before 2019").query.date_from is None, "a bound past the other replaces the range"
    this_year = read(engine, start, "this year").query
    replaced = read(engine, this_year, "nothing, figures. since 2020 then").query
    assert (replaced.date_from, replaced.date_to) == (date(2020, 1, 1), None), "said alone, a bound replaces the range"


@pytest.mark.parametrize(
    "request_text, count",
    [
        ("show me 3 tutorials on object detection", 3),
        ("Top 5 gan papers", 5),
        ("give me the best three yolo notebooks", 3),
        ("two stage detectors", None),  # no cue: words of the request
        ("top 50 papers", None),  # more than a page can show
        ("find papers from 2019", None),
        ("4 papers on object detection pls", 4),
        ("3 libs for yolo", 3),
        ("3d object detection", None),
        ("2 stage object detectors", None),  # no resource type after the number
    ],
)
def test_a_request_may_ask_for_a_number_of_results(engine, request_text, count):
    assert requested_count(engine.parser, request_text) == count
    if count:
        assert not any(w.isdigit() or w in ("three", "five") for w in read_request(engine.parser, request_text, TODAY).keywords)


@pytest.mark.parametrize(
    "reply",
    [
        "does the 3rd one need a gpu?",
        "which one is best?",
        "is it free?",
        "what is #2 about?",
        "cool. is the 2nd one any good?",
        "who made the first one?",
        "2?",
        "what's the difference between #1 and #2?",
        "who's the author of the first one",  # asked without a question mark
        "what gpu do I need to run #1",
        "the first one, is it android or ios?",  # not "the first one" as a page size
        "compare #1 and #2 for me",  # not "#2 for me" as a page size
        "what does #4 do exactly?",  # not help: it names a result
    ],
)
def test_a_question_about_the_results_shown_is_not_a_search(engine, start, reply):
    refinement = read(engine, start, reply)
    assert refinement.kind is RefinementKind.NOT_UNDERSTOOD and refinement.query == start
    assert refinement.explicit, "in a DM too: not a new request"


def test_asking_how_to_use_the_results_is_help(engine, start):
    assert read(engine, start, "how do i filter these?").kind is RefinementKind.HELP
    assert read(engine, start, "what about #2 in pytorch").change != ABOUT_RESULTS, "a swap, not a question"
    assert read(engine, start, "is #2 in pytorch?").change == ABOUT_RESULTS


@pytest.mark.parametrize(
    "reply, rank, then",
    [
        ("more like #1 but in pytorch", 1, "in pytorch"),
        ("more like the second one, only pytorch", 2, "only pytorch"),
        ("more like #2 please", 2, ""),
        ("more like the 3rd one lol", 3, ""),  # talk after it asks nothing of the similar projects
    ],
)
def test_more_like_a_result_keeps_what_the_reply_asks_of_them(engine, start, reply, rank, then):
    refinement = read(engine, start, reply)
    assert (refinement.kind, refinement.rank, refinement.then) == (RefinementKind.SIMILAR, rank, then)


@pytest.mark.parametrize(
    "reply, sort",
    [("is there newer?", Sort.NEWEST), ("older ones?", Sort.OLDEST), ("hmm these look a bit old, is there newer?", Sort.NEWEST)],
)
def test_words_that_only_ask_for_an_order(engine, start, reply, sort):
    refinement = read(engine, start, reply)
    assert refinement.kind is RefinementKind.CHANGE and refinement.explicit, "in a DM too: not a new request"
    query = refinement.query
    assert (query.sort, query.include_tags, query.keywords, query.phrases) == (sort, start.include_tags, start.keywords, [])


def test_asking_whether_there_is_something_asks_for_it(engine, start):
    assert "tutorial" in read(engine, read(engine, start, "not tutorials").query, "do you have any tutorials?").query.include_tags
    assert "pytorch" in read(engine, start, "is there anything in pytorch?").query.include_tags


def test_thanks_closing_talk_is_thanks(engine, start):
    assert read(engine, start, "ok no worries, thx").kind is RefinementKind.ACK
    assert read(engine, start, "only pytorch, thx").query.include_tags == [*start.include_tags, "pytorch"]


def test_talk_with_a_cued_clause_does_what_the_clause_says(engine, start):
    refinement = read(engine, start, "hmm nothing. this year?")
    assert refinement.kind is RefinementKind.CHANGE and refinement.query.date_from == date(2026, 1, 1)
    assert read(engine, start, "lol I built one of these at the hackathon last year").kind is RefinementKind.ACK


def test_words_alone_are_marked_as_such_and_cued_words_are_not(engine, start):
    assert read(engine, start, "haha compact").words_only, "no cue, no tag: only words narrow it"
    replies = ("compact ones", "ha, i knew there would be compact ones", "compact, before 2020")
    cued = [read(engine, start, reply) for reply in replies]
    assert all(r.kind is RefinementKind.CHANGE and not r.words_only for r in cued)
    assert read(engine, start, "lol the sample photos are mine").kind is RefinementKind.ACK


def test_a_date_range_after_an_interjection_is_still_a_date_range(engine, start):
    refinement = read(engine, start, "hmm any from before 2019?")
    assert refinement.kind is RefinementKind.CHANGE and refinement.explicit
    assert refinement.query.date_to == date(2018, 12, 31) and refinement.query.keywords == start.keywords


def test_a_request_names_its_dates_too(engine):
    query = read_request(engine.parser, "gan papers since 2021", TODAY)
    assert query.date_from == date(2021, 1, 1) and "generative-adversarial-networks" in query.include_tags


@pytest.mark.parametrize(
    "reply",
    [
        "what about tensorflow?",
        "tensorflow instead",
        "use tensorflow instead of pytorch",
        "switch to tensorflow",
        "how about tensorflow instead",
        "try tensorflow",
        "instead of pytorch, tensorflow",
        "wait sorry i meant tensorflow not pytorch",
        "oops i meant tensorflow",
    ],
)
def test_a_swap_trades_a_tag_for_one_of_its_kind(engine, start, reply):
    query = read(engine, start, "only pytorch").query
    swapped = read(engine, query, reply).query
    assert "tensorflow" in swapped.include_tags and "pytorch" not in positive(swapped)
    assert set(swapped.include_tags) == set(query.include_tags) - {"pytorch"} | {"tensorflow"}


@pytest.mark.parametrize("reply", ["hmm actually exclude pytorch instead", "not pytorch instead", "no pytorch rather"])
def test_a_swapped_exclusion_trades_the_exclusion_of_its_kind_and_keeps_the_topic(engine, start, reply):
    query = read(engine, start, "not tensorflow").query
    swapped = read(engine, query, reply).query
    assert swapped.exclude_tags == ["pytorch"]
    assert positive(swapped) == positive(start) and not swapped.keywords


def test_preferring_to_be_without_an_included_tag_excludes_it_and_keeps_the_rest(engine, start):
    query = read(engine, start, "only pytorch").query
    refused = read(engine, query, "hmm i'd prefer no pytorch actually").query
    assert refused.exclude_tags == ["pytorch"] and "pytorch" not in positive(refused)
    assert set(positive(refused)) == set(positive(start)) and not refused.keywords


@pytest.mark.parametrize(
    "reply",
    [
        "keras is fine",
        "actually keras is ok, remove that filter",
        "i'm ok with keras after all",
        "ok actually don't exclude keras",
        "put keras back",
        "include keras again",
    ],
)
def test_allowing_an_excluded_tag_lifts_only_that_exclusion(engine, start, reply):
    query = read(engine, read(engine, start, "not tensorflow").query, "and no keras").query
    allowed = read(engine, query, reply)
    assert allowed.kind is RefinementKind.CHANGE
    assert allowed.query.exclude_tags == ["tensorflow"] and positive(allowed.query) == positive(start)


def test_taking_back_an_exclusion_the_search_lacks_changes_nothing(engine, start):
    refinement = read(engine, start, "don't exclude keras")
    assert refinement.kind is RefinementKind.NOT_UNDERSTOOD and refinement.query == start


def test_that_filter_alone_names_nothing_so_nothing_is_dropped(engine, start):
    query = read(engine, start, "not tensorflow").query
    assert read(engine, query, "remove that filter").kind is RefinementKind.NOT_UNDERSTOOD
    assert read(engine, query, "clear the filters").query.exclude_tags == []


def test_a_swap_with_nothing_of_its_kind_adds(engine, start):
    swapped = read(engine, start, "what about keras?").query
    assert set(swapped.include_tags) == set(start.include_tags) | {"keras"}
    assert "instead" not in swapped.keywords and "about" not in swapped.keywords


def test_a_swap_of_resource_type(engine):
    query = engine.parse("pytorch tutorials")
    swapped = read(engine, query, "what about papers").query
    assert set(swapped.include_tags) == {"pytorch", "paper"}


def test_a_swap_of_one_topic_among_unrelated_ones_trades_the_one_the_catalog_rarely_combines_with_it():
    def projects(tags: list[str], count: int, start: int) -> list[Project]:
        return [Project(id=start + n, title=f"Project {start + n}", tags=tags) for n in range(count)]

    catalog = [
        *projects(["data-augmentation", "computer-vision"], 6, 0),
        *projects(["data-augmentation", "audio"], 3, 100),  # augmentation often goes with audio...
        *projects(["computer-vision"], 20, 200),  # ...vision never: it is audio's alternative
        *projects(["audio"], 5, 300),
    ]
    tags = [Tag(tag="data-augmentation"), Tag(tag="computer-vision", aliases=["cv"]), Tag(tag="audio")]
    engine = SearchEngine(catalog, Taxonomy(tags))
    previous = engine.parse("data augmentation for cv")
    assert set(previous.include_tags) == {"data-augmentation", "computer-vision"}

    def swap(together):
        return refine(engine.parser, previous, "what about audio", TODAY, engine.index.doc_freq, 5, together).query

    assert set(swap(engine.carrying_all).include_tags) == {"data-augmentation", "audio"}
    assert set(swap(None).include_tags) == {"audio"}  # without the catalog's counts, every unrelated topic goes


@pytest.mark.parametrize(
    ("request_text", "reply", "gone", "came"),
    [
        (
            "time series forecasting tutorials in keras",
            "what about speech recognition instead",
            "time-series",
            "speech-recognition",
        ),
        ("reinforcement learning papers", "what about image generation instead", "reinforcement-learning", "image-generation"),
    ],
)
def test_after_a_swap_the_learned_models_read_the_search_as_it_is_now(request_text, reply, gone, came):
    demo = SearchEngine.from_paths(ROOT / "data" / "projects.json", ROOT / "data" / "tags.json")
    swapped = refine(demo.parser, demo.parse(request_text), reply, TODAY, demo.index.doc_freq, 5, demo.carrying_all).query
    assert gone not in swapped.include_tags
    response = demo.search(swapped)
    assert gone not in {e.tag for e in response.parsed.expanded_tags}  # the related tags of the words swapped away
    assert came in response.results[0].project.tags


def test_is_refinement_tells_commands_from_new_requests(engine):
    for text in ("only pytorch", "more", "not videos", "thanks", "what about keras", "since 2020", "show 3"):
        assert is_refinement(engine.parser, text), text
    for text in ("gan papers", "actually, show me GAN papers"):
        assert not is_refinement(engine.parser, text), text


def test_refinements_chain_and_change_the_results(engine):
    query = engine.parse("object detection")
    first = {r.project.id for r in engine.search(query).results}
    query = read(engine, query, "only pytorch").query
    second = engine.search(query).results
    assert second and all("pytorch" in r.project.tags for r in second)
    query = read(engine, query, "not yolo").query
    third = engine.search(query).results
    assert all("yolo" not in r.project.tags for r in third)
    assert {r.project.id for r in third} < first | {r.project.id for r in second}


def positive(query: Query) -> set[str]:
    return {*query.include_tags, *query.inferred_tags}


def test_add_and_remove_tag_helpers():
    query = Query(include_tags=["a", "b"], inferred_tags=["a", "b"], exclude_tags=["c"])
    added = add_tag(query, "c")
    assert "c" in added.include_tags and "c" not in added.exclude_tags
    assert add_tag(query, "b").inferred_tags == ["a"]  # asked for in a reply: now a filter
    assert remove_tag(added, "a").include_tags == ["b", "c"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_refine_never_raises(engine, start, text):
    refinement = read(engine, start, text)
    assert isinstance(refinement.query, Query)


@pytest.mark.parametrize("reply, page", [("page 2", 1), ("go to page 3", 2)])
def test_a_page_by_its_number(engine, start, reply, page):
    refinement = read(engine, start, reply)
    assert refinement.kind is RefinementKind.PAGE and refinement.page == page


def test_a_bare_framework_takes_the_place_of_the_one_in_the_search(engine, start):
    query = read(engine, start, "only pytorch").query
    assert "pytorch" not in read(engine, query, "tensorflow").query.include_tags
    assert set(read(engine, start, "yolo").query.include_tags) >= set(start.include_tags), "a topic narrows"


def test_dropping_a_tag_drops_the_words_that_named_it(engine):
    query = engine.parse("pytorch object detection")
    dropped = read(engine, query, "drop object detection").query
    assert "object-detection" not in dropped.include_tags and not {"object", "detection"} & set(dropped.tag_words)


def test_a_swap_keeps_the_kind_of_intent_it_replaces(mwml_engine):
    """A tag in place of one the request only implied ranks like it, rather than filtering:
    "dqn tutorials", then "more like q-learning", still finds more than the few tagged both ways."""

    def swap(request: str, reply: str) -> Query:
        return refine(mwml_engine.parser, mwml_engine.parse(request), reply, TODAY, mwml_engine.index.doc_freq, 5).query

    soft = swap("dqn tutorials", "nah, more like q-learning")
    assert "q-learning" in soft.include_tags and "q-learning" in soft.inferred_tags
    assert mwml_engine.search(soft).total > 10
    hard = swap("#deep-q-networks tutorials", "what about #q-learning instead")
    assert "q-learning" in hard.include_tags and "q-learning" not in hard.inferred_tags


def test_a_word_that_is_also_a_little_used_tag_still_narrows(mwml_engine):
    """'movies' is the tag of a project or two, too rare for the parser to take as a tag: it is a word to narrow by."""
    previous = mwml_engine.parse("recommendation systems")
    refinement = refine(mwml_engine.parser, previous, "any about movies?", TODAY, mwml_engine.index.doc_freq, 5)
    assert refinement.kind is RefinementKind.CHANGE and refinement.query.phrases
    results = mwml_engine.search(refinement.query).results
    assert results and all("movie" in f"{r.project.title} {r.project.description}".lower() for r in results)


def test_any_framework_lets_go_of_the_framework_not_of_the_library_tag(engine):
    query = read(engine, engine.parse("object detection libraries"), "in jax").query
    freed = read(engine, query, "hmm any framework is fine").query
    assert "jax" not in freed.include_tags and "library" in freed.include_tags


def test_steering_words_are_no_words_of_the_search(mwml_engine):
    def reply(query: Query, text: str) -> Query:
        return refine(mwml_engine.parser, query, text, TODAY, mwml_engine.index.doc_freq, 5).query

    skipped = reply(mwml_engine.parse("keras notebooks for image segmentation"), "skip the kaggle ones")
    assert "kaggle" in [*skipped.exclude_tags, *skipped.exclude_words]
    assert not {"one", "ones"} & {*skipped.keywords, *skipped.phrases}
    dated = reply(mwml_engine.parse("image captioning papers before 2020"), "since 2020 instead")
    assert dated.date_from == date(2020, 1, 1) and dated.date_to is None and "instead" not in [*dated.keywords, *dated.phrases]


def test_a_reply_with_a_word_the_catalog_has_narrows_and_keeps_the_others(engine, start):
    refinement = read(engine, start, "ones about detector zebras")
    assert refinement.kind is RefinementKind.CHANGE and refinement.query.phrases == ["detector"]
    assert "zebras" in refinement.query.keywords
    assert read(engine, start, "ones about zebras").kind is RefinementKind.NOT_UNDERSTOOD


def test_a_count_before_a_resource_type_the_catalog_also_tags_in_the_plural(mwml_engine):
    """Made With ML has a project tagged #papers: "4 papers" still names #paper, a resource type."""
    assert requested_count(mwml_engine.parser, "4 papers on self supervised learning pls") == 4


@pytest.mark.parametrize("reply", ["sort by popularity", "sort them by stars", "order by number of citations"])
def test_an_order_the_catalog_has_no_data_for_is_said_so(engine, start, reply):
    refinement = read(engine, start, reply)
    assert refinement.kind is RefinementKind.NOT_UNDERSTOOD and refinement.query == start
    assert "newest first" in refinement.change


def test_talk_opening_with_a_contraction_is_no_change(engine, start):
    assert not read(engine, start, "yeah it's the topic for thursday").explicit


def test_x_ones_narrows_to_x_even_in_a_dm(engine, start):
    refinement = read(engine, start, "pytorch ones")
    assert refinement.explicit and refinement.kind is RefinementKind.CHANGE and "pytorch" in refinement.query.include_tags
    assert not {"one", "ones"} & set(refinement.query.keywords)


def test_a_word_that_asks_is_no_keyword_in_its_plural_either(engine, start):
    refined = read(engine, start, "only pytorch pls, she needs it").query
    assert "need" not in refined.keywords and "needs" not in refined.keywords and "pytorch" in refined.include_tags


def test_a_topic_swap_keeps_the_words_that_say_where_or_how(engine):
    """ "quantization in the browser", then "what about pruning?": pruning in the browser."""
    query = engine.parse("object detection in the browser")
    assert "browser" in query.keywords
    swapped = read(engine, query, "what about reinforcement learning?").query
    assert "reinforcement-learning" in swapped.include_tags and "object-detection" not in swapped.include_tags
    assert "browser" in swapped.keywords


def test_talk_with_words_the_catalog_has_reads_as_words_alone(mwml_engine):
    """'bunch' and 'fair', which a few projects use, would narrow these replies to next to nothing: they are
    marked as words alone, which a thread takes for talk (bot/conversation.py)."""
    previous = mwml_engine.parse("adversarial attacks papers")
    for talk in ("ha, I knew there'd be a bunch", "fair enough, thanks", "ta"):
        reading = refine(mwml_engine.parser, previous, talk, TODAY, mwml_engine.index.doc_freq, 5)
        assert reading.kind is RefinementKind.ACK or reading.words_only, talk


def test_a_reading_does_not_cross_sentences(engine):
    """The 'only' of the first sentence is no include of the tag the second one drops."""
    previous = engine.parse("pytorch object detection tutorials")
    for reply in ("hmm only one hit. drop the pytorch part", "empty :( drop the pytorch part"):  # an emoticon ends one too
        dropped = read(engine, previous, reply)
        assert "pytorch" not in dropped.query.include_tags and "object-detection" in dropped.query.include_tags, reply


def test_a_filter_named_with_the_word_filter_is_the_only_one_dropped(engine):
    previous = engine.parse("pytorch object detection tutorials")
    dropped = read(engine, previous, "drop the pytorch filter actually").query
    assert "pytorch" not in dropped.include_tags and "object-detection" in dropped.include_tags
    assert not positive_tags(read(engine, previous, "clear all filters").query)


@pytest.mark.parametrize("reply", ["hmm not compact, undo", "ah nvm undo that", "nvm, start over"])
def test_a_step_back_after_a_hedge_is_a_step_back(engine, start, reply):
    assert read(engine, start, reply).kind in (RefinementKind.UNDO, RefinementKind.RESET)


def test_a_swap_trades_the_topic_whose_name_is_kin_to_the_new_one(mwml_engine):
    """'one-shot' is a tag, not the result noun 'one'; it takes the place of few-shot learning, its kin by name."""
    previous = mwml_engine.parse("few shot learning stuff, meta-learning especially")
    swapped = refine(
        mwml_engine.parser, previous, "what about one-shot", TODAY, mwml_engine.index.doc_freq, 5, mwml_engine.carrying_all
    )
    assert set(positive_tags(swapped.query)) == {"one-shot-learning", "meta-learning"}
