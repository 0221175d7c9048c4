"""Meaning beyond shared words (retrieval/semantic.py): the vectors, and what they do to a search."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from retrieval import semantic
from retrieval.engine import EngineSettings, SearchEngine
from retrieval.models import Project
from retrieval.semantic import _FEW, DOC_DIMS, MIN_PROJECTS, Meanings, _model, embed
from retrieval.taxonomy import load_taxonomy
from tests.conftest import ROOT

DEMO = (ROOT / "data" / "projects.json", ROOT / "data" / "tags.json")
WORDS_ONLY = EngineSettings(similarity_weight=0, meaning_weight=0)


@pytest.fixture(scope="module")
def demo() -> SearchEngine:
    return SearchEngine.from_paths(*DEMO)


@pytest.fixture(scope="module")
def demo_by_words() -> SearchEngine:
    return SearchEngine.from_paths(*DEMO, settings=WORDS_ONLY)


def test_a_text_is_a_unit_vector_and_a_text_of_no_token_a_zero_one():
    vectors = embed(["summarise long news articles", "", "object detection with yolo"])
    assert vectors.dtype == np.float32 and vectors.shape == (3, vectors.shape[1])
    assert np.allclose(np.linalg.norm(vectors, axis=1), [1, 0, 1], atol=1e-5)
    assert not np.isnan(vectors).any()


def test_the_vectors_are_those_wordllama_itself_computes():
    from wordllama.inference import WordLlamaInference

    texts = ["summarise long news articles", "object detection with yolo — ünïcode 🚀", "", "x" * 3000]
    texts += [f"project {n}: a library for {word}" for n, word in enumerate(["gans", "rl", "nlp", "cv"] * 3)]
    model = _model()
    tokenizer = Tokenizer.from_str(model.tokenizer.to_str())  # wordllama pads its tokenizer
    theirs = WordLlamaInference(model.tokens, tokenizer).embed(texts, norm=False)
    norms = np.linalg.norm(theirs, axis=1, keepdims=True)
    theirs = np.divide(theirs, norms, out=np.zeros_like(theirs), where=norms > 0)
    assert len(texts) > _FEW  # the batch path (a build's)
    assert np.allclose(embed(texts), theirs, atol=1e-6)
    for text, vector in zip(texts, theirs):  # one at a time, the path a request takes
        assert np.allclose(embed([text])[0], vector, atol=1e-6)


def test_the_token_vectors_are_those_the_safetensors_package_reads():
    from safetensors import safe_open

    path = Path(importlib.util.find_spec("wordllama").submodule_search_locations[0]) / "weights" / "l2_supercat_256.safetensors"
    with safe_open(str(path), framework="np") as weights:
        assert np.array_equal(_model().tokens, weights.get_tensor("embedding.weight"))


def test_texts_alike_in_meaning_are_nearer_than_texts_alike_in_nothing():
    summary, condense, detect = embed(
        ["text summarization of news", "condense articles into a few key sentences", "bounding boxes around cars"]
    )
    assert summary @ condense > summary @ detect


def test_centroids_are_kept_for_topic_tags_on_enough_projects():
    projects = [
        Project(id=i, title=f"Speech model {i}", description="turns spoken audio into text", tags=["speech", "code"])
        for i in range(MIN_PROJECTS)
    ] + [Project(id=99, title="A lone GAN", description="generates faces", tags=["gans", "code"])]
    engine = SearchEngine(projects)
    meanings = engine.models.meanings
    assert meanings.tag_names == ["speech"]  # #code is a resource type; #gans has one project
    assert meanings.doc_vectors.shape == (len(projects), DOC_DIMS) and meanings.well_formed(len(projects))
    assert meanings.tags(embed(["speech recognition"])[0])[0] > 0.3


def test_a_tags_vector_lies_where_people_ask_for_it(tmp_path, monkeypatch):
    """Catalog descriptions say what a project is; the example requests say what people want done."""
    projects = [
        Project(
            id=i,
            title=f"Recommender {i}",
            description="collaborative filtering with matrix factorization",
            tags=["recommendation-systems"],
        )
        for i in range(MIN_PROJECTS)
    ] + [
        Project(
            id=10 + i,
            title=f"Tagger {i}",
            description="part-of-speech tagging of sentences",
            tags=["natural-language-processing"],
        )
        for i in range(MIN_PROJECTS)
    ]
    asked = embed(["which films should my streaming app put in front of each viewer next"])[0]

    def closeness() -> float:
        meanings = SearchEngine(projects).models.meanings
        return float(meanings.tags(asked)[meanings.tag_names.index("recommendation-systems")])

    with_examples = closeness()
    monkeypatch.setattr(semantic, "TOPIC_EXAMPLES", tmp_path / "none.jsonl")
    (tmp_path / "none.jsonl").write_text("", encoding="utf-8")
    assert with_examples > closeness() + 0.1


@pytest.mark.parametrize(
    ("request_text", "tag"),
    [
        ("make a computer read text out loud in a natural voice", "text-to-speech"),
        # Said as a topic: "shrink a big neural net so it runs fast on a phone" lies nearest one
        # project's own words (Deep Compression) and is read as that known item.
        ("tricks for making big neural networks smaller and faster on phones", "model-compression"),
    ],
)
def test_a_purpose_in_everyday_words_finds_the_tag_it_means(demo, demo_by_words, request_text, tag):
    def carrying(engine: SearchEngine) -> int:
        return sum(tag in r.project.tags for r in engine.search(request_text, limit=5).results)

    response = demo.search(request_text)
    assert any(e.tag == tag and e.source == "meaning" for e in response.parsed.expanded_tags)
    found, by_words = carrying(demo), carrying(demo_by_words)
    assert found >= 3 and found >= by_words + 2


def test_the_nearest_tags_weigh_nothing_for_a_request_in_one_projects_own_words(demo):
    """The gate: a request far nearer one project than any tag is a known item; a purpose in
    everyday words, nearer a tag than any project, gets the tags its meaning is near."""
    own = demo.project_at(0)
    known_item = f"{own.title}. {own.description}"
    topic = "make a computer read text out loud in a natural voice"
    gated = demo.settings.model_copy(update={"meaning_gate_center": -0.1, "meaning_gate_width": 0.2, "meaning_weight": 3.0})

    def ids(request: str, **update: float) -> list[str]:
        demo.settings = gated.model_copy(update=update)
        return [r.project.id for r in demo.search(request, limit=10).results]

    try:
        without_meaning = ids(known_item, meaning_weight=0.0)
        assert ids(known_item) == without_meaning
        assert ids(known_item, meaning_gate_width=0.0) != without_meaning  # ungated, the tags reorder it
        assert ids(topic) != ids(topic, meaning_weight=0.0)
    finally:
        demo.settings = EngineSettings()


def test_what_is_meant_weighs_less_on_projects_off_the_topic_the_request_names():
    projects = [
        Project(
            id=f"s{i}",
            title=f"Transcriber {i}",
            description="speech recognition for audio recordings",
            tags=["speech-recognition"],
        )
        for i in range(MIN_PROJECTS)
    ] + [
        Project(id=f"p{i}", title=f"Torch demo {i}", description=f"a {word} written in torch", tags=["pytorch"])
        for i, word in enumerate(["chess engine", "garden planner", "weather app", "maze solver", "music tagger"])
    ]
    engine = SearchEngine(projects)
    request = "pytorch code that turns spoken words into written text"

    def first(share: float) -> str:
        engine.settings = EngineSettings(meaning_off_topic=share)
        return str(engine.search(request, limit=10).results[0].project.id)

    assert first(1.0).startswith("s")  # what the request means, though it lacks #pytorch
    assert first(0.0).startswith("p")  # what the request says comes first


def test_a_request_of_tag_words_alone_has_no_meaning_expansions(demo):
    expanded = demo.search("pytorch object detection tutorials").parsed.expanded_tags
    assert not [e for e in expanded if e.source == "meaning"]


def test_a_word_the_catalog_never_uses_brings_no_meaning(demo):
    assert demo.search("qwzxv").total == 0


def test_a_damaged_shape_is_not_well_formed():
    meanings = Meanings(np.zeros((3, DOC_DIMS), dtype=np.float32), ["a"], np.zeros((2, 256), dtype=np.float32))
    assert not meanings.well_formed(3)
    assert not Meanings(np.zeros((2, DOC_DIMS), dtype=np.float32), [], np.zeros((0, 256), dtype=np.float32)).well_formed(3)


def test_the_only_project_with_the_requests_word_comes_first_whatever_meaning_says():
    projects = [Project.model_validate(p) for p in json.loads(DEMO[0].read_text(encoding="utf-8"))]
    projects.append(Project(id="zz-new", title="Zebrafish tracking toolkit", description="", tags=["code"]))
    engine = SearchEngine(projects, load_taxonomy(DEMO[1])[0])
    response = engine.search("zebrafish")
    assert [e for e in response.parsed.expanded_tags if e.source == "meaning"]  # meaning weighs other projects
    assert response.results[0].project.id == "zz-new"


def test_a_few_projects_are_compared_alone_and_as_the_whole_pass_would(demo, monkeypatch):
    meanings = demo.models.meanings
    request = embed(["speech recognition"])[0]
    everyone = meanings.documents(request, np.arange(len(meanings.doc_vectors)))
    few = np.array([3, 40, 41, 200])
    assert few.size * 4 < len(meanings.doc_vectors)  # the rows alone
    assert np.allclose(meanings.documents(request, few), everyone[few], atol=1e-6)
    monkeypatch.setattr(semantic, "_ROWS", 3)  # and a few at a time
    assert np.allclose(meanings.documents(request, few), everyone[few], atol=1e-6)
