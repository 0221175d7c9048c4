"""The conversation core on its own: events in, outcomes out, state saved as the runner saves it."""

from __future__ import annotations

from datetime import date

import pytest

from bot.conversation import CONSOLE, LAST_DM, START_OVER, Conversation, message_key, save
from bot.events import Click, ConsoleLine, DirectMessage, Event, Mention, ThreadReply
from bot.outcomes import Action, Outcome, TurnKind
from bot.sqlite_store import SQLiteStateStore
from bot.store import ThreadKey
from retrieval.alternatives import Change

KEY = ThreadKey("T1", "C1", "1.0")
ALICE, BOB = "U0ALICE", "U0BOB"


class Chat:
    """Drives the core the way bot.runner does: handle the event, then save its outcome."""

    def __init__(self, conversation: Conversation):
        self.conversation = conversation
        self.store = conversation.store

    def __call__(self, event: Event) -> Outcome:
        outcome = self.conversation.handle(event)
        save(self.store, outcome)
        return outcome

    def mention(self, text: str, user: str = ALICE) -> Outcome:
        return self(Mention(KEY, user, text))

    def reply(self, text: str, user: str = ALICE, to_someone_else: bool = False) -> Outcome:
        return self(ThreadReply(KEY, user, text, to_someone_else))

    def click(self, outcome: Outcome, action: Action) -> Outcome:
        assert outcome.turn is not None
        return self(Click(KEY, ALICE, action.model_copy(update={"message": outcome.turn.id})))

    def query(self, key: ThreadKey = KEY):
        state = self.store.load(key)
        return None if state is None else state.query


@pytest.fixture
def chat(engine) -> Chat:
    store = SQLiteStateStore(":memory:", ttl_seconds=3600)
    return Chat(Conversation(engine, store, page_size=5, today=lambda: date(2026, 12, 1)))


def _parsed(outcome: Outcome):
    """The query the turn searched, without the expansions the search itself added."""
    assert outcome.turn is not None and outcome.turn.response is not None
    return outcome.turn.response.parsed.model_copy(update={"expanded_tags": []})


def test_request_then_refinements_then_paging_then_undo(chat: Chat):
    first = chat.mention("object detection")
    assert _parsed(first).include_tags == ["object-detection"]

    narrowed = chat.reply("only pytorch")
    assert narrowed.turn.change == "added #pytorch"
    assert _parsed(narrowed).include_tags == ["object-detection", "pytorch"]
    assert chat.query() == _parsed(narrowed)

    page_two = chat.reply("more")
    assert page_two.turn.page == 1 and page_two.turn.response.offset == 5
    assert chat.reply("undo").turn.page == 0
    back = chat.reply("undo")
    assert _parsed(back).include_tags == ["object-detection"]
    assert chat.reply("undo").turn.kind is TurnKind.NOTICE  # nothing left to undo: one line, search unchanged
    assert chat.query().include_tags == ["object-detection"]


def test_more_past_the_end_says_so_without_reposting_the_page(chat: Chat):
    chat.mention("#keras")  # 3 projects: one page
    before = chat.store.load(KEY)
    turn = chat.reply("more").turn
    assert turn.kind is TurnKind.NOTICE and turn.change == "That was the last page."
    assert chat.store.load(KEY) == before
    chat.reply("show 2")  # two pages now
    jumped = chat.reply("page 4").turn  # from another page, the last page is shown
    assert jumped.kind is TurnKind.RESULTS and jumped.page == 1 and jumped.change == "that was the last page"


def test_a_request_for_a_number_of_results_shows_that_many_per_page(chat: Chat, engine):
    asked = chat.mention("show me 2 pytorch projects")
    assert len(asked.turn.response.results) == 2
    assert _parsed(asked).include_tags == engine.parse("show me pytorch projects").include_tags
    assert "2" not in _parsed(asked).keywords
    assert chat.reply("more").turn.response.offset == 2


def test_more_like_a_result_is_a_new_list_at_the_default_page_size(chat: Chat):
    chat.mention("pytorch")
    assert chat.reply("show 2").turn.response.limit == 2
    similar = chat.reply("more like #1")
    assert similar.turn.change.startswith("projects like #1") and similar.turn.response.limit == 5


def test_more_like_a_result_narrowed_as_the_reply_says(chat: Chat):
    chat.mention("pytorch")
    first = chat.query()
    like = chat.reply("more like #1 but only tutorials")
    assert like.turn.change.startswith("projects like #1") and like.turn.change.endswith("added #tutorial")
    assert "tutorial" in chat.query().include_tags and chat.query().exclude_ids
    assert chat.reply("undo").turn is not None and chat.query() == first, "one step: undo goes back to the search before"


