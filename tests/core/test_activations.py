"""Activations and losses: stable at the extremes, derivatives that match their functions."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from tui_nn.core import TUTORIAL_DATASET, Dataset, Hyperparams, Network, Trainer
from tui_nn.core.activations import ACTIVATIONS, DERIVATIVES, OUTPUT_DERIVATIVES
from tui_nn.core.losses import LOSSES

DTYPES = [np.float64, np.float32]
EXTREMES = [1e4, -1e4, 710.0, -710.0, 709.0, -709.0, 100.0, -100.0, 88.5, -88.5, 0.0]


@contextmanager
def strict_floats() -> Iterator[None]:
    """Turn every NumPy floating-point warning a user could see into an error.

    Underflow stays silent, as it is by NumPy's default: e^-10000 rounding to 0 is the
    correct answer, not a fault.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_sigmoid_at_the_extremes(dtype: type[np.floating]) -> None:
    x = np.array(EXTREMES, dtype=dtype)
    with strict_floats():
        a = ACTIVATIONS["sigmoid"](x, np.empty_like(x))
    assert a.dtype == dtype
    assert not np.isnan(a).any()
    assert ((a >= 0) & (a <= 1)).all()
    by_input = dict(zip(EXTREMES, a.tolist(), strict=True))
    assert by_input[1e4] == 1.0
    assert by_input[710.0] == 1.0
    assert by_input[-1e4] < 1e-30
    assert by_input[-710.0] < 1e-30
    assert by_input[0.0] == 0.5
    order = np.argsort(x)
    assert (np.diff(a[order]) >= 0).all(), "sigmoid must not decrease"


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_sigmoid_in_place_and_its_derivative_at_the_extremes(dtype: type[np.floating]) -> None:
    x = np.array(EXTREMES, dtype=dtype)
    with strict_floats():
        slope = DERIVATIVES["sigmoid"](x, np.empty_like(x))
        a = x.copy()
        ACTIVATIONS["sigmoid"](a, a)
    assert np.isfinite(slope).all()
    assert ((slope >= 0) & (slope <= 0.25)).all()
    assert a.tolist() == ACTIVATIONS["sigmoid"](x, np.empty_like(x)).tolist()


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_stable_sigmoid_is_the_tutorials_formula_where_that_one_is_finite(
    dtype: type[np.floating],
) -> None:
    x = np.linspace(-80, 80, 2001, dtype=dtype)
    expected = 1 / (1 + np.exp(-x))
    assert ACTIVATIONS["sigmoid"](x, np.empty_like(x)).tolist() == expected.tolist()


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_softmax_at_the_extremes(dtype: type[np.floating]) -> None:
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [710.0, 709.0, -710.0]], dtype=dtype)
    with strict_floats():
        p = ACTIVATIONS["softmax"](x, np.empty_like(x))
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    assert p[0].tolist() == [1.0, 0.0, 0.0]
    np.testing.assert_allclose(p[1], 1 / 3, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_prediction_with_huge_weights_stays_a_probability(dtype: type[np.floating]) -> None:
    network = Network.from_arrays([[[1e4], [-1e4], [1.0]]], [[0.0]], ["sigmoid"], dtype=dtype)
    with strict_floats():
        prediction = network.predict([[1, 0, 0], [0, 1, 0], [0, 0, 0]])
    assert prediction.probabilities[:, 0].tolist() == pytest.approx([1.0, 0.0, 0.5])
    assert prediction.classes.tolist() == [1, 0, 1]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("recipe", ["tutorial", "textbook"])
def test_training_on_huge_inputs_raises_no_warning(recipe: str, dtype: str) -> None:
    data = Dataset(TUTORIAL_DATASET.features * 1e4 - 5e3, TUTORIAL_DATASET.labels, ("a", "b", "c"))
    loss = "bce" if recipe == "textbook" else "mse"
    trainer = Trainer(Hyperparams(recipe=recipe, loss=loss, dtype=dtype, epochs=5), data)
    with strict_floats():
        results = list(trainer.run())
    assert len(results) == 5
    assert all(np.isfinite(r.loss) and r.divergence is None for r in results)
    assert np.isfinite(trainer.network.params).all()


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
def test_derivative_tables_agree_with_the_function(name: str) -> None:
    # Points away from 0 so relu's kink is not straddled by the finite difference.
    x = np.array([-3.0, -1.2, -0.4, 0.3, 0.9, 2.5])
    eps = 1e-6
    f = ACTIVATIONS[name]
    numeric = (f(x + eps, np.empty_like(x)) - f(x - eps, np.empty_like(x))) / (2 * eps)
    from_input = DERIVATIVES[name](x, np.empty_like(x))
    from_output = OUTPUT_DERIVATIVES[name](f(x, np.empty_like(x)), np.empty_like(x))
    np.testing.assert_allclose(from_input, numeric, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(from_output, numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_cross_entropies_of_certain_wrong_answers_are_large_but_finite(
    dtype: type[np.floating],
) -> None:
    a = np.array([[0.0], [1.0]], dtype=dtype)
    y = np.array([[1.0], [0.0]], dtype=dtype)
    probs = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], dtype=dtype)
    onehot = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype=dtype)
    with strict_floats():
        bce = LOSSES["bce"].value(a, y)
        bce_grad = LOSSES["bce"].gradient(a, y, np.empty_like(a))
        ce = LOSSES["ce"].value(probs, onehot)
        ce_grad = LOSSES["ce"].gradient(probs, onehot, np.empty_like(probs))
    assert np.isfinite(bce) and bce > 10
    assert np.isfinite(ce) and ce > 5
    assert np.isfinite(bce_grad).all() and np.isfinite(ce_grad).all()
