"""One home for data rules: names, limits, layer shapes, and the memory a run needs."""

from __future__ import annotations

import string

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui_nn.core import TUTORIAL_DATASET, Hyperparams, Trainer
from tui_nn.core.csv_io import dataset_to_csv_text, parse_csv_text
from tui_nn.core.data_rules import (
    MAX_NAME_LENGTH,
    MAX_ROWS,
    MAX_TRAINING_BYTES,
    check_training_memory,
    estimate_training_memory,
    layer_array_names,
    layer_sizes,
    name_problem,
)
from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.table_edits import EditableTable

BOMB = Hyperparams(recipe="textbook", hidden=(4096,) * 16)


@given(st.text(max_size=MAX_NAME_LENGTH + 5))
def test_one_name_rule_for_grid_edits_and_csv_files(name: str) -> None:
    """A name the grid accepts is one a CSV file carries back unchanged, and the reverse."""
    table = EditableTable.from_dataset(TUTORIAL_DATASET)
    try:
        table.rename_column(0, name)
    except TuiNNError:
        grid_ok = False
    else:
        grid_ok = True
    assert grid_ok == (name_problem(name.strip()) is None)
    if grid_ok:
        text = dataset_to_csv_text(table.to_dataset())
        assert parse_csv_text(text).feature_names[0] == name.strip()


@given(st.text(alphabet=string.printable, min_size=1, max_size=20))
def test_a_saved_name_must_read_back_the_same(name: str) -> None:
    """Names with spaces around them or line breaks are refused before a file is written."""
    dataset = Dataset(np.zeros((2, 1)), np.array([0, 1]), (name,), ("a", "b"), label_name="label")
    try:
        text = dataset_to_csv_text(dataset)
    except TuiNNError as error:
        assert name_problem(name) is not None
        assert "cannot be saved" in str(error)
    else:
        assert parse_csv_text(text).feature_names == (name,)


def test_csv_import_refuses_more_rows_than_a_session_can_hold() -> None:
    text = "x,label\n" + "0,0\n1,1\n" * (MAX_ROWS // 2) + "0,1\n"
    with pytest.raises(TuiNNError, match=f"{MAX_ROWS + 1} rows, more than the {MAX_ROWS}"):
        parse_csv_text(text)


def test_layer_sizes_and_npz_names_come_from_one_place() -> None:
    hyperparams = Hyperparams(recipe="textbook", hidden=(8, 4))
    assert layer_sizes(hyperparams, TUTORIAL_DATASET) == (3, 8, 4, 1)
    trainer = Trainer(hyperparams, TUTORIAL_DATASET)
    assert trainer.network.layer_sizes == layer_sizes(hyperparams, TUTORIAL_DATASET)
    assert layer_array_names(2) == [
        "layer1_weights",
        "layer1_biases",
        "layer2_weights",
        "layer2_biases",
    ]


def test_the_resource_bomb_is_refused_before_any_allocation() -> None:
    """Sixteen hidden layers of 4096 would take ~8 GB: refused, naming hidden and the size."""
    sizes = layer_sizes(BOMB, TUTORIAL_DATASET)
    estimate = estimate_training_memory(BOMB, sizes, 7)
    assert 7 * 1024**3 < estimate.total < 9 * 1024**3
    with pytest.raises(TuiNNError) as caught:
        Trainer(BOMB, TUTORIAL_DATASET)
    assert caught.value.field == "hidden"
    assert str(caught.value).startswith("16 hidden layers of 4096 need about 7.")
    assert "the limit is 2 GiB" in str(caught.value)


def test_a_huge_batch_is_blamed_on_the_batch_size() -> None:
    hyperparams = Hyperparams(recipe="textbook", hidden=(4096, 4096), batch_size=0)
    rows = 30_000
    with pytest.raises(TuiNNError) as caught:
        check_training_memory(hyperparams, (2, 4096, 4096, 1), rows)
    assert caught.value.field == "batch_size"
    check_training_memory(hyperparams.replace(batch_size=64), (2, 4096, 4096, 1), rows)


def test_everyday_runs_fit_easily() -> None:
    """MNIST-sized data with a 64-unit layer and Adam stays well under the limit."""
    hyperparams = Hyperparams(
        recipe="textbook", hidden=(64,), optimizer="adam", batch_size=256,
        output_activation="softmax", loss="ce", dtype="float32",
    )  # fmt: skip
    estimate = check_training_memory(hyperparams, (784, 64, 10), 60_000)
    assert estimate.total < MAX_TRAINING_BYTES / 2


@given(
    hidden=st.lists(st.integers(1, 4096), max_size=16),
    rows=st.integers(1, 10**6),
    batch=st.integers(0, 10**6),
    optimizer=st.sampled_from(["gd", "momentum", "adam"]),
)
def test_the_estimate_grows_with_every_size(
    hidden: list[int], rows: int, batch: int, optimizer: str
) -> None:
    hyperparams = Hyperparams(
        recipe="textbook", hidden=tuple(hidden), batch_size=batch, optimizer=optimizer
    )
    sizes = (3, *hidden, 1)
    base = estimate_training_memory(hyperparams, sizes, rows).total
    wider = estimate_training_memory(hyperparams, (4, *hidden, 1), rows).total
    more = estimate_training_memory(hyperparams, sizes, rows + 1).total
    assert wider > base and more >= base
    try:
        check_training_memory(hyperparams, sizes, rows)
    except TuiNNError as error:
        assert base > MAX_TRAINING_BYTES
        assert error.field in ("hidden", "batch_size", "dataset")
        assert "the limit is 2 GiB" in str(error)
    else:
        assert base <= MAX_TRAINING_BYTES
