"""Export a trained run for PyTorch: a script of ``torch.nn`` modules and an ``.npz`` of weights.

``model.py`` builds the same architecture as a ``torch.nn.Sequential`` of ``Linear`` layers
and activations, loads the trained weights from ``model_weights.npz`` beside it (tui-nn's own
model file, so ``tui-nn`` can read it too), prints its predictions on the training rows (the
workbench's, within float rounding), and trains on with the equivalent loss and optimiser on
the same data, in the same batch order. Writing it needs no torch; running it does.

The last ``Linear`` gives the output layer's weighted sums; the output activation is applied
apart from the modules, so the losses can take the numerically stable forms
(``BCEWithLogitsLoss``, ``CrossEntropyLoss``) that fold it in.
"""

from __future__ import annotations

import itertools
import os
import textwrap

from tui_nn import __version__
from tui_nn.core.data_rules import layer_sizes
from tui_nn.core.errors import TuiNNError
from tui_nn.core.export_run import (
    CSV_SUFFIX,
    ExportRun,
    companion_path,
    data_section,
    standardise_section,
)
from tui_nn.core.files import save_bytes
from tui_nn.core.model_io import export_model

__all__ = ["WEIGHTS_SUFFIX", "torch_script", "write_torch_export"]

WEIGHTS_SUFFIX = "_weights.npz"
"""The weights file beside the script: ``model.py`` -> ``model_weights.npz``."""

DEFAULT_EPOCHS = 100
"""Epochs the script trains on when not told otherwise on its command line."""

_MODULES = {
    "sigmoid": "torch.nn.Sigmoid()",
    "tanh": "torch.nn.Tanh()",
    "relu": "torch.nn.ReLU()",
}

_OUTPUTS = {
    "sigmoid": "torch.sigmoid(z)",
    "tanh": "torch.tanh(z)",
    "relu": "torch.relu(z)",
    "linear": "z",
    "softmax": "torch.softmax(z, dim=1)",
}

_OPTIMIZERS = {
    "gd": "torch.optim.SGD(groups, lr=LR)",
    "momentum": "torch.optim.SGD(groups, lr=LR, momentum=0.9)",
    "adam": "torch.optim.Adam(groups, lr=LR, betas=(0.9, 0.999), eps=1e-8)",
}


def write_torch_export(run: ExportRun, path: str | os.PathLike[str]) -> list[str]:
    """Write the weights, the data CSV if the rows do not fit inline, then the script.

    Returns:
        The paths written, the script last.

    Raises:
        TuiNNError: ``field="path"`` when a file cannot be written.
    """
    if not os.fspath(path).endswith(".py"):
        raise TuiNNError(
            f"a PyTorch script is exported as .py, got {os.fspath(path)!r}", field="path"
        )
    text, csv_text = torch_script(run, path)
    weights = companion_path(path, WEIGHTS_SUFFIX)
    export_model(
        run.trained,
        weights,
        run.train.class_names,
        run.train.feature_names,
        run.standardizer,
    )
    written = [os.fspath(weights)]
    if csv_text is not None:
        csv_path = companion_path(path, CSV_SUFFIX)
        save_bytes(csv_path, csv_text.encode("utf-8"), field="path")
        written.append(os.fspath(csv_path))
    save_bytes(path, text.encode("utf-8"), field="path")
    return [*written, os.fspath(path)]


def torch_script(
    run: ExportRun, path: str | os.PathLike[str] = "model.py"
) -> tuple[str, str | None]:
    """The script's text, and the data CSV's text when the rows do not go inline."""
    hp = run.hyperparams
    sizes = layer_sizes(hp, run.train)
    n_out = sizes[-1]
    data = data_section(run, path)
    weights_name = companion_path(path, WEIGHTS_SUFFIX).name
    batched = 0 < hp.batch_size < run.train.n_rows
    parts = [
        _docstring(run, sizes, os.path.basename(os.fspath(path)), weights_name),
        "# Step 0: Libraries.\nimport os\nimport sys\n\nimport numpy as np\nimport torch\n",
        "\n# Step 1: The data, as the workbench had it.\n",
        data.code,
        standardise_section(run, prefix="\n"),
        _settings(run, batched),
        _tensors(run, n_out),
        _model(run, sizes, weights_name),
        _predictions(n_out),
        _loss_and_optimizer(run),
        _training(run, batched),
    ]
    return "".join(parts), data.csv_text


