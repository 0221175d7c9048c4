"""The request parser: natural language to keywords, tag intents, exclusions and sort."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.engine import SearchEngine
from retrieval.models import Project, Query, Sort, Tag
from retrieval.tagmatch import MIN_NAMED_PROJECTS
from retrieval.taxonomy import Taxonomy

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    return SearchEngine.from_paths(FIXTURES / "parser_projects.json", FIXTURES / "parser_tags.json")


def tags_of(query: Query) -> set[str]:
    return set(query.include_tags)


def test_the_flagship_request(engine):
    query = engine.parse("pytorch tutorials on object detection, not yolo")
    assert set(query.include_tags) == {"pytorch", "tutorial", "object-detection"}
    assert query.exclude_tags == ["yolo"]
    assert "pytorch" not in query.keywords and "yolo" not in query.keywords
    assert query.echo() == "tags: #pytorch #tutorial #object-detection · excluding: #yolo"


def test_alias_reaches_the_canonical_tag(engine):
    query = engine.parse("nlp notebooks using transformers")
    assert {"natural-language-processing", "notebook", "transformers"} <= tags_of(query)
    assert "using" not in query.keywords


@pytest.mark.parametrize("request_text", ["GAN papers", "gans", "generative adversarial networks", "GANs"])
def test_plurals_aliases_and_multi_word_names(engine, request_text):
    assert "generative-adversarial-networks" in tags_of(engine.parse(request_text))


def test_typo_tolerance_for_a_long_unknown_word(engine):
    query = engine.parse("pytroch tutorials")
    assert set(query.include_tags) == {"pytorch", "tutorial"}


@pytest.mark.parametrize("word", ["python", "pytorchy stuff", "tensors", "detections"])
def test_typo_tolerance_never_turns_an_ordinary_or_close_but_known_word_into_another_tag(engine, word):
    query = engine.parse(word)
    assert "pytorch" not in tags_of(query) or word.startswith("pytorch")
    assert "tensorflow" not in tags_of(query)


def test_short_words_are_never_fuzzed(engine):
    assert tags_of(engine.parse("jaxx")) == set()  # 4 letters: too short to guess


@pytest.mark.parametrize(
    "word, tag",
    [
        ("tutorials", "tutorial"),
        ("guides", "tutorial"),
        ("papers", "paper"),
        ("research", "research"),
        ("libraries", "library"),
        ("packages", "library"),
        ("frameworks", "library"),
        ("notebooks", "notebook"),
        ("colab", "notebook"),
        ("videos", "video"),
        ("talks", "video"),
        ("datasets", "dataset"),
        ("code", "code"),
        ("repos", "code"),
        ("implementations", "code"),
        ("demos", "demo"),
    ],
)
def test_resource_types(engine, word, tag):
    assert tag in tags_of(engine.parse(f"reinforcement learning {word}"))


@pytest.mark.parametrize(
    "request_text",
    [
        "object detection not yolo",
        "object detection without yolo",
        "object detection, no yolo",
        "object detection except yolo",
        "object detection excluding yolo",
        "object detection but not yolo",
        "object detection -yolo",
        "object detection -tag:yolo",
        "object detection -#yolo",
    ],
)
def test_every_negation_form_excludes(engine, request_text):
    query = engine.parse(request_text)
    assert query.exclude_tags == ["yolo"]
    assert "object-detection" in tags_of(query)
    assert "yolo" not in query.keywords


def test_negation_of_a_multi_word_tag(engine):
    query = engine.parse("vision resources without object detection")
    assert query.exclude_tags == ["object-detection"]
    assert "computer-vision" in tags_of(query)


def test_negation_of_a_plain_word_excludes_the_word(engine):
    query = engine.parse("gan tutorials not progressive")
    assert query.exclude_words == ["progressive"]
    results = engine.search(query).results
    assert all("progressive" not in r.project.title.lower() for r in results)


@pytest.mark.parametrize("word", ["newest", "latest", "recent", "most recent"])
def test_sort_words(engine, word):
    query = engine.parse(f"{word} gan papers")
    assert query.sort is Sort.NEWEST
    assert not {"newest", "latest", "recent", "most"} & set(query.keywords)


def test_oldest_first(engine):
    assert engine.parse("rl papers oldest first").sort is Sort.OLDEST


def test_an_order_from_one_end_to_the_other_starts_at_the_first(engine):
    assert engine.parse("gan papers from newest to oldest").sort is Sort.NEWEST
    assert engine.parse("gan papers, oldest to newest").sort is Sort.OLDEST


def test_explicit_syntax_takes_precedence_and_is_hard(engine):
    query = engine.parse('#pytorch tag:tutorial "object detection" -#yolo')
    assert query.include_tags == ["pytorch", "tutorial"]
    assert query.inferred_tags == []  # explicit tags are never relaxed
    assert query.phrases == ["object detection"]
    assert query.exclude_tags == ["yolo"]


@pytest.mark.parametrize(
    "request_text",
    [
        "find me gan papers",
        "show gan papers please",
        "any gan papers",
        "looking for gan papers",
        "something about gan papers",
        "please show me some gan papers",
        "any gan projects with papers",
        "try some gan papers",  # every result is a project: the word says nothing of which
    ],
)
def test_filler_never_becomes_keywords(engine, request_text):
    query = engine.parse(request_text)
    assert query.keywords == []
    assert set(query.include_tags) == {"generative-adversarial-networks", "paper"}


def test_descriptive_requests_rank_by_tags_instead_of_filtering(engine):
    query = engine.parse("compact single stage detector with training scripts in pytorch")
    assert "pytorch" in query.include_tags and "pytorch" in query.inferred_tags  # a weight, not a gate
    top = engine.search(query).results[0].project
    assert top.title == "YOLO in PyTorch"


def test_over_specific_request_relaxes_and_says_what(engine):
    response = engine.search("jax gan notebooks")
    assert response.results, "an over-specific request still returns something"
    assert response.relaxed
    assert any("close matches" in note for note in response.notes)


def test_echo_lists_every_part(engine):
    query = engine.parse('newest "single stage" detector pytorch tutorials not yolo')
    echo = query.echo()
    assert 'phrases: "single stage"' in echo and "#pytorch" in echo and "excluding: #yolo" in echo
    assert echo.endswith("newest first")


# ---- adversarial input -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "the and of a", "!!! ??? ...", "🤖🔥🚀", "\u200b\u202e"])
def test_empty_or_meaningless_requests_parse_to_an_empty_query(engine, text):
    query = engine.parse(text)
    assert query.is_empty
    assert query.echo() == "everything"
    assert engine.search(text).total == len(engine.projects)  # the whole catalog, newest first


def test_five_thousand_characters(engine):
    text = ("pytorch tutorials on object detection " * 150)[:5000]
    query = engine.parse(text)
    assert {"pytorch", "tutorial", "object-detection"} <= tags_of(query)
    assert len(query.text) <= 2000
    engine.search(text)


def test_a_tag_like_word_that_is_not_a_tag(engine):
    query = engine.parse("#quantum-widgets tutorials")
    assert "quantum-widgets" not in query.include_tags
    assert "quantum widgets" in query.keywords
    assert any("not a tag" in note for note in query.notes)


@pytest.mark.parametrize("text", ["not", "gan papers without", "no", "-", "-#", "tag:"])
def test_negation_with_nothing_after_it(engine, text):
    query = engine.parse(text)
    assert query.exclude_tags == [] and query.exclude_words == []


def test_conflicting_include_and_exclude_of_the_same_tag(engine):
    query = engine.parse("pytorch tutorials not pytorch")
    assert "pytorch" in query.exclude_tags and "pytorch" not in tags_of(query)
    assert any("exclusion wins" in note for note in query.notes)
    assert all("pytorch" not in r.project.tags for r in engine.search(query).results)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_the_parser_never_raises(engine, text):
    query = engine.parse(text)
    assert isinstance(query, Query)
    assert isinstance(query.echo(), str)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "not",
                "no",
                "-",
                "#",
                "tag:",
                '"',
                "pytorch",
                "yolo",
                "object",
                "detection",
                "newest",
                ",",
                "gan",
                "papers",
                "without",
                "but",
                "-#yolo",
                "tag:jax",
                "🤖",
                "\u202e",
                "most",
                "recent",
                "nlp",
            ]
        ),
        max_size=20,
    )
)
def test_parser_and_search_never_raise_on_request_like_noise(engine, words):
    response = engine.search(" ".join(words))
    assert response.total >= 0


def test_a_title_that_holds_every_word_ranks_despite_a_missing_inferred_tag():
    projects = [
        Project(id=1, title="Prediction library", description="Structured outputs for sequences.", tags=["code"]),
        Project(id=2, title="Forecast toolkit", description="Sales prediction made simple.", tags=["library"]),
        Project(id=3, title="Vision library", description="Image models.", tags=["library"]),
    ]
    engine = SearchEngine(projects, Taxonomy([Tag(tag="library"), Tag(tag="code")]))
    response = engine.search("prediction library", limit=3)
    assert response.parsed.include_tags == ["library"]
    assert 1 in {r.project.id for r in response.results}  # a guessed tag is evidence, not a gate
    assert response.relaxed and any("lack #library" in note for note in response.notes)
    # A request of tag words only ranks the projects carrying the tag first.
    assert [r.project.id for r in engine.search("libraries").results][:2] in ([2, 3], [3, 2])


@pytest.mark.parametrize(
    "request_text, excluded, wanted",
    [
        ("object detection not yolo or pytorch", {"yolo", "pytorch"}, {"object-detection"}),
        ("vision tutorials excluding pytorch and tensorflow", {"pytorch", "tensorflow"}, {"computer-vision", "tutorial"}),
        ("gan tutorials that don't use pytorch", {"pytorch"}, {"generative-adversarial-networks", "tutorial"}),
        ("nlp without any of the transformers", {"transformers"}, {"natural-language-processing"}),
        ("not yolo and pytorch tutorials", {"yolo"}, {"pytorch", "tutorial"}),
        ("without yolo and with pytorch", {"yolo"}, {"pytorch"}),
    ],
)
def test_negation_lists_and_contractions(engine, request_text, excluded, wanted):
    query = engine.parse(request_text)
    assert set(query.exclude_tags) == excluded
    assert wanted <= tags_of(query)


@pytest.mark.parametrize(
    "request_text, excluded, wanted",
    [
        # Said after the tag: a copula, then a negation or a word that rules it out.
        ("gan tutorials? pytorch is banned at work", {"pytorch"}, {"generative-adversarial-networks", "tutorial"}),
        ("object detection code, pytorch isn't an option for me", {"pytorch"}, {"object-detection"}),
        ("transfer learning tutorials, nlp is off the table", {"natural-language-processing"}, {"tutorial"}),
        # Pointing back: the tag named last.
        ("we already read the pytorch ones so skip those, any vision tutorials?", {"pytorch"}, {"tutorial"}),
        # More cues.
        ("anything besides yolo for object detection", {"yolo"}, {"object-detection"}),
        ("self-supervised papers outside computer vision", {"computer-vision"}, {"paper"}),
        ("i'm done with tensorflow, gan tutorials pls", {"tensorflow"}, {"generative-adversarial-networks", "tutorial"}),
    ],
)
def test_negations_said_after_the_tag_or_pointing_back(engine, request_text, excluded, wanted):
    query = engine.parse(request_text)
    assert set(query.exclude_tags) == excluded
    assert wanted <= tags_of(query)
    assert not excluded & tags_of(query)
    assert "option" not in query.exclude_words  # the rest of "isn't an option" says why, it rules nothing out


@pytest.mark.parametrize(
    "request_text, wanted",
    [
        ("pytorch models that aren't huge", {"pytorch"}),  # a relative clause describes, the tag stays wanted
        ("pytorch tutorials are what i need", {"pytorch", "tutorial"}),
        ("gan tutorials w/ pytorch", {"pytorch", "tutorial"}),
    ],
)
def test_a_copula_after_a_tag_is_no_negation_by_itself(engine, request_text, wanted):
    query = engine.parse(request_text)
    assert wanted <= tags_of(query) and not query.exclude_tags


@pytest.mark.parametrize("text", ["few-shot learning papers", "few shot learning papers"])
def test_a_stop_word_may_open_a_tag_name(mwml_engine, text):
    query = mwml_engine.parse(text)
    assert set(query.include_tags) == {"few-shot-learning", "paper"} and not query.keywords


@pytest.mark.parametrize(
    "text, tag",
    [
        ("zero-shot papers", "zero-shot-learning"),
        ("self supervised stuff", "self-supervised-learning"),
        ("graph neural nets", "graph-neural-networks"),
    ],
)
def test_a_name_may_be_said_without_its_head(mwml_engine, text, tag):
    """ "learning" and "networks" end dozens of tag names, so the words before them name the tag."""
    assert tag in mwml_engine.parse(text).include_tags


@pytest.mark.parametrize(
    "text, excluded, wanted",
    [
        ("nlp libraries, but hugging face and spacy are both off the table", {"huggingface", "spacy"}, {"library"}),
        ("gan tutorials: pytorch, keras or tensorflow is banned", {"pytorch", "keras", "tensorflow"}, {"tutorial"}),
        ("cv tutorials and pytorch is not allowed", {"pytorch"}, {"computer-vision", "tutorial"}),  # "is": one subject
        ("keras tutorials, tensorflow and pytorch are fine", set(), {"keras", "tensorflow", "pytorch"}),
    ],
)
def test_a_negation_after_a_list_rules_out_the_whole_list(mwml_engine, text, excluded, wanted):
    query = mwml_engine.parse(text)
    assert set(query.exclude_tags) == excluded and wanted <= set(query.include_tags)


@pytest.mark.parametrize(
    "text, tags",
    [
        ("medical imaging segmentation with unet", {"medical-imaging", "segmentation", "unet"}),  # not the tag of 1 project
        ("graph neural networks", {"graph-neural-networks"}),  # a tag in use keeps its whole name
    ],
)
def test_a_barely_used_tag_named_by_two_used_ones_reads_as_those(mwml_engine, text, tags):
    assert set(mwml_engine.parse(text).include_tags) == tags


@pytest.mark.parametrize("text, tag", [("sampling nodes from big graphs", "node-js"), ("explaining predictions", "inference")])
def test_a_one_word_alias_the_catalog_rarely_means_names_no_tag(mwml_engine, text, tag):
    """ "node" is an alias of #node-js (8 projects), but 43 projects say it, mostly of graphs."""
    assert tag not in mwml_engine.parse(text).include_tags


