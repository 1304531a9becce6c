"""The rules data must follow, in one place: names, limits, shapes, and untrusted-input checks.

CSV import, grid edits (``table_edits``), sessions and model files all read their rules from
here, so a name or a size that one of them accepts is accepted by all of them: what imports
can be saved, and what saves can be loaded back.

* Names (columns, classes, the label column): 1 to ``MAX_NAME_LENGTH`` characters, on one
  line, without a NUL or spaces around them (a CSV reader strips those, so they could not
  come back).
* Sizes: at most ``MAX_ROWS`` rows, ``MAX_FEATURES`` feature columns, ``MAX_CLASSES`` classes;
  files at most ``MAX_CSV_BYTES`` (CSV), ``MAX_SESSION_BYTES`` (session TOML) and
  ``MAX_MODEL_BYTES`` (model files and a session's weights file).
* Memory: before training, ``estimate_training_memory`` adds up the bytes the parameters,
  gradients, checkpoints, optimiser state, one batch's activations and the data copies need;
  ``check_training_memory`` refuses more than ``MAX_TRAINING_BYTES``, naming the setting to
  change (``hidden``, ``batch_size`` or ``dataset``) and the estimate.
* The network's shape: ``layer_sizes`` and ``layer_activations`` from the settings and the
  data; ``layer_array_names`` names the arrays of an ``.npz`` (sessions and models alike).
* Untrusted values (a TOML or JSON document, an ``.npz``): ``check_numbers``,
  ``check_matrix``, ``check_names``, ``float_array`` and ``read_npz`` check type and size
  before anything is built from them, each naming the key at fault.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.files import describe_size
from tui_nn.core.hyperparams import Hyperparams

__all__ = [
    "MAX_CLASSES",
    "MAX_CSV_BYTES",
    "MAX_FEATURES",
    "MAX_HISTORY_POINTS",
    "MAX_MODEL_BYTES",
    "MAX_NAME_LENGTH",
    "MAX_ROWS",
    "MAX_SERIES",
    "MAX_SESSION_BYTES",
    "MAX_TRAINING_BYTES",
    "MemoryEstimate",
    "check_matrix",
    "check_name",
    "check_names",
    "check_numbers",
    "check_row_count",
    "check_training_memory",
    "estimate_training_memory",
    "float_array",
    "layer_activations",
    "layer_array_names",
    "layer_sizes",
    "name_problem",
    "output_size",
    "read_npz",
    "sha256_hex",
]

MAX_NAME_LENGTH = 200
"""The longest column, class or label-column name."""
MAX_FEATURES = 4096
"""The most feature columns (the widest layer a network may have)."""
MAX_CLASSES = 100
"""The most classes (more suggests the wrong label column)."""
MAX_ROWS = 1_000_000
"""The most rows a dataset may have, however it arrives (CSV, grid, session)."""
MAX_CSV_BYTES = 10 * 1024 * 1024
"""The largest CSV file loaded (10 MiB)."""
MAX_SESSION_BYTES = 64 * 1024 * 1024
"""The largest session TOML saved or loaded (64 MiB)."""
MAX_MODEL_BYTES = 256 * 1024 * 1024
"""The largest model file, or session weights file, saved or loaded (256 MiB)."""
MAX_HISTORY_POINTS = 1_000_000
"""The most history points a session may hold (the app keeps a downsampled history)."""
MAX_SERIES = 16
"""The most history series a session may hold."""
MAX_TRAINING_BYTES = 2 * 1024**3
"""The most memory a training run may need by ``estimate_training_memory`` (2 GiB)."""

_LINE_BREAK = re.compile(r"[\r\n\x00]")

FloatArray = npt.NDArray[np.floating]


# ---------------------------------------------------------------- names and counts


def name_problem(name: object) -> str | None:
    """What is wrong with a column or class name, or None when it is a good one."""
    if not isinstance(name, str):
        return "must be text"
    if not 0 < len(name) <= MAX_NAME_LENGTH:
        return f"must be 1 to {MAX_NAME_LENGTH} characters, got {len(name)}"
    if _LINE_BREAK.search(name):
        return "must be on one line (no line break or NUL)"
    if name != name.strip():
        return "must not start or end with a space"
    return None


def check_name(name: str, what: str, *, field: str = "dataset") -> str:
    """``name`` stripped of surrounding spaces (what a user typed), checked.

    Raises:
        TuiNNError: ``what`` followed by the rule, e.g. ``a column name must be 1 to 200
            characters, got 0``.
    """
    stripped = name.strip()
    problem = name_problem(stripped)
    if problem:
        raise TuiNNError(f"{what} {problem}", field=field)
    return stripped


def check_names(value: object, key: str, length: int | None = None) -> tuple[str, ...]:
    """``value`` (from a file) as a tuple of good names (see ``name_problem``).

    Raises:
        TuiNNError: ``field=key`` unless it is a list of ``length`` good names.
    """
    wanted = f"{length} " if length is not None else ""
    rule = (
        f"{key} must be a list of {wanted}names, each 1 to {MAX_NAME_LENGTH} characters "
        "on one line without spaces around it"
    )
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise TuiNNError(rule, field=key)
    for index, name in enumerate(value, 1):
        problem = name_problem(name)
        if problem:
            raise TuiNNError(f"{key}[{index}] {problem}", field=key)
    return tuple(value)


def check_row_count(rows: int, *, field: str = "dataset", where: str = "the data") -> None:
    """Refuse more than ``MAX_ROWS`` rows.

    Raises:
        TuiNNError: ``{where} has N rows, more than the 1000000 a dataset may have``.
    """
    if rows > MAX_ROWS:
        raise TuiNNError(
            f"{where} has {rows} rows, more than the {MAX_ROWS} a dataset may have", field=field
        )


# ---------------------------------------------------------------- the network's shape


def output_size(hyperparams: Hyperparams, dataset: Dataset) -> int:
    """Output units: one sigmoid for two classes, else one per class (softmax always per class)."""
    if hyperparams.output_activation == "softmax":
        return dataset.n_classes
    return dataset.n_outputs


def layer_sizes(hyperparams: Hyperparams, dataset: Dataset) -> tuple[int, ...]:
    """The layer sizes a model of these settings has on this data, inputs first."""
    return (dataset.n_features, *hyperparams.hidden, output_size(hyperparams, dataset))


def layer_activations(hyperparams: Hyperparams) -> tuple[str, ...]:
    """The activation of each layer (hidden ones, then the output's)."""
    return (hyperparams.activation,) * len(hyperparams.hidden) + (hyperparams.output_activation,)


def layer_array_names(layers: int) -> list[str]:
    """The ``.npz`` array names of a network's layers: ``layer1_weights``, ``layer1_biases``, ..."""
    return [f"layer{i}_{part}" for i in range(1, layers + 1) for part in ("weights", "biases")]


# ---------------------------------------------------------------- memory


@dataclass(frozen=True)
class MemoryEstimate:
    """The bytes a training run needs, by what needs them.

    Attributes:
        parameters: Weights, their gradients and the two roll-back checkpoints.
        optimizer: The optimiser's state (momentum or Adam's moments) and its checkpoints.
        activations: Activations, deltas and scratch for one batch, and for the test rows.
        data: The rows: the dataset, its split and standardised copies, the trainer's copy.
    """

    parameters: int
    optimizer: int
    activations: int
    data: int

    @property
    def total(self) -> int:
        """Everything added up."""
        return self.parameters + self.optimizer + self.activations + self.data


_OPTIMIZER_COPIES = {"gd": 0, "momentum": 1, "adam": 2}


def estimate_training_memory(
    hyperparams: Hyperparams, sizes: Sequence[int], train_rows: int, test_rows: int = 0
) -> MemoryEstimate:
    """The memory a ``Trainer`` of these settings needs, worked out before building it.

    Args:
        hyperparams: The settings (hidden sizes, batch size, optimiser, float type).
        sizes: The layer sizes, inputs first (``layer_sizes``).
        train_rows: Rows trained on.
        test_rows: Rows held out for testing.
    """
    item = np.dtype(hyperparams.dtype).itemsize
    params = sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(sizes))
    widths = sum(sizes[1:])
    batch = min(hyperparams.batch_size or train_rows, train_rows)
    states = _OPTIMIZER_COPIES.get(hyperparams.optimizer, 2)
    activations = 3 * (batch + test_rows) * widths * item
    if hyperparams.training_recipe.tutorial_rule:
        activations += (train_rows + 1) * widths * item  # the row-by-row bias steps
    rows = train_rows + test_rows
    inputs, outputs = sizes[0], sizes[-1]
    data = (
        2 * rows * inputs * 8  # the dataset and its split (and standardised) copy, float64
        + rows * (inputs + outputs) * item  # the trainer's inputs and targets
        + batch * (inputs + outputs) * item  # one shuffled batch
    )
    return MemoryEstimate(
        parameters=4 * params * item,
        optimizer=3 * states * params * item,
        activations=activations,
        data=data,
    )


