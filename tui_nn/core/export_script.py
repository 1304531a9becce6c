"""Export a run as one standalone NumPy script, in the seed tutorial's plain style.

The script holds the data (inline, or a CSV beside it past ``MAX_INLINE_ROWS`` rows), the
network and its initial weights (the seed's draws, reproduced), the chosen recipe's forward and
backward passes, the optimiser, the loop and the predictions, commented step by step, and
writes only what the run used (one activation, one loss, one optimiser).

Bit for bit: every line performs the NumPy operations of ``Trainer``'s NumPy path in the same
order (``np.dot`` for the weighted sums and the bias gradients, ``a @ w`` when predicting, the
same clipping, the same Adam folding, the same ``default_rng((seed, epoch))`` shuffle), so a
float64 script prints the workbench's numbers exactly. The only exception is the tutorial's
single neuron, which the workbench trains with a pure-Python kernel whose *shown* sums may
differ from NumPy's in the last bit on some CPUs (the weights do not): the script matches the
NumPy path, ``Trainer(..., fast_path=False)``.
"""

from __future__ import annotations

import os
import textwrap

from tui_nn import __version__
from tui_nn.core.data_rules import layer_activations, layer_sizes
from tui_nn.core.errors import TuiNNError
from tui_nn.core.export_run import (
    CSV_SUFFIX,
    ExportRun,
    companion_path,
    data_section,
    python_list,
    standardise_section,
)
from tui_nn.core.files import save_bytes
from tui_nn.core.network import Network

__all__ = ["numpy_script", "write_numpy_script"]

SHOWN_ROWS = 20
"""Predictions printed when there are too many training rows to print them all."""

_EXP_LIMITS = {"float64": "708.0", "float32": "88.0"}

_ACTIVATION_CODE = {
    "sigmoid": """
        def sigmoid(x):
            # 1 / (1 + e^-x). The exponent is capped at {limit} so exp never overflows; below
            # the cap nothing changes, and past it the result is already 0 to the last digit.
            return 1.0 / (1.0 + np.exp(np.minimum(-x, {limit})))
        """,
    "tanh": """
        def tanh(x):
            return np.tanh(x)
        """,
    "relu": """
        def relu(x):
            # max(0, x)
            return np.maximum(x, 0.0)
        """,
    "linear": """
        def linear(x):
            # The identity: the unit passes its weighted sum through.
            return x
        """,
    "softmax": """
        def softmax(x):
            # Row by row: e^x / sum(e^x). Subtracting each row's largest value first keeps exp
            # from overflowing and changes nothing else.
            e = np.exp(x - x.max(axis=1, keepdims=True))
            # Each row's sum as a matrix-vector product: the workbench adds in the same order,
            # so the last bit agrees too.
            return e / np.dot(e, np.ones(e.shape[1], dtype=e.dtype))[:, np.newaxis]
        """,
}

# The textbook's derivatives, written through the activation's output a = f(x).
_OUTPUT_DERIVATIVE_CODE = {
    "sigmoid": """
        def sigmoid_derivative(a):
            # sigmoid'(x) through the output a = sigmoid(x): a (1 - a)
            return a * (1.0 - a)
        """,
    "tanh": """
        def tanh_derivative(a):
            # tanh'(x) through the output a = tanh(x): 1 - a^2
            return 1.0 - a * a
        """,
    "relu": """
        def relu_derivative(a):
            # 1 where the unit was active, else 0
            return (a > 0).astype(a.dtype)
        """,
    "linear": """
        def linear_derivative(a):
            return np.ones_like(a)
        """,
}

# The tutorial's derivatives, written for the weighted sum x (and then handed the output).
_TUTORIAL_DERIVATIVE_CODE = {
    "sigmoid": """
        def sigmoid_derivative(x):
            return sigmoid(x) * (1 - sigmoid(x))
        """,
    "tanh": """
        def tanh_derivative(x):
            return 1.0 - np.tanh(x) * np.tanh(x)
        """,
    "relu": """
        def relu_derivative(x):
            return (x > 0).astype(x.dtype)
        """,
    "linear": """
        def linear_derivative(x):
            return np.ones_like(x)
        """,
}

