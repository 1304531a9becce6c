"""CLI memory over long runs: `tui-nn train` without --json stays flat at 1e7 epochs.

The summary prints two epochs, so the run keeps only the first and the last few results (and
the bounded, downsampled history a session would save). The measure is the child process's
peak resident set size (``ru_maxrss`` of the finished child), for 1e5 and 1e7 tutorial epochs:
the target is under 100 MB at 1e7 and no growth between the two beyond noise. With
``--json --history-every K`` memory grows by 8 bytes per kept epoch and series instead.

The 1e7-epoch run takes a few minutes (the tutorial kernel trains ~100,000 epochs a second);
set ``TUI_NN_BENCH_EPOCHS`` to try another count.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET_MB = 100.0
LONG = int(os.environ.get("TUI_NN_BENCH_EPOCHS", "10000000"))


def peak_mb(*args: str) -> tuple[float, float]:
    """Peak RSS (MB) and wall time of one ``tui-nn train`` run in a fresh process."""
    # A one-line wrapper reads the finished child's own peak (ru_maxrss is in KiB on Linux).
    probe = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "sys.exit(done.returncode)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-m", "tui_nn", "train", *args],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    return int(done.stdout) / 1024, time.perf_counter() - start


def test_memory_without_json_stays_flat(report) -> None:  # type: ignore[no-untyped-def]
    short, _ = peak_mb("--epochs", "100000")
    long, seconds = peak_mb("--epochs", str(LONG))
    report.line(
        f"CLI peak RSS without --json: {short:.1f} MB at 1e5 epochs, {long:.1f} MB at "
        f"{LONG:.0e} epochs ({seconds:.0f} s)"
    )
    report.target(f"CLI memory at {LONG:.0e} epochs", long < TARGET_MB, f"{long:.1f} MB < 100 MB")
    assert long - short < 5.0, "memory grows with epochs"
