"""Command line: ``tui-nn [SESSION.toml] [options]`` opens the workbench; ``tui-nn train`` trains.

Both read the same workbench options (data, split, standardisation and every hyperparameter)
through one parser, so ``tui-nn --dataset spiral --hidden 8,8`` opens the workbench set up as
``tui-nn train --dataset spiral --hidden 8,8`` would train. ``tui-nn train --json`` prints
exactly one strict RFC 8259 JSON object (see ``tui_nn/schemas/train-output.schema.json``).

The CLI never shows a traceback. Exit status:

* 0: done; 1: training diverged (the last finite weights are kept and reported);
* 2: a bad option or input file, one line naming the option, or the file and key;
* 73: a ``--save-session`` or ``--export-model`` could not be written after training (the
  results are printed first); 74: the output could not be written (e.g. a full disk);
* 130: interrupted (ctrl+c); 141: the reader of the output went away (a closed pipe).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import json
import math
import os
import shutil
import sys
import time
import warnings
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TextIO

import numpy as np

from tui_nn import __version__
from tui_nn.core.datasets import (
    BUILTIN_DATASETS,
    MAX_NOISE,
    MAX_POINTS,
    MIN_POINTS,
    fit_hyperparams,
    parse_noise,
    parse_points,
    resolve_dataset,
    standardise_hint,
)
from tui_nn.core.errors import TuiNNError
from tui_nn.core.files import check_output_path
from tui_nn.core.history import DownsampledHistory
from tui_nn.core.hyperparams import FIELDS, Hyperparams
from tui_nn.core.network import Network, Prediction
from tui_nn.core.recipes import record as record_epoch
from tui_nn.core.session import Session, load_session, save_session
from tui_nn.core.split import MAX_TEST_FRACTION, PreparedData, check_test_fraction
from tui_nn.core.training import EpochResult, Evaluation, Trainer, TrainerState

USAGE_ERROR = 2
DIVERGED = 1
SAVE_FAILED = 73
"""sysexits' EX_CANTCREAT: an output file could not be written."""
OUTPUT_FAILED = 74
"""sysexits' EX_IOERR: standard output could not be written (a full disk)."""
INTERRUPTED = 130
BROKEN_PIPE = 141
"""128 + SIGPIPE: what a shell shows for a writer whose reader went away."""

OPTION_FOR_FIELD = {
    **{name: "--" + name.replace("_", "-") for name in FIELDS},
    "dataset": "--dataset",
    "label": "--label",
    "points": "--points",
    "noise": "--noise",
    "seed_data": "--data-seed",
    "test_split": "--test-split",
    "normalize": "--normalize",
}
"""The option to blame for a ``TuiNNError`` of each field (``batch_size`` -> ``--batch-size``)."""

WORKBENCH_OPTIONS = (
    "dataset",
    "label",
    "points",
    "noise",
    "data_seed",
    "test_split",
    "normalize",
    *FIELDS,
)
"""The options that set up the workbench (shared by ``tui-nn`` and ``tui-nn train``)."""


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2, never a traceback."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


class _UsageError(Exception):
    """A bad option: reported in one line with exit status 2."""


class _FileError(Exception):
    """A file that cannot be used; the message already names the file and key."""


class _SaveError(Exception):
    """A save that failed after training; the message names the option."""


