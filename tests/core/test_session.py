"""Sessions: exact round trips, a loader that never trusts the file, saves that survive kills."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_nn.core import files
from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.datasets import make_dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.network import Network
from tui_nn.core.session import (
    Session,
    check_trainable,
    load_session,
    save_session,
    session_from_toml,
    session_to_toml,
)
from tui_nn.core.split import split_dataset
from tui_nn.core.training import Trainer

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MULTICLASS = Hyperparams(
    recipe="textbook",
    hidden=(6,),
    activation="tanh",
    output_activation="softmax",
    loss="ce",
    optimizer="adam",
    lr=0.01,
    epochs=20,
    dtype="float32",
)


def trained(
    hyperparams: Hyperparams = MULTICLASS, name: str = "spiral3", points: int = 30
) -> Session:
    dataset = make_dataset(name, points=points) if name != "tutorial" else TUTORIAL_DATASET
    trainer = Trainer(hyperparams, dataset)
    results = list(trainer.run())
    return Session(
        dataset=dataset,
        hyperparams=hyperparams,
        test_split=0.2,
        normalize=True,
        network=trainer.network,
        epoch=trainer.epoch,
        history_epochs=tuple(r.epoch for r in results),
        history={
            "reported": tuple(r.reported for r in results),
            "loss": tuple(r.loss for r in results),
            "test_loss": (float("nan"),) * len(results),
        },
    )


def assert_same(a: Session, b: Session) -> None:
    """Equal to the last bit (history: nan-aware, as nan only marks a missing value)."""
    for x, y in ((a.dataset, b.dataset),):
        assert x.features.tobytes() == y.features.tobytes()
        assert x.labels.tolist() == y.labels.tolist()
        assert (x.feature_names, x.class_names, x.label_name, x.name) == (
            y.feature_names,
            y.class_names,
            y.label_name,
            y.name,
        )
    assert a.hyperparams == b.hyperparams
    assert (a.test_split, a.normalize, a.epoch) == (b.test_split, b.normalize, b.epoch)
    if a.network is None or b.network is None:
        assert a.network is b.network is None
    else:
        assert a.network.dtype == b.network.dtype
        assert a.network.params.tobytes() == b.network.params.tobytes()
    assert a.history_epochs == b.history_epochs
    assert a.history.keys() == b.history.keys()
    for name in a.history:
        assert np.array_equal(a.history[name], b.history[name], equal_nan=True)


@pytest.mark.parametrize("weights_file", ["toml", "npz"])
@pytest.mark.parametrize("kind", ["untrained", "tutorial", "multiclass float32"])
def test_round_trip_is_exact(tmp_path: Path, weights_file: str, kind: str) -> None:
    session = {
        "untrained": Session(),
        "tutorial": trained(Hyperparams(epochs=50), "tutorial"),
        "multiclass float32": trained(),
    }[kind]
    path = tmp_path / "work.toml"
    save_session(session, path, weights_file=weights_file)  # type: ignore[arg-type]
    assert_same(load_session(path), session)
    assert path.read_text().startswith("format_version = 1\n")


def test_npz_weights_live_beside_the_toml_and_old_ones_are_cleaned(tmp_path: Path) -> None:
    first, second = trained(), trained(MULTICLASS.replace(seed=7))
    path = tmp_path / "work.toml"
    save_session(first, path, weights_file="npz")
    npz_files = sorted(p.name for p in tmp_path.glob("*.npz"))
    assert len(npz_files) == 1 and npz_files[0].startswith("work-")
    assert "weights_file" in path.read_text() and "[[" not in path.read_text()
    save_session(second, path, weights_file="npz")
    assert len(list(tmp_path.glob("*.npz"))) == 1
    assert_same(load_session(path), second)
    save_session(second, path)
    assert list(tmp_path.glob("*.npz")) == []
    assert_same(load_session(path), second)


def test_session_checks_itself() -> None:
    session = trained()
    with pytest.raises(TuiNNError, match="do not fit") as caught:
        session.replace(hyperparams=MULTICLASS.replace(hidden=(5,)))
    assert caught.value.field == "model"
    with pytest.raises(TuiNNError) as caught:
        session.replace(test_split=0.95)
    assert caught.value.field == "test_split"
    with pytest.raises(TuiNNError) as caught:
        session.replace(history_epochs=(1, 2))
    assert caught.value.field == "history"


def test_numpy_numbers_from_a_trainer_save_as_plain_numbers(tmp_path: Path) -> None:
    session = Session(
        epoch=np.int64(5),
        normalize=np.True_,
        history_epochs=np.arange(1, 4),
        history={"loss": np.array([0.5, 0.25, np.nan])},
    )
    save_session(session, tmp_path / "s.toml")
    assert_same(load_session(tmp_path / "s.toml"), session)
    with pytest.raises(TuiNNError) as caught:
        Session(history_epochs=(1,), history={"loss": ("low",)})
    assert caught.value.field == "history"


def test_loaded_session_trains_on_exactly_as_if_never_saved(tmp_path: Path) -> None:
    """The tutorial recipe keeps no optimiser state, so a reloaded model continues bit for bit."""
    straight = Trainer(Hyperparams(epochs=200), TUTORIAL_DATASET)
    list(straight.run())
    first = Trainer(Hyperparams(epochs=200), TUTORIAL_DATASET)
    results = list(first.run(100))
    session = Session(
        hyperparams=Hyperparams(epochs=200),
        network=first.network,
        epoch=first.epoch,
        history_epochs=tuple(r.epoch for r in results),
        history={"reported": [r.reported for r in results], "test_loss": [None] * 100},
    )
    save_session(session, tmp_path / "s.toml")
    loaded = load_session(tmp_path / "s.toml")
    assert loaded.network is not None
    resumed = Trainer(loaded.hyperparams, loaded.dataset, network=loaded.network, epoch=100)
    assert resumed.remaining == 100
    list(resumed.run())
    assert resumed.network.params.tobytes() == straight.network.params.tobytes()
    assert np.isnan(loaded.history["test_loss"]).all()


def test_save_refuses_what_would_not_load_back(tmp_path: Path) -> None:
    dataset = Dataset(np.eye(2), np.array([0, 1]), ("a", "b"), class_names=("x", "x"))
    with pytest.raises(TuiNNError, match="class names must differ"):
        save_session(Session(dataset=dataset), tmp_path / "s.toml")
    assert not (tmp_path / "s.toml").exists()


def test_prepare_splits_by_the_hyperparameter_seed() -> None:
    session = Session(dataset=make_dataset("moons"), test_split=0.25, normalize=True)
    data = session.prepare()
    assert np.array_equal(data.test_mask, split_dataset(session.dataset, 0.25, 42)[2])
    assert data.standardizer is not None
    assert abs(data.train.features.mean()) < 1e-12


# ---------------------------------------------------------------- the loader's checks


def _doc(session: Session | None = None) -> dict[str, Any]:
    return tomllib.loads(session_to_toml(session or trained()))


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (lambda d: d.pop("format_version"), "format_version", "format_version must be 1"),
        (lambda d: d.update(format_version=2), "format_version", "got 2"),
        (lambda d: d.update(extra=1), "extra", "unknown key"),
        (lambda d: d.update(epoch=-1), "epoch", "epoch must be a whole number"),
        (lambda d: d.update(normalize="yes"), "normalize", "true or false"),
        (lambda d: d.update(test_split=0.95), "test_split", "from 0 to 0.9"),
        (lambda d: d["hyperparams"].update(lr="fast"), "hyperparams.lr", "must be a number"),
        (lambda d: d["hyperparams"].update(lr=-1.0), "hyperparams.lr", "learning rate must"),
        (lambda d: d["hyperparams"].update(hidden=[True]), "hyperparams.hidden", "whole"),
        (lambda d: d["hyperparams"].update(loss="mse"), "hyperparams.output_activation", ""),
        (lambda d: d["hyperparams"].update(speed=3), "hyperparams.speed", "unknown key"),
        (lambda d: d["hyperparams"].update(hidden=[7]), "model.weights[1][1]", "7 numbers"),
        (lambda d: d["dataset"]["features"][1].append(1.0), "dataset.features[2]", "2 numbers"),
        (lambda d: d["dataset"]["features"].pop(), "dataset.features", "30 x 2 table"),
        (lambda d: d["dataset"]["labels"].__setitem__(0, 3), "dataset.labels", "from 0 to 2"),
        (lambda d: d["dataset"].update(class_names=["a", "a", "b"]), "dataset.class_names", ""),
        (lambda d: d["dataset"].update(feature_names="x1"), "dataset.feature_names", "list"),
        (lambda d: d["dataset"].update(label_name=""), "dataset.label_name", "1 to 200"),
        (lambda d: d["dataset"]["features"][0].__setitem__(0, np.inf), "dataset.features", ""),
        (lambda d: d.pop("dataset"), "dataset", "[dataset] must be a table"),
        (lambda d: d["model"]["weights"].pop(), "model.weights", "2 layers for the network 2"),
        (lambda d: d["model"]["biases"][1].__setitem__(0, "x"), "model.biases[2]", "number"),
        (lambda d: d["model"]["biases"][1].__setitem__(0, float("nan")), "model.weights", "finite"),
        (lambda d: d.update(model={"weights_file": "../x.npz"}), "model.weights_file", "folders"),
        (lambda d: d["history"].update(epochs=[3, 2]), "history.epochs", "above the one before"),
        (lambda d: d["history"]["series"].update(loss=[1.0]), "history.series.loss", "list of"),
    ],
)  # fmt: skip
def test_bad_session_names_the_key(edit: Any, field: str, message: str) -> None:
    doc = _doc()
    edit(doc)
    with pytest.raises(TuiNNError) as caught:
        session_from_toml(tomli_w.dumps(doc))
    assert caught.value.field == field
    assert message in str(caught.value)


def test_npz_weights_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "work.toml"
    save_session(trained(), path, weights_file="npz")
    (npz,) = tmp_path.glob("*.npz")
    data = bytearray(npz.read_bytes())
    data[-30] ^= 1
    npz.write_bytes(bytes(data))
    with pytest.raises(TuiNNError, match="does not match this session") as caught:
        load_session(path)
    assert caught.value.field == "model.weights_file"
    npz.unlink()
    with pytest.raises(TuiNNError, match="no such file"):
        load_session(path)


def test_too_large_or_binary_session_file(tmp_path: Path) -> None:
    path = tmp_path / "work.toml"
    save_session(Session(), path)
    with pytest.raises(TuiNNError, match="larger than the 100 bytes limit") as caught:
        load_session(path, max_bytes=100)
    assert caught.value.field == "session"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff")
    with pytest.raises(TuiNNError, match="not UTF-8 text"):
        load_session(path)


# ---------------------------------------------------------------- properties

toml_values = st.recursive(
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(min_size=1, max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            found += _paths(value, (*prefix, index))
    return found


BASE_DOC = _doc(trained(MULTICLASS.replace(epochs=3), points=6))
BASE_PATHS = _paths(BASE_DOC)


@FUZZ
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(BASE_PATHS), st.one_of(st.just("delete"), toml_values)),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_session_loads_or_raises_the_project_error(
    edits: list[tuple[tuple[Any, ...], Any]],
) -> None:
    doc = tomllib.loads(tomli_w.dumps(BASE_DOC))
    for path, value in edits:
        parent = doc
        try:
            for step in path[:-1]:
                parent = parent[step]
            if value == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this path
    try:
        text = tomli_w.dumps(doc)
    except TypeError:
        return  # the edits made something TOML cannot hold (a table with a number as key)
    try:
        session = session_from_toml(text)
    except TuiNNError as error:
        assert error.field
    else:
        assert isinstance(session, Session)


@FUZZ
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_load_or_raise_the_project_error(
    data: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "s.toml"
    path.write_bytes(data)
    try:
        load_session(path)
    except TuiNNError as error:
        assert str(error).startswith(str(path))


@st.composite
def sessions(draw: st.DrawFn) -> Session:
    rows, n_features = draw(st.integers(0, 6)), draw(st.integers(1, 3))
    floats = st.floats(allow_nan=False, allow_infinity=False)
    dataset = Dataset(
        np.array(draw(st.lists(floats, min_size=rows * n_features, max_size=rows * n_features)))
        .reshape(rows, n_features),
        np.array(draw(st.lists(st.integers(0, 2), min_size=rows, max_size=rows)), dtype=int),
        tuple(f"f{i}" for i in range(n_features)),
        ("a", "b", "c"),
        label_name=draw(st.text(min_size=1, max_size=5)),
        name=draw(st.text(min_size=1, max_size=5)),
    )  # fmt: skip
    dtype = draw(st.sampled_from(["float64", "float32"]))
    hyperparams = MULTICLASS.replace(hidden=(draw(st.integers(1, 3)),), dtype=dtype)
    network = None
    if draw(st.booleans()):
        sizes = (n_features, hyperparams.hidden[0], 3)
        count = sum(a * b + b for a, b in itertools.pairwise(sizes))
        width = 32 if dtype == "float32" else 64
        values = draw(
            st.lists(st.floats(allow_nan=False, allow_infinity=False, width=width),
                     min_size=count, max_size=count)
        )  # fmt: skip
        network = Network(sizes, ("tanh", "softmax"), np.array(values, dtype=dtype))
    points = draw(st.integers(0, 5))
    return Session(
        dataset=dataset,
        hyperparams=hyperparams,
        test_split=draw(st.floats(0, 0.9)),
        normalize=draw(st.booleans()),
        network=network,
        epoch=draw(st.integers(0, 10**9)),
        history_epochs=tuple(range(1, points + 1)),
        history={"loss": tuple(draw(st.lists(st.floats(), min_size=points, max_size=points)))},
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(session=sessions(), weights_file=st.sampled_from(["toml", "npz"]))
def test_round_trip_property(
    session: Session, weights_file: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("s") / "s.toml"
    try:
        save_session(session, path, weights_file=weights_file)  # type: ignore[arg-type]
    except TuiNNError:
        # Refused (no rows, one class, a bad name): then nothing was written.
        assert not path.exists()
        return
    assert_same(load_session(path), session)


# ---------------------------------------------------------------- saves that survive


def _fail_on_call(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    """Make the ``number``-th os.replace (1-based) fail, as a full disk or a crash would."""
    real, calls = os.replace, []

    def replace(src: Any, dst: Any) -> None:
        calls.append(dst)
        if len(calls) == number:
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)


@pytest.mark.parametrize(("weights_file", "failing_call"), [("toml", 1), ("npz", 1), ("npz", 2)])
def test_interrupted_save_leaves_old_files_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, weights_file: str, failing_call: int
) -> None:
    path = tmp_path / "work.toml"
    save_session(trained(), path, weights_file=weights_file)  # type: ignore[arg-type]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    _fail_on_call(monkeypatch, failing_call)
    with pytest.raises(TuiNNError, match="No space left on device"):
        save_session(trained(MULTICLASS.replace(seed=9)), path, weights_file=weights_file)  # type: ignore[arg-type]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    load_session(path)


CHILD = """
import sys
from tui_nn.core.datasets import make_dataset
from tui_nn.core.network import Network
from tui_nn.core.session import Session, save_session
path, weights_file = sys.argv[1], sys.argv[2]
sessions = []
for seed, name in ((1, "moons"), (2, "spiral")):
    dataset = make_dataset(name, points=100, seed=seed)
    network = Network.initialised((2, 1), ("sigmoid",), "uniform", seed)
    sessions.append(Session(dataset=dataset, network=network, epoch=seed))
