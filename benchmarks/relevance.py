"""Relevance benchmark: the real engine against a plain rank-bm25 baseline, on every cases file.

    python benchmarks/relevance.py [--cases FILE ...] [--catalog ...] [--taxonomy ...] [--verbose]
    python benchmarks/relevance.py --fit      # learn the ranking weights by cross-validation

Cases (one JSON object per line):
  known-item  {"request", "relevant": [ids]}         -> MRR@10, hit@3
  filter      {"request", "include": [], "exclude": []} -> P@10, tag-intent precision/recall
  topic       {"request", "any": [tags]}              -> P@10
A result "carries" a tag when its canonical tags (aliases resolved) hold it. "excluded in
top 10" counts results carrying a tag the case excludes (the target is 0).

--fit searches the ranking weights (EngineSettings: the keys of GRID) on the tuning files
only (dev.jsonl and cases/tuning*.jsonl; never the blind set), by 5-fold cross-validation
over the cases: each fold's weights are chosen on the other four and scored on it. It
prints the cross-validated score of that procedure and the weights chosen on all tuning
cases, which become the EngineSettings defaults. --set title_weight=N fits at another
index setting (the index is rebuilt).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.engine import EngineSettings, SearchEngine  # noqa: E402
from retrieval.models import Project  # noqa: E402

SHARED = ROOT.parent / "shared"
CASES = ROOT / "benchmarks" / "cases"
DEFAULT_CASES = [
    SHARED / "eval" / "dev.jsonl",
    CASES / "tuning.jsonl",
    CASES / "tuning2.jsonl",
    CASES / "tuning3.jsonl",
    CASES / "tuning4.jsonl",
    CASES / "tuning5.jsonl",
    CASES / "tuning6.jsonl",
    CASES / "team.jsonl",
    CASES / "short.jsonl",
    CASES / "blind.jsonl",
]
TUNING_CASES = [SHARED / "eval" / "dev.jsonl", *(CASES / f"tuning{n}.jsonl" for n in ("", "2", "3", "4", "5", "6"))]
TARGETS = {"known-item MRR@10": 0.90, "filter P@10": 0.90, "topic P@10": 0.70, "tag-intent F1": 0.90}
GRID = {  # around the optimum of the earlier, wider fits (subject_power was 0 in every one)
    "tag_weight": [0.125],
    "tag_share_weight": [4.0],
    "subject_power": [0.0],
    "expansion_weight": [0.5],
    "title_evidence": [0.25],
    "lead_ratio": [1.3],
    "similarity_weight": [0.5],
    "meaning_weight": [8.0, 12.0, 16.0, 24.0],
    "meanings": [3],
    "meaning_gate_center": [-0.1, -0.05, 0.0],
    "meaning_gate_width": [0.2, 0.4, 0.6],
    "meaning_off_topic": [0.25, 0.5, 0.75],
}
Searcher = Callable[[str], list[Project]]


def load_cases(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def baseline_searcher(projects: Sequence[Project]) -> Searcher:
    """Plain rank-bm25 over lower-cased whitespace tokens, no parsing: the bar to beat."""
    corpus = [f"{p.title} {p.description} {' '.join(p.tags)}".lower().split() for p in projects]
    model = BM25Okapi(corpus)

    def search(request: str) -> list[Project]:
        scores = model.get_scores(request.lower().split())
        top = np.argsort(-scores, kind="stable")[:10]
        return [projects[i] for i in top if scores[i] > 0]

    return search


def case_score(case: dict, results: list[Project], projects: Sequence[Project]) -> float:
    """One case's metric: reciprocal rank, or the precision of the top 10 against the best possible."""
    ids = [p.id for p in results[:10]]
    if case["kind"] == "known-item":
        ranks = [i for i, pid in enumerate(ids, 1) if pid in case["relevant"]]
        return 1 / ranks[0] if ranks else 0.0
    ok = _judge(case)
    possible = sum(ok(p) for p in projects)
    return sum(ok(p) for p in results[:10]) / max(1, min(10, possible))


def _judge(case: dict) -> Callable[[Project], bool]:
    if case["kind"] == "filter":
        include, exclude = set(case["include"]), set(case.get("exclude", []))
        return lambda p: include <= set(p.tags) and not exclude & set(p.tags)
    wanted = set(case["any"])
    return lambda p: bool(wanted & set(p.tags))


def evaluate(
    cases: list[dict],
    search: Searcher,
    projects: Sequence[Project],
    intents: Callable[[str], tuple[set[str], set[str]]] | None,
    verbose: bool = False,
) -> dict[str, float | None]:
    by_kind: dict[str, list[float]] = {"known-item": [], "filter": [], "topic": []}
    hit3: list[float] = []
    leaks = tp = n_pred = n_gold = 0
    for case in cases:
        results = search(case["request"])[:10]
        score = case_score(case, results, projects)
        by_kind[case["kind"]].append(score)
        if case["kind"] == "known-item":
            hit3.append(1.0 if score >= 1 / 3 else 0.0)
        if case["kind"] == "filter":
            exclude = set(case.get("exclude", []))
            leaks += sum(bool(exclude & set(p.tags)) for p in results)
            if intents:
                inc, exc = intents(case["request"])
                pred = {("+", t) for t in inc} | {("-", t) for t in exc}
                gold = {("+", t) for t in case["include"]} | {("-", t) for t in exclude}
                tp, n_pred, n_gold = tp + len(pred & gold), n_pred + len(pred), n_gold + len(gold)
        if verbose:
            print(f"  {case['id']:>6} {case['kind']:<10} {score:5.2f}  {case['request']}", file=sys.stderr)
    metrics: dict[str, float | None] = {
        "known-item MRR@10": _mean(by_kind["known-item"]),
        "known-item hit@3": _mean(hit3),
        "filter P@10": _mean(by_kind["filter"]),
        "topic P@10": _mean(by_kind["topic"]),
    }
    if by_kind["filter"]:
        metrics["excluded in top 10"] = float(leaks)
    if intents and by_kind["filter"]:
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        metrics["tag-intent precision"] = precision
        metrics["tag-intent recall"] = recall
        metrics["tag-intent F1"] = 2 * precision * recall / (precision + recall) if tp else 0.0
    return metrics


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def objective(scores: dict[str, list[float]]) -> float:
    """The mean over case kinds of each kind's mean score: every kind counts the same."""
    return float(np.mean([np.mean(v) for v in scores.values() if v]))


