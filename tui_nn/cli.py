"""Command line: ``tui-nn`` opens the workbench; ``tui-nn train`` trains headless.

``tui-nn train`` runs the same engine as the app with every hyperparameter as an option;
``--json`` prints exactly one JSON object for scripts and tests. Bad options print one line
naming the option and exit with status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

import numpy as np

from tui_nn import __version__
from tui_nn.core.dataset import Dataset
from tui_nn.core.datasets import fit_hyperparams, parse_noise, parse_points, resolve_dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.export_run import ExportRun
from tui_nn.core.exports import EXPORT_KINDS, check_exports, write_exports
from tui_nn.core.history import DownsampledHistory
from tui_nn.core.hyperparams import FIELDS, Hyperparams
from tui_nn.core.model_io import export_model
from tui_nn.core.network import Network, Prediction
from tui_nn.core.recipes import record
from tui_nn.core.session import Session, load_session, save_session
from tui_nn.core.split import PreparedData, prepare_data
from tui_nn.core.training import EpochResult, Evaluation, Trainer

USAGE_ERROR = 2
DIVERGED = 1

OPTION_FOR_FIELD = {
    **{name: "--" + name.replace("_", "-") for name in FIELDS},
    "dataset": "--dataset",
    "label": "--label",
    "points": "--points",
    "noise": "--noise",
    "test_split": "--test-split",
}
"""The option to blame for a ``TuiNNError`` of each field (``batch_size`` -> ``--batch-size``)."""


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2, never a traceback."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="tui-nn",
        usage="tui-nn [SESSION.toml] | tui-nn train [options] | tui-nn serve [options]",
        epilog="With no arguments, opens the workbench on the tutorial; with a session file, "
        "opens that session.",
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
        "--dataset",
        default=None,
        metavar="NAME|PATH.csv",
        help="a built-in dataset (tutorial, and, or, xor, circle, gauss, spiral, moons, "
        "spiral3, blobs3) or a CSV file (default: tutorial)",
    )
    data.add_argument("--label", help="the CSV's label column (default: the last column)")
    data.add_argument("--points", help="rows to generate for a built-in dataset")
    data.add_argument("--noise", help="noise of a built-in dataset")
    data.add_argument(
        "--data-seed", default="0", help="seed of a built-in dataset's points (default: 0)"
    )
    data.add_argument(
        "--test-split",
        default=None,
        metavar="FRACTION",
        help="fraction of rows held out for testing, 0 to 0.9 (default: 0)",
    )
    data.add_argument(
        "--normalize",
        action="store_true",
        default=None,
        help="standardise features (mean 0, std 1) on the training rows",
    )
    saved = train.add_argument_group("sessions and models")
    saved.add_argument(
        "--session", metavar="FILE.toml", help="train on from a saved session (tui-nn's own file)"
    )
    saved.add_argument("--save-session", metavar="FILE.toml", help="save the trained session here")
    saved.add_argument(
        "--export-model", metavar="FILE.json|FILE.npz", help="export the trained model here"
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
    _add_export_options(train)
    output = train.add_argument_group("output")
    output.add_argument(
        "--predict",
        action="append",
        default=[],
        metavar="X1,X2,...",
        help="feature values of a row to predict after training; repeat for more rows",
    )
    output.add_argument("--json", action="store_true", help="print one JSON object")
    _add_serve_command(commands)
    return parser


def _add_serve_command(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        prog="tui-nn serve",
        help="serve the workbench to a browser",
        description="Serve the workbench to a web browser: a new workbench per tab, keyboard "
        "driven as in the terminal. Needs the serve extra: pip install 'tui-nn[serve]'.",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only; "
        "reach it from elsewhere over an SSH tunnel)",
    )
    serve.add_argument(
        "--port", default="8000", help="TCP port to listen on, 1 to 65535 (default: 8000)"
    )


def _serve(args: argparse.Namespace) -> int:
    """``tui-nn serve``: one-line errors for a missing extra or a bad or busy port."""
    if not args.port.isdigit() or not 1 <= int(args.port) <= 65535:
        print(
            f"tui-nn serve: error: --port: expected 1 to 65535, got {args.port!r}", file=sys.stderr
        )
        return USAGE_ERROR
    try:
        from tui_nn.web.server import serve
    except ModuleNotFoundError as error:
        print(
            f"tui-nn serve: error: the browser workbench needs the serve extra "
            f"({error.name} is missing): pip install 'tui-nn[serve]'",
            file=sys.stderr,
        )
        return 1
    return serve(args.host, int(args.port))


# ---------------------------------------------------------------- exports (script, torch, onnx)


def _add_export_options(train: argparse.ArgumentParser) -> None:
    exports = train.add_argument_group("exports (checked before training, written after)")
    helps = {
        "script": "a standalone NumPy script that retrains this run and prints its numbers",
        "torch": "a PyTorch script, with the trained weights in FILE_weights.npz beside it",
        "onnx": "the trained network as ONNX (needs pip install 'tui-nn[onnx]')",
    }
    for kind in EXPORT_KINDS.values():
        exports.add_argument(
            kind.option,
            dest=f"export_{kind.name}",
            metavar=f"FILE{kind.suffix}",
            help=helps[kind.name],
        )


def _export_requests(args: argparse.Namespace, session: Session) -> dict[str, str]:
    """The exports asked for, checked (paths, packages) before any training."""
    requests = {name: path for name in EXPORT_KINDS if (path := getattr(args, f"export_{name}"))}
    if requests:
        outputs = {"--save-session": args.save_session, "--export-model": args.export_model}
        inputs = {"--session": args.session, "--dataset": args.dataset}
        check_exports(
            requests,
            session.dataset.n_rows,
            other_outputs={option: path for option, path in outputs.items() if path},
            inputs={option: path for option, path in inputs.items() if path},
        )
    return requests


def _write_exports(
    requests: dict[str, str],
    trainer: Trainer,
    session: Session,
    data: PreparedData,
    start: tuple[Network | None, int],
    rows: list[list[float]],
) -> list[str]:
    if not requests:
        return []
    run = ExportRun.from_prepared(
        session.dataset,
        data,
        trainer.hyperparams,
        trainer.network,
        start=start[0],
        start_epoch=start[1],
        end_epoch=trainer.epoch,
        predict_rows=rows,
    )
    return write_exports(requests, run)


# ---------------------------------------------------------------- training


def _hyperparams(args: argparse.Namespace, base: Hyperparams) -> Hyperparams:
    texts = {name: getattr(args, name) for name in FIELDS if getattr(args, name) is not None}
    return Hyperparams.from_text(texts, base)


def _whole(option: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _UsageError(f"{option}: expected a whole number, got {text!r}") from None


def _test_split(text: str | None) -> float:
    if text is None:
        return 0.0
    try:
        return float(text)
    except ValueError:
        raise TuiNNError(
            f"test split must be a number from 0 to 0.9, got {text!r}", field="test_split"
        ) from None


def _setup(args: argparse.Namespace) -> tuple[Trainer, Session, PreparedData, str | None]:
    """Build the trainer the options describe, from a session or from scratch."""
    note = None
    if args.session:
        session = load_session(args.session)
        dataset = session.dataset
        if args.dataset is not None:
            raise _UsageError("--dataset: a session brings its own data; drop one of the two")
        hyperparams = _hyperparams(args, session.hyperparams)
        test_split = session.test_split if args.test_split is None else _test_split(args.test_split)
        normalize = session.normalize if args.normalize is None else True
        network = session.network.copy() if session.network is not None else None
        epoch = session.epoch
        state = session.trainer_state()
    else:
        dataset = resolve_dataset(
            args.dataset or "tutorial",
            label=args.label,
            points=parse_points(args.points) if args.points is not None else None,
            noise=parse_noise(args.noise) if args.noise is not None else None,
            seed=_whole("--data-seed", args.data_seed),
        )
        hyperparams = _hyperparams(args, Hyperparams())
        if args.output_activation is None and args.loss is None:
            hyperparams, note = fit_hyperparams(hyperparams, dataset)
        test_split, normalize = _test_split(args.test_split), bool(args.normalize)
        network, epoch, state = None, 0, None
    session = Session(dataset, hyperparams, test_split, normalize)
    data = prepare_data(dataset, test_split, normalize, hyperparams.seed)
    test = data.test if data.test.n_rows else None
    trainer = Trainer(hyperparams, data.train, test, network=network, epoch=epoch)
    if state is not None:
        # Carry on bit for bit: the optimiser's moments too, unless --optimizer changed it.
        kept = state.optimizer == hyperparams.optimizer
        trainer.load_state(
            dataclasses.replace(
                state,
                params=trainer.network.params,
                lr=hyperparams.lr,
                optimizer=hyperparams.optimizer,
                moments=state.moments if kept else {},
                optimizer_steps=state.optimizer_steps if kept else 0,
            )
        )
    return trainer, session, data, note


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


def _blame(error: TuiNNError) -> str:
    """The message, prefixed with the option to fix when the field has one."""
    option = OPTION_FOR_FIELD.get(error.field or "")
    if option is None and error.field is not None:
        return f"--session: {error}" if error.field not in ("path", "model") else str(error)
    return f"{option}: {error}" if option else str(error)


class _Progress:
    """A one-line progress bar on a terminal, shown only for runs longer than a second."""

    def __init__(self, remaining: int, start_epoch: int, stream: TextIO) -> None:
        self._first = start_epoch
        self._total = start_epoch + remaining
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
        rate = (epoch - self._first) / (now - self._start)
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
    trainer, session, data, note = _setup(args)
    dataset, hyperparams, recipe = session.dataset, trainer.hyperparams, trainer.recipe
    rows = _prediction_rows(args.predict, dataset.n_features)
    exports = _export_requests(args, session)
    # A session trained on starts from its saved weights; a new run from the seed's draws.
    start = (trainer.network.copy() if trainer.epoch else None, trainer.epoch)
    if note:
        print(f"note: {note}", file=sys.stderr)
    history: list[float] = []
    losses: list[float] = []
    test_losses: list[float] = []
    kept = DownsampledHistory()
    start_epoch = trainer.epoch
    progress = _Progress(trainer.remaining, start_epoch, sys.stderr)
    last: EpochResult | None = None
    try:
        for last in trainer.run():
            if last.divergence is None:
                history.append(last.reported)
                losses.append(last.loss)
                if last.test_loss is not None:
                    test_losses.append(last.test_loss)
                record(kept, trainer.recipe, last)
                progress.update(last.epoch)
    finally:
        progress.close()
    divergence = last.divergence if last is not None else None
    # A roll-back may return to an epoch before the last one reported.
    done = trainer.epoch - start_epoch
    del history[done:], losses[done:], test_losses[done:]
    inputs = np.asarray(rows, dtype=np.float64).reshape(len(rows), dataset.n_features)
    if data.standardizer is not None:
        inputs = data.standardizer.transform(inputs)
    prediction = trainer.predict(inputs) if rows else None
    train_eval = trainer.evaluate()
    test_eval = trainer.evaluate(data.test) if data.test.n_rows else None
    _save_outputs(args, trainer, session, data, kept)
    exported = _write_exports(exports, trainer, session, data, start, rows)
    network = trainer.network
    if args.json:
        report: dict[str, Any] = {
            "recipe": hyperparams.recipe,
            "dataset": dataset.name,
            "hyperparameters": hyperparams.to_text(),
            "epochs": trainer.epoch,
            "reported": recipe.reported(hyperparams.loss),
            "history": history,
            "loss_history": losses,
            "loss_name": recipe.loss_name(hyperparams.loss),
            "test_history": test_losses,
            "train_accuracy": train_eval.accuracy,
            "test_accuracy": None if test_eval is None else test_eval.accuracy,
            "class_names": list(dataset.class_names),
            "predictions": [] if prediction is None else prediction.probabilities.tolist(),
            "predicted_classes": []
            if prediction is None
            else [dataset.class_names[c] for c in prediction.classes],
            "weights": [w.tolist() for w in network.weights],
            "biases": [b.tolist() for b in network.biases],
            "note": note,
            "exported": exported,
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
        _print_summary(trainer, dataset, history, losses, rows, prediction, test_eval)
        if exported:
            print(f"exported: {', '.join(exported)}")
        if divergence is not None:
            print(divergence.message(), file=sys.stderr)
    return DIVERGED if divergence is not None else 0


def _save_outputs(
    args: argparse.Namespace,
    trainer: Trainer,
    session: Session,
    data: PreparedData,
    kept: DownsampledHistory,
) -> None:
    if args.save_session:
        snapshot = kept.snapshot()
        save_session(
            session.replace(
                hyperparams=trainer.hyperparams,
                history_epochs=tuple(snapshot.epochs),
                history=snapshot.series,
            ).with_trainer_state(trainer.export_state()),
            args.save_session,
        )
    if args.export_model:
        dataset = session.dataset
        export_model(
            trainer.network,
            args.export_model,
            dataset.class_names,
            dataset.feature_names,
            data.standardizer,
        )


def _print_summary(
    trainer: Trainer,
    dataset: Dataset,
    history: list[float],
    losses: list[float],
    rows: list[list[float]],
    prediction: Prediction | None,
    test_eval: Evaluation | None,
) -> None:
    hp = trainer.hyperparams
    reported = hp.training_recipe.reported(hp.loss)
    loss_name = hp.training_recipe.loss_name(hp.loss)
    print(
        f"tui-nn train: recipe {hp.recipe}, dataset {dataset.name} "
        f"({dataset.n_rows} rows, {dataset.n_features} features), "
        f"layers {'-'.join(str(n) for n in trainer.network.layer_sizes)}"
    )
    if history:
        first = trainer.epoch - len(history) + 1
        also = f", {loss_name} {losses[-1]:.6g}" if reported != loss_name else ""
        print(f"epoch {first}: {reported} {history[0]:.6g}")
        print(f"epoch {trainer.epoch}: {reported} {history[-1]:.6g}{also}")
    evaluation = trainer.evaluate()
    rows_trained = trainer.train.n_rows
    correct = round(evaluation.accuracy * rows_trained)
    print(f"accuracy: {correct}/{rows_trained} training rows right ({evaluation.accuracy:.0%})")
    if test_eval is not None:
        print(f"test accuracy: {test_eval.accuracy:.0%}, test loss {test_eval.loss:.6g}")
    with np.printoptions(precision=6, suppress=True):
        for layer, (w, b) in enumerate(
            zip(trainer.network.weights, trainer.network.biases, strict=True), start=1
        ):
            print(f"layer {layer} weights {w.tolist()}")
            print(f"layer {layer} bias {b.tolist()}")
    if prediction is not None:
        for row, probabilities, klass in zip(
            rows, prediction.probabilities, prediction.classes, strict=True
        ):
            shown = ", ".join(f"{p:.8f}" for p in probabilities)
            features = ",".join(f"{v:g}" for v in row)
            print(f"predict {features} -> {shown} (class {dataset.class_names[klass]})")


def _run_app(session_path: str | None = None) -> int:
    from tui_nn.ui.app import make_app  # the UI stack loads only when the app runs

    if session_path is None:
        app = make_app()
    else:
        try:
            session = load_session(session_path)
        except TuiNNError as error:
            print(f"tui-nn: error: {error}", file=sys.stderr)
            return USAGE_ERROR
        app = make_app(session=session, session_path=Path(session_path))
    app.run()
    # Why os._exit: tearing down the interpreter's modules (textual, numpy) adds ~0.2 s to a
    # quit the user asked for; the app has restored the terminal and saved what it had to.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(app.return_code or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tui-nn`` console script."""
    words = list(sys.argv[1:] if argv is None else argv)
    if len(words) == 1 and not words[0].startswith("-") and words[0] not in ("train", "serve"):
        return _run_app(words[0])
    parser = _build_parser()
    args = parser.parse_args(words)
    if args.command == "serve":
        return _serve(args)
    if args.command != "train":
        return _run_app()
    try:
        return _train(args)
    except _UsageError as error:
        print(f"tui-nn train: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except TuiNNError as error:
        print(f"tui-nn train: error: {_blame(error)}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("tui-nn train: interrupted", file=sys.stderr)
        return 130
