"""Command line: ``tui-nn`` opens the workbench; ``tui-nn train`` trains headless.

``tui-nn train`` runs the same engine as the app with every hyperparameter as an option;
``--json`` prints exactly one JSON object for scripts and tests. Bad options print one line
naming the option and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

import numpy as np

from tui_nn import __version__
from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import FIELDS, Hyperparams
from tui_nn.core.training import EpochResult, Trainer

USAGE_ERROR = 2
DIVERGED = 1

OPTION_FOR_FIELD = {name: "--" + name.replace("_", "-") for name in FIELDS}
"""Each hyperparameter field's command-line option (``batch_size`` -> ``--batch-size``)."""


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2, never a traceback."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="tui-nn",
        description="A terminal workbench for a small neural network written from scratch.",
    )
    parser.add_argument("--version", action="version", version=f"tui-nn {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_OneLineParser)
    train = commands.add_parser(
        "train",
        help="train headless and print the result",
        description="Train without the UI. Defaults reproduce the tutorial.",
    )
    defaults = Hyperparams().to_text()
    data = train.add_argument_group("data")
    data.add_argument(
        "--dataset", default="tutorial", help="built-in dataset name (default: tutorial)"
    )
    model = train.add_argument_group("hyperparameters (defaults are the tutorial's)")
    for name, spec in FIELDS.items():
        model.add_argument(
            OPTION_FOR_FIELD[name],
            dest=name,
            metavar=name.upper(),
            default=None,
            help=f"{spec.label}; {spec.rule} (default: {defaults[name] or 'none'})",
        )
    output = train.add_argument_group("output")
    output.add_argument(
        "--predict",
        action="append",
        default=[],
        metavar="X1,X2,...",
        help="feature values of a row to predict after training; repeat for more rows",
    )
    output.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _hyperparams(args: argparse.Namespace) -> Hyperparams:
    texts = {name: getattr(args, name) for name in FIELDS if getattr(args, name) is not None}
    try:
        return Hyperparams.from_text(texts)
    except TuiNNError as error:
        option = OPTION_FOR_FIELD.get(error.field or "", "")
        raise _UsageError(f"{option}: {error}" if option else str(error)) from None


def _dataset(name: str) -> Dataset:
    if name == "tutorial":
        return TUTORIAL_DATASET
    raise _UsageError(f"--dataset: unknown dataset {name!r}; built-in: tutorial")


def _prediction_rows(texts: list[str], features: int) -> list[list[float]]:
    rows = []
    for text in texts:
        try:
            row = [float(part) for part in text.split(",")]
        except ValueError:
            raise _UsageError(
                f"--predict: expected {features} comma-separated numbers, got {text!r}"
            ) from None
        if len(row) != features or not all(math.isfinite(v) for v in row):
            raise _UsageError(
                f"--predict: expected {features} finite comma-separated numbers, got {text!r}"
            )
        rows.append(row)
    return rows


class _UsageError(Exception):
    """A bad option: reported in one line with exit status 2."""


class _Progress:
    """A one-line progress bar on a terminal, shown only for runs longer than a second."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self._total = total
        self._stream = stream
        self._enabled = stream.isatty()
        self._start = time.monotonic()
        self._next = self._start + 1.0
        self._shown = False

    def update(self, epoch: int) -> None:
        now = time.monotonic()
        if not self._enabled or now < self._next:
            return
        self._next = now + 0.1
        self._shown = True
        done = epoch / self._total
        bar = "#" * int(done * 30)
        rate = epoch / (now - self._start)
        left = (self._total - epoch) / rate if rate else 0.0
        self._stream.write(
            f"\r[{bar:<30}] {done:4.0%} epoch {epoch}/{self._total} "
            f"{rate:,.0f} epochs/s, {left:.0f}s left "
        )
        self._stream.flush()

    def close(self) -> None:
        if self._shown:
            self._stream.write("\r" + " " * 79 + "\r")
            self._stream.flush()


def _train(args: argparse.Namespace) -> int:
    hyperparams = _hyperparams(args)
    dataset = _dataset(args.dataset)
    rows = _prediction_rows(args.predict, dataset.n_features)
    trainer = Trainer(hyperparams, dataset)
    history: list[float] = []
    losses: list[float] = []
    progress = _Progress(hyperparams.epochs, sys.stderr)
    last: EpochResult | None = None
    try:
        for last in trainer.run():
            if last.divergence is None:
                history.append(last.reported)
                losses.append(last.loss)
                progress.update(last.epoch)
    finally:
        progress.close()
    divergence = last.divergence if last is not None else None
    # A roll-back may return to an epoch before the last one reported.
    del history[trainer.epoch :], losses[trainer.epoch :]
    prediction = trainer.predict(rows) if rows else None
    evaluation = trainer.evaluate()
    network = trainer.network
    if args.json:
        report: dict[str, Any] = {
            "recipe": hyperparams.recipe,
            "dataset": dataset.name,
            "hyperparameters": hyperparams.to_text(),
            "epochs": trainer.epoch,
            "reported": "error sum" if hyperparams.recipe == "tutorial" else hyperparams.loss,
            "history": history,
            "loss_history": losses,
            "loss_name": "mse" if hyperparams.recipe == "tutorial" else hyperparams.loss,
            "train_accuracy": evaluation.accuracy,
            "predictions": [] if prediction is None else prediction.probabilities.tolist(),
            "predicted_classes": []
            if prediction is None
            else [dataset.class_names[c] for c in prediction.classes],
            "weights": [w.tolist() for w in network.weights],
            "biases": [b.tolist() for b in network.biases],
            "diverged": None
            if divergence is None
            else {
                "epoch": divergence.epoch,
                "parameter": divergence.parameter,
                "message": divergence.message(),
            },
        }
        print(json.dumps(report))
    else:
        _print_summary(trainer, dataset, history, losses, rows, divergence)
    return DIVERGED if divergence is not None else 0


def _print_summary(
    trainer: Trainer,
    dataset: Dataset,
    history: list[float],
    losses: list[float],
    rows: list[list[float]],
    divergence: Any,
) -> None:
    hp = trainer.hyperparams
    reported = "error sum" if hp.recipe == "tutorial" else hp.loss
    loss_name = "mse" if hp.recipe == "tutorial" else hp.loss
    print(
        f"tui-nn train: recipe {hp.recipe}, dataset {dataset.name} "
        f"({dataset.n_rows} rows, {dataset.n_features} features), "
        f"layers {'-'.join(str(n) for n in trainer.network.layer_sizes)}"
    )
    if history:
        print(f"epoch 1: {reported} {history[0]:.6g}")
        print(f"epoch {len(history)}: {reported} {history[-1]:.6g}, {loss_name} {losses[-1]:.6g}")
    evaluation = trainer.evaluate()
    correct = round(evaluation.accuracy * dataset.n_rows)
    print(f"accuracy: {correct}/{dataset.n_rows} rows right ({evaluation.accuracy:.0%})")
    with np.printoptions(precision=6, suppress=True):
        for layer, (w, b) in enumerate(
            zip(trainer.network.weights, trainer.network.biases, strict=True), start=1
        ):
            print(f"layer {layer} weights {w.tolist()}")
            print(f"layer {layer} bias {b.tolist()}")
    if rows:
        prediction = trainer.predict(rows)
        for row, probabilities, klass in zip(
            rows, prediction.probabilities, prediction.classes, strict=True
        ):
            shown = ", ".join(f"{p:.8f}" for p in probabilities)
            features = ",".join(f"{v:g}" for v in row)
            print(f"predict {features} -> {shown} (class {dataset.class_names[klass]})")
    if divergence is not None:
        print(divergence.message(), file=sys.stderr)


def _run_app() -> int:
    from tui_nn.ui.app import make_app  # the UI stack loads only when the app runs

    make_app().run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tui-nn`` console script."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command != "train":
        return _run_app()
    try:
        return _train(args)
    except (_UsageError, TuiNNError) as error:
        print(f"tui-nn train: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("tui-nn train: interrupted", file=sys.stderr)
        return 130
