"""The live app as a user sees it: start-up, liveness while training, keys, bandwidth, speed.

Drives the real ``python -m tui_nn`` through a pseudo-terminal at 120x40 (``xterm-256color``,
truecolor; see ``live_terminal.LiveApp``) and reports the median and p95 of at least
``SAMPLES`` samples of each:

* launch to the first full frame (every panel, the status line and the footer drawn);
* Train (ctrl+t) to the first visible progress (the status line past epoch 0);
* the gap between visible updates of the status line while training;
* key to visible effect while training: F1 (help opens), Esc (it closes), Tab (focus moves in
  the form), ctrl+l (the chart's scale flips), ctrl+p / Esc (the palette opens and closes);
* terminal bytes per second while training;
* in-app epochs per second against the headless engine's, interleaved;
* ctrl+q while training to the app's exit; ``kill -9`` of the app to no training process left.

Targets (issue 7) are reported as PASS/MISS lines, failing only with ``TUI_NN_BENCH_STRICT=1``.
Needs the ``bench`` extra (pyte). Run alone on a quiet machine: other work skews every number.
"""

from __future__ import annotations

import itertools
import os
import re
import statistics
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pyte")

from tests.benchmarks.conftest import Report
from tests.benchmarks.live_terminal import LiveApp
from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.session import Session, save_session
from tui_nn.core.training import Trainer

SAMPLES = int(os.environ.get("TUI_NN_BENCH_SAMPLES", "20"))
"""Samples per measurement (at least 20 for a meaningful p95)."""

LONG_RUN = 1_000_000_000
"""Epochs of a run that outlasts any measurement."""

SPEED_EPOCHS = 300_000
"""Epochs of the tutorial run timed in the app and headless (~10 s each here)."""

BETWEEN_KEYS = 0.25
"""Seconds between one key's visible effect and the next timed key: a person reads the screen
first. Pressed at once, a key lands in the frame its predecessor caused (closing help, the
workbench catches up with the run: a heavier frame) and times that frame too."""

WARM_UP = 1.0
"""Seconds from the first frame to Train in the speed rounds (the training process's start)."""

EPOCH_IN_STATUS = re.compile(r"Training · epoch ([\d,]+) of")
FIRST_FRAME_MARKS = (
    "Dataset",
    "Hyperparameters",
    "learning rate",  # the form's rows, not only its border
    "0.05",
    "Prediction",
    "Ready · epoch 0",
    "Quit",
)
EMPTY_CHART = "No training yet"  # the loss view before a run
HELP_MARK = "tui-nn help"  # the help screen's title line
PALETTE_MARK = "Search for commands"


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def summary(values: list[float], unit: str = "ms", scale: float = 1000.0) -> str:
    return (
        f"median {statistics.median(values) * scale:.0f} {unit}, p95 {p95(values) * scale:.0f} "
        f"{unit} over {len(values)}"
    )


def training_epoch(app: LiveApp) -> int | None:
    found = EPOCH_IN_STATUS.search(app.text())
    return int(found.group(1).replace(",", "")) if found else None


def first_frame(app: LiveApp) -> bool:
    text = app.text()
    return all(mark in text for mark in FIRST_FRAME_MARKS)