_LOSS_CODE = {
    "mse": """
        def mse(a, y):
            # Mean squared error over every row and output.
            diff = (a - y).ravel()
            return float(np.dot(diff, diff)) / diff.size
        """,
    "bce": """
        EPS = float(np.finfo(DTYPE).eps)


        def clipped(a):
            # Keep a inside [eps, 1 - eps] so log never sees 0: a confident wrong answer costs
            # a large loss, not an infinite one.
            return np.minimum(np.maximum(a, EPS), 1.0 - EPS)


        def bce(a, y):
            # Binary cross-entropy, mean over every row and output.
            p = clipped(a)
            return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))
        """,
    "ce": """
        EPS = float(np.finfo(DTYPE).eps)


        def clipped(a):
            # Keep a inside [eps, 1 - eps] so log never sees 0.
            return np.minimum(np.maximum(a, EPS), 1.0 - EPS)


        def ce(a, y):
            # Categorical cross-entropy: -sum(y log a) over the classes, mean over the rows.
            return -float(np.vdot(y, np.log(clipped(a)))) / y.shape[0]
        """,
}

# The gradient at the output layer's weighted sum, by (loss, output activation).
_OUTPUT_DELTA_CODE = {
    "bce": """
        # bce after a sigmoid: the chain rule collapses to (a - y) / N at the weighted sum.
        delta = (a - targets) * (1.0 / targets.size)
        """,
    "ce": """
        # ce after a softmax: the chain rule collapses to (a - y) / rows at the weighted sum.
        delta = (a - targets) * (1.0 / targets.shape[0])
        """,
    "mse": """
        # d mse / da = 2 (a - y) / N, then back through the output activation.
        delta = (a - targets) * (2.0 / targets.size)
        delta = delta * {output}_derivative(a)
        """,
}

_OPTIMIZER_CODE = {
    "gd": """
        # Step #: Optimizer: plain gradient descent, p = p - lr * gradient.
        def update(weight_grads, bias_grads):
            for p, g in zip(weights + biases, weight_grads + bias_grads):
                p -= g * LR
        """,
    "momentum": """
        # Step #: Optimizer: heavy-ball momentum. v = mu v - lr g; p = p + v.
        MU = 0.9
        velocities = [np.zeros_like(p) for p in weights + biases]


        def update(weight_grads, bias_grads):
            for p, g, v in zip(weights + biases, weight_grads + bias_grads, velocities):
                v *= MU
                v -= g * LR
                p += v
        """,
    "adam": """
        # Step #: Optimizer: Adam (Kingma & Ba), with bias correction.
        BETA1 = 0.9
        BETA2 = 0.999
        EPSILON = 1e-8
        moments = [np.zeros_like(p) for p in weights + biases]  # running mean of g
        squares = [np.zeros_like(p) for p in weights + biases]  # running mean of g^2
        steps = 0.0


        def update(weight_grads, bias_grads):
            global steps
            steps += 1.0
            # Both bias corrections folded into the step size and epsilon (the same update as
            # lr * m_hat / (sqrt(v_hat) + eps), in one pass fewer).
            correction = math.sqrt(1.0 - BETA2**steps)
            step = LR * correction / (1.0 - BETA1**steps)
            grads = weight_grads + bias_grads
            for p, g, m, v in zip(weights + biases, grads, moments, squares):
                m *= BETA1
                m += g * (1.0 - BETA1)
                v *= BETA2
                v += g * g * (1.0 - BETA2)
                p -= m / (np.sqrt(v) + EPSILON * correction) * step
        """,
}


def _block(code: str, **values: str) -> str:
    text = textwrap.dedent(code).strip("\n")
    return (text.format(**values) if values else text) + "\n"


def write_numpy_script(run: ExportRun, path: str | os.PathLike[str]) -> list[str]:
    """Write the script (and its CSV, for more than ``MAX_INLINE_ROWS`` rows), atomically.

    Returns:
        The paths written, the CSV first.

    Raises:
        TuiNNError: ``field="path"`` when a file cannot be written.
    """
    if not os.fspath(path).endswith(".py"):
        raise TuiNNError(f"a script is exported as .py, got {os.fspath(path)!r}", field="path")
    text, csv_text = numpy_script(run, path)
    written = []
    if csv_text is not None:
        csv_path = companion_path(path, CSV_SUFFIX)
        save_bytes(csv_path, csv_text.encode("utf-8"), field="path")
        written.append(os.fspath(csv_path))
    save_bytes(path, text.encode("utf-8"), field="path")
    written.append(os.fspath(path))
    return written


