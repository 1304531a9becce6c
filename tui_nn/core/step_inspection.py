"""One training step taken apart: every number the next epoch computes for one chosen row.

``inspect_step`` computes the next epoch's update the way ``Trainer.step()`` does, on copies:
the same NumPy calls in the same order on arrays of the same shapes (or, where the trainer uses
the tutorial kernel, the kernel's own Python-float arithmetic), so the ``new_params`` it reports
equal the trainer's parameters after that epoch bit for bit. Beside the update it keeps, for the
chosen row, what a learner wants to see at each layer, forward then backward:

    z = x · w + b            the weighted sum, term by term
    a = f(z)                 the activation
    upstream                 dL/da for this row (the error a - y at the output)
    f'                       the derivative the recipe multiplies by, and the textbook's f'(z)
    δ = upstream · f'        this row's delta
    x ⊗ δ                    this row's share of the weight gradient (δ is its bias share)
    w ← w - lr · Σ x ⊗ δ     the update, with the old and new weights

The tutorial recipe applies the derivative to the activation's *output*, f'(f(z)) (for sigmoid
σ'(σ(z)), the seed's "double sigmoid"); ``LayerStep.textbook_derivative`` holds f'(z) = a(1 - a)
beside it so the two can be compared for the row.

What is covered: a full batch is the whole epoch. With mini-batches the inspection is the
epoch's *first* batch (the row may fall in a later one: ``row_batch`` says which), and
``new_params`` are the weights after that batch. Momentum and Adam need their running state
(``optimizer_moments`` and ``optimizer_steps``, as ``TrainerState`` holds them) unless no epoch
has trained yet.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from operator import mul

import numpy as np
import numpy.typing as npt

from tui_nn.core import tutorial_kernel
from tui_nn.core.activations import _EXP_LIMIT, ACTIVATIONS, DERIVATIVES, OUTPUT_DERIVATIVES
from tui_nn.core.data_rules import output_size
from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.losses import LOSSES, OUTPUT_DELTAS
from tui_nn.core.network import Network
from tui_nn.core.optimizers import OPTIMIZERS, Optimizer
from tui_nn.core.training import Trainer

__all__ = [
    "LayerStep",
    "StepInspection",
    "derivative_formulas",
    "inspect_grid_row",
    "inspect_step",
    "inspect_trainer",
    "training_row",
]

FloatArray = npt.NDArray[np.floating]

MAX_INSPECTION_WORK = 50_000_000
"""The most row x parameter products one inspection computes (it runs on the UI thread)."""

_SYMBOLS = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "linear": "id", "softmax": "softmax"}

_OUTPUT_FORMS = {
    "sigmoid": "a(1 − a)",
    "tanh": "1 − a²",
    "relu": "1 if a > 0 else 0",
    "linear": "1",
}
"""f'(z) written through the output a = f(z), the textbook's form."""

_QUIRK_FORMS = {
    "sigmoid": "σ(a)(1 − σ(a))",
    "tanh": "1 − tanh(a)²",
    "relu": "1 if a > 0 else 0",
    "linear": "1",
}
"""The tutorial's f'(f(z)): the derivative written for z, handed the output a."""


def derivative_formulas(tutorial_rule: bool, activation: str) -> tuple[str, str]:
    """(the derivative a recipe uses, the textbook's f'(z)) as formulas, e.g. for sigmoid
    under the tutorial's rule ``("σ'(σ(z)) = σ(a)(1 − σ(a))", "σ'(z) = a(1 − a)")``."""
    symbol = _SYMBOLS.get(activation, activation)
    textbook = f"{symbol}'(z) = {_OUTPUT_FORMS.get(activation, '?')}"
    if tutorial_rule:
        quirk = f"{symbol}'({symbol}(z)) = {_QUIRK_FORMS.get(activation, '?')}"
        return quirk, textbook
    return textbook, textbook