print("ready", flush=True)
count = 0
while True:
    save_session(sessions[count % 2], path, weights_file=weights_file)
    count += 1
    print(count, flush=True)
"""


@pytest.mark.parametrize("weights_file", ["toml", "npz"])
def test_killed_saver_always_leaves_a_loadable_session(tmp_path: Path, weights_file: str) -> None:
    path = tmp_path / "work.toml"
    save_session(Session(epoch=0), path)
    for saves_before_kill in (2, 7):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), weights_file],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        for _ in range(saves_before_kill):
            child.stdout.readline()
            if weights_file == "toml":
                # Reading while the other process writes sees a whole file too.
                assert load_session(path).epoch in (1, 2)
        child.kill()  # SIGKILL lands somewhere in the next save
        child.wait()
        child.stdout.close()
        session = load_session(path)
        assert session.epoch in (1, 2)
        assert session.dataset.name == ("moons" if session.epoch == 1 else "spiral")
        assert session.network is not None


# ---------------------------------------------------------------- sessions that cannot train


def _tutorial_doc(**changes: Any) -> dict[str, Any]:
    doc = tomllib.loads(session_to_toml(Session()))
    for dotted, value in changes.items():
        table = doc
        *path, last = dotted.split("__")
        for part in path:
            table = table[part]
        table[last] = value
    return doc


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"dataset__labels": [1] * 7}, "[dataset] labels: every row has the label '1'"),
        ({"dataset__labels": [], "dataset__features": []}, "[dataset] labels: the data has no"),
        (
            {"dataset__labels": [1], "dataset__features": [[0, 1, 0]], "test_split": 0.5},
            "[dataset] labels: every row has the label '1'",
        ),
        ({"hyperparams__hidden": [4096] * 16}, "[hyperparams] hidden: 16 hidden layers of 4096"),
        ({"hyperparams__lr": -1.0}, "[hyperparams] lr: learning rate must be"),
    ],
)
def test_a_session_that_cannot_train_is_refused_at_load(
    tmp_path: Path, changes: dict[str, Any], where: str
) -> None:
    """One line naming the file and the key; nothing half-built escapes."""
    path = tmp_path / "s.toml"
    doc = _tutorial_doc(**changes)
    if "hyperparams__hidden" in changes:
        doc["hyperparams"]["recipe"] = "textbook"
    path.write_text(tomli_w.dumps(doc))
    with pytest.raises(TuiNNError) as caught:
        load_session(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {where}")
    assert "\n" not in message


def test_a_test_split_that_leaves_no_training_rows_is_named(tmp_path: Path) -> None:
    two = Session(dataset=Dataset(np.zeros((2, 1)), np.array([0, 1]), ("x",)), test_split=0.5)
    check_trainable(two)  # one row on each side: trainable
    doc = tomllib.loads(session_to_toml(two))
    doc["dataset"]["labels"], doc["dataset"]["features"] = [0, 1, 1], [[0.0], [1.0], [1e308]]
    doc["normalize"] = True
    doc["test_split"] = 0.0
    doc["dataset"]["features"] = [[1.7e308], [1.7e308], [1.7e308]]
    path = tmp_path / "s.toml"
    path.write_text(tomli_w.dumps(doc))
    with pytest.raises(
        TuiNNError, match=r"s.toml: normalize: column 1 \(x\): standardising overflows"
    ):
        load_session(path)


def test_what_load_refuses_is_never_saved(tmp_path: Path) -> None:
    one_class = Dataset(np.zeros((3, 1)), np.array([0, 0, 0]), ("x",), ("a", "b"))
    path = tmp_path / "s.toml"
    with pytest.raises(TuiNNError, match="every row has the label 'a'"):
        save_session(Session(dataset=one_class), path)
    assert not path.exists()


def test_saving_onto_a_fifo_is_refused_without_reading_it(tmp_path: Path) -> None:
    """The old target is never read: a FIFO would block the save forever."""
    fifo = tmp_path / "s.toml"
    os.mkfifo(fifo)
    with pytest.raises(TuiNNError, match="cannot save there: it is a FIFO"):
        save_session(Session(), fifo)