def numpy_script(run: ExportRun, path: str | os.PathLike[str] = "run.py") -> tuple[str, str | None]:
    """The script's text, and the CSV's text when the data does not go inline.

    Args:
        run: What to export.
        path: Where the script will live (names the CSV beside it).
    """
    hp = run.hyperparams
    sizes = layer_sizes(hp, run.train)
    n_out = sizes[-1]
    names = layer_activations(hp)
    data = data_section(run, path)
    tutorial = hp.training_recipe.tutorial_rule
    parts = [
        _docstring(run, sizes, names, os.path.basename(os.fspath(path))),
        _imports(hp.optimizer == "adam", data.csv_text is not None),
        "\n# Step #: Variables: the data.\n",
        data.code,
        standardise_section(run, prefix="\n"),
        _hyperparams_section(run),
        _targets_section(run, n_out),
        _activations_section(run, names),
        _network_section(run, sizes, names),
        _forward_section(),
    ]
    if tutorial:
        parts.append(_tutorial_training(run, names))
    else:
        parts += [
            _loss_section(run),
            _backward_section(run, names),
            "\n\n" + _block(_OPTIMIZER_CODE[hp.optimizer]),
            _carried_state(run),
            _textbook_training(run),
        ]
    parts.append(_predictions_section(run, n_out))
    return _number_steps("".join(parts)), data.csv_text


def _number_steps(text: str) -> str:
    """Number the ``# Step #:`` headings in order (sections come and go with the recipe)."""
    pieces = text.split("# Step #:")
    return pieces[0] + "".join(
        f"# Step {number}:{piece}" for number, piece in enumerate(pieces[1:])
    )


def _docstring(
    run: ExportRun, sizes: tuple[int, ...], names: tuple[str, ...], filename: str
) -> str:
    hp = run.hyperparams
    layers = "-".join(str(n) for n in sizes)
    hidden = f"{hp.activation} hidden layers, " if hp.hidden else ""
    shown = (
        "the error sum (as the tutorial prints it) and the mean squared error"
        if hp.training_recipe.tutorial_rule
        else f"the {hp.loss} loss"
    )
    settings = [f"optimizer {hp.optimizer}", f"learning rate {hp.lr!r}", f"init {hp.init}"]
    if not hp.training_recipe.tutorial_rule:
        settings.append(f"batch size {hp.batch_size or 'full'}")
        if hp.l2:
            settings.append(f"L2 {hp.l2!r}")
        if hp.l1:
            settings.append(f"L1 {hp.l1!r}")
    start = (
        f"It trains on from epoch {run.start_epoch} of a saved session, from the weights saved "
        "then, to epoch "
        if run.start is not None
        else "It trains from the seed's initial weights to epoch "
    )
    text = (
        f"A neural network in plain NumPy, exported by tui-nn {__version__}.\n\n"
        f"Layers {layers} ({hidden}{names[-1]} output), {hp.dtype}, seed {hp.seed}, "
        f"{', '.join(settings)}; data {run.source or 'custom'!r}: {run.train.n_rows} training "
        f"rows{f', {run.test.n_rows} test rows' if run.test.n_rows else ''}"
        f"{', standardised' if run.standardizer is not None else ''}.\n"
        f"Recipe {hp.recipe}: {hp.training_recipe.description}.\n\n"
        f"{start}{run.start_epoch + run.epochs}, and prints {shown} of every epoch, then the "
        "trained network's predictions: the numbers the workbench showed, to the last bit "
        f"in float64.\n\nRun it with `python {filename}`; it needs only NumPy."
    )
    wrapped = "\n\n".join(
        textwrap.fill(paragraph, width=92, break_on_hyphens=False)
        for paragraph in text.split("\n\n")
    )
    return f'"""{wrapped}\n"""\n\n'


