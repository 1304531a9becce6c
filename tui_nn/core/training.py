"""Training as an iterator of per-epoch results: no printing, no UI, the caller decides.

``Trainer.run()`` yields one ``EpochResult`` per epoch; stop iterating whenever you like and
call ``run()`` again later to resume the same model, or ``step()`` for a single epoch. Every
buffer an epoch needs is allocated once, here, so an epoch allocates nothing but its result.

Two recipes (their rows are in ``tui_nn.core.recipes.RECIPES``; ``Recipe.tutorial_rule`` picks
the epoch path):

* ``tutorial``: the seed tutorial's loop exactly. The output delta is (a - y) * f'(a), the
  derivative applied to the activation's *output* (sigmoid'(sigmoid(x)): the "double sigmoid"
  quirk); the error is not averaged; weights move by lr * X^T delta; the bias moves row by row,
  ``for num in z_del: bias = bias - lr * num``. Each epoch reports the signed error sum
  ``(a - y).sum()`` measured before that epoch's update, as the tutorial prints it, and the
  mean squared error beside it.
* ``textbook``: backpropagation of the chosen loss (mean over the batch) with f'(x) taken
  correctly, any optimiser, mini-batches shuffled by the seed, and L2/L1 penalties on weights.
  Each epoch reports the loss (the mean of its batches' losses, each taken before its update).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tui_nn.core import tutorial_kernel
from tui_nn.core.activations import ACTIVATIONS, DERIVATIVES, OUTPUT_DERIVATIVES
from tui_nn.core.data_rules import (
    check_training_memory,
    layer_activations,
    layer_sizes,
    output_size,
)
from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import Hyperparams, check_field
from tui_nn.core.losses import LOSSES, OUTPUT_DELTAS
from tui_nn.core.network import Network, Prediction
from tui_nn.core.optimizers import MOMENTS, OPTIMIZERS

Array = npt.NDArray[np.floating]


@dataclass(frozen=True, slots=True)
class Divergence:
    """Training produced a non-finite number; the model kept its last finite weights.

    Attributes:
        epoch: The epoch (1-based) whose update went non-finite.
        parameter: The first non-finite parameter (e.g. ``layer 1 weight [0, 2]``), or
            ``loss`` when the parameters stayed finite but the loss did not.
        value: That parameter's (or the loss's) value.
        kept_epoch: The epoch whose weights the model kept: the last with a finite loss.
    """

    epoch: int
    parameter: str
    value: float
    kept_epoch: int

    def message(self) -> str:
        """A sentence for the user."""
        return (
            f"training diverged at epoch {self.epoch}: {self.parameter} became {self.value}; "
            f"kept the weights from epoch {self.kept_epoch}, the last with a finite loss. "
            "Lower the learning rate and train on, or reset."
        )


@dataclass(frozen=True, slots=True)
class EpochResult:
    """What one epoch measured.

    Attributes:
        epoch: Epochs completed after this one (1-based).
        reported: The value the recipe reports: the tutorial's signed error sum, or the loss.
        loss: The training loss (``mse`` for the tutorial recipe), before the update.
        test_loss: The same loss on the test rows, after the update; None without test rows.
        divergence: Set when this epoch went non-finite and was rolled back.
    """

    epoch: int
    reported: float
    loss: float
    test_loss: float | None = None
    divergence: Divergence | None = None


@dataclass(frozen=True, eq=False)
class TrainerState:
    """Everything a trainer needs to carry on exactly where it was, bit for bit.

    The data and the other settings are not part of it: a state is loaded into a trainer
    built with the same hyperparameters (but for ``lr``) on the same data.

    Attributes:
        epoch: Epochs completed.
        lr: The learning rate in force.
        params: The network's flat parameter vector (a copy, in the model's float type).
        optimizer: The optimiser's name (``gd``, ``momentum``, ``adam``).
        moments: The optimiser's state arrays by name (``optimizers.MOMENTS``), copies.
        optimizer_steps: Updates the optimiser has made, where it counts them (Adam).
    """

    epoch: int
    lr: float
    params: Array
    optimizer: str
    moments: Mapping[str, Array]
    optimizer_steps: int = 0


@dataclass(frozen=True)
class Evaluation:
    """Loss and accuracy of the current model on some rows."""

    loss: float
    accuracy: float


class _Checkpoint:
    """A saved copy of the parameters and the optimiser's state, restorable in place."""

    def __init__(self, params: Array, state: list[Array]) -> None:
        self._pairs = [(np.empty_like(live), live) for live in (params, *state)]

    def save(self) -> None:
        """Copy the live arrays in."""
        for saved, live in self._pairs:
            np.copyto(saved, live)

    def restore(self) -> None:
        """Copy the saved arrays back."""
        for saved, live in self._pairs:
            np.copyto(live, saved)


