"""The start-up cache gives the engine from_paths gives, and is rebuilt whenever it may be stale or damaged."""

from __future__ import annotations

import json
import shutil

import pytest

import retrieval.cache as cache
from retrieval.analyzer import Analyzer
from retrieval.cache import cache_path, load_engine
from retrieval.engine import EngineSettings, SearchEngine
from tests.conftest import DEMO_PROJECTS, DEMO_TAGS

REQUESTS = ["pytorch tutorials on object detection, not yolo", "transformers", "#computer-vision",
            "gans -pytorch", "newest nlp", "learning code"]


@pytest.fixture
def files(tmp_path):
    catalog, tags = tmp_path / "projects.json", tmp_path / "tags.json"
    shutil.copy(DEMO_PROJECTS, catalog)
    shutil.copy(DEMO_TAGS, tags)
    return catalog, tags, tmp_path / "cache"


@pytest.fixture
def builds(monkeypatch):
    """Counts catalog loads (a cache miss), as the cache module calls them."""
    calls = []
    real = cache.load_catalog

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(cache, "load_catalog", counting)
    return calls


def answers(engine: SearchEngine) -> list:
    out = []
    for request in REQUESTS:
        response = engine.search(request, limit=20)
        out.append((response.total, [(r.project.id, r.score) for r in response.results],
                    [s.tag for s in response.suggested_tags], response.notes, response.parsed.expanded_tags))
    return out


def test_a_cached_engine_answers_like_a_fresh_one(files, builds):
    catalog, tags, cache_dir = files
    fresh = SearchEngine.from_paths(catalog, tags)
    first = load_engine(catalog, tags, cache_dir=cache_dir)
    assert len(builds) == 1 and cache_path(cache_dir, catalog).exists()
    second = load_engine(catalog, tags, cache_dir=cache_dir)
    assert len(builds) == 1  # loaded, not built
    assert answers(fresh) == answers(first) == answers(second)
    assert [p.model_dump() for p in second.projects] == [p.model_dump() for p in fresh.projects]
    assert second.index.vocabulary == fresh.index.vocabulary
    assert (second.index.matrix != fresh.index.matrix).nnz == 0


def test_the_learned_models_come_from_the_cache_not_from_training(files, monkeypatch):
    catalog, tags, cache_dir = files
    built = load_engine(catalog, tags, cache_dir=cache_dir)
    monkeypatch.setattr(cache.SearchEngine, "__init__", _refuses_to_train(cache.SearchEngine.__init__))
    loaded = load_engine(catalog, tags, cache_dir=cache_dir)
    assert loaded.models.lexicon.counts == built.models.lexicon.counts
    assert loaded.models.tag_model is not None and loaded.models.tag_model.tags == built.models.tag_model.tags


def _refuses_to_train(init):
    def checked(self, *args, **kwargs):
        assert kwargs.get("models") is not None, "a cached start must not train the tag model"
        return init(self, *args, **kwargs)
    return checked


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
    monkeypatch.setattr(cache, "_code_digest", lambda: "another version of the code")
    load_engine(catalog, tags, cache_dir=cache_dir, settings=EngineSettings(title_weight=3))
    assert len(builds) == 4
    load_engine(catalog, tags, cache_dir=cache_dir, settings=EngineSettings(title_weight=3))
    assert len(builds) == 4


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty", "header", "length"])
def test_a_damaged_cache_is_rebuilt_not_trusted(files, builds, damage):
    catalog, tags, cache_dir = files
    reference = answers(load_engine(catalog, tags, cache_dir=cache_dir))
    path = cache_path(cache_dir, catalog)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[len(data) // 2] ^= 0xFF
    elif damage == "garbage":
        data = bytearray(b"\x80\x05not a pickle at all" * 100)
    elif damage == "empty":
        data = bytearray()
    elif damage == "header":
        data[:8] = b"XXXXXXXX"
    else:  # a header that claims another length
        header = data[: cache._HEADER].split()
        header[3] = str(int(header[3]) + 1).encode()
        data[: cache._HEADER] = b" ".join(header).ljust(cache._HEADER)
    path.write_bytes(bytes(data))
    engine = load_engine(catalog, tags, cache_dir=cache_dir)
    assert len(builds) == 2
    assert answers(engine) == reference
    assert path.exists()  # written again
    load_engine(catalog, tags, cache_dir=cache_dir)
    assert len(builds) == 2


def test_contents_of_the_wrong_shape_are_rebuilt(files, builds):
    catalog, tags, cache_dir = files
    reference = answers(load_engine(catalog, tags, cache_dir=cache_dir))
    path = cache_path(cache_dir, catalog)
    projects, problems, index, models = cache._read(path, cache.cache_key(catalog, tags, EngineSettings(), False))
    cache._write(path, cache.cache_key(catalog, tags, EngineSettings(), False), (projects[:-1], problems, index, models))
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


def test_an_index_with_broken_arrays_is_rebuilt(files, builds):
    catalog, tags, cache_dir = files
    reference = answers(load_engine(catalog, tags, cache_dir=cache_dir))
    path = cache_path(cache_dir, catalog)
    key = cache.cache_key(catalog, tags, EngineSettings(), False)
    projects, problems, index, models = cache._read(path, key)
    index._docs = index._docs.copy()
    index._docs[0] = len(projects) + 5  # a document number past the catalog
    cache._write(path, key, (projects, problems, index, models))
    assert answers(load_engine(catalog, tags, cache_dir=cache_dir)) == reference
    assert len(builds) == 2