def _imports(adam: bool, csv: bool) -> str:
    lines = ["# Step #: Libraries."]
    if adam:
        lines.append("import math")
    if csv:
        lines.append("import os")
    if adam or csv:
        lines.append("")
    lines.append("import numpy as np")
    return "\n".join(lines) + "\n"


def _hyperparams_section(run: ExportRun) -> str:
    hp = run.hyperparams
    lines = [
        "",
        "# Step #: Hyper-parameters.",
        f"SEED = {hp.seed}  # seeds the initial weights"
        + (" and the order of the rows in each epoch" if _batched(run) else ""),
        f"LR = {hp.lr!r}  # learning rate",
        f"START_EPOCH = {run.start_epoch}",
        f"EPOCHS = {run.epochs}",
    ]
    if _batched(run):
        lines.append(f"BATCH_SIZE = {hp.batch_size}  # rows per update")
    if hp.l2:
        lines.append(f"L2 = {hp.l2!r}  # L2 penalty on the weights (not the biases)")
    if hp.l1:
        lines.append(f"L1 = {hp.l1!r}  # L1 penalty on the weights (not the biases)")
    lines += [
        f"DTYPE = np.{hp.dtype}",
        "PRINT_EVERY = 1  # print every epoch's numbers; 100 prints every 100th",
    ]
    return "\n".join(lines) + "\n"


def _batched(run: ExportRun) -> bool:
    hp = run.hyperparams
    return 0 < hp.batch_size < run.train.n_rows


def _targets_section(run: ExportRun, n_out: int) -> str:
    if n_out == 1:
        targets = "labels.reshape(-1, 1).astype(DTYPE)"
        comment = "# One output unit: the target is the class, 0 or 1, as a column."
    else:
        targets = f"np.eye({n_out}, dtype=DTYPE)[labels]"
        comment = "# One output unit per class: the target is a one-hot row."
    lines = ["", "inputs = training_set.astype(DTYPE)", comment, f"targets = {targets}"]
    if run.test.n_rows:
        lines += [
            "test_inputs = test_set.astype(DTYPE)",
            f"test_targets = {targets.replace('labels', 'test_labels')}",
        ]
    return "\n".join(lines) + "\n"


def _activations_section(run: ExportRun, names: tuple[str, ...]) -> str:
    hp = run.hyperparams
    limit = _EXP_LIMITS[hp.dtype]
    used = list(dict.fromkeys(names))
    # The tutorial's sigmoid_derivative calls sigmoid, whichever activation the layers use.
    if hp.training_recipe.tutorial_rule and "sigmoid" not in used:
        used.insert(0, "sigmoid")
    blocks = [_block(_ACTIVATION_CODE[name], limit=limit) for name in used]
    if hp.training_recipe.tutorial_rule:
        derivatives = list(dict.fromkeys(names))
        blocks += [_block(_TUTORIAL_DERIVATIVE_CODE[name]) for name in derivatives]
    else:
        needed = [hp.activation] if hp.hidden else []
        if hp.loss == "mse":
            needed.append(hp.output_activation)
        blocks += [_block(_OUTPUT_DERIVATIVE_CODE[name]) for name in dict.fromkeys(needed)]
    return "\n\n# Step #: Activation functions and their derivatives.\n" + "\n\n".join(blocks)


def _network_section(run: ExportRun, sizes: tuple[int, ...], names: tuple[str, ...]) -> str:
    hp = run.hyperparams
    lines = [
        "",
        "",
        "# Step #: The network: the size of each layer, inputs first, and each layer's activation.",
        f"sizes = {list(sizes)!r}",
        f"activations = [{', '.join(names)}]",
    ]
    if run.start is not None:
        lines += _saved_weights(run, run.start)
    elif hp.init == "uniform":
        lines += [
            "# The tutorial's initialisation: NumPy's legacy seed, then uniform draws in [0, 1).",
            "np.random.seed(SEED)",
            "weights = []  # per layer, (inputs, outputs)",
            "biases = []",
            "for n_in, n_out in zip(sizes[:-1], sizes[1:]):",
            "    weights.append(np.random.rand(n_in, n_out).astype(DTYPE))",
            "    biases.append(np.random.rand(n_out).astype(DTYPE))",
        ]
    else:
        draw = (
            [
                "    # Glorot (Xavier) uniform: U(-l, l) with l = sqrt(6 / (n_in + n_out)).",
                "    limit = np.sqrt(6.0 / (n_in + n_out))",
                "    w = rng.uniform(-limit, limit, size=(n_in, n_out))",
            ]
            if hp.init == "xavier"
            else [
                "    # He normal: N(0, 2 / n_in), suited to relu.",
                "    w = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))",
            ]
        )
        lines += [
            "rng = np.random.default_rng(SEED)",
            "weights = []  # per layer, (inputs, outputs)",
            "biases = []",
            "for n_in, n_out in zip(sizes[:-1], sizes[1:]):",
            *draw,
            "    weights.append(w.astype(DTYPE))",
            "    biases.append(np.zeros(n_out, dtype=DTYPE))",
        ]
    return "\n".join(lines) + "\n"


