"""Weight initialisers, keyed by the names users type; every one is seeded.

Each takes the layer sizes ``(inputs, hidden..., outputs)`` and a seed and returns one
``(weights, bias)`` pair per layer, weights shaped ``(n_in, n_out)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Layers = list[tuple[Array, Array]]


def _pairs(sizes: Sequence[int]) -> list[tuple[int, int]]:
    return list(itertools.pairwise(sizes))


def uniform(sizes: Sequence[int], seed: int) -> Layers:
    """The tutorial's: legacy ``np.random.seed(seed)`` then ``rand(n_in, n_out)``, ``rand(n_out)``.

    A private ``RandomState`` draws the same stream as the legacy global seed without
    touching NumPy's global state.
    """
    stream = np.random.RandomState(seed)
    return [(stream.rand(n_in, n_out), stream.rand(n_out)) for n_in, n_out in _pairs(sizes)]


def xavier(sizes: Sequence[int], seed: int) -> Layers:
    """Glorot uniform: U(-l, l) with l = sqrt(6 / (n_in + n_out)); biases zero."""
    rng = np.random.default_rng(seed)
    layers: Layers = []
    for n_in, n_out in _pairs(sizes):
        limit = np.sqrt(6.0 / (n_in + n_out))
        layers.append((rng.uniform(-limit, limit, size=(n_in, n_out)), np.zeros(n_out)))
    return layers


def he(sizes: Sequence[int], seed: int) -> Layers:
    """He normal: N(0, 2 / n_in), suited to relu; biases zero."""
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out)), np.zeros(n_out))
        for n_in, n_out in _pairs(sizes)
    ]


INITIALIZERS: dict[str, Callable[[Sequence[int], int], Layers]] = {
    "uniform": uniform,
    "xavier": xavier,
    "he": he,
}
"""Every initialiser by name."""
