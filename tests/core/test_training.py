"""Training as an iterator: determinism, resuming, learning-rate changes, divergence, float32."""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from tui_nn.core import (
    TUTORIAL_DATASET,
    Dataset,
    EpochResult,
    Hyperparams,
    Network,
    Trainer,
)
from tui_nn.core.errors import TuiNNError

Floats = npt.NDArray[np.floating]

# Settings that exercise every optimiser, mini-batches, hidden layers and float32.
CONFIGS: dict[str, dict[str, Any]] = {
    "tutorial": {},
    "tutorial-hidden": {"hidden": (3,), "activation": "tanh"},
    "gd-hidden": {"recipe": "textbook", "hidden": (4,), "activation": "tanh", "lr": 0.5},
    "momentum": {"recipe": "textbook", "optimizer": "momentum", "hidden": (4,), "lr": 0.1},
    "adam": {"recipe": "textbook", "optimizer": "adam", "init": "xavier", "lr": 0.01},
    "adam-batch2": {
        "recipe": "textbook",
        "optimizer": "adam",
        "hidden": (5, 3),
        "activation": "relu",
        "init": "he",
        "loss": "bce",
        "lr": 0.01,
        "batch_size": 2,
    },
    "gd-batch2-l2": {"recipe": "textbook", "batch_size": 2, "l2": 0.01, "l1": 0.001},
    "float32-tutorial": {"dtype": "float32"},
    "float32-adam-batch2": {
        "recipe": "textbook",
        "optimizer": "adam",
        "hidden": (4,),
        "batch_size": 2,
        "dtype": "float32",
        "lr": 0.01,
    },
}
CONFIG_IDS = list(CONFIGS)


def _trainer(name: str, **changes: Any) -> Trainer:
    return Trainer(Hyperparams(**{**CONFIGS[name], **changes}), TUTORIAL_DATASET)


def _bits(results: list[EpochResult]) -> list[tuple[int, str, str]]:
    """Each result's epoch and values as exact hex, so 'equal' means bit for bit."""
    return [(r.epoch, float(r.reported).hex(), float(r.loss).hex()) for r in results]


def _history(trainer: Trainer, epochs: int) -> list[EpochResult]:
    return list(trainer.run(epochs))


# -- determinism ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", CONFIG_IDS)
def test_same_seed_gives_the_same_numbers_bit_for_bit(name: str) -> None:
    first = _trainer(name)
    first_history = _history(first, 60)
    # Disturb NumPy's global generator: the engine must not depend on it.
    np.random.seed(12345)
    np.random.rand(17)
    second = _trainer(name)
    second_history = _history(second, 60)
    assert _bits(first_history) == _bits(second_history)
    assert first.network.params.tobytes() == second.network.params.tobytes()
    assert all(r.divergence is None and math.isfinite(r.loss) for r in first_history)


@pytest.mark.parametrize("name", CONFIG_IDS)
def test_a_different_seed_gives_different_numbers(name: str) -> None:
    one = _trainer(name, seed=1)
    two = _trainer(name, seed=2)
    assert _bits(_history(one, 20)) != _bits(_history(two, 20))
    assert one.network.params.tobytes() != two.network.params.tobytes()


def test_mini_batch_order_follows_the_seed() -> None:
    start = Network.initialised((3, 1), ("sigmoid",), "uniform", 42)
    runs: dict[int, list[list[tuple[int, str, str]]]] = {}
    for seed in (1, 1, 2):
        hp = Hyperparams(recipe="textbook", batch_size=2, seed=seed)
        trainer = Trainer(hp, TUTORIAL_DATASET, network=start.copy())
        runs.setdefault(seed, []).append(_bits(_history(trainer, 5)))
    assert runs[1][0] == runs[1][1]
    assert runs[1][0] != runs[2][0], "the shuffle must depend on the seed"


def test_training_leaves_numpys_global_generator_alone() -> None:
    np.random.seed(7)
    expected = np.random.rand(3)
    np.random.seed(7)
    _history(_trainer("adam-batch2"), 5)
    _history(_trainer("tutorial"), 5)
    assert np.random.rand(3).tolist() == expected.tolist()


# -- stopping, resuming, single steps -------------------------------------------------------


