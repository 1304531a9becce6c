"""Exporting a trained model as JSON or ``.npz``, and loading it back safely.

A model file holds everything needed to predict: layer sizes, activations, float type,
weights ``(n_in, n_out)`` and biases per layer, the feature and class names, and the
standardisation the inputs need (if the model was trained on standardised features).

* ``.json``: one object; floats are written with ``repr`` so they read back to the same bits
  (float32 weights are widened to float64 exactly and narrowed back on load).
* ``.npz``: arrays ``layer1_weights``, ``layer1_biases``, ... in the model's own float type,
  plus ``meta``, a JSON text of everything else. It is read with ``allow_pickle=False``.

Loading never executes data and checks every size and type before trusting it; every
problem is a ``TuiNNError`` naming the key. The checks of untrusted values themselves
(``check_numbers``, ``read_npz``, ...) and the array naming live in ``data_rules``, shared
with session files; this module is the model format.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tui_nn.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from tui_nn.core.data_rules import (
    MAX_MODEL_BYTES,
    check_matrix,
    check_names,
    check_numbers,
    float_array,
    layer_array_names,
    read_npz,
)
from tui_nn.core.errors import TuiNNError
from tui_nn.core.files import describe_size, read_limited, save_bytes
from tui_nn.core.hyperparams import DTYPES, MAX_HIDDEN_LAYERS, MAX_LAYER_SIZE
from tui_nn.core.network import Network
from tui_nn.core.split import Standardizer

__all__ = [
    "FORMAT_VERSION",
    "MAX_MODEL_BYTES",
    "ModelFile",
    "export_model",
    "load_model",
    "read_model",
]

FORMAT_VERSION = 1

_KIND = "tui-nn model"

FloatArray = npt.NDArray[np.floating]


@dataclass(frozen=True, eq=False)
class ModelFile:
    """Everything a model file holds.

    Attributes:
        network: The model, in its saved float type.
        class_names: One name per class (two for a single sigmoid output).
        feature_names: One name per input.
        standardizer: The input standardisation it was trained with, or None.
    """

    network: Network
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    standardizer: Standardizer | None = None


def _default_classes(network: Network) -> tuple[str, ...]:
    outputs = network.layer_sizes[-1]
    return tuple(str(k) for k in range(2 if outputs == 1 else outputs))


def _meta(model: ModelFile) -> dict[str, Any]:
    network = model.network
    return {
        "format": _KIND,
        "format_version": FORMAT_VERSION,
        "layer_sizes": list(network.layer_sizes),
        "activations": list(network.activations),
        "dtype": str(network.dtype),
        "feature_names": list(model.feature_names),
        "class_names": list(model.class_names),
        "standardizer": model.standardizer.to_dict() if model.standardizer else None,
    }


def export_model(
    network: Network,
    path: str | os.PathLike[str],
    class_names: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None,
    standardizer: Standardizer | None = None,
) -> None:
    """Write a model as ``.json`` or ``.npz`` (chosen by the suffix), atomically.

    Args:
        network: The trained model.
        path: Ends in ``.json`` or ``.npz``.
        class_names: One per class; ``"0"``, ``"1"``, ... when None.
        feature_names: One per input; ``x1``, ``x2``, ... when None.
        standardizer: The input standardisation the model was trained with, if any.

    Raises:
        TuiNNError: ``field="path"`` for another suffix or a failed write, ``"model"`` when
            the names or the standardizer do not fit the network.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in (".json", ".npz"):
        raise TuiNNError(
            f"a model is exported as .json or .npz, got {os.fspath(path)!r}", field="path"
        )
    model = ModelFile(
        network,
        tuple(class_names) if class_names is not None else _default_classes(network),
        tuple(feature_names)
        if feature_names is not None
        else tuple(f"x{i}" for i in range(1, network.layer_sizes[0] + 1)),
        standardizer,
    )
    if not np.isfinite(network.params).all():
        raise TuiNNError("the model has non-finite weights; it cannot be exported", field="model")
    meta = _meta(model)
    _check_meta(meta)  # the file must load again: refuse what load_model would refuse
    if suffix == ".json":
        meta["weights"] = [w.tolist() for w in network.weights]
        meta["biases"] = [b.tolist() for b in network.biases]
        # One key per line, each value compact: readable, and small for big layers.
        lines = [f" {json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in meta.items()]
        data = ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")
    else:
        buffer = io.BytesIO()
        arrays: dict[str, Any] = dict(
            zip(layer_array_names(len(network.weights)), _interleave(network), strict=True)
        )
        arrays["meta"] = np.array(json.dumps(meta))
        np.savez(buffer, **arrays)
        data = buffer.getvalue()
    if len(data) > MAX_MODEL_BYTES:  # it would not load again
        raise TuiNNError(
            f"the model file would be {describe_size(len(data))}, more than the "
            f"{describe_size(MAX_MODEL_BYTES)} a model file may hold",
            field="path",
        )
    save_bytes(path, data, field="path")


def _interleave(network: Network) -> list[FloatArray]:
    return [a for pair in zip(network.weights, network.biases, strict=True) for a in pair]


def _check_meta(meta: Mapping[str, Any]) -> tuple[tuple[int, ...], tuple[str, ...], str]:
    if meta.get("format") != _KIND:
        raise TuiNNError(f"format must be {_KIND!r}: this is not a tui-nn model", field="format")
    if type(meta.get("format_version")) is not int or meta["format_version"] != FORMAT_VERSION:
        raise TuiNNError(
            f"format_version must be {FORMAT_VERSION}, got {meta.get('format_version')!r:.40}",
            field="format_version",
        )
    sizes = meta.get("layer_sizes")
    if (
        not isinstance(sizes, list)
        or not 2 <= len(sizes) <= MAX_HIDDEN_LAYERS + 2
        or not all(type(n) is int and 1 <= n <= MAX_LAYER_SIZE for n in sizes)
    ):
        raise TuiNNError(
            f"layer_sizes must be a list of 2 to {MAX_HIDDEN_LAYERS + 2} whole numbers "
            f"from 1 to {MAX_LAYER_SIZE}",
            field="layer_sizes",
        )
    activations = meta.get("activations")
    if (
        not isinstance(activations, list)
        or len(activations) != len(sizes) - 1
        or not all(name in HIDDEN_ACTIVATIONS for name in activations[:-1])
        or activations[-1] not in ACTIVATIONS
    ):
        raise TuiNNError(
            f"activations must be one per layer ({len(sizes) - 1}): hidden ones from "
            f"{', '.join(HIDDEN_ACTIVATIONS)}, the output one from {', '.join(ACTIVATIONS)}",
            field="activations",
        )
    dtype = meta.get("dtype")
    if dtype not in DTYPES:
        raise TuiNNError(f"dtype must be one of {', '.join(DTYPES)}", field="dtype")
    outputs = sizes[-1]
    check_names(meta.get("class_names"), "class_names", 2 if outputs == 1 else outputs)
    check_names(meta.get("feature_names"), "feature_names", sizes[0])
    if meta.get("standardizer") is not None:
        Standardizer.from_dict(meta["standardizer"], sizes[0])
    return tuple(sizes), tuple(activations), str(dtype)


def _model_from(
    meta: Mapping[str, Any], weights: Sequence[FloatArray], biases: Sequence[FloatArray]
) -> ModelFile:
    sizes, activations, dtype = _check_meta(meta)
    network = Network.from_arrays(weights, biases, activations, dtype)
    standardizer = meta.get("standardizer")
    return ModelFile(
        network,
        tuple(meta["class_names"]),
        tuple(meta["feature_names"]),
        Standardizer.from_dict(standardizer, sizes[0]) if standardizer is not None else None,
    )


def _read_json(data: bytes) -> ModelFile:
    try:
        meta = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise TuiNNError(f"not a JSON model file ({error})", field="format") from None
    if not isinstance(meta, dict):
        raise TuiNNError("a JSON model file holds one object", field="format")
    sizes, _, _ = _check_meta(meta)
    layers = len(sizes) - 1
    weights, biases = meta.get("weights"), meta.get("biases")
    if not isinstance(weights, list) or len(weights) != layers:
        raise TuiNNError(f"weights must be a list of {layers} matrices", field="weights")
    if not isinstance(biases, list) or len(biases) != layers:
        raise TuiNNError(f"biases must be a list of {layers} lists", field="biases")
    w = [
        check_matrix(weights[i], f"weights[{i + 1}]", sizes[i], sizes[i + 1]) for i in range(layers)
    ]
    b = [
        np.array(check_numbers(biases[i], f"biases[{i + 1}]", sizes[i + 1]), dtype=np.float64)
        for i in range(layers)
    ]
    return _model_from(meta, w, b)


def _read_npz_model(data: bytes, max_bytes: int) -> ModelFile:
    arrays = read_npz(data, "format", max_bytes=max_bytes)
    meta_array = arrays.get("meta")
    if meta_array is None or meta_array.dtype.kind != "U" or meta_array.ndim != 0:
        raise TuiNNError("an .npz model needs a text array named meta", field="meta")
    try:
        meta = json.loads(str(meta_array))
    except (ValueError, RecursionError) as error:
        raise TuiNNError(f"meta is not JSON ({error})", field="meta") from None
    if not isinstance(meta, dict):
        raise TuiNNError("meta must be a JSON object", field="meta")
    sizes, _, _ = _check_meta(meta)
    names = layer_array_names(len(sizes) - 1)
    if sorted(arrays) != sorted([*names, "meta"]):
        raise TuiNNError(
            f"expected the arrays {', '.join(names)} and meta, got {', '.join(arrays)}",
            field="weights",
        )
    weights, biases = [], []
    for i in range(len(sizes) - 1):
        weights.append(float_array(arrays[names[2 * i]], names[2 * i], (sizes[i], sizes[i + 1])))
        biases.append(float_array(arrays[names[2 * i + 1]], names[2 * i + 1], (sizes[i + 1],)))
    return _model_from(meta, weights, biases)


def read_model(path: str | os.PathLike[str], max_bytes: int = MAX_MODEL_BYTES) -> ModelFile:
    """Load everything a model file holds (format chosen by the suffix).

    Args:
        path: A ``.json`` or ``.npz`` file.
        max_bytes: The largest file accepted, and for ``.npz`` the largest its arrays may
            unpack to.

    Raises:
        TuiNNError: naming the file and the key for any problem; nothing in the file runs.
    """
    shown = os.fspath(path)
    suffix = Path(shown).suffix.lower()
    if suffix not in (".json", ".npz"):
        raise TuiNNError(f"{shown}: a model file ends in .json or .npz", field="path")
    data = read_limited(path, max_bytes, field="path")
    try:
        return _read_json(data) if suffix == ".json" else _read_npz_model(data, max_bytes)
    except TuiNNError as error:
        raise TuiNNError(f"{shown}: {error}", field=error.field) from None


def load_model(path: str | os.PathLike[str]) -> tuple[Network, tuple[str, ...]]:
    """Load a model file: ``(network, class_names)``. See ``read_model`` for the rest.

    Raises:
        TuiNNError: as ``read_model``.
    """
    model = read_model(path)
    return model.network, model.class_names
