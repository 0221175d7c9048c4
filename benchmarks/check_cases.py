"""Check a relevance cases file against the catalog before anyone measures with it.

    python benchmarks/check_cases.py benchmarks/cases/blind.jsonl [--catalog ...] [--taxonomy ...]

A label that cannot be right makes every figure measured on it wrong. These are the rules of the
blind and tuning sets (the older dev and team files predate them and name titles). It refuses:
- a known-item case whose ids are not in the catalog, or whose request repeats most of the title
  (known items are described by purpose, not named);
- a filter case naming a tag no project carries (after aliases resolve), a tag that is not
  canonical, or one that fewer than 5 projects satisfy (P@10 would measure the catalog, not us);
- a topic case whose request uses a word of its tags' names or aliases (a topic case tests
  vocabulary mismatch), or that fewer than 10 projects satisfy.
It prints the counts per kind and style, and exits 1 on any problem.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.catalog import load_catalog  # noqa: E402
from retrieval.taxonomy import load_taxonomy  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "madewithml"
KINDS = {"known-item", "filter", "topic"}
MIN_FILTER_MATCHES = 5
MIN_TOPIC_MATCHES = 10
MAX_TITLE_OVERLAP = 0.5
_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"a", "an", "the", "of", "for", "and", "or", "in", "on", "to", "with", "by", "from", "at", "is", "how", "what"}


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def shares_word(request: set[str], names: set[str]) -> set[str]:
    """Request words equal to a tag word, or one a prefix of the other (4+ letters): plural, stem."""
    return {w for w in request for n in names if w == n or (min(len(w), len(n)) >= 4 and (w.startswith(n) or n.startswith(w)))}


def check(cases_path: Path, catalog: Path, taxonomy_path: Path) -> list[str]:
    taxonomy, _ = load_taxonomy(taxonomy_path)
    projects = load_catalog(catalog).projects
    tag_sets = {p.id: {taxonomy.canonical(t) for t in p.tags} for p in projects}
    titles = {p.id: p.title for p in projects}
    known = set().union(*tag_sets.values())
    aliases_of: dict[str, set[str]] = {}
    for alias, tag in taxonomy.aliases.items():
        aliases_of.setdefault(tag, set()).add(alias)

    problems: list[str] = []
    seen: set[str] = set()
    counts: Counter[str] = Counter()
    for line_no, line in enumerate(cases_path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"line {line_no}"
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON ({exc.msg})")
            continue
        cid, kind, request = case.get("id"), case.get("kind"), case.get("request")
        where = f"{where} ({cid})"
        if not isinstance(cid, str) or cid in seen:
            problems.append(f"{where}: missing or repeated id")
        seen.add(str(cid))
        if kind not in KINDS or not isinstance(request, str) or not request.strip():
            problems.append(f"{where}: kind must be one of {sorted(KINDS)} and request non-empty")
            continue
        counts[kind] += 1
        counts[f"{kind}/{case.get('style', 'unstyled')}"] += 1
        if kind == "known-item":
            relevant = case.get("relevant") or []
            missing = [i for i in relevant if i not in titles]
            if not relevant or missing:
                problems.append(f"{where}: relevant ids missing from the catalog: {missing or 'none given'}")
                continue
            for pid in relevant:
                title = words(titles[pid])
                overlap = len(title & words(request)) / max(1, len(title))
                if overlap > MAX_TITLE_OVERLAP:
                    problems.append(f"{where}: repeats {overlap:.0%} of the title {titles[pid]!r}")
        elif kind == "filter":
            include, exclude = case.get("include") or [], case.get("exclude") or []
            if not include:
                problems.append(f"{where}: a filter case needs include tags")
            for tag in [*include, *exclude]:
                if taxonomy.canonical(tag) != tag or tag not in known:
                    problems.append(f"{where}: #{tag} is not a canonical tag any project carries")
            if exclude:
                counts["filter/with-exclusion"] += 1
            matches = sum(set(include) <= t and not set(exclude) & t for t in tag_sets.values())
            if matches < MIN_FILTER_MATCHES:
                problems.append(f"{where}: only {matches} projects satisfy it (need {MIN_FILTER_MATCHES})")
        else:
            wanted = set(case.get("any") or [])
            for tag in wanted:
                if taxonomy.canonical(tag) != tag or tag not in known:
                    problems.append(f"{where}: #{tag} is not a canonical tag any project carries")
            names = set().union(*(words(n.replace("-", " ")) for t in wanted for n in {t, *aliases_of.get(t, ())}))
            if clash := shares_word(words(request), names):
                problems.append(f"{where}: a topic request must not use its tags' words: {sorted(clash)}")
            matches = sum(bool(wanted & t) for t in tag_sets.values())
            if matches < MIN_TOPIC_MATCHES:
                problems.append(f"{where}: only {matches} projects carry one of its tags (need {MIN_TOPIC_MATCHES})")
    print(f"{cases_path}: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", type=Path)
    parser.add_argument("--catalog", type=Path, default=SHARED / "projects.json")
    parser.add_argument("--taxonomy", type=Path, default=SHARED / "tags.json")
    args = parser.parse_args(argv)
    problems = check(args.cases, args.catalog, args.taxonomy)
    for problem in problems:
        print(f"- {problem}")
    print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
