"""Time one epoch of the textbook MLP (inputs -> 64 relu -> 10 softmax, ce, Adam, batch 256).

Targets (issue 2, Performance), float32: at most 0.6 ms per epoch on digits-shaped data
(1797x64) and at most 110 ms per epoch on 60000x784 synthetic data.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tui_nn.core.dataset import Dataset
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.training import Trainer

BUDGET = 20.0
CASES = [
    pytest.param("digits_like", 0.6, 400, id="1797x64"),
    pytest.param("mnist_like", 110.0, 15, id="60000x784"),
]


@pytest.mark.parametrize(("data", "target_ms", "rounds"), CASES)
def test_mlp_epoch_time(
    data: str,
    target_ms: float,
    rounds: int,
    mlp_hyperparams: Hyperparams,
    benchmark: Any,
    report: Any,
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
    report.target(
        f"MLP epoch {dataset.n_rows}x{dataset.n_features}",
        median_ms <= target_ms,
        f"{median_ms:.3f} ms per epoch (median of {rounds}, fastest {fastest_ms:.3f}; "
        f"target <= {target_ms} ms)",
    )
