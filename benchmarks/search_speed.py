"""Search speed at 2k (real), 100k and 1M (synthetic) projects, against baselines in the same run.

    python benchmarks/search_speed.py                      # 2k, 100k, 1m; every system
    python benchmarks/search_speed.py --sizes 2k,100k --queries 50 --systems engine,rank-bm25

Per size, each system runs in a fresh subprocess, so its RSS figures are its own:

- engine     the real SearchEngine: catalog load, index build (SearchEngine(projects, taxonomy)),
             build peak RSS, steady-state RSS, engine.search() p50/p95 over the full path
             (parse, retrieve, filter, relax, rank, suggest), and retrieval alone
             (BM25Index.scores + top-10) on the terms the engine scores for each request;
- rank-bm25  the naive baseline: BM25Okapi.get_scores over the whole corpus + argpartition,
             on the same analyzed documents and terms; its scores must equal ours bit for bit;
- bm25s      bm25s (method "robertson"), get_scores + argpartition;
- tantivy    tantivy (compiled reference), the same terms as a boolean OR of term queries, top 10.

The analyzed corpus the baselines index is written by the engine worker (in .bench-cache/),
so every system sees the same documents and queries. Naive rank-bm25 is very slow at 1M;
it is measured on a small sample of requests there (--naive-queries).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_requests import REQUESTS  # noqa: E402
from synthetic import CACHE_DIR, REAL_PROJECTS, REAL_TAGS, cached_catalog  # noqa: E402

SIZES = {"2k": 0, "100k": 100_000, "1m": 1_000_000}
SYSTEMS = ["engine", "rank-bm25", "bm25s", "tantivy"]
TOP = 10
STARTUP_REQUEST = "pytorch tutorials on object detection, not yolo"
STARTUP_TARGET_S = 1.5  # at 2k, process start to ready
# engine.search() passes per size (after one warm-up pass): more where a pass is cheap.
PASSES = {"2k": 5, "100k": 3, "1m": 1}
# Requests on which naive rank-bm25 is timed (and its scores compared), per size.
NAIVE_QUERIES = {"2k": 200, "100k": 40, "1m": 8}
TARGETS = {
    "p95": {"2k": 5.0, "100k": 20.0, "1m": 150.0},  # ms, full search
    "speedup": {"100k": 50.0, "1m": 50.0},  # retrieval vs naive rank-bm25
    "build": {"100k": 3.0, "1m": 40.0},  # s, index build
    "rss": {"1m": 1536.0},  # MiB, steady state
}


# ---- process memory -------------------------------------------------------------------


def _status() -> dict[str, int]:
    """VmRSS and VmHWM (peak) of this process, in MiB."""
    values = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(("VmRSS", "VmHWM")):
                key, value = line.split(":", 1)
                values[key] = int(value.split()[0]) // 1024
    return values


def rss_mib() -> int:
    return _status()["VmRSS"]


def reset_peak() -> bool:
    """Start a new peak-RSS window (Linux: write 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def peak_mib() -> int:
    return _status()["VmHWM"]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def top_ids(scores, k: int = TOP):
    import numpy as np

    if scores.size <= k:
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


# ---- workers (one per subprocess) ----------------------------------------------------


def corpus_path(size: str) -> Path:
    return CACHE_DIR / f"corpus-{size}.txt"


def terms_path(size: str) -> Path:
    return CACHE_DIR / f"terms-{size}.json"


def scores_path(size: str, system: str) -> Path:
    return CACHE_DIR / f"scores-{size}-{system}.npy"


def worker_engine(args: argparse.Namespace) -> dict:
    import numpy as np

    t0 = time.perf_counter()
    from retrieval.catalog import load_catalog
    from retrieval.engine import SearchEngine
    from retrieval.taxonomy import load_taxonomy

    imported = time.perf_counter() - t0
    t = time.perf_counter()
    loaded = load_catalog(args.catalog)
    taxonomy, _ = load_taxonomy(args.taxonomy)
    load_s = time.perf_counter() - t
    projects = loaded.catalog
    del loaded
    rss_loaded = rss_mib()
    reset_peak()
    load_before = os.getloadavg()[0]
    t, cpu = time.perf_counter(), time.process_time()
    engine = SearchEngine(projects, taxonomy)
    build_s, build_cpu = time.perf_counter() - t, time.process_time() - cpu
    build_peak = peak_mib()
    del projects
    gc.collect()
    rss_built = rss_mib()

    requests = REQUESTS[: args.queries]
    # Which terms does each request score? Record the engine's own calls.
    recorded: list[list[str]] = []
    real_scores = engine.index.scores

    def recording(terms):
        recorded.append(list(terms))
        return real_scores(terms)

    scored_terms = []
    engine.index.scores = recording
    for _, request in requests:
        recorded.clear()
        engine.search(request)
        scored_terms.append([t for call in recorded for t in call])
    del engine.index.scores

    # Full path: one warm-up pass, then timed passes.
    # CPU time of this thread is kept too: it leaves out the time other processes on this
    # shared machine took the core, which wall time (what a user waits) includes.
    samples: dict[str, list[float]] = {}
    cpu_samples: list[float] = []
    for number in range(args.passes + 1):
        for kind, request in requests:
            t, cpu = time.perf_counter(), time.thread_time()
            engine.search(request)
            elapsed, cpu_ms = (time.perf_counter() - t) * 1000, (time.thread_time() - cpu) * 1000
            if number:
                samples.setdefault(kind, []).append(elapsed)
                cpu_samples.append(cpu_ms)
    every = [s for values in samples.values() for s in values]

    # Retrieval alone: score every document for the request's terms, then the top 10.
    retrieval = []
    index = engine.index
    with_terms = [terms for terms in scored_terms if terms]
    for number in range(args.passes + 1):
        for terms in with_terms:
            t = time.perf_counter()
            top_ids(index.scores(terms))
            elapsed = (time.perf_counter() - t) * 1000
            if number:
                retrieval.append(elapsed)
    gc.collect()
    steady = rss_mib()

    # Files the baselines read: the analyzed corpus, the terms, our scores on the naive sample.
    with corpus_path(args.size).open("w", encoding="utf-8") as handle:
        for doc in range(len(engine.catalog)):
            handle.write(" ".join(engine.document_terms(doc)) + "\n")
    terms_path(args.size).write_text(json.dumps(with_terms))
    sample = with_terms[: args.naive_queries]
    np.save(scores_path(args.size, "engine"), np.stack([index.scores(terms) for terms in sample]))

    return {
        "system": "engine",
        "docs": len(engine.projects),
        "import_s": imported,
        "load_s": load_s,
        "rss_after_load": rss_loaded,
        "build_s": build_s,
        "build_peak": build_peak,
        "rss_after_build": rss_built,
        "steady_rss": steady,
        "process_peak": peak_mib(),
        "build_cpu_s": build_cpu,
        "p50": percentile(every, 50),
        "p95": percentile(every, 95),
        "max": max(every),
        "cpu_p50": percentile(cpu_samples, 50),
        "cpu_p95": percentile(cpu_samples, 95),
        "loadavg": [load_before, os.getloadavg()[0]],
        "by_kind": {kind: {"n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95)} for kind, v in samples.items()},
        "retrieval_p50": percentile(retrieval, 50),
        "retrieval_p95": percentile(retrieval, 95),
        "retrieval_mean": statistics.fmean(retrieval),
        "vocabulary": len(index.vocabulary),
        "postings": index.n_postings,
        "requests": len(requests),
        "passes": args.passes,
        "retrieval_queries": len(with_terms),
    }


def _read_corpus(size: str) -> list[list[str]]:
    with corpus_path(size).open(encoding="utf-8") as handle:
        return [line.split() for line in handle]


def _time_queries(search, queries: list[list[str]], passes: int) -> list[float]:
    samples = []
    for number in range(passes + 1):
        for terms in queries:
            t = time.perf_counter()
            search(terms)
            elapsed = (time.perf_counter() - t) * 1000
            if number:
                samples.append(elapsed)
    return samples


def worker_rank_bm25(args: argparse.Namespace) -> dict:
    import numpy as np
    from rank_bm25 import BM25Okapi

    corpus = _read_corpus(args.size)
    queries = json.loads(terms_path(args.size).read_text())[: args.naive_queries]
    rss_before = rss_mib()
    reset_peak()
    t = time.perf_counter()
    model = BM25Okapi(corpus)
    build_s = time.perf_counter() - t
    build_peak = peak_mib()
    del corpus
    gc.collect()
    # One pass, no warm-up: at 1M a query takes seconds. Its scores are kept for the comparison.
    samples, theirs = [], []
    for terms in queries:
        t = time.perf_counter()
        scores = model.get_scores(terms)
        top_ids(scores)
        samples.append((time.perf_counter() - t) * 1000)
        theirs.append(scores)
    ours = np.load(scores_path(args.size, "engine"))
    theirs = np.stack(theirs)
    identical = bool(ours.shape == theirs.shape and np.array_equal(ours, theirs))
    return {
        "system": "rank-bm25",
        "build_s": build_s,
        "build_peak": build_peak,
        "rss_before_build": rss_before,
        "steady_rss": rss_mib(),
        "retrieval_p50": percentile(samples, 50),
        "retrieval_p95": percentile(samples, 95),
        "retrieval_mean": statistics.fmean(samples),
        "queries": len(queries),
        "identical": identical,
        "compared": int(theirs.shape[0]),
    }


def worker_bm25s(args: argparse.Namespace) -> dict:
    import bm25s

    corpus = _read_corpus(args.size)
    queries = json.loads(terms_path(args.size).read_text())
    rss_before = rss_mib()
    reset_peak()
    t = time.perf_counter()
    model = bm25s.BM25(k1=1.5, b=0.75, method="robertson")
    model.index(corpus, show_progress=False)
    build_s = time.perf_counter() - t
    build_peak = peak_mib()
    del corpus
    gc.collect()
    samples = _time_queries(lambda terms: top_ids(model.get_scores(terms)), queries, args.passes)
    return {
        "system": "bm25s",
        "build_s": build_s,
        "build_peak": build_peak,
        "rss_before_build": rss_before,
        "steady_rss": rss_mib(),
        "retrieval_p50": percentile(samples, 50),
        "retrieval_p95": percentile(samples, 95),
        "retrieval_mean": statistics.fmean(samples),
        "queries": len(queries),
    }


def worker_tantivy(args: argparse.Namespace) -> dict:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace", index_option="freq")
    schema = builder.build()
    queries = json.loads(terms_path(args.size).read_text())
    rss_before = rss_mib()
    reset_peak()
    t = time.perf_counter()
    index = tantivy.Index(schema)
    writer = index.writer(heap_size=512_000_000, num_threads=1)
    with corpus_path(args.size).open(encoding="utf-8") as handle:
        for line in handle:
            writer.add_document(tantivy.Document(body=line.rstrip("\n")))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    build_s = time.perf_counter() - t
    build_peak = peak_mib()
    gc.collect()

    def search(terms):
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", term)) for term in terms]
        )
        return searcher.search(query, TOP).hits

    samples = _time_queries(search, queries, args.passes)
    return {
        "system": "tantivy",
        "build_s": build_s,
        "build_peak": build_peak,
        "rss_before_build": rss_before,
        "steady_rss": rss_mib(),
        "retrieval_p50": percentile(samples, 50),
        "retrieval_p95": percentile(samples, 95),
        "retrieval_mean": statistics.fmean(samples),
        "queries": len(queries),
        "docs": searcher.num_docs,
    }


def worker_startup(args: argparse.Namespace) -> dict:
    """Where a cold start goes: imports, catalog load, engine build, the first search."""
    t0 = time.perf_counter()
    from retrieval.engine import SearchEngine

    import_retrieval = time.perf_counter() - t0
    t = time.perf_counter()
    import bot.cli  # noqa: F401  (what `findproject` imports before it runs a command)

    import_cli = time.perf_counter() - t
    t = time.perf_counter()
    from retrieval.catalog import load_catalog
    from retrieval.taxonomy import load_taxonomy

    loaded = load_catalog(args.catalog)
    taxonomy, _ = load_taxonomy(args.taxonomy)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    engine = SearchEngine(loaded.catalog, taxonomy)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    engine.search(STARTUP_REQUEST)
    first = time.perf_counter() - t
    return {
        "system": "startup",
        "import_retrieval_s": import_retrieval,
        "import_cli_s": import_cli,
        "load_s": load_s,
        "build_s": build_s,
        "first_search_s": first,
    }


def worker_startup_cache(args: argparse.Namespace) -> dict:
    """A start-up through retrieval.cache.load_engine, then one search (the cache dir is given)."""
    t0 = time.perf_counter()
    from retrieval.cache import load_engine

    imported = time.perf_counter() - t0
    t = time.perf_counter()
    engine = load_engine(args.catalog, args.taxonomy, cache_dir=CACHE_DIR / f"engine-cache-{args.size}")
    ready = time.perf_counter() - t
    engine.search(STARTUP_REQUEST)
    return {"system": "startup-cache", "import_s": imported, "load_engine_s": ready, "rss": rss_mib()}


def cached_startup(size: str, args: argparse.Namespace, runs: int) -> dict:
    """Process start to first answer through the cache: once cold (builds and writes), then warm."""
    import shutil

    shutil.rmtree(CACHE_DIR / f"engine-cache-{size}", ignore_errors=True)
    walls, inner = [], []
    for _ in range(runs + 1):
        started = time.perf_counter()
        result = run_worker("startup-cache", size, args)
        walls.append(time.perf_counter() - started)
        inner.append(result)
    size_mib = sum(f.stat().st_size for f in (CACHE_DIR / f"engine-cache-{size}").iterdir()) / 2**20
    return {
        "cold_s": walls[0],
        "cold_load_engine_s": inner[0]["load_engine_s"],
        "warm_median_s": statistics.median(walls[1:]),
        "warm_load_engine_s": statistics.median(r["load_engine_s"] for r in inner[1:]),
        "file_mib": size_mib,
        "runs": runs,
    }


def cli_startup(size: str, args: argparse.Namespace, runs: int) -> dict:
    """Wall time of `findproject search` from process start to exit, `runs` times."""
    command = [
        str(Path(sys.executable).parent / "findproject"),
        "search",
        "--catalog",
        str(catalog_for(size)),
        "--taxonomy",
        str(args.taxonomy),
        STARTUP_REQUEST,
    ]
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"findproject search failed at {size}:\n{done.stderr[-2000:]}")
    breakdown = run_worker("startup", size, args)
    return {
        "runs": runs,
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        **{k: v for k, v in breakdown.items() if k.endswith("_s") and k != "wall_s"},
    }


WORKERS = {
    "engine": worker_engine,
    "rank-bm25": worker_rank_bm25,
    "bm25s": worker_bm25s,
    "tantivy": worker_tantivy,
    "startup": worker_startup,
    "startup-cache": worker_startup_cache,
}


# ---- the parent: one subprocess per (size, system), then the table -------------------


def catalog_for(size: str) -> Path:
    return REAL_PROJECTS if SIZES[size] == 0 else cached_catalog(SIZES[size])


def run_worker(system: str, size: str, args: argparse.Namespace) -> dict:
    naive = args.naive_queries if args.naive_queries is not None else NAIVE_QUERIES[size]
    command = [
        sys.executable,
        __file__,
        "--worker",
        system,
        "--size",
        size,
        "--catalog",
        str(catalog_for(size)),
        "--taxonomy",
        str(args.taxonomy),
        "--queries",
        str(args.queries),
        "--passes",
        str(args.passes if args.passes is not None else PASSES[size]),
        "--naive-queries",
        str(naive),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{system} at {size} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - started
    return result


def machine() -> str:
    try:
        memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()[1].split()[1]
    except (OSError, IndexError):
        memory = "?"
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), {memory} RAM, Python {platform.python_version()}"


def report(results: dict[str, dict[str, dict]], sizes: list[str]) -> str:
    lines = [f"machine: {machine()}", ""]
    header = (
        f"{'size':<5} {'system':<10} {'docs':>8} {'build s':>8} {'build pk':>9} {'steady':>8} "
        f"{'search p50':>10} {'p95 ms':>8} {'retr p50':>9} {'retr p95':>9} {'vs naive':>9}"
    )
    lines += [header, "-" * len(header)]
    for size in sizes:
        row = results[size]
        naive = row.get("rank-bm25")
        for system in SYSTEMS:
            r = row.get(system)
            if r is None:
                continue
            docs = r.get("docs", row.get("engine", {}).get("docs", ""))
            ratio = ""
            if naive and system != "rank-bm25":
                ratio = f"{naive['retrieval_mean'] / r['retrieval_mean']:8.0f}x"
            full50 = f"{r['p50']:10.2f}" if "p50" in r else f"{'-':>10}"
            full95 = f"{r['p95']:8.2f}" if "p95" in r else f"{'-':>8}"
            lines.append(
                f"{size:<5} {system:<10} {docs:>8} {r['build_s']:8.2f} {r['build_peak']:8d}M {r['steady_rss']:7d}M "
                f"{full50} {full95} {r['retrieval_p50']:9.3f} {r['retrieval_p95']:9.3f} {ratio:>9}"
            )
    lines.append("")
    lines.append(
        "build = SearchEngine(projects, taxonomy) for the engine (catalog load listed apart), index "
        "construction for the baselines; build pk = peak RSS during the build; steady = RSS after the "
        "timed queries; retrieval = scores for every document + top 10, in ms; vs naive = mean "
        "naive rank-bm25 retrieval time / mean retrieval time (same run)."
    )
    lines.append("")
    for size in sizes:
        engine = results[size].get("engine")
        if not engine:
            continue
        kinds = ", ".join(f"{k} p95 {v['p95']:.2f}" for k, v in sorted(engine["by_kind"].items()))
        lines.append(
            f"{size}: search CPU time p50 {engine['cpu_p50']:.2f} ms, p95 {engine['cpu_p95']:.2f} ms; "
            f"build CPU time {engine['build_cpu_s']:.2f} s; load average "
            f"{engine['loadavg'][0]:.1f} before the build, {engine['loadavg'][1]:.1f} after the searches"
        )
        lines.append(
            f"{size}: catalog load {engine['load_s']:.2f} s (RSS {engine['rss_after_load']} MiB); "
            f"{engine['vocabulary']} terms, {engine['postings']} postings; "
            f"{engine['requests']} requests x {engine['passes']} passes; {kinds}"
        )
        naive = results[size].get("rank-bm25")
        if naive:
            lines.append(
                f"      naive rank-bm25 timed on {naive['queries']} requests; scores identical on "
                f"{naive['compared']}: {'yes' if naive['identical'] else 'NO'}"
            )
    for size in sizes:
        start = results[size].get("startup")
        if start:
            lines.append(
                f"{size}: `findproject search` end to end, {start['runs']} runs: median {start['median_s']:.2f} s "
                f"(min {start['min_s']:.2f}, max {start['max_s']:.2f}); one cold start in-process: "
                f"import retrieval {start['import_retrieval_s']:.2f} s, then bot.cli "
                f"{start['import_cli_s']:.2f} s, catalog load {start['load_s']:.2f} s, "
                f"engine build {start['build_s']:.2f} s, first search {start['first_search_s'] * 1000:.0f} ms"
            )
        cached = results[size].get("startup-cache")
        if cached:
            lines.append(
                f"{size}: through the start-up cache (retrieval/cache.py), process start to first answer: "
                f"cold {cached['cold_s']:.2f} s (load_engine {cached['cold_load_engine_s']:.2f} s, builds "
                f"and writes {cached['file_mib']:.0f} MiB), warm median {cached['warm_median_s']:.2f} s "
                f"(load_engine {cached['warm_load_engine_s']:.2f} s) over {cached['runs']} runs"
            )
    lines.append("")
    lines.append(f"{'target':<44} {'measured':>12} {'met':>5}")
    for size in sizes:
        row = results[size]
        engine = row.get("engine")
        if not engine:
            continue
        if size in TARGETS["p95"]:
            goal = TARGETS["p95"][size]
            lines.append(_target(f"search p95 at {size} <= {goal:g} ms", f"{engine['p95']:.2f} ms", engine["p95"] <= goal))
        if size in TARGETS["speedup"] and row.get("rank-bm25"):
            naive = row["rank-bm25"]
            ratio = naive["retrieval_mean"] / engine["retrieval_mean"]
            goal = TARGETS["speedup"][size]
            ok = ratio >= goal and naive["identical"]
            lines.append(_target(f"retrieval vs naive at {size} >= {goal:g}x, identical", f"{ratio:.0f}x", ok))
        if size in TARGETS["build"]:
            goal = TARGETS["build"][size]
            lines.append(_target(f"index build at {size} <= {goal:g} s", f"{engine['build_s']:.2f} s", engine["build_s"] <= goal))
        if size == "2k" and row.get("startup"):
            start = row["startup"]["median_s"]
            lines.append(
                _target(f"start-up at 2k <= {STARTUP_TARGET_S:g} s (median)", f"{start:.2f} s", start <= STARTUP_TARGET_S)
            )
        if size in TARGETS["rss"]:
            goal = TARGETS["rss"][size]
            lines.append(
                _target(
                    f"steady RSS at {size} <= {goal / 1024:g} GiB", f"{engine['steady_rss']} MiB", engine["steady_rss"] <= goal
                )
            )
    return "\n".join(lines)


def _target(name: str, measured: str, ok: bool) -> str:
    return f"{name:<44} {measured:>12} {'yes' if ok else 'NO':>5}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2k,100k,1m", help="comma-separated: 2k, 100k, 1m")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--queries", type=int, default=len(REQUESTS), help=f"requests to run (max {len(REQUESTS)})")
    parser.add_argument("--passes", type=int, help="timed passes over the requests (default per size)")
    parser.add_argument("--naive-queries", type=int, help="requests timed on naive rank-bm25 (default per size)")
    parser.add_argument("--taxonomy", type=Path, default=REAL_TAGS)
    parser.add_argument(
        "--startup-runs",
        type=int,
        default=5,
        help="times `findproject search` is timed end to end per size (0: skip; 2k and 100k only)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--worker", choices=list(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    parser.add_argument("--catalog", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = WORKERS[args.worker](args)
        print(json.dumps(result))
        return 0

    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES] + [s for s in systems if s not in WORKERS]
    if unknown:
        parser.error(f"unknown size or system: {', '.join(unknown)}")
    if "engine" not in systems:
        systems.insert(0, "engine")  # the baselines read the corpus it writes
    CACHE_DIR.mkdir(exist_ok=True)
    results: dict[str, dict[str, dict]] = {}
    for size in sizes:
        catalog_for(size)  # generate outside any timing
        results[size] = {}
        for system in SYSTEMS:
            if system in systems:
                print(f"[{size}] {system} ...", file=sys.stderr, flush=True)
                results[size][system] = run_worker(system, size, args)
        for system in SYSTEMS:
            scores_path(size, system).unlink(missing_ok=True)
        if args.startup_runs and size in ("2k", "100k"):
            print(f"[{size}] start-up ...", file=sys.stderr, flush=True)
            results[size]["startup"] = cli_startup(size, args, args.startup_runs)
            results[size]["startup-cache"] = cached_startup(size, args, args.startup_runs)
    text = report(results, sizes)
    print(f"command: python benchmarks/search_speed.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
