"""Exports: the size of each exported file and the time each export takes.

Cases: the tutorial (7x3, one neuron, 30,000 epochs) and a 784-64-10 network (relu, softmax,
Adam, float32 as the MLP benchmarks) on synthetic 784-feature data with whole-number "pixels"
in [0, 255], standardised: 1,000 rows (the most a script holds inline) and 10,000 rows (a CSV
beside the script). Timed: the export call alone (the run is already trained), median of 5.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui_nn.core import TUTORIAL_DATASET, Dataset, Hyperparams, Trainer
from tui_nn.core.export_run import ExportRun
from tui_nn.core.exports import EXPORT_KINDS, write_exports
from tui_nn.core.split import prepare_data
from tui_nn.core.training import EpochResult

from .conftest import MLP, Report, synthetic

ROUNDS = 5


def _trained(
    hp: Hyperparams, dataset: Dataset, normalize: bool
) -> tuple[ExportRun, list[EpochResult]]:
    data = prepare_data(dataset, 0.0, normalize, hp.seed)
    trainer = Trainer(hp, data.train, fast_path=False)
    results = list(trainer.run())
    run = ExportRun.from_prepared(dataset, data, hp, trainer.network, end_epoch=trainer.epoch)
    return run, results


def _size(paths: list[str]) -> str:
    parts = [f"{Path(p).name} {os.path.getsize(p):,} B" for p in paths]
    return " + ".join(parts)


CASES = {
    "tutorial": lambda: _trained(Hyperparams(), TUTORIAL_DATASET, False),
    "784-64-10, 1,000 rows": lambda: _trained(
        MLP.replace(epochs=2), synthetic(1000, 784, 10, 255.0, integers=True), True
    ),
    "784-64-10, 10,000 rows": lambda: _trained(
        MLP.replace(epochs=1), synthetic(10_000, 784, 10, 255.0, integers=True), True
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_export_sizes_and_times(case: str, tmp_path: Path, report: Report) -> None:
    run, results = CASES[case]()
    names = [n for n in EXPORT_KINDS if EXPORT_KINDS[n].missing() is None]
    paths = {"script": "run.py", "torch": "model.py", "onnx": "model.onnx"}
    for name in names:
        times = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            written = write_exports({name: str(tmp_path / paths[name])}, run)
            times.append(time.perf_counter() - start)
        report.line(
            f"{case}: {EXPORT_KINDS[name].label}: {_size(written)}; "
            f"export {statistics.median(times) * 1000:.1f} ms (median of {ROUNDS})"
        )
    # The biggest inline script still prints the engine's numbers exactly.
    if case != "784-64-10, 10,000 rows":
        completed = subprocess.run(
            [sys.executable, str(tmp_path / "run.py")],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        last = [line for line in completed.stdout.splitlines() if line.startswith("epoch ")][-1]
        shown = float(last.split(", ")[0].rsplit(" ", 1)[1])
        assert shown == results[-1].reported
