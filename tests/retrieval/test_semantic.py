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


@pytest.mark.parametrize(
    ("request_text", "tag"),
    [
        ("make a computer read text out loud in a natural voice", "text-to-speech"),
        ("shrink a big neural net so it runs fast on a phone", "model-compression"),
    ],
)
def test_a_purpose_in_everyday_words_finds_the_tag_it_means(demo, demo_by_words, request_text, tag):
    def carrying(engine: SearchEngine) -> int:
        return sum(tag in r.project.tags for r in engine.search(request_text, limit=5).results)

    response = demo.search(request_text)
    assert any(e.tag == tag and e.source == "meaning" for e in response.parsed.expanded_tags)
    found, by_words = carrying(demo), carrying(demo_by_words)
    assert found >= 3 and found >= by_words + 2


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
