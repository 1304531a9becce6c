"""Optimisers, keyed by the names users type.

Each works on the network's single flat parameter vector and a gradient of the same shape,
updating in place with preallocated state, so one step is a handful of NumPy calls whatever
the depth of the network.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.floating]


class Optimizer:
    """Plain gradient descent: p -= lr * g.

    Attributes:
        lr: The learning rate; may be changed between steps.
    """

    def __init__(self, size: int, lr: float, dtype: npt.DTypeLike) -> None:
        self.lr = lr
        self._scratch = np.zeros(size, dtype=dtype)

    def step(self, params: Array, grad: Array) -> None:
        """Move ``params`` against ``grad`` in place."""
        np.multiply(grad, self.lr, out=self._scratch)
        params -= self._scratch

    def state(self) -> list[Array]:
        """Arrays that must be saved and restored with the parameters."""
        return []

    def moments(self) -> dict[str, Array]:
        """The live state arrays by name (see ``MOMENTS``), each shaped like the parameters."""
        return {}

    @property
    def steps(self) -> int:
        """Updates made so far, where the update depends on it (Adam's bias correction)."""
        return 0

    @steps.setter
    def steps(self, value: int) -> None:
        """Plain descent and momentum do not count their steps: nothing to set."""


class Momentum(Optimizer):
    """Heavy-ball momentum: v = mu v - lr g; p += v."""

    mu = 0.9

    def __init__(self, size: int, lr: float, dtype: npt.DTypeLike) -> None:
        super().__init__(size, lr, dtype)
        self._velocity = np.zeros(size, dtype=dtype)

    def step(self, params: Array, grad: Array) -> None:
        """Accumulate velocity, then move."""
        self._velocity *= self.mu
        np.multiply(grad, self.lr, out=self._scratch)
        self._velocity -= self._scratch
        params += self._velocity

    def state(self) -> list[Array]:
        """The velocity."""
        return [self._velocity]

    def moments(self) -> dict[str, Array]:
        """The velocity."""
        return {"velocity": self._velocity}


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction: beta1 0.9, beta2 0.999, eps 1e-8."""

    beta1 = 0.9
    beta2 = 0.999
    eps = 1e-8

    def __init__(self, size: int, lr: float, dtype: npt.DTypeLike) -> None:
        super().__init__(size, lr, dtype)
        self._m = np.zeros(size, dtype=dtype)
        self._v = np.zeros(size, dtype=dtype)
        self._denominator = np.zeros(size, dtype=dtype)
        self._t = np.zeros(1)

    def step(self, params: Array, grad: Array) -> None:
        """One Adam update."""
        self._t += 1.0
        t = float(self._t[0])
        self._m *= self.beta1
        np.multiply(grad, 1.0 - self.beta1, out=self._scratch)
        self._m += self._scratch
        self._v *= self.beta2
        np.multiply(grad, grad, out=self._scratch)
        self._scratch *= 1.0 - self.beta2
        self._v += self._scratch
        # Fold both bias corrections into the step size and eps: one pass fewer over the vector.
        # math.sqrt keeps this a Python float: NumPy's float64 scalar would make every
        # float32 pass below run in float64, casting the whole vector there and back.
        correction = math.sqrt(1.0 - self.beta2**t)
        step = self.lr * correction / (1.0 - self.beta1**t)
        np.sqrt(self._v, out=self._denominator)
        self._denominator += self.eps * correction
        np.divide(self._m, self._denominator, out=self._scratch)
        self._scratch *= step
        params -= self._scratch

    def state(self) -> list[Array]:
        """First and second moments and the step count."""
        return [self._m, self._v, self._t]

    def moments(self) -> dict[str, Array]:
        """First and second moments."""
        return {"m": self._m, "v": self._v}

    @property
    def steps(self) -> int:
        """Updates made so far: the ``t`` of the bias correction."""
        return int(self._t[0])

    @steps.setter
    def steps(self, value: int) -> None:
        self._t[0] = float(value)


OPTIMIZERS: dict[str, Callable[[int, float, npt.DTypeLike], Optimizer]] = {
    "gd": Optimizer,
    "momentum": Momentum,
    "adam": Adam,
}
"""Every optimiser by name."""

MOMENTS: dict[str, tuple[str, ...]] = {"gd": (), "momentum": ("velocity",), "adam": ("m", "v")}
"""The names of each optimiser's state arrays (``Optimizer.moments()``), as sessions store them."""
