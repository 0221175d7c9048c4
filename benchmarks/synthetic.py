"""Reproducible synthetic catalogs shaped like the real Made With ML one.

    python benchmarks/synthetic.py --size 100000 [--seed 20261128] [--out PATH]

Every synthetic project starts from a "seed" project drawn from the real catalog:

- its title and description have the seed's word counts, so document lengths follow the
  real distribution;
- each word is, with probability ``LOCAL_SHARE``, one of the seed's own words (so words
  and tags stay correlated the way they are in the real catalog), and otherwise a draw
  from the real vocabulary under a Zipf-Mandelbrot law over the words' real frequency
  ranks (p(r) ∝ 1 / (r + 2.7)^1.0);
- its tags are the seed's tags, with one of them swapped, in ``SWAP_SHARE`` of projects,
  for a tag drawn from the real tag frequencies;
- its date is the seed's date moved by up to a year either way.

The same (size, seed) always gives the same catalog. Files are cached under
``.bench-cache/`` (gitignored); nothing generated is committed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REAL_DIR = ROOT.parent / "shared" / "data" / "madewithml"
REAL_PROJECTS = REAL_DIR / "projects.json"
REAL_TAGS = REAL_DIR / "tags.json"
CACHE_DIR = ROOT / ".bench-cache"

SEED = 20261128
GENERATOR_VERSION = "1"  # bump when the generation changes, so cached files are not reused
LOCAL_SHARE = 0.35
SWAP_SHARE = 0.3
ZIPF_S, ZIPF_Q = 1.0, 2.7
_WORD = re.compile(r"[^\W_]+(?:[-.'][^\W_]+)*(?:\+\+|#)?", re.UNICODE)


class _Source:
    """The real catalog, reduced to what generation draws from."""

    def __init__(self, projects: list[dict]):
        self.n = len(projects)
        self.title_words = [_WORD.findall(p["title"]) for p in projects]
        self.desc_words = [_WORD.findall(p.get("description") or "") for p in projects]
        self.tags = [list(p.get("tags") or []) for p in projects]
        self.dates = np.array([p["created_on"] for p in projects], dtype="datetime64[s]")
        # One word list for both fields: surface forms as the catalog writes them.
        counts_t = Counter(w for ws in self.title_words for w in ws)
        counts_d = Counter(w for ws in self.desc_words for w in ws)
        self.words = sorted(set(counts_t) | set(counts_d))
        word_id = {w: i for i, w in enumerate(self.words)}
        self.title_p = _zipf_over(counts_t, word_id, len(self.words))
        self.desc_p = _zipf_over(counts_d, word_id, len(self.words))
        self.title_ids, self.title_off = _flatten(self.title_words, word_id)
        self.desc_ids, self.desc_off = _flatten(self.desc_words, word_id)
        tag_counts = Counter(t for ts in self.tags for t in ts)
        self.tag_names = sorted(tag_counts)
        freq = np.array([tag_counts[t] for t in self.tag_names], dtype=np.float64)
        self.tag_p = freq / freq.sum()


def _zipf_over(counts: Counter, word_id: dict[str, int], size: int) -> np.ndarray:
    """Zipf-Mandelbrot probabilities over the words' real frequency ranks (0 for unused words)."""
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    p = np.zeros(size)
    ranks = np.arange(len(ranked), dtype=np.float64)
    p[[word_id[w] for w in ranked]] = 1.0 / (ranks + 1 + ZIPF_Q) ** ZIPF_S
    return p / p.sum()


def _flatten(lists: list[list[str]], word_id: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.array([len(ws) for ws in lists], dtype=np.int64)
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    ids = np.array([word_id[w] for ws in lists for w in ws], dtype=np.int64)
    return ids, offsets


def _field(
    rng: np.random.Generator, seeds: np.ndarray, ids: np.ndarray, offsets: np.ndarray, p: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Word ids for one text field of every synthetic project, and the per-project lengths."""
    lengths = offsets[seeds + 1] - offsets[seeds]
    total = int(lengths.sum())
    words = rng.choice(p.size, size=total, p=p)
    seed_of = np.repeat(seeds, lengths)
    local = rng.random(total) < LOCAL_SHARE
    start = offsets[seed_of[local]]
    span = offsets[seed_of[local] + 1] - start
    words[local] = ids[start + (rng.random(int(local.sum())) * span).astype(np.int64)]
    return words, lengths


def generate(size: int, seed: int = SEED, source_path: Path = REAL_PROJECTS) -> list[dict]:
    """``size`` project records in the catalog's JSON shape."""
    source = _Source(json.loads(Path(source_path).read_text(encoding="utf-8")))
    rng = np.random.default_rng(seed)
    seeds = rng.integers(0, source.n, size=size)
    title_ids, title_len = _field(rng, seeds, source.title_ids, source.title_off, source.title_p)
    desc_ids, desc_len = _field(rng, seeds, source.desc_ids, source.desc_off, source.desc_p)
    swap = rng.random(size) < SWAP_SHARE
    swap_pick = rng.random(size)
    swap_tag = rng.choice(len(source.tag_names), size=size, p=source.tag_p)
    jitter = rng.integers(-365 * 86400, 365 * 86400, size=size)
    dates = np.datetime_as_string(source.dates[seeds] + jitter.astype("timedelta64[s]"), unit="s")

    words = np.array(source.words, dtype=object)
    titles = _join(words[title_ids], title_len)
    descriptions = _join(words[desc_ids], desc_len)
    records = []
    for i in range(size):
        s = int(seeds[i])
        tags = source.tags[s]
        if swap[i] and tags:
            tags = list(tags)
            tags[int(swap_pick[i] * len(tags))] = source.tag_names[swap_tag[i]]
            tags = list(dict.fromkeys(tags))
        records.append(
            {
                "id": i + 1,
                "created_on": str(dates[i]).replace("T", " "),
                "title": titles[i] or "Untitled",
                "description": descriptions[i],
                "tags": tags,
            }
        )
    return records


def _join(words: np.ndarray, lengths: np.ndarray) -> list[str]:
    out = []
    start = 0
    for length in lengths.tolist():
        out.append(" ".join(words[start : start + length]))
        start += length
    return out


def cached_catalog(size: int, seed: int = SEED) -> Path:
    """The path of a JSON catalog of ``size`` synthetic projects, generated once and cached."""
    CACHE_DIR.mkdir(exist_ok=True)
    path = CACHE_DIR / f"synthetic-{size}-seed{seed}-v{GENERATOR_VERSION}.json"
    if not path.exists():
        records = generate(size, seed)
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write("[\n")
            for i, record in enumerate(records):
                handle.write(("" if i == 0 else ",\n") + json.dumps(record, ensure_ascii=False))
            handle.write("\n]\n")
        tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    print(cached_catalog(args.size, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