def _add_workbench_options(parser: argparse.ArgumentParser) -> None:
    """The data and hyperparameter options, the same for the app and ``train``."""
    defaults = Hyperparams().to_text()
    data = parser.add_argument_group("data")
    data.add_argument(
        "--dataset",
        default=None,
        metavar="NAME|PATH.csv",
        help=f"a built-in dataset ({', '.join(BUILTIN_DATASETS)}) or a CSV file "
        "(default: tutorial)",
    )
    data.add_argument("--label", help="the CSV's label column (default: the last column)")
    data.add_argument(
        "--points",
        metavar=f"{MIN_POINTS}-{MAX_POINTS}",
        help=f"rows a generated built-in dataset makes, {MIN_POINTS} to {MAX_POINTS} "
        "(default: the dataset's own)",
    )
    data.add_argument(
        "--noise",
        metavar=f"0-{MAX_NOISE:g}",
        help=f"noise of a generated built-in dataset, 0 to {MAX_NOISE:g} "
        "(default: the dataset's own)",
    )
    data.add_argument(
        "--data-seed",
        default=None,
        metavar="SEED",
        help="seed of a built-in dataset's points (default: 0)",
    )
    data.add_argument(
        "--test-split",
        default=None,
        metavar="FRACTION",
        help=f"fraction of rows held out for testing, 0 to {MAX_TEST_FRACTION} (default: 0)",
    )
    data.add_argument(
        "--normalize",
        action="store_true",
        default=None,
        help="standardise features (mean 0, std 1) on the training rows",
    )
    model = parser.add_argument_group("hyperparameters (defaults are the tutorial's)")
    for name, spec in FIELDS.items():
        model.add_argument(
            OPTION_FOR_FIELD[name],
            dest=name,
            metavar=name.upper(),
            default=None,
            help=f"{spec.label}; {spec.rule} (default: {defaults[name] or 'none'})",
        )


def _build_app_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="tui-nn",
        usage="tui-nn [SESSION.toml] [options]\n       tui-nn train [options]\n"
        "       tui-nn serve [--host HOST] [--port PORT]",
        description="A terminal workbench for a small neural network written from scratch. "
        "With no arguments it opens on the tutorial; with SESSION.toml (a session saved by "
        "ctrl+s or --save-session) it opens that session. The options below set up the "
        "workbench as `tui-nn train` would train. `tui-nn train --help` trains headless; "
        "`tui-nn serve --help` serves the workbench to a browser.",
    )
    parser.add_argument("--version", action="version", version=f"tui-nn {__version__}")
    parser.add_argument("session", nargs="?", metavar="SESSION.toml", help="a session to open")
    _add_workbench_options(parser)
    return parser


def _build_train_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="tui-nn train",
        usage="tui-nn train [options]",
        description="Train without the UI and print the result. Defaults reproduce the "
        "tutorial. Exit status: 0 done, 1 diverged, 2 bad option or file, 73 a save failed "
        "after training, 130 interrupted.",
    )
    _add_workbench_options(parser)
    saved = parser.add_argument_group("sessions and models")
    saved.add_argument(
        "--session", metavar="FILE.toml", help="train on from a saved session (tui-nn's own file)"
    )
    saved.add_argument("--save-session", metavar="FILE.toml", help="save the trained session here")
    saved.add_argument(
        "--export-model", metavar="FILE.json|FILE.npz", help="export the trained model here"
    )
    _add_export_options(parser)
    output = parser.add_argument_group("output")
    output.add_argument(
        "--predict",
        action="append",
        default=[],
        metavar="X1,X2,...",
        help="feature values of a row to predict after training; repeat for more rows",
    )
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument(
        "--history-every",
        metavar="K",
        default=None,
        help="with --json, keep every K-th epoch's values in the histories (default: 1, "
        "every epoch); without --json only the first and last epochs are kept",
    )
    return parser


def _build_serve_parser() -> argparse.ArgumentParser:
    serve = _OneLineParser(
        prog="tui-nn serve",
        usage="tui-nn serve [--host HOST] [--port PORT]",
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
    return serve


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


# The exporters load with the train command only: the app's launch does without them.


def _add_export_options(train: argparse.ArgumentParser) -> None:
    from tui_nn.core.exports import EXPORT_KINDS

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
    from tui_nn.core.exports import EXPORT_KINDS, check_exports

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
    start: TrainerState | None,
    rows: list[list[float]],
) -> list[str]:
    if not requests:
        return []
    from tui_nn.core.export_run import ExportRun
    from tui_nn.core.exports import write_exports

    run = ExportRun.from_prepared(
        session.dataset,
        data,
        trainer.hyperparams,
        trainer.network,
        start=None
        if start is None
        else Network(trainer.network.layer_sizes, trainer.network.activations, start.params),
        start_epoch=0 if start is None else start.epoch,
        end_epoch=trainer.epoch,
        predict_rows=rows,
        start_moments=None if start is None else start.moments,
        start_steps=0 if start is None else start.optimizer_steps,
    )
    return write_exports(requests, run)


