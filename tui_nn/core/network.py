"""A dense feed-forward network whose parameters live in one flat vector.

Weights and biases are views into ``params``, laid out as every layer's weights first, then
every layer's biases. One vector makes an optimiser step, a finite check and a checkpoint a
single NumPy call each, whatever the depth, and puts all weights (the part L1/L2 penalise)
in one slice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tui_nn.core.activations import ACTIVATIONS
from tui_nn.core.errors import TuiNNError
from tui_nn.core.initializers import INITIALIZERS

Array = npt.NDArray[np.floating]


@dataclass(frozen=True)
class Prediction:
    """What the network says about some rows.

    Attributes:
        probabilities: ``(rows, outputs)``: sigmoid outputs, or softmax class probabilities.
        classes: ``(rows,)`` predicted class index: output >= 0.5 for one output, else argmax.
    """

    probabilities: Array
    classes: npt.NDArray[np.int64]


class Network:
    """Inputs -> zero or more hidden layers -> output layer.

    Attributes:
        layer_sizes: ``(inputs, hidden..., outputs)``.
        activations: One activation name per layer after the inputs.
        params: The flat parameter vector.
        weights: Per layer, a ``(n_in, n_out)`` view into ``params``.
        biases: Per layer, a ``(n_out,)`` view into ``params``.
        n_weights: How many entries of ``params`` are weights (the rest are biases).
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activations: Sequence[str],
        params: Array | None = None,
        dtype: npt.DTypeLike = np.float64,
    ) -> None:
        self.layer_sizes = tuple(int(n) for n in layer_sizes)
        self.activations = tuple(activations)
        if len(self.layer_sizes) < 2 or min(self.layer_sizes) < 1:
            raise TuiNNError("a network needs inputs and at least one output", field="hidden")
        if len(self.activations) != len(self.layer_sizes) - 1:
            raise TuiNNError("a network needs one activation per layer", field="activation")
        for name in self.activations:
            if name not in ACTIVATIONS:
                raise TuiNNError(f"unknown activation {name!r}", field="activation")
        shapes = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True))
        self.n_weights = sum(n_in * n_out for n_in, n_out in shapes)
        size = self.n_weights + sum(self.layer_sizes[1:])
        if params is None:
            params = np.zeros(size, dtype=dtype)
        if params.shape != (size,):
            raise TuiNNError(f"expected {size} parameters, got {params.size}", field="weights")
        self.params: Array = params
        self.weights: list[Array] = []
        self.biases: list[Array] = []
        w_at, b_at = 0, self.n_weights
        for n_in, n_out in shapes:
            self.weights.append(params[w_at : w_at + n_in * n_out].reshape(n_in, n_out))
            self.biases.append(params[b_at : b_at + n_out])
            w_at += n_in * n_out
            b_at += n_out

    @classmethod
    def initialised(
        cls,
        layer_sizes: Sequence[int],
        activations: Sequence[str],
        init: str = "uniform",
        seed: int = 42,
        dtype: npt.DTypeLike = np.float64,
    ) -> Network:
        """A network with weights drawn by the named initialiser from ``seed``."""
        network = cls(layer_sizes, activations, dtype=dtype)
        layers = INITIALIZERS[init](network.layer_sizes, seed)
        for weight, bias, (w_init, b_init) in zip(
            network.weights, network.biases, layers, strict=True
        ):
            weight[...] = w_init
            bias[...] = b_init
        return network

    @classmethod
    def from_arrays(
        cls,
        weights: Sequence[npt.ArrayLike],
        biases: Sequence[npt.ArrayLike],
        activations: Sequence[str],
        dtype: npt.DTypeLike = np.float64,
    ) -> Network:
        """Rebuild a network from per-layer weights ``(n_in, n_out)`` and biases ``(n_out,)``.

        Raises:
            TuiNNError: when the shapes do not chain or a value is not a finite number.
        """
        if not weights or len(weights) != len(biases):
            raise TuiNNError(
                "a model needs one weight matrix and one bias per layer", field="weights"
            )
        w_arrays = [np.asarray(w, dtype=dtype) for w in weights]
        b_arrays = [np.asarray(b, dtype=dtype) for b in biases]
        sizes = [w_arrays[0].shape[0] if w_arrays[0].ndim == 2 else 0]
        for index, (w, b) in enumerate(zip(w_arrays, b_arrays, strict=True), start=1):
            if w.ndim != 2 or w.shape[0] != sizes[-1] or b.shape != (w.shape[1],):
                raise TuiNNError(
                    f"layer {index}: weight and bias shapes do not chain", field="weights"
                )
            sizes.append(w.shape[1])
        network = cls(sizes, activations, dtype=dtype)
        for target, source in zip(
            network.weights + network.biases, w_arrays + b_arrays, strict=True
        ):
            target[...] = source
        if not np.isfinite(network.params).all():
            raise TuiNNError("every weight and bias must be a finite number", field="weights")
        return network

    @property
    def dtype(self) -> np.dtype[np.floating]:
        """The parameters' float type."""
        return self.params.dtype

    def copy(self) -> Network:
        """An independent copy."""
        return Network(self.layer_sizes, self.activations, self.params.copy())

    def parameter_name(self, index: int) -> str:
        """Name the parameter at a flat index, e.g. ``layer 1 weight [2, 0]`` (1-based layers)."""
        offset = 0
        for layer, w in enumerate(self.weights, start=1):
            if index < offset + w.size:
                row, col = divmod(index - offset, w.shape[1])
                return f"layer {layer} weight [{row}, {col}]"
            offset += w.size
        for layer, b in enumerate(self.biases, start=1):
            if index < offset + b.size:
                return f"layer {layer} bias [{index - offset}]"
            offset += b.size
        raise IndexError(index)

    def forward(self, features: npt.ArrayLike) -> Array:
        """The output layer's activations for a ``(rows, inputs)`` table or a single row."""
        a = np.atleast_2d(np.asarray(features, dtype=self.dtype))
        if a.shape[1] != self.layer_sizes[0]:
            raise TuiNNError(
                f"expected {self.layer_sizes[0]} feature values per row, got {a.shape[1]}",
                field="features",
            )
        for weight, bias, name in zip(self.weights, self.biases, self.activations, strict=True):
            z = a @ weight + bias
            a = ACTIVATIONS[name](z, z)
        return a

    def predict(self, features: npt.ArrayLike) -> Prediction:
        """Output probabilities and predicted class for one row or many."""
        probabilities = self.forward(features)
        if probabilities.shape[1] == 1:
            classes = (probabilities[:, 0] >= 0.5).astype(np.int64)
        else:
            classes = probabilities.argmax(axis=1).astype(np.int64)
        return Prediction(probabilities, classes)
