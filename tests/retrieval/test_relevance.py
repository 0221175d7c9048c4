"""Relevance must not regress: floors on every cases set, through benchmarks/relevance.py.

The floors sit just under what the engine measured when they were set (BENCHMARKS.md); the
blind set's were measured once, after the ranking was fitted on the tuning sets only.
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import ROOT

CASES = ROOT / "benchmarks" / "cases"
FLOORS = {
    "dev": (
        ROOT.parent / "shared" / "eval" / "dev.jsonl",
        {"known-item MRR@10": 0.94, "filter P@10": 0.97, "topic P@10": 0.80, "tag-intent F1": 0.95},
    ),
    "tuning": (
        CASES / "tuning.jsonl",
        {"known-item MRR@10": 0.88, "filter P@10": 0.96, "topic P@10": 0.75, "tag-intent F1": 0.97},
    ),
    "tuning2": (CASES / "tuning2.jsonl", {"known-item MRR@10": 0.88, "filter P@10": 0.91, "tag-intent F1": 0.92}),
    "tuning3": (CASES / "tuning3.jsonl", {"known-item MRR@10": 0.83, "filter P@10": 0.77, "tag-intent F1": 0.82}),
    "tuning4": (
        CASES / "tuning4.jsonl",
        {"known-item MRR@10": 0.75, "filter P@10": 0.90, "topic P@10": 0.82, "tag-intent F1": 0.92},
    ),
    "tuning5": (
        CASES / "tuning5.jsonl",
        {"known-item MRR@10": 0.79, "filter P@10": 0.92, "topic P@10": 0.73, "tag-intent F1": 0.96},
    ),
    "tuning6": (CASES / "tuning6.jsonl", {"filter P@10": 0.94, "tag-intent F1": 0.92}),
    "team": (CASES / "team.jsonl", {"known-item MRR@10": 0.96, "filter P@10": 0.98, "tag-intent F1": 0.97}),
    "blind": (CASES / "blind.jsonl", {"known-item MRR@10": 0.80, "filter P@10": 0.90, "topic P@10": 0.74, "tag-intent F1": 0.94}),
}
MAX_EXCLUDED_SHOWN = {
    "dev": 0,
    "tuning": 0,
    "tuning2": 0,
    "tuning3": 23,
    "tuning4": 0,
    "tuning5": 2,
    "tuning6": 0,
    "team": 0,
    "blind": 0,
}
# Known-item MRR is at or above plain BM25 on every set here; on the 13-case short set
# (0.89 vs 1.00) it is not (BENCHMARKS.md).
BEATS_BASELINE = {"dev", "tuning", "tuning2", "tuning3", "tuning4", "tuning5", "team", "blind"}


def _benchmark():
    spec = importlib.util.spec_from_file_location("relevance", ROOT / "benchmarks" / "relevance.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", list(FLOORS))
def test_relevance_floors_hold(mwml_engine, name: str):
    cases, floors = FLOORS[name]
    if not cases.exists():
        pytest.skip(f"{cases} is not in this checkout")
    relevance = _benchmark()
    loaded = relevance.load_cases(cases)

    def search(request: str):
        return [r.project for r in mwml_engine.search(request, limit=10).results]

    def intents(request: str):
        query = mwml_engine.parse(request)
        return set(query.include_tags), set(query.exclude_tags)

    projects = list(mwml_engine.projects)
    metrics = relevance.evaluate(loaded, search, projects, intents)
    for metric, floor in floors.items():
        assert metrics[metric] >= floor, f"{name}: {metric} {metrics[metric]:.3f} < {floor}"
    assert metrics["excluded in top 10"] <= MAX_EXCLUDED_SHOWN[name]
    baseline = relevance.evaluate(loaded, relevance.baseline_searcher(projects), projects, None)
    if name in BEATS_BASELINE:
        assert metrics["known-item MRR@10"] >= baseline["known-item MRR@10"]
    assert metrics["filter P@10"] > baseline["filter P@10"] + 0.4