# ---------------------------------------------------------------- the workbench the options set


@dataclass(frozen=True)
class DataSettings:
    """Where the data came from, as the JSON output reports it."""

    dataset: str
    source: str
    label: str | None
    points: int | None
    noise: float | None
    data_seed: int
    test_split: float
    normalize: bool


def _whole(option: str, text: str) -> int:
    try:
        return int(text.strip().replace("_", ""))
    except ValueError:
        raise _UsageError(f"{option}: expected a whole number, got {text!r}") from None


def _test_split(text: str) -> float:
    try:
        value: object = float(text)
    except ValueError:
        value = text
    return check_test_fraction(value)


def _hyperparams(args: argparse.Namespace, base: Hyperparams) -> Hyperparams:
    texts = {name: getattr(args, name) for name in FIELDS if getattr(args, name) is not None}
    return Hyperparams.from_text(texts, base)


def _load_session(path: str, option: str | None) -> Session:
    try:
        return load_session(path)
    except TuiNNError as error:
        raise _FileError(f"{option}: {error}" if option else str(error)) from None


def workbench_from_options(
    args: argparse.Namespace, session_path: str | None, session_option: str | None = None
) -> tuple[Session, DataSettings, str | None]:
    """The workbench the options describe: a session's, or one built from scratch.

    Returns:
        ``(session, data settings, note)``; the note says what was changed to fit the data.

    Raises:
        _UsageError, _FileError, TuiNNError: for a bad option or file.
    """
    note = None
    if session_path is not None:
        session = _load_session(session_path, session_option)
        for option in ("dataset", "label", "points", "noise", "data_seed"):
            if getattr(args, option) is not None:
                raise _UsageError(
                    f"{OPTION_FOR_FIELD.get(option, '--data-seed')}: a session brings its own "
                    "data; drop one of the two"
                )
        hyperparams = _hyperparams(args, session.hyperparams)
        test_split = session.test_split if args.test_split is None else _test_split(args.test_split)
        normalize = session.normalize if args.normalize is None else True
        same_optimizer = hyperparams.optimizer == session.hyperparams.optimizer
        try:
            session = session.replace(
                hyperparams=hyperparams,
                test_split=test_split,
                normalize=normalize,
                # A new optimiser starts from zero moments; the same one carries on exactly.
                moments=session.moments if same_optimizer else {},
                optimizer_steps=session.optimizer_steps if same_optimizer else 0,
            )
        except TuiNNError as error:
            if error.field != "model":
                raise
            raise TuiNNError(
                f"{error}; train a new model without --session to change the layers",
                field="hidden",
            ) from None
        settings = DataSettings(
            session.dataset.name, "session", None, None, None, 0, test_split, normalize
        )
        return session, settings, note
    if args.dataset is not None and not args.dataset.strip():
        raise _UsageError(
            f"--dataset: expected a built-in name ({', '.join(BUILTIN_DATASETS)}) or a CSV "
            "file, got ''"
        )
    name = (args.dataset or "tutorial").strip()
    seed = _whole("--data-seed", args.data_seed) if args.data_seed is not None else 0
    points = parse_points(args.points) if args.points is not None else None
    noise = parse_noise(args.noise) if args.noise is not None else None
    try:
        dataset = resolve_dataset(name, label=args.label, points=points, noise=noise, seed=seed)
    except TuiNNError as error:
        if error.field == "seed":  # the data's seed, not the model's --seed
            raise _UsageError(f"--data-seed: {error}") from None
        raise
    hyperparams = _hyperparams(args, Hyperparams())
    if args.output_activation is None and args.loss is None:
        hyperparams, note = fit_hyperparams(hyperparams, dataset)
    test_split = 0.0 if args.test_split is None else _test_split(args.test_split)
    normalize = bool(args.normalize)
    if not normalize:
        hint = standardise_hint(dataset)
        if hint:
            hint += " (--normalize)"
            note = f"{note}; {hint}" if note else hint
    builtin = BUILTIN_DATASETS.get(name)
    generated = builtin is not None and builtin.generate is not None
    if builtin is not None and builtin.generate is not None:
        points, noise = dataset.n_rows, builtin.noise if noise is None else noise
    settings = DataSettings(
        dataset=dataset.name,
        source="builtin" if builtin is not None else "csv",
        label=dataset.label_name if builtin is None else None,
        points=points if generated else None,
        noise=noise if generated else None,
        data_seed=seed,
        test_split=test_split,
        normalize=normalize,
    )
    return Session(dataset, hyperparams, test_split, normalize), settings, note


