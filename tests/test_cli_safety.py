"""The CLI under pressure: closed pipes, full disks, bad paths and files, ctrl+c; no traceback."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w

from tui_nn.cli import main

ROOT = Path(__file__).resolve().parents[1]
TUI_NN = [sys.executable, "-m", "tui_nn"]


def tui_nn(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [*TUI_NN, *args], capture_output=True, text=True, check=False, env=env, **kwargs
    )  # type: ignore[call-overload, no-any-return]


def shell(command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TUI_NN": " ".join(TUI_NN)}
    return subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command}"],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip


def exit_status(argv: list[str]) -> int | str | None:
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


# ---------------------------------------------------------------- closed and full outputs


@pytest.mark.parametrize("reader", ["head -1", "head -c 10"])
def test_a_closed_pipe_ends_quietly(reader: str) -> None:
    done = shell(f"$TUI_NN train --epochs 3000 --json --history-every 1 | {reader} >/dev/null")
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr
    assert done.stderr.count("\n") <= 1
    assert done.returncode in (0, 141)


def test_a_closed_pipe_on_a_long_summary_exits_141() -> None:
    done = shell("$TUI_NN train --recipe textbook --hidden 64,64 --epochs 2 | head -1 >/dev/null")
    assert "Traceback" not in done.stderr
    assert done.returncode in (0, 141)
    if done.returncode == 141:
        assert done.stderr == "tui-nn train: output closed early (broken pipe)\n"


def test_a_full_disk_is_one_line_and_status_74() -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    done = shell("$TUI_NN train --epochs 10 > /dev/full")
    assert done.returncode == 74
    assert done.stderr == (
        "tui-nn train: error: cannot write the output (No space left on device)\n"
    )


def test_numpy_warnings_never_reach_the_user() -> None:
    done = tui_nn("train", "--recipe", "textbook", "--output-activation", "linear",
                  "--lr", "1e6", "--epochs", "100")  # fmt: skip
    assert done.returncode == 1
    assert "Warning" not in done.stderr
    assert done.stderr.startswith("training diverged at epoch")


# ---------------------------------------------------------------- output paths


def test_output_paths_are_checked_before_training(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["train", "--epochs", "1000000000", "--save-session", "/nonexistent/x.toml"])
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    assert captured.err == (
        "tui-nn train: error: --save-session: /nonexistent/x.toml: cannot save there: "
        "the folder /nonexistent does not exist\n"
    )


@pytest.mark.parametrize("option", ["--save-session", "--export-model"])
def test_a_device_or_a_link_to_one_is_never_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    link = tmp_path / ("out.toml" if option == "--save-session" else "out.json")
    link.symlink_to("/dev/null")
    assert main(["train", "--epochs", "1000000000", option, str(link)]) == 2
    assert "cannot save there: it is a device" in capsys.readouterr().err
    assert Path("/dev/null").is_char_device() and link.is_symlink()


def test_a_save_that_fails_after_training_still_prints_the_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The folder vanishes while training: the summary comes first, then the save error."""
    folder = tmp_path / "out"
    folder.mkdir()
    real_run = __import__("tui_nn.core.training", fromlist=["Trainer"]).Trainer.run

    def run_then_remove_folder(self: object, epochs: int | None = None):  # type: ignore[no-untyped-def]
        yield from real_run(self, epochs)
        folder.rmdir()

    monkeypatch.setattr("tui_nn.core.training.Trainer.run", run_then_remove_folder)
    status = main(["train", "--epochs", "5", "--json", "--save-session", str(folder / "s.toml")])
    captured = capsys.readouterr()
    assert status == 73
    assert '"epochs": 5' in captured.out
    assert captured.err.startswith(f"tui-nn train: error: --save-session: {folder}/s.toml:")
    assert captured.err.count("\n") == 1


