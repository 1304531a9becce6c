"""CSV loading: every malformed file gets a message with its row and column; round trips exact."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_nn.core import files
from tui_nn.core.csv_io import load_csv, parse_csv_text, save_csv
from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.errors import TuiNNError

EXAMPLE = Path(__file__).parents[2] / "assets" / "example.csv"
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUND_TRIP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def bits(array: np.ndarray) -> bytes:
    return np.ascontiguousarray(array).tobytes()


def test_example_file_loads_with_text_labels() -> None:
    dataset = load_csv(EXAMPLE)
    assert dataset.n_rows == 30
    assert dataset.feature_names == ("weight_g", "width_cm", "height_cm")
    assert dataset.label_name == "fruit"
    assert dataset.class_names == ("apple", "lemon", "orange")
    assert np.bincount(dataset.labels).tolist() == [10, 10, 10]
    assert dataset.name == "example.csv"
    assert dataset.features[0].tolist() == [108.0, 6.2, 8.3]
    assert dataset.class_names[dataset.labels[0]] == "lemon"


def test_label_column_can_be_named() -> None:
    dataset = parse_csv_text("y,a,b\n1,0.5,2\n0,1.5,3\n", label="y")
    assert dataset.feature_names == ("a", "b")
    assert dataset.labels.tolist() == [1, 0]
    assert dataset.features.tolist() == [[0.5, 2.0], [1.5, 3.0]]


@pytest.mark.parametrize(
    ("labels", "class_names", "indices"),
    [
        (["0", "1", "1"], ("0", "1"), [0, 1, 1]),
        (["1.0", "0", "1"], ("0", "1"), [1, 0, 1]),
        (["10", "2", "-1"], ("-1", "2", "10"), [2, 1, 0]),
        (["yes", "no", "yes"], ("no", "yes"), [1, 0, 1]),
        (["b", "B", "a"], ("B", "a", "b"), [2, 0, 1]),
        (["1", "cat", "1"], ("1", "cat"), [0, 1, 0]),
        (["0.5", "1.5", "0.5"], ("0.5", "1.5"), [0, 1, 0]),
    ],
)
def test_class_order_is_numeric_for_whole_numbers_else_code_points(
    labels: list[str], class_names: tuple[str, ...], indices: list[int]
) -> None:
    text = "x,label\n" + "".join(f"{i},{label}\n" for i, label in enumerate(labels))
    dataset = parse_csv_text(text)
    assert dataset.class_names == class_names
    assert dataset.labels.tolist() == indices


def test_tolerates_bom_crlf_quotes_spaces_and_blank_rows() -> None:
    text = '\ufeff"x 1", x2 ,label\r\n 1.5 ,"2",a\r\n\r\n,,\r\n3,4e-1,"b, c"\r\n'
    dataset = parse_csv_text(text)
    assert dataset.feature_names == ("x 1", "x2")
    assert dataset.features.tolist() == [[1.5, 2.0], [3.0, 0.4]]
    assert dataset.class_names == ("a", "b, c")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("\n\n  \n", "the file is empty"),
        ("a,b,label\n", "header row (a, b, label) but no data rows"),
        ("a,b\n1,0\n2\n", "row 3, column 2: a cell is missing; row 3 has 1 cell but the header"),
        ("a,b\n1,0\n2,1,7\n", "row 3, column 3: an extra cell"),
        ("a,b\n1,0\nx,1\n", "row 3, column 1 (a): 'x' is not a number"),
        ("a,b,c\n1,,0\n2,3,1\n", "row 2, column 2 (b): an empty cell is not a number"),
        ("a,b\n1,0\nnan,1\n", "row 3, column 1 (a): 'nan' is not a finite number"),
        ("a,b\n1,0\n-inf,1\n", "row 3, column 1 (a): '-inf' is not a finite number"),
        ("a,b\n1,0\n1e999,1\n", "row 3, column 1 (a): '1e999' is not a finite number"),
        ("a,b\n1,1\n2,1\n", "column 2 (b): every row has the label '1'"),
        ("a,b\n1,0\n2,\n", "row 3, column 2 (b): the label must be 1 to 200 characters"),
        ('a,"b\nc"\n1,0\n2,1\n', "row 1, column 2: the column name holds a line break"),
        ('a,b\n1,0\n2,"x\ry"\n', "row 3, column 2 (b): the label holds a line break"),
        ("a,a,b\n1,2,0\n", "row 1, column 2: the column name 'a' is used twice"),
        ("a,,b\n1,2,0\n", "row 1, column 2: the header cell is empty"),
        ("label\n1\n0\n", "the only column is the label label"),
        ('a,b\n1,"0\n', "row 2 (line 2): not valid CSV"),
        ('a,b\n1,"x"y\n', "row 2 (line 2): not valid CSV"),
        ("a,b\n1,0\x00\n", "line 2 holds a NUL character"),
        ("a,b\n" + "".join(f"{i},{i}\n" for i in range(101)), "101 different labels"),
    ],
)
def test_malformed_text_names_row_and_column(text: str, message: str) -> None:
    with pytest.raises(TuiNNError) as caught:
        parse_csv_text(text)
    assert message in str(caught.value)
    assert caught.value.field == "dataset"


def test_unknown_label_column_lists_the_columns() -> None:
    with pytest.raises(TuiNNError, match=r"no column named 'fruit'.*columns are a, b, c") as caught:
        parse_csv_text("a,b,c\n1,2,0\n3,4,1\n", label="fruit")
    assert caught.value.field == "label"


def test_not_utf8_names_the_row_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("a,b\n1,x\n2,caf\xe9\n".encode("latin-1"))
    with pytest.raises(
        TuiNNError, match=r"latin1.csv: row 3 \(byte 14\) is not UTF-8 text \(byte 0xe9\)"
    ):
        load_csv(path)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(TuiNNError, match="not UTF-8 text"):
        load_csv(path)


def test_file_over_the_limit_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.csv"
    path.write_text("a,b\n" + "1,0\n2,1\n" * 100)

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("opened a file that is over the limit")

    monkeypatch.setattr("builtins.open", no_open)
    with pytest.raises(TuiNNError, match=r"big.csv: the file is 804 bytes, larger than the 800"):
        load_csv(path, max_bytes=800)


def test_load_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,0\nz,1\n")
    with pytest.raises(TuiNNError, match=r"^.*bad.csv: row 3, column 1 \(a\)"):
        load_csv(path)
    with pytest.raises(TuiNNError, match="no such file"):
        load_csv(tmp_path / "missing.csv")


def test_save_then_load_is_exact(tmp_path: Path) -> None:
    path = tmp_path / "tutorial.csv"
    save_csv(TUTORIAL_DATASET, path)
    assert path.read_text().splitlines()[:2] == ["x1,x2,x3,label", "0.0,1.0,0.0,1"]
    again = load_csv(path)
    assert bits(again.features) == bits(TUTORIAL_DATASET.features)
    assert again.labels.tolist() == TUTORIAL_DATASET.labels.tolist()


def test_name_starting_with_a_byte_order_mark_survives(tmp_path: Path) -> None:
    dataset = Dataset(np.eye(2), np.array([0, 1]), ("\ufeffx", "y"))
    save_csv(dataset, tmp_path / "bom.csv")
    assert load_csv(tmp_path / "bom.csv").feature_names == ("\ufeffx", "y")


def test_save_refuses_names_that_would_not_load_back(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    for names, label in (
        (("a", "a"), "y"),
        (("a", " b"), "y"),
        (("a", "y"), "y"),
        (("a", "b"), "y\r"),
    ):
        dataset = Dataset(np.zeros((2, 2)), np.array([0, 1]), names, label_name=label)
        with pytest.raises(TuiNNError):
            save_csv(dataset, path)
    assert not path.exists()


def test_failed_save_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"old,label\n1,0\n2,1\n")

    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full_disk)
    with pytest.raises(TuiNNError, match="No space left on device"):
        save_csv(TUTORIAL_DATASET, path)
    assert path.read_bytes() == b"old,label\n1,0\n2,1\n"
    assert os.listdir(tmp_path) == ["data.csv"]


# ---------------------------------------------------------------- properties

names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"),
    min_size=1,
    max_size=12,
).filter(lambda name: name == name.strip() and name != "")
floats = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    n_features = draw(st.integers(1, 4))
    column_names = draw(st.lists(names, min_size=n_features + 1, max_size=n_features + 1,
                                 unique=True))  # fmt: skip
    if draw(st.booleans()):
        classes = sorted(draw(st.sets(st.integers(-5, 50), min_size=2, max_size=5)))
        class_names = tuple(str(k) for k in classes)
    else:
        text_names = draw(st.sets(names.filter(lambda n: _not_number(n)), min_size=2, max_size=5))
        class_names = tuple(sorted(text_names))
    rows = draw(st.integers(len(class_names), 20))
    labels = list(range(len(class_names))) + draw(
        st.lists(st.integers(0, len(class_names) - 1), min_size=rows - len(class_names),
                 max_size=rows - len(class_names))
    )  # fmt: skip
    features = draw(st.lists(floats, min_size=rows * n_features, max_size=rows * n_features))
    return Dataset(
        np.array(features, dtype=np.float64).reshape(rows, n_features),
        np.array(labels),
        tuple(column_names[:-1]),
        class_names,
        label_name=column_names[-1],
        name="prop.csv",
    )


def _not_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return True
    return False


@ROUND_TRIP
@given(dataset=datasets())
def test_round_trip_is_exact_to_the_last_bit(dataset: Dataset, tmp_path_factory: object) -> None:
    assert isinstance(tmp_path_factory, pytest.TempPathFactory)
    path = tmp_path_factory.mktemp("csv") / "prop.csv"
    save_csv(dataset, path)
    again = load_csv(path)
    assert bits(again.features) == bits(dataset.features)
    assert again.labels.tolist() == dataset.labels.tolist()
    assert again.feature_names == dataset.feature_names
    assert again.class_names == dataset.class_names
    assert again.label_name == dataset.label_name


@FUZZ
@given(text=st.text())
def test_any_text_loads_or_raises_the_project_error(text: str) -> None:
    try:
        dataset = parse_csv_text(text)
    except TuiNNError as error:
        assert str(error)
    else:
        assert dataset.n_rows >= 1 and dataset.n_classes >= 2


cells = st.one_of(
    st.integers(-3, 3).map(str),
    floats.map(repr),
    st.sampled_from(["", " ", "nan", "inf", "-inf", "1e999", "abc", "yes", "no", '"', '"a,b"',
                     "1_0", "0x10", "1.5.2", "\x00", "é", "\ufeff", "\r", "\n"]),
)  # fmt: skip


@FUZZ
@given(
    rows=st.lists(st.lists(cells, min_size=0, max_size=5), min_size=0, max_size=8),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    label=st.one_of(st.none(), st.sampled_from(["a", "label", "zz", ""])),
)
def test_broken_structured_csv_loads_or_raises_the_project_error(
    rows: list[list[str]], newline: str, label: str | None
) -> None:
    text = newline.join(",".join(row) for row in [["a", "b", "label"], *rows])
    try:
        dataset = parse_csv_text(text, label=label)
    except TuiNNError as error:
        assert str(error)
    else:
        assert np.isfinite(dataset.features).all()
        assert dataset.n_features == 2


@FUZZ
@given(data=st.binary(max_size=300))
def test_any_bytes_load_or_raise_the_project_error(
    data: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("bytes") / "fuzz.csv"
    path.write_bytes(data)
    try:
        load_csv(path)
    except TuiNNError as error:
        assert "fuzz.csv" in str(error)