# ---------------------------------------------------------------- training


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


def _check_outputs(args: argparse.Namespace) -> None:
    """Every output path, checked before training so a long run cannot end in a failed save."""
    if args.save_session:
        if Path(args.save_session).suffix.lower() != ".toml":
            raise _UsageError(
                f"--save-session: a session is a TOML file ending in .toml, "
                f"got {args.save_session!r}"
            )
        _check_path("--save-session", args.save_session)
    if args.export_model:
        if Path(args.export_model).suffix.lower() not in (".json", ".npz"):
            raise _UsageError(
                f"--export-model: a model is exported as .json or .npz, got {args.export_model!r}"
            )
        _check_path("--export-model", args.export_model)
    if args.save_session and args.export_model:
        same = os.path.realpath(args.save_session) == os.path.realpath(args.export_model)
        if same:
            raise _UsageError("--export-model: the same file as --save-session")


def _check_path(option: str, path: str) -> None:
    try:
        check_output_path(path, field="path")
    except TuiNNError as error:
        raise _UsageError(f"{option}: {error}") from None


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
        # One line that never wraps: a wrapped line could not be erased with \r.
        self._width = max(shutil.get_terminal_size((80, 24)).columns - 1, 10)

    def update(self, epoch: int) -> None:
        now = time.monotonic()
        if not self._enabled or now < self._next:
            return
        self._next = now + 0.1
        self._shown = True
        done = epoch / self._total
        bar = "#" * int(done * 20)
        rate = (epoch - self._first) / (now - self._start)
        left = (self._total - epoch) / rate if rate else 0.0
        line = (
            f"[{bar:<20}] {done:4.0%} epoch {epoch}/{self._total} "
            f"{rate:,.0f} epochs/s, {left:.0f}s left"
        )
        self._stream.write("\r" + line[: self._width] + "\x1b[K")
        self._stream.flush()

    def close(self) -> None:
        """Erase the bar (also after ctrl+c), leaving the cursor at the start of the line."""
        if self._shown:
            with contextlib.suppress(OSError, ValueError):
                self._stream.write("\r\x1b[K")
                self._stream.flush()