@dataclass(frozen=True, eq=False)
class LayerStep:
    """One layer's numbers for the chosen row, and the layer's whole update.

    Attributes:
        layer: 1-based, counted from the input side.
        activation: The layer's activation name.
        inputs: ``(n_in,)`` this row's inputs to the layer (the features, or the layer below's a).
        weights: ``(n_in, n_out)`` the weights before the step.
        bias: ``(n_out,)`` the bias before the step.
        z: ``(n_out,)`` this row's weighted sum x · w + b.
        a: ``(n_out,)`` this row's activation f(z).
        upstream: ``(n_out,)`` dL/da for this row as the recipe takes it.
        upstream_formula: How ``upstream`` is formed, e.g. ``a − y`` or ``δ·Wᵀ of layer 2``.
        derivative: ``(n_out,)`` the derivative the recipe multiplies by; all ones where the
            loss folds it in (sigmoid + bce, softmax + ce).
        derivative_formula: Its formula.
        textbook_derivative: ``(n_out,)`` f'(z) from a, the textbook's value.
        textbook_formula: Its formula.
        delta: ``(n_out,)`` this row's δ = upstream · derivative.
        in_batch: Whether the row is in the step's batch (its contributions are zero if not).
        weight_contribution: ``(n_in, n_out)`` this row's share of the weight gradient, x ⊗ δ.
        bias_contribution: ``(n_out,)`` this row's share of the bias gradient, δ.
        weight_gradient: ``(n_in, n_out)`` the batch's Σ x ⊗ δ, plus any L2/L1 penalty.
        bias_gradient: ``(n_out,)`` the batch's Σ δ.
        new_weights: ``(n_in, n_out)`` the weights after the step.
        new_bias: ``(n_out,)`` the bias after the step.
    """

    layer: int
    activation: str
    inputs: FloatArray
    weights: FloatArray
    bias: FloatArray
    z: FloatArray
    a: FloatArray
    upstream: FloatArray
    upstream_formula: str
    derivative: FloatArray
    derivative_formula: str
    textbook_derivative: FloatArray
    textbook_formula: str
    delta: FloatArray
    in_batch: bool
    weight_contribution: FloatArray
    bias_contribution: FloatArray
    weight_gradient: FloatArray
    bias_gradient: FloatArray
    new_weights: FloatArray
    new_bias: FloatArray

    @property
    def derivative_gap(self) -> FloatArray:
        """The recipe's derivative minus the textbook's f'(z): zero under the textbook."""
        return np.asarray(self.derivative - self.textbook_derivative)

    @property
    def textbook_delta(self) -> FloatArray:
        """What δ would be for this row with the textbook's f'(z) and the same upstream."""
        return np.asarray(self.upstream * self.textbook_derivative)


@dataclass(frozen=True, eq=False)
class StepInspection:
    """The next step of training, seen from one row.

    Attributes:
        recipe: ``tutorial`` or ``textbook``.
        optimizer: The optimiser's name.
        loss: The loss the recipe differentiates (``mse`` for the tutorial).
        lr: The learning rate of the step.
        epoch: The epoch this step belongs to (1-based: the trainer's epoch + 1).
        row: The chosen training row (0-based, among the training rows).
        features: ``(n_features,)`` the row's features as trained on (standardised if asked).
        target: ``(n_outputs,)`` the row's target y.
        output: ``(n_outputs,)`` the network's output a for the row.
        layers: One ``LayerStep`` per layer, input side first.
        batch_rows: The training rows the step averages or sums over, in the order used.
        n_batches: Batches in the epoch (1 for the full batch).
        row_batch: The 1-based batch of the epoch that holds the row.
        batch_loss: The loss of the step's batch before the update (mse for the tutorial).
        new_params: The network's flat parameters after the step, as ``Trainer.step()`` leaves
            them (after the first batch when there are several).
        bias_row_by_row: The tutorial's rule: the bias moves by lr·δ one row at a time.
    """

    recipe: str
    optimizer: str
    loss: str
    lr: float
    epoch: int
    row: int
    features: FloatArray
    target: FloatArray
    output: FloatArray
    layers: tuple[LayerStep, ...]
    batch_rows: tuple[int, ...]
    n_batches: int
    row_batch: int
    batch_loss: float
    new_params: FloatArray
    bias_row_by_row: bool

    @property
    def error(self) -> FloatArray:
        """The row's error a − y."""
        return np.asarray(self.output - self.target)

    @property
    def full_batch(self) -> bool:
        """Whether the step is the whole epoch."""
        return self.n_batches == 1

    def coverage(self) -> str:
        """A sentence saying what the inspection covers."""
        rows = len(self.batch_rows)
        if self.full_batch:
            return f"One step over all {rows:,} training rows."
        where = (
            "this row is in it"
            if self.row_batch == 1
            else f"this row is in batch {self.row_batch}, so it adds nothing here"
        )
        return (
            f"Epoch {self.epoch:,} takes {self.n_batches:,} steps of up to {rows:,} rows; "
            f"shown: the first step ({where})."
        )


