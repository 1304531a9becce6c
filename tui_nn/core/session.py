"""The whole workbench as one value, saved as TOML and loaded back without trusting the file.

A session file (``format_version = 1``) has these tables::

    format_version = 1
    test_split = 0.2          # fraction of rows held out, 0 to 0.9
    normalize = true          # standardise features on the training rows
    epoch = 1500              # epochs the model has trained

    [hyperparams]             # every Hyperparams field, typed (lr = 0.05, hidden = [8])
    [dataset]                 # name, feature_names, class_names, label_name, features, labels
    [model]                   # absent while untrained: weights and biases per layer,
                              # or weights_file + weights_sha256 naming an .npz beside it
    [optimizer]               # with a model: steps = 1500 (Adam's t), and the optimiser's
                              # moments as flat lists (velocity, or m and v), or, with a
                              # weights_file, as optimizer_<name> arrays in that .npz
    [history]                 # epochs = [...]; [history.series] reported/loss/test_loss = [...]
    [snapshots]               # the run's past: epochs = [...] and params = [[...], ...], one
                              # flat parameter vector per epoch (in the .npz with weights_file)
    [[kept_runs]]             # up to 5 earlier runs' loss curves (runs compared), each with
                              # dataset, outcome, epochs, loss and its own [kept_runs.hyperparams]

Without ``[optimizer]`` (older files) the moments start at zero. With it, a run reloaded from
the session continues bit for bit as the unbroken run would have.

The split and the standardisation are not stored: ``Session.prepare()`` recomputes them from
the dataset, ``test_split``, ``normalize`` and ``hyperparams.seed`` (the split's seed).

Saving is atomic. With ``weights_file="npz"`` the weights go to ``<stem>-<hash>.npz`` beside
the TOML, written before the TOML that names it, and the previous weights file is deleted only
after the new TOML is in place: a crash at any moment leaves a session that loads whole.

Loading never executes data (TOML has no code; ``.npz`` is read with ``allow_pickle=False``),
checks the file size before reading and every count, type and shape before use, and reports
each problem as a ``TuiNNError`` naming the key, e.g. ``dataset.features[3]``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import itertools
import math
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import tomli_w

from tui_nn.core.data_rules import (
    MAX_HISTORY_POINTS,
    MAX_MODEL_BYTES,
    MAX_ROWS,
    MAX_SERIES,
    MAX_SESSION_BYTES,
    check_matrix,
    check_names,
    check_numbers,
    check_row_count,
    check_training_memory,
    float_array,
    layer_activations,
    layer_array_names,
    layer_sizes,
    name_problem,
    read_npz,
    sha256_hex,
)
from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.files import (
    check_output_path,
    describe_size,
    open_regular,
    read_limited,
    save_bytes,
)
from tui_nn.core.hyperparams import FIELDS, Hyperparams
from tui_nn.core.kept_runs import MAX_KEPT_POINTS, MAX_KEPT_RUNS, OUTCOMES, KeptRun
from tui_nn.core.network import Network
from tui_nn.core.optimizers import MOMENTS
from tui_nn.core.split import PreparedData, check_test_fraction, prepare_data
from tui_nn.core.training import TrainerState
from tui_nn.core.weight_history import WeightSnapshots

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "FORMAT_VERSION",
    "MAX_HISTORY_POINTS",
    "MAX_ROWS",
    "MAX_SESSION_BYTES",
    "Session",
    "load_session",
    "save_session",
]

FORMAT_VERSION = 1

_TOP_KEYS = {"format_version", "test_split", "normalize", "epoch"}
_TABLES = {"hyperparams", "dataset", "model", "optimizer", "history", "snapshots", "kept_runs"}
_SNAPSHOT_ARRAY = "snapshot_params"

FloatArray = npt.NDArray[np.floating]


@dataclass(frozen=True, eq=False)
class Session:
    """Everything on the workbench.

    Attributes:
        dataset: The data, as in the grid.
        hyperparams: The settings.
        test_split: Fraction of rows held out for testing (0 to 0.9).
        normalize: Whether features are standardised on the training rows.
        network: The model, or None while untrained. The session does not copy it: hand a
            copy to a trainer (``network.copy()``).
        epoch: Epochs the model has trained.
        history_epochs: The epoch of each history point, ascending.
        history: Series by name (``reported``, ``loss``, ``test_loss``), each one value per
            history point (``nan`` where a series has none; None is taken as ``nan``). Only
            the series the recipe records are kept (``Recipe.series_names``); others are dropped.
        snapshots: The model's weights at some earlier epochs (the run's past), or None.
        moments: The optimiser's state arrays by name (``optimizers.MOMENTS``), each shaped
            like ``network.params``; empty when unknown (they then start at zero).
        optimizer_steps: Updates the optimiser has made (Adam's bias-correction count).
        kept_runs: Earlier runs' loss curves, oldest first (at most ``MAX_KEPT_RUNS``).
    """

    dataset: Dataset = TUTORIAL_DATASET
    hyperparams: Hyperparams = field(default_factory=Hyperparams)
    test_split: float = 0.0
    normalize: bool = False
    network: Network | None = None
    epoch: int = 0
    history_epochs: tuple[int, ...] = ()
    history: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    snapshots: WeightSnapshots | None = None
    moments: Mapping[str, FloatArray] = field(default_factory=dict)
    optimizer_steps: int = 0
    kept_runs: tuple[KeptRun, ...] = ()

    def __post_init__(self) -> None:
        # Plain Python numbers throughout: NumPy scalars would not serialise to TOML.
        object.__setattr__(self, "test_split", check_test_fraction(self.test_split))
        if not isinstance(self.normalize, bool | np.bool_):
            raise TuiNNError("normalize must be true or false", field="normalize")
        object.__setattr__(self, "normalize", bool(self.normalize))
        if (
            isinstance(self.epoch, bool)
            or not isinstance(self.epoch, int | np.integer)
            or self.epoch < 0
        ):
            raise TuiNNError("epoch must be a whole number >= 0", field="epoch")
        object.__setattr__(self, "epoch", int(self.epoch))
        try:
            epochs = tuple(int(epoch) for epoch in self.history_epochs)
            # Only the series the recipe records: a textbook run has no separate "reported"
            # series, and a file that carries one anyway would chart it as an extra line.
            kept = self.hyperparams.training_recipe.series_names
            history = {
                str(name): tuple(math.nan if v is None else float(v) for v in values)
                for name, values in self.history.items()
                if name in kept
            }
        except (TypeError, ValueError):
            raise TuiNNError(
                "history must be whole-number epochs and numeric series", field="history"
            ) from None
        object.__setattr__(self, "history_epochs", epochs)
        object.__setattr__(self, "history", history)
        object.__setattr__(self, "kept_runs", tuple(self.kept_runs))
        if len(self.kept_runs) > MAX_KEPT_RUNS:
            raise TuiNNError(f"a session keeps at most {MAX_KEPT_RUNS} runs", field="kept_runs")
        for name, values in self.history.items():
            if len(values) != len(self.history_epochs):
                raise TuiNNError(
                    f"history series {name!r} has {len(values)} values for "
                    f"{len(self.history_epochs)} epochs",
                    field="history",
                )
        if self.network is not None:
            sizes = layer_sizes(self.hyperparams, self.dataset)
            names = layer_activations(self.hyperparams)
            if self.network.layer_sizes != sizes or self.network.activations != names:
                raise TuiNNError(
                    f"the model's layers {self.network.layer_sizes} ({', '.join(names)}) do not "
                    f"fit the data and settings {sizes}",
                    field="model",
                )
        if self.snapshots is not None:
            _check_snapshots(self.snapshots, self.network, self.epoch)
        self._check_optimizer_state()

    def _check_optimizer_state(self) -> None:
        steps = self.optimizer_steps
        if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
            raise TuiNNError("optimizer.steps must be a whole number >= 0", field="optimizer")
        object.__setattr__(self, "optimizer_steps", int(steps))
        if not self.moments:
            return
        if self.network is None:
            raise TuiNNError("optimizer state needs a model", field="optimizer")
        expected = MOMENTS[self.hyperparams.optimizer]
        params = self.network.params
        for name, values in self.moments.items():
            if name not in expected:
                raise TuiNNError(
                    f"optimizer.{name}: {self.hyperparams.optimizer} keeps "
                    + (", ".join(expected) if expected else "no state"),
                    field="optimizer",
                )
            if np.shape(values) != params.shape:
                raise TuiNNError(
                    f"optimizer.{name} must hold {params.size} numbers, one per parameter",
                    field="optimizer",
                )
        missing = [name for name in expected if name not in self.moments]
        if missing:
            raise TuiNNError(
                f"optimizer.{missing[0]} is missing: {self.hyperparams.optimizer} keeps "
                + ", ".join(expected),
                field="optimizer",
            )
        moments = {name: np.asarray(self.moments[name], dtype=params.dtype) for name in expected}
        for name, values in moments.items():
            if not np.isfinite(values).all():
                raise TuiNNError(f"optimizer.{name} must hold finite numbers", field="optimizer")
        object.__setattr__(self, "moments", moments)

    def trainer_state(self) -> TrainerState | None:
        """The state a ``Trainer`` loads to carry on this session's run; None while untrained."""
        if self.network is None:
            return None
        return TrainerState(
            epoch=self.epoch,
            lr=self.hyperparams.lr,
            params=self.network.params.copy(),
            optimizer=self.hyperparams.optimizer,
            moments={name: array.copy() for name, array in self.moments.items()},
            optimizer_steps=self.optimizer_steps if self.moments else 0,
        )

    def with_trainer_state(self, state: TrainerState) -> Session:
        """A copy holding a trainer's weights, epoch, learning rate and optimiser state.

        Raises:
            TuiNNError: when the state does not fit this session's data and settings.
        """
        sizes = layer_sizes(self.hyperparams, self.dataset)
        model = Network(sizes, layer_activations(self.hyperparams), state.params.copy())
        return self.replace(
            network=model,
            epoch=state.epoch,
            hyperparams=self.hyperparams.replace(lr=state.lr),
            moments={name: array.copy() for name, array in state.moments.items()},
            optimizer_steps=state.optimizer_steps,
        )

    def replace(self, **changes: Any) -> Session:
        """A copy with some fields changed, checked again."""
        return dataclasses.replace(self, **changes)

    def prepare(self) -> PreparedData:
        """The training and test rows (standardised when asked), split by ``hyperparams.seed``.

        Raises:
            TuiNNError: as ``split.split_dataset``.
        """
        return prepare_data(self.dataset, self.test_split, self.normalize, self.hyperparams.seed)


def _check_snapshots(snapshots: WeightSnapshots, network: Network | None, epoch: int) -> None:
    if not len(snapshots):
        return
    if network is None:
        raise TuiNNError("weight snapshots need a model", field="snapshots")
    if snapshots.params.shape[1] != network.params.size:
        raise TuiNNError(
            f"snapshots hold {snapshots.params.shape[1]} parameters per epoch, the model "
            f"has {network.params.size}",
            field="snapshots",
        )
    if snapshots.epochs[-1] > epoch:
        raise TuiNNError(
            f"a snapshot at epoch {snapshots.epochs[-1]} is after the model's epoch {epoch}",
            field="snapshots",
        )
    if not np.isfinite(snapshots.params).all():
        raise TuiNNError("every snapshot weight must be a finite number", field="snapshots")


# ---------------------------------------------------------------- saving


def _hyperparams_table(hyperparams: Hyperparams) -> dict[str, Any]:
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in dataclasses.asdict(hyperparams).items()
    }