class _RunRecord:
    """What a run keeps of its epochs: bounded unless the JSON output asks for every K-th.

    Without ``every`` only the first result and the last few are kept (the summary prints
    two lines), so memory stays flat over any number of epochs. With ``every`` the three
    series go to compact float arrays (8 bytes an epoch each).
    """

    def __init__(self, start_epoch: int, every: int | None) -> None:
        self.start_epoch = start_epoch
        self.every = every
        self.reported = array("d")
        self.loss = array("d")
        self.test_loss = array("d")
        self.first: EpochResult | None = None
        self._recent: deque[EpochResult] = deque(maxlen=4)

    def add(self, result: EpochResult) -> None:
        if self.first is None:
            self.first = result
        self._recent.append(result)
        if self.every is not None and (result.epoch - self.start_epoch - 1) % self.every == 0:
            self.reported.append(result.reported)
            self.loss.append(result.loss)
            if result.test_loss is not None:
                self.test_loss.append(result.test_loss)

    def trim(self, epoch: int) -> None:
        """Forget what came after ``epoch`` (a divergence rolled the model back to it)."""
        if self.every is not None:
            kept = max(0, (epoch - self.start_epoch - 1) // self.every + 1)
            for series in (self.reported, self.loss, self.test_loss):
                del series[kept:]
        if epoch <= self.start_epoch:
            self.first = None

    def at(self, epoch: int) -> EpochResult | None:
        return next((r for r in reversed(self._recent) if r.epoch == epoch), None)


@dataclass
class _Run:
    trainer: Trainer
    session: Session
    data: PreparedData
    settings: DataSettings
    note: str | None
    record: _RunRecord
    kept: DownsampledHistory
    divergence: Any
    rows: list[list[float]]
    prediction: Prediction | None
    test_eval: Evaluation | None
    exported: list[str] = dataclasses.field(default_factory=list)


def _history_every(args: argparse.Namespace) -> int | None:
    if args.history_every is None:
        return 1 if args.json else None
    if not args.json:
        raise _UsageError("--history-every: applies to the --json output; add --json")
    every = _whole("--history-every", args.history_every)
    if every < 1:
        raise _UsageError(f"--history-every: expected a whole number >= 1, got {every}")
    return every


def _train(args: argparse.Namespace) -> int:
    every = _history_every(args)
    session, settings, note = workbench_from_options(args, args.session, "--session")
    dataset, hyperparams = session.dataset, session.hyperparams
    rows = _prediction_rows(args.predict, dataset.n_features)
    _check_outputs(args)
    exports = _export_requests(args, session)
    data = session.prepare()
    test = data.test if data.test.n_rows else None
    network = session.network.copy() if session.network is not None else None
    trainer = Trainer(hyperparams, data.train, test, network=network, epoch=session.epoch)
    state = session.trainer_state()
    if state is not None:
        # Carry on bit for bit: the learning rate and the optimiser's moments too.
        trainer.load_state(dataclasses.replace(state, params=trainer.network.params))
    # A session trained on starts from its saved state; a new run from the seed's draws.
    start = trainer.export_state() if trainer.epoch else None
    if note:
        print(f"note: {note}", file=sys.stderr)
    record = _RunRecord(trainer.epoch, every)
    kept = DownsampledHistory()
    progress = _Progress(trainer.remaining, trainer.epoch, sys.stderr)
    last: EpochResult | None = None
    try:
        for last in trainer.run():
            if last.divergence is None:
                record.add(last)
                record_epoch(kept, trainer.recipe, last)
                progress.update(last.epoch)
    finally:
        progress.close()
    divergence = last.divergence if last is not None else None
    record.trim(trainer.epoch)
    inputs = np.asarray(rows, dtype=np.float64).reshape(len(rows), dataset.n_features)
    if data.standardizer is not None:
        inputs = data.standardizer.transform(inputs)
    run = _Run(
        trainer=trainer,
        session=session,
        data=data,
        settings=settings,
        note=note,
        record=record,
        kept=kept,
        divergence=divergence,
        rows=rows,
        prediction=trainer.predict(inputs) if rows else None,
        test_eval=trainer.evaluate(data.test) if data.test.n_rows else None,
    )
    save_error = _save_outputs(args, run)
    try:
        run.exported = _write_exports(exports, trainer, session, data, start, rows)
    except (TuiNNError, OSError) as error:
        save_error = save_error or str(error)
    if args.json:
        print(json.dumps(json_report(run), allow_nan=False))
    else:
        _print_summary(run)
        if run.exported:
            print(f"exported: {', '.join(run.exported)}")
        if divergence is not None:
            print(divergence.message(), file=sys.stderr)
    if save_error is not None:
        sys.stdout.flush()
        print(f"tui-nn train: error: {save_error}", file=sys.stderr)
        return SAVE_FAILED
    return DIVERGED if divergence is not None else 0


def _save_outputs(args: argparse.Namespace, run: _Run) -> str | None:
    """Write the session and the model; the first failure's message, or None."""
    trainer, session = run.trainer, run.session
    if args.save_session:
        snapshot = run.kept.snapshot()
        try:
            save_session(
                session.replace(
                    hyperparams=trainer.hyperparams,
                    history_epochs=tuple(snapshot.epochs),
                    history=snapshot.series,
                ).with_trainer_state(trainer.export_state()),
                args.save_session,
            )
        except TuiNNError as error:
            return f"--save-session: {error}"
    if args.export_model:
        from tui_nn.core.model_io import export_model

        dataset = session.dataset
        try:
            export_model(
                trainer.network,
                args.export_model,
                dataset.class_names,
                dataset.feature_names,
                run.data.standardizer,
            )
        except TuiNNError as error:
            return f"--export-model: {error}"
    return None


# ---------------------------------------------------------------- JSON


def _finite_or_none(values: Sequence[float] | np.ndarray, at: str, notes: list[str]) -> list[Any]:
    """A list of floats with each non-finite value as None, noted by position."""
    numbers = np.asarray(values, dtype=np.float64)
    result: list[Any] = numbers.tolist()
    bad = np.flatnonzero(~np.isfinite(numbers.reshape(-1))).tolist()
    if numbers.ndim == 1:
        for index in bad:
            notes.append(f"{at}[{index}] was {_shown(float(numbers[index]))}")
            result[int(index)] = None
    else:
        flat = numbers.reshape(-1)
        for index in bad:
            where = np.unravel_index(int(index), numbers.shape)
            notes.append(f"{at}{''.join(f'[{i}]' for i in where)} was {_shown(float(flat[index]))}")
            cell: Any = result
            for i in where[:-1]:
                cell = cell[int(i)]
            cell[int(where[-1])] = None
    return result


def _shown(value: float) -> str:
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _number(value: float | None, at: str, notes: list[str]) -> float | None:
    if value is None or math.isfinite(value):
        return value
    notes.append(f"{at} was {_shown(value)}")
    return None


def _typed_hyperparams(hyperparams: Hyperparams) -> dict[str, Any]:
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in dataclasses.asdict(hyperparams).items()
    }


