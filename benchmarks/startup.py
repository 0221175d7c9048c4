"""Start-up and memory at 100k and 1M projects: cold from the JSON catalog against a snapshot, side by side.

    python benchmarks/startup.py --sizes 100k          # about 3 minutes
    python benchmarks/startup.py --sizes 100k,1m       # about 15 minutes; the 1M catalog is generated once

Per size, every figure comes from fresh processes (benchmarks/synthetic.py makes the catalogs):

- cold start: ``findproject search --catalog … --taxonomy …`` with an empty CACHE_DIR, process
  start to exit (validation, indexing, training, writing the cache's snapshot, one answer),
  and the same phases timed inside one process (which also writes the snapshot used below);
- snapshot start: ``findproject search --snapshot FILE``, process start to exit, median of
  --runs, and inside one process: ``snapshot.load`` (checksums included) and the first answer;
- one process serving from the snapshot: the 202 benchmark requests (benchmarks/bench_requests.py),
  a warm-up pass and timed passes, full-search p50/p95, phrase-query p50/p95 (requests with a
  quoted phrase), then steady RSS (anonymous and file-backed apart); every answer (ids and
  scores, bit for bit) is compared with the cold-built engine's;
- workers sharing the snapshot: --workers processes map the same file and answer the same
  requests; each one's private and shared memory from /proc/PID/smaps_rollup;
- the old phrase matching (a loop over the candidates' texts) on a few phrases, for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_requests import REQUESTS  # noqa: E402
from synthetic import CACHE_DIR, REAL_TAGS, cached_catalog  # noqa: E402

SIZES = {"100k": 100_000, "1m": 1_000_000}
REQUEST = "pytorch tutorials on object detection, not yolo"
PHRASES = [
    '"neural network"',
    '"object detection"',
    '"machine learning" tutorial',
    '"deep learning" pytorch',
    '"data augmentation"',
    '"time series" forecasting',
    '"question answering" bert',
    '"graph neural networks"',
    '"reinforcement learning" papers',
    '"transfer learning"',
    '"computer vision" library',
    '"state of the art"',
    '"from scratch"',
    '"image segmentation" pytorch',
    '"learning" code',
    '"generative adversarial networks"',
    '"natural language processing" tutorial',
    '"convolutional neural network"',
    '"pytorch lightning"',
    '"hugging face" transformers',
]
TARGETS = {  # seconds, MiB, ms
    "cold_s": {"100k": 4.0, "1m": 40.0},
    "snapshot_s": {"100k": 1.0, "1m": 2.0},
    "rss_mib": {"1m": 1228.8},
    "worker_private_mib": {"1m": 150.0},
    "phrase_p95_ms": {"1m": 50.0},
    "search_p95_ms": {"100k": 20.0},
}


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))]


def memory(pid: int | str = "self") -> dict[str, int]:
    """MiB: RSS (anonymous, file-backed) from status; private and shared from smaps_rollup."""
    values: dict[str, int] = {}
    for name in ("status", "smaps_rollup"):
        with open(f"/proc/{pid}/{name}") as handle:
            for line in handle:
                key, _, rest = line.partition(":")
                if key in (
                    "VmRSS",
                    "RssAnon",
                    "RssFile",
                    "VmHWM",
                    "Pss",
                    "Shared_Clean",
                    "Shared_Dirty",
                    "Private_Clean",
                    "Private_Dirty",
                ):
                    values[key] = int(rest.split()[0]) // 1024
    values["Private"] = values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)
    values["Shared"] = values.get("Shared_Clean", 0) + values.get("Shared_Dirty", 0)
    return values


# ---- workers (each in its own process) --------------------------------------------------


def worker_cold(args: argparse.Namespace) -> dict:
    """Every phase of a cold start in one process; writes the snapshot and the answers to compare with."""
    t0 = time.perf_counter()
    import retrieval.engine as engine_module
    from retrieval import snapshot
    from retrieval.catalog import load_catalog
    from retrieval.engine import SearchEngine
    from retrieval.taxonomy import load_taxonomy

    phases = {"imports": (time.perf_counter() - t0, time.process_time())}  # CPU: the process so far

    def timed(name, work):
        t, cpu = time.perf_counter(), time.process_time()
        value = work()
        phases[name] = (time.perf_counter() - t, time.process_time() - cpu)  # wall, CPU of both cores
        return value

    learning = _timing(engine_module.LearnedModels, "build")
    loaded = timed("load and validate", lambda: load_catalog(args.catalog))
    taxonomy, _ = load_taxonomy(args.taxonomy)
    rss_loaded = memory()["VmRSS"]
    engine = timed("build the engine", lambda: SearchEngine(loaded.catalog, taxonomy))
    phases["of which tag model and lexicon"] = learning[0]
    timed("write snapshot", lambda: snapshot.save(engine, Path(args.snapshot)))
    Path(args.answers).write_text(json.dumps(_answers(engine)))
    return {
        "phases": phases,
        "rss_after_load": rss_loaded,
        "rss_built": memory()["VmRSS"],
        "peak": memory()["VmHWM"],
        "snapshot_mib": Path(args.snapshot).stat().st_size / 2**20,
    }


def _timing(owner, name: str) -> list[tuple[float, float]]:
    """Wrap owner.name so its calls' (wall, CPU) seconds are appended to the list returned."""
    real = getattr(owner, name)
    spent: list[tuple[float, float]] = []

    def timed(*args, **kwargs):
        t, cpu = time.perf_counter(), time.process_time()
        value = real(*args, **kwargs)
        spent.append((time.perf_counter() - t, time.process_time() - cpu))
        return value

    setattr(owner, name, timed)
    return spent


