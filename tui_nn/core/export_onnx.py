"""Export a trained network as an ONNX graph: Gemm layers, their activations, two outputs.

The graph takes ``features`` (rows x inputs, *not* standardised: when the model was trained on
standardised features, the standardisation is baked in as a ``Sub`` and a ``Div`` in front)
and gives ``probabilities`` (rows x outputs: the sigmoid or softmax outputs, as the workbench
shows them) and ``class`` (rows, int64: output >= 0.5 for one output, else the argmax). The
float type is the model's own: ``double`` for float64, ``float`` for float32 (whose
standardisation then runs in float32, where the workbench standardises in float64 first).

Building the graph needs the ``onnx`` package (``pip install 'tui-nn[onnx]'``), imported only
when exporting, so the engine itself stays NumPy and the standard library.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from tui_nn import __version__
from tui_nn.core.errors import TuiNNError
from tui_nn.core.files import save_bytes
from tui_nn.core.network import Network
from tui_nn.core.split import Standardizer

__all__ = ["OPSET", "onnx_bytes", "write_onnx"]

OPSET = 17
"""The ONNX operator set the graph uses (onnxruntime 1.13 and newer run it)."""

_ACTIVATION_OPS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "softmax": "Softmax"}

MISSING_ONNX = "exporting to ONNX needs the onnx package: pip install 'tui-nn[onnx]'"


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise TuiNNError(MISSING_ONNX, field="path") from None
    return onnx


def onnx_bytes(
    network: Network,
    class_names: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None,
    standardizer: Standardizer | None = None,
) -> bytes:
    """The serialised ONNX model of ``network``, checked by ``onnx.checker``.

    Raises:
        TuiNNError: ``field="path"`` when the onnx package is missing; ``field="model"`` for
            non-finite weights.
    """
    onnx = _onnx()
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    if not np.isfinite(network.params).all():
        raise TuiNNError("the model has non-finite weights; it cannot be exported", field="model")
    dtype = network.dtype
    elem = onnx.TensorProto.DOUBLE if dtype == np.float64 else onnx.TensorProto.FLOAT
    n_in, n_out = network.layer_sizes[0], network.layer_sizes[-1]
    nodes: list[Any] = []
    initializers: list[Any] = []

    def constant(name: str, value: Any) -> str:
        initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    current = "features"
    if standardizer is not None:
        mean = constant("standardizer_mean", standardizer.mean.astype(dtype))
        std = constant("standardizer_std", standardizer.std.astype(dtype))
        nodes.append(helper.make_node("Sub", [current, mean], ["centred"], name="centre"))
        nodes.append(helper.make_node("Div", ["centred", std], ["standardised"], name="scale"))
        current = "standardised"
    layers = len(network.weights)
    for number, (weight, bias, activation) in enumerate(
        zip(network.weights, network.biases, network.activations, strict=True), start=1
    ):
        last = number == layers
        z = f"layer{number}_z"
        out = "probabilities" if last else f"layer{number}_out"
        w = constant(f"layer{number}_weights", np.ascontiguousarray(weight))
        b = constant(f"layer{number}_biases", np.ascontiguousarray(bias))
        target = z if activation in _ACTIVATION_OPS else out
        nodes.append(helper.make_node("Gemm", [current, w, b], [target], name=f"layer{number}"))
        if activation in _ACTIVATION_OPS:
            attributes = {"axis": 1} if activation == "softmax" else {}
            nodes.append(
                helper.make_node(
                    _ACTIVATION_OPS[activation],
                    [z],
                    [out],
                    name=f"layer{number}_{activation}",
                    **attributes,
                )
            )
        current = out
    if n_out == 1:
        half = constant("half", np.array(0.5, dtype=dtype))
        axes = constant("column_axis", np.array([1], dtype=np.int64))
        nodes += [
            helper.make_node("GreaterOrEqual", ["probabilities", half], ["is_one"], name="ge"),
            helper.make_node("Cast", ["is_one"], ["class_column"], to=onnx.TensorProto.INT64),
            helper.make_node("Squeeze", ["class_column", axes], ["class"], name="squeeze"),
        ]
    else:
        nodes.append(helper.make_node("ArgMax", ["probabilities"], ["class"], axis=1, keepdims=0))
    graph = helper.make_graph(
        nodes,
        "tui_nn_network",
        [helper.make_tensor_value_info("features", elem, ["rows", n_in])],
        [
            helper.make_tensor_value_info("probabilities", elem, ["rows", n_out]),
            helper.make_tensor_value_info("class", onnx.TensorProto.INT64, ["rows"]),
        ],
        initializers,
    )
    model = helper.make_model(
        graph,
        producer_name="tui-nn",
        producer_version=__version__,
        opset_imports=[helper.make_opsetid("", OPSET)],
        doc_string=(
            f"A {'-'.join(map(str, network.layer_sizes))} network "
            f"({', '.join(network.activations)}) trained by tui-nn. Input: raw features"
            + (" (standardised inside the graph)" if standardizer is not None else "")
            + "; outputs: probabilities and class."
        ),
    )
    names = {
        "class_names": list(class_names) if class_names is not None else _classes(n_out),
        "feature_names": list(feature_names)
        if feature_names is not None
        else [f"x{i}" for i in range(1, n_in + 1)],
    }
    helper.set_model_props(model, {key: json.dumps(value) for key, value in names.items()})
    onnx.checker.check_model(model, full_check=True)
    data: bytes = model.SerializeToString()
    return data


def _classes(n_out: int) -> list[str]:
    return [str(k) for k in range(2 if n_out == 1 else n_out)]


def write_onnx(
    network: Network,
    path: str | os.PathLike[str],
    class_names: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None,
    standardizer: Standardizer | None = None,
) -> None:
    """Write ``network`` as an ``.onnx`` file, atomically.

    Raises:
        TuiNNError: ``field="path"`` for another suffix, a missing onnx package or a failed
            write; ``field="model"`` for non-finite weights.
    """
    if not os.fspath(path).lower().endswith(".onnx"):
        raise TuiNNError(
            f"an ONNX model is exported as .onnx, got {os.fspath(path)!r}", field="path"
        )
    save_bytes(path, onnx_bytes(network, class_names, feature_names, standardizer), field="path")
