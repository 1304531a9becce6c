"""Tutorial vs textbook: both recipes from the same weights, measured by the same mse."""

from __future__ import annotations

import numpy as np
import pytest

from tui_nn.core import TUTORIAL_DATASET, Hyperparams, Trainer
from tui_nn.core.datasets import make_dataset
from tui_nn.core.recipe_comparison import (
    CURVE_POINTS,
    MAX_COMPARISON_EPOCHS,
    compare_recipes,
    comparison_epochs,
    recipe_settings,
)


def _mse_and_right(trainer: Trainer) -> tuple[float, bool]:
    data = trainer.train
    prediction = trainer.network.predict(data.features)
    mse = float(np.mean((prediction.probabilities - data.targets(1)) ** 2))
    return mse, bool(np.all(prediction.classes == data.labels))


def test_each_curve_is_that_recipes_own_training_from_the_same_start() -> None:
    comparison = compare_recipes(Hyperparams(), TUTORIAL_DATASET, epochs=600)
    assert comparison.complete and comparison.limit == 600
    tutorial, textbook = comparison.curves
    assert (tutorial.recipe, textbook.recipe) == ("tutorial", "textbook")
    assert tutorial.mse[0] == textbook.mse[0], "both should start from the same weights"
    for curve in comparison.curves:
        trainer = Trainer(Hyperparams(recipe=curve.recipe), TUTORIAL_DATASET)
        first_right = None
        for epoch in range(1, 601):
            trainer.step()
            mse, right = _mse_and_right(trainer)
            if right and first_right is None:
                first_right = epoch
        assert curve.trained == 600 and curve.epochs[-1] == 600
        assert curve.final_mse == pytest.approx(mse, rel=1e-12)
        assert curve.all_right_epoch == first_right


def test_the_tutorial_gets_every_row_right_sooner_on_its_own_data() -> None:
    comparison = compare_recipes(Hyperparams(), TUTORIAL_DATASET, epochs=2000)
    tutorial, textbook = comparison.curves
    assert tutorial.all_right_epoch is not None and textbook.all_right_epoch is not None
    assert tutorial.all_right_epoch < textbook.all_right_epoch
    assert tutorial.verdict() == f"all rows right at epoch {tutorial.all_right_epoch:,}"
    assert "tutorial: all rows right at epoch" in comparison.summary()


def test_a_recipe_that_never_gets_there_says_not_within_the_limit() -> None:
    comparison = compare_recipes(Hyperparams(), TUTORIAL_DATASET, epochs=50)
    assert comparison.textbook.all_right_epoch is None
    assert comparison.textbook.verdict() == "not all rows right within 50 epochs"


def test_curves_stay_bounded_and_end_at_the_last_epoch() -> None:
    comparison = compare_recipes(Hyperparams(), TUTORIAL_DATASET, epochs=5000)
    for curve in comparison.curves:
        assert len(curve.epochs) <= CURVE_POINTS + 1
        assert curve.epochs[0] == 0 and curve.epochs[-1] == 5000
        assert list(curve.epochs) == sorted(set(curve.epochs))


def test_should_stop_ends_it_early_and_says_so() -> None:
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 2

    comparison = compare_recipes(Hyperparams(), TUTORIAL_DATASET, epochs=10_000, should_stop=stop)
    assert not comparison.complete
    assert comparison.tutorial.trained < 10_000 and comparison.textbook.trained == 0


def test_progress_counts_both_recipes_epochs() -> None:
    seen: list[int] = []
    compare_recipes(Hyperparams(), TUTORIAL_DATASET, epochs=640, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1280


def test_settings_keep_the_users_choices_where_each_recipe_allows() -> None:
    current = Hyperparams(
        recipe="textbook", hidden=(4,), optimizer="adam", loss="bce", batch_size=8, l2=0.1, lr=0.2
    )
    tutorial, textbook = recipe_settings(current)
    assert textbook == current
    assert (tutorial.recipe, tutorial.optimizer, tutorial.loss, tutorial.batch_size) == (
        "tutorial",
        "gd",
        "mse",
        0,
    )
    assert (tutorial.hidden, tutorial.lr, tutorial.l2) == ((4,), 0.2, 0.0)
    softmax = Hyperparams(recipe="textbook", output_activation="softmax", loss="ce")
    assert recipe_settings(softmax)[0].output_activation == "sigmoid"


def test_three_classes_compare_with_softmax_turned_sigmoid_for_the_tutorial() -> None:
    blobs = make_dataset("blobs3", 30)
    hp = Hyperparams(recipe="textbook", hidden=(4,), output_activation="softmax", loss="ce")
    comparison = compare_recipes(hp, blobs, epochs=20)
    assert comparison.tutorial.hyperparams.output_activation == "sigmoid"
    for curve in comparison.curves:
        assert curve.trained == 20 and all(0 <= value < 1 for value in curve.mse)


def test_big_work_gets_fewer_epochs() -> None:
    assert comparison_epochs(Hyperparams(), TUTORIAL_DATASET) == 30_000
    moons = make_dataset("moons", 1000)
    fewer = comparison_epochs(Hyperparams(hidden=(64, 64)), moons)
    assert 1 <= fewer < MAX_COMPARISON_EPOCHS
