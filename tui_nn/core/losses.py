"""Loss functions and their gradients, in tables keyed by the names users type.

Each loss is a mean over rows (and, for ``mse`` and ``bce``, over output units), so the
learning rate means the same thing whatever the batch size.

    mse  L = mean((a - y)^2)                              dL/da = 2 (a - y) / N
    bce  L = -mean(y log a + (1 - y) log(1 - a))          dL/da = (a - y) / (a (1 - a)) / N
    ce   L = -sum(y log a) / rows   (one-hot y, softmax a) dL/da = -y / a / rows

``bce`` and ``ce`` clip a to [eps, 1 - eps] so a confident wrong answer costs a large finite
loss instead of log(0). Paired with their natural output (sigmoid, softmax) the gradient through
the activation collapses to (a - y) / N; ``OUTPUT_DELTAS`` holds those shortcuts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.floating]


def _clipped(a: Array) -> Array:
    # np.clip's Python wrapper costs more than the clipping on a batch; two ufuncs do the same.
    eps = float(np.finfo(a.dtype).eps)
    clipped = np.maximum(a, eps)
    return np.minimum(clipped, 1.0 - eps, out=clipped)


def _ce_rows(y: Array) -> int:
    return int(y.shape[0]) if y.ndim > 1 else int(y.size)


def mse(a: Array, y: Array) -> float:
    """Mean squared error over every row and output."""
    diff = (a - y).ravel()
    return float(np.dot(diff, diff)) / diff.size


def mse_gradient(a: Array, y: Array, out: Array) -> Array:
    """dL/da of ``mse``."""
    np.subtract(a, y, out=out)
    out *= 2.0 / out.size
    return out


def bce(a: Array, y: Array) -> float:
    """Binary cross-entropy, mean over every row and output."""
    p = _clipped(a)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))


def bce_gradient(a: Array, y: Array, out: Array) -> Array:
    """dL/da of ``bce``."""
    p = _clipped(a)
    np.subtract(p, y, out=out)
    out /= p * (1.0 - p) * out.size
    return out


def ce(a: Array, y: Array) -> float:
    """Categorical cross-entropy for one-hot targets, summed over classes, mean over rows."""
    log_a = _clipped(a)
    np.log(log_a, out=log_a)
    # A dot product sums y * log(a) without making the product array.
    return -float(np.vdot(y, log_a)) / _ce_rows(y)


def ce_gradient(a: Array, y: Array, out: Array) -> Array:
    """dL/da of ``ce``."""
    np.divide(y, _clipped(a), out=out)
    out *= -1.0 / _ce_rows(y)
    return out


def mean_error_delta(a: Array, y: Array, out: Array) -> Array:
    """(a - y) / N: the gradient at the output's pre-activation for sigmoid + bce."""
    np.subtract(a, y, out=out)
    out *= 1.0 / out.size
    return out


def row_mean_error_delta(a: Array, y: Array, out: Array) -> Array:
    """(a - y) / rows: the gradient at the output's pre-activation for softmax + ce."""
    np.subtract(a, y, out=out)
    out *= 1.0 / _ce_rows(y)
    return out


@dataclass(frozen=True)
class Loss:
    """A loss: its value and its gradient with respect to the network's output."""

    value: Callable[[Array, Array], float]
    gradient: Callable[[Array, Array, Array], Array]


LOSSES: dict[str, Loss] = {
    "mse": Loss(mse, mse_gradient),
    "bce": Loss(bce, bce_gradient),
    "ce": Loss(ce, ce_gradient),
}
"""Every loss by name."""

OUTPUT_DELTAS: dict[tuple[str, str], Callable[[Array, Array, Array], Array]] = {
    ("bce", "sigmoid"): mean_error_delta,
    ("ce", "softmax"): row_mean_error_delta,
}
"""dL/d(pre-activation) for a (loss, output activation) pair whose chain rule simplifies."""

REQUIRED_OUTPUT: dict[str, str] = {"bce": "sigmoid", "ce": "softmax"}
"""Losses that only make sense after one output activation."""
