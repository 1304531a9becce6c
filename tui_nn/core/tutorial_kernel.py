"""The tutorial's single sigmoid neuron on a small table, in plain Python floats.

Why this exists: on the tutorial's 7x3 data every NumPy call costs more than its arithmetic;
the general path spends ~35 calls (~1 us each) per epoch where the arithmetic is ~150 float
operations. Done on Python floats, in the tutorial's own order, an epoch takes a few
microseconds and reproduces the tutorial's numbers bit for bit:

    z = x . w + b;  a = sigmoid(z);  e = a - y            (forward, error)
    delta = e * sigmoid(a) * (1 - sigmoid(a))             (the double-sigmoid quirk)
    w -= lr * X^T delta;  for each row: b = b - lr * delta (bias row by row)

``Trainer`` uses it only when ``applies`` says so; a test checks it against the general path.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import mul

import numpy as np
import numpy.typing as npt

from tui_nn.core.activations import _EXP_LIMIT
from tui_nn.core.optimizers import Optimizer

Array = npt.NDArray[np.floating]

MAX_WORK = 600
"""Largest rows x (features + 8) worth doing in Python; beyond it NumPy's calls pay off."""


def applies(
    tutorial_rule: bool,
    hidden: tuple[int, ...],
    output_activation: str,
    n_outputs: int,
    shape: tuple[int, int],
    dtype: str,
) -> bool:
    """Whether this kernel computes what the general tutorial path would, and faster."""
    rows, features = shape
    return (
        tutorial_rule
        and not hidden
        and output_activation == "sigmoid"
        and n_outputs == 1
        and rows * (features + 8) <= MAX_WORK
        and dtype == "float64"
    )


def make_epoch(
    params: Array, x: Array, y: Array, optimizer: Optimizer
) -> Callable[[], tuple[float, float, float]]:
    """Build the epoch function for ``params`` = [w_1 .. w_f, b] on ``x`` and ``y``.

    Args:
        params: The network's flat parameters: read at the start of every epoch and written
            back at its end, so they stay the one source of truth.
        x: ``(rows, features)`` features.
        y: ``(rows, 1)`` 0/1 targets.
        optimizer: Whose ``lr`` is read every epoch, so a change takes effect on the next one
            (the kernel does its own plain gradient-descent step).

    Returns:
        A function running one epoch and returning (signed error sum, mse, sum of the updated
        parameters); the caller checks the last for finiteness.
    """
    rows = [(tuple(row), target) for row, target in zip(x.tolist(), y[:, 0].tolist(), strict=True)]
    columns = [tuple(column) for column in x.T.tolist()]
    n_rows = len(rows)
    exp = math.exp

    def epoch() -> tuple[float, float, float]:
        lr = optimizer.lr
        weights = params.tolist()
        bias = weights.pop()
        reported = 0.0
        squares = 0.0
        deltas: list[float] = []
        keep = deltas.append
        for features, target in rows:
            exponent = -(sum(map(mul, features, weights)) + bias)
            # Clipped like activations.sigmoid: no overflow, same value for |z| < 708.
            if exponent > _EXP_LIMIT:
                exponent = _EXP_LIMIT
            a = 1.0 / (1.0 + exp(exponent))
            error = a - target
            reported += error
            squares += error * error
            s = 1.0 / (1.0 + exp(-a))  # a is in [0, 1]: no clip needed
            keep(error * (s * (1.0 - s)))
        updated = [
            weight - lr * sum(map(mul, column, deltas))
            for weight, column in zip(weights, columns, strict=True)
        ]
        for delta in deltas:
            bias = bias - lr * delta
        updated.append(bias)
        params[:] = updated
        return reported, squares / n_rows, sum(updated)

    return epoch
