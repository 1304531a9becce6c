"""Model export: exact round trips in both formats; loading never trusts or executes the file."""

from __future__ import annotations

import io
import json
import pathlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_nn.core.errors import TuiNNError
from tui_nn.core.model_io import export_model, load_model, read_model
from tui_nn.core.network import Network
from tui_nn.core.split import Standardizer

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def network(dtype: str = "float64", seed: int = 1) -> Network:
    return Network.initialised((3, 5, 4, 3), ("tanh", "relu", "softmax"), "xavier", seed, dtype)


@pytest.mark.parametrize("suffix", [".json", ".npz"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_is_exact_and_predicts_the_same(tmp_path: Path, suffix: str, dtype: str) -> None:
    model = network(dtype)
    model.biases[0][...] = [0.1, -0.0, 5e-324 if dtype == "float64" else 1e-45, 1e30, -3.5]
    scaler = Standardizer.fit(np.random.default_rng(0).normal(size=(20, 3)))
    path = tmp_path / f"model{suffix}"
    export_model(model, path, ["cat", "dog", "eel"], ["a", "b", "c"], scaler)
    loaded = read_model(path)
    assert loaded.network.dtype == np.dtype(dtype)
    assert loaded.network.params.tobytes() == model.params.tobytes()
    assert loaded.network.activations == model.activations
    assert loaded.class_names == ("cat", "dog", "eel")
    assert loaded.feature_names == ("a", "b", "c")
    assert loaded.standardizer is not None
    assert loaded.standardizer.mean.tobytes() == scaler.mean.tobytes()
    rows = np.random.default_rng(1).normal(size=(8, 3))
    assert (
        loaded.network.forward(rows).tobytes() == model.forward(rows).tobytes()
    )  # same bits, same answers


def test_load_model_gives_network_and_default_class_names(tmp_path: Path) -> None:
    single = Network.initialised((2, 1), ("sigmoid",), "uniform", 42)
    export_model(single, tmp_path / "m.json")
    loaded, class_names = load_model(tmp_path / "m.json")
    assert class_names == ("0", "1")
    assert loaded.layer_sizes == (2, 1)
    text = (tmp_path / "m.json").read_text()
    assert '"format_version": 1' in text and '"feature_names": ["x1", "x2"]' in text


@given(
    values=st.lists(
        st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=13, max_size=13
    ),
    suffix=st.sampled_from([".json", ".npz"]),
)
@settings(max_examples=30, deadline=None)
def test_float32_round_trip_property(
    values: list[float], suffix: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    model = Network((2, 3, 1), ("relu", "sigmoid"), np.array(values, dtype=np.float32))
    path = tmp_path_factory.mktemp("m") / f"m{suffix}"
    export_model(model, path)
    assert load_model(path)[0].params.tobytes() == model.params.tobytes()


@pytest.mark.parametrize(
    ("call", "message", "field"),
    [
        (lambda m, p: export_model(m, p / "m.pkl"), "as .json or .npz", "path"),
        (lambda m, p: export_model(m, p / "m.json", ["a", "b"]), "class_names", "class_names"),
        (lambda m, p: export_model(m, p / "nowhere" / "m.json"), "cannot save", "path"),
    ],
)
def test_export_refuses_what_would_not_load(
    tmp_path: Path, call: Any, message: str, field: str
) -> None:
    with pytest.raises(TuiNNError, match=message) as caught:
        call(network(), tmp_path)
    assert caught.value.field == field


def test_export_refuses_non_finite_weights(tmp_path: Path) -> None:
    model = network()
    model.params[3] = np.nan
    with pytest.raises(TuiNNError, match="non-finite"):
        export_model(model, tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def _valid_json(tmp_path: Path) -> dict[str, Any]:
    export_model(Network.initialised((2, 2, 1), ("tanh", "sigmoid")), tmp_path / "ok.json")
    data: dict[str, Any] = json.loads((tmp_path / "ok.json").read_text())
    return data


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "other"}, "format"),
        ({"format_version": 2}, "format_version"),
        ({"format_version": True}, "format_version"),
        ({"layer_sizes": [2, 4097, 1]}, "layer_sizes"),
        ({"layer_sizes": [2, 2.0, 1]}, "layer_sizes"),
        ({"layer_sizes": [2] * 30}, "layer_sizes"),
        ({"activations": ["softmax", "sigmoid"]}, "activations"),
        ({"activations": ["tanh"]}, "activations"),
        ({"dtype": "float16"}, "dtype"),
        ({"class_names": ["only"]}, "class_names"),
        ({"feature_names": ["a", ""]}, "feature_names"),
        ({"standardizer": {"mean": [0, 0], "std": [1, -1]}}, "normalize"),
        ({"weights": [[[1.0, 2.0]], [[1.0], [2.0]]]}, "weights[1]"),
        ({"weights": [[[1.0, "2"], [3.0, 4.0]], [[1.0], [2.0]]]}, "weights[1][1]"),
        ({"weights": [[[1.0, True], [3.0, 4.0]], [[1.0], [2.0]]]}, "weights[1][1]"),
        ({"weights": [[[1.0, 2.0], [3.0, 4.0]], [[1.0], [1e999]]]}, "weights"),
        ({"biases": [[0.0, 0.0]]}, "biases"),
        ({"biases": [[0.0, 0.0], [None]]}, "biases[2]"),
    ],
)
def test_bad_json_model_names_the_key(tmp_path: Path, change: dict[str, Any], field: str) -> None:
    data = _valid_json(tmp_path)
    data.update(change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(TuiNNError) as caught:
        load_model(path)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{path}: ")


@pytest.mark.parametrize(
    "text", ["", "[]", "{", "[" * 100_000 + "]" * 100_000, '{"format": NaN}', "1" * 5000]
)
def test_not_json_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "m.json"
    path.write_text(text)
    with pytest.raises(TuiNNError):
        load_model(path)


def test_pickled_npz_is_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self) -> tuple[Any, ...]:
            return (pathlib.Path.touch, (marker,))

    arrays = {"meta": np.array([Evil()], dtype=object)}
    np.savez(tmp_path / "evil.npz", **arrays)  # type: ignore[arg-type]
    with pytest.raises(TuiNNError):
        load_model(tmp_path / "evil.npz")
    assert not marker.exists()