@pytest.mark.parametrize("name", CONFIG_IDS)
def test_resuming_equals_one_long_run(name: str) -> None:
    pieces = _trainer(name)
    history = _history(pieces, 40) + _history(pieces, 60)
    whole = _trainer(name)
    assert _bits(history) == _bits(_history(whole, 100))
    assert pieces.network.params.tobytes() == whole.network.params.tobytes()
    assert pieces.epoch == whole.epoch == 100
    assert [r.epoch for r in history] == list(range(1, 101))


@pytest.mark.parametrize("name", ["tutorial", "adam-batch2"])
def test_breaking_out_of_the_iterator_stops_after_that_epoch(name: str) -> None:
    trainer = _trainer(name, epochs=100)
    seen = []
    for result in trainer.run():
        seen.append(result)
        if result.epoch == 37:
            break
    assert trainer.epoch == 37
    assert trainer.remaining == 63
    seen += list(trainer.run())
    whole = _trainer(name, epochs=100)
    assert _bits(seen) == _bits(list(whole.run()))
    assert trainer.network.params.tobytes() == whole.network.params.tobytes()
    assert list(trainer.run()) == []


@pytest.mark.parametrize("name", ["tutorial", "gd-hidden", "float32-tutorial"])
def test_a_new_trainer_resumes_a_saved_model(name: str) -> None:
    # Full-batch gradient descent keeps no optimiser state, so the model alone resumes it.
    first = _trainer(name, epochs=100)
    early = _history(first, 40)
    resumed = Trainer(
        first.hyperparams, TUTORIAL_DATASET, network=first.network.copy(), epoch=first.epoch
    )
    assert resumed.remaining == 60
    late = list(resumed.run())
    whole = _trainer(name, epochs=100)
    assert _bits(early + late) == _bits(list(whole.run()))
    assert resumed.network.params.tobytes() == whole.network.params.tobytes()


@pytest.mark.parametrize("name", ["tutorial", "adam-batch2", "float32-adam-batch2"])
def test_step_is_one_epoch_of_run(name: str) -> None:
    stepped, ran = _trainer(name), _trainer(name)
    for _ in range(3):
        one = stepped.step()
        (other,) = list(ran.run(1))
        assert _bits([one]) == _bits([other])
        assert stepped.network.params.tobytes() == ran.network.params.tobytes()
    assert stepped.epoch == 3


# -- learning rate changes -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["tutorial", "tutorial-hidden", "gd-hidden"])
def test_a_new_learning_rate_takes_effect_on_the_next_epoch(name: str) -> None:
    faster, same = _trainer(name), _trainer(name)
    _history(faster, 10)
    _history(same, 10)
    old_lr = same.lr
    faster.set_learning_rate(old_lr * 10)
    assert faster.lr == faster.hyperparams.lr == old_lr * 10
    before = faster.network.params.copy()
    faster.step()
    same.step()
    # Plain gradient descent: ten times the rate, ten times the step from the same point.
    np.testing.assert_allclose(
        faster.network.params - before, (same.network.params - before) * 10, rtol=1e-9
    )


def test_a_bad_learning_rate_is_refused_and_the_old_one_kept() -> None:
    trainer, twin = _trainer("gd-hidden"), _trainer("gd-hidden")
    for bad in (0, -1.0, math.nan, math.inf, True):
        with pytest.raises(TuiNNError, match=r"^learning rate must be") as caught:
            trainer.set_learning_rate(bad)
        assert caught.value.field == "lr"
    assert trainer.lr == twin.lr == 0.5
    assert _bits(_history(trainer, 3)) == _bits(_history(twin, 3))


# -- divergence ----------------------------------------------------------------------------


def _run_recording(trainer: Trainer, epochs: int) -> tuple[list[EpochResult], list[Floats]]:
    """Results, and the parameters as each result left them."""
    results, params = [], []
    for result in trainer.run(epochs):
        results.append(result)
        params.append(trainer.network.params.copy())
    return results, params


DIVERGING: dict[str, dict[str, Any]] = {
    "textbook-linear": {"recipe": "textbook", "output_activation": "linear", "lr": 1e6},
    "tutorial-linear": {"output_activation": "linear", "lr": 1e6},
    "momentum-tanh": {
        "recipe": "textbook",
        "optimizer": "momentum",
        "hidden": (4,),
        "activation": "tanh",
        "output_activation": "linear",
        "lr": 1e6,
    },
    "gd-linear-batch2": {
        "recipe": "textbook",
        "output_activation": "linear",
        "lr": 1e6,
        "batch_size": 2,
    },
    # Adam's steps are about lr in size whatever the gradient: only an absurd rate overflows.
    "adam-linear-batch2": {
        "recipe": "textbook",
        "optimizer": "adam",
        "output_activation": "linear",
        "lr": 1e200,
        "batch_size": 2,
    },
    "adam-linear": {
        "recipe": "textbook",
        "optimizer": "adam",
        "output_activation": "linear",
        "lr": 1e200,
    },
    "tutorial-hidden": {"hidden": (2,), "lr": 1e300},
    "float32-linear": {
        "recipe": "textbook",
        "output_activation": "linear",
        "lr": 1e6,
        "dtype": "float32",
    },
}
PARAMETER_NAME = re.compile(r"^(layer \d+ (weight \[\d+, \d+\]|bias \[\d+\])|loss)$")


