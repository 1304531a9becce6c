"""Every input: all 2^k rows of 0/1 features, answered as ``Network.predict`` answers them."""

from __future__ import annotations

import numpy as np
import pytest

from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.datasets import make_dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.every_input import (
    all_inputs,
    every_input_table,
    every_input_unavailable,
)
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.split import prepare_data
from tui_nn.core.training import Trainer


def test_the_tutorial_table_asks_what_the_seed_never_asks() -> None:
    trainer = Trainer(Hyperparams(epochs=2000), TUTORIAL_DATASET)
    list(trainer.run())
    table = every_input_table(trainer.network, TUTORIAL_DATASET)
    assert len(table.rows) == 8
    np.testing.assert_array_equal(
        table.probabilities, trainer.network.predict(all_inputs(3)).probabilities
    )
    np.testing.assert_array_equal(table.classes, trainer.network.predict(all_inputs(3)).classes)
    by_input = {row.inputs: row for row in table.rows}
    assert not by_input[(0, 0, 0)].seen and by_input[(0, 0, 0)].right is None
    assert not by_input[(1, 0, 1)].seen
    assert table.unseen == 2
    seen = by_input[(0, 1, 0)]
    assert seen.labels == (1,) and seen.train_rows == 2 and seen.right is True
    assert table.wrong == 0


def test_rows_come_in_counting_order() -> None:
    assert all_inputs(2).tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert all_inputs(10).shape == (1024, 10)


def test_standardised_models_see_standardised_inputs_and_test_rows_are_counted() -> None:
    dataset = make_dataset("xor")
    prepared = prepare_data(dataset, 0.25, True, 0)
    trainer = Trainer(Hyperparams(epochs=50), prepared.train, prepared.test)
    list(trainer.run())
    table = every_input_table(trainer.network, dataset, prepared.test_mask, prepared.standardizer)
    expected = trainer.network.predict(prepared.standardizer.transform(all_inputs(2)))
    np.testing.assert_array_equal(table.probabilities, expected.probabilities)
    assert sum(row.test_rows for row in table.rows) == 1
    assert sum(row.train_rows for row in table.rows) == 3


def test_conflicting_labels_are_shown_and_never_right() -> None:
    dataset = Dataset(np.array([[0.0], [0.0], [1.0]]), np.array([0, 1, 1]), ("a",))
    trainer = Trainer(Hyperparams(epochs=1), dataset)
    row = every_input_table(trainer.network, dataset).rows[0]
    assert row.labels == (0, 1) and row.right is False


@pytest.mark.parametrize(
    ("dataset", "reason"),
    [
        (make_dataset("spiral"), "x1 takes other values"),
        (
            Dataset(np.zeros((2, 11)), np.array([0, 1]), tuple(f"f{i}" for i in range(11))),
            "has 11 features",
        ),
    ],
)
def test_data_that_does_not_apply_says_why(dataset: Dataset, reason: str) -> None:
    message = every_input_unavailable(dataset)
    assert message is not None
    assert message.startswith("Every input needs 0/1 features (at most 10)") and reason in message
    trainer = Trainer(Hyperparams(epochs=1), dataset)
    with pytest.raises(TuiNNError, match="0/1 features"):
        every_input_table(trainer.network, dataset)
