"""The real Bolt app over HTTP against the fake Slack: every surface, with message content checked."""

from __future__ import annotations

import json
import re

from tests.support import BOT_USER_ID, BotHarness, BotServer, FakeSlack, bot_env, mention_event, message_event, next_ts


def test_mention_gets_a_threaded_reply_with_results_tags_and_suggestions(harness: BotHarness):
    mention = mention_event("pytorch tutorials on object detection")
    reply = harness.expect_reply(lambda: harness.slack.event(mention), "C0CHAN")

    assert reply.body["thread_ts"] == mention["ts"]
    assert "*Understood:* tags: #pytorch #tutorial #object-detection" in reply.text
    assert "<https://example.org/pytorch-detection|PyTorch Object Detection Tutorial>" in reply.text
    assert "#tutorial #code #pytorch #computer-vision #object-detection · 2021-03-02" in reply.text
    labels = [b["text"]["text"] for b in reply.buttons]
    assert any(re.fullmatch(r"\+ [a-z-]+ \(\d+\)", label) for label in labels)
    assert "More results" in labels and "Start over" in labels
    assert re.search(
        r"Reply in this thread to refine: only [a-z-]+ · not [a-z-]+ · newest first · more · more like #1", reply.text
    )
    assert re.match(r"\d+ results for tags: #pytorch #tutorial #object-detection", reply.body["text"])


def test_mention_inside_a_thread_answers_in_that_thread(harness: BotHarness):
    reply = harness.mention("gan papers", thread_ts="1500000000.000001")
    assert reply.body["thread_ts"] == "1500000000.000001"
    assert "StyleGAN2 Paper" in reply.text


def test_empty_mention_gets_usage(harness: BotHarness):
    reply = harness.mention("")
    assert "Mention me with a request" in reply.text
    assert not reply.buttons


def test_thread_reply_refines_the_results(harness: BotHarness):
    first = harness.mention("object detection")
    refined = harness.reply(first, "only tensorflow")

    assert refined.body["thread_ts"] == first.body["thread_ts"]
    assert "_Added #tensorflow_" in refined.text
    assert "tags: #object-detection #tensorflow" in refined.text
    assert "TensorFlow Object Detection API Walkthrough" in refined.text
    assert "YOLOv5 in PyTorch" not in refined.text

    excluded = harness.reply(refined, "not videos")
    assert "excluding: #video" in excluded.text


def test_suggestion_button_adds_the_tag(harness: BotHarness):
    first = harness.mention("object detection")
    refined = harness.click(first, "+ pytorch")

    assert refined.body["thread_ts"] == first.body["thread_ts"]
    assert "_Added #pytorch_" in refined.text
    assert "tags: #object-detection #pytorch" in refined.text
    assert "TensorFlow Object Detection API Walkthrough" not in refined.text


def test_more_results_and_start_over_buttons(harness: BotHarness):
    first = harness.mention("pytorch")
    assert "*1.*" in first.text and "Showing 1–5 of" in first.text

    second = harness.click(first, "More results")
    assert "*6.*" in second.text and "*1.*" not in second.text
    assert "Showing 6–10 of" in second.text

    reset = harness.click(second, "Start over")
    assert "Starting over — what are you looking for?" in reset.text
    assert not reset.buttons

    fresh = harness.reply(reset, "gan papers")
    assert "StyleGAN2 Paper" in fresh.text and "#pytorch" not in fresh.text.split("\n")[1]


def test_slash_command_posts_in_the_channel_headed_by_the_asker(harness: BotHarness):
    answer = harness.command("transformers papers", user="U0BOB")
    assert answer.status == 200 and answer.body == ""

    [post] = harness.fake.wait_for("chat.postMessage")
    assert post.body["channel"] == "C0CHAN" and "thread_ts" not in post.body
    assert post.text.split("\n")[1].startswith("<@U0BOB> searched: _transformers papers_")
    assert "Attention Is All You Need" in post.text

    refined = harness.reply(post, "newest first", user="U0BOB")
    assert refined.body["thread_ts"] == post.answer["ts"]
    assert "newest first" in refined.text


def test_slash_command_outside_the_channel_answers_privately_with_an_invite(harness: BotHarness, fake):
    from tests.support import Fault

    fake.inject("chat.postMessage", Fault(error="not_in_channel"))
    harness.command("gan papers", channel="C0PRIVATE")

    [private] = fake.wait_for("response_url")
    assert private.body["response_type"] == "ephemeral"
    assert "StyleGAN2 Paper" in private.text
    assert "/invite @FindProject" in private.text
    assert not any(block["type"] == "actions" for block in private.body["blocks"])


def test_slash_command_help_is_an_ephemeral_usage(harness: BotHarness):
    for text in ("help", ""):
        answer = harness.command(text)
        assert answer.status == 200
        body = answer.json()
        assert body["response_type"] == "ephemeral"
        assert "/findproject &lt;request&gt;" in json.dumps(body["blocks"])
    harness.settle()
    assert harness.posts_in("C0CHAN") == []