def fit(engine: SearchEngine, cases: list[dict], folds: int = 5, seed: int = 0) -> tuple[dict, float]:
    """Cross-validated grid search of the ranking weights; returns the weights fitted on all cases
    and the cross-validated objective of choosing them that way."""
    combos = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    table = np.zeros((len(combos), len(cases)))  # each combo's score on each case
    projects = list(engine.projects)  # built once: the engine builds a Project on every access
    for row, combo in enumerate(combos):
        engine.settings = engine.settings.model_copy(update=combo)
        for column, case in enumerate(cases):
            results = [r.project for r in engine.search(case["request"], limit=10).results]
            table[row, column] = case_score(case, results, projects)
        if sys.stderr.isatty():
            print(f"\r  {row + 1}/{len(combos)} weight settings", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    kinds = [case["kind"] for case in cases]

    def best(columns: list[int]) -> int:
        return int(np.argmax([objective(_by_kind(table[r, columns], [kinds[c] for c in columns])) for r in range(len(combos))]))

    order = list(range(len(cases)))
    random.Random(seed).shuffle(order)
    held_out: list[float] = [0.0] * len(cases)
    for fold in range(folds):
        test = order[fold::folds]
        train = [c for c in order if c not in set(test)]
        chosen = best(train)
        for c in test:
            held_out[c] = table[chosen, c]
    grouped = _by_kind(np.array(held_out), kinds)
    print("cross-validated, per kind: " + ", ".join(f"{k} {np.mean(v):.3f}" for k, v in grouped.items()))
    return combos[best(order)], objective(grouped)


def _by_kind(scores: np.ndarray, kinds: list[str]) -> dict[str, list[float]]:
    grouped: dict[str, list[float]] = {}
    for value, kind in zip(scores.tolist(), kinds):
        grouped.setdefault(kind, []).append(value)
    return grouped


def report(path: Path, engine: SearchEngine, baseline: Searcher, verbose: bool) -> None:
    cases = load_cases(path)

    def engine_search(request: str) -> list[Project]:
        return [r.project for r in engine.search(request, limit=10).results]

    def engine_intents(request: str) -> tuple[set[str], set[str]]:
        query = engine.parse(request)
        return set(query.include_tags), set(query.exclude_tags)

    projects = list(engine.projects)  # built once: the engine builds a Project on every access
    ours = evaluate(cases, engine_search, projects, engine_intents, verbose)
    base = evaluate(cases, baseline, projects, None)
    counts = {k: sum(c["kind"] == k for c in cases) for k in ("known-item", "filter", "topic")}
    print(f"\n{path.name} ({', '.join(f'{v} {k}' for k, v in counts.items() if v)})")
    print(f"{'metric':<22} {'engine':>8} {'baseline':>9} {'target':>7}  met")
    for name, value in ours.items():
        if value is None:
            continue  # no case of that kind in this file
        target = TARGETS.get(name)
        base_value = base.get(name)
        shown_base = f"{base_value:9.3f}" if base_value is not None else f"{'-':>9}"
        if name == "excluded in top 10":
            met = "yes" if value == 0 else "NO"
            print(f"{name:<22} {value:8.0f} {shown_base} {0:7d}  {met}")
            continue
        met = "" if target is None else ("yes" if value >= target else "NO")
        shown_target = f"{target:7.2f}" if target is not None else f"{'':>7}"
        print(f"{name:<22} {value:8.3f} {shown_base} {shown_target}  {met}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, action="append", help="a cases file (repeatable); default: all sets")
    parser.add_argument("--catalog", type=Path, default=SHARED / "data" / "madewithml" / "projects.json")
    parser.add_argument("--taxonomy", type=Path, default=SHARED / "data" / "madewithml" / "tags.json")
    parser.add_argument("--verbose", action="store_true", help="print every case's score to stderr")
    parser.add_argument("--fit", action="store_true", help="learn the ranking weights on the tuning sets (5-fold CV)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="an EngineSettings field to try, e.g. --set tag_weight=1"
    )
    args = parser.parse_args(argv)

    overrides = dict(item.split("=", 1) for item in args.set)
    engine = SearchEngine.from_paths(args.catalog, args.taxonomy, settings=EngineSettings(**overrides))
    if args.fit:
        cases = [case for path in TUNING_CASES for case in load_cases(path)]
        weights, cv = fit(engine, cases)
        print(f"tuning cases: {len(cases)} ({', '.join(str(p) for p in TUNING_CASES)})")
        print(f"cross-validated objective (mean of MRR, filter P@10, topic P@10): {cv:.3f}")
        print(f"weights fitted on all tuning cases: {weights}")
        return 0
    print(f"catalog: {len(engine.projects)} projects; settings: {engine.settings.model_dump()}")
    baseline = baseline_searcher(list(engine.projects))
    for path in args.cases or DEFAULT_CASES:
        if path.exists():
            report(path, engine, baseline, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