def test_a_catalog_tag_outside_the_taxonomy_on_too_few_projects_is_asked_for_only_with_a_hash():
    """One project's own label ("pool detection") is no name people use; a tag three projects
    share is, "#tag" asks for either, and a negation rules either out."""
    projects = [Project(id="p", title="Backyard pools from above", description="pool detection", tags=["pool-detection"])]
    projects += [
        Project(id=f"s{i}", title=f"Solar {i}", description="rooftop solar panels from aerial photos", tags=["rooftop-solar"])
        for i in range(MIN_NAMED_PROJECTS)
    ]
    engine = SearchEngine(projects)
    plain = engine.parse("pool detection on rooftop solar maps")
    assert "pool-detection" not in plain.include_tags and {"pool", "detection"} <= set(plain.keywords)
    assert "rooftop-solar" in plain.include_tags
    assert "pool-detection" in engine.parse("#pool-detection").include_tags
    assert engine.parse("solar maps, but pool detection is not what i need").exclude_tags == ["pool-detection"]


def test_a_name_without_its_head_never_ends_on_a_stop_word(mwml_engine):
    assert "image-to-text" not in mwml_engine.parse("image to image translation").include_tags


@pytest.mark.parametrize(
    "request_text, excluded, wanted",
    [
        ("embedding tutorials, i don't want the nlp / word vector angle", {"natural-language-processing", "word-vectors"}, set()),
        ("interpretability code? saliency maps on images is not what i need", {"saliency-maps"}, {"interpretability"}),
        # Through a relative clause the tag stays wanted: only what the clause names is ruled out.
        ("are there courses in here that aren't about deep learning?", {"deep-learning"}, {"course"}),
    ],
)
def test_lists_with_a_slash_and_negations_after_a_phrase(mwml_engine, request_text, excluded, wanted):
    query = mwml_engine.parse(request_text)
    assert set(query.exclude_tags) == excluded and wanted <= set(query.include_tags)


