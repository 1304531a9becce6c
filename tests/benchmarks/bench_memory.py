"""Memory: training allocates nothing per epoch that outlives it, and peaks near the data's size.

NumPy reports its buffers to tracemalloc, so traced memory covers arrays as well as Python
objects. Targets (issue 2, Performance): after a warm-up epoch, more epochs keep nothing but
the history the caller chooses to keep; the 60000x784 float32 run peaks below three times
the dataset's own size.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.training import EpochResult, Trainer

# tracemalloc's own bookkeeping and interpreter caches may move a few hundred bytes.
SLACK = 2048
PEAK_TARGET = 3.0


@pytest.fixture
def tracing() -> Iterator[None]:
    """tracemalloc on for one benchmark."""
    tracemalloc.start()
    yield
    tracemalloc.stop()


def growth(step: Callable[[], EpochResult], epochs: int) -> tuple[int, int, int, int]:
    """Run ``epochs`` epochs keeping each reported value, as a loss chart would.

    Call it after a warm-up epoch (first-use caches, lazily made buffers).

    Returns:
        (traced bytes at the start, bytes retained beyond the start, bytes the kept history
        itself takes, highest transient bytes above the start during the epochs).
    """
    gc.collect()
    start = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    history = [step().reported for _ in range(epochs)]
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    kept = sys.getsizeof(history) + sum(sys.getsizeof(value) for value in history)
    return start, current - start, kept, peak - start


@pytest.mark.usefixtures("tracing")
@pytest.mark.parametrize(
    ("case", "epochs"),
    [pytest.param("tutorial", 3000, id="tutorial"), pytest.param("mlp", 30, id="mlp-1797x64")],
)
def test_epochs_keep_nothing_but_history(
    case: str, epochs: int, digits_like: Dataset, mlp_hyperparams: Hyperparams, report: Any
) -> None:
    """Memory retained over N epochs is the N kept history values, nothing more."""
    if case == "tutorial":
        trainer = Trainer(Hyperparams(), TUTORIAL_DATASET)
    else:
        trainer = Trainer(mlp_hyperparams, digits_like)
    trainer.step()
    _, retained, kept, transient = growth(trainer.step, epochs)
    report.line(
        f"memory, {case}: {epochs} epochs retained {retained} B, of which history {kept} B "
        f"({(retained - kept) / epochs:+.1f} B per epoch beyond it); transient peak beyond "
        f"the history {(transient - kept) / 1024:.1f} KiB"
    )
    assert retained <= kept + SLACK, f"{retained - kept} B retained beyond the history"


@pytest.mark.usefixtures("tracing")
def test_large_run_peaks_below_three_datasets(
    mnist_like: Dataset, mlp_hyperparams: Hyperparams, report: Any
) -> None:
    """Building the trainer and training 60000x784 float32 peaks below 3x the data's size."""
    float32_bytes = mnist_like.n_rows * mnist_like.n_features * 4
    gc.collect()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    trainer = Trainer(mlp_hyperparams, mnist_like)
    built = tracemalloc.get_traced_memory()[0] - base
    trainer.step()
    warm_peak = tracemalloc.get_traced_memory()[1]
    start, retained, kept, transient = growth(trainer.step, 2)
    peak = max(warm_peak, start + transient) - base
    ratio = peak / float32_bytes
    report.line(
        f"memory, 60000x784 float32: trainer holds {built / 2**20:.1f} MiB, training peak "
        f"{transient / 2**20:.2f} MiB above that, {retained - kept:+d} B retained over 2 epochs"
    )
    report.target(
        "memory peak 60000x784",
        ratio < PEAK_TARGET,
        f"{peak / 2**20:.0f} MiB = {ratio:.2f}x the float32 data ({float32_bytes / 2**20:.0f} "
        f"MiB; {peak / mnist_like.features.nbytes:.2f}x the Dataset's float64 features) "
        f"(target < {PEAK_TARGET}x)",
    )
    assert ratio < PEAK_TARGET
    assert retained <= kept + SLACK
