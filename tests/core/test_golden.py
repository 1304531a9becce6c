"""The tutorial recipe reproduces every number of the seed tutorial, quirk included."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from tui_nn.core import TUTORIAL_DATASET, Hyperparams, Trainer

TOLERANCE = 1e-12
GOLDEN_COPY = Path(__file__).resolve().parents[1] / "data" / "tutorial-golden.json"
POINTS = [[1, 0, 0], [0, 1, 0]]

Floats = npt.NDArray[np.floating]


@dataclass
class TutorialRun:
    """What the engine produced over the tutorial's 30000 epochs, with a snapshot at 101."""

    initial: Floats
    history: list[float]
    params_101: Floats
    predictions_101: Floats
    classes_101: list[int]
    params_30000: Floats
    predictions_30000: Floats


@pytest.fixture(scope="module")
def tutorial_run() -> TutorialRun:
    """Train the tutorial's settings once for the whole module (about a second)."""
    trainer = Trainer(Hyperparams(), TUTORIAL_DATASET)
    initial = trainer.network.params.copy()
    history = [result.reported for result in trainer.run(101)]
    params_101 = trainer.network.params.copy()
    prediction_101 = trainer.predict(POINTS)
    history += [result.reported for result in trainer.run()]
    return TutorialRun(
        initial=initial,
        history=history,
        params_101=params_101,
        predictions_101=prediction_101.probabilities[:, 0].copy(),
        classes_101=prediction_101.classes.tolist(),
        params_30000=trainer.network.params.copy(),
        predictions_30000=trainer.predict(POINTS).probabilities[:, 0].copy(),
    )


def _close(actual: Any, expected: Any) -> None:
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=0, atol=TOLERANCE)


def test_tutorial_defaults_are_the_golden_settings(golden: dict[str, Any]) -> None:
    hp = Hyperparams()
    assert (hp.seed, hp.lr, hp.epochs) == (
        golden["hyperparameters"]["numpy_legacy_seed"],
        golden["hyperparameters"]["lr"],
        golden["hyperparameters"]["epochs"],
    )
    assert TUTORIAL_DATASET.features.tolist() == golden["dataset"]["X"]
    assert TUTORIAL_DATASET.labels.tolist() == golden["dataset"]["y"]


def test_initial_weights_and_bias(tutorial_run: TutorialRun, golden: dict[str, Any]) -> None:
    # The legacy seed's draws are reproduced exactly, not just closely.
    assert tutorial_run.initial.tolist() == [*golden["initial_weights"], golden["initial_bias"]]


def test_first_100_printed_error_sums(tutorial_run: TutorialRun, golden: dict[str, Any]) -> None:
    expected = golden["printed_error_sums_first_100_epochs"]
    assert len(expected) == 100
    _close(tutorial_run.history[:100], expected)


def test_101st_error_sum_weights_bias_and_predictions(
    tutorial_run: TutorialRun, golden: dict[str, Any]
) -> None:
    after = golden["after_101_updates"]
    _close(tutorial_run.history[100], after["error_sum_at_feed_forward_101"])
    _close(tutorial_run.params_101, [*after["weights"], after["bias"]])
    _close(tutorial_run.predictions_101, [after["predict_[1,0,0]"], after["predict_[0,1,0]"]])
    # What the tutorial itself printed, to its eight decimals.
    printed = after["printed_by_tutorial"]
    shown = [f"{p:.8f}" for p in tutorial_run.predictions_101]
    assert shown == [printed["predict_[1,0,0]"], printed["predict_[0,1,0]"]]


def test_after_30000_updates(tutorial_run: TutorialRun, golden: dict[str, Any]) -> None:
    after = golden["after_30000_updates"]
    assert len(tutorial_run.history) == 30000
    _close(tutorial_run.history[-1], after["last_error_sum"])
    _close(tutorial_run.params_30000, [*after["weights"], after["bias"]])
    _close(tutorial_run.predictions_30000, [after["predict_[1,0,0]"], after["predict_[0,1,0]"]])


def test_predicted_classes_match_the_tutorials_reading(tutorial_run: TutorialRun) -> None:
    # "the output is closer to 0, so will be classified as 0. Second one ... classified as 1."
    assert tutorial_run.classes_101 == [0, 1]


# The tutorial's own code, copied from the seed (Steps #2 to #4), minus the print.
def sigmoid(x: Floats) -> Floats:
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x: Floats) -> Floats:
    return sigmoid(x) * (1 - sigmoid(x))


