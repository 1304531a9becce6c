"""Built-in datasets: the tutorial's table, a small fruit table, truth tables and 2-D clouds.

``BUILTIN_DATASETS`` is keyed by the names users type (``--dataset xor``). Every generator
draws from ``numpy.random.default_rng(seed)``, so a name, a number of points, a noise level
and a seed always give the same rows. Classes get equal shares of the points (the first
classes take the remainder). 2-D sets lie roughly within [-1, 1] (``gauss`` within about
[-2, 2]), so they train well without standardisation.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from tui_nn.core.csv_io import MAX_CSV_BYTES, load_csv, parse_csv_text
from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import MAX_SEED, Hyperparams, quoted

__all__ = [
    "BUILTIN_DATASETS",
    "DEFAULT_DATASET",
    "MAX_NOISE",
    "MAX_POINTS",
    "MIN_POINTS",
    "BuiltinDataset",
    "fit_hyperparams",
    "make_dataset",
    "parse_noise",
    "parse_points",
    "resolve_dataset",
    "standardise_hint",
]

DEFAULT_DATASET = "tutorial"
MIN_POINTS = 4
MAX_POINTS = 100_000
MAX_NOISE = 5.0

Points = tuple[np.ndarray, np.ndarray]
"""``(features (n, 2), labels (n,))`` as a generator returns them."""


@dataclass(frozen=True)
class BuiltinDataset:
    """One built-in dataset.

    Attributes:
        description: One line for a picker.
        points: Rows made when the caller gives none; None means a fixed table (the tutorial,
            or a truth table's four rows).
        noise: Noise used when the caller gives none.
        noise_meaning: What the noise number does, for help text.
        classes: Number of classes.
        generate: ``(points, noise, rng) -> (features, labels)``; None for a fixed table.
        table: The fixed table (the tutorial's, the fruit), when ``generate`` is None.
    """

    description: str
    points: int | None
    noise: float
    noise_meaning: str
    classes: int = 2
    generate: Callable[[int, float, np.random.Generator], Points] | None = None
    table: Callable[[], Dataset] = lambda: TUTORIAL_DATASET


def _fruit() -> Dataset:
    """30 fruit: weight in grams, width and height in cm, and the fruit (3 classes).

    Shipped inside the package (``tui_nn/data/fruit.csv``) so an installed copy has it. Its
    columns differ in scale (grams vs centimetres): standardise it to train well.
    """
    text = resources.files("tui_nn").joinpath("data", "fruit.csv").read_text(encoding="utf-8")
    return parse_csv_text(text, label="fruit", name="fruit")


def _shares(points: int, classes: int) -> list[int]:
    """Points per class: equal shares, the first classes taking the remainder."""
    return [points // classes + (1 if k < points % classes else 0) for k in range(classes)]


def _labels(shares: list[int]) -> np.ndarray:
    return np.repeat(np.arange(len(shares)), shares)


def _truth_table(outputs: tuple[int, int, int, int]) -> Callable[..., Points]:
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])

    def generate(points: int, noise: float, rng: np.random.Generator) -> Points:
        # Cycling through the corners keeps classes balanced, and 4 points is the table.
        order = np.arange(points) % 4
        features = corners[order] + rng.normal(0.0, noise, size=(points, 2))
        return features, np.array(outputs)[order]

    return generate


def _circle(points: int, noise: float, rng: np.random.Generator) -> Points:
    inside, outside = _shares(points, 2)
    radius = np.concatenate([rng.uniform(0.0, 0.5, inside), rng.uniform(0.7, 1.0, outside)])
    angle = rng.uniform(0.0, 2 * math.pi, points)
    features = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    features += rng.normal(0.0, noise, size=features.shape)
    # Class 1 is the inner disc, class 0 the ring around it.
    return features, np.concatenate([np.ones(inside, int), np.zeros(outside, int)])


def _gauss(points: int, noise: float, rng: np.random.Generator) -> Points:
    shares = _shares(points, 2)
    centres = np.array([[-1.0, -1.0], [1.0, 1.0]])
    labels = _labels(shares)
    return centres[labels] + rng.normal(0.0, 1.0, size=(points, 2)) * noise, labels


def _blobs3(points: int, noise: float, rng: np.random.Generator) -> Points:
    shares = _shares(points, 3)
    angles = np.array([90.0, 210.0, 330.0]) * math.pi / 180
    centres = np.column_stack([np.cos(angles), np.sin(angles)])
    labels = _labels(shares)
    return centres[labels] + rng.normal(0.0, 1.0, size=(points, 2)) * noise, labels


def _spiral(classes: int, turns: float) -> Callable[..., Points]:
    def generate(points: int, noise: float, rng: np.random.Generator) -> Points:
        shares = _shares(points, classes)
        parts = []
        for k, share in enumerate(shares):
            t = np.linspace(0.0, 1.0, share, endpoint=False) + 0.5 / max(share, 1)
            angle = t * turns * 2 * math.pi + k * 2 * math.pi / classes
            parts.append(np.column_stack([t * np.cos(angle), t * np.sin(angle)]))
        features = np.concatenate(parts)
        features += rng.normal(0.0, noise, size=features.shape)
        return features, _labels(shares)

    return generate


def _moons(points: int, noise: float, rng: np.random.Generator) -> Points:
    upper, lower = _shares(points, 2)
    a = np.linspace(0.0, math.pi, upper)
    b = np.linspace(0.0, math.pi, lower)
    features = np.concatenate(
        [
            np.column_stack([np.cos(a), np.sin(a)]),
            np.column_stack([1.0 - np.cos(b), 0.5 - np.sin(b)]),
        ]
    )
    features += rng.normal(0.0, noise, size=features.shape)
    # Centre the pair on the origin so it sits in [-1.5, 1.5] x [-0.75, 0.75].
    features -= [0.5, 0.25]
    return features, _labels([upper, lower])


_TRUTH_NOISE = "standard deviation of the jitter added to each corner (0 = exact corners)"
_POINT_NOISE = "standard deviation of the jitter added to each point"

BUILTIN_DATASETS: dict[str, BuiltinDataset] = {
    "tutorial": BuiltinDataset(
        "the tutorial's 7 rows of 3 binary features (the default)", None, 0.0, "none: fixed"
    ),
    "and": BuiltinDataset(
        "x1 AND x2: the 4 truth-table rows, or sampled corners", None, 0.0, _TRUTH_NOISE,
        generate=_truth_table((0, 0, 0, 1)),
    ),
    "or": BuiltinDataset(
        "x1 OR x2: the 4 truth-table rows, or sampled corners", None, 0.0, _TRUTH_NOISE,
        generate=_truth_table((0, 1, 1, 1)),
    ),
    "xor": BuiltinDataset(
        "x1 XOR x2: not linearly separable, needs a hidden layer", None, 0.0, _TRUTH_NOISE,
        generate=_truth_table((0, 1, 1, 0)),
    ),
    "circle": BuiltinDataset(
        "a disc (class 1) inside a ring (class 0)", 200, 0.05, _POINT_NOISE, generate=_circle
    ),
    "gauss": BuiltinDataset(
        "two Gaussian blobs around (-1, -1) and (1, 1)", 200, 0.5,
        "standard deviation of each blob", generate=_gauss,
    ),
    "spiral": BuiltinDataset(
        "two interleaved spiral arms", 200, 0.05, _POINT_NOISE, generate=_spiral(2, 1.25)
    ),
    "fruit": BuiltinDataset(
        "30 fruit (apple, lemon, orange) by weight, width and height: standardise it",
        None, 0.0, "none: fixed", classes=3, table=_fruit,
    ),
    "moons": BuiltinDataset(
        "two interleaving half circles", 200, 0.1, _POINT_NOISE, generate=_moons
    ),
    "spiral3": BuiltinDataset(
        "three spiral arms: three classes (softmax + ce)", 300, 0.03, _POINT_NOISE,
        classes=3, generate=_spiral(3, 0.75),
    ),
    "blobs3": BuiltinDataset(
        "three Gaussian blobs: three classes (softmax + ce)", 300, 0.35,
        "standard deviation of each blob", classes=3, generate=_blobs3,
    ),
}  # fmt: skip
"""Every built-in dataset by the name users type."""


def _choices() -> str:
    return ", ".join(BUILTIN_DATASETS)


def _check_points(points: object) -> int:
    if isinstance(points, bool) or not isinstance(points, int | np.integer):
        raise TuiNNError(
            f"points must be a whole number from {MIN_POINTS} to {MAX_POINTS}, got {points!r}",
            field="points",
        )
    if not MIN_POINTS <= points <= MAX_POINTS:
        raise TuiNNError(
            f"points must be a whole number from {MIN_POINTS} to {MAX_POINTS}, got {points}",
            field="points",
        )
    return int(points)


def _check_noise(noise: object) -> float:
    if (
        isinstance(noise, bool)
        or not isinstance(noise, int | float | np.floating | np.integer)
        or not math.isfinite(noise)
        or not 0 <= noise <= MAX_NOISE
    ):
        raise TuiNNError(
            f"noise must be a number from 0 to {MAX_NOISE:g}, got {noise!r}", field="noise"
        )
    return float(noise)


def parse_points(text: str) -> int | None:
    """Parse the points field; empty text means the dataset's default (None).

    Raises:
        TuiNNError: with ``field="points"`` when the text is not a whole number in range.
    """
    text = text.strip().replace("_", "")
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise TuiNNError(
            f"points must be a whole number from {MIN_POINTS} to {MAX_POINTS}, got {quoted(text)}",
            field="points",
        ) from None
    return _check_points(value)


def parse_noise(text: str) -> float | None:
    """Parse the noise field; empty text means the dataset's default (None).

    Raises:
        TuiNNError: with ``field="noise"`` when the text is not a number in range.
    """
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise TuiNNError(
            f"noise must be a number from 0 to {MAX_NOISE:g}, got {quoted(text)}", field="noise"
        ) from None
    return _check_noise(value)


def make_dataset(
    name: str, points: int | None = None, noise: float | None = None, seed: int = 0
) -> Dataset:
    """Make a built-in dataset.

    Args:
        name: A key of ``BUILTIN_DATASETS``.
        points: Rows to make; None for the dataset's default. ``and``/``or``/``xor`` give
            their 4 truth-table rows by default and sample the corners in turn otherwise.
        noise: Jitter (see each dataset's ``noise_meaning``); None for the default.
        seed: Seeds the random draws.

    Raises:
        TuiNNError: ``field="dataset"`` for an unknown name (listing the choices),
            ``"points"``/``"noise"``/``"seed"`` for a value out of range, or a points or
            noise setting for the fixed tutorial table.
    """
    spec = BUILTIN_DATASETS.get(name)
    if spec is None:
        raise TuiNNError(
            f"unknown dataset {quoted(name)}: choose one of {_choices()}, or give a .csv file",
            field="dataset",
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise TuiNNError(
            f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}", field="seed"
        )
    if points is not None:
        points = _check_points(points)
    if noise is not None:
        noise = _check_noise(noise)
    if spec.generate is None:
        table = spec.table()
        if points not in (None, table.n_rows):
            raise TuiNNError(
                f"the {name} dataset has a fixed {table.n_rows} rows, got {points}",
                field="points",
            )
        if noise:
            raise TuiNNError(f"the {name} dataset has no noise setting, got {noise}", field="noise")
        return table
    features, labels = spec.generate(
        points if points is not None else spec.points or 4,
        spec.noise if noise is None else noise,
        np.random.default_rng(seed),
    )
    return Dataset(
        features=features,
        labels=labels,
        feature_names=("x1", "x2"),
        class_names=tuple(str(k) for k in range(spec.classes)),
        label_name="label",
        name=name,
    )


def resolve_dataset(
    name_or_path: str,
    label: str | None = None,
    points: int | None = None,
    noise: float | None = None,
    seed: int = 0,
    max_bytes: int = MAX_CSV_BYTES,
) -> Dataset:
    """A built-in dataset by name, or a CSV file by path (what ``--dataset`` accepts).

    Args:
        name_or_path: A key of ``BUILTIN_DATASETS`` or the path of a ``.csv`` file. A name
            wins over a file of the same name; write ``./xor`` to mean the file.
        label: The CSV label column (CSV only).
        points: Rows for a built-in dataset (built-ins only).
        noise: Noise for a built-in dataset (built-ins only).
        seed: Seed of a built-in dataset.
        max_bytes: The largest CSV file accepted.

    Raises:
        TuiNNError: for an unknown name (listing the choices), a missing or malformed file,
            or an option that does not apply (``label`` for a built-in, ``points`` or
            ``noise`` for a file).
    """
    key = name_or_path.strip()
    if key in BUILTIN_DATASETS:
        if label is not None:
            raise TuiNNError(
                f"a label column can only be chosen for a CSV file, not the built-in {key!r}",
                field="label",
            )
        return make_dataset(key, points, noise, seed)
    path = Path(os.path.expanduser(key))
    if path.suffix.lower() != ".csv" and not path.exists():
        raise TuiNNError(
            f"unknown dataset {key!r}: choose one of {_choices()}, or give a .csv file",
            field="dataset",
        )
    for option, value in (("points", points), ("noise", noise)):
        if value is not None:
            raise TuiNNError(
                f"{option} applies to built-in datasets only, not to the file {key}",
                field=option,
            )
    return load_csv(path, label=label, max_bytes=max_bytes)


def standardise_hint(dataset: Dataset) -> str | None:
    """A suggestion to standardise, when the feature columns' scales differ tenfold or more.

    The scale of a column is the larger of its mean's size and its spread; unscaled, the
    widest column dominates the first layer and training crawls (the fruit data's grams
    against centimetres).
    """
    if dataset.n_rows < 2 or dataset.n_features < 2:
        return None
    with np.errstate(all="ignore"):
        features = dataset.features
        scales = np.maximum(np.abs(features.mean(axis=0)), features.std(axis=0))
    if not np.isfinite(scales).all():
        return None
    big, small = int(np.argmax(scales)), int(np.argmin(scales))
    if scales[big] < 10 * max(scales[small], 1e-12):
        return None
    names = dataset.feature_names
    return (
        f"the feature scales differ ({names[big]} about {scales[big]:.3g}, {names[small]} "
        f"about {scales[small]:.3g}); standardising usually trains much better"
    )


def fit_hyperparams(hyperparams: Hyperparams, dataset: Dataset) -> tuple[Hyperparams, str | None]:
    """Hyperparameters that can train on ``dataset``, and a note when they had to change.

    Data with more than two classes needs one softmax output per class and the ``ce`` loss,
    which only the ``textbook`` recipe trains; binary data keeps whatever was chosen.

    Returns:
        ``(hyperparams, note)``: the note says what changed, or is None.
    """
    if dataset.n_classes <= 2 or hyperparams.output_activation == "softmax":
        return hyperparams, None
    changed = hyperparams.replace(recipe="textbook", output_activation="softmax", loss="ce")
    recipe = "" if changed.recipe == hyperparams.recipe else f", recipe {changed.recipe}"
    note = f"{dataset.n_classes} classes: switched to output activation softmax, loss ce{recipe}"
    return changed, note
