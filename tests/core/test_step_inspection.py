"""The step inspector: its "new weights" are the trainer's, bit for bit, and its numbers add up."""

from __future__ import annotations

import numpy as np
import pytest

from tui_nn.core import TUTORIAL_DATASET, Dataset, Hyperparams, Trainer, TuiNNError
from tui_nn.core.datasets import make_dataset
from tui_nn.core.split import prepare_data
from tui_nn.core.step_inspection import (
    inspect_grid_row,
    inspect_step,
    inspect_trainer,
    training_row,
)

XOR = make_dataset("xor")
MOONS = make_dataset("moons", 120)


def _follow(hyperparams: Hyperparams, data: Dataset, epochs: int, fast_path: bool = True) -> None:
    """Inspect, then step, ``epochs`` times: each inspection's new weights are the trainer's."""
    trainer = Trainer(hyperparams, data, fast_path=fast_path)
    for epoch in range(epochs):
        inspection = inspect_trainer(trainer, epoch % data.n_rows)
        before = trainer.network.params.copy()
        trainer.step()
        assert not np.array_equal(before, trainer.network.params), "the step changed nothing"
        assert inspection.new_params.dtype == trainer.network.params.dtype
        assert inspection.new_params.tobytes() == trainer.network.params.tobytes(), (
            f"epoch {epoch + 1}: inspector and trainer disagree"
        )


@pytest.mark.parametrize(
    ("hyperparams", "data"),
    [
        pytest.param(Hyperparams(), TUTORIAL_DATASET, id="tutorial"),
        pytest.param(Hyperparams(recipe="textbook"), TUTORIAL_DATASET, id="textbook"),
        pytest.param(Hyperparams(hidden=(4,), lr=0.5), XOR, id="tutorial-2-4-1"),
        pytest.param(Hyperparams(recipe="textbook", hidden=(4,), lr=0.5), XOR, id="textbook-2-4-1"),
        pytest.param(Hyperparams(hidden=(8,)), MOONS, id="tutorial-numpy-path"),
        pytest.param(
            Hyperparams(recipe="textbook", hidden=(4, 3), activation="tanh", l2=0.01, l1=0.001),
            MOONS,
            id="textbook-penalties",
        ),
        pytest.param(
            Hyperparams(recipe="textbook", hidden=(4,), optimizer="adam", lr=0.01),
            XOR,
            id="textbook-adam",
        ),
        pytest.param(
            Hyperparams(recipe="textbook", hidden=(4,), optimizer="momentum", loss="bce"),
            MOONS,
            id="textbook-momentum-bce",
        ),
        pytest.param(Hyperparams(dtype="float32"), TUTORIAL_DATASET, id="tutorial-float32"),
    ],
)
def test_new_weights_equal_the_trainers_after_each_epoch(
    hyperparams: Hyperparams, data: Dataset
) -> None:
    _follow(hyperparams, data, epochs=6)


def test_tutorial_on_the_numpy_path_too() -> None:
    _follow(Hyperparams(), TUTORIAL_DATASET, epochs=6, fast_path=False)


def test_softmax_network_new_weights_equal_the_trainers() -> None:
    blobs = make_dataset("blobs3", 60)
    hp = Hyperparams(
        recipe="textbook", hidden=(5,), output_activation="softmax", loss="ce", optimizer="adam"
    )
    _follow(hp, blobs, epochs=4)


def test_first_mini_batch_step_equals_training_on_that_batch_alone() -> None:
    hp = Hyperparams(recipe="textbook", hidden=(4,), batch_size=32, seed=3)
    trainer = Trainer(hp, MOONS)
    trainer.step()
    inspection = inspect_trainer(trainer, 0)
    assert inspection.n_batches == 4 and len(inspection.batch_rows) == 32
    rows = list(inspection.batch_rows)
    batch = Dataset(MOONS.features[rows], MOONS.labels[rows], MOONS.feature_names)
    alone = Trainer(hp.replace(batch_size=0), batch, network=trainer.network.copy())
    alone.step()
    assert inspection.new_params.tobytes() == alone.network.params.tobytes()
    assert "first step" in inspection.coverage()


def test_a_row_outside_the_first_batch_contributes_nothing_and_says_so() -> None:
    hp = Hyperparams(recipe="textbook", hidden=(4,), batch_size=32, seed=3)
    trainer = Trainer(hp, MOONS)
    inspection = inspect_trainer(trainer, 0)
    outside = next(row for row in range(MOONS.n_rows) if row not in inspection.batch_rows)
    inspection = inspect_trainer(trainer, outside)
    assert inspection.row_batch > 1
    assert f"batch {inspection.row_batch}" in inspection.coverage()
    for layer in inspection.layers:
        assert not layer.in_batch
        assert not layer.weight_contribution.any() and not layer.bias_contribution.any()
    # Its forward pass is still the model's answer for the row.
    expected = trainer.network.forward(MOONS.features[outside])[0]
    np.testing.assert_allclose(inspection.output, expected, rtol=1e-12)


@pytest.mark.parametrize("recipe", ["tutorial", "textbook"])
def test_row_numbers_add_up_layer_by_layer(recipe: str) -> None:
    trainer = Trainer(Hyperparams(recipe=recipe, hidden=(4,), lr=0.5), XOR)
    for _ in range(3):
        trainer.step()
    row = 2
    inspection = inspect_trainer(trainer, row)
    np.testing.assert_array_equal(inspection.features, XOR.features[row])
    assert inspection.target.tolist() == [float(XOR.labels[row])]
    hidden, output = inspection.layers
    np.testing.assert_array_equal(output.inputs, hidden.a)
    for layer in inspection.layers:
        np.testing.assert_allclose(layer.z, layer.inputs @ layer.weights + layer.bias, rtol=1e-12)
        np.testing.assert_allclose(layer.delta, layer.upstream * layer.derivative, rtol=1e-12)
        np.testing.assert_allclose(layer.weight_contribution, np.outer(layer.inputs, layer.delta))
    np.testing.assert_allclose(hidden.upstream, output.delta @ output.weights.T, rtol=1e-12)
    if recipe == "tutorial":
        np.testing.assert_allclose(output.upstream, inspection.error)
    else:
        np.testing.assert_allclose(output.upstream, 2 * inspection.error / XOR.n_rows)


