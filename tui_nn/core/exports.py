"""The exports a run can be taken elsewhere as, in one table the CLI and the app both read.

Each ``ExportKind`` says what it writes (the file and any companion beside it), how to check
that before training, and how to write it; ``kind_for_path`` picks one by the file's name for
a save dialog (``.onnx``; ``_torch.py`` or ``.torch.py``; any other ``.py`` is the NumPy script).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tui_nn.core.errors import TuiNNError
from tui_nn.core.export_onnx import MISSING_ONNX, write_onnx
from tui_nn.core.export_run import (
    CSV_SUFFIX,
    MAX_INLINE_ROWS,
    ExportRun,
    check_output_paths,
    companion_path,
)
from tui_nn.core.export_script import write_numpy_script
from tui_nn.core.export_torch import WEIGHTS_SUFFIX, write_torch_export

__all__ = ["EXPORT_KINDS", "ExportKind", "check_exports", "kind_for_path", "write_exports"]


def _script_paths(path: str, rows: int) -> list[str]:
    csv = [os.fspath(companion_path(path, CSV_SUFFIX))] if rows > MAX_INLINE_ROWS else []
    return [*csv, path]


def _torch_paths(path: str, rows: int) -> list[str]:
    return [os.fspath(companion_path(path, WEIGHTS_SUFFIX)), *_script_paths(path, rows)]


def _onnx_paths(path: str, rows: int) -> list[str]:
    return [path]


def _write_onnx(run: ExportRun, path: str) -> list[str]:
    train = run.train
    write_onnx(run.trained, path, train.class_names, train.feature_names, run.standardizer)
    return [path]


def _onnx_missing() -> str | None:
    found = importlib.util.find_spec("onnx") is not None
    return None if found else MISSING_ONNX


@dataclass(frozen=True)
class ExportKind:
    """One way to export a run.

    Attributes:
        name: The key (``script``, ``torch``, ``onnx``).
        label: What a user reads (``NumPy script``).
        option: The ``tui-nn train`` option.
        suffix: What the file's name ends with.
        paths: The files written for a path and a number of data rows, companions first.
        write: Writes the files; returns the paths written.
        missing: Why it cannot run here (a package to install), or None.
    """

    name: str
    label: str
    option: str
    suffix: str
    paths: Callable[[str, int], list[str]]
    write: Callable[[ExportRun, str], list[str]]
    missing: Callable[[], str | None] = lambda: None


EXPORT_KINDS: dict[str, ExportKind] = {
    kind.name: kind
    for kind in (
        ExportKind(
            "script",
            "NumPy script",
            "--export-script",
            ".py",
            _script_paths,
            lambda run, path: write_numpy_script(run, path),
        ),
        ExportKind(
            "torch",
            "PyTorch script + weights",
            "--export-torch",
            ".py",
            _torch_paths,
            lambda run, path: write_torch_export(run, path),
        ),
        ExportKind(
            "onnx", "ONNX model", "--export-onnx", ".onnx", _onnx_paths, _write_onnx, _onnx_missing
        ),
    )
}
"""Every export by name."""


def kind_for_path(path: str | os.PathLike[str]) -> ExportKind | None:
    """The export a file name asks for, or None when it names none of them."""
    name = os.path.basename(os.fspath(path)).lower()
    if name.endswith(".onnx"):
        return EXPORT_KINDS["onnx"]
    if name.endswith(("_torch.py", ".torch.py")):
        return EXPORT_KINDS["torch"]
    if name.endswith(".py"):
        return EXPORT_KINDS["script"]
    return None


def check_exports(
    requests: Mapping[str, str],
    rows: int,
    *,
    other_outputs: Mapping[str, str] | None = None,
    inputs: Mapping[str, str] | None = None,
) -> None:
    """Refuse, before training, exports that could not be written.

    Args:
        requests: Export name -> the path asked for.
        rows: The data's rows (more than ``MAX_INLINE_ROWS`` add a CSV beside a script).
        other_outputs: Other files the same command writes, by what writes them
            (``{"--save-session": "s.toml"}``).
        inputs: Files the command reads, by where they come from (``{"--dataset": ...}``):
            an export never writes over one.

    Raises:
        TuiNNError: ``field="path"``, naming the option, the path and the rule.
    """
    claimed = {os.path.realpath(path): source for source, path in (inputs or {}).items()}
    everything = [(path, writer) for writer, path in (other_outputs or {}).items()]
    for name, path in requests.items():
        kind = EXPORT_KINDS[name]
        problem = kind.missing()
        if problem:
            raise TuiNNError(f"{kind.option}: {problem}", field="path")
        if not path.lower().endswith(kind.suffix):
            raise TuiNNError(
                f"{kind.option}: the file must end in {kind.suffix}, got {path!r}", field="path"
            )
        for written in kind.paths(path, rows):
            source = claimed.get(os.path.realpath(written))
            if source is not None:
                raise TuiNNError(
                    f"{kind.option}: it would write {written}, the file {source} reads; "
                    "choose another name",
                    field="path",
                )
            everything.append((written, kind.option))
    check_output_paths(everything, field="path")


def write_exports(requests: Mapping[str, str], run: ExportRun) -> list[str]:
    """Write every requested export of ``run``; returns the paths written, in order."""
    written: list[str] = []
    for name, path in requests.items():
        written += EXPORT_KINDS[name].write(run, path)
    return written