@pytest.mark.parametrize("name", list(DIVERGING))
def test_divergence_stops_the_run_and_keeps_the_last_finite_weights(name: str) -> None:
    trainer = Trainer(Hyperparams(**DIVERGING[name]), TUTORIAL_DATASET)
    start = trainer.network.params.copy()
    results, params = _run_recording(trainer, 1000)
    last = results[-1]
    assert last.divergence is not None, "this run was expected to diverge"
    assert all(r.divergence is None for r in results[:-1])
    k = len(results)
    assert last.divergence.epoch == k
    # Weights kept: the last whose loss was finite. A non-finite loss is measured before the
    # update, so it condemns the weights epoch k started from too: one epoch further back.
    loss_went = not math.isfinite(last.loss)
    kept_epoch = max(k - 2, 0) if loss_went else k - 1
    assert last.epoch == trainer.epoch == last.divergence.kept_epoch == kept_epoch
    kept = params[kept_epoch - 1] if kept_epoch else start
    assert np.isfinite(trainer.network.params).all()
    assert trainer.network.params.tobytes() == kept.tobytes()
    assert math.isfinite(trainer.evaluate().loss) or kept_epoch == 0
    assert PARAMETER_NAME.match(last.divergence.parameter)
    assert not math.isfinite(last.divergence.value)
    message = last.divergence.message()
    assert f"epoch {k}" in message
    assert last.divergence.parameter in message
    assert trainer.divergence == last.divergence


@pytest.mark.parametrize(
    ("optimizer", "lr", "batch_size"),
    [
        ("gd", 1e308, 0),
        ("momentum", 1e308, 0),
        # Adam's step is about lr whatever the gradient, so one step never overflows; the
        # second row's loss does, still within epoch 1.
        ("adam", 1e200, 1),
    ],
    ids=["gd", "momentum", "adam"],
)
def test_training_continues_after_lowering_the_learning_rate(
    optimizer: str, lr: float, batch_size: int
) -> None:
    # Epoch 1 overflows; the model keeps its starting weights and optimiser state (zero
    # velocity, zero moments) and carries on once the rate is sensible.
    data = Dataset(np.eye(3), np.array([0, 1, 1]), ("a", "b", "c"))
    network = Network.from_arrays([[[0.1], [0.2], [30.0]]], [[0.0]], ["linear"])
    start = network.params.copy()
    hp = Hyperparams(
        recipe="textbook",
        output_activation="linear",
        optimizer=optimizer,
        lr=lr,
        batch_size=batch_size,
    )
    trainer = Trainer(hp, data, network=network)
    (diverged,) = list(trainer.run(10))
    assert diverged.divergence is not None
    assert trainer.network.params.tobytes() == start.tobytes()
    trainer.set_learning_rate(0.2)
    after = list(trainer.run(50))
    assert [r.epoch for r in after] == list(range(1, 51))
    assert all(r.divergence is None and math.isfinite(r.loss) for r in after)
    # Stale optimiser state (infinite second moments) would stall it well short of this.
    assert after[-1].loss < after[0].loss / 10


def _parameter_name(sizes: tuple[int, ...], index: int) -> str:
    """Name a flat index independently of the engine: weights of every layer, then biases."""
    pairs = list(itertools.pairwise(sizes))
    for layer, (n_in, n_out) in enumerate(pairs, start=1):
        if index < n_in * n_out:
            return f"layer {layer} weight [{index // n_out}, {index % n_out}]"
        index -= n_in * n_out
    for layer, (_, n_out) in enumerate(pairs, start=1):
        if index < n_out:
            return f"layer {layer} bias [{index}]"
        index -= n_out
    raise IndexError(index)