def test_emoji_alone_are_a_reaction_or_a_poke_for_the_usage(chat: Chat):
    chat.mention("object detection")
    before = chat.query()
    assert chat(Mention(KEY, ALICE, "\U0001f44d", in_thread=True)) == Outcome(heard=True), "'@bot :+1:' approves"
    assert chat.reply("\U0001f64f\U0001f3fd") == Outcome(heard=True), "folded hands, a skin tone: thanks"
    assert chat(Mention(KEY, ALICE, "\U0001f914", in_thread=True)).turn.kind is TurnKind.USAGE, "'@bot :thinking_face:'"
    assert chat(Mention(KEY, BOB, "\U0001f916", in_thread=True)).turn.kind is TurnKind.USAGE, "an emoji no example uses"
    assert chat.reply("thanks! \U0001f3a8") == Outcome(heard=True), "words with an emoji are read as words"
    assert chat.query() == before
    assert chat(Mention(ThreadKey("T1", "C9", "9.0"), ALICE, "\U0001f44d")).turn.kind is TurnKind.USAGE, "no search yet"


def test_start_over_then_a_request_is_exactly_a_fresh_request(chat: Chat, engine):
    chat.mention("gan papers")
    chat.reply("newest first")
    reset = chat.reply("start over")
    assert reset.turn.kind is TurnKind.PROMPT and reset.turn.change == START_OVER
    fresh = chat.reply("reinforcement learning")
    assert _parsed(fresh) == engine.parse("reinforcement learning")


def test_a_button_acts_on_the_search_of_its_own_message(chat: Chat):
    first = chat.mention("pytorch")
    chat.reply("only tutorials")  # the thread moves on
    more = chat.click(first, Action(op="page", page=1))
    assert _parsed(more).include_tags == ["pytorch"] and more.turn.page == 1
    again = chat.click(first, Action(op="page", page=1))  # the same click twice: the same page, not the next
    assert again.turn.page == 1 and again.turn.response.results == more.turn.response.results
    added = chat.click(first, Action(op="change", change=Change(op="add", tag="code")))
    assert _parsed(added).include_tags == ["pytorch", "code"]
    assert chat.query() == _parsed(added), "the thread continues from the click"


def test_a_button_whose_search_is_gone_says_so(chat: Chat):
    outcome = chat(Click(KEY, ALICE, Action(op="page", page=1, message="nosuchmessage")))
    assert outcome.turn.kind is TurnKind.EXPIRED and outcome.state is None


def test_in_a_channel_thread_only_the_asker_or_a_mention_steers(chat: Chat):
    chat.mention("object detection")
    before = chat.query()
    assert chat.reply("only pytorch", user=BOB) == Outcome(), "someone else chatting in the thread"
    assert chat.reply("have a look at number 3", to_someone_else=True) == Outcome()
    assert chat.reply("thanks!") == Outcome(heard=True)
    assert chat.query() == before
    mentioned = chat(Mention(KEY, BOB, "only pytorch", in_thread=True))
    assert _parsed(mentioned).include_tags == ["object-detection", "pytorch"]


def test_the_askers_talk_in_the_thread_is_not_a_search_for_its_words(chat: Chat):
    chat.mention("object detection")
    before = chat.query()
    assert chat.reply("haha real time") == Outcome(), "no cue and no tag: talk, not 'must mention: real'"
    assert chat.query() == before
    narrowed = chat(Mention(KEY, ALICE, "haha real time", in_thread=True))
    assert "real" in _parsed(narrowed).phrases, "said to the bot, the same words narrow the search"


def test_a_reply_with_no_cue_that_the_reply_model_doubts_changes_nothing(chat: Chat):
    chat.mention("object detection")
    before = chat.query()
    assert chat.reply("can you play some keras music lol") == Outcome(), "the asker's talk: no #keras"
    asked = chat(Mention(KEY, ALICE, "can you play some keras music lol", in_thread=True))
    assert asked.turn.kind is TurnKind.NOTICE and asked.state is None, "said to the bot: one line"
    assert chat.query() == before


