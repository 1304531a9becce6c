"""Time one epoch of the textbook MLP (inputs -> 64 relu -> 10 softmax, ce, Adam, batch 256).

Targets (issue 2, Performance), float32: at most 0.6 ms per epoch on digits-shaped data
(1797x64) and at most 110 ms per epoch on 60000x784 synthetic data.

Beside the epoch time it measures the epoch's matrix products alone (the same shapes, as
many calls, on this BLAS), interleaved with real epochs: no NumPy training loop can beat
that floor, so "x the floor" (fastest against fastest) says what the rest of the epoch costs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from statistics import median
from typing import Any

import numpy as np
import pytest

from tui_nn.core.dataset import Dataset
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.training import Trainer

BUDGET = 20.0
CASES = [
    pytest.param("digits_like", 0.6, 400, id="1797x64"),
    pytest.param("mnist_like", 110.0, 15, id="60000x784"),
]


def matmuls_only(trainer: Trainer) -> Callable[[], None]:
    """One epoch's matrix products for a one-hidden-layer MLP, on arrays of the same shapes."""
    n_in, hidden, n_out = trainer.network.layer_sizes
    dtype = trainer.network.dtype
    rows, batch = trainer.train.n_rows, trainer.hyperparams.batch_size
    rng = np.random.default_rng(0)
    x = rng.random((batch, n_in)).astype(dtype)
    h, dh = rng.random((batch, hidden)).astype(dtype), np.empty((batch, hidden), dtype)
    out, d = np.empty((batch, n_out), dtype), rng.random((batch, n_out)).astype(dtype)
    w1, w2 = trainer.network.weights[0].copy(), trainer.network.weights[1].copy()
    g1, g2 = np.empty_like(w1), np.empty_like(w2)
    sizes = [min(batch, rows - start) for start in range(0, rows, batch)]

    def epoch() -> None:
        for n in sizes:
            np.dot(x[:n], w1, out=h[:n])
            np.dot(h[:n], w2, out=out[:n])
            np.dot(h[:n].T, d[:n], out=g2)
            np.dot(d[:n], w2.T, out=dh[:n])
            np.dot(x[:n].T, dh[:n], out=g1)

    return epoch


@pytest.mark.parametrize(("data", "target_ms", "rounds"), CASES)
def test_mlp_epoch_time(
    data: str,
    target_ms: float,
    rounds: int,
    mlp_hyperparams: Hyperparams,
    benchmark: Any,
    report: Any,
    interleave: Callable[..., dict[str, list[float]]],
    request: pytest.FixtureRequest,
) -> None:
    """Median wall time of one training epoch, after a warm-up epoch."""
    dataset: Dataset = request.getfixturevalue(data)
    trainer = Trainer(mlp_hyperparams, dataset)
    started = time.perf_counter()
    first = trainer.step()
    # A busy machine can slow an epoch many times over: keep the run within about BUDGET s.
    rounds = max(5, min(rounds, int(BUDGET / (time.perf_counter() - started))))
    benchmark.group = "mlp epoch"
    benchmark.extra_info["rows"] = dataset.n_rows
    benchmark.pedantic(trainer.step, rounds=rounds, iterations=1, warmup_rounds=1)
    last = trainer.step()
    # A benchmark of a model that learns nothing would be a benchmark of the wrong thing.
    assert last.divergence is None and last.loss < first.loss
    if benchmark.stats is None:  # --benchmark-disable
        return
    median_ms = benchmark.stats.stats.median * 1e3
    fastest_ms = benchmark.stats.stats.min * 1e3
    floor = interleave(rounds, {"epoch": trainer.step, "matmuls": matmuls_only(trainer)})
    # Fastest against fastest: the least disturbed rounds of each, on a busy machine.
    report.line(
        f"MLP epoch {dataset.n_rows}x{dataset.n_features}: fastest epoch "
        f"{min(floor['epoch']) * 1e3:.3f} ms, its matrix products alone "
        f"{min(floor['matmuls']) * 1e3:.3f} ms: {min(floor['epoch']) / min(floor['matmuls']):.2f}x "
        f"the BLAS floor (medians {median(floor['epoch']) * 1e3:.3f} and "
        f"{median(floor['matmuls']) * 1e3:.3f} ms, {len(floor['epoch'])} interleaved rounds)"
    )
    report.target(
        f"MLP epoch {dataset.n_rows}x{dataset.n_features}",
        median_ms <= target_ms,
        f"{median_ms:.3f} ms per epoch (median of {rounds}, fastest {fastest_ms:.3f}; "
        f"target <= {target_ms} ms)",
    )