class _Workspace:
    """Buffers for a forward and backward pass over up to ``rows`` rows."""

    def __init__(self, sizes: tuple[int, ...], rows: int, dtype: np.dtype[np.floating]) -> None:
        self.activations = [np.zeros((rows, n), dtype=dtype) for n in sizes[1:]]
        self.deltas = [np.zeros((rows, n), dtype=dtype) for n in sizes[1:]]
        self.scratch = [np.zeros((rows, n), dtype=dtype) for n in sizes[1:]]
        self.ones = np.ones(rows, dtype=dtype)


class Trainer:
    """Trains one network on one dataset by one recipe.

    Attributes:
        hyperparams: The settings it was built with (``lr`` may change via ``set_learning_rate``).
        recipe: The recipe it trains by (``RECIPES[hyperparams.recipe]``).
        network: The model being trained; its arrays change in place.
        epoch: Epochs completed so far.
        divergence: The last divergence, if training went non-finite.

    Args:
        fast_path: Let the tutorial's small cases run in plain Python floats
            (``tutorial_kernel``); False always takes the general NumPy path, which computes
            the same numbers (tests compare the two).
    """

    def __init__(
        self,
        hyperparams: Hyperparams,
        train: Dataset,
        test: Dataset | None = None,
        network: Network | None = None,
        epoch: int = 0,
        fast_path: bool = True,
    ) -> None:
        self.hyperparams = hyperparams
        self.recipe = hyperparams.training_recipe
        self.train = train
        self.test = test if test is not None and test.n_rows else None
        dtype = np.dtype(hyperparams.dtype)
        n_out = output_size(hyperparams, train)
        sizes = layer_sizes(hyperparams, train)
        names = layer_activations(hyperparams)
        if train.n_rows == 0:
            raise TuiNNError("the dataset has no training rows", field="dataset")
        # Before any allocation: a refused size must cost nothing.
        check_training_memory(
            hyperparams, sizes, train.n_rows, self.test.n_rows if self.test else 0
        )
        if network is None:
            network = Network.initialised(sizes, names, hyperparams.init, hyperparams.seed, dtype)
        elif network.layer_sizes != sizes or network.activations != names:
            raise TuiNNError(
                f"the model's layers {network.layer_sizes} do not fit these settings and data "
                f"{sizes}; reset to build a new one",
                field="hidden",
            )
        elif network.dtype != dtype:
            network = Network(
                network.layer_sizes, network.activations, network.params.astype(dtype)
            )
        self.network = network
        self.epoch = epoch
        self.divergence: Divergence | None = None
        self._sizes = sizes
        self._x = np.ascontiguousarray(train.features, dtype=dtype)
        self._y = train.targets(n_out, dtype)
        self._rows = train.n_rows
        self._batch = min(hyperparams.batch_size or self._rows, self._rows)
        self._work = _Workspace(sizes, self._batch, dtype)
        self._grad = np.zeros_like(network.params)
        self._grad_views = Network(sizes, names, self._grad)
        self._optimizer = OPTIMIZERS[hyperparams.optimizer](
            network.params.size, hyperparams.lr, dtype
        )
        # Two checkpoints, alternating by epoch: when the loss itself goes non-finite, the
        # weights that produced it are the previous epoch's, so roll back one further.
        self._checkpoints = [
            _Checkpoint(network.params, self._optimizer.state()),
            _Checkpoint(network.params, self._optimizer.state()),
        ]
        self._loss = LOSSES[self.recipe.loss_name(hyperparams.loss)]
        self._output_delta = OUTPUT_DELTAS.get((hyperparams.loss, hyperparams.output_activation))
        if self._batch < self._rows:
            self._identity = np.arange(self._rows)
            self._order = np.arange(self._rows)
            self._x_batch = np.empty((self._batch, sizes[0]), dtype=dtype)
            self._y_batch = np.empty((self._batch, n_out), dtype=dtype)
        if self.test is not None:
            self._x_test = np.ascontiguousarray(self.test.features, dtype=dtype)
            self._y_test = self.test.targets(n_out, dtype)
            self._test_work = _Workspace(sizes, self.test.n_rows, dtype)
        # Row-by-row bias update (tutorial): row 0 holds the bias, rows 1.. hold lr * delta.
        tutorial = self._tutorial_rule = self.recipe.tutorial_rule
        self._bias_steps = [
            np.empty((self._rows + 1 if tutorial else 0, n), dtype=dtype) for n in sizes[1:]
        ]
        self._fast_epoch = None
        if fast_path and tutorial_kernel.applies(
            tutorial,
            hyperparams.hidden,
            hyperparams.output_activation,
            n_out,
            self._x.shape,
            hyperparams.dtype,
        ):
            self._fast_epoch = tutorial_kernel.make_epoch(
                network.params, self._x, self._y, self._optimizer
            )

    @property
    def on_fast_path(self) -> bool:
        """Whether epochs run in the plain-Python tutorial kernel (see ``fast_path``)."""
        return self._fast_epoch is not None

    @property
    def lr(self) -> float:
        """The current learning rate."""
        return self._optimizer.lr

    def set_learning_rate(self, lr: float) -> None:
        """Change the learning rate from the next epoch on (e.g. while paused)."""
        check_field("lr", lr)
        self._optimizer.lr = lr
        self.hyperparams = self.hyperparams.replace(lr=lr)

    def export_state(self) -> TrainerState:
        """A copy of the weights, epoch, learning rate and optimiser state."""
        return TrainerState(
            epoch=self.epoch,
            lr=self._optimizer.lr,
            params=self.network.params.copy(),
            optimizer=self.hyperparams.optimizer,
            moments={name: array.copy() for name, array in self._optimizer.moments().items()},
            optimizer_steps=self._optimizer.steps,
        )

    def load_state(self, state: TrainerState) -> None:
        """Carry on from ``state``: the next epoch is the one an unbroken run would train.

        Moments missing from ``state`` (a session saved before they were kept) start at zero.

        Raises:
            TuiNNError: when ``state`` does not fit this trainer (another optimiser, another
                network shape, a non-finite number); the trainer is then unchanged.
        """
        params = self.network.params
        if state.optimizer != self.hyperparams.optimizer:
            raise TuiNNError(
                f"the saved optimiser state is for {state.optimizer}, not "
                f"{self.hyperparams.optimizer}",
                field="optimizer",
            )
        if state.params.shape != params.shape:
            raise TuiNNError(
                f"the saved model has {state.params.size} parameters, this one {params.size}",
                field="model",
            )
        live = self._optimizer.moments()
        unknown = sorted(set(state.moments) - set(MOMENTS[state.optimizer]))
        if unknown:
            raise TuiNNError(
                f"{state.optimizer} keeps no state named {unknown[0]!r}", field="optimizer"
            )
        for name, array in state.moments.items():
            if array.shape != params.shape:
                raise TuiNNError(
                    f"optimizer.{name} has {array.size} values for {params.size} parameters",
                    field="optimizer",
                )
        arrays = [state.params, *state.moments.values()]
        if not all(np.isfinite(array).all() for array in arrays):
            raise TuiNNError("the saved state holds a non-finite number", field="model")
        if isinstance(state.epoch, bool) or state.epoch < 0 or state.optimizer_steps < 0:
            raise TuiNNError("epochs and steps must be whole numbers >= 0", field="epoch")
        check_field("lr", state.lr)
        np.copyto(params, state.params, casting="same_kind")
        for name, array in live.items():
            if name in state.moments:
                np.copyto(array, state.moments[name], casting="same_kind")
            else:
                array.fill(0.0)
        self._optimizer.steps = state.optimizer_steps
        self.epoch = state.epoch
        self.divergence = None
        self.set_learning_rate(state.lr)

    @property
    def remaining(self) -> int:
        """Epochs left until ``hyperparams.epochs``."""
        return max(self.hyperparams.epochs - self.epoch, 0)

    def run(self, epochs: int | None = None) -> Iterator[EpochResult]:
        """Yield one result per epoch for ``epochs`` epochs (default: the rest of the run).

        Stops early after yielding a result whose ``divergence`` is set.
        """
        for _ in range(self.remaining if epochs is None else epochs):
            result = self.step()
            yield result
            if result.divergence is not None:
                return

    def step(self) -> EpochResult:
        """Train one epoch and say what it measured."""
        params = self.network.params
        self._checkpoints[self.epoch % 2].save()
        if self._fast_epoch is not None:
            reported, loss, total = self._fast_epoch()
        else:
            # Overflow on the way to divergence is expected and handled below, not warned of.
            with np.errstate(over="ignore", invalid="ignore"):
                if self._tutorial_rule:
                    reported, loss = self._tutorial_epoch()
                else:
                    loss = reported = self._textbook_epoch()
                total = float(np.add.reduce(params))
        # The sum is a one-call finiteness test, but finite parameters near the float limit
        # can add up to inf: confirm element-wise before calling that divergence.
        if not math.isfinite(loss) or (not math.isfinite(total) and not np.isfinite(params).all()):
            return self._roll_back(reported, loss)
        self.epoch += 1
        test_loss = None
        if self.test is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                out = self._forward(self._x_test, self._test_work)
                test_loss = self._loss_value(out, self._y_test)
        return EpochResult(self.epoch, reported, loss, test_loss)

    def _loss_value(self, out: Array, y: Array) -> float:
        return self._loss.value(out, y)

    def _roll_back(self, reported: float, loss: float) -> EpochResult:
        params = self.network.params
        failed_epoch = self.epoch + 1
        bad = np.flatnonzero(~np.isfinite(params))
        if bad.size:
            where, value = self.network.parameter_name(int(bad[0])), float(params[bad[0]])
        else:
            where, value = "loss", loss
        if math.isfinite(loss) or self.epoch == 0:
            # The weights this epoch started from had a finite loss: keep them.
            self._checkpoints[self.epoch % 2].restore()
        else:
            # The loss was measured before the update, so this epoch's starting weights
            # already give a non-finite loss: go back to the epoch before.
            self._checkpoints[(self.epoch + 1) % 2].restore()
            self.epoch -= 1
        self.divergence = Divergence(failed_epoch, where, value, self.epoch)
        return EpochResult(self.epoch, reported, loss, None, self.divergence)

    def _forward(self, x: Array, work: _Workspace) -> Array:
        rows = x.shape[0]
        a = x
        net = self.network
        for weight, bias, name, buffer in zip(
            net.weights, net.biases, net.activations, work.activations, strict=True
        ):
            out = buffer[:rows] if rows != buffer.shape[0] else buffer
            np.dot(a, weight, out=out)
            out += bias
            a = ACTIVATIONS[name](out, out)
        return a

    def _tutorial_epoch(self) -> tuple[float, float]:
        x, y, work, lr = self._x, self._y, self._work, self._optimizer.lr
        net, grads = self.network, self._grad_views
        out = self._forward(x, work)
        deltas, scratch, activations = work.deltas, work.scratch, work.activations
        error = deltas[-1]
        np.subtract(out, y, out=error)
        reported = float(error.sum())
        flat = error.reshape(-1)
        loss = float(np.dot(flat, flat)) / flat.size
        last = len(self._sizes) - 2
        for layer in range(last, -1, -1):
            # The quirk: the derivative written for the pre-activation is given the output.
            derivative = DERIVATIVES[net.activations[layer]](activations[layer], scratch[layer])
            deltas[layer] *= derivative
            below = x if layer == 0 else activations[layer - 1]
            np.dot(below.T, deltas[layer], out=grads.weights[layer])
            if layer:
                np.dot(deltas[layer], net.weights[layer].T, out=deltas[layer - 1])
        weight_grad = self._grad[: net.n_weights]
        weight_grad *= lr
        net.params[: net.n_weights] -= weight_grad
        for bias, delta, steps in zip(net.biases, deltas, self._bias_steps, strict=True):
            steps[0] = bias
            np.multiply(delta, lr, out=steps[1:])
            # Reducing along rows subtracts them one after another, in order: bit for bit
            # the tutorial's ``for num in z_del: bias = bias - lr * num``.
            np.subtract.reduce(steps, axis=0, out=bias)
        return reported, loss

    def _textbook_epoch(self) -> float:
        if self._batch == self._rows:
            return self._textbook_batch(self._x, self._y)
        # The order depends only on (seed, epoch), so a resumed, rolled-back or reloaded run
        # sees the same batches as one uninterrupted run.
        np.copyto(self._order, self._identity)
        np.random.default_rng((self.hyperparams.seed, self.epoch)).shuffle(self._order)
        total = 0.0
        for start in range(0, self._rows, self._batch):
            stop = min(start + self._batch, self._rows)
            rows = self._order[start:stop]
            x = self._x_batch[: stop - start]
            y = self._y_batch[: stop - start]
            # mode="clip" (the rows are always in range): with the default mode="raise",
            # take() gathers into a temporary buffer, then copies that to ``out``.
            np.take(self._x, rows, axis=0, out=x, mode="clip")
            np.take(self._y, rows, axis=0, out=y, mode="clip")
            total += self._textbook_batch(x, y) * (stop - start)
        return total / self._rows

    def _textbook_batch(self, x: Array, y: Array) -> float:
        net, grads, work = self.network, self._grad_views, self._work
        rows = x.shape[0]
        out = self._forward(x, work)
        loss = self._loss.value(out, y)
        last = len(self._sizes) - 2
        delta = work.deltas[last][:rows]
        if self._output_delta is not None:
            self._output_delta(out, y, delta)
        else:
            self._loss.gradient(out, y, delta)
            delta *= OUTPUT_DERIVATIVES[net.activations[last]](out, work.scratch[last][:rows])
        for layer in range(last, -1, -1):
            below = x if layer == 0 else work.activations[layer - 1][:rows]
            np.dot(below.T, delta, out=grads.weights[layer])
            # Column sums as ones @ delta: NumPy's reduction down the rows is ~6x slower here.
            np.dot(work.ones[:rows], delta, out=grads.biases[layer])
            if layer:
                lower = work.deltas[layer - 1][:rows]
                np.dot(delta, net.weights[layer].T, out=lower)
                name = net.activations[layer - 1]
                lower *= OUTPUT_DERIVATIVES[name](below, work.scratch[layer - 1][:rows])
                delta = lower
        hp = self.hyperparams
        if hp.l2 or hp.l1:
            weights = net.params[: net.n_weights]
            weight_grad = self._grad[: net.n_weights]
            if hp.l2:
                weight_grad += hp.l2 * weights
            if hp.l1:
                weight_grad += hp.l1 * np.sign(weights)
        self._optimizer.step(net.params, self._grad)
        return loss

    def evaluate(self, dataset: Dataset | None = None) -> Evaluation:
        """Loss and accuracy on ``dataset`` (the training rows by default)."""
        data = dataset if dataset is not None else self.train
        if data.n_rows == 0:
            return Evaluation(math.nan, math.nan)
        n_out = self._sizes[-1]
        with np.errstate(over="ignore", invalid="ignore"):
            prediction = self.network.predict(data.features)
            out = prediction.probabilities
            loss = self._loss_value(out, data.targets(n_out, out.dtype))
        return Evaluation(loss, float(np.mean(prediction.classes == data.labels)))

    def predict(self, features: npt.ArrayLike) -> Prediction:
        """Output probabilities and class for one row or many."""
        return self.network.predict(features)