def _dataset_table(dataset: Dataset) -> dict[str, Any]:
    return {
        "name": dataset.name,
        "feature_names": list(dataset.feature_names),
        "class_names": list(dataset.class_names),
        "label_name": dataset.label_name,
        "labels": dataset.labels.tolist(),
        "features": dataset.features.tolist(),
    }


def _npz_bytes(
    network: Network,
    snapshots: WeightSnapshots | None = None,
    moments: Mapping[str, FloatArray] | None = None,
) -> bytes:
    buffer = io.BytesIO()
    pairs = [a for pair in zip(network.weights, network.biases, strict=True) for a in pair]
    arrays = dict(zip(layer_array_names(len(network.weights)), pairs, strict=True))
    if snapshots is not None and len(snapshots):
        arrays[_SNAPSHOT_ARRAY] = snapshots.params
    for name, values in (moments or {}).items():
        arrays[f"optimizer_{name}"] = values
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def _npz_name(stem: str, data: bytes) -> str:
    return f"{stem}-{sha256_hex(data)[:12]}.npz"


def _npz_pattern(stem: str) -> re.Pattern[str]:
    return re.compile(re.escape(stem) + r"-[0-9a-f]{12}\.npz")


def session_to_toml(
    session: Session, weights_file: str | None = None, weights_sha256: str = ""
) -> str:
    """The TOML text of a session.

    Args:
        session: The session.
        weights_file: The name of the ``.npz`` holding the weights, or None to put them in
            the TOML. (``save_session`` chooses and writes it.)
        weights_sha256: The SHA-256 of that ``.npz``, checked when loading.
    """
    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "test_split": session.test_split,
        "normalize": session.normalize,
        "epoch": session.epoch,
        "hyperparams": _hyperparams_table(session.hyperparams),
        "dataset": _dataset_table(session.dataset),
    }
    if session.network is not None:
        if weights_file is None:
            doc["model"] = {
                "weights": [w.tolist() for w in session.network.weights],
                "biases": [b.tolist() for b in session.network.biases],
            }
        else:
            doc["model"] = {"weights_file": weights_file, "weights_sha256": weights_sha256}
        if session.moments:
            optimizer: dict[str, Any] = {"steps": session.optimizer_steps}
            if weights_file is None:
                optimizer.update({name: v.tolist() for name, v in session.moments.items()})
            doc["optimizer"] = optimizer
    doc["history"] = {
        "epochs": list(session.history_epochs),
        "series": {name: list(values) for name, values in session.history.items()},
    }
    snapshots = session.snapshots
    if session.network is not None and snapshots is not None and len(snapshots):
        doc["snapshots"] = {"epochs": list(snapshots.epochs)}
        if weights_file is None:
            doc["snapshots"]["params"] = snapshots.params.tolist()
    if session.kept_runs:
        doc["kept_runs"] = [
            {
                "dataset": run.dataset,
                "outcome": run.outcome,
                "epochs": list(run.epochs),
                "loss": list(run.loss),
                "hyperparams": _hyperparams_table(run.hyperparams),
            }
            for run in session.kept_runs
        ]
    return tomli_w.dumps(doc)


