"""The start-up cache gives the engine from_paths gives, and is rebuilt whenever it may be stale or damaged.

Its entries are snapshots (retrieval/snapshot.py); damage of every kind is in test_snapshot.py,
and here the cache's part: a snapshot it cannot use is said so in one line and rebuilt."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import retrieval.cache as cache
import retrieval.engine
import retrieval.snapshot as snapshot
from retrieval import snapfile
from retrieval.analyzer import Analyzer
from retrieval.cache import cache_path, load_engine
from retrieval.engine import EngineSettings, SearchEngine
from tests.conftest import DEMO_PROJECTS, DEMO_TAGS

REQUESTS = [
    "pytorch tutorials on object detection, not yolo",
    "transformers",
    "#computer-vision",
    "gans -pytorch",
    "newest nlp",
    "learning code",
]


@pytest.fixture
def files(tmp_path):
    catalog, tags = tmp_path / "projects.json", tmp_path / "tags.json"
    shutil.copy(DEMO_PROJECTS, catalog)
    shutil.copy(DEMO_TAGS, tags)
    return catalog, tags, tmp_path / "cache"


@pytest.fixture
def builds(monkeypatch):
    """Counts catalog loads (a cache miss), as the engine calls them."""
    calls = []
    real = retrieval.engine.load_catalog

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(retrieval.engine, "load_catalog", counting)
    return calls


def answers(engine: SearchEngine) -> list:
    out = []
    for request in REQUESTS:
        response = engine.search(request, limit=20)
        out.append(
            (
                response.total,
                [(r.project.id, r.score) for r in response.results],
                [s.tag for s in response.suggested_tags],
                response.notes,
                response.parsed.expanded_tags,
            )
        )
    return out


def test_a_cached_engine_answers_like_a_fresh_one(files, builds):
    catalog, tags, cache_dir = files
    fresh = SearchEngine.from_paths(catalog, tags)
    builds.clear()
    first = load_engine(catalog, tags, cache_dir=cache_dir)
    assert len(builds) == 1 and cache_path(cache_dir, catalog).exists()
    second = load_engine(catalog, tags, cache_dir=cache_dir)
    assert len(builds) == 1  # loaded, not built
    assert answers(fresh) == answers(first) == answers(second)
    assert [p.model_dump() for p in second.projects] == [p.model_dump() for p in fresh.projects]
    assert second.index.vocabulary == fresh.index.vocabulary
    assert (second.index.matrix != fresh.index.matrix).nnz == 0


def test_a_cached_start_builds_and_trains_nothing(files, monkeypatch):
    catalog, tags, cache_dir = files
    built = load_engine(catalog, tags, cache_dir=cache_dir)

    def refuses(*args, **kwargs):
        raise AssertionError("a cached start must not build the index or train the tag model")

    monkeypatch.setattr(cache.SearchEngine, "__init__", refuses)
    loaded = load_engine(catalog, tags, cache_dir=cache_dir)
    assert loaded.models.lexicon.counts == built.models.lexicon.counts
    assert loaded.models.tag_model is not None and loaded.models.tag_model.labels == built.models.tag_model.labels
    assert loaded.models.replies.labels == built.models.replies.labels
    assert np.array_equal(loaded.models.replies.coef, built.models.replies.coef)


def test_a_changed_catalog_is_rebuilt(files, builds):
    catalog, tags, cache_dir = files
    load_engine(catalog, tags, cache_dir=cache_dir)
    records = json.loads(catalog.read_text())
    records.append({"id": "zz-new", "title": "Zebrafish tracking toolkit", "description": "", "tags": ["code"]})
    catalog.write_text(json.dumps(records))
    engine = load_engine(catalog, tags, cache_dir=cache_dir)
    assert len(builds) == 2
    assert engine.search("zebrafish").results[0].project.id == "zz-new"
    load_engine(catalog, tags, cache_dir=cache_dir)
    assert len(builds) == 2  # and the new one is cached


def test_a_changed_taxonomy_is_rebuilt(files, builds):
    catalog, tags, cache_dir = files
    load_engine(catalog, tags, cache_dir=cache_dir)
    entries = json.loads(tags.read_text())
    entries.append({"tag": "zebrafish", "aliases": ["zebra-fish"], "parents": []})
    tags.write_text(json.dumps(entries))
    engine = load_engine(catalog, tags, cache_dir=cache_dir)
    assert len(builds) == 2
    assert "zebrafish" in engine.taxonomy.tags


def test_a_changed_analyzer_settings_or_code_is_rebuilt(files, builds, monkeypatch):
    catalog, tags, cache_dir = files
    load_engine(catalog, tags, cache_dir=cache_dir)
    monkeypatch.setattr(Analyzer, "version", Analyzer.version + "-changed")
    load_engine(catalog, tags, cache_dir=cache_dir)
    assert len(builds) == 2
    load_engine(catalog, tags, cache_dir=cache_dir, settings=EngineSettings(title_weight=3))
    assert len(builds) == 3
    monkeypatch.setattr(snapshot, "code_version", lambda: "another version of the code")
    load_engine(catalog, tags, cache_dir=cache_dir, settings=EngineSettings(title_weight=3))
    assert len(builds) == 4
    load_engine(catalog, tags, cache_dir=cache_dir, settings=EngineSettings(title_weight=3))
    assert len(builds) == 4


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_damaged_cache_is_said_in_one_line_and_rebuilt_not_trusted(files, builds, damage, caplog):
    catalog, tags, cache_dir = files
    reference = answers(load_engine(catalog, tags, cache_dir=cache_dir))
    path = cache_path(cache_dir, catalog)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[len(data) // 2] ^= 0xFF
    elif damage == "garbage":
        data = bytearray(b"\x80\x05not a snapshot at all" * 100)
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    engine = load_engine(catalog, tags, cache_dir=cache_dir)
    assert len(builds) == 2
    assert answers(engine) == reference
    said = [r.getMessage() for r in caplog.records if r.name == "retrieval.cache"]
    assert len(said) == 1 and "not used" in said[0] and "rebuilding" in said[0] and "\n" not in said[0]
    assert path.exists()  # written again
    load_engine(catalog, tags, cache_dir=cache_dir)
    assert len(builds) == 2


def test_contents_that_do_not_fit_together_are_rebuilt(files, builds):
    catalog, tags, cache_dir = files
    reference = answers(load_engine(catalog, tags, cache_dir=cache_dir))
    path = cache_path(cache_dir, catalog)
    arrays, meta = snapfile.read(path, code=snapshot.code_version())
    arrays = {name: np.array(array) for name, array in arrays.items()}
    arrays["index.docs"][0] = meta["projects"] + 5  # a document number past the catalog, checksummed
    key = cache.cache_key(catalog, tags, EngineSettings(), False)
    snapfile.write(path, arrays, code=snapshot.code_version(), key=key, meta=meta)
    assert answers(load_engine(catalog, tags, cache_dir=cache_dir)) == reference
    assert len(builds) == 2


def test_invalid_catalogs_still_fail_and_skipped_records_are_kept(tmp_path):
    from retrieval.problems import CatalogError

    catalog = tmp_path / "bad.json"
    catalog.write_text(json.dumps([{"id": 1, "title": "ok"}, {"id": 2}]))
    with pytest.raises(CatalogError):
        load_engine(catalog, cache_dir=tmp_path / "cache")
    for _ in range(2):  # built, then cached
        engine = load_engine(catalog, cache_dir=tmp_path / "cache", skip_invalid=True)
        assert [p.id for p in engine.projects] == [1] and len(engine.skipped) == 1


def test_an_unwritable_cache_directory_only_costs_the_cache(files, builds):
    catalog, tags, _ = files
    blocker = catalog.parent / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    engine = load_engine(catalog, tags, cache_dir=blocker)
    assert engine.search("transformers").total > 0