def json_report(run: _Run) -> dict[str, Any]:
    """The ``--json`` object: typed values only, every non-finite number as null with a note.

    Its shape is ``tui_nn/schemas/train-output.schema.json``.
    """
    trainer, dataset, record = run.trainer, run.session.dataset, run.record
    hyperparams, network = trainer.hyperparams, trainer.network
    notes: list[str] = []
    final = record.at(trainer.epoch)
    train_eval = trainer.evaluate()
    divergence = run.divergence
    report: dict[str, Any] = {
        "tui_nn_version": __version__,
        "recipe": hyperparams.recipe,
        "dataset": dataset.name,
        "data": {
            **dataclasses.asdict(run.settings),
            "rows": dataset.n_rows,
            "train_rows": run.data.train.n_rows,
            "test_rows": run.data.test.n_rows,
            "feature_names": list(dataset.feature_names),
        },
        "hyperparameters": _typed_hyperparams(hyperparams),
        "epochs": trainer.epoch,
        "start_epoch": record.start_epoch,
        "reported": trainer.recipe.reported(hyperparams.loss),
        "loss_name": trainer.recipe.loss_name(hyperparams.loss),
        "history_every": record.every,
        "history": _finite_or_none(record.reported, "history", notes),
        "loss_history": _finite_or_none(record.loss, "loss_history", notes),
        "test_history": _finite_or_none(record.test_loss, "test_history", notes),
        "final": None
        if final is None
        else {
            "epoch": final.epoch,
            "reported": _number(final.reported, "final.reported", notes),
            "loss": _number(final.loss, "final.loss", notes),
            "test_loss": _number(final.test_loss, "final.test_loss", notes),
        },
        "train_accuracy": _number(train_eval.accuracy, "train_accuracy", notes),
        "test_accuracy": None
        if run.test_eval is None
        else _number(run.test_eval.accuracy, "test_accuracy", notes),
        "class_names": list(dataset.class_names),
        "predictions": []
        if run.prediction is None
        else _finite_or_none(run.prediction.probabilities, "predictions", notes),
        "predicted_classes": []
        if run.prediction is None
        else [dataset.class_names[c] for c in run.prediction.classes],
        "weights": [
            _finite_or_none(w, f"weights[{i}]", notes) for i, w in enumerate(network.weights)
        ],
        "biases": [_finite_or_none(b, f"biases[{i}]", notes) for i, b in enumerate(network.biases)],
        "note": run.note,
        "exported": run.exported,
        "diverged": None
        if divergence is None
        else {
            "epoch": divergence.epoch,
            "parameter": divergence.parameter,
            "value": _number(divergence.value, "diverged.value", notes),
            "kept_epoch": divergence.kept_epoch,
            "message": divergence.message(),
        },
    }
    shown = notes[:100]
    if len(notes) > len(shown):
        shown.append(f"and {len(notes) - len(shown)} more non-finite values")
    report["non_finite"] = shown
    return report