def _answers(engine) -> list:
    out = []
    for _, request in REQUESTS:
        response = engine.search(request)
        out.append([response.total, [[str(r.project.id), repr(r.score)] for r in response.results]])
    for request in PHRASES:
        response = engine.search(request)
        out.append([response.total, [[str(r.project.id), repr(r.score)] for r in response.results]])
    return out


def worker_load(args: argparse.Namespace) -> dict:
    t0 = time.perf_counter()
    from retrieval import snapshot

    imported = time.perf_counter() - t0
    t = time.perf_counter()
    engine = snapshot.load(args.snapshot)
    loaded = time.perf_counter() - t
    t = time.perf_counter()
    engine.search(REQUEST)
    return {"imports": imported, "load": loaded, "first_search": time.perf_counter() - t}


def worker_serve(args: argparse.Namespace) -> dict:
    """One process answering from the snapshot: latencies, exactness, then steady memory."""
    from retrieval import snapshot

    engine = snapshot.load(args.snapshot)
    timed: dict[str, list[float]] = {"search": [], "phrase": []}
    for number in range(args.passes + 1):
        for kind, requests in (("search", [r for _, r in REQUESTS]), ("phrase", PHRASES)):
            for request in requests:
                t = time.perf_counter()
                engine.search(request)
                if number:
                    timed[kind].append((time.perf_counter() - t) * 1000)
    exact = _answers(engine) == json.loads(Path(args.answers).read_text())
    result = {"exact": exact, "memory": memory(), "passes": args.passes}
    for kind, samples in timed.items():
        result[kind] = {"p50": percentile(samples, 50), "p95": percentile(samples, 95), "max": max(samples), "n": len(samples)}
    if args.hold:  # stay up, mapped, for the parent to read /proc/PID/smaps_rollup
        print(json.dumps(result), flush=True)
        sys.stdin.readline()
        return {}
    return result


def worker_old_phrases(args: argparse.Namespace) -> dict:
    """The phrase matching the positions replaced: the texts of every document holding all terms."""
    import re

    import numpy as np

    from retrieval import snapshot

    engine = snapshot.load(args.snapshot)
    space = re.compile(r"\s+")
    timings = {}
    for phrase in ("machine learning", "neural network", "object detection"):
        t = time.perf_counter()
        terms = engine.analyzer.terms(phrase)
        needle = space.sub(" ", phrase.lower()).strip()
        candidates = engine.index.postings(terms[0])
        for term in terms[1:]:
            candidates = np.intersect1d(candidates, engine.index.postings(term), assume_unique=True)
        titles, descriptions = engine.catalog.titles, engine.catalog.descriptions
        found = sum(needle in space.sub(" ", f"{titles[d]} {descriptions[d]}".lower()) for d in candidates.tolist())
        old = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        new = int(engine.corpus.phrase_mask(phrase).sum())
        timings[phrase] = {
            "old_ms": old,
            "new_ms": (time.perf_counter() - t) * 1000,
            "old_found": int(found),
            "new_found": new,
            "candidates": int(candidates.size),
        }
    return timings