def save_session(
    session: Session,
    path: str | os.PathLike[str],
    weights_file: Literal["toml", "npz"] = "toml",
) -> None:
    """Save a session as TOML, atomically.

    Args:
        session: What to save.
        path: The ``.toml`` file.
        weights_file: ``"toml"`` keeps the weights in the TOML as numbers; ``"npz"`` writes
            them to ``<stem>-<hash>.npz`` beside it, in the model's own float type.

    Raises:
        TuiNNError: ``field="session"`` when a file cannot be written or a name cannot be
            stored; the old session (and its weights file) is then unchanged.
    """
    if weights_file not in ("toml", "npz"):
        raise TuiNNError(
            f"weights_file must be toml or npz, got {weights_file!r}", field="weights_file"
        )
    _check_saveable(session)
    check_trainable(session)  # what load_session would refuse is not written
    target = Path(path)
    check_output_path(target, field="session")
    new_npz = data = None
    if weights_file == "npz" and session.network is not None:
        data = _npz_bytes(session.network, session.snapshots, session.moments)
        _check_size(len(data), MAX_MODEL_BYTES, "weights file")
        new_npz = _npz_name(target.stem, data)
        text = session_to_toml(session, new_npz, sha256_hex(data))
    else:
        text = session_to_toml(session)
    encoded = text.encode("utf-8")
    _check_size(len(encoded), MAX_SESSION_BYTES, "session file")
    old_npz = _referenced_npz(target)
    if new_npz is not None and data is not None:
        save_bytes(target.with_name(new_npz), data, field="session")
    try:
        save_bytes(target, encoded, field="session")
    except TuiNNError:
        if new_npz is not None and new_npz != old_npz:
            with contextlib.suppress(OSError):
                target.with_name(new_npz).unlink()
        raise
    if old_npz is not None and old_npz != new_npz:
        with contextlib.suppress(OSError):
            target.with_name(old_npz).unlink()


