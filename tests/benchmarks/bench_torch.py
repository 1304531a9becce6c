"""The textbook MLP against the same model in PyTorch, epoch for epoch, in one process.

Skipped unless PyTorch is installed (``pip install -e '.[bench]'``). Both sides get the same
architecture (inputs -> 64 relu -> 10 softmax), the same initial weights (ours, copied into
torch), the same batches in the same order (our shuffle, replayed), Adam with betas
0.9/0.999 and eps 1e-8, float32, CPU, two threads (or ``OPENBLAS_NUM_THREADS`` when set).
Before timing, one epoch on each side must end at the same weights, so the two really do
the same work.

Targets (issue 2, Performance): at least 2.5x faster than torch per epoch on digits-shaped
data (1797x64) and at least 1.2x on 60000x784 synthetic data.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from statistics import median
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from tui_nn.core.dataset import Dataset
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.optimizers import Adam
from tui_nn.core.training import Trainer

torch = pytest.importorskip("torch")

# Torch gets as many threads as NumPy's BLAS: two (this machine's cores) unless the run
# says otherwise, e.g. OPENBLAS_NUM_THREADS=1 to compare single-core work on a busy machine.
THREADS = int(os.environ.get("OPENBLAS_NUM_THREADS") or 2)
CASES = [
    pytest.param("digits_like", 2.5, 300, id="1797x64"),
    pytest.param("mnist_like", 1.2, 12, id="60000x784"),
]


@pytest.fixture
def two_threads() -> Iterator[None]:
    """Run torch on ``THREADS`` threads, as NumPy's BLAS does."""
    before = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    yield
    torch.set_num_threads(before)


class TorchTwin:
    """The trainer's model, optimiser and batch order, rebuilt in PyTorch."""

    def __init__(self, trainer: Trainer, dataset: Dataset) -> None:
        hp = trainer.hyperparams
        net = trainer.network
        layers: list[Any] = []
        for index, weight in enumerate(net.weights):
            layers.append(torch.nn.Linear(*weight.shape))
            if index < len(net.weights) - 1:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers)
        linears = [layer for layer in layers if isinstance(layer, torch.nn.Linear)]
        with torch.no_grad():
            for linear, weight, bias in zip(linears, net.weights, net.biases, strict=True):
                linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight.T)))
                linear.bias.copy_(torch.from_numpy(bias.copy()))
        self.optimizer = torch.optim.Adam(
            self.model.parameters(), lr=hp.lr, betas=(Adam.beta1, Adam.beta2), eps=Adam.eps
        )
        self.loss = torch.nn.CrossEntropyLoss()
        self.x = torch.from_numpy(np.ascontiguousarray(dataset.features, dtype=np.float32))
        self.y = torch.from_numpy(dataset.labels.astype(np.int64))
        self.batch = hp.batch_size
        # The trainer's batch order: a permutation drawn from default_rng((seed, epoch)).
        self.seed = hp.seed
        self.epochs = trainer.epoch
        self.identity = np.arange(dataset.n_rows)
        self.order = self.identity.copy()

    def epoch(self) -> float:
        """One epoch over the same batches as the trainer; the mean of the batch losses."""
        np.copyto(self.order, self.identity)
        np.random.default_rng((self.seed, self.epochs)).shuffle(self.order)
        self.epochs += 1
        order = torch.from_numpy(self.order)
        rows = len(self.order)
        total = 0.0
        for start in range(0, rows, self.batch):
            index = order[start : start + self.batch]
            self.optimizer.zero_grad(set_to_none=True)
            # index_select: torch's fastest gather (x[index] is several times slower).
            x = torch.index_select(self.x, 0, index)
            y = torch.index_select(self.y, 0, index)
            loss = self.loss(self.model(x), y)
            loss.backward()
            self.optimizer.step()
            total += loss.item() * len(index)
        return total / rows

    def params(self) -> npt.NDArray[np.float32]:
        """Weights then biases, laid out like ``Network.params``."""
        linears = [layer for layer in self.model if isinstance(layer, torch.nn.Linear)]
        weights = [linear.weight.detach().numpy().T.ravel() for linear in linears]
        biases = [linear.bias.detach().numpy().ravel() for linear in linears]
        return np.concatenate(weights + biases)


@pytest.mark.usefixtures("two_threads")
@pytest.mark.parametrize(("data", "target", "rounds"), CASES)
def test_mlp_against_torch(
    data: str,
    target: float,
    rounds: int,
    mlp_hyperparams: Hyperparams,
    interleave: Callable[..., dict[str, list[float]]],
    report: Any,
    request: pytest.FixtureRequest,
) -> None:
    """Same work on both sides (checked), then the per-epoch time ratio torch / ours."""
    dataset: Dataset = request.getfixturevalue(data)
    trainer = Trainer(mlp_hyperparams, dataset)
    twin = TorchTwin(trainer, dataset)
    np.testing.assert_allclose(twin.params(), trainer.network.params, rtol=0, atol=1e-7)

    trainer.step()
    twin.epoch()
    # Same batches in the same order leave the same weights up to float32 rounding (a few
    # 1e-8 here); another order would move them apart by about lr (1e-3) per step. The two
    # reported losses may differ: ours clips probabilities at float32 eps, torch's does not.
    moved = np.abs(twin.params() - trainer.network.params)
    assert float(moved.max()) < 1e-4, f"torch and ours disagree after one epoch by {moved.max()}"

    twin.epoch()  # warm both up once more before timing
    trainer.step()
    times = interleave(rounds, {"ours": trainer.step, "torch": twin.epoch})
    ours_ms, torch_ms = median(times["ours"]) * 1e3, median(times["torch"]) * 1e3
    ratio = torch_ms / ours_ms
    report.line(
        f"MLP vs torch {torch.__version__} ({THREADS} threads), {dataset.n_rows}x"
        f"{dataset.n_features}: ours {ours_ms:.3f} ms, torch {torch_ms:.3f} ms per epoch "
        f"(medians of {len(times['ours'])} interleaved rounds)"
    )
    report.target(
        f"MLP vs torch {dataset.n_rows}x{dataset.n_features}",
        ratio >= target,
        f"{ratio:.2f}x faster than torch (target >= {target}x)",
    )