def _saved_weights(run: ExportRun, network: Network) -> list[str]:
    lines = [
        f"# The run trained on from a saved session at epoch {run.start_epoch}: it starts from",
        "# the weights saved then (the seed's initial weights were drawn before that).",
    ]
    if run.hyperparams.optimizer != "gd" and not _carried_moments(run):
        lines += [
            f"# The optimizer's memory ({run.hyperparams.optimizer}) starts from zero, as the",
            "# run's did.",
        ]
    weights = ",\n".join(
        "    np.array(\n        [\n"
        + "".join(f"            {python_list(row)},\n" for row in w.tolist())
        + "        ],\n        dtype=DTYPE,\n    )"
        for w in network.weights
    )
    biases = ",\n".join(
        f"    np.array({python_list(b.tolist())}, dtype=DTYPE)" for b in network.biases
    )
    return [*lines, f"weights = [\n{weights},\n]", f"biases = [\n{biases},\n]"]


_STATE_NAMES = {"velocity": "velocities", "m": "moments", "v": "squares"}


def _carried_moments(run: ExportRun) -> bool:
    """Whether the run carried on with optimiser state the script must start from."""
    return run.start is not None and any(name in run.start_moments for name in _STATE_NAMES)


def _carried_state(run: ExportRun) -> str:
    if not _carried_moments(run):
        return ""
    lines = [
        "",
        "",
        f"# The optimizer's memory when the session was saved at epoch {run.start_epoch}: the run",
        "# carried on with it, so the script does too.",
        "def unflatten(flat):",
        '    """tui-nn\'s flat layout (each weight, then each bias) as weights + biases."""',
        "    pieces = []",
        "    at = 0",
        "    for p in weights + biases:",
        "        pieces.append(flat[at : at + p.size].reshape(p.shape).copy())",
        "        at += p.size",
        "    return pieces",
        "",
        "",
    ]
    for name, variable in _STATE_NAMES.items():
        if name in run.start_moments:
            values = python_list(run.start_moments[name].tolist())
            lines.append(f"{variable} = unflatten(np.array({values}, dtype=DTYPE))")
    if run.hyperparams.optimizer == "adam":
        lines.append(f"steps = {float(run.start_steps)!r}")
    return "\n".join(lines) + "\n"


def _forward_section() -> str:
    return "\n\n" + _block(
        '''
        # Step #: Feed forward.
        def feed_forward(inputs):
            """Every layer's output, first layer first: activation(inputs . W + b)."""
            outputs = []
            for w, b, activation in zip(weights, biases, activations):
                inputs = activation(np.dot(inputs, w) + b)
                outputs.append(inputs)
            return outputs
        '''
    )


def _loss_section(run: ExportRun) -> str:
    return "\n\n# Step #: The loss.\n" + _block(_LOSS_CODE[run.hyperparams.loss])