def _check_size(size: int, limit: int, what: str) -> None:
    """Refuse to write a file that loading would refuse as too large."""
    if size > limit:
        hint = (
            ""
            if what != "session file"
            else "; keep the weights beside it (.npz) or use fewer rows"
        )
        raise TuiNNError(
            f"the {what} would be {describe_size(size)}, more than the {describe_size(limit)} "
            f"a {what} may hold{hint}",
            field="session",
        )


def _check_saveable(session: Session) -> None:
    """Refuse to write what ``load_session`` would refuse to read back."""
    dataset = session.dataset
    check_names(list(dataset.feature_names), "dataset.feature_names")
    check_names(list(dataset.class_names), "dataset.class_names")
    check_names([dataset.label_name], "dataset.label_name")
    if len(set(dataset.class_names)) != len(dataset.class_names):
        raise TuiNNError("class names must differ to be saved", field="dataset.class_names")
    check_row_count(dataset.n_rows)
    if len(session.history) > MAX_SERIES or len(session.history_epochs) > MAX_HISTORY_POINTS:
        raise TuiNNError(
            f"a session holds at most {MAX_SERIES} history series of {MAX_HISTORY_POINTS} points",
            field="history",
        )
    if list(session.history_epochs) != sorted(set(session.history_epochs)):
        raise TuiNNError("history epochs must ascend", field="history")
    if session.network is not None and not np.isfinite(session.network.params).all():
        raise TuiNNError("the model has non-finite weights; reset it to save", field="model")


_WEIGHTS_FILE_LINE = re.compile(r'^weights_file = "([^"\n]*)"$', re.MULTILINE)


def _referenced_npz(target: Path) -> str | None:
    """The weights file the session now at ``target`` names, if it is one of ours.

    A line scan rather than a TOML parse: parsing a big session costs seconds, and the name
    is only used to delete a file that matches our own ``<stem>-<hash>.npz`` pattern.
    Only a regular file is read (never a FIFO or a device a name may point at).
    """
    try:
        with open_regular(target) as handle:
            text = handle.read(MAX_SESSION_BYTES).decode("utf-8", errors="replace")
    except (OSError, TuiNNError):
        return None
    found = _WEIGHTS_FILE_LINE.search(text)
    if found and _npz_pattern(target.stem).fullmatch(found.group(1)):
        return found.group(1)
    return None


# ---------------------------------------------------------------- loading


