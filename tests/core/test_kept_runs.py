"""Runs compared: the last five runs' curves, labelled by what differed, saved in sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_nn.core import Hyperparams, TuiNNError
from tui_nn.core.history import DownsampledHistory
from tui_nn.core.kept_runs import (
    MAX_KEPT_POINTS,
    MAX_KEPT_RUNS,
    KeptRun,
    difference_label,
    keep_run,
    kept_run_from_history,
)
from tui_nn.core.session import Session, load_session, save_session, session_from_toml


def _run(**changes: object) -> KeptRun:
    return KeptRun(Hyperparams(**changes), "tutorial", "finished", (0, 10, 20), (0.3, 0.2, 0.1))  # type: ignore[arg-type]


def test_label_names_the_runs_own_values_that_differ() -> None:
    current = Hyperparams()
    assert difference_label(_run(lr=0.5), current, "tutorial") == "lr 0.5"
    assert difference_label(_run(hidden=(4, 4)), current, "tutorial") == "hidden 4,4"
    assert difference_label(_run(), current.replace(hidden=(3,)), "tutorial") == "hidden none"
    assert difference_label(_run(), current, "tutorial") == "same settings"
    assert difference_label(_run(epochs=100), current, "tutorial") == "same settings"
    assert difference_label(_run(), current, "xor") == "data tutorial"


def test_label_shortens_many_differences_and_names_a_stopped_run() -> None:
    run = KeptRun(
        Hyperparams(lr=0.5, hidden=(4,), seed=1, init="he"), "tutorial", "stopped", (1,), (0.2,)
    )
    assert difference_label(run, Hyperparams(), "tutorial") == "hidden 4, init he, +2 more, stopped"


def test_only_the_last_five_are_kept_newest_last() -> None:
    runs: tuple[KeptRun, ...] = ()
    for index in range(7):
        runs = keep_run(runs, _run(seed=index))
    assert len(runs) == MAX_KEPT_RUNS
    assert [run.hyperparams.seed for run in runs] == [2, 3, 4, 5, 6]


def test_a_run_is_kept_from_its_history_thinned_and_finite() -> None:
    history = DownsampledHistory(capacity=5000)
    for epoch in range(1, 3001):
        history.append(epoch, reported=1.0, loss=1.0 / epoch)
    history.append(3001, loss=float("nan"))
    run = kept_run_from_history(history.snapshot(), Hyperparams(), "tutorial", "stopped")
    assert run is not None
    assert len(run.epochs) <= MAX_KEPT_POINTS
    assert run.epochs[0] == 1 and run.last_epoch == 3000
    assert run.loss[-1] == pytest.approx(1 / 3000)
    assert (
        kept_run_from_history(DownsampledHistory().snapshot(), Hyperparams(), "x", "finished")
        is None
    )


def test_a_kept_run_checks_its_points() -> None:
    with pytest.raises(TuiNNError, match="one loss value per epoch"):
        KeptRun(Hyperparams(), "t", "finished", (1, 2), (0.1,))
    with pytest.raises(TuiNNError, match="must ascend"):
        KeptRun(Hyperparams(), "t", "finished", (2, 1), (0.1, 0.2))
    with pytest.raises(TuiNNError, match="outcome"):
        KeptRun(Hyperparams(), "t", "paused", (1,), (0.1,))


def test_sessions_save_and_load_the_kept_runs(tmp_path: Path) -> None:
    runs = (_run(lr=0.5), _run(hidden=(4, 4), recipe="textbook", optimizer="adam"))
    path = tmp_path / "s.toml"
    save_session(Session(kept_runs=runs), path)
    loaded = load_session(path)
    assert loaded.kept_runs == runs
    assert load_session_without_runs(tmp_path).kept_runs == ()


def load_session_without_runs(tmp_path: Path) -> Session:
    path = tmp_path / "plain.toml"
    save_session(Session(), path)
    assert "kept_runs" not in path.read_text(encoding="utf-8")
    return load_session(path)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ('outcome = "won"', "kept_runs\\[1\\].outcome must be one of"),
        ("epochs = [3, 1]", "kept_runs\\[1\\].epochs must be"),
        ('loss = [0.1, "x"]', "kept_runs\\[1\\].loss\\[2\\] must be a number"),
        ("lr = -1.0", "kept_runs\\[1\\].hyperparams.lr"),
        ("surprise = 1", "kept_runs\\[1\\].surprise: unknown key"),
    ],
)
def test_a_broken_kept_run_in_a_file_names_its_key(broken: str, message: str) -> None:
    key = broken.split(" = ")[0]
    lines = [
        "format_version = 1",
        "[dataset]",
        'name = "t"',
        'feature_names = ["a"]',
        'class_names = ["0", "1"]',
        "labels = [0, 1]",
        "features = [[0.0], [1.0]]",
        "[[kept_runs]]",
        'dataset = "t"',
        'outcome = "finished"' if key != "outcome" else broken,
        "epochs = [1, 2]" if key != "epochs" else broken,
        "loss = [0.2, 0.1]" if key != "loss" else broken,
    ]
    if key == "surprise":
        lines.append(broken)
    lines += ["[kept_runs.hyperparams]", broken if key == "lr" else "lr = 0.5"]
    with pytest.raises(TuiNNError, match=message):
        session_from_toml("\n".join(lines))
