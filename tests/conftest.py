"""Shared fixtures: the real Made With ML files when ../shared is there, small catalogs otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MWML_DIR = ROOT.parent / "shared" / "data" / "madewithml"
MWML_PROJECTS = MWML_DIR / "projects.json"
MWML_TAGS = MWML_DIR / "tags.json"
DEMO_PROJECTS = ROOT / "data" / "projects.json"
DEMO_TAGS = ROOT / "data" / "tags.json"

needs_mwml = pytest.mark.skipif(
    not MWML_PROJECTS.exists(),
    reason="the Made With ML catalog lives in ../shared/data/madewithml, which only the team's checkout has",
)


@pytest.fixture(scope="session")
def mwml_engine():
    if not MWML_PROJECTS.exists():
        pytest.skip("the Made With ML catalog lives in ../shared/data/madewithml, which only the team's checkout has")
    from retrieval.engine import SearchEngine

    return SearchEngine.from_paths(MWML_PROJECTS, MWML_TAGS)


@pytest.fixture(scope="session")
def demo_engine():
    from retrieval.engine import SearchEngine

    return SearchEngine.from_paths(DEMO_PROJECTS, DEMO_TAGS)


@pytest.fixture(scope="session", autouse=True)
def shared_engine_cache(tmp_path_factory: pytest.TempPathFactory):
    """One start-up cache for the whole run (bots started as subprocesses inherit it), never the user's."""
    import os

    previous = os.environ.get("CACHE_DIR")
    os.environ["CACHE_DIR"] = str(tmp_path_factory.mktemp("engine-cache"))
    yield
    if previous is None:
        os.environ.pop("CACHE_DIR", None)
    else:
        os.environ["CACHE_DIR"] = previous