def training_row(test_mask: npt.NDArray[np.bool_], grid_row: int) -> int | None:
    """The training-row index of a row of the full table, or None for a held-out test row."""
    if not 0 <= grid_row < len(test_mask) or test_mask[grid_row]:
        return None
    return int(np.count_nonzero(~test_mask[:grid_row]))


@dataclass
class _Pass:
    """One batch's forward and backward arrays, ``(rows, units)`` per layer."""

    inputs: list[FloatArray]
    z: list[FloatArray]
    a: list[FloatArray]
    upstream: list[FloatArray]
    derivative: list[FloatArray]
    delta: list[FloatArray]
    weight_gradient: list[FloatArray]
    bias_gradient: list[FloatArray]
    loss: float
    new_params: FloatArray


def inspect_step(
    hyperparams: Hyperparams,
    network: Network,
    train: Dataset,
    row: int,
    *,
    epoch: int = 0,
    lr: float | None = None,
    optimizer_moments: Mapping[str, npt.ArrayLike] | None = None,
    optimizer_steps: int = 0,
    fast_path: bool = True,
) -> StepInspection:
    """Take the next epoch's step apart for training row ``row``; nothing given is changed.

    Args:
        hyperparams: The trainer's settings.
        network: The trainer's model as it is now (copied, never changed).
        train: The training rows, as the trainer has them (split and standardised).
        row: The training row to follow (0-based).
        epoch: Epochs trained so far (it seeds the mini-batch order).
        lr: The trainer's current learning rate (``hyperparams.lr`` when None).
        optimizer_moments: Momentum's or Adam's state arrays by name (``optimizers.MOMENTS``);
            needed after the first epoch for those optimisers.
        optimizer_steps: Updates the optimiser has made (Adam's bias-correction count).
        fast_path: As the trainer's: whether the tutorial's small cases run in the kernel.

    Raises:
        TuiNNError: when ``row`` is not a training row, the model does not fit the data, or a
            stateful optimiser's state is missing.
    """
    if not 0 <= row < train.n_rows:
        raise TuiNNError(
            f"row must be a training row from 1 to {train.n_rows}, got {row + 1}", field="row"
        )
    n_out = output_size(hyperparams, train)
    sizes = (train.n_features, *hyperparams.hidden, n_out)
    if network.layer_sizes != sizes:
        raise TuiNNError(
            f"the model's layers {network.layer_sizes} do not fit these settings and data "
            f"{sizes}; reset to build a new one",
            field="hidden",
        )
    rows = train.n_rows
    batch = min(hyperparams.batch_size or rows, rows)
    if batch * network.params.size > MAX_INSPECTION_WORK:
        raise TuiNNError(
            f"a step over {batch:,} rows of a {network.params.size:,}-parameter network is too "
            "big to take apart here; try fewer rows or a smaller batch size",
            field="row",
        )
    dtype = network.dtype
    lr = hyperparams.lr if lr is None else lr
    x = np.ascontiguousarray(train.features, dtype=dtype)
    y = train.targets(n_out, dtype)
    tutorial = hyperparams.training_recipe.tutorial_rule
    if batch < rows:
        order = np.arange(rows)
        np.random.default_rng((hyperparams.seed, epoch)).shuffle(order)
        batch_rows = order[:batch]
        row_batch = int(np.flatnonzero(order == row)[0]) // batch + 1
        x_batch = np.take(x, batch_rows, axis=0)
        y_batch = np.take(y, batch_rows, axis=0)
    else:
        batch_rows = np.arange(rows)
        row_batch = 1
        x_batch, y_batch = x, y
    kernel = fast_path and tutorial_kernel.applies(
        tutorial,
        hyperparams.hidden,
        hyperparams.output_activation,
        n_out,
        (rows, train.n_features),
        hyperparams.dtype,
    )
    if kernel:
        step = _kernel_pass(network, x, y, lr)
    elif tutorial:
        step = _tutorial_pass(network, x, y, lr)
    else:
        optimizer = _optimizer(hyperparams, network, lr, epoch, optimizer_moments, optimizer_steps)
        step = _textbook_pass(hyperparams, network, x_batch, y_batch, optimizer)
    position = np.flatnonzero(batch_rows == row)
    layers = _layer_steps(hyperparams, network, step, x[row], position, n_out)
    return StepInspection(
        recipe=hyperparams.recipe,
        optimizer=hyperparams.optimizer,
        loss=hyperparams.training_recipe.loss_name(hyperparams.loss),
        lr=lr,
        epoch=epoch + 1,
        row=row,
        features=x[row].copy(),
        target=y[row].copy(),
        output=layers[-1].a,
        layers=layers,
        batch_rows=tuple(int(r) for r in batch_rows),
        n_batches=math.ceil(rows / batch),
        row_batch=row_batch,
        batch_loss=step.loss,
        new_params=step.new_params,
        bias_row_by_row=tutorial,
    )