WORKERS = {"cold": worker_cold, "load": worker_load, "serve": worker_serve, "old-phrases": worker_old_phrases}


# ---- the parent ---------------------------------------------------------------------------


def run_worker(name: str, args: argparse.Namespace, **options: str) -> dict:
    command = [sys.executable, __file__, "--worker", name, *[f"--{k.replace('_', '-')}={v}" for k, v in options.items()]]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"worker {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def timed_cli(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", *argv], capture_output=True, text=True, cwd=ROOT, env={**os.environ, **env}
    )
    if done.returncode:
        raise SystemExit(f"findproject {' '.join(argv)} failed:\n{done.stderr}")
    return time.perf_counter() - started


def measure(size: str, args: argparse.Namespace) -> dict:
    catalog = cached_catalog(SIZES[size])
    work = Path(tempfile.mkdtemp(prefix=f"startup-{size}-", dir=CACHE_DIR))
    snap, answers = work / "catalog.snapshot", work / "answers.json"
    files = {"catalog": str(catalog), "taxonomy": str(REAL_TAGS), "snapshot": str(snap), "answers": str(answers)}
    result: dict = {"load_before": os.getloadavg()[0]}
    try:
        print(f"[{size}] cold start, one process by phase ...", file=sys.stderr, flush=True)
        result["cold"] = run_worker("cold", args, **files)
        print(f"[{size}] cold start, `findproject search` ...", file=sys.stderr, flush=True)
        result["cold_cli_s"] = timed_cli(
            ["search", "--catalog", str(catalog), "--taxonomy", str(REAL_TAGS), REQUEST], {"CACHE_DIR": str(work / "cache")}
        )
        print(f"[{size}] snapshot start ...", file=sys.stderr, flush=True)
        result["snapshot_cli_s"] = [timed_cli(["search", "--snapshot", str(snap), REQUEST], {}) for _ in range(args.runs)]
        result["load"] = [run_worker("load", args, **files) for _ in range(args.runs)]
        print(f"[{size}] serving from the snapshot ...", file=sys.stderr, flush=True)
        result["serve"] = run_worker("serve", args, passes=str(args.passes), **files)
        print(f"[{size}] {args.workers} workers sharing it ...", file=sys.stderr, flush=True)
        result["workers"] = shared_workers(args, files)
        print(f"[{size}] the old phrase matching ...", file=sys.stderr, flush=True)
        result["old_phrases"] = run_worker("old-phrases", args, **files)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["load_after"] = os.getloadavg()[0]
    return result


def shared_workers(args: argparse.Namespace, files: dict[str, str]) -> list[dict]:
    command = [sys.executable, __file__, "--worker", "serve", "--hold", "--passes=1", *[f"--{k}={v}" for k, v in files.items()]]
    processes = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(args.workers)
    ]
    try:
        for process in processes:
            process.stdout.readline()  # answered everything, now holding
        return [memory(process.pid) for process in processes]
    finally:
        for process in processes:
            process.communicate("\n", timeout=60)


