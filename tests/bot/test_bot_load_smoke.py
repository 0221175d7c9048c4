"""benchmarks/bot_load.py end to end on a tiny load: every request answered exactly once.

No timing is asserted (the machine is shared); only that the benchmark runs, stops by
itself, and counts no lost or duplicate replies and no failed acks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bot_load_smoke(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "bot_load.py"),
        "--catalog",
        str(ROOT / "data"),
        "--requests",
        "30",
        "--concurrency",
        "3",
        "--modes",
        "answer",
        "--warmup",
        "0",
        "--startup-runs",
        "0",
        "--baseline",
        "none",
        "--drain",
        "10",
        "--timeout",
        "90",
        "--json",
        str(out),
    ]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    bot = json.loads(out.read_text())["modes"]["answer"]["bot"]
    assert bot["requests"] == 30
    assert (bot["lost"], bot["duplicates"], bot["not_200"]) == (0, 0, 0)