def _table(doc: Mapping[str, Any], key: str, required: bool = True) -> Mapping[str, Any]:
    value = doc.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise TuiNNError(f"[{key}] must be a table", field=key)
    return value


def _only(table: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        key = f"{prefix}{unknown[0]}"
        raise TuiNNError(f"{key}: unknown key; expected {', '.join(sorted(allowed))}", field=key)


def _hyperparams(table: Mapping[str, Any], prefix: str = "hyperparams") -> Hyperparams:
    _only(table, set(FIELDS), f"{prefix}.")
    defaults = Hyperparams()
    values: dict[str, Any] = {}
    for name, value in table.items():
        key = f"{prefix}.{name}"
        default = getattr(defaults, name)
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(type(n) is int for n in value):
                raise TuiNNError(f"{key} must be a list of whole numbers (layer sizes)", field=key)
            value = tuple(value)
        elif isinstance(default, str):
            if not isinstance(value, str):
                raise TuiNNError(f"{key} must be text", field=key)
        elif type(value) is not int and not (isinstance(default, float) and type(value) is float):
            kind = "a number" if isinstance(default, float) else "a whole number"
            raise TuiNNError(f"{key} must be {kind}", field=key)
        values[name] = value
    try:
        return Hyperparams(**values)
    except TuiNNError as error:
        key = f"{prefix}.{error.field}" if error.field else prefix
        raise TuiNNError(f"{key}: {error}", field=key) from None


def _text(table: Mapping[str, Any], key: str, default: str, longest: int) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not 0 < len(value) <= longest:
        raise TuiNNError(
            f"dataset.{key} must be text of 1 to {longest} characters", field=f"dataset.{key}"
        )
    return value


def _label_name(table: Mapping[str, Any]) -> str:
    value = table.get("label_name", "label")
    problem = name_problem(value)
    if problem:
        raise TuiNNError(f"dataset.label_name {problem}", field="dataset.label_name")
    assert isinstance(value, str)
    return value


def _dataset(table: Mapping[str, Any]) -> Dataset:
    _only(
        table,
        {"name", "feature_names", "class_names", "label_name", "labels", "features"},
        "dataset.",
    )
    feature_names = check_names(table.get("feature_names"), "dataset.feature_names")
    class_names = check_names(table.get("class_names"), "dataset.class_names")
    if len(class_names) < 2 or len(set(class_names)) != len(class_names):
        raise TuiNNError(
            "dataset.class_names must be at least two different names",
            field="dataset.class_names",
        )
    labels = table.get("labels")
    if isinstance(labels, list):
        check_row_count(len(labels), field="dataset.labels", where="dataset.labels")
    if not isinstance(labels, list):
        raise TuiNNError(
            f"dataset.labels must be a list of at most {MAX_ROWS} class numbers",
            field="dataset.labels",
        )
    for row, label in enumerate(labels, 1):
        if type(label) is not int or not 0 <= label < len(class_names):
            raise TuiNNError(
                f"dataset.labels[{row}] must be a class number from 0 to {len(class_names) - 1}",
                field="dataset.labels",
            )
    features = check_matrix(
        table.get("features"), "dataset.features", len(labels), len(feature_names)
    )
    if not np.isfinite(features).all():
        row = int(np.flatnonzero(~np.isfinite(features).all(axis=1))[0]) + 1
        raise TuiNNError(
            f"dataset.features[{row}] must hold finite numbers", field="dataset.features"
        )
    return Dataset(
        features=features,
        labels=np.array(labels, dtype=np.int64),
        feature_names=feature_names,
        class_names=class_names,
        label_name=_label_name(table),
        name=_text(table, "name", "custom", 1000),
    )


def _model(
    table: Mapping[str, Any],
    sizes: tuple[int, ...],
    hyperparams: Hyperparams,
    directory: Path,
    snapshot_count: int = 0,
    moment_names: tuple[str, ...] = (),
) -> tuple[Network, FloatArray | None, dict[str, FloatArray]]:
    """The model, and the snapshots' parameters and the moments named ``moment_names`` when
    they are in its ``.npz``."""
    layers = len(sizes) - 1
    snapshot_params = None
    moments: dict[str, FloatArray] = {}
    if "weights_file" in table:
        _only(table, {"weights_file", "weights_sha256"}, "model.")
        weights, biases, snapshot_params, moments = _npz_weights(
            table, sizes, directory, snapshot_count, moment_names
        )
    else:
        _only(table, {"weights", "biases"}, "model.")
        raw_weights, raw_biases = table.get("weights"), table.get("biases")
        shape = " -> ".join(str(n) for n in sizes)
        for key, value in (("model.weights", raw_weights), ("model.biases", raw_biases)):
            if not isinstance(value, list) or len(value) != layers:
                raise TuiNNError(
                    f"{key} must hold {layers} layers for the network {shape}", field=key
                )
        assert isinstance(raw_weights, list) and isinstance(raw_biases, list)
        weights = [
            check_matrix(raw_weights[i], f"model.weights[{i + 1}]", sizes[i], sizes[i + 1])
            for i in range(layers)
        ]
        biases = [
            np.array(check_numbers(raw_biases[i], f"model.biases[{i + 1}]", sizes[i + 1]))
            for i in range(layers)
        ]
    try:
        network = Network.from_arrays(
            weights, biases, layer_activations(hyperparams), hyperparams.dtype
        )
    except TuiNNError as error:
        raise TuiNNError(f"model: {error}", field="model.weights") from None
    return network, snapshot_params, moments


def _npz_weights(
    table: Mapping[str, Any],
    sizes: tuple[int, ...],
    directory: Path,
    snapshot_count: int = 0,
    moment_names: tuple[str, ...] = (),
) -> tuple[list[FloatArray], list[FloatArray], FloatArray | None, dict[str, FloatArray]]:
    name = table["weights_file"]
    key = "model.weights_file"
    if (
        not isinstance(name, str)
        or not name.endswith(".npz")
        or name.startswith(".")
        or Path(name).name != name
        or "/" in name
        or "\\" in name
    ):
        raise TuiNNError(
            f"{key} must be the name of an .npz file beside the session (no folders)", field=key
        )
    digest = table.get("weights_sha256")
    if not isinstance(digest, str):
        raise TuiNNError("model.weights_sha256 must be text", field="model.weights_sha256")
    try:
        data = read_limited(directory / name, MAX_MODEL_BYTES, field=key)
    except TuiNNError as error:
        raise TuiNNError(f"{key}: {error}", field=key) from None
    if sha256_hex(data) != digest:
        raise TuiNNError(
            f"{key}: {name} does not match this session (it changed after the session was saved)",
            field=key,
        )
    layers = len(sizes) - 1
    names = layer_array_names(layers)
    if snapshot_count:
        names = [*names, _SNAPSHOT_ARRAY]
    names += [f"optimizer_{name}" for name in moment_names]
    arrays = read_npz(data, key, names, MAX_MODEL_BYTES)
    weights = [
        float_array(arrays[f"layer{i}_weights"], f"{key} layer{i}_weights", sizes[i - 1 : i + 1])
        for i in range(1, layers + 1)
    ]
    biases = [
        float_array(arrays[f"layer{i}_biases"], f"{key} layer{i}_biases", (sizes[i],))
        for i in range(1, layers + 1)
    ]
    n_params = sum(a * b + b for a, b in itertools.pairwise(sizes))
    snapshot_params = None
    if snapshot_count:
        snapshot_params = float_array(
            arrays[_SNAPSHOT_ARRAY], f"{key} {_SNAPSHOT_ARRAY}", (snapshot_count, n_params)
        )
    moments = {
        name: float_array(arrays[f"optimizer_{name}"], f"{key} optimizer_{name}", (n_params,))
        for name in moment_names
    }
    return weights, biases, snapshot_params, moments


def _snapshots(
    table: Mapping[str, Any], n_params: int, in_npz: FloatArray | None
) -> WeightSnapshots:
    _only(table, {"epochs"} if in_npz is not None else {"epochs", "params"}, "snapshots.")
    epochs = table.get("epochs")
    if not isinstance(epochs, list) or len(epochs) > MAX_HISTORY_POINTS:
        raise TuiNNError(
            f"snapshots.epochs must be a list of at most {MAX_HISTORY_POINTS} epochs",
            field="snapshots.epochs",
        )
    previous = -1
    for index, epoch in enumerate(epochs, 1):
        if type(epoch) is not int or epoch <= previous:
            raise TuiNNError(
                f"snapshots.epochs[{index}] must be a whole number above the one before",
                field="snapshots.epochs",
            )
        previous = epoch
    params: FloatArray
    if in_npz is not None:
        params = in_npz
    else:
        params = check_matrix(table.get("params"), "snapshots.params", len(epochs), n_params)
    return WeightSnapshots(tuple(epochs), params)


def _optimizer_state(
    table: Mapping[str, Any], hyperparams: Hyperparams, network: Network, in_npz: bool
) -> tuple[int, dict[str, FloatArray]]:
    """``[optimizer]``: the step count, and the moments unless they are in the ``.npz``."""
    names = MOMENTS[hyperparams.optimizer]
    _only(table, {"steps"} if in_npz else {"steps", *names}, "optimizer.")
    steps = table.get("steps", 0)
    if type(steps) is not int or steps < 0:
        raise TuiNNError("optimizer.steps must be a whole number >= 0", field="optimizer.steps")
    moments: dict[str, FloatArray] = {}
    if not in_npz:
        for name in names:
            key = f"optimizer.{name}"
            if name not in table:
                raise TuiNNError(
                    f"{key} is missing: {hyperparams.optimizer} keeps {', '.join(names)}",
                    field=key,
                )
            values = check_numbers(table[name], key, network.params.size)
            moments[name] = np.array(values, dtype=network.dtype)
    return steps, moments


def _history(table: Mapping[str, Any]) -> tuple[tuple[int, ...], dict[str, tuple[float, ...]]]:
    _only(table, {"epochs", "series"}, "history.")
    epochs = table.get("epochs", [])
    if not isinstance(epochs, list) or len(epochs) > MAX_HISTORY_POINTS:
        raise TuiNNError(
            f"history.epochs must be a list of at most {MAX_HISTORY_POINTS} epochs",
            field="history.epochs",
        )
    previous = -1
    for index, epoch in enumerate(epochs, 1):
        if type(epoch) is not int or epoch <= previous:
            raise TuiNNError(
                f"history.epochs[{index}] must be a whole number above the one before",
                field="history.epochs",
            )
        previous = epoch
    series_table = table.get("series", {})
    if not isinstance(series_table, dict) or len(series_table) > MAX_SERIES:
        raise TuiNNError(
            f"history.series must be a table of at most {MAX_SERIES} series",
            field="history.series",
        )
    series = {}
    for name, values in series_table.items():
        key = f"history.series.{name}"
        series[name] = tuple(float(v) for v in check_numbers(values, key, len(epochs)))
    return tuple(epochs), series


def _kept_runs(value: object) -> tuple[KeptRun, ...]:
    if not isinstance(value, list) or len(value) > MAX_KEPT_RUNS:
        raise TuiNNError(
            f"kept_runs must be a list of at most {MAX_KEPT_RUNS} runs", field="kept_runs"
        )
    runs = []
    for index, table in enumerate(value, 1):
        key = f"kept_runs[{index}]"
        if not isinstance(table, dict):
            raise TuiNNError(f"{key} must be a table", field=key)
        _only(table, {"dataset", "outcome", "epochs", "loss", "hyperparams"}, f"{key}.")
        hyperparams = _hyperparams(_table(table, "hyperparams"), f"{key}.hyperparams")
        dataset, outcome = table.get("dataset"), table.get("outcome")
        if not isinstance(dataset, str) or not 0 < len(dataset) <= 1000:
            raise TuiNNError(f"{key}.dataset must be text of 1 to 1000 characters", field=key)
        if outcome not in OUTCOMES:
            raise TuiNNError(f"{key}.outcome must be one of {', '.join(OUTCOMES)}", field=key)
        epochs = table.get("epochs")
        if (
            not isinstance(epochs, list)
            or not 0 < len(epochs) <= MAX_KEPT_POINTS
            or any(type(epoch) is not int or epoch < 0 for epoch in epochs)
            or any(b <= a for a, b in itertools.pairwise(epochs))
        ):
            raise TuiNNError(
                f"{key}.epochs must be 1 to {MAX_KEPT_POINTS} ascending whole numbers >= 0",
                field=key,
            )
        loss = check_numbers(table.get("loss"), f"{key}.loss", len(epochs))
        if not all(math.isfinite(v) for v in loss):
            raise TuiNNError(f"{key}.loss must hold finite numbers", field=key)
        runs.append(KeptRun(hyperparams, dataset, outcome, tuple(epochs), tuple(map(float, loss))))
    return tuple(runs)


def _whole(doc: Mapping[str, Any], key: str, default: int) -> int:
    value = doc.get(key, default)
    if type(value) is not int or value < 0:
        raise TuiNNError(f"{key} must be a whole number >= 0", field=key)
    return value


def session_from_toml(text: str, directory: Path | None = None) -> Session:
    """Build a session from TOML text, checking everything.

    Args:
        text: The TOML.
        directory: Where a ``weights_file`` is looked up (the session file's folder).

    Raises:
        TuiNNError: naming the key of the first problem.
    """
    try:
        doc = tomllib.loads(text)
    except (ValueError, RecursionError) as error:
        raise TuiNNError(f"not a valid TOML file ({error})", field="session") from None
    version = doc.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise TuiNNError(
            f"format_version must be {FORMAT_VERSION} (a tui-nn session), got {version!r:.40}",
            field="format_version",
        )
    _only(doc, _TOP_KEYS | _TABLES, "")
    hyperparams = _hyperparams(_table(doc, "hyperparams", required=False))
    dataset = _dataset(_table(doc, "dataset"))
    test_split = doc.get("test_split", 0.0)
    if type(test_split) not in (int, float):
        raise TuiNNError("test_split must be a number from 0 to 0.9", field="test_split")
    normalize = doc.get("normalize", False)
    if not isinstance(normalize, bool):
        raise TuiNNError("normalize must be true or false", field="normalize")
    epoch = _whole(doc, "epoch", 0)
    sizes = layer_sizes(hyperparams, dataset)
    _check_memory(hyperparams, sizes, dataset.n_rows)
    network = None
    snapshots = None
    snapshot_table = _table(doc, "snapshots", required=False)
    if snapshot_table and "model" not in doc:
        raise TuiNNError("[snapshots] needs a [model]", field="snapshots")
    moments: dict[str, FloatArray] = {}
    steps = 0
    if "model" in doc:
        raw_epochs = snapshot_table.get("epochs", [])
        count = len(raw_epochs) if isinstance(raw_epochs, list) else 0
        model_table = _table(doc, "model")
        in_npz = "weights_file" in model_table and "optimizer" in doc
        network, snapshot_params, moments = _model(
            model_table,
            sizes,
            hyperparams,
            directory or Path("."),
            count,
            MOMENTS[hyperparams.optimizer] if in_npz else (),
        )
        if snapshot_table:
            snapshots = _snapshots(snapshot_table, network.params.size, snapshot_params)
        if "optimizer" in doc:
            steps, inline = _optimizer_state(_table(doc, "optimizer"), hyperparams, network, in_npz)
            moments.update(inline)
            # Moments from an .npz arrive in its float type; the model's is the one that counts.
            moments = {name: values.astype(network.dtype) for name, values in moments.items()}
    elif "optimizer" in doc:
        raise TuiNNError("[optimizer] needs a [model] to go with", field="optimizer")
    epochs, series = _history(_table(doc, "history", required=False))
    kept_runs = _kept_runs(doc.get("kept_runs", []))
    session = Session(
        dataset=dataset,
        hyperparams=hyperparams,
        test_split=test_split,
        normalize=normalize,
        network=network,
        epoch=epoch,
        history_epochs=epochs,
        history=series,
        snapshots=snapshots,
        moments=moments,
        optimizer_steps=steps,
        kept_runs=kept_runs,
    )
    check_trainable(session)
    return session


_MEMORY_KEYS = {"hidden": "hyperparams.hidden", "batch_size": "hyperparams.batch_size"}


def _check_memory(hyperparams: Hyperparams, sizes: tuple[int, ...], rows: int) -> None:
    try:
        check_training_memory(hyperparams, sizes, rows)
    except TuiNNError as error:
        key = _MEMORY_KEYS.get(error.field or "", "dataset.features")
        raise TuiNNError(f"{key}: {error}", field=key) from None


def check_trainable(session: Session) -> None:
    """Refuse a session whose data cannot train, naming the key to fix.

    The whole session is checked before anything uses it: at least two classes with rows,
    a test split that leaves rows on both sides, features that standardise without
    overflow, and training that fits in memory (``data_rules.check_training_memory``).

    Raises:
        TuiNNError: whose ``field`` is the key (``dataset.labels``, ``test_split``, ...) and
            whose message starts with it.
    """
    dataset = session.dataset
    if dataset.n_rows == 0:
        raise TuiNNError(
            "dataset.labels: the data has no rows; a classifier needs rows of at least two classes",
            field="dataset.labels",
        )
    used = np.unique(dataset.labels)
    if used.size < 2:
        raise TuiNNError(
            f"dataset.labels: every row has the label {dataset.class_names[int(used[0])]!r}; "
            "a classifier needs rows of at least two classes",
            field="dataset.labels",
        )
    try:
        prepared = session.prepare()
    except TuiNNError as error:
        key = "normalize" if error.field == "normalize" else "test_split"
        raise TuiNNError(f"{key}: {error}", field=key) from None
    sizes = layer_sizes(session.hyperparams, dataset)
    _check_memory(session.hyperparams, sizes, prepared.train.n_rows + prepared.test.n_rows)


_KEY_AT_START = re.compile(r"^(hyperparams|dataset|model|optimizer|history|snapshots)\.")


def _located(shown: str, error: TuiNNError) -> TuiNNError:
    """The error as ``FILE: [table] key: rule``, the way a TOML file shows the key."""
    text, key = str(error), error.field
    if key and key != "session" and not text.startswith(key):
        text = f"{key}: {text}"
    text = _KEY_AT_START.sub(lambda found: f"[{found.group(1)}] ", text, count=1)
    return TuiNNError(f"{shown}: {text}", field=key)


def load_session(path: str | os.PathLike[str], max_bytes: int = MAX_SESSION_BYTES) -> Session:
    """Load a session file saved by ``save_session``.

    Raises:
        TuiNNError: naming the file and the key of the first problem; nothing is executed.
    """
    shown = os.fspath(path)
    data = read_limited(path, max_bytes, field="session")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TuiNNError(
            f"{shown}: not UTF-8 text at byte {error.start + 1}: not a session file",
            field="session",
        ) from None
    try:
        return session_from_toml(text, Path(shown).parent)
    except TuiNNError as error:
        raise _located(shown, error) from None
