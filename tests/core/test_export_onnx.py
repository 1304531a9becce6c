"""The ONNX export passes onnx.checker and gives the workbench's outputs under onnxruntime."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from tui_nn.core import TUTORIAL_DATASET, Hyperparams, Trainer, TuiNNError
from tui_nn.core.datasets import make_dataset
from tui_nn.core.export_onnx import write_onnx
from tui_nn.core.split import prepare_data

needs_onnx = pytest.mark.skipif(
    importlib.util.find_spec("onnx") is None or importlib.util.find_spec("onnxruntime") is None,
    reason="onnx and onnxruntime are not installed: pip install 'tui-nn[onnx]'",
)

CASES = {
    "tutorial": (Hyperparams(epochs=2000), TUTORIAL_DATASET, False),
    "moons 2-8-8-1 tanh, standardised": (
        Hyperparams(
            recipe="textbook",
            hidden=(8, 8),
            activation="tanh",
            loss="bce",
            optimizer="adam",
            init="xavier",
            lr=0.01,
            epochs=60,
            batch_size=16,
        ),
        make_dataset("moons", points=100, seed=5),
        True,
    ),
    "spiral3 relu softmax": (
        Hyperparams(
            recipe="textbook",
            hidden=(16, 8),
            activation="relu",
            output_activation="softmax",
            loss="ce",
            optimizer="momentum",
            init="he",
            lr=0.05,
            epochs=60,
        ),
        make_dataset("spiral3", points=150, seed=2),
        False,
    ),
    "float32, linear hidden, standardised": (
        Hyperparams(
            recipe="textbook", hidden=(4,), activation="linear", epochs=30, dtype="float32"
        ),
        make_dataset("gauss", points=50, seed=3),
        True,
    ),
}


@needs_onnx
@pytest.mark.parametrize("case", list(CASES))
def test_onnxruntime_gives_the_workbenchs_outputs_on_the_training_rows(
    case: str, tmp_path: Path
) -> None:
    import onnx
    import onnxruntime

    hp, dataset, normalize = CASES[case]
    data = prepare_data(dataset, 0.0, normalize, hp.seed)
    trainer = Trainer(hp, data.train)
    list(trainer.run())
    path = tmp_path / "model.onnx"
    write_onnx(trainer.network, path, dataset.class_names, dataset.feature_names, data.standardizer)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert {node.op_type for node in model.graph.node} >= {"Gemm"}
    props = {p.key: json.loads(p.value) for p in model.metadata_props}
    assert props["class_names"] == list(dataset.class_names)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    # The graph takes raw features: the standardisation, if any, is inside it.
    raw = dataset.features.astype(trainer.network.dtype)
    probabilities, classes = session.run(None, {"features": raw})
    expected = trainer.predict(data.train.features)
    assert probabilities.dtype == trainer.network.dtype
    np.testing.assert_allclose(probabilities, expected.probabilities, rtol=0, atol=1e-6)
    assert classes.tolist() == expected.classes.tolist()


def test_an_onnx_path_must_end_in_onnx(tmp_path: Path) -> None:
    trainer = Trainer(Hyperparams(epochs=1), TUTORIAL_DATASET)
    with pytest.raises(TuiNNError, match=r"as \.onnx"):
        write_onnx(trainer.network, tmp_path / "model.bin")
    assert list(tmp_path.iterdir()) == []