def test_a_tag_named_as_a_reason_is_context(mwml_engine):
    query = mwml_engine.parse("convnet tutorials, not the pytorch ones, since we use mxnet at work")
    assert "mxnet" not in query.include_tags and "mxnet" in query.keywords  # still ranked on, never dropped
    assert query.exclude_tags == ["pytorch"]


@pytest.mark.parametrize(
    "request_text, excluded",
    [
        ("object detection tutorials, anything yolo-related is off the table", {"yolo"}),
        ("interpretability code, pytorch-only stuff is useless to us", {"pytorch"}),
        ("model compression articles? i've read everything on quantization already so leave that out", {"quantization"}),
        ("autoencoder tutorials? they all jump into vaes, which i don't want", {"variational-autoencoders"}),
        ("transformers code for images. nlp results need not apply", {"natural-language-processing"}),
        ("language model code, not gpt-2 though", {"gpt2"}),  # the more used of #gpt-2 (1 project) and #gpt2 (14)
        ("rl tutorials, text only, no vids", {"video"}),
    ],
)
def test_more_ways_to_rule_a_tag_out(mwml_engine, request_text, excluded):
    query = mwml_engine.parse(request_text)
    assert set(query.exclude_tags) == excluded, query
    assert not excluded & set(query.include_tags)