def test_dm_request_and_a_pure_refinement_dm(harness: BotHarness):
    first = harness.dm("gan tutorials")
    assert "thread_ts" not in first.body
    assert "Conditional GAN Tutorial" in first.text

    refined = harness.dm("only keras")
    assert "_Added #keras_" in refined.text
    assert "tags: #generative-adversarial-networks #tutorial #keras" in refined.text.replace("  ", " ")

    fresh = harness.dm("reinforcement learning")
    assert "Deep Q-Learning for Atari" in fresh.text and "#keras" not in fresh.text.split("\n")[1]


def test_dm_thread_reply_refines_that_thread(harness: BotHarness):
    first = harness.dm("object detection")
    harness.dm("speech")  # a newer DM search must not capture replies to the older thread
    refined = harness.reply(first, "only pytorch")
    assert refined.body["thread_ts"] == first.answer["ts"]
    assert "tags: #object-detection #pytorch" in refined.text


def test_retried_event_gets_no_second_reply(harness: BotHarness):
    event = mention_event("gan papers")
    harness.expect_reply(lambda: harness.slack.event(event, event_id="Ev0RETRY"), "C0CHAN")
    for attempt in (1, 2):
        assert harness.slack.event(event, event_id="Ev0RETRY", retry_num=attempt).status == 200
    harness.settle()
    assert len(harness.posts_in("C0CHAN")) == 1


def test_double_delivered_mention_is_answered_once(harness: BotHarness):
    ts = next_ts()
    mention = mention_event("gan papers", ts=ts)
    same_message = message_event(mention["text"], ts=ts)
    assert harness.slack.event(same_message).status == 200
    assert harness.slack.event(mention).status == 200
    harness.settle()
    [reply] = harness.posts_in("C0CHAN")
    assert reply.body["thread_ts"] == ts


def test_own_and_other_bots_messages_and_edits_get_no_reply(harness: BotHarness):
    first = harness.mention("gan papers")
    thread = first.body["thread_ts"]
    ignored = [
        message_event("only pytorch", user=BOT_USER_ID, thread_ts=thread),
        message_event("only pytorch", thread_ts=thread, bot_id="B0OTHER", subtype="bot_message"),
        message_event("only pytorch", thread_ts=thread, subtype="message_changed"),
        message_event("", thread_ts=thread, subtype="message_deleted"),
        message_event("only pytorch", thread_ts="1400000000.000001"),  # a thread the bot is not in
        message_event("gan papers"),  # plain channel chatter
    ]
    for event in ignored:
        assert harness.slack.event(event).status == 200
    harness.settle()
    assert harness.posts_in("C0CHAN") == [first]


def test_bad_signature_and_stale_timestamp_are_rejected(harness: BotHarness):
    body = json.dumps({"type": "event_callback", "event_id": "Ev0BAD", "team_id": "T0TEAM", "event": mention_event("gan papers")})
    assert harness.slack.post(body, "application/json", secret="wrong-secret").status == 401
    assert harness.slack.post(body, "application/json", signed=False).status == 401
    import time

    assert harness.slack.post(body, "application/json", timestamp=int(time.time()) - 600).status == 401
    harness.settle()
    assert harness.posts_in("C0CHAN") == []


def test_unknown_event_type_is_acknowledged_and_ignored(harness: BotHarness):
    reply = harness.slack.event(
        {
            "type": "reaction_added",
            "user": "U0ALICE",
            "reaction": "tada",
            "item": {"type": "message", "channel": "C0CHAN", "ts": next_ts()},
        }
    )
    assert reply.status == 200
    harness.settle()
    assert harness.posts_in("C0CHAN") == []


def test_slack_markup_in_a_request_is_read_as_the_words_it_shows(harness: BotHarness):
    reply = harness.mention("<!channel> <@U123> <https://evil.example|pytorch> in <#C0GEN|tutorials> :wave: &lt; gan")
    assert "*Understood:* tags: #pytorch #tutorial #generative-adversarial-networks" in reply.text
    for forbidden in ("<!channel>", "<@U123>", "<https://evil.example", "<!here>", "c0gen", "wave", "&lt;"):
        assert forbidden not in reply.text.lower()


def test_hostile_catalog_record_is_rendered_inert(harness: BotHarness):
    reply = harness.mention("free prizes")
    assert "Free &lt;!channel&gt; prizes for &lt;@U0BADBAD&gt; &amp; friends" in reply.text
    for forbidden in ("<!channel>", "<!here>", "<!everyone>", "<@U0BADBAD>", "<#C0GENERAL>", "<https://evil"):
        assert forbidden not in reply.text
    links = [part.split("|")[0] for part in reply.text.split("<")[1:]]
    assert links[0] == "https://example.org/hostile"  # the hostile record's own link, and only plain urls
    assert all(re.fullmatch(r"https://[\w./-]+", link) for link in links)
    assert "@\u2060channel" in reply.text


