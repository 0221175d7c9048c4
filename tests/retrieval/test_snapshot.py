"""A snapshot answers like the engine it was saved from, and a file that is not one is refused, never used."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

import retrieval.snapshot as snapshot
from retrieval import snapfile
from retrieval.engine import SearchEngine
from retrieval.snapshot import SnapshotError
from tests.support.answers import answers


@pytest.fixture(scope="module")
def saved(tmp_path_factory, demo_engine):
    path = tmp_path_factory.mktemp("snapshot") / "demo.snapshot"
    snapshot.save(demo_engine, path, key="demo")
    return path


def test_a_snapshot_answers_exactly_like_the_engine_it_was_saved_from(saved, demo_engine):
    loaded = snapshot.load(saved)
    assert answers(loaded) == answers(demo_engine)
    assert loaded.settings == demo_engine.settings and loaded.skipped == demo_engine.skipped
    assert loaded.taxonomy.tags == demo_engine.taxonomy.tags
    assert list(loaded.projects) == list(demo_engine.projects)


def test_a_snapshot_is_memory_mapped_and_read_only(saved):
    loaded = snapshot.load(saved)
    for array in (loaded.index.arrays()["weights"], loaded.corpus.phrases.word_positions.keys, loaded.catalog.titles.data):
        assert isinstance(array.base, np.memmap) or isinstance(array, np.memmap)
        assert not array.flags.writeable


def test_the_skipped_records_and_settings_travel_with_it(tmp_path):
    from retrieval.engine import EngineSettings

    catalog = tmp_path / "projects.json"
    catalog.write_text(json.dumps([{"id": 1, "title": "Gan zoo"}, {"id": 2}, {"id": "x", "title": "Other gans"}]))
    engine = SearchEngine.from_paths(catalog, skip_invalid=True, settings=EngineSettings(title_weight=3, k1=1.2))
    snapshot.save(engine, tmp_path / "s")
    loaded = snapshot.load(tmp_path / "s")
    assert loaded.skipped == engine.skipped and len(loaded.skipped) == 1
    assert loaded.settings == engine.settings
    assert [r.project.id for r in loaded.search("gan").results] == [r.project.id for r in engine.search("gan").results]


def test_the_key_is_checked_only_when_one_is_expected(saved):
    assert snapshot.load(saved, key="demo").catalog
    with pytest.raises(SnapshotError, match="another catalog"):
        snapshot.load(saved, key="another")


def test_another_code_version_is_refused(saved, monkeypatch):
    monkeypatch.setattr(snapshot, "code_version", lambda: "another version")
    with pytest.raises(SnapshotError, match="another version of findproject"):
        snapshot.load(saved)


def _damaged(data: bytearray, damage: str) -> bytearray:
    length = struct.unpack_from("<Q", data, len(snapfile.MAGIC))[0]
    manifest_at = struct.calcsize(f"<{len(snapfile.MAGIC)}sQ32s")
    if damage == "truncated":
        return data[: len(data) - 1000]
    if damage == "extended":
        return data + b"\0" * 64
    if damage == "data flipped":
        data[-200] ^= 0x01
    elif damage == "manifest flipped":
        data[manifest_at + length // 2] ^= 0x01
    elif damage == "magic":
        data[:4] = b"ELF\0"
    elif damage == "foreign":
        return bytearray(b"PK\x03\x04 a zip file, not a snapshot" * 50)
    elif damage == "empty":
        return bytearray()
    elif damage == "format":
        manifest = json.loads(data[manifest_at : manifest_at + length])
        manifest["format"] = snapfile.FORMAT + 1
        return _with_manifest(data, manifest)
    elif damage == "array bounds":
        manifest = json.loads(data[manifest_at : manifest_at + length])
        manifest["arrays"]["index.docs"]["shape"] = [10**12]
        return _with_manifest(data, manifest)
    return data


def _with_manifest(data: bytearray, manifest: dict) -> bytearray:
    """A new manifest with a correct checksum: damage the header's own check cannot see."""
    import hashlib

    encoded = json.dumps(manifest).encode()
    prefix = struct.pack(f"<{len(snapfile.MAGIC)}sQ32s", snapfile.MAGIC, len(encoded), hashlib.sha256(encoded).digest())
    header = (prefix + encoded).ljust(snapfile.HEADER, b"\0")
    return bytearray(header) + data[snapfile.HEADER :]


@pytest.mark.parametrize(
    "damage, says",
    [
        ("truncated", "truncated"),
        ("extended", "truncated or damaged"),
        ("data flipped", "checksum"),
        ("manifest flipped", "damaged header"),
        ("magic", "not a FindProject snapshot"),
        ("foreign", "not a FindProject snapshot"),
        ("empty", "not a FindProject snapshot"),
        ("format", "snapshot format"),
        ("array bounds", "out of bounds"),
    ],
)
def test_a_damaged_or_foreign_file_is_refused_with_one_line(saved, tmp_path, damage, says):
    path = tmp_path / "damaged.snapshot"
    path.write_bytes(bytes(_damaged(bytearray(saved.read_bytes()), damage)))
    with pytest.raises(SnapshotError) as refused:
        snapshot.load(path)
    assert says in str(refused.value) and "\n" not in str(refused.value)


def test_a_missing_file_is_refused_with_one_line(tmp_path):
    with pytest.raises(SnapshotError, match="cannot read it"):
        snapshot.load(tmp_path / "nothing-here")


def test_consistent_checksums_over_arrays_that_do_not_fit_are_refused(saved, tmp_path):
    arrays, meta = snapfile.read(saved, code=snapshot.code_version())
    arrays = {name: np.array(array) for name, array in arrays.items()}
    arrays["words.keys"][-1] = (meta["projects"] + 1) << 32  # a position in a document past the catalog
    snapfile.write(tmp_path / "bad", arrays, code=snapshot.code_version(), key="", meta=meta)
    with pytest.raises(SnapshotError, match="out of bounds"):
        snapshot.load(tmp_path / "bad")


def test_data_spanning_several_checksum_chunks_is_checked_chunk_by_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(snapfile, "CHUNK", 4096)
    arrays = {"a": np.arange(5000, dtype=np.int64), "b": np.frombuffer(b"x" * 999, dtype=np.uint8)}
    snapfile.write(tmp_path / "s", arrays, code="c", key="k", meta={"m": 1})
    got, meta = snapfile.read(tmp_path / "s", code="c", key="k")
    assert meta == {"m": 1} and np.array_equal(got["a"], arrays["a"]) and got["b"].tobytes() == b"x" * 999
    data = bytearray((tmp_path / "s").read_bytes())
    data[snapfile.HEADER + 3 * 4096 + 7] ^= 0x10
    (tmp_path / "s").write_bytes(bytes(data))
    with pytest.raises(SnapshotError, match="chunk 3"):
        snapfile.read(tmp_path / "s", code="c")