def _describe_hidden(hidden: tuple[int, ...]) -> str:
    if len(set(hidden)) == 1:
        count = len(hidden)
        return f"{count} hidden layer{'s' if count > 1 else ''} of {hidden[0]}"
    return "hidden layers " + ",".join(str(n) for n in hidden)


def check_training_memory(
    hyperparams: Hyperparams, sizes: Sequence[int], train_rows: int, test_rows: int = 0
) -> MemoryEstimate:
    """The estimate, when it is within ``MAX_TRAINING_BYTES``.

    Raises:
        TuiNNError: naming the setting that needs the most (``field`` ``hidden``,
            ``batch_size`` or ``dataset``) and the estimate, e.g. ``16 hidden layers of 4096
            need about 7.5 GiB to train; the limit is 2 GiB``.
    """
    estimate = estimate_training_memory(hyperparams, sizes, train_rows, test_rows)
    if estimate.total <= MAX_TRAINING_BYTES:
        return estimate
    need = f"about {describe_size(estimate.total)} to train"
    limit = f"the limit is {describe_size(MAX_TRAINING_BYTES)}"
    model = estimate.parameters + estimate.optimizer
    if estimate.data >= max(model, estimate.activations):
        rows = train_rows + test_rows
        raise TuiNNError(
            f"{rows} rows of {sizes[0]} features need {need}; {limit}: use fewer rows",
            field="dataset",
        )
    if estimate.activations > model and "batch_size" not in hyperparams.training_recipe.fixed:
        batch = hyperparams.batch_size or "the full batch"
        raise TuiNNError(
            f"a batch of {batch} rows through layers {'-'.join(str(n) for n in sizes)} needs "
            f"{need}; {limit}: use a smaller batch size",
            field="batch_size",
        )
    shown = _describe_hidden(hyperparams.hidden) if hyperparams.hidden else "the network"
    raise TuiNNError(f"{shown} need {need}; {limit}: use fewer or smaller layers", field="hidden")