# ---------------------------------------------------------------- the text summary


def _print_summary(run: _Run) -> None:
    trainer, dataset, record = run.trainer, run.session.dataset, run.record
    hp = trainer.hyperparams
    reported = trainer.recipe.reported(hp.loss)
    loss_name = trainer.recipe.loss_name(hp.loss)
    print(
        f"tui-nn train: recipe {hp.recipe}, dataset {dataset.name} "
        f"({dataset.n_rows} rows, {dataset.n_features} features), "
        f"layers {'-'.join(str(n) for n in trainer.network.layer_sizes)}"
    )
    last = record.at(trainer.epoch)
    if record.first is not None and last is not None:
        also = f", {loss_name} {last.loss:.6g}" if reported != loss_name else ""
        print(f"epoch {record.first.epoch}: {reported} {record.first.reported:.6g}")
        print(f"epoch {last.epoch}: {reported} {last.reported:.6g}{also}")
    evaluation = trainer.evaluate()
    rows_trained = trainer.train.n_rows
    correct = round(evaluation.accuracy * rows_trained)
    print(f"accuracy: {correct}/{rows_trained} training rows right ({evaluation.accuracy:.0%})")
    if run.test_eval is not None:
        print(f"test accuracy: {run.test_eval.accuracy:.0%}, test loss {run.test_eval.loss:.6g}")
    with np.printoptions(precision=6, suppress=True):
        for layer, (w, b) in enumerate(
            zip(trainer.network.weights, trainer.network.biases, strict=True), start=1
        ):
            print(f"layer {layer} weights {w.tolist()}")
            print(f"layer {layer} bias {b.tolist()}")
    if run.prediction is not None:
        for row, probabilities, klass in zip(
            run.rows, run.prediction.probabilities, run.prediction.classes, strict=True
        ):
            shown = ", ".join(f"{p:.8f}" for p in probabilities)
            features = ",".join(f"{v:g}" for v in row)
            print(f"predict {features} -> {shown} (class {dataset.class_names[klass]})")


# ---------------------------------------------------------------- the app


@dataclass(frozen=True)
class AppStart:
    """What the workbench opens on, from ``tui-nn [SESSION.toml] [options]``.

    Attributes:
        session: The workbench preset (a file's session with any options over it, or one the
            options build); None for the tutorial.
        session_path: The session file, which ctrl+s saves back to.
        note: What was changed to fit the data, or a suggestion (standardise), if any.
    """

    session: Session | None
    session_path: Path | None
    note: str | None


