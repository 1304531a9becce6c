"""Built-in datasets: seeded, adjustable, clear errors; the multiclass set trains well."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.datasets import (
    BUILTIN_DATASETS,
    fit_hyperparams,
    make_dataset,
    parse_noise,
    parse_points,
    resolve_dataset,
)
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.split import prepare_data
from tui_nn.core.training import Trainer

EXAMPLE = Path(__file__).parents[2] / "assets" / "example.csv"
GENERATED = [name for name, spec in BUILTIN_DATASETS.items() if spec.points is not None]


def test_the_issue_names_are_all_there() -> None:
    wanted = {"tutorial", "and", "or", "xor", "circle", "gauss", "spiral", "moons"}
    assert wanted <= set(BUILTIN_DATASETS)
    assert any(spec.classes == 3 for spec in BUILTIN_DATASETS.values())


def test_tutorial_is_the_tutorial_table() -> None:
    assert make_dataset("tutorial") is TUTORIAL_DATASET
    assert make_dataset("tutorial", points=7, noise=0) is TUTORIAL_DATASET
    with pytest.raises(TuiNNError, match="fixed 7 rows") as caught:
        make_dataset("tutorial", points=20)
    assert caught.value.field == "points"
    with pytest.raises(TuiNNError, match="no noise") as caught:
        make_dataset("tutorial", noise=0.1)
    assert caught.value.field == "noise"


@pytest.mark.parametrize(
    ("name", "labels"), [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("xor", [0, 1, 1, 0])]
)
def test_truth_tables_default_to_their_four_rows(name: str, labels: list[int]) -> None:
    dataset = make_dataset(name)
    assert dataset.features.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert dataset.labels.tolist() == labels
    assert dataset.name == name


def test_truth_table_can_be_sampled_with_noise() -> None:
    dataset = make_dataset("xor", points=40, noise=0.1, seed=3)
    assert dataset.n_rows == 40
    assert np.bincount(dataset.labels).tolist() == [20, 20]
    corners = np.rint(dataset.features)
    assert (np.abs(dataset.features - corners) < 0.5).all()
    assert ((corners[:, 0] != corners[:, 1]) == (dataset.labels == 1)).all()
    assert not np.array_equal(dataset.features, corners)


@pytest.mark.parametrize("name", GENERATED)
def test_generated_sets_are_seeded_balanced_and_adjustable(name: str) -> None:
    spec = BUILTIN_DATASETS[name]
    dataset = make_dataset(name)
    assert dataset.n_rows == spec.points
    assert dataset.n_classes == spec.classes
    counts = np.bincount(dataset.labels, minlength=spec.classes)
    assert counts.max() - counts.min() <= 1
    assert np.isfinite(dataset.features).all()
    again = make_dataset(name)
    assert again.features.tobytes() == dataset.features.tobytes()
    other = make_dataset(name, seed=1)
    assert other.features.tobytes() != dataset.features.tobytes()
    small = make_dataset(name, points=31, noise=0.0)
    assert small.n_rows == 31
    noisy = make_dataset(name, points=31, noise=1.0)
    assert np.abs(noisy.features - small.features).mean() > 0.2


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"name": "xnor"}, "dataset", "unknown dataset 'xnor': choose one of tutorial, and, or"),
        ({"name": "circle", "points": 3}, "points", "points must be a whole number from 4"),
        ({"name": "circle", "points": 100_001}, "points", "to 100000, got 100001"),
        ({"name": "circle", "points": True}, "points", "got True"),
        ({"name": "circle", "points": 20.0}, "points", "got 20.0"),
        ({"name": "circle", "noise": -0.1}, "noise", "noise must be a number from 0 to 5"),
        ({"name": "circle", "noise": math.nan}, "noise", "got nan"),
        ({"name": "circle", "noise": math.inf}, "noise", "got inf"),
        ({"name": "circle", "noise": 6}, "noise", "got 6"),
        ({"name": "circle", "seed": -1}, "seed", "seed must be a whole number"),
    ],
)
def test_bad_values_name_the_field(kwargs: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(TuiNNError) as caught:
        make_dataset(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert message in str(caught.value)


def test_points_and_noise_fields_parse_text() -> None:
    assert parse_points(" 1_000 ") == 1000
    assert parse_points("") is None
    assert parse_noise("0.25") == 0.25
    assert parse_noise(" ") is None
    for text in ("abc", "2.5", "3"):
        with pytest.raises(TuiNNError) as caught:
            parse_points(text)
        assert caught.value.field == "points"
    for text in ("lots", "-1", "nan"):
        with pytest.raises(TuiNNError) as caught:
            parse_noise(text)
        assert caught.value.field == "noise"


def test_resolve_takes_a_name_or_a_csv_path(tmp_path: Path) -> None:
    assert resolve_dataset("xor").name == "xor"
    assert resolve_dataset("moons", points=10, seed=2).n_rows == 10
    fruit = resolve_dataset(str(EXAMPLE), label="fruit")
    assert fruit.class_names == ("apple", "lemon", "orange")
    with pytest.raises(TuiNNError, match="unknown dataset 'nope'") as caught:
        resolve_dataset("nope")
    assert caught.value.field == "dataset"
    with pytest.raises(TuiNNError, match="no such file"):
        resolve_dataset(str(tmp_path / "missing.csv"))
    with pytest.raises(TuiNNError, match="only be chosen for a CSV file") as caught:
        resolve_dataset("xor", label="y")
    assert caught.value.field == "label"
    with pytest.raises(TuiNNError, match="built-in datasets only") as caught:
        resolve_dataset(str(EXAMPLE), points=10)
    assert caught.value.field == "points"


def test_three_classes_switch_to_softmax_and_say_so() -> None:
    hyperparams, note = fit_hyperparams(Hyperparams(), make_dataset("blobs3"))
    assert (hyperparams.recipe, hyperparams.output_activation, hyperparams.loss) == (
        "textbook",
        "softmax",
        "ce",
    )
    assert note == "3 classes: switched to output activation softmax, loss ce, recipe textbook"
    same, none = fit_hyperparams(Hyperparams(), make_dataset("xor"))
    assert same == Hyperparams() and none is None


@pytest.mark.parametrize(
    "name", [n for n, s in BUILTIN_DATASETS.items() if s.classes == 3 and s.generate is not None]
)
def test_multiclass_set_trains_to_ninety_percent(name: str) -> None:
    """The textbook recipe: hidden 16 tanh, softmax + ce, adam lr 0.01, 1000 epochs."""
    hyperparams = Hyperparams(
        recipe="textbook",
        hidden=(16,),
        activation="tanh",
        output_activation="softmax",
        loss="ce",
        optimizer="adam",
        init="xavier",
        lr=0.01,
        epochs=1000,
        seed=0,
    )
    data = prepare_data(make_dataset(name), test_fraction=0.2, seed=0)
    trainer = Trainer(hyperparams, data.train, data.test)
    results = list(trainer.run())
    assert results[-1].divergence is None
    assert trainer.evaluate().accuracy >= 0.9
    assert trainer.evaluate(data.test).accuracy >= 0.85


def test_the_fruit_table_ships_inside_the_package() -> None:
    """`--dataset fruit` works for an installed user: the CSV is package data, not assets/."""
    fruit = make_dataset("fruit")
    assert (fruit.n_rows, fruit.class_names) == (30, ("apple", "lemon", "orange"))
    assert fruit.feature_names == ("weight_g", "width_cm", "height_cm")
    with pytest.raises(TuiNNError, match="the fruit dataset has a fixed 30 rows"):
        make_dataset("fruit", points=10)


def test_standardising_is_suggested_when_scales_differ() -> None:
    from tui_nn.core.datasets import standardise_hint

    hint = standardise_hint(make_dataset("fruit"))
    assert hint is not None and hint.startswith("the feature scales differ (weight_g about 1")
    assert standardise_hint(make_dataset("moons")) is None
    assert standardise_hint(make_dataset("tutorial")) is None