def _docstring(run: ExportRun, sizes: tuple[int, ...], filename: str, weights: str) -> str:
    hp = run.hyperparams
    layers = "-".join(str(n) for n in sizes)
    hidden = f"{hp.activation} hidden layers, " if hp.hidden else ""
    text = (
        f"The tui-nn network as PyTorch modules, with its trained weights; exported by tui-nn "
        f"{__version__}.\n\n"
        f"Layers {layers} ({hidden}{hp.output_activation} output), {hp.dtype}, trained "
        f"{run.end_epoch} epochs by the {hp.recipe} recipe ({hp.optimizer}, learning rate "
        f"{hp.lr!r}) on {run.train.n_rows} rows of {run.source or 'custom'!r}. The weights are "
        f"in {weights} beside this file (tui-nn's model file: `tui-nn` can open it too).\n\n"
        f"Run it with `python {filename} [EPOCHS]` (it needs numpy and torch): it prints the "
        "network's predictions on the training rows (the workbench's, to float rounding), "
        f"trains EPOCHS more epochs (default {DEFAULT_EPOCHS}) with the same loss and "
        "optimizer on the same data, and predicts again."
    )
    wrapped = "\n\n".join(
        textwrap.fill(paragraph, width=92, break_on_hyphens=False)
        for paragraph in text.split("\n\n")
    )
    return f'"""{wrapped}\n"""\n\n'


def _settings(run: ExportRun, batched: bool) -> str:
    hp = run.hyperparams
    lines = [
        "",
        "# Step 2: Settings.",
        f"SEED = {hp.seed}  # orders the rows of each epoch, as in the workbench",
        f"LR = {hp.lr!r}  # learning rate",
        f"START_EPOCH = {run.end_epoch}  # epochs the weights have trained",
        f"EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else {DEFAULT_EPOCHS}",
    ]
    if batched:
        lines.append(f"BATCH_SIZE = {hp.batch_size}  # rows per update")
    if not hp.training_recipe.tutorial_rule:
        lines.append(f"L2 = {hp.l2!r}  # L2 penalty on the weights (not the biases)")
        if hp.l1:
            lines.append(f"L1 = {hp.l1!r}  # L1 penalty on the weights (not the biases)")
    lines.append(f"DTYPE = torch.{hp.dtype}")
    return "\n".join(lines) + "\n"


def _tensors(run: ExportRun, n_out: int) -> str:
    hp = run.hyperparams
    if hp.loss == "ce":
        targets = "torch.from_numpy(labels)  # class indices, as CrossEntropyLoss wants"
    elif n_out == 1:
        targets = "torch.from_numpy(labels.reshape(-1, 1)).to(DTYPE)  # 0 or 1, as a column"
    else:
        targets = f"torch.eye({n_out}, dtype=DTYPE)[torch.from_numpy(labels)]  # one-hot rows"
    return (
        "\ninputs = torch.from_numpy(training_set).to(DTYPE)\n"
        f"targets = {targets}\n"
        "rows = len(inputs)\n"
    )


def _model(run: ExportRun, sizes: tuple[int, ...], weights_name: str) -> str:
    hp = run.hyperparams
    modules = []
    for layer, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        modules.append(f"    torch.nn.Linear({n_in}, {n_out}),")
        if layer < len(sizes) - 2 and hp.activation in _MODULES:
            modules.append(f"    {_MODULES[hp.activation]},")
    body = "\n".join(modules)
    note = (
        "# Hidden layers are linear: no activation module between the Linear layers.\n"
        if hp.hidden and hp.activation == "linear"
        else ""
    )
    return f'''

# Step 3: The network: Linear layers and their activations. The last Linear gives the
# output layer's weighted sums z; the output activation comes after, in output().
{note}model = torch.nn.Sequential(
{body}
).to(DTYPE)
linears = [module for module in model if isinstance(module, torch.nn.Linear)]

# The trained weights. tui-nn keeps a layer's weights as (inputs, outputs), torch.nn.Linear
# as (outputs, inputs): hence the transpose.
here = os.path.dirname(os.path.abspath(__file__))
with np.load(os.path.join(here, "{weights_name}"), allow_pickle=False) as saved:
    with torch.no_grad():
        for number, linear in enumerate(linears, start=1):
            linear.weight.copy_(torch.from_numpy(saved[f"layer{{number}}_weights"].T))
            linear.bias.copy_(torch.from_numpy(saved[f"layer{{number}}_biases"]))


def output(z):
    """The output layer's activation ({hp.output_activation}) on its weighted sums."""
    return {_OUTPUTS[hp.output_activation]}
'''