def inspect_trainer(trainer: Trainer, row: int) -> StepInspection:
    """``inspect_step`` for what ``trainer.step()`` will do next (the trainer is not changed)."""
    state = trainer.export_state()
    return inspect_step(
        trainer.hyperparams,
        trainer.network,
        trainer.train,
        row,
        epoch=state.epoch,
        lr=state.lr,
        optimizer_moments=state.moments,
        optimizer_steps=state.optimizer_steps,
        fast_path=trainer.on_fast_path,
    )


def inspect_grid_row(
    trainer: Trainer, test_mask: npt.NDArray[np.bool_], grid_row: int
) -> StepInspection:
    """``inspect_trainer`` for a row of the full table (as the grid numbers them from 0).

    Raises:
        TuiNNError: ``field="row"`` for a held-out test row (it takes no part in training) or
            a row past the end of the data the trainer has.
    """
    if 0 <= grid_row < len(test_mask) and test_mask[grid_row]:
        raise TuiNNError(
            f"row {grid_row + 1} is a test row: it is held out and takes no part in training; "
            "pick a training row",
            field="row",
        )
    row = training_row(test_mask, grid_row)
    if row is None or row >= trainer.train.n_rows:
        raise TuiNNError(
            f"row {grid_row + 1} is not in the data the model trains on; Train or Reset first",
            field="row",
        )
    return inspect_trainer(trainer, row)


def _optimizer(
    hyperparams: Hyperparams,
    network: Network,
    lr: float,
    epoch: int,
    moments: Mapping[str, npt.ArrayLike] | None,
    steps: int,
) -> Optimizer:
    """A fresh optimiser of the trainer's kind, carrying the trainer's running state."""
    optimizer = OPTIMIZERS[hyperparams.optimizer](network.params.size, lr, network.dtype)
    live = optimizer.moments()
    if moments is None:
        if live and epoch:
            raise TuiNNError(
                f"the {hyperparams.optimizer} optimiser's running state is needed to show "
                "its next step",
                field="optimizer",
            )
        return optimizer
    if set(moments) != set(live):
        raise TuiNNError(
            f"{hyperparams.optimizer} keeps the state {', '.join(sorted(live)) or 'nothing'}, "
            f"got {', '.join(sorted(moments)) or 'nothing'}",
            field="optimizer",
        )
    for name, array in live.items():
        np.copyto(array, np.asarray(moments[name]).reshape(array.shape))
    optimizer.steps = steps
    return optimizer


def _forward(network: Network, x: FloatArray) -> tuple[list[FloatArray], list[FloatArray]]:
    """Weighted sums and activations per layer, computed as ``Trainer`` computes them."""
    zs: list[FloatArray] = []
    activations: list[FloatArray] = []
    a = x
    for weight, bias, name in zip(
        network.weights, network.biases, network.activations, strict=True
    ):
        out = np.empty((x.shape[0], weight.shape[1]), dtype=network.dtype)
        np.dot(a, weight, out=out)
        out += bias
        zs.append(out.copy())
        a = ACTIVATIONS[name](out, out)
        activations.append(a)
    return zs, activations