def test_no_results_offers_buttons_that_lead_somewhere(harness: BotHarness):
    empty = harness.mention("#keras #reinforcement-learning")
    assert "No projects match *tags: #keras #reinforcement-learning*." in empty.text
    labels = [b["text"]["text"] for b in empty.buttons]
    assert labels[:2] == ["− #keras (2)", "− #reinforcement-learning (3)"] and labels[-1] == "Start over"

    widened = harness.click(empty, "− #keras")
    assert "_Dropped #keras_" in widened.text
    assert "Deep Q-Learning for Atari" in widened.text and "Spinning Up in Deep RL" in widened.text


# ---- conversations people actually have (issue 10) ----------------------------------------


def test_an_older_messages_buttons_act_on_that_messages_search(harness: BotHarness):
    first = harness.mention("pytorch")
    narrowed = harness.reply(first, "only tutorials")
    assert "tags: #pytorch #tutorial" in narrowed.text

    more = harness.click(first, "More results")  # on the first message, after the thread moved on
    assert "Showing 6–10 of" in more.text and "#tutorial" not in _understood(more)
    added = harness.click(first, "+ library")
    assert "tags: #pytorch #library" in _understood(added) and "#tutorial" not in _understood(added)


def _understood(reply) -> str:
    return next(line for line in reply.text.split("\n") if line.startswith("*Understood:*"))


def test_the_same_click_twice_shows_the_same_page(harness: BotHarness):
    first = harness.mention("pytorch")
    once = harness.click(first, "More results")
    twice = harness.click(first, "More results")
    assert "Showing 6–10 of" in once.text and "Showing 6–10 of" in twice.text


def test_chit_chat_and_messages_to_someone_else_are_ignored(harness: BotHarness):
    first = harness.mention("object detection")
    thread = first.body["thread_ts"]
    for event in (
        message_event("<@U0CAROL> have a look at number 3", thread_ts=thread),
        message_event("only pytorch", user="U0BOB", thread_ts=thread),
        message_event("thanks!", thread_ts=thread),
        message_event(":tada:", thread_ts=thread),
    ):
        assert harness.slack.event(event).status == 200
    harness.settle()
    assert harness.posts_in("C0CHAN") == [first], "nothing reposted, nothing answered"
    steered = harness.reply(first, "<@U0BOT> only pytorch", user="U0BOB")  # anyone may steer by mentioning the bot
    assert "tags: #object-detection #pytorch" in steered.text


def test_an_emoji_only_mention_gets_the_usage(harness: BotHarness):
    reply = harness.mention(":wave: :smile:")
    assert "Mention me with a request" in reply.text and not reply.buttons


def test_emoji_alone_in_a_thread_are_a_reaction_or_a_poke(harness: BotHarness):
    first = harness.mention("object detection")
    thread = first.body["thread_ts"]
    for event in (message_event(":+1::skin-tone-3:", thread_ts=thread), mention_event("<@U0BOT> :pray:", thread_ts=thread)):
        assert harness.slack.event(event).status == 200
    harness.settle()
    assert harness.posts_in("C0CHAN") == [first], "a thumbs up or folded hands approve: nothing to answer"
    poked = harness.reply(first, "<@U0BOT> :thinking_face:")
    assert "Mention me with a request" in poked.text


def test_a_reply_that_cannot_be_understood_gets_one_line(harness: BotHarness):
    first = harness.mention("object detection")
    lost = harness.reply(first, "zzqx blorf")
    assert len(lost.body["blocks"]) == 1 and "unchanged" in lost.text and "only pytorch" in lost.text
    assert "tags: #object-detection #pytorch" in harness.reply(first, "only pytorch").text


def test_the_slash_header_names_the_asker_and_reads_the_markup(harness: BotHarness):
    harness.command("gan papers in <#C0GEN|research> :fire:", user="U0BOB")
    [post] = harness.fake.wait_for("chat.postMessage")
    assert post.text.split("\n")[1].startswith("<@U0BOB> searched: _gan papers in research \U0001f525_")  # :fire:


def test_titles_without_a_url_link_through_the_template(fake: FakeSlack, tmp_path):
    env = bot_env(fake, tmp_path, PROJECT_URL_TEMPLATE="https://madewithml.com/projects/{id}")
    with BotServer(env) as bot:
        reply = BotHarness(fake, bot).mention("recommender systems tutorial")
    assert "<https://madewithml.com/projects/30|Recommender Systems Tutorial>" in reply.text


def test_a_dm_hint_needs_no_thread(harness: BotHarness):
    reply = harness.dm("pytorch")
    assert "Reply to refine: " in reply.text and "in this thread" not in reply.text