def _backward_section(run: ExportRun, names: tuple[str, ...]) -> str:
    hp = run.hyperparams
    delta = textwrap.indent(
        _block(_OUTPUT_DELTA_CODE[hp.loss], output=hp.output_activation), "    "
    )
    lines = [
        "",
        "",
        "# Step #: Backward pass.",
        "def backward(inputs, outputs, targets):",
        '    """The loss\'s gradient for every weight and bias, from the output layer back."""',
        "    a = outputs[-1]",
        delta.rstrip("\n"),
        "    weight_grads = [None] * len(weights)",
        "    bias_grads = [None] * len(weights)",
        "    ones = np.ones(len(inputs), dtype=DTYPE)",
        "    for layer in range(len(weights) - 1, -1, -1):",
        "        below = inputs if layer == 0 else outputs[layer - 1]",
        "        weight_grads[layer] = np.dot(below.T, delta)",
        "        # A bias's gradient: its column of delta summed over the rows (ones . delta).",
        "        bias_grads[layer] = np.dot(ones, delta)",
    ]
    if hp.hidden:
        lines += [
            "        if layer > 0:",
            "            # Back through this layer's weights, then through the activation below.",
            "            delta = np.dot(delta, weights[layer].T)",
            f"            delta = delta * {hp.activation}_derivative(below)",
        ]
    if hp.l2 or hp.l1:
        lines.append("    for layer in range(len(weights)):")
        if hp.l2:
            lines.append("        weight_grads[layer] += L2 * weights[layer]  # d(L2/2 w^2)/dw")
        if hp.l1:
            lines.append(
                "        weight_grads[layer] += L1 * np.sign(weights[layer])  # d(L1 |w|)/dw"
            )
    lines.append("    return weight_grads, bias_grads")
    return "\n".join(lines) + "\n"


def _show_line(run: ExportRun, loss_name: str, value: str, extra: str = "") -> list[str]:
    lines = [
        "    if (epoch + 1) % PRINT_EVERY == 0 or epoch + 1 == START_EPOCH + EPOCHS:",
        f'        line = f"epoch {{epoch + 1}}: {loss_name} {{{value}}}{extra}"',
    ]
    if run.test.n_rows:
        loss = run.hyperparams.training_recipe.loss_name(run.hyperparams.loss)
        lines += [
            "        # The loss on the held-out rows, after this epoch's update.",
            f"        test_loss = {loss}(feed_forward(test_inputs)[-1], test_targets)",
            f'        line += f", test {loss} {{test_loss}}"',
        ]
    lines.append("        print(line)")
    return lines


def _divergence_check(value: str) -> list[str]:
    return [
        f"    if not np.isfinite({value}):",
        '        print(f"training diverged at epoch {epoch + 1}: lower the learning rate")',
        "        break",
    ]


def _tutorial_training(run: ExportRun, names: tuple[str, ...]) -> str:
    hp = run.hyperparams
    lines = (
        [
            "",
            "",
            "# The loss on held-out rows: mean squared error, as the workbench shows it.",
            _block(_LOSS_CODE["mse"]).rstrip("\n"),
        ]
        if run.test.n_rows
        else []
    )
    lines += [
        "",
        "",
        "# Step #: Training, the tutorial's way: the raw error (not averaged), the derivative",
        "# handed the layer's output, plain gradient descent, and the bias moved row by row.",
        "for epoch in range(START_EPOCH, START_EPOCH + EPOCHS):",
        "    outputs = feed_forward(inputs)",
        "    z = outputs[-1]",
        "    error = z - targets",
        "    error_sum = float(error.sum())  # what the tutorial prints",
        "    mse_now = float(np.dot(error.ravel(), error.ravel())) / error.size",
        *_divergence_check("mse_now"),
        "    # The tutorial's quirk: the derivative is written for the weighted sum x but handed",
        f"    # the output z, so this is {names[-1]}'({names[-1]}(x)), not {names[-1]}'(x).",
        f"    z_del = error * {names[-1]}_derivative(z)",
        "    deltas = [None] * len(weights)",
        "    weight_grads = [None] * len(weights)",
        "    for layer in range(len(weights) - 1, -1, -1):",
        "        below = inputs if layer == 0 else outputs[layer - 1]",
        "        deltas[layer] = z_del",
        "        weight_grads[layer] = np.dot(below.T, z_del)",
    ]
    if hp.hidden:
        lines += [
            "        if layer > 0:",
            "            # Back through the weights; the same quirk at every layer.",
            "            z_del = np.dot(z_del, weights[layer].T)",
            f"            z_del = z_del * {hp.activation}_derivative(below)",
        ]
    lines += [
        "    for layer in range(len(weights)):",
        "        weights[layer] = weights[layer] - LR * weight_grads[layer]",
        "        # The bias moves row by row, as the tutorial writes it.",
        "        for num in deltas[layer]:",
        "            biases[layer] = biases[layer] - LR * num",
        *_show_line(run, "error sum", "error_sum", ", mse {mse_now}"),
    ]
    return "\n".join(lines) + "\n"