def _predictions(n_out: int) -> str:
    classify = (
        "(p[:, 0] >= 0.5).long()  # class 1 from 0.5 up"
        if n_out == 1
        else "p.argmax(dim=1)  # the most likely class"
    )
    return f"""

# Step 4: Predictions.
def show_predictions(title, shown=20):
    with torch.no_grad():
        p = output(model(inputs))
    classes = {classify}
    print(title)
    for row in range(min(shown, rows)):
        print(f"row {{row + 1}}: {{p[row].tolist()}} -> {{class_names[classes[row]]}}")
    right = int((classes == torch.from_numpy(labels)).sum())
    print(f"accuracy: {{right}}/{{rows}} training rows right")


show_predictions("predictions of the trained weights:", shown=rows)
"""


def _loss_and_optimizer(run: ExportRun) -> str:
    hp = run.hyperparams
    if hp.training_recipe.tutorial_rule:
        loss = (
            "# The tutorial's update, sigma'(sigma(x)) times the raw error, is the gradient of no\n"
            "# loss, so autograd cannot take it: this trains on by the true gradient of the\n"
            "# tutorial's unaveraged squared error instead, with plain gradient descent.\n"
            "def loss_function(z, y):\n"
            "    return 0.5 * ((output(z) - y) ** 2).sum()\n"
        )
    elif hp.loss == "bce":
        loss = (
            "# bce on sigmoid(z), computed from z directly (stabler; the same mean over every\n"
            "# row and output as tui-nn's, which clips a to [eps, 1 - eps] instead).\n"
            "loss_function = torch.nn.BCEWithLogitsLoss()\n"
        )
    elif hp.loss == "ce":
        loss = (
            "# ce on softmax(z), computed from z directly: the mean over the rows.\n"
            "loss_function = torch.nn.CrossEntropyLoss()\n"
        )
    else:
        loss = (
            "# mse: the mean over every row and output of (a - y)^2.\n"
            "def loss_function(z, y):\n"
            "    return torch.nn.functional.mse_loss(output(z), y)\n"
        )
    decay = "0.0" if hp.training_recipe.tutorial_rule else "L2"
    optimizer = _OPTIMIZERS[hp.optimizer]
    state = (
        "# The optimizer's memory starts from zero: this export carries the weights only.\n"
        if hp.optimizer != "gd"
        else ""
    )
    return f"""

# Step 5: The loss and the optimizer.
{loss}
# The L2 penalty adds L2 * w to each weight's gradient, as torch's weight_decay does (for
# SGD, momentum and Adam alike); biases are not penalised.
weights = [linear.weight for linear in linears]
biases = [linear.bias for linear in linears]
groups = [{{"params": weights, "weight_decay": {decay}}}, {{"params": biases, "weight_decay": 0.0}}]
{state}optimizer = {optimizer}
"""


def _training(run: ExportRun, batched: bool) -> str:
    hp = run.hyperparams
    penalty = (
        "        # L1 adds L1 * sign(w) to each weight's gradient.\n"
        "        (loss + L1 * sum(w.abs().sum() for w in weights)).backward()\n"
        if hp.l1
        else "        loss.backward()\n"
    )
    if batched:
        batches = (
            "    # The workbench's order of the rows: the same for the same seed and epoch.\n"
            "    order = np.arange(rows)\n"
            "    np.random.default_rng((SEED, epoch)).shuffle(order)\n"
            "    starts = range(0, rows, BATCH_SIZE)\n"
            "    batches = [torch.from_numpy(order[s : s + BATCH_SIZE]) for s in starts]\n"
        )
    else:
        batches = "    batches = [torch.arange(rows)]  # the full batch\n"
    return f"""

# Step 6: Training on.
for epoch in range(START_EPOCH, START_EPOCH + EPOCHS):
{batches}    total = 0.0
    for batch in batches:
        optimizer.zero_grad()
        loss = loss_function(model(inputs[batch]), targets[batch])
        total += loss.item() * len(batch)
{penalty}        optimizer.step()
    print(f"epoch {{epoch + 1}}: loss {{total / rows}}")

if EPOCHS:
    show_predictions(f"predictions after {{EPOCHS}} more epochs:")
"""