def test_describing_words_are_no_exclusion(mwml_engine):
    query = mwml_engine.parse("a paper that classifies images with zero annotations, what was it called?")
    assert not query.exclude_tags


@pytest.mark.parametrize(
    "request_text, library",
    [
        ("gan notebooks, any framework, but not keras", False),
        ("gan tutorials, framework doesn't matter", False),
        ("gan libraries, any framework is fine", True),  # the libraries asked for, not the framework
        ("gans with pytorch, any libraries?", True),
        ("which framework is best for gans", True),
    ],
)
def test_a_category_said_to_be_free_is_no_intent(engine, request_text, library):
    query = engine.parse(request_text)
    assert ("library" in query.include_tags) is library
    assert "generative-adversarial-networks" in query.include_tags and not {"fine", "matter"} & set(query.keywords)


def test_an_everyday_word_no_project_uses_is_no_exclusion_but_a_name_is(engine):
    assert engine.parse("gan papers, no rush, just curious").exclude_words == []
    # Only "no" and "not" make idioms of everyday words; other cues rule out what they name.
    assert engine.parse("gan papers, but skip anything about rush").exclude_words == ["rush"]
    assert engine.parse("gan tutorials, please skip poetry ones").exclude_words == ["poetry"]  # "ones" stands for results
    assert engine.parse("gan papers, not tesseract").exclude_words == ["tesseract"]
    assert engine.parse("gan tutorials, not compact").exclude_words == ["compact"]  # an everyday word projects use