# ---------------------------------------------------------------- messages naming the right thing


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--hidden", "4,,4"], "--hidden: hidden layers must be comma-separated sizes"),
        (["--dataset", ""], "--dataset: expected a built-in name"),
        (["--save-session", "x.json"], "--save-session: a session is a TOML file ending in .toml"),
        (["--export-model", "m.txt"], "--export-model: a model is exported as .json or .npz"),
        (["--data-seed", "-1", "--dataset", "moons"], "--data-seed: seed must be a whole number"),
        (["--test-split", "nan"], "--test-split: test split must be a fraction"),
        (["--points", "3", "--dataset", "moons"], "--points: points must be a whole number"),
        (
            ["--recipe", "textbook", "--hidden", ",".join(["4096"] * 16)],
            "--hidden: 16 hidden layers of 4096 need about 7.",
        ),
    ],
)
def test_bad_options_name_the_option(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    assert exit_status(["train", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tui-nn train: error: " + expected) and err.count("\n") == 1


def test_a_problem_inside_a_session_names_the_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.toml"
    assert main(["train", "--epochs", "2", "--save-session", str(path)]) == 0
    text = (
        path.read_text()
        .replace("lr = 0.05", "lr = -1.0")
        .replace("test_split = 0.0", "test_split = 0.95")
    )
    path.write_text(text)
    capsys.readouterr()
    assert main(["train", "--session", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tui-nn train: error: --session: {path}: [hyperparams] lr: ")
    assert "--lr" not in err and "--test-split" not in err


@pytest.mark.parametrize(
    ("labels", "features", "split", "where"),
    [
        ([1] * 3, [[0.0]] * 3, 0.0, "[dataset] labels: every row has the label"),
        ([], [], 0.0, "[dataset] labels: the data has no rows"),
        ([0, 1], [[0.0], [1.0]], 0.0, None),
    ],
)
def test_opening_a_session_that_cannot_train_exits_2_in_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    labels: list[int],
    features: list[list[float]],
    split: float,
    where: str | None,
) -> None:
    path = tmp_path / "s.toml"
    doc = {
        "format_version": 1, "test_split": split,
        "dataset": {"feature_names": ["x"], "class_names": ["a", "b"], "labels": labels,
                    "features": features},
    }  # fmt: skip
    path.write_text(tomli_w.dumps(doc))
    if where is None:
        assert main(["train", "--session", str(path), "--epochs", "1"]) == 0
        return
    assert exit_status([str(path)]) == 2
    assert capsys.readouterr().err == f"tui-nn: error: {path}: {where}" + (
        " 'b'; a classifier needs rows of at least two classes\n"
        if "every row" in where
        else "; a classifier needs rows of at least two classes\n"
    )


def test_help_names_sessions_train_and_the_ranges() -> None:
    top = tui_nn("--help").stdout
    assert top.startswith("usage: tui-nn [SESSION.toml] [options]\n       tui-nn train [options]\n")
    assert "SESSION.toml" in top and "--hidden" in top
    train = tui_nn("train", "--help").stdout
    assert train.startswith("usage: tui-nn train [options]\n")
    assert re.search(
        r"--points 4-100000\s+rows a generated built-in dataset makes, 4 to 100000", train
    )
    assert re.search(r"--noise 0-5\s+noise of a generated built-in dataset, 0 to 5", train)
    assert "--history-every" in train


# ---------------------------------------------------------------- ctrl+c on a terminal


def _screen_line(output: bytes) -> str:
    """What a terminal shows on the cursor's line after ``output`` (\\r, erase-line, \\n)."""
    line: list[str] = []
    column = 0
    for token in re.split(r"(\r|\n|\x1b\[K)", output.decode(errors="replace")):
        if token == "\r":
            column = 0
        elif token == "\n":
            line, column = [], 0
        elif token == "\x1b[K":
            del line[column:]
        else:
            for char in token:
                if column < len(line):
                    line[column] = char
                else:
                    line.append(char)
                column += 1
    return "".join(line)


def test_ctrl_c_leaves_no_progress_bar_behind() -> None:
    pid, fd = pty.fork()
    if pid == 0:  # the child: tui-nn on a terminal
        os.environ["PYTHONPATH"] = str(ROOT)
        os.execv(sys.executable, [*TUI_NN, "train", "--epochs", "1000000000"])
    output = b""
    deadline = time.monotonic() + 60
    while b"epochs/s" not in output and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            output += os.read(fd, 65536)
    assert b"epochs/s" in output, "the progress bar appeared"
    os.kill(pid, signal.SIGINT)
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 130
    assert b"Traceback" not in output
    lines = output.replace(b"\r\n", b"\n").split(b"\n")
    shown = [_screen_line(line) for line in lines]
    assert not any("epochs/s" in line for line in shown), shown
    assert "tui-nn train: interrupted" in shown


def test_overflow_while_standardising_names_the_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "huge.csv"
    data.write_text("small,huge,label\n0,1.7e308,a\n1,1.7e308,b\n0,1.6e308,a\n1,1.5e308,b\n")
    assert exit_status(["train", "--dataset", str(data), "--normalize", "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "tui-nn train: error: --normalize: column 2 (huge): standardising overflows (its values "
        "are too close to the float limit, ±1.8e308); scale the column down or turn standardise "
        "off\n"
    )