def test_npz_problems_are_refused(tmp_path: Path) -> None:
    good = network()
    export_model(good, tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz") as loaded:
        arrays = {name: loaded[name] for name in loaded.files}
    cases: dict[str, dict[str, Any]] = {
        "missing meta": {k: v for k, v in arrays.items() if k != "meta"},
        "extra array": {**arrays, "extra": np.zeros(2)},
        "int weights": {**arrays, "layer1_weights": np.zeros((3, 5), dtype=np.int64)},
        "wrong shape": {**arrays, "layer2_biases": np.zeros(5)},
        "meta not text": {**arrays, "meta": np.zeros(3)},
    }
    for name, content in cases.items():
        path = tmp_path / f"{name}.npz"
        np.savez(path, **content)
        with pytest.raises(TuiNNError):
            load_model(path)
    single = tmp_path / "single.npz"
    np.save(io.BytesIO(), np.zeros(3))
    with open(single, "wb") as handle:
        np.save(handle, np.zeros(3))
    with pytest.raises(TuiNNError, match=r"not an \.npz archive"):
        load_model(single)


def test_npz_that_unpacks_too_large_is_refused(tmp_path: Path) -> None:
    export_model(network(), tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz") as loaded:
        arrays = {name: loaded[name] for name in loaded.files}
    arrays["layer1_weights"] = np.zeros((3, 5))
    arrays["padding"] = np.zeros(1_000_000)  # 8 MB of zeros compress to ~8 KB
    np.savez_compressed(tmp_path / "bomb.npz", **arrays)
    assert (tmp_path / "bomb.npz").stat().st_size < 100_000
    with pytest.raises(TuiNNError, match=r"unpack to 7\.6 MiB, more than 97\.7 KiB"):
        read_model(tmp_path / "bomb.npz", max_bytes=100_000)


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".json", ".npz"]))
def test_any_bytes_load_or_raise_the_project_error(
    data: bytes, suffix: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"m{suffix}"
    path.write_bytes(data)
    try:
        load_model(path)
    except TuiNNError as error:
        assert str(error)
