"""Relevance must not regress: the dev set's targets, through benchmarks/relevance.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import ROOT

DEV_CASES = ROOT.parent / "shared" / "eval" / "dev.jsonl"
TEAM_CASES = ROOT / "benchmarks" / "cases" / "team.jsonl"


def _benchmark():
    spec = importlib.util.spec_from_file_location("relevance", ROOT / "benchmarks" / "relevance.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("cases", [DEV_CASES, TEAM_CASES], ids=["dev", "team"])
def test_relevance_targets_hold(mwml_engine, cases: Path):
    if not cases.exists():
        pytest.skip(f"{cases} is not in this checkout")
    relevance = _benchmark()
    loaded = relevance.load_cases(cases)

    def search(request: str):
        return [r.project for r in mwml_engine.search(request, limit=10).results]

    def intents(request: str):
        query = mwml_engine.parse(request)
        return set(query.include_tags) | set(query.boost_tags), set(query.exclude_tags)

    metrics = relevance.evaluate(loaded, search, mwml_engine.projects, intents)
    assert metrics["known-item MRR@10"] >= 0.90
    assert metrics["filter P@10"] >= 0.90
    assert metrics["tag-intent F1"] >= 0.90
    if cases == DEV_CASES:
        assert metrics["topic P@10"] >= 0.80
    baseline = relevance.evaluate(loaded, relevance.baseline_searcher(mwml_engine.projects), mwml_engine.projects, None)
    assert metrics["filter P@10"] > baseline["filter P@10"] + 0.5