def _linear_mse_step(
    sizes: tuple[int, ...], params: Floats, x: Floats, y: Floats, lr: float
) -> Floats:
    """One full-batch gradient-descent step of mse through linear layers, by hand."""
    pairs = list(itertools.pairwise(sizes))
    n_weights = sum(a * b for a, b in pairs)
    weights, biases, w_at, b_at = [], [], 0, n_weights
    for n_in, n_out in pairs:
        weights.append(params[w_at : w_at + n_in * n_out].reshape(n_in, n_out))
        biases.append(params[b_at : b_at + n_out])
        w_at, b_at = w_at + n_in * n_out, b_at + n_out
    inputs = [x]
    for w, b in zip(weights, biases, strict=True):
        inputs.append(inputs[-1] @ w + b)
    delta = 2 * (inputs[-1] - y) / y.size
    w_grads: list[Floats] = []
    b_grads: list[Floats] = []
    for layer in range(len(weights) - 1, -1, -1):
        w_grads.insert(0, inputs[layer].T @ delta)
        b_grads.insert(0, delta.sum(axis=0))
        delta = delta @ weights[layer].T
    grad = np.concatenate([g.ravel() for g in w_grads] + b_grads)
    return params - lr * grad


@pytest.mark.parametrize(
    ("weights", "biases"),
    [
        pytest.param([[[0.1], [0.2], [1e10]]], [[0.0]], id="depth0"),
        pytest.param(
            [[[1.0, 0.0], [0.0, 0.5], [0.0, 0.0]], [[0.3], [1e10]]],
            [[0.0, 0.0], [0.0]],
            id="depth1",
        ),
    ],
)
def test_divergence_names_the_first_parameter_that_overflowed(
    weights: list[Any], biases: list[Any]
) -> None:
    data = Dataset(np.eye(3), np.array([0, 1, 1]), ("a", "b", "c"))
    names = ("linear",) * len(weights)
    network = Network.from_arrays(weights, biases, names)
    hidden = tuple(np.asarray(w).shape[1] for w in weights[:-1])
    hp = Hyperparams(
        recipe="textbook", hidden=hidden, activation="linear", output_activation="linear", lr=1e300
    )
    before = network.params.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        expected = _linear_mse_step(
            network.layer_sizes, before, data.features, data.targets(), hp.lr
        )
    first_bad = int(np.flatnonzero(~np.isfinite(expected))[0])
    assert first_bad > 0, "the case should not make the very first parameter overflow"

    trainer = Trainer(hp, data, network=network)
    (result,) = list(trainer.run(5))
    assert result.divergence is not None
    assert result.divergence.epoch == 1
    assert result.divergence.parameter == _parameter_name(network.layer_sizes, first_bad)
    assert result.divergence.value == expected[first_bad]
    assert trainer.network.params.tobytes() == before.tobytes()
    assert "kept the weights from epoch 0" in result.divergence.message()


def test_a_non_finite_loss_with_finite_weights_is_divergence_too() -> None:
    # Outputs of 1e160 square past the largest float while a tiny rate keeps weights finite.
    network = Network.from_arrays([[[1e160], [1e160], [1e160]]], [[0.0]], ["linear"])
    hp = Hyperparams(recipe="textbook", output_activation="linear", lr=1e-300)
    before = network.params.copy()
    trainer = Trainer(hp, TUTORIAL_DATASET, network=network)
    (result,) = list(trainer.run(3))
    assert result.divergence is not None
    assert result.divergence.parameter == "loss"
    assert result.divergence.value == math.inf
    assert trainer.network.params.tobytes() == before.tobytes()


# -- float32 -------------------------------------------------------------------------------


def test_float32_tutorial_tracks_the_golden_numbers(golden: dict[str, Any]) -> None:
    trainer = Trainer(Hyperparams(dtype="float32", epochs=101), TUTORIAL_DATASET)
    history = [r.reported for r in trainer.run()]
    assert trainer.network.params.dtype == np.float32
    np.testing.assert_allclose(
        history[:100], golden["printed_error_sums_first_100_epochs"], rtol=0, atol=1e-5
    )
    after = golden["after_101_updates"]
    np.testing.assert_allclose(
        trainer.network.params, [*after["weights"], after["bias"]], rtol=0, atol=1e-5
    )
    probabilities = trainer.predict([[1, 0, 0], [0, 1, 0]]).probabilities
    assert probabilities.dtype == np.float32
    np.testing.assert_allclose(
        probabilities[:, 0], [after["predict_[1,0,0]"], after["predict_[0,1,0]"]], atol=1e-5
    )