# ---------------------------------------------------------------- untrusted values


def check_numbers(value: object, key: str, length: int | None = None) -> list[float]:
    """``value`` as a list of numbers, checked before use.

    Args:
        value: What the file holds.
        key: The key to name in a message, e.g. ``model.biases[1]``.
        length: The exact length wanted, when known.

    Raises:
        TuiNNError: ``field=key`` unless ``value`` is a list of ints and floats (no
            booleans) of the wanted length.
    """
    if not isinstance(value, list) or (length is not None and len(value) != length):
        wanted = f"{length} " if length is not None else ""
        raise TuiNNError(f"{key} must be a list of {wanted}numbers", field=key)
    for index, item in enumerate(value):
        # type() rather than isinstance: bool is an int subclass and must not pass for 0/1.
        if type(item) is not float and type(item) is not int:
            raise TuiNNError(f"{key}[{index + 1}] must be a number, got {item!r:.40}", field=key)
    return value


def check_matrix(
    value: object, key: str, rows: int | None, columns: int, max_rows: int | None = None
) -> FloatArray:
    """``value`` as a ``(rows, columns)`` float64 matrix from nested lists, checked first.

    Args:
        value: A list of rows, each a list of numbers.
        key: The key to name in a message.
        rows: The exact number of rows wanted, or None for any.
        columns: The number of numbers per row.
        max_rows: The most rows accepted when ``rows`` is None.

    Raises:
        TuiNNError: ``field=key`` for a wrong shape or a value that is not a number.
    """
    shape = f"{rows if rows is not None else 'rows'} x {columns}"
    if not isinstance(value, list) or (rows is not None and len(value) != rows):
        raise TuiNNError(f"{key} must be a {shape} table (a list of rows of numbers)", field=key)
    if max_rows is not None and len(value) > max_rows:
        raise TuiNNError(f"{key} has {len(value)} rows, more than {max_rows}", field=key)
    for index, row in enumerate(value):
        check_numbers(row, f"{key}[{index + 1}]", columns)
    return np.array(value, dtype=np.float64).reshape(len(value), columns)