def report(results: dict[str, dict]) -> str:
    lines = []
    for size, r in results.items():
        cold, serve = r["cold"], r["serve"]
        loads = r["load"]
        lines.append(f"== {size} (load average {r['load_before']:.1f} before, {r['load_after']:.1f} after)")
        lines.append(f"cold start, `findproject search` with an empty cache: {r['cold_cli_s']:.2f} s")
        lines.append(
            "  in one process (wall / CPU): "
            + ", ".join(f"{k} {v[0]:.2f} / {v[1]:.2f} s" for k, v in cold["phases"].items())
            + f"; RSS after load {cold['rss_after_load']} MiB, built {cold['rss_built']} MiB, "
            f"peak {cold['peak']} MiB; snapshot {cold['snapshot_mib']:.0f} MiB"
        )
        cli = r["snapshot_cli_s"]
        lines.append(
            f"snapshot start, `findproject search --snapshot`: median {statistics.median(cli):.2f} s "
            f"(min {min(cli):.2f}, max {max(cli):.2f}, {len(cli)} runs)"
        )
        lines.append(
            f"  in one process: imports {statistics.median(x['imports'] for x in loads):.2f} s, "
            f"snapshot.load {statistics.median(x['load'] for x in loads):.2f} s, first search "
            f"{statistics.median(x['first_search'] for x in loads) * 1000:.0f} ms (medians)"
        )
        lines.append(
            f"serving from it: search p50 {serve['search']['p50']:.2f} ms, p95 {serve['search']['p95']:.2f} ms "
            f"({serve['search']['n']} timed); phrases p50 {serve['phrase']['p50']:.2f} ms, p95 "
            f"{serve['phrase']['p95']:.2f} ms ({serve['phrase']['n']} timed); answers identical to the "
            f"cold-built engine: {'yes' if serve['exact'] else 'NO'}"
        )
        m = serve["memory"]
        lines.append(
            f"  steady RSS {m['VmRSS']} MiB (anonymous {m['RssAnon']}, file-backed {m['RssFile']}), "
            f"private {m['Private']} MiB, shared {m['Shared']} MiB"
        )
        for number, w in enumerate(r["workers"], start=1):
            lines.append(
                f"  worker {number} of {len(r['workers'])}: RSS {w['VmRSS']} MiB, private {w['Private']} MiB, "
                f"shared {w['Shared']} MiB, PSS {w['Pss']} MiB"
            )
        for phrase, t in r["old_phrases"].items():
            lines.append(
                f'  phrase "{phrase}": old loop {t["old_ms"]:.0f} ms over {t["candidates"]} candidates '
                f"({t['old_found']} found), positions {t['new_ms']:.1f} ms ({t['new_found']} found)"
            )
    lines.append("")
    lines.append(f"{'target':<52} {'measured':>12} {'met':>5}")
    for size, r in results.items():
        figures = {
            "cold_s": (r["cold_cli_s"], "s", "cold start from the JSON catalog"),
            "snapshot_s": (statistics.median(r["snapshot_cli_s"]), "s", "start from a snapshot (search, median)"),
            "rss_mib": (r["serve"]["memory"]["VmRSS"], "MiB", "steady RSS, one process"),
            "worker_private_mib": (
                max(w["Private"] for w in r["workers"][1:] or r["workers"]),
                "MiB",
                "private memory of an added worker",
            ),
            "phrase_p95_ms": (r["serve"]["phrase"]["p95"], "ms", "phrase query p95"),
            "search_p95_ms": (r["serve"]["search"]["p95"], "ms", "full search p95"),
        }
        for key, (value, unit, name) in figures.items():
            goal = TARGETS[key].get(size)
            if goal is not None:
                lines.append(
                    f"{name + f' at {size} <= {goal:g} {unit}':<52} {f'{value:.2f} {unit}':>12} "
                    f"{'yes' if value <= goal else 'NO':>5}"
                )
        lines.append(
            f"{'answers exact (snapshot = cold build) at ' + size:<52} {str(r['serve']['exact']):>12} "
            f"{'yes' if r['serve']['exact'] else 'NO':>5}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100k,1m")
    parser.add_argument("--runs", type=int, default=3, help="snapshot starts per size (median)")
    parser.add_argument("--passes", type=int, default=2, help="timed passes over the requests")
    parser.add_argument("--workers", type=int, default=3, help="processes sharing one snapshot")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--worker", choices=list(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--hold", action="store_true", help=argparse.SUPPRESS)
    for name in ("catalog", "taxonomy", "snapshot", "answers"):
        parser.add_argument(f"--{name}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)))
        return 0
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    if unknown := [s for s in sizes if s not in SIZES]:
        parser.error(f"unknown size: {', '.join(unknown)}")
    CACHE_DIR.mkdir(exist_ok=True)
    results = {size: measure(size, args) for size in sizes}
    print(f"command: python benchmarks/startup.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}")
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
