"""The textbook recipe's gradients equal central differences of the loss it says it minimises.

The gradient is read without touching the engine's internals: one epoch of plain gradient
descent with lr = 1 on the full batch moves the parameters by exactly minus the gradient.
The loss is recomputed here from its textbook definition by an independent forward pass.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from tui_nn.core import Dataset, Hyperparams, Network, Trainer
from tui_nn.core.activations import HIDDEN_ACTIVATIONS

Floats = npt.NDArray[np.floating]

EPS = 1e-6
RTOL = 1e-6
ATOL = 1e-9
KINK_MARGIN = 1e-3  # relu pre-activations stay this far from 0, far beyond EPS


def _softmax(z: Floats) -> Floats:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


REFERENCE_ACTIVATIONS: dict[str, Callable[[Floats], Floats]] = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "linear": lambda z: z,
    "softmax": _softmax,
}

REFERENCE_LOSSES: dict[str, Callable[[Floats, Floats], float]] = {
    "mse": lambda a, y: float(np.mean((a - y) ** 2)),
    "bce": lambda a, y: float(-np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))),
    "ce": lambda a, y: float(-np.sum(y * np.log(a)) / y.shape[0]),
}

# (loss, output activation, classes): mse/bce on one sigmoid-like output and on three
# one-per-class outputs, ce on a softmax over two and over three classes.
OUTPUTS = [
    ("mse", "sigmoid", 2),
    ("mse", "linear", 2),
    ("mse", "tanh", 2),
    ("mse", "relu", 2),
    ("bce", "sigmoid", 2),
    ("mse", "sigmoid", 3),
    ("bce", "sigmoid", 3),
    ("ce", "softmax", 2),
    ("ce", "softmax", 3),
]
DEPTHS: dict[int, tuple[int, ...]] = {0: (), 1: (4,), 2: (4, 3)}


def _cases() -> list[Any]:
    cases = []
    for loss, output, classes in OUTPUTS:
        for depth, hidden in DEPTHS.items():
            # Without hidden layers the hidden activation plays no part: one case is enough.
            for activation in ("sigmoid",) if depth == 0 else HIDDEN_ACTIVATIONS:
                label = f"{loss}-{output}-{classes}class-depth{depth}"
                if depth:
                    label += f"-{activation}"
                cases.append(pytest.param(loss, output, classes, hidden, activation, id=label))
    return cases


def _dataset(classes: int) -> Dataset:
    rng = np.random.default_rng(7)
    rows = 9
    return Dataset(
        features=rng.normal(0.0, 1.0, size=(rows, 3)),
        labels=np.arange(rows) % classes,
        feature_names=("f0", "f1", "f2"),
        class_names=tuple(str(c) for c in range(classes)),
    )


def _targets(data: Dataset, outputs: int) -> Floats:
    if outputs == 1:
        return data.labels.reshape(-1, 1).astype(np.float64)
    return np.eye(outputs)[data.labels]


def _layers(sizes: tuple[int, ...], params: Floats) -> list[tuple[Floats, Floats]]:
    """Split the flat vector: every layer's weights first, then every layer's biases."""
    shapes = list(itertools.pairwise(sizes))
    n_weights = sum(a * b for a, b in shapes)
    layers, w_at, b_at = [], 0, n_weights
    for n_in, n_out in shapes:
        weight = params[w_at : w_at + n_in * n_out].reshape(n_in, n_out)
        layers.append((weight, params[b_at : b_at + n_out]))
        w_at += n_in * n_out
        b_at += n_out
    return layers


def _pre_activations(
    sizes: tuple[int, ...], names: tuple[str, ...], params: Floats, x: Floats
) -> list[Floats]:
    zs: list[Floats] = []
    a = x
    for (weight, bias), name in zip(_layers(sizes, params), names, strict=True):
        z = a @ weight + bias
        zs.append(z)
        a = REFERENCE_ACTIVATIONS[name](z)
    return zs


def _objective(
    sizes: tuple[int, ...],
    names: tuple[str, ...],
    loss: str,
    data: Dataset,
    l2: float = 0.0,
    l1: float = 0.0,
) -> Callable[[Floats], float]:
    """Loss + (l2 / 2) * sum(w^2) + l1 * sum(|w|) over weights (not biases)."""
    x, y = data.features, _targets(data, sizes[-1])
    n_weights = sum(a * b for a, b in itertools.pairwise(sizes))

    def value(params: Floats) -> float:
        z = _pre_activations(sizes, names, params, x)[-1]
        weights = params[:n_weights]
        penalty = 0.5 * l2 * float(weights @ weights) + l1 * float(np.abs(weights).sum())
        return REFERENCE_LOSSES[loss](REFERENCE_ACTIVATIONS[names[-1]](z), y) + penalty

    return value


def _central_differences(f: Callable[[Floats], float], params: Floats) -> Floats:
    grad = np.empty_like(params)
    for i in range(params.size):
        up, down = params.copy(), params.copy()
        up[i] += EPS
        down[i] -= EPS
        grad[i] = (f(up) - f(down)) / (2 * EPS)
    return grad


def _away_from_kinks(
    sizes: tuple[int, ...], names: tuple[str, ...], data: Dataset, l1: float
) -> Floats:
    """Random parameters whose relu inputs (and, with L1, weights) keep clear of 0.

    Every relu layer must also have some inputs on each side of 0, so both the mask's zeros
    and its ones are checked.
    """
    n_params = sum(a * b + b for a, b in itertools.pairwise(sizes))
    for seed in range(200):
        params = np.random.default_rng(seed).normal(0.0, 0.8, size=n_params)
        zs = _pre_activations(sizes, names, params, data.features)
        relu = [z for z, name in zip(zs, names, strict=True) if name == "relu"]
        if any(
            np.abs(z).min() < KINK_MARGIN or not (z < 0).any() or not (z > 0).any() for z in relu
        ):
            continue
        if l1 and np.abs(params).min() < KINK_MARGIN:
            continue
        return params
    raise AssertionError("no parameters away from relu's kink in 200 seeds")


def _check_gradient(
    loss: str,
    output: str,
    classes: int,
    hidden: tuple[int, ...],
    activation: str,
    l2: float = 0.0,
    l1: float = 0.0,
) -> None:
    data = _dataset(classes)
    hp = Hyperparams(
        recipe="textbook",
        hidden=hidden,
        activation=activation,
        output_activation=output,
        loss=loss,
        optimizer="gd",
        lr=1.0,
        l2=l2,
        l1=l1,
    )
    outputs = classes if output == "softmax" or classes > 2 else 1
    sizes = (data.n_features, *hidden, outputs)
    names = (activation,) * len(hidden) + (output,)
    params = _away_from_kinks(sizes, names, data, l1)

    trainer = Trainer(hp, data, network=Network(sizes, names, params.copy()))
    result = trainer.step()
    analytic = params - trainer.network.params

    data_loss = _objective(sizes, names, loss, data)
    assert result.loss == pytest.approx(data_loss(params), rel=1e-12)
    numeric = _central_differences(_objective(sizes, names, loss, data, l2, l1), params)
    assert np.abs(numeric).max() > 1e-3, "a vanishing gradient would prove nothing"
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(("loss", "output", "classes", "hidden", "activation"), _cases())
def test_textbook_gradient_matches_finite_differences(
    loss: str, output: str, classes: int, hidden: tuple[int, ...], activation: str
) -> None:
    _check_gradient(loss, output, classes, hidden, activation)


@pytest.mark.parametrize(
    ("l2", "l1"), [(0.1, 0.0), (0.0, 0.05), (0.1, 0.05)], ids=["l2", "l1", "l2+l1"]
)
@pytest.mark.parametrize(
    ("loss", "output", "classes", "hidden", "activation"),
    [
        pytest.param("mse", "sigmoid", 2, (), "sigmoid", id="mse-sigmoid-depth0"),
        pytest.param("bce", "sigmoid", 2, (4,), "tanh", id="bce-sigmoid-depth1-tanh"),
        pytest.param("ce", "softmax", 3, (4, 3), "relu", id="ce-softmax-depth2-relu"),
    ],
)
def test_penalty_gradients_cover_weights_not_biases(
    loss: str,
    output: str,
    classes: int,
    hidden: tuple[int, ...],
    activation: str,
    l2: float,
    l1: float,
) -> None:
    _check_gradient(loss, output, classes, hidden, activation, l2=l2, l1=l1)


@pytest.mark.parametrize("batch_size", [1, 3, 4])
def test_a_mini_batch_epoch_is_one_gradient_step_per_batch(batch_size: int) -> None:
    # Seven rows: batches of 3 leave a short last batch of 1, averaged over its own rows.
    data = _dataset(2)
    data = Dataset(data.features[:7], data.labels[:7], data.feature_names)
    sizes, names = (3, 4, 1), ("tanh", "sigmoid")
    params = _away_from_kinks(sizes, names, data, 0.0)
    seed, lr = 5, 0.3
    hp = Hyperparams(
        recipe="textbook",
        hidden=(4,),
        activation="tanh",
        loss="bce",
        lr=lr,
        batch_size=batch_size,
        seed=seed,
    )
    trainer = Trainer(hp, data, network=Network(sizes, names, params.copy()))
    result = trainer.step()

    # The documented order: epoch e (from 0) shuffles the rows with default_rng((seed, e)).
    order = np.arange(data.n_rows)
    np.random.default_rng((seed, 0)).shuffle(order)
    expected, losses = params.copy(), []
    for start in range(0, data.n_rows, batch_size):
        rows = order[start : start + batch_size]
        batch = Dataset(data.features[rows], data.labels[rows], data.feature_names)
        objective = _objective(sizes, names, "bce", batch)
        losses.append(objective(expected) * len(rows))
        expected = expected - lr * _central_differences(objective, expected)
    np.testing.assert_allclose(trainer.network.params, expected, rtol=1e-7, atol=1e-9)
    assert result.loss == pytest.approx(sum(losses) / data.n_rows, rel=1e-9)