def _tutorial_pass(network: Network, x: FloatArray, y: FloatArray, lr: float) -> _Pass:
    """The tutorial recipe on NumPy arrays, call for call as ``Trainer._tutorial_epoch``."""
    net = network.copy()
    zs, activations = _forward(net, x)
    grad = np.zeros_like(net.params)
    grads = Network(net.layer_sizes, net.activations, grad)
    layers = len(net.weights)
    upstream: list[FloatArray] = [np.empty(0)] * layers
    derivatives: list[FloatArray] = [np.empty(0)] * layers
    deltas: list[FloatArray] = [np.empty(0)] * layers
    error = activations[-1] - y
    flat = error.reshape(-1)
    loss = float(np.dot(flat, flat)) / flat.size
    below_delta = error
    for layer in range(layers - 1, -1, -1):
        delta = below_delta
        upstream[layer] = delta.copy()
        derivative = DERIVATIVES[net.activations[layer]](
            activations[layer], np.empty_like(activations[layer])
        )
        derivatives[layer] = derivative
        delta *= derivative
        deltas[layer] = delta
        below = x if layer == 0 else activations[layer - 1]
        np.dot(below.T, delta, out=grads.weights[layer])
        if layer:
            below_delta = np.empty_like(activations[layer - 1])
            np.dot(delta, net.weights[layer].T, out=below_delta)
    weight_gradient = [g.copy() for g in grads.weights]
    bias_gradient = [np.add.reduce(d, axis=0) for d in deltas]
    weight_grad = grad[: net.n_weights]
    weight_grad *= lr
    net.params[: net.n_weights] -= weight_grad
    for bias, layer_delta in zip(net.biases, deltas, strict=True):
        # Bias row by row, as the trainer does it: a subtract-reduce runs down the rows in order.
        steps = np.empty((layer_delta.shape[0] + 1, layer_delta.shape[1]), dtype=net.dtype)
        steps[0] = bias
        np.multiply(layer_delta, lr, out=steps[1:])
        np.subtract.reduce(steps, axis=0, out=bias)
    return _Pass(
        [x, *activations[:-1]],
        zs,
        activations,
        upstream,
        derivatives,
        deltas,
        weight_gradient,
        bias_gradient,
        loss,
        net.params,
    )


def _kernel_pass(network: Network, x: FloatArray, y: FloatArray, lr: float) -> _Pass:
    """The tutorial's single sigmoid neuron in Python floats, step for step as the kernel."""
    weights = network.params.tolist()
    bias = weights.pop()
    zs: list[float] = []
    outputs: list[float] = []
    errors: list[float] = []
    derivatives: list[float] = []
    deltas: list[float] = []
    for features, target in zip(x.tolist(), y[:, 0].tolist(), strict=True):
        z = sum(map(mul, features, weights)) + bias
        exponent = min(-z, _EXP_LIMIT)
        a = 1.0 / (1.0 + math.exp(exponent))
        error = a - target
        s = 1.0 / (1.0 + math.exp(-a))
        derivative = s * (1.0 - s)
        zs.append(z)
        outputs.append(a)
        errors.append(error)
        derivatives.append(derivative)
        deltas.append(error * derivative)
    sums = [sum(map(mul, column, deltas)) for column in x.T.tolist()]
    updated = [weight - lr * total for weight, total in zip(weights, sums, strict=True)]
    for delta in deltas:
        bias = bias - lr * delta
    updated.append(bias)
    loss = sum(error * error for error in errors) / len(errors)

    def column(values: list[float]) -> FloatArray:
        return np.array(values, dtype=np.float64).reshape(-1, 1)

    return _Pass(
        [x],
        [column(zs)],
        [column(outputs)],
        [column(errors)],
        [column(derivatives)],
        [column(deltas)],
        [np.array(sums, dtype=np.float64).reshape(-1, 1)],
        [np.array([sum(deltas)])],
        loss,
        np.array(updated, dtype=np.float64),
    )


def _textbook_pass(
    hyperparams: Hyperparams,
    network: Network,
    x: FloatArray,
    y: FloatArray,
    optimizer: Optimizer,
) -> _Pass:
    """One textbook batch, call for call as ``Trainer._textbook_batch``."""
    net = network.copy()
    zs, activations = _forward(net, x)
    out = activations[-1]
    loss_fn = LOSSES[hyperparams.loss]
    loss = loss_fn.value(out, y)
    grad = np.zeros_like(net.params)
    grads = Network(net.layer_sizes, net.activations, grad)
    layers = len(net.weights)
    upstream: list[FloatArray] = [np.empty(0)] * layers
    derivatives: list[FloatArray] = [np.empty(0)] * layers
    deltas: list[FloatArray] = [np.empty(0)] * layers
    last = layers - 1
    delta = np.empty_like(out)
    folded = OUTPUT_DELTAS.get((hyperparams.loss, hyperparams.output_activation))
    if folded is not None:
        folded(out, y, delta)
        upstream[last] = delta.copy()
        derivatives[last] = np.ones_like(out)
    else:
        loss_fn.gradient(out, y, delta)
        upstream[last] = delta.copy()
        derivative = OUTPUT_DERIVATIVES[net.activations[last]](out, np.empty_like(out))
        derivatives[last] = derivative
        delta *= derivative
    ones = np.ones(x.shape[0], dtype=net.dtype)
    for layer in range(last, -1, -1):
        deltas[layer] = delta
        below = x if layer == 0 else activations[layer - 1]
        np.dot(below.T, delta, out=grads.weights[layer])
        np.dot(ones, delta, out=grads.biases[layer])
        if layer:
            lower = np.empty_like(below)
            np.dot(delta, net.weights[layer].T, out=lower)
            upstream[layer - 1] = lower.copy()
            derivative = OUTPUT_DERIVATIVES[net.activations[layer - 1]](below, np.empty_like(below))
            derivatives[layer - 1] = derivative
            lower *= derivative
            delta = lower
    if hyperparams.l2 or hyperparams.l1:
        weights = net.params[: net.n_weights]
        weight_grad = grad[: net.n_weights]
        if hyperparams.l2:
            weight_grad += hyperparams.l2 * weights
        if hyperparams.l1:
            weight_grad += hyperparams.l1 * np.sign(weights)
    optimizer.step(net.params, grad)
    return _Pass(
        [x, *activations[:-1]],
        zs,
        activations,
        upstream,
        derivatives,
        deltas,
        [g.copy() for g in grads.weights],
        [g.copy() for g in grads.biases],
        loss,
        net.params,
    )