@pytest.fixture(scope="module")
def long_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session of the tutorial with a run that outlasts every measurement."""
    path = tmp_path_factory.mktemp("live") / "long.toml"
    save_session(Session(TUTORIAL_DATASET, Hyperparams(epochs=LONG_RUN)), path)
    return path


@pytest.fixture(scope="module")
def speed_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("speed") / "speed.toml"
    save_session(Session(TUTORIAL_DATASET, Hyperparams(epochs=SPEED_EPOCHS)), path)
    return path


@pytest.fixture
def training_app(long_session: Path) -> Iterator[LiveApp]:
    """The app at 120x40, training a long run, past its first visible progress."""
    app = LiveApp((str(long_session),))
    try:
        app.wait_for(first_frame, timeout=30)
        app.press("ctrl+t")
        app.wait_for(lambda a: (training_epoch(a) or 0) > 0, timeout=30)
        yield app
    finally:
        app.close()


def test_launch_to_first_full_frame(report: Report) -> None:
    times = []
    for _ in range(SAMPLES):
        app = LiveApp()
        try:
            times.append(app.wait_for(first_frame, timeout=30) - app.started)
        finally:
            app.close()
    report.target("launch to first full frame", p95(times) <= 1.0, summary(times))


def test_train_to_first_visible_progress(report: Report, long_session: Path) -> None:
    app = LiveApp((str(long_session),))
    times = []
    try:
        app.wait_for(first_frame, timeout=30)
        for _ in range(SAMPLES):
            pressed = app.press("ctrl+t")
            times.append(app.wait_for(lambda a: (training_epoch(a) or 0) > 0) - pressed)
            app.press("ctrl+r")  # reset: back to epoch 0, ready
            app.wait_for(lambda a: "Ready · epoch 0 " in a.text())
    finally:
        app.close()
    report.target("Train to first visible progress", p95(times) <= 0.3, summary(times))


def test_visible_updates_while_training(report: Report, training_app: LiveApp) -> None:
    app = training_app
    seen: list[tuple[float, int]] = []
    last = training_epoch(app)
    deadline = time.perf_counter() + max(10.0, SAMPLES * 0.3)
    while time.perf_counter() < deadline:
        at = app.wait_for(lambda a, shown=last: training_epoch(a) not in (None, shown))
        last = training_epoch(app)
        seen.append((at, last or 0))
    gaps = [later[0] - earlier[0] for earlier, later in itertools.pairwise(seen)]
    report.target(
        "gap between visible updates (5-10 fps)",
        0.1 <= statistics.median(gaps) <= 0.2 and p95(gaps) <= 0.25,
        summary(gaps),
    )
    start, end = seen[0][0], seen[-1][0]
    rate = app.bytes_between(start, end) / (end - start)
    report.target("terminal bytes per second while training", rate <= 15_000, f"{rate:,.0f} B/s")


def test_keys_while_training(report: Report, training_app: LiveApp) -> None:
    app = training_app
    help_open: list[float] = []
    help_close: list[float] = []
    for _ in range(SAMPLES):
        time.sleep(BETWEEN_KEYS)
        pressed = app.press("f1")
        help_open.append(app.wait_for(help_shown) - pressed)
        time.sleep(BETWEEN_KEYS)
        pressed = app.press("escape")
        help_close.append(app.wait_for(lambda a: not help_shown(a)) - pressed)
    report.target("F1 (help opens) while training", p95(help_open) <= 0.1, summary(help_open))
    report.target("Esc (help closes) while training", p95(help_close) <= 0.1, summary(help_close))

    log_scale: list[float] = []
    for _ in range(SAMPLES):
        time.sleep(BETWEEN_KEYS)
        before = "log10" in app.text()
        pressed = app.press("ctrl+l")
        log_scale.append(app.wait_for(lambda a, b=before: ("log10" in a.text()) != b) - pressed)
    report.target("ctrl+l (scale flips) while training", p95(log_scale) <= 0.1, summary(log_scale))

    form = form_region(app)
    tab: list[float] = []
    # Into the form first (from the grid: the focused panel's border moves too, a bigger
    # repaint than a move between fields, timed as a separate figure below).
    before = app.region(*form)
    pressed = app.press("tab")
    into_form = app.wait_for(lambda a, b=before: a.region(*form) != b) - pressed
    report.line(
        f"note: Tab from the grid into the form (a panel change) took {into_form * 1000:.0f} ms"
    )
    # Then Tab and shift+Tab in turn: the focus moves between two of the form's fields, so
    # every press shows in the form (a run of Tabs would leave it for panels that change
    # anyway).
    for index in range(SAMPLES):
        time.sleep(BETWEEN_KEYS)
        before = app.region(*form)
        pressed = app.press("tab" if index % 2 == 0 else "shift+tab")
        tab.append(app.wait_for(lambda a, b=before: a.region(*form) != b) - pressed)
    report.target("Tab / shift+Tab (focus moves) while training", p95(tab) <= 0.1, summary(tab))

    palette: list[float] = []
    for _ in range(SAMPLES):
        time.sleep(BETWEEN_KEYS)
        pressed = app.press("ctrl+p")
        palette.append(app.wait_for(lambda a: PALETTE_MARK in a.text()) - pressed)
        app.press("escape")
        app.wait_for(lambda a: PALETTE_MARK not in a.text())
    report.target("ctrl+p (palette opens) while training", p95(palette) <= 0.1, summary(palette))


def help_shown(app: LiveApp) -> bool:
    return HELP_MARK in app.text()


def form_region(app: LiveApp) -> tuple[int, int, int, int]:
    """Rows and columns of the hyperparameters panel (only focus changes it while training)."""
    lines = app.text().splitlines()
    top = next(index for index, line in enumerate(lines) if "Hyperparameters" in line)
    left = lines[top].index("Hyperparameters") - 2
    return top + 1, len(lines) - 4, max(left, 0), app.columns // 2


def test_in_app_speed_against_headless(report: Report, speed_session: Path) -> None:
    in_app_speed(report, speed_session, "in-app speed vs headless", 0.95, view_key=None)


def test_in_app_speed_with_the_decision_map_visible(report: Report, speed_session: Path) -> None:
    """Issue 10: the map redrawn live at the frame rate still leaves the engine 90%."""
    in_app_speed(
        report, speed_session, "in-app speed with the decision map visible", 0.90, "ctrl+e"
    )


def in_app_speed(
    report: Report, speed_session: Path, name: str, goal: float, view_key: str | None
) -> None:
    """Epochs/s of a run in the app (Train to "Finished" on screen) against the engine alone.

    This virtual machine's speed drifts by a third from one minute to the next (the engine
    alone: 46,000-85,000 epochs/s within ten minutes, per CPU second as much as per second), so
    each app round is compared with the engine timed just before and just after it, and the
    figure is the median of those ratios over 20 rounds.
    """
    in_app: list[float] = []
    # Epochs per CPU second as well: the machine's drift (other guests on the host) slows the
    # wall clock of both sides alike, while CPU time shows the work each epoch costs.
    in_app_cpu: list[float] = []
    headless_cpu: list[float] = []
    headless = [headless_speed(headless_cpu)]
    for _ in range(SAMPLES):
        app = LiveApp((str(speed_session),))
        try:
            app.wait_for(first_frame, timeout=30)
            if view_key is not None:
                app.press(view_key)  # the next view: the decision map
                app.wait_for(lambda a: EMPTY_CHART not in a.text())
            # The training process starts after the first frame and needs ~0.4 s to import the
            # engine: Train pressed at once would time that start (the launch figure's part),
            # not the training. A second is what a person takes to reach for the key.
            time.sleep(WARM_UP)
            children = child_pids(app.process.pid)
            cpu_before = sum(cpu_seconds(pid) for pid in children)
            pressed = app.press("ctrl+t")
            done = app.wait_for(lambda a: "Finished" in a.text(), timeout=600)
            in_app.append(SPEED_EPOCHS / (done - pressed))
            used = sum(cpu_seconds(pid) for pid in children) - cpu_before
            if used > 0:
                in_app_cpu.append(SPEED_EPOCHS / used)
        finally:
            app.close()
        headless.append(headless_speed(headless_cpu))
    ratios = [
        speed / ((before + after) / 2)
        for speed, before, after in zip(in_app, headless, headless[1:], strict=False)
    ]
    ratio = statistics.median(ratios)
    report.target(
        name,
        ratio >= goal,
        f"{ratio:.2f}x, median of {len(ratios)} rounds each against the engine alone just "
        f"before and after (ratios {min(ratios):.2f}-{max(ratios):.2f}; app median "
        f"{statistics.median(in_app):,.0f} epochs/s, headless {statistics.median(headless):,.0f})",
    )
    if in_app_cpu:
        report.line(
            f"note: per CPU second, the training process {statistics.median(in_app_cpu):,.0f} "
            f"epochs, the engine alone {statistics.median(headless_cpu):,.0f} "
            f"({statistics.median(in_app_cpu) / statistics.median(headless_cpu):.2f}x)"
        )


def headless_speed(per_cpu_second: list[float]) -> float:
    """Epochs/s of the engine alone on the speed run, in this process (and, appended to
    ``per_cpu_second``, its epochs per CPU second)."""
    trainer = Trainer(Hyperparams(epochs=SPEED_EPOCHS), TUTORIAL_DATASET)
    began, cpu_began = time.perf_counter(), time.thread_time()
    for _result in trainer.run():
        pass
    per_cpu_second.append(SPEED_EPOCHS / (time.thread_time() - cpu_began))
    return SPEED_EPOCHS / (time.perf_counter() - began)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_quit_and_kill_while_training(report: Report, long_session: Path) -> None:
    quits: list[float] = []
    for _ in range(max(5, SAMPLES // 4)):
        app = LiveApp((str(long_session),))
        app.wait_for(first_frame, timeout=30)
        app.press("ctrl+t")
        app.wait_for(lambda a: (training_epoch(a) or 0) > 0, timeout=30)
        took = app.close()
        quits.append(took if took is not None else float("inf"))
    report.target("ctrl+q while training to exit", p95(quits) <= 0.5, summary(quits))

    leftovers: list[float] = []
    for _ in range(max(5, SAMPLES // 4)):
        app = LiveApp((str(long_session),))
        app.wait_for(first_frame, timeout=30)
        app.press("ctrl+t")
        app.wait_for(lambda a: (training_epoch(a) or 0) > 0, timeout=30)
        children = child_pids(app.process.pid)
        killed = time.perf_counter()
        app.kill()
        while any(alive(pid) for pid in children) and time.perf_counter() - killed < 10:
            time.sleep(0.01)
        leftovers.append(time.perf_counter() - killed)
    report.target(
        "kill -9 of the app to no process left", max(leftovers) <= 2.0, summary(leftovers)
    )


def child_pids(pid: int) -> list[int]:
    completed = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    )
    return [int(word) for word in completed.stdout.split()]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
