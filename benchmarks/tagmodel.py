"""The tag model, evaluated by k-fold on the catalog: hide a project's tags and predict them.

    python benchmarks/tagmodel.py [--catalog ...] [--taxonomy ...] [--folds 5] [--sweep]

For each fold the model (retrieval/tagmodel.py, the very pipeline the engine trains) is
fitted on the other folds and predicts the held-out projects' topic tags from their title
and description. Reported: precision@1 (the first prediction is one of the project's tags)
and recall@3 (the share of its tags among the first three), against predicting the tags
most frequent in the training folds. --sweep also tries the regularisation strength C.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.engine import SearchEngine  # noqa: E402
from retrieval.linear import fit_pipeline  # noqa: E402
from retrieval.tagmodel import C, _examples  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "madewithml"


def evaluate(texts: list[str], labels: list[list[str]], terms, folds: int, c: float) -> dict[str, float]:
    order = np.random.default_rng(0).permutation(len(texts))
    p1, r3, base_p1, base_r3 = [], [], [], []
    for fold in range(folds):
        test = order[fold::folds]
        train = np.setdiff1d(order, test)
        vectorizer, classifier = fit_pipeline([texts[i] for i in train], [labels[i] for i in train], terms, c)
        tags = list(classifier.classes_)
        counts = {t: sum(t in labels[i] for i in train) for t in tags}
        frequent = sorted(tags, key=lambda t: -counts[t])[:3]
        probabilities = classifier.predict_proba(vectorizer.transform([texts[i] for i in test]))
        for row, i in zip(probabilities, test):
            gold = set(labels[i]) & set(tags)
            if not gold:
                continue
            top = [tags[j] for j in np.argsort(-row, kind="stable")[:3]]
            p1.append(top[0] in gold)
            r3.append(len(gold & set(top)) / len(gold))
            base_p1.append(frequent[0] in gold)
            base_r3.append(len(gold & set(frequent)) / len(gold))
    return {
        "precision@1": float(np.mean(p1)),
        "recall@3": float(np.mean(r3)),
        "baseline precision@1": float(np.mean(base_p1)),
        "baseline recall@3": float(np.mean(base_r3)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--catalog", type=Path, default=SHARED / "projects.json")
    parser.add_argument("--taxonomy", type=Path, default=SHARED / "tags.json")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--sweep", action="store_true", help="also try C = 1, 3, 10, 30")
    args = parser.parse_args(argv)
    engine = SearchEngine.from_paths(args.catalog, args.taxonomy)
    texts, labels = _examples(engine.projects, engine.taxonomy)
    print(f"catalog: {len(engine.projects)} projects, {len(texts)} with learnable topic tags; {args.folds}-fold")
    for c in [1.0, 3.0, 10.0, 30.0] if args.sweep else [C]:
        m = evaluate(texts, labels, engine.analyzer.terms, args.folds, c)
        print(
            f"C={c:<5g} precision@1 {m['precision@1']:.3f} (baseline {m['baseline precision@1']:.3f})  "
            f"recall@3 {m['recall@3']:.3f} (baseline {m['baseline recall@3']:.3f}, "
            f"{m['recall@3'] / m['baseline recall@3']:.2f}x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
