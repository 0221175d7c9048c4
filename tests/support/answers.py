"""A fixed list of requests and everything an engine answers to them, for equivalence tests.

The engine that held its catalog as a list of pydantic Projects (commit 8d6169b) answered
these on the demo catalog and on Made With ML, and the columnar engine gave the same, bit for
bit, until the ranking itself changed (the title evidence of tag intents, and negations said
after a tag). Since then the answers are recorded from the engine built from the file, and
tests/retrieval/test_columnar.py checks that an engine from a list of Projects and one from a
snapshot give exactly those. To record them again after a change of ranking:

    python tests/support/answers.py data/projects.json data/tags.json tests/retrieval/fixtures/answers-demo.json
    python tests/support/answers.py ../shared/data/madewithml/projects.json \
        ../shared/data/madewithml/tags.json tests/retrieval/fixtures/answers-mwml.json"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_requests import REQUESTS  # noqa: E402

# The benchmark's 202 requests, without quoted phrases (whose matching changed on purpose:
# tests/retrieval/test_phrases.py), plus paging, explicit syntax and dates.
EXTRA = [
    ("paging", "pytorch"),
    ("paging", "learning"),
    ("syntax", "#computer-vision -#pytorch"),
    ("syntax", "tag:nlp newest"),
    ("dates", "gans since 2019"),
    ("words", "not beginner tutorials"),
    ("empty", ""),
]


def requests() -> list[str]:
    return [text for _, text in [*REQUESTS, *EXTRA] if '"' not in text]


def answers(engine: Any) -> list[dict[str, Any]]:
    out = []
    for text in requests():
        for offset in (0, 20):
            response = engine.search(text, limit=20, offset=offset)
            whole = {
                "total": response.total,
                "relaxed": response.relaxed,
                "notes": response.notes,
                "parsed": response.parsed.model_dump(mode="json"),
                "projects": [r.project.model_dump(mode="json") for r in response.results],
                "suggested": [s.model_dump(mode="json") for s in response.suggested_tags],
            }
            out.append(
                {
                    "request": text,
                    "offset": offset,
                    "total": response.total,
                    "results": [[r.project.id, repr(r.score)] for r in response.results],
                    # everything else the response says (the projects' every field included), hashed
                    "digest": hashlib.sha256(json.dumps(whole, sort_keys=True).encode()).hexdigest(),
                }
            )
    return out


def main(argv: list[str]) -> int:
    import retrieval.engine

    catalog, taxonomy, out = argv
    print(f"engine from {retrieval.engine.__file__}", file=sys.stderr)
    engine = retrieval.engine.SearchEngine.from_paths(catalog, taxonomy)
    Path(out).write_text(json.dumps(answers(engine), ensure_ascii=False, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