def app_start(argv: Sequence[str]) -> AppStart:
    """Parse the app's command line into what it opens on (the same options as ``train``).

    Raises:
        SystemExit: status 2 for an option argparse refuses (one line on stderr).
        _UsageError, _FileError, TuiNNError: for a bad value or file; ``main`` prints them
            as one line naming the option, or the file and key.
    """
    args = _build_app_parser().parse_args(list(argv))
    given = any(getattr(args, name) is not None for name in WORKBENCH_OPTIONS)
    if args.session is None and not given:
        return AppStart(None, None, None)
    session, _, note = workbench_from_options(args, args.session)
    return AppStart(session, Path(args.session) if args.session is not None else None, note)


ESCAPE_DELAY_MS = 25
"""The app's default ESCDELAY: ms after an Esc byte before it counts as the Esc key."""


def _run_app(argv: Sequence[str]) -> int:
    # The garbage collector would walk every object start-up makes several times over (~150 ms
    # of a launch here), then all of them again at each full collection while training (~65 ms
    # each, a frame or a key late every second or so). It stays off until the app has drawn
    # its first frame, which freezes what start-up made (TuiNNApp._start_training_process).
    gc.disable()
    start = app_start(argv)
    if start.note:
        print(f"note: {start.note}", file=sys.stderr)
    # Esc alone is one byte, so a terminal app waits ESCDELAY ms to tell it from the start of a
    # key's escape sequence. Textual waits 100 ms, felt on every Esc that closes a dialog; a
    # key's sequence arrives in one write, so 25 ms is enough here (over a slow link, set
    # ESCDELAY higher). Read as Textual loads, so set before.
    os.environ.setdefault("ESCDELAY", str(ESCAPE_DELAY_MS))
    from tui_nn.ui.app import make_app  # the UI stack loads only when the app runs

    app = make_app(session=start.session, session_path=start.session_path)
    app.run()
    # Why os._exit: tearing down the interpreter's modules (textual, numpy) adds ~0.2 s to a
    # quit the user asked for; the app has restored the terminal and saved what it had to.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(app.return_code or 0)


# ---------------------------------------------------------------- errors and output


def _blame(error: TuiNNError) -> str:
    """The message, prefixed with the option to fix when the field has one."""
    option = OPTION_FOR_FIELD.get(error.field or "")
    return f"{option}: {error}" if option else str(error)


@contextlib.contextmanager
def _quiet_numerics() -> Iterator[None]:
    """No NumPy warning reaches the user: overflow and the like are reported as sentences."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _run(prog: str, command: Callable[[], int]) -> int:
    """Run a command with the CLI's error contract: one line on stderr, a known status."""
    try:
        with _quiet_numerics():
            status = command()
        sys.stdout.flush()
        return status
    except _UsageError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
    except _FileError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
    except TuiNNError as error:
        print(f"{prog}: error: {_blame(error)}", file=sys.stderr)
    except KeyboardInterrupt:
        _silence_stdout()
        print(f"{prog}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        with contextlib.suppress(OSError):
            print(f"{prog}: output closed early (broken pipe)", file=sys.stderr)
        return BROKEN_PIPE
    except OSError as error:
        _silence_stdout()
        with contextlib.suppress(OSError):
            reason = error.strerror or str(error)
            print(f"{prog}: error: cannot write the output ({reason})", file=sys.stderr)
        return OUTPUT_FAILED
    return USAGE_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tui-nn`` console script."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["train"]:
        args = _build_train_parser().parse_args(words[1:])
        return _run("tui-nn train", lambda: _train(args))
    if words[:1] == ["serve"]:
        serve_args = _build_serve_parser().parse_args(words[1:])
        return _serve(serve_args)
    return _run("tui-nn", lambda: _run_app(words))