def tutorial_loop(epochs: int) -> tuple[list[float], Floats, Floats]:
    """The seed's training loop as written, returning its error sums, weights and bias."""
    training_set = np.array(
        [[0, 1, 0], [0, 0, 1], [1, 0, 0], [1, 1, 0], [1, 1, 1], [0, 1, 1], [0, 1, 0]]
    )
    labels = np.array([[1, 0, 0, 1, 1, 0, 1]])
    labels = labels.reshape(7, 1)
    np.random.seed(42)
    weights = np.random.rand(3, 1)
    bias = np.random.rand(1)
    lr = 0.05
    printed = []
    for _epoch in range(epochs):
        inputs = training_set
        XW = np.dot(inputs, weights) + bias
        z = sigmoid(XW)
        error = z - labels
        printed.append(float(error.sum()))
        dcost = error
        dpred = sigmoid_derivative(z)
        z_del = dcost * dpred
        inputs = training_set.T
        weights = weights - lr * np.dot(inputs, z_del)
        for num in z_del:
            bias = bias - lr * num
    return printed, weights, bias


@pytest.mark.parametrize("epochs", [1, 5])
def test_tutorial_recipe_is_the_tutorials_loop_bit_for_bit(epochs: int) -> None:
    printed, weights, bias = tutorial_loop(epochs)
    trainer = Trainer(Hyperparams(), TUTORIAL_DATASET)
    history = [result.reported for result in trainer.run(epochs)]
    assert history == printed
    assert trainer.network.weights[0].tolist() == weights.tolist()
    assert trainer.network.biases[0].tolist() == bias.tolist()


def _half_sse_gradient(params: Floats) -> Floats:
    """The true gradient of 0.5 * sum((a - y)^2) for one sigmoid neuron on the tutorial data."""
    x, y = TUTORIAL_DATASET.features, TUTORIAL_DATASET.labels.reshape(-1, 1)
    a = sigmoid(x @ params[:3].reshape(3, 1) + params[3])
    delta = (a - y) * a * (1 - a)
    return np.concatenate([(x.T @ delta).ravel(), delta.sum(axis=0)])


def test_tutorial_step_follows_the_quirk_not_the_gradient() -> None:
    tutorial = Trainer(Hyperparams(), TUTORIAL_DATASET)
    before = tutorial.network.params.copy()
    tutorial.step()
    moved = (before - tutorial.network.params) / 0.05
    true = _half_sse_gradient(before)
    # sigma'(sigma(x)) is not sigma'(x): the tutorial's step is not the gradient's direction.
    assert not np.allclose(moved, true, rtol=1e-3)
    quirk_x = TUTORIAL_DATASET.features
    a = sigmoid(quirk_x @ before[:3].reshape(3, 1) + before[3])
    quirk_delta = (a - TUTORIAL_DATASET.labels.reshape(-1, 1)) * sigmoid_derivative(a)
    expected = np.concatenate([(quirk_x.T @ quirk_delta).ravel(), quirk_delta.sum(axis=0)])
    np.testing.assert_allclose(moved, expected, rtol=1e-12)


def test_textbook_recipe_differs_and_follows_the_true_gradient() -> None:
    hp = Hyperparams(recipe="textbook", lr=1.0)
    textbook = Trainer(hp, TUTORIAL_DATASET)
    tutorial = Trainer(Hyperparams(lr=1.0), TUTORIAL_DATASET)
    before = textbook.network.params.copy()
    assert before.tolist() == tutorial.network.params.tolist()
    textbook.step()
    tutorial.step()
    assert not np.allclose(textbook.network.params, tutorial.network.params, rtol=1e-3)
    # mse is mean((a - y)^2) = (2 / 7) * (0.5 * sum): its gradient is the true one, rescaled.
    np.testing.assert_allclose(
        before - textbook.network.params, _half_sse_gradient(before) * 2 / 7, rtol=1e-12
    )


def test_general_tutorial_path_reproduces_the_first_101_epochs(golden: dict[str, Any]) -> None:
    trainer = Trainer(Hyperparams(), TUTORIAL_DATASET, fast_path=False)
    history = [result.reported for result in trainer.run(101)]
    _close(history[:100], golden["printed_error_sums_first_100_epochs"])
    after = golden["after_101_updates"]
    _close(history[100], after["error_sum_at_feed_forward_101"])
    _close(trainer.network.params, [*after["weights"], after["bias"]])


def test_single_neuron_kernel_equals_the_general_path_bit_for_bit() -> None:
    fast = Trainer(Hyperparams(), TUTORIAL_DATASET)
    general = Trainer(Hyperparams(), TUTORIAL_DATASET, fast_path=False)
    # Guard against comparing the kernel with itself if the switch ever moves.
    assert fast.on_fast_path
    assert not general.on_fast_path
    for lr in (0.05, 0.5, 0.005):
        fast.set_learning_rate(lr)
        general.set_learning_rate(lr)
        ran = list(fast.run(300))
        expected = list(general.run(300))
        assert [r.epoch for r in ran] == [r.epoch for r in expected]
        assert fast.network.params.tobytes() == general.network.params.tobytes()
        # The shown values are sums over rows, not part of the update: NumPy sums them with
        # SIMD, whose order (and so the last bit) depends on the CPU; the kernel sums in order.
        for field in ("reported", "loss"):
            np.testing.assert_allclose(
                [getattr(r, field) for r in ran],
                [getattr(r, field) for r in expected],
                rtol=0,
                atol=4 * np.finfo(float).eps,
            )
