"""The tutorial recipe against the seed tutorial's own loop, as written, in one process.

Target (issue 2, Performance): 30,000 epochs at least 3x faster than the tutorial's loop,
with a history identical to what the tutorial prints.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from statistics import median
from typing import Any

import numpy as np

from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.training import Trainer

EPOCHS = 30000
ROUNDS = 5
TARGET = 3.0


def tutorial_as_written() -> tuple[Any, Any]:
    """The seed tutorial's code (tutorial.txt, steps 1 to 4), unchanged but for line breaks.

    It prints ``error.sum()`` every epoch; the caller redirects stdout to a StringIO. It sits
    in a function (locals are faster than a script's globals), which only helps the reference.
    """
    # fmt: off
    # Step #1: Variables.
    training_set = np.array([[0,1,0],  # 3 features, 7 entries
                            [0,0,1],
                            [1,0,0],
                            [1,1,0],
                            [1,1,1],
                            [0,1,1],
                            [0,1,0]])
    labels = np.array([[1,
                        0,
                        0,
                        1,
                        1,
                        0,
                        1]])
    # reshaping our dependent variable
    labels = labels.reshape(7,1)
    # hyperparameters
    np.random.seed(42)
    weights = np.random.rand(3,1)
    bias = np.random.rand(1)
    lr = 0.05

    # methods
    def sigmoid(x):
        return 1/(1+np.exp(-x))

    def sigmoid_derivative(x):
        return sigmoid(x)*(1-sigmoid(x))

    # training our model
    for epoch in range(30000):  # noqa: B007
        inputs= training_set
        XW = np.dot(inputs, weights)+bias
        z = sigmoid(XW)
        error = z -labels
        print(error.sum())
        dcost = error
        dpred = sigmoid_derivative(z)
        z_del = dcost * dpred
        inputs = training_set.T
        weights = weights - lr*np.dot(inputs, z_del)
        for num in z_del:
            bias = bias - lr*num
    # fmt: on
    return weights, bias


def run_reference() -> tuple[list[float], Any, Any]:
    """The tutorial's loop with its prints captured; (printed sums, weights, bias)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        weights, bias = tutorial_as_written()
    return [float(text) for text in printed.getvalue().split()], weights, bias


def run_ours() -> tuple[list[float], Trainer]:
    """The tutorial recipe through the engine's iterator; (reported values, trainer)."""
    trainer = Trainer(Hyperparams(), TUTORIAL_DATASET)
    return [result.reported for result in trainer.run()], trainer


def test_tutorial_recipe_matches_and_outruns_the_tutorial(
    interleave: Callable[..., dict[str, list[float]]], report: Any
) -> None:
    """30,000 epochs: the same printed history, and the time ratio of the two loops."""
    reference, ref_weights, ref_bias = run_reference()
    ours, trainer = run_ours()
    assert len(ours) == len(reference) == EPOCHS
    worst = max(abs(a - b) for a, b in zip(ours, reference, strict=True))
    assert worst <= 1e-12, f"histories differ by up to {worst}"
    np.testing.assert_allclose(trainer.network.weights[0][:, 0], ref_weights[:, 0], atol=1e-12)
    np.testing.assert_allclose(trainer.network.biases[0], ref_bias, atol=1e-12)

    times = interleave(ROUNDS, {"ours": run_ours, "tutorial": run_reference})
    ours_s, ref_s = median(times["ours"]), median(times["tutorial"])
    ratio = ref_s / ours_s
    report.line(
        f"tutorial recipe, {EPOCHS} epochs: ours {ours_s:.3f} s, tutorial as written "
        f"{ref_s:.3f} s (medians of {len(times['ours'])} interleaved rounds); histories identical "
        f"(max difference {worst:.1e})"
    )
    report.target(
        "tutorial speed-up", ratio >= TARGET, f"{ratio:.2f}x faster (target >= {TARGET}x)"
    )
