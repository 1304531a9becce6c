"""Activation functions and their derivatives, in tables keyed by the names users type.

Every function takes an ``out`` array so the training loop can reuse buffers instead of
allocating on each epoch; ``out`` may be the input itself.

Two derivative tables exist because the tutorial and the textbook differ exactly here:

* ``DERIVATIVES[name](x)`` is f'(x) computed from the *pre-activation* x, as the tutorial's
  ``sigmoid_derivative(x) = sigmoid(x) * (1 - sigmoid(x))`` is written.
* ``OUTPUT_DERIVATIVES[name](a)`` is the same derivative expressed through the activation's
  *output* a = f(x) (for sigmoid, a * (1 - a)), as scikit-learn does.

The tutorial passes the output a to the first form, computing f'(f(x)) instead of f'(x): the
"double sigmoid" quirk that the ``tutorial`` recipe keeps and the ``textbook`` recipe fixes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.floating]
Activation = Callable[[Array, Array], Array]

# exp(709.78) is the largest finite float64 and exp(88.72) the largest float32; clipping the
# exponent keeps sigmoid free of overflow warnings for any input, and changes no value for
# |x| below the limit (past it the result is already 0 or 1 to the type's precision).
_EXP_LIMIT = 708.0
_EXP_LIMIT_FLOAT32 = 88.0


def sigmoid(x: Array, out: Array) -> Array:
    """Logistic function 1 / (1 + e^-x), written as the tutorial writes it, without overflow."""
    np.negative(x, out=out)
    np.minimum(out, _EXP_LIMIT if out.dtype.itemsize > 4 else _EXP_LIMIT_FLOAT32, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def tanh(x: Array, out: Array) -> Array:
    """Hyperbolic tangent."""
    return np.tanh(x, out=out)


def relu(x: Array, out: Array) -> Array:
    """max(0, x)."""
    return np.maximum(x, 0.0, out=out)


def linear(x: Array, out: Array) -> Array:
    """The identity: the unit passes its weighted sum through."""
    if out is not x:
        np.copyto(out, x)
    return out


def softmax(x: Array, out: Array) -> Array:
    """Row-wise softmax, shifted by the row maximum so exp never overflows."""
    # NumPy reduces along a short last axis one row at a time, slow for the few classes a
    # softmax has: reducing the first axis of a transposed copy finds the row maxima, and a
    # matrix-vector product the row sums, in about a third of the instructions.
    row_max = np.maximum.reduce(np.ascontiguousarray(x.T), axis=0)
    np.subtract(x, row_max[:, np.newaxis], out=out)
    np.exp(out, out=out)
    out /= np.dot(out, np.ones(out.shape[1], dtype=out.dtype))[:, np.newaxis]
    return out


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "linear": linear,
    "softmax": softmax,
}
"""Every activation by name. ``softmax`` is for the output layer only (with the ``ce`` loss)."""

HIDDEN_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "linear")
"""Activations a hidden layer may use."""


def sigmoid_derivative(x: Array, out: Array) -> Array:
    """sigmoid(x) * (1 - sigmoid(x)) from the pre-activation x (the tutorial's method)."""
    sigmoid(x, out)
    return sigmoid_output_derivative(out, out)


def tanh_derivative(x: Array, out: Array) -> Array:
    """1 - tanh(x)^2 from the pre-activation x."""
    np.tanh(x, out=out)
    return tanh_output_derivative(out, out)


def relu_derivative(x: Array, out: Array) -> Array:
    """1 where x > 0, else 0."""
    return np.greater(x, 0.0, out=out, casting="unsafe")


def linear_derivative(x: Array, out: Array) -> Array:
    """1 everywhere."""
    out.fill(1.0)
    return out


DERIVATIVES: dict[str, Activation] = {
    "sigmoid": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "linear": linear_derivative,
}
"""f'(x) from the pre-activation x, keyed like ``ACTIVATIONS`` (softmax is paired with ``ce``)."""


def sigmoid_output_derivative(a: Array, out: Array) -> Array:
    """a * (1 - a) for a = sigmoid(x)."""
    # out may alias a, so take 1 - a into a temporary first only when it does.
    one_minus = np.subtract(1.0, a)
    return np.multiply(a, one_minus, out=out)


def tanh_output_derivative(a: Array, out: Array) -> Array:
    """1 - a^2 for a = tanh(x)."""
    np.multiply(a, a, out=out)
    return np.subtract(1.0, out, out=out)


OUTPUT_DERIVATIVES: dict[str, Activation] = {
    "sigmoid": sigmoid_output_derivative,
    "tanh": tanh_output_derivative,
    # relu and linear give the same mask from their output as from their input.
    "relu": relu_derivative,
    "linear": linear_derivative,
}
"""f'(x) expressed through the activation's output a = f(x), keyed like ``ACTIVATIONS``."""
