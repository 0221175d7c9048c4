"""Relevance benchmark: the real engine against a plain rank-bm25 baseline, on one cases file.

    python benchmarks/relevance.py [--cases ../shared/eval/dev.jsonl]
        [--catalog ../shared/data/madewithml/projects.json] [--taxonomy ../shared/data/madewithml/tags.json]
        [--verbose]

Cases (one JSON object per line):
  known-item  {"request", "relevant": [ids]}         -> MRR@10, hit@3
  filter      {"request", "include": [], "exclude": []} -> P@10, tag-intent precision/recall
  topic       {"request", "any": [tags]}              -> P@10
A result "carries" a tag when its canonical tags (aliases resolved) hold it.
"""

from __future__ import annotations

import argparse
import json
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
TARGETS = {"known-item MRR@10": 0.90, "filter P@10": 0.90, "topic P@10": 0.80, "tag-intent F1": 0.90}
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


def evaluate(cases: list[dict], search: Searcher, projects: Sequence[Project],
             intents: Callable[[str], tuple[set[str], set[str]]] | None, verbose: bool = False) -> dict[str, float | None]:
    mrr, hit3, filter_p, topic_p = [], [], [], []
    tp = n_pred = n_gold = 0
    for case in cases:
        results = search(case["request"])[:10]
        ids = [p.id for p in results]
        kind = case["kind"]
        if kind == "known-item":
            ranks = [i for i, pid in enumerate(ids, 1) if pid in case["relevant"]]
            mrr.append(1 / ranks[0] if ranks else 0.0)
            hit3.append(1.0 if ranks and ranks[0] <= 3 else 0.0)
            score = mrr[-1]
        elif kind == "filter":
            include, exclude = set(case["include"]), set(case.get("exclude", []))

            def ok(p: Project) -> bool:
                return include <= set(p.tags) and not exclude & set(p.tags)

            possible = sum(ok(p) for p in projects)
            score = sum(ok(p) for p in results) / max(1, min(10, possible))
            filter_p.append(score)
            if intents:
                inc, exc = intents(case["request"])
                pred = {("+", t) for t in inc} | {("-", t) for t in exc}
                gold = {("+", t) for t in include} | {("-", t) for t in exclude}
                tp, n_pred, n_gold = tp + len(pred & gold), n_pred + len(pred), n_gold + len(gold)
        else:
            wanted = set(case["any"])
            possible = sum(bool(wanted & set(p.tags)) for p in projects)
            score = sum(bool(wanted & set(p.tags)) for p in results) / max(1, min(10, possible))
            topic_p.append(score)
        if verbose:
            print(f"  {case['id']:>6} {kind:<10} {score:5.2f}  {case['request']}", file=sys.stderr)
    metrics = {
        "known-item MRR@10": _mean(mrr), "known-item hit@3": _mean(hit3),
        "filter P@10": _mean(filter_p), "topic P@10": _mean(topic_p),
    }
    if intents and filter_p:
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        metrics["tag-intent precision"] = precision
        metrics["tag-intent recall"] = recall
        metrics["tag-intent F1"] = 2 * precision * recall / (precision + recall) if tp else 0.0
    return metrics


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, default=SHARED / "eval" / "dev.jsonl")
    parser.add_argument("--catalog", type=Path, default=SHARED / "data" / "madewithml" / "projects.json")
    parser.add_argument("--taxonomy", type=Path, default=SHARED / "data" / "madewithml" / "tags.json")
    parser.add_argument("--verbose", action="store_true", help="print every case's score to stderr")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="an EngineSettings field to try, e.g. --set title_weight=1 --set max_free_words_for_filter=-1")
    args = parser.parse_args(argv)

    cases = load_cases(args.cases)
    overrides = dict(item.split("=", 1) for item in args.set)
    engine = SearchEngine.from_paths(args.catalog, args.taxonomy, settings=EngineSettings(**overrides))

    def engine_search(request: str) -> list[Project]:
        return [r.project for r in engine.search(request, limit=10).results]

    def engine_intents(request: str) -> tuple[set[str], set[str]]:
        query = engine.parse(request)
        return set(query.include_tags) | set(query.boost_tags), set(query.exclude_tags)

    if args.verbose:
        print("engine:", file=sys.stderr)
    ours = evaluate(cases, engine_search, engine.projects, engine_intents, args.verbose)
    if args.verbose:
        print("baseline:", file=sys.stderr)
    base = evaluate(cases, baseline_searcher(engine.projects), engine.projects, None, args.verbose)

    counts = {k: sum(c["kind"] == k for c in cases) for k in ("known-item", "filter", "topic")}
    print(f"cases: {args.cases} ({', '.join(f'{v} {k}' for k, v in counts.items())})")
    print(f"catalog: {len(engine.projects)} projects; settings: {engine.settings.model_dump()}\n")
    print(f"{'metric':<22} {'engine':>8} {'baseline':>9} {'target':>7}  met")
    for name, value in ours.items():
        if value is None:
            continue  # no case of that kind in this file
        target = TARGETS.get(name)
        base_value = base.get(name)
        shown_base = f"{base_value:9.3f}" if base_value is not None else f"{'-':>9}"
        met = "" if target is None else ("yes" if value >= target else "NO")
        shown_target = f"{target:7.2f}" if target is not None else f"{'':>7}"
        print(f"{name:<22} {value:8.3f} {shown_base} {shown_target}  {met}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