def _textbook_training(run: ExportRun) -> str:
    hp = run.hyperparams
    loss = hp.loss
    lines = ["", "", "# Step #: Training."]
    if _batched(run):
        lines += [
            "rows = len(inputs)",
            "for epoch in range(START_EPOCH, START_EPOCH + EPOCHS):",
            "    # Shuffle the rows' order: the same order for the same seed and epoch.",
            "    order = np.arange(rows)",
            "    np.random.default_rng((SEED, epoch)).shuffle(order)",
            "    total = 0.0",
            "    for start in range(0, rows, BATCH_SIZE):",
            "        batch = order[start : start + BATCH_SIZE]",
            "        x = inputs[batch]",
            "        y = targets[batch]",
            "        outputs = feed_forward(x)",
            f"        total += {loss}(outputs[-1], y) * len(batch)  # measured before the update",
            "        update(*backward(x, outputs, y))",
            "    loss = total / rows  # the mean over the epoch's batches, weighted by their rows",
        ]
    else:
        lines += [
            "for epoch in range(START_EPOCH, START_EPOCH + EPOCHS):",
            "    outputs = feed_forward(inputs)",
            f"    loss = {loss}(outputs[-1], targets)  # measured before the update",
            *_divergence_check("loss"),
            "    update(*backward(inputs, outputs, targets))",
        ]
    if _batched(run):
        lines += _divergence_check("loss")
    lines += _show_line(run, loss, "loss")
    return "\n".join(lines) + "\n"


def _predictions_section(run: ExportRun, n_out: int) -> str:
    rows = run.train.n_rows
    shown = rows if rows <= 1000 else SHOWN_ROWS
    classify = (
        "(probabilities[:, 0] >= 0.5).astype(int)  # class 1 from 0.5 up"
        if n_out == 1
        else "probabilities.argmax(axis=1)  # the most likely class"
    )
    lines = [
        "",
        "",
        "# Step #: Predictions.",
        "def predict(rows):",
        '    """The trained network\'s output for some rows: activation(rows @ W + b), layer by',
        '    layer."""',
        "    for w, b, activation in zip(weights, biases, activations):",
        "        rows = activation(rows @ w + b)",
        "    return rows",
        "",
        "",
        "probabilities = predict(inputs)",
        f"classes = {classify}",
        f"SHOW_ROWS = {shown}",
        "for row in range(min(SHOW_ROWS, len(inputs))):",
        "    p = probabilities[row].tolist()",
        '    print(f"row {row + 1}: {p} -> {class_names[classes[row]]}")',
        "right = int((classes == labels).sum())",
        'print(f"accuracy: {right}/{len(labels)} training rows right")',
    ]
    if run.test.n_rows:
        test_classify = classify.split("  #")[0].replace("probabilities", "test_probabilities")
        lines += [
            "test_probabilities = predict(test_inputs)",
            f"right = int(({test_classify} == test_labels).sum())",
            'print(f"test accuracy: {right}/{len(test_labels)} test rows right")',
        ]
    if run.predict_rows:
        new_classes = classify.split("  #")[0].replace("probabilities", "new_probabilities")
        lines += [
            "",
            "# New rows, as given to the workbench to predict"
            + (": standardised like the training rows." if run.standardizer else "."),
            "new_rows = np.array(["
            + ", ".join(python_list(row) for row in run.predict_rows)
            + "], dtype=float)",
            "new_probabilities = predict("
            + ("((new_rows - mean) / std)" if run.standardizer is not None else "new_rows")
            + ".astype(DTYPE))",
            f"new_classes = {new_classes}",
            "for given, p, k in zip(new_rows.tolist(), new_probabilities.tolist(), new_classes):",
            '    print(f"predict {given}: {p} -> {class_names[k]}")',
        ]
    return "\n".join(lines) + "\n"
