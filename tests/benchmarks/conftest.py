"""Shared pieces of the benchmarks: data, settings, interleaved timing and the closing summary.

The benchmarks live in ``bench_*.py`` files, which the default test run does not collect
(``python_files = ["test_*.py"]``). Run them with::

    pytest -o python_files='bench_*.py' tests/benchmarks

``pytest tests/benchmarks`` (or a ``bench_*.py`` file named on the command line) also works:
the ``pytest_collect_file`` hook below collects them whenever this folder is asked for.

Speed targets are reported, not enforced, because a shared 2-core machine is noisy; set
``TUI_NN_BENCH_STRICT=1`` to make a missed target fail its benchmark. Correctness checks
(identical histories, no memory growth) always fail loudly.
"""

from __future__ import annotations

import fnmatch
import gc
import os
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from tui_nn.core.dataset import Dataset
from tui_nn.core.hyperparams import Hyperparams

_LINES = pytest.StashKey[list[str]]()
_LOADS = pytest.StashKey[list[float]]()

STRICT = os.environ.get("TUI_NN_BENCH_STRICT", "") not in ("", "0")
"""Whether a missed speed target fails the benchmark."""


def synthetic(rows: int, features: int, classes: int, high: float, *, integers: bool) -> Dataset:
    """Random features in ``[0, high]`` (whole numbers like digits' pixels, or uniform reals)."""
    rng = np.random.default_rng(2024)
    if integers:
        x = rng.integers(0, int(high) + 1, size=(rows, features)).astype(np.float64)
    else:
        x = rng.uniform(0.0, high, size=(rows, features))
    y = rng.integers(0, classes, size=rows)
    return Dataset(
        x,
        y,
        tuple(f"x{i}" for i in range(features)),
        tuple(str(c) for c in range(classes)),
        name=f"synthetic {rows}x{features}",
    )


MLP = Hyperparams(
    recipe="textbook",
    hidden=(64,),
    activation="relu",
    output_activation="softmax",
    loss="ce",
    optimizer="adam",
    init="he",
    lr=0.001,
    epochs=1_000_000,
    batch_size=256,
    dtype="float32",
)
"""inputs -> 64 relu -> softmax, cross-entropy, Adam, batches of 256, float32."""


@pytest.fixture(scope="session")
def digits_like() -> Dataset:
    """Digits-shaped data: 1797 rows of 64 whole-number features in [0, 16], 10 classes."""
    return synthetic(1797, 64, 10, 16.0, integers=True)


@pytest.fixture(scope="session")
def mnist_like() -> Dataset:
    """MNIST-shaped data: 60000 rows of 784 uniform [0, 1] features, 10 classes."""
    return synthetic(60000, 784, 10, 1.0, integers=False)


@pytest.fixture(scope="session")
def mlp_hyperparams() -> Hyperparams:
    """The MLP settings every MLP benchmark shares."""
    return MLP


BUDGET = float(os.environ.get("TUI_NN_BENCH_BUDGET", "60"))
"""Seconds one interleaved comparison may take before it stops at the rounds it has."""

MIN_ROUNDS = 3


def interleaved(rounds: int, candidates: dict[str, Callable[[], object]]) -> dict[str, list[float]]:
    """Time each candidate once per round, alternating which goes first; seconds per call.

    Interleaving spreads whatever else the machine is doing evenly over the candidates, so
    the ratio of their medians stays meaningful on a busy machine. A busy machine can also
    make multithreaded BLAS crawl, so after ``BUDGET`` seconds (and at least ``MIN_ROUNDS``
    rounds) it stops early with what it has.
    """
    times: dict[str, list[float]] = {name: [] for name in candidates}
    names = list(candidates)
    deadline = time.perf_counter() + BUDGET
    for round_index in range(rounds):
        if round_index >= MIN_ROUNDS and time.perf_counter() > deadline:
            break
        order = names if round_index % 2 == 0 else names[::-1]
        for name in order:
            gc.collect()
            start = time.perf_counter()
            candidates[name]()
            times[name].append(time.perf_counter() - start)
    return times


@pytest.fixture
def interleave() -> Callable[[int, dict[str, Callable[[], object]]], dict[str, list[float]]]:
    """``interleaved`` as a fixture, so benchmark files need not import this conftest."""
    return interleaved


@dataclass
class Report:
    """Collects one summary line per result; they are printed again at the end of the run."""

    lines: list[str] = field(default_factory=list)

    def line(self, text: str) -> None:
        """Print ``text`` now (visible with ``-s``) and keep it for the closing summary."""
        print(text)
        self.lines.append(text)

    def target(self, what: str, ok: bool, text: str) -> None:
        """Report a measurement against its target; fail only in strict mode."""
        self.line(f"{'PASS' if ok else 'MISS'} {what}: {text}")
        if STRICT:
            assert ok, f"{what} missed its target: {text}"


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Iterator[Report]:
    """A ``Report`` whose lines end up in the run's closing summary."""
    collected = Report()
    # Other work on the machine skews wall times; the summary says how busy it was.
    loads = request.config.stash.setdefault(_LOADS, [])
    loads.append(os.getloadavg()[0])
    yield collected
    loads.append(os.getloadavg()[0])
    request.config.stash.setdefault(_LINES, []).extend(collected.lines)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """No parallel workers when the benchmarks are run: each times one thing on a quiet
    machine (and pytest-benchmark switches itself off under pytest-xdist)."""
    return 0


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    """Collect ``bench_*.py`` when this folder (or a file in it) was named on the command line."""
    if not (file_path.suffix == ".py" and file_path.name.startswith("bench_")):
        return None
    config = parent.config
    if parent.session.isinitpath(file_path) or any(
        fnmatch.fnmatch(file_path.name, glob) for glob in config.getini("python_files")
    ):
        return None  # named itself, or -o python_files='bench_*.py': pytest collects it
    here = Path(__file__).parent.resolve()
    for arg in config.args:
        named = Path(arg.split("::")[0]).resolve()
        if named == here or here in named.parents:
            return pytest.Module.from_parent(parent, path=file_path)
    return None


def machine() -> str:
    """One line naming the machine, NumPy and the BLAS kernel that runs."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for text in info:
                if text.startswith("model name"):
                    cpu = text.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "unknown BLAS"
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                blas = (
                    f"{pool.get('internal_api')} {pool.get('version')} "
                    f"{pool.get('architecture')} kernel, {pool.get('num_threads')} threads"
                )
                break
    except ImportError:
        blas = "BLAS unknown (pip install threadpoolctl to name it)"
    tuned = {
        name: os.environ[name]
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")
        if name in os.environ
    }
    env = f", env {tuned}" if tuned else ""
    return f"{os.cpu_count()} cores, {cpu}, numpy {np.__version__}, {blas}{env}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print every benchmark's summary lines together at the end of the run."""
    lines = terminalreporter.config.stash.get(_LINES, [])
    if not lines:
        return
    terminalreporter.section("tui-nn benchmarks")
    terminalreporter.write_line(machine())
    loads = terminalreporter.config.stash.get(_LOADS, [])
    if loads:
        terminalreporter.write_line(
            f"1-minute load average during the run: {min(loads):.2f} to {max(loads):.2f} "
            f"(this process counts; above ~{os.cpu_count()} other work competed for the cores)"
        )
    for text in lines:
        terminalreporter.write_line(text)