def test_help_and_replies_that_cannot_be_understood_leave_the_search_alone(chat: Chat):
    chat.mention("object detection")
    before = chat.query()
    assert chat.reply("help").turn.kind is TurnKind.USAGE
    lost = chat.reply("zzqx blorf")
    assert lost.turn.kind is TurnKind.NOTICE and "unchanged" in lost.turn.change
    assert lost.state is None and chat.query() == before


def test_unknown_threads_are_ignored_and_empty_requests_get_usage(chat: Chat):
    assert chat.reply("only pytorch") == Outcome()
    usage = chat.mention("   ")
    assert usage.turn.kind is TurnKind.USAGE
    assert chat.reply("gan papers").turn.kind is TurnKind.RESULTS, "after the usage text the thread takes a request"


def test_a_top_level_dm_refines_the_last_dm_search_only_when_it_reads_as_a_change(chat: Chat, engine):
    def dm(text: str, ts: str) -> Outcome:
        return chat(DirectMessage("T1", "D1", ALICE, ts, text))

    assert dm("how does this work?", "0.5").turn.kind is TurnKind.USAGE  # a first message asking for help
    dm("gan tutorials", "1.0")
    refined = dm("only keras", "2.0")
    assert "keras" in _parsed(refined).include_tags
    assert dm("thanks", "3.0") == Outcome(heard=True)
    fresh = dm("reinforcement learning", "4.0")
    assert _parsed(fresh) == engine.parse("reinforcement learning")
    assert chat.query(ThreadKey("T1", "D1", LAST_DM)) == _parsed(fresh)
    # A question with no cue is a new request too, not a change the bot could not read.
    asked = dm("can you find me gan papers about faces?", "5.0")
    assert asked.turn.kind is TurnKind.RESULTS and "paper" in _parsed(asked).include_tags
    assert "reinforcement-learning" not in _parsed(asked).include_tags
    # An ask the bot cannot do is said so, and the search stays.
    assert dm("can you email me these?", "6.0").turn.kind is TurnKind.NOTICE
    # So is a message that, as a new request, would find nothing at all, or that names no tag and
    # that the reply model finds most unlikely to change a search.
    for text, ts in (("asdfgh", "6.2"), ("what is the weather like in the detection lab", "6.3")):
        answer = dm(text, ts)
        assert answer.turn.kind is TurnKind.NOTICE and answer.state is None, text
    assert chat.query(ThreadKey("T1", "D1", LAST_DM)) == _parsed(asked)
    # An emoji alone after results is a reaction to them, or a poke for the usage; the search stays.
    assert dm("\U0001f44d", "6.5") == Outcome(heard=True)
    assert dm("\U0001f914", "6.6").turn.kind is TurnKind.USAGE
    assert chat.query(ThreadKey("T1", "D1", LAST_DM)) == _parsed(asked)
    # A framework alone is too broad to be a new request: it narrows the search.
    narrowed = dm("pytorch please", "7.0")
    assert set(_parsed(narrowed).include_tags) == set(_parsed(asked).include_tags) | {"pytorch"}


def test_a_request_after_the_usage_text_is_a_request_even_when_it_opens_with_ok(chat: Chat):
    assert chat.mention("   ").turn.kind is TurnKind.USAGE
    assert chat.reply("thanks") == Outcome(heard=True)
    found = chat.reply("ok, find me object detection tutorials")
    assert found.turn.kind is TurnKind.RESULTS and "object-detection" in _parsed(found).include_tags


def test_thanks_in_a_dm_after_the_filters_are_cleared_is_no_new_request(chat: Chat):
    def dm(text: str, ts: str) -> Outcome:
        return chat(DirectMessage("T1", "D1", ALICE, ts, text))

    dm("gan tutorials", "1.0")
    dm("clear filters", "2.0")
    assert dm("ok nvm, thanks anyway", "3.0") == Outcome(heard=True)
    assert dm("reinforcement learning", "4.0").turn.kind is TurnKind.RESULTS


def test_the_console_runs_the_same_conversation(chat: Chat):
    first = chat(ConsoleLine("gan papers"))
    assert first.turn.kind is TurnKind.RESULTS
    assert chat(ConsoleLine("since 2021")).turn.response.parsed.date_from == date(2021, 1, 1)
    assert chat.store.load(CONSOLE).history[-1].query == _parsed(first)


def test_each_results_message_keeps_its_own_state(chat: Chat):
    first = chat.mention("object detection")
    second = chat.reply("only pytorch")
    assert chat.query(message_key(KEY, first.turn.id)) == _parsed(first)
    assert chat.query(message_key(KEY, second.turn.id)) == _parsed(second)