def _upstream_formula(hyperparams: Hyperparams, layer: int, layers: int, batch: int) -> str:
    if layer < layers:
        return f"δ·Wᵀ of layer {layer + 1}"
    if hyperparams.training_recipe.tutorial_rule:
        return "a − y"
    if (hyperparams.loss, hyperparams.output_activation) in OUTPUT_DELTAS:
        return f"(a − y) / {batch}"
    return f"2(a − y) / {batch}"


def _layer_steps(
    hyperparams: Hyperparams,
    network: Network,
    step: _Pass,
    features: FloatArray,
    position: npt.NDArray[np.intp],
    n_out: int,
) -> tuple[LayerStep, ...]:
    """The chosen row's numbers per layer; a row outside the batch is run forward on its own."""
    in_batch = bool(position.size)
    if in_batch:
        at = int(position[0])
        pick = [(z[at], a[at]) for z, a in zip(step.z, step.a, strict=True)]
        inputs = [values[at] for values in step.inputs]
    else:
        zs, activations = _forward(network, features.reshape(1, -1))
        pick = [(z[0], a[0]) for z, a in zip(zs, activations, strict=True)]
        inputs = [features, *(a[0] for a in activations[:-1])]
    layers = len(network.weights)
    new = Network(network.layer_sizes, network.activations, step.new_params)
    batch = len(step.z[0]) * (n_out if hyperparams.loss != "ce" else 1)
    steps = []
    for index in range(layers):
        z, a = pick[index]
        name = network.activations[index]
        last = index == layers - 1
        folded = last and (hyperparams.loss, hyperparams.output_activation) in OUTPUT_DELTAS
        textbook = (
            np.ones_like(a)
            if folded or name == "softmax"
            else OUTPUT_DERIVATIVES[name](a, np.empty_like(a))
        )
        used_formula, textbook_formula = derivative_formulas(
            hyperparams.training_recipe.tutorial_rule, name
        )
        if folded:
            used_formula = textbook_formula = "folded into the loss: δ = (a − y) / N"
        if in_batch:
            upstream = step.upstream[index][at]
            derivative = step.derivative[index][at]
            delta = step.delta[index][at]
        else:
            upstream = np.full_like(a, np.nan)
            derivative = np.full_like(a, np.nan)
            delta = np.zeros_like(a)
        steps.append(
            LayerStep(
                layer=index + 1,
                activation=name,
                inputs=np.array(inputs[index], copy=True),
                weights=network.weights[index].copy(),
                bias=network.biases[index].copy(),
                z=np.array(z, copy=True),
                a=np.array(a, copy=True),
                upstream=np.array(upstream, copy=True),
                upstream_formula=_upstream_formula(hyperparams, index + 1, layers, batch),
                derivative=np.array(derivative, copy=True),
                derivative_formula=used_formula,
                textbook_derivative=textbook,
                textbook_formula=textbook_formula,
                delta=np.array(delta, copy=True),
                in_batch=in_batch,
                weight_contribution=np.outer(inputs[index], delta),
                bias_contribution=np.array(delta, copy=True),
                weight_gradient=step.weight_gradient[index],
                bias_gradient=step.bias_gradient[index],
                new_weights=new.weights[index].copy(),
                new_bias=new.biases[index].copy(),
            )
        )
    return tuple(steps)
