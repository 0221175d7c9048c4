"""`findproject index build` (write a snapshot) and `--snapshot FILE` (start from one)."""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from retrieval import snapshot
from retrieval.cache import source
from retrieval.engine import SearchEngine
from retrieval.plurals import plural
from retrieval.problems import format_problems


def cmd_index_build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """One snapshot file (retrieval/snapshot.py) that `serve`, `run`, `chat` and `search` start from."""
    started = time.perf_counter()
    engine = SearchEngine.from_paths(args.catalog, args.taxonomy, skip_invalid=args.skip_invalid)
    if engine.skipped:
        print(f"Skipped {plural(len(engine.skipped), 'invalid record')}:\n{format_problems(engine.skipped)}", file=err)
    snapshot.save(engine, args.out, source=source(args.catalog, args.taxonomy))
    megabytes = args.out.stat().st_size / 2**20
    out.write(
        f"wrote {args.out}: {plural(len(engine.catalog), 'project')}, {megabytes:,.1f} MiB, "
        f"in {time.perf_counter() - started:.1f} s\n"
    )
    return 0


def add_snapshot_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--snapshot",
        type=Path,
        metavar="FILE",
        help="start from this snapshot (`findproject index build`) instead of a catalog (default: SNAPSHOT_PATH)",
    )


@contextlib.contextmanager
def snapshot_setting(path: Path | None) -> Iterator[None]:
    """--snapshot FILE is SNAPSHOT_PATH for one command: its settings, and worker processes it starts, read it."""
    if path is None:
        yield
        return
    previous = os.environ.get("SNAPSHOT_PATH")
    os.environ["SNAPSHOT_PATH"] = str(path)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SNAPSHOT_PATH"]
        else:
            os.environ["SNAPSHOT_PATH"] = previous