def float_array(value: npt.NDArray[Any], key: str, shape: tuple[int, ...]) -> FloatArray:
    """Check an array read from a file is a float array of ``shape``.

    Raises:
        TuiNNError: ``field=key`` otherwise.
    """
    if value.dtype.kind != "f" or value.shape != shape:
        raise TuiNNError(
            f"{key} must be a float array of shape {shape}, got {value.dtype} {value.shape}",
            field=key,
        )
    return value


def read_npz(
    data: bytes, key: str, names: Sequence[str] | None = None, max_bytes: int = MAX_MODEL_BYTES
) -> dict[str, npt.NDArray[Any]]:
    """The arrays of an ``.npz`` held in ``data``, read without pickle, sizes checked first.

    Args:
        data: The file's bytes.
        key: The key to name in a message.
        names: The exact array names the file must hold; None accepts any (up to 1000).
        max_bytes: The largest total size of the arrays once unpacked.

    Raises:
        TuiNNError: ``field=key`` for a file that is not an ``.npz``, holds other arrays, would
            unpack too large, or holds pickled objects.
    """
    try:
        loaded = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as error:  # numpy raises many types on corrupt input; none is trusted.
        raise TuiNNError(f"{key}: not a readable .npz file ({error})", field=key) from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise TuiNNError(f"{key}: not an .npz archive (a single array?)", field=key)
    with loaded:
        if loaded.zip is None:
            raise TuiNNError(f"{key}: not an .npz archive", field=key)
        members = loaded.zip.infolist()
        unpacked = sum(info.file_size for info in members)
        if unpacked > max_bytes or len(members) > 1000:
            raise TuiNNError(
                f"{key}: the {len(members)} arrays unpack to {describe_size(unpacked)}, more "
                f"than {describe_size(max_bytes)}",
                field=key,
            )
        if names is not None and sorted(loaded.files) != sorted(names):
            raise TuiNNError(
                f"{key}: expected the arrays {', '.join(names)}, got {', '.join(loaded.files)}",
                field=key,
            )
        try:
            return {name: loaded[name] for name in loaded.files}
        except Exception as error:  # same reason as above: corrupt members raise anything.
            raise TuiNNError(f"{key}: cannot read an array ({error})", field=key) from None


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex (ties a session to its weights file)."""
    return hashlib.sha256(data).hexdigest()