def test_float32_multiclass_training_learns_and_stays_float32(three_class_data: Dataset) -> None:
    hp = Hyperparams(
        recipe="textbook",
        hidden=(8,),
        activation="relu",
        loss="ce",
        output_activation="softmax",
        optimizer="adam",
        init="he",
        lr=0.05,
        batch_size=4,
        dtype="float32",
        epochs=150,
    )
    trainer = Trainer(hp, three_class_data)
    results = list(trainer.run())
    assert trainer.network.params.dtype == np.float32
    assert all(w.dtype == np.float32 for w in trainer.network.weights + trainer.network.biases)
    assert results[-1].loss < results[0].loss / 4
    assert trainer.evaluate().accuracy == 1.0
    prediction = trainer.predict(three_class_data.features)
    assert prediction.probabilities.dtype == np.float32
    np.testing.assert_allclose(prediction.probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_a_float64_model_trained_as_float32_is_converted() -> None:
    network = Network.initialised((3, 1), ("sigmoid",), "uniform", 42)
    trainer = Trainer(Hyperparams(dtype="float32"), TUTORIAL_DATASET, network=network)
    trainer.step()
    assert trainer.network.params.dtype == np.float32


# -- other things a caller relies on -------------------------------------------------------


def test_test_rows_are_scored_after_each_update(binary_data: Dataset) -> None:
    hp = Hyperparams(recipe="textbook", loss="bce", lr=0.5, epochs=30)
    trainer = Trainer(hp, TUTORIAL_DATASET, test=binary_data)
    results = list(trainer.run())
    assert all(r.test_loss is not None for r in results)
    assert results[-1].test_loss == pytest.approx(trainer.evaluate(binary_data).loss, rel=1e-12)
    no_test = Trainer(hp, TUTORIAL_DATASET)
    assert all(r.test_loss is None for r in no_test.run(3))


def test_a_model_that_does_not_fit_the_settings_is_refused() -> None:
    network = Network.initialised((3, 4, 1), ("tanh", "sigmoid"), "xavier", 0)
    with pytest.raises(TuiNNError, match="do not fit") as caught:
        Trainer(Hyperparams(), TUTORIAL_DATASET, network=network)
    assert caught.value.field == "hidden"


@pytest.mark.parametrize("fast", [True, False], ids=["tutorial-kernel", "general-path"])
def test_huge_but_finite_weights_are_not_divergence(fast: bool) -> None:
    # With lr 1e308 the weights swing near the float limit: each is finite though their
    # sum is not. Nothing diverged, so nothing may be reported or rolled back.
    trainer = Trainer(Hyperparams(lr=1e308), TUTORIAL_DATASET, fast_path=fast)
    assert trainer.on_fast_path == fast
    results = list(trainer.run(50))
    assert [r.divergence for r in results] == [None] * 50
    assert np.isfinite(trainer.network.params).all()
    assert np.abs(trainer.network.params).max() > 1e300


def test_after_a_loss_overflow_a_lower_rate_trains_on_from_the_kept_weights() -> None:
    # A linear output's loss (about w^2) overflows long before any weight does; the kept
    # weights must be ones whose loss is finite, or lowering the rate could not help.
    hp = Hyperparams(recipe="textbook", output_activation="linear", lr=1e6)
    trainer = Trainer(hp, TUTORIAL_DATASET)
    *_, diverged = trainer.run(1000)
    assert diverged.divergence is not None and diverged.divergence.parameter == "loss"
    assert math.isfinite(trainer.evaluate().loss)
    trainer.set_learning_rate(1e-9)
    after = list(trainer.run(20))
    assert len(after) == 20 and all(r.divergence is None for r in after)
    assert after[-1].loss <= after[0].loss


def test_mini_batch_order_depends_only_on_seed_and_epoch() -> None:
    # A run rebuilt from a saved model at epoch 3 sees the batches an unbroken run sees.
    hp = Hyperparams(recipe="textbook", optimizer="gd", batch_size=2, seed=5, lr=0.5)
    straight = Trainer(hp, TUTORIAL_DATASET)
    list(straight.run(6))
    first = Trainer(hp, TUTORIAL_DATASET)
    list(first.run(3))
    rebuilt = Trainer(hp, TUTORIAL_DATASET, network=first.network.copy(), epoch=3)
    list(rebuilt.run(3))
    assert rebuilt.network.params.tobytes() == straight.network.params.tobytes()
