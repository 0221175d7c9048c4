"""The taxonomy: aliases, spelling variants, parents, and the problems a tags.json can have."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.engine import SearchEngine
from retrieval.models import Project, Tag
from retrieval.problems import CatalogError, Problem
from retrieval.taxonomy import Taxonomy, load_taxonomy
from tests.conftest import MWML_TAGS, needs_mwml

FIXTURES = Path(__file__).parent / "fixtures"


def write_tags(tmp_path: Path, records: object) -> Path:
    path = tmp_path / "tags.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def tag(name: str, aliases: list[str] | None = None, parents: list[str] | None = None) -> dict:
    return {"tag": name, "aliases": aliases or [], "parents": parents or []}


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(CatalogError) as caught:
        load_taxonomy(path)
    return caught.value.problems


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    loaded, problems = load_taxonomy(FIXTURES / "small_tags.json")
    assert problems == []
    return loaded


# ---- names, aliases and variants -----------------------------------------------------------


def test_aliases_resolve_to_canonical_tags(taxonomy):
    assert taxonomy.resolve("nlp") == "natural-language-processing"
    assert taxonomy.resolve("#NLP") == "natural-language-processing"
    assert taxonomy.resolve("cv") == "computer-vision"
    assert taxonomy.resolve("Machine Vision") == "computer-vision"
    assert taxonomy.resolve("tflite") == "tensorflow-lite"
    assert taxonomy.aliases["torch"] == "pytorch"


def test_names_resolve_to_themselves_and_unknown_names_to_none(taxonomy):
    assert taxonomy.resolve("Object Detection") == "object-detection"
    assert taxonomy.resolve("yolo") == "yolo"
    assert taxonomy.resolve("quantum-chemistry") is None
    assert taxonomy.resolve("") is None


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("gans", "generative-adversarial-networks"),
        ("GANs", "generative-adversarial-networks"),
        ("tf-lite", "tensorflow-lite"),
        ("TFLite", "tensorflow-lite"),
        ("transformer", "transformers"),
        ("yolos", "yolo"),
    ],
)
def test_spelling_variants_fold_to_their_tag(taxonomy, variant, canonical):
    assert taxonomy.resolve(variant) == canonical


def test_canonical_leaves_unknown_tags_alone(taxonomy):
    assert taxonomy.canonical("quantum-chemistry") == "quantum-chemistry"


# ---- parents --------------------------------------------------------------------------


def test_parent_expands_to_every_descendant_across_levels(taxonomy):
    # yolo -> object-detection -> computer-vision (written as its alias 'cv')
    assert taxonomy.descendants("computer-vision") == {
        "computer-vision",
        "object-detection",
        "yolo",
        "image-segmentation",
    }
    assert taxonomy.descendants("object-detection") == {"object-detection", "yolo"}
    assert taxonomy.descendants("yolo") == {"yolo"}
    assert taxonomy.descendants("tensorflow") == {"tensorflow", "tensorflow-lite", "keras"}


def test_parents_written_as_aliases_resolve(taxonomy):
    assert taxonomy.parents("object-detection") == ["computer-vision"]
    assert "cv" not in taxonomy.tags


def test_parents_written_as_spelling_variants_resolve(tmp_path):
    path = write_tags(tmp_path, [tag("gan"), tag("stylegan", parents=["GANs"])])
    loaded, _ = load_taxonomy(path)
    assert loaded.parents("stylegan") == ["gan"]
    assert loaded.descendants("gan") == {"gan", "stylegan"}
    assert "gans" not in loaded.tags


def test_a_parent_that_only_exists_as_a_name_is_still_a_tag(taxonomy):
    assert "generative-models" in taxonomy.tags
    assert taxonomy.resolve("generative-models") == "generative-models"
    assert taxonomy.descendants("generative-models") == {"generative-models", "generative-adversarial-networks"}


def test_resource_tags_are_the_generic_kinds_the_vocabulary_has(taxonomy):
    assert taxonomy.resource_tags == {"tutorial", "paper", "code", "library"}
    assert taxonomy.is_resource("paper") and not taxonomy.is_resource("pytorch")


# ---- problems ---------------------------------------------------------------------------


def test_alias_colliding_with_another_tags_name_is_a_problem(tmp_path):
    path = write_tags(tmp_path, [tag("pytorch", aliases=["keras"]), tag("keras")])
    (problem,) = problems_of(path)
    assert (problem.position, problem.record_id) == (1, "pytorch")
    assert "'keras'" in problem.reason and "another tag's name" in problem.reason


def test_alias_colliding_with_another_tags_alias_is_a_problem(tmp_path):
    path = write_tags(tmp_path, [tag("natural-language-processing", aliases=["nlp"]), tag("nlp-models", aliases=["NLP"])])
    (problem,) = problems_of(path)
    assert (problem.position, problem.record_id) == (2, "nlp-models")
    assert "'nlp'" in problem.reason and "natural-language-processing" in problem.reason


def test_an_alias_equal_to_its_own_name_is_harmless(tmp_path):
    loaded, problems = load_taxonomy(write_tags(tmp_path, [tag("keras", aliases=["Keras"])]))
    assert problems == [] and loaded.aliases == {}


def test_a_tag_that_is_its_own_parent_is_a_problem(tmp_path):
    (problem,) = problems_of(write_tags(tmp_path, [tag("ok"), tag("loop", parents=["loop"])]))
    assert (problem.position, problem.record_id) == (2, "loop")
    assert "own parent" in problem.reason


def test_a_parent_alias_pointing_back_at_the_tag_is_a_self_cycle(tmp_path):
    (problem,) = problems_of(write_tags(tmp_path, [tag("deep-learning", aliases=["dl"], parents=["dl"])]))
    assert problem.record_id == "deep-learning" and "own parent" in problem.reason


def test_a_two_cycle_is_a_problem_naming_the_tag(tmp_path):
    (problem,) = problems_of(write_tags(tmp_path, [tag("a", parents=["b"]), tag("b", parents=["a"])]))
    assert problem.record_id in {"a", "b"}
    assert "cycle" in problem.reason
    other = "a" if problem.record_id == "b" else "b"
    assert f"'{other}'" in problem.reason


def test_a_three_cycle_is_a_problem_naming_the_tag(tmp_path):
    records = [tag("x", parents=["y"]), tag("y", parents=["z"]), tag("z", parents=["x"]), tag("w", parents=["x"])]
    (problem,) = problems_of(write_tags(tmp_path, records))
    assert problem.record_id in {"x", "y", "z"} and "cycle" in problem.reason
    assert str(problem).startswith(f"tags.json #{'xyz'.index(problem.record_id) + 1} (id {problem.record_id})")


def test_a_cycle_through_an_alias_is_found(tmp_path):
    records = [tag("a", aliases=["alpha"], parents=["b"]), tag("b", parents=["alpha"])]
    (problem,) = problems_of(write_tags(tmp_path, records))
    assert "cycle" in problem.reason


def test_cycles_are_broken_so_descendants_terminate(tmp_path):
    records = [tag("x", parents=["y"]), tag("y", parents=["z"]), tag("z", parents=["x"])]
    loaded, problems = load_taxonomy(write_tags(tmp_path, records), skip_invalid=True)
    assert len(problems) == 1
    assert {"x", "y", "z"} in ({*loaded.descendants(t)} for t in "xyz")
    # With one edge dropped the rest of the chain holds.
    assert sum(len(loaded.parents(t)) for t in "xyz") == 2


@pytest.mark.parametrize(
    ("record", "reason_part", "shown"),
    [
        ({"aliases": ["x"]}, "tag: Field required", None),
        ({"tag": "   "}, "tag name is empty", None),
        ({"tag": "q", "aliases": "not-a-list"}, "aliases", "q"),
        ({"tag": "q", "parents": [1]}, "parents", "q"),
        ("a string", "not a JSON object", None),
    ],
)
def test_bad_taxonomy_records_are_reported_with_position_and_reason(tmp_path, record, reason_part, shown):
    (problem,) = problems_of(write_tags(tmp_path, [tag("fine"), record]))
    assert problem.position == 2
    assert problem.record_id == shown
    assert reason_part in problem.reason
    assert "Value error" not in problem.reason


def test_a_duplicate_tag_is_a_problem(tmp_path):
    (problem,) = problems_of(write_tags(tmp_path, [tag("keras"), tag("Keras")]))
    assert (problem.position, problem.record_id, problem.reason) == (2, "keras", "duplicate tag")


def test_every_problem_is_listed_in_file_order(tmp_path):
    records = [
        tag("pytorch", aliases=["keras"]),  # 1 alias = tag name
        tag("keras"),  # 2
        tag("loop", parents=["loop"]),  # 3 self parent
        {"aliases": []},  # 4 no tag
        tag("keras"),  # 5 duplicate
    ]
    assert [p.position for p in problems_of(write_tags(tmp_path, records))] == [1, 3, 4, 5]


def test_skip_invalid_keeps_the_good_parts(tmp_path):
    records = [
        tag("natural-language-processing", aliases=["nlp"]),
        tag("nlp-models", aliases=["nlp", "language-models"], parents=["nlp"]),
        tag("loop", parents=["loop", "natural-language-processing"]),
        {"aliases": []},
    ]
    loaded, problems = load_taxonomy(write_tags(tmp_path, records), skip_invalid=True)
    assert [p.position for p in problems] == [2, 3, 4]
    # The colliding alias is dropped, the rest of the record is kept.
    assert loaded.resolve("nlp") == "natural-language-processing"
    assert loaded.resolve("language-models") == "nlp-models"
    assert loaded.parents("nlp-models") == ["natural-language-processing"]
    # The self edge is dropped, the good parent stays.
    assert loaded.parents("loop") == ["natural-language-processing"]
    assert loaded.descendants("natural-language-processing") == {"natural-language-processing", "nlp-models", "loop"}


def test_missing_taxonomy_file_is_a_problem(tmp_path):
    with pytest.raises(CatalogError, match="file not found"):
        load_taxonomy(tmp_path / "tags.json")


def test_an_empty_taxonomy_is_allowed(tmp_path):
    loaded, problems = load_taxonomy(write_tags(tmp_path, []))
    assert problems == [] and loaded.tags == frozenset()


# ---- without a taxonomy file ------------------------------------------------------------


def test_without_a_taxonomy_the_vocabulary_is_the_catalog_tags():
    projects = [
        Project(id=1, title="A", tags=["PyTorch", "Object Detection"]),
        Project(id=2, title="B", tags=["nlp", "tutorial"]),
        Project(id=3, title="C"),
    ]
    engine = SearchEngine(projects)
    assert engine.taxonomy.tags == {"pytorch", "object-detection", "nlp", "tutorial"}
    assert engine.taxonomy.resource_tags == {"tutorial"}
    assert engine.taxonomy.descendants("nlp") == {"nlp"}
    assert engine.taxonomy.resolve("Object Detection") == "object-detection"
    assert engine.taxonomy.resolve("computer-vision") is None


def test_catalog_tags_written_as_aliases_become_their_tag():
    taxonomy = Taxonomy([Tag(tag="natural-language-processing", aliases=["nlp"]), Tag(tag="gan")])
    engine = SearchEngine([Project(id=1, title="A", tags=["nlp", "gans", "natural-language-processing"])], taxonomy)
    assert engine.projects[0].tags == ["natural-language-processing", "gan"]
    assert engine.taxonomy.tags == {"natural-language-processing", "gan"}


@needs_mwml
def test_the_made_with_ml_taxonomy_loads_cleanly():
    loaded, problems = load_taxonomy(MWML_TAGS)
    assert problems == []
    assert loaded.resolve("nlp") == "natural-language-processing"
    assert "object-detection" in loaded.descendants("computer-vision")
