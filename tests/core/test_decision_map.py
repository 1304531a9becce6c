"""The decision map: one batched forward pass that agrees with ``Network.predict`` pointwise."""

from __future__ import annotations

import numpy as np
import pytest

from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.datasets import make_dataset
from tui_nn.core.decision_map import (
    MAX_ZOOM,
    decision_grid,
    map_unavailable,
    neuron_grid,
    pixel_of,
    plane_for,
    plane_points,
)
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.model_snapshot import layer_outputs
from tui_nn.core.network import Network
from tui_nn.core.split import prepare_data
from tui_nn.core.training import Trainer

TANH = Hyperparams(
    recipe="textbook", hidden=(8, 8), activation="tanh", lr=0.03, optimizer="adam", epochs=30
)
SOFTMAX = TANH.replace(output_activation="softmax", loss="ce")


def trained(name: str, hyperparams: Hyperparams, normalize: bool = False) -> tuple:
    dataset = make_dataset(name, seed=3)
    prepared = prepare_data(dataset, 0.2, normalize, hyperparams.seed)
    trainer = Trainer(hyperparams, prepared.train, prepared.test)
    list(trainer.run())
    return dataset, prepared, trainer.network


@pytest.mark.parametrize(
    ("name", "hyperparams", "normalize"),
    [("spiral", TANH, False), ("spiral3", SOFTMAX, False), ("moons", TANH, True)],
)
def test_grid_equals_predict_on_the_same_points(
    name: str, hyperparams: Hyperparams, normalize: bool
) -> None:
    dataset, prepared, network = trained(name, hyperparams, normalize)
    raw_train = dataset.features[~prepared.test_mask]
    plane = plane_for(raw_train)
    grid = decision_grid(network, plane, 37, 23, prepared.standardizer)
    points = plane_points(plane, 37, 23)
    if prepared.standardizer is not None:
        points = prepared.standardizer.transform(points)
    expected = network.predict(points)
    np.testing.assert_array_equal(
        grid.probabilities.reshape(-1, expected.probabilities.shape[1]), expected.probabilities
    )
    np.testing.assert_array_equal(grid.classes.reshape(-1), expected.classes)
    assert grid.rows == 23 and grid.columns == 37


def test_plane_covers_the_data_with_a_margin_and_the_top_row_is_the_largest_y() -> None:
    dataset = make_dataset("xor")
    plane = plane_for(dataset.features)
    assert plane.x_range == pytest.approx((-0.1, 1.1))
    assert plane.y_range == pytest.approx((-0.1, 1.1))
    points = plane_points(plane, 4, 3)
    assert points[0, 1] > points[-1, 1]  # top row first
    assert points[0, 0] < points[3, 0]  # left to right
    assert points[:, 0].min() > -0.1 and points[:, 0].max() < 1.1  # pixel centres inside


def test_other_features_sit_at_their_training_mean() -> None:
    plane = plane_for(TUTORIAL_DATASET.features, x_feature=0, y_feature=2)
    points = plane_points(plane, 5, 5)
    assert np.all(points[:, 1] == pytest.approx(TUTORIAL_DATASET.features[:, 1].mean()))
    assert plane.x_feature == 0 and plane.y_feature == 2


def test_zoom_magnifies_about_the_centre_within_limits() -> None:
    plane = plane_for(make_dataset("xor").features)
    closer = plane.zoomed(2.0)
    assert closer.x_range == pytest.approx((0.2, 0.8))
    assert closer.zoomed(0.5).x_range == pytest.approx(plane.x_range)
    assert plane.zoomed(1e9).zoom == MAX_ZOOM


def test_a_constant_column_gets_a_unit_window() -> None:
    features = np.array([[1.0, 5.0], [2.0, 5.0]])
    assert plane_for(features).y_range == pytest.approx((4.5, 5.5))


def test_bad_planes_are_refused_with_a_reason() -> None:
    with pytest.raises(TuiNNError, match="two different columns"):
        plane_for(TUTORIAL_DATASET.features, 1, 1)
    one = make_dataset("xor").features[:, :1]
    with pytest.raises(TuiNNError, match="at least 2 features"):
        plane_for(one)
    assert map_unavailable(TUTORIAL_DATASET) is None


def test_confidence_is_zero_on_the_boundary_and_one_when_certain() -> None:
    # One input unit, weight 1 on x, bias 0: the boundary is the line x = 0.
    network = Network.from_arrays([[[50.0], [0.0]]], [[0.0]], ["sigmoid"])
    plane = plane_for(np.array([[-1.0, -1.0], [1.0, 1.0]]), margin=0.0)
    grid = decision_grid(network, plane, 4, 2)
    assert grid.classes[0].tolist() == [0, 0, 1, 1]
    assert grid.confidence[0, 0] == pytest.approx(1.0)
    assert grid.class_one is not None and grid.class_one[0, 3] > 0.99


def test_points_land_on_their_pixels() -> None:
    plane = plane_for(np.array([[0.0, 0.0], [1.0, 1.0]]), margin=0.0)
    column, row, inside = pixel_of(plane, 10, 10, [[0.05, 0.95], [0.95, 0.05], [2.0, 0.5]])
    assert column.tolist() == [0, 9, 9]
    assert row.tolist() == [0, 9, 5]
    assert inside.tolist() == [True, True, False]


def test_a_neurons_map_is_its_activation_at_each_point() -> None:
    dataset, prepared, network = trained("moons", TANH, True)
    plane = plane_for(dataset.features)
    values = neuron_grid(network, plane, 9, 5, 2, 3, prepared.standardizer)
    points = prepared.standardizer.transform(plane_points(plane, 9, 5))
    for flat in (0, 17, 44):
        expected = layer_outputs(network, points[flat])[2][3]
        assert values.reshape(-1)[flat] == pytest.approx(expected, abs=1e-12)
    with pytest.raises(TuiNNError, match="no neuron"):
        neuron_grid(network, plane, 2, 2, 3, 1)
