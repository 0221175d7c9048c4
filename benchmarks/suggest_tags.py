"""Tag suggestions (`findproject suggest-tags`): is a tag hidden from a project found again?

    python benchmarks/suggest_tags.py [--catalog FILE --taxonomy FILE] [--folds 5] [--seed 0]

Every project with at least two tags the tag model learns (topic tags with MIN_EXAMPLES
projects) has one of them hidden, drawn with a fixed seed among those its other tags do not
imply (hiding #object-detection from a #yolo project hides nothing). Over K folds of those
projects, the model is trained again without the fold's hidden tags, and each project of the
fold is asked for its likeliest missing tags exactly as suggest-tags asks
(retrieval.missing_tags.likely_missing). recall@k: the share whose hidden tag is among k.

Two ways to train, neither ever sees a hidden tag:
- in-catalog: the whole catalog with the fold's tags hidden. This is suggest-tags' own case:
  the model has read the under-tagged project, labelled without the tag;
- held-out: the other folds only; the fold's projects are never read.

Baseline: the most frequent topic tags of the same training data, less what the project
carries or implies.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.engine import SearchEngine  # noqa: E402
from retrieval.missing_tags import implied_tags, likely_missing, suggest_missing_tags  # noqa: E402
from retrieval.models import Project  # noqa: E402
from retrieval.tagmodel import train_tag_model  # noqa: E402
from retrieval.taxonomy import Taxonomy  # noqa: E402

MWML = ROOT.parent / "shared" / "data" / "madewithml"
KS = (1, 3, 5)
THRESHOLDS = (0.1, 0.2, 0.3, 0.5)


def hidden_tags(projects: Sequence[Project], taxonomy: Taxonomy, learnable: set[str], seed: int) -> dict[int, str]:
    """Project position -> the tag hidden from it."""
    rng = random.Random(seed)
    cases = {}
    for position, project in enumerate(projects):
        topic = sorted(t for t in project.tags if t in learnable)
        if len(topic) < 2:
            continue
        free = [t for t in topic if not any(t in taxonomy.with_ancestors(o) for o in project.tags if o != t)]
        if free:
            cases[position] = rng.choice(free)
    return cases


def frequent_tags(projects: Sequence[Project], taxonomy: Taxonomy) -> list[str]:
    counts = Counter(t for p in projects for t in p.tags if not taxonomy.is_resource(t))
    return [tag for tag, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


class Case(NamedTuple):
    """What suggest-tags would say of one project: the hidden tag's confidence, and every suggestion's."""

    hidden: float
    suggested: list[float]


def evaluate(engine: SearchEngine, folds: int, seed: int) -> tuple[int, dict[str, list[int | None]], dict[str, list[Case]]]:
    """How many cases; per method the rank (1-based, None past max(KS)) of each hidden tag; and per
    training, each case's confidences (what --min-confidence compares)."""
    projects, taxonomy, terms = engine.projects, engine.taxonomy, engine.analyzer.terms
    cases = hidden_tags(projects, taxonomy, set(engine.models.tag_model.labels), seed)
    order = sorted(cases)
    random.Random(seed).shuffle(order)
    ranks: dict[str, list[int | None]] = {}
    confidences: dict[str, list[Case]] = {}
    for fold in (order[f::folds] for f in range(folds)):
        masked = list(projects)
        for position in fold:
            masked[position] = projects[position].model_copy(
                update={"tags": [t for t in projects[position].tags if t != cases[position]]}
            )
        in_fold = set(fold)
        trainings = {"in-catalog": masked, "held-out": [p for i, p in enumerate(masked) if i not in in_fold]}
        for name, training in trainings.items():
            model = train_tag_model(training, taxonomy, terms)
            frequent = frequent_tags(training, taxonomy)
            for position in fold:
                project, tag = masked[position], cases[position]
                scored = likely_missing(project, model, terms, taxonomy, len(model.labels))
                suggested = [t for t, _ in scored[: max(KS)]]
                confidences.setdefault(name, []).append(
                    Case(dict(scored).get(tag, 0.0), [c for _, c in scored if c >= min(THRESHOLDS)])
                )
                implied = implied_tags(project, taxonomy)
                baseline = [t for t in frequent if t not in implied][: max(KS)]
                for method, ranked in ((f"tag model, {name}", suggested), (f"most frequent tags, {name}", baseline)):
                    ranks.setdefault(method, []).append(ranked.index(tag) + 1 if tag in ranked else None)
    return len(cases), ranks, confidences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = MWML if (MWML / "projects.json").exists() else ROOT / "data"
    parser.add_argument("--catalog", type=Path, default=default / "projects.json")
    parser.add_argument("--taxonomy", type=Path, default=default / "tags.json")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    engine = SearchEngine.from_paths(args.catalog, args.taxonomy)
    count, ranks, confidences = evaluate(engine, args.folds, args.seed)
    print(
        f"{args.catalog}: {len(engine.projects):,} projects, {len(engine.models.tag_model.labels)} learnable tags, "
        f"{count:,} projects with a hidden tag, {args.folds} folds, seed {args.seed}"
    )
    print("\n| method | " + " | ".join(f"recall@{k}" for k in KS) + " |")
    print("| --- |" + " --- |" * len(KS))
    for method, found in ranks.items():
        recalls = [sum(r is not None and r <= k for r in found) / len(found) for k in KS]
        print(f"| {method} | " + " | ".join(f"{r:.3f}" for r in recalls) + " |")
    model = engine.models.tag_model
    listed = [
        suggest_missing_tags(engine.projects, model, engine.analyzer.terms, engine.taxonomy, threshold)
        for threshold in THRESHOLDS
    ]
    print(
        "\n`suggest-tags --min-confidence P`: the share of hidden tags it lists (recall), the share of its "
        "suggestions for those projects that are the hidden tag (a floor on precision: the others may be missing "
        "too), and how many suggestions it makes on the whole catalog:\n"
    )
    print("| figure | " + " | ".join(f"P = {t}" for t in THRESHOLDS) + " |")
    print("| --- |" + " --- |" * len(THRESHOLDS))
    for name, cases in confidences.items():
        recall = [sum(c.hidden >= t for c in cases) / len(cases) for t in THRESHOLDS]
        floor = [sum(c.hidden >= t for c in cases) / max(1, sum(s >= t for c in cases for s in c.suggested)) for t in THRESHOLDS]
        print(f"| recall, {name} | " + " | ".join(f"{r:.3f}" for r in recall) + " |")
        print(f"| precision floor, {name} | " + " | ".join(f"{r:.3f}" for r in floor) + " |")
    print("| suggestions on the whole catalog | " + " | ".join(f"{len(s):,}" for s in listed) + " |")
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