def test_contributions_of_every_row_sum_to_the_gradient() -> None:
    trainer = Trainer(Hyperparams(hidden=(4,), lr=0.5), XOR)
    inspections = [inspect_trainer(trainer, row) for row in range(XOR.n_rows)]
    for index in range(2):
        total = sum(i.layers[index].weight_contribution for i in inspections)
        np.testing.assert_allclose(total, inspections[0].layers[index].weight_gradient, atol=1e-15)
        bias_total = sum(i.layers[index].bias_contribution for i in inspections)
        np.testing.assert_allclose(bias_total, inspections[0].layers[index].bias_gradient)


def test_tutorial_shows_the_double_sigmoid_beside_the_textbook_derivative() -> None:
    inspection = inspect_trainer(Trainer(Hyperparams(), TUTORIAL_DATASET), 0)
    (layer,) = inspection.layers
    a = layer.a
    sigma_of_a = 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(layer.derivative, sigma_of_a * (1 - sigma_of_a), rtol=1e-15)
    np.testing.assert_allclose(layer.textbook_derivative, a * (1 - a), rtol=1e-15)
    assert layer.derivative_formula.startswith("σ'(σ(z))")
    assert layer.textbook_formula == "σ'(z) = a(1 − a)"
    assert abs(layer.derivative_gap[0]) > 1e-3, "the quirk should visibly differ on this row"
    np.testing.assert_allclose(layer.textbook_delta, inspection.error * a * (1 - a))


def test_textbook_derivative_is_the_one_used() -> None:
    inspection = inspect_trainer(Trainer(Hyperparams(recipe="textbook"), TUTORIAL_DATASET), 0)
    (layer,) = inspection.layers
    assert not layer.derivative_gap.any()
    assert layer.derivative_formula == layer.textbook_formula == "σ'(z) = a(1 − a)"


def test_textbook_gradient_matches_finite_differences() -> None:
    hp = Hyperparams(recipe="textbook", hidden=(3,), lr=0.5)
    trainer = Trainer(hp, XOR)
    inspection = inspect_trainer(trainer, 0)
    network = trainer.network.copy()
    y = XOR.targets(1)

    def loss() -> float:
        return float(np.mean((network.forward(XOR.features) - y) ** 2))

    step = 1e-6
    for layer_index, layer in enumerate(inspection.layers):
        weights = network.weights[layer_index]
        for i, j in np.ndindex(weights.shape):
            saved = weights[i, j]
            weights[i, j] = saved + step
            up = loss()
            weights[i, j] = saved - step
            down = loss()
            weights[i, j] = saved
            assert layer.weight_gradient[i, j] == pytest.approx((up - down) / (2 * step), abs=1e-8)


def test_the_inspected_model_is_left_unchanged() -> None:
    trainer = Trainer(Hyperparams(hidden=(4,)), XOR)
    before = trainer.network.params.copy()
    inspect_trainer(trainer, 1)
    np.testing.assert_array_equal(trainer.network.params, before)
    assert trainer.epoch == 0


def test_a_row_that_is_not_a_training_row_is_refused() -> None:
    trainer = Trainer(Hyperparams(), TUTORIAL_DATASET)
    with pytest.raises(TuiNNError, match="training row from 1 to 7, got 8"):
        inspect_trainer(trainer, 7)


def test_adam_after_its_first_step_needs_its_state() -> None:
    hp = Hyperparams(recipe="textbook", optimizer="adam")
    trainer = Trainer(hp, TUTORIAL_DATASET)
    trainer.step()
    with pytest.raises(TuiNNError, match="adam optimiser's running state"):
        inspect_step(hp, trainer.network, trainer.train, 0, epoch=trainer.epoch)


def test_grid_rows_map_to_training_rows_past_held_out_ones() -> None:
    mask = np.array([False, True, False, False, True])
    assert [training_row(mask, row) for row in range(5)] == [0, None, 1, 2, None]
    assert training_row(mask, 5) is None


def test_a_grid_row_is_inspected_as_its_training_row_and_a_test_row_is_refused() -> None:
    prepared = prepare_data(MOONS, 0.25, normalize=True, seed=42)
    trainer = Trainer(Hyperparams(hidden=(4,)), prepared.train, prepared.test)
    test_row = int(np.flatnonzero(prepared.test_mask)[0])
    with pytest.raises(TuiNNError, match=f"row {test_row + 1} is a test row"):
        inspect_grid_row(trainer, prepared.test_mask, test_row)
    grid_row = int(np.flatnonzero(~prepared.test_mask)[3])
    inspection = inspect_grid_row(trainer, prepared.test_mask, grid_row)
    assert inspection.row == 3
    np.testing.assert_array_equal(inspection.features, prepared.train.features[3])


def test_a_step_too_big_to_take_apart_on_the_ui_thread_is_refused() -> None:
    big = make_dataset("moons", 3000)
    trainer = Trainer(Hyperparams(recipe="textbook", hidden=(128, 128)), big)
    with pytest.raises(TuiNNError, match="too big to take apart"):
        inspect_trainer(trainer, 0)
