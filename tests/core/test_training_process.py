"""Training in its own process: the protocol's promises, checked against an in-process Trainer."""

from __future__ import annotations

import dataclasses
import itertools
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.datasets import make_dataset
from tui_nn.core.history import DownsampledHistory
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.protocol import (
    ChildCrashed,
    Configure,
    Event,
    GetState,
    HistorySettings,
    LoadState,
    Pause,
    RunFailed,
    RunFinished,
    RunProgress,
    SetLearningRate,
    Start,
    StateReply,
    Step,
    Stop,
)
from tui_nn.core.recipes import RECIPES, record
from tui_nn.core.training import Trainer
from tui_nn.core.training_process import START_METHODS, TrainingProcess

WAIT = 60.0
"""Seconds a test waits for an event before calling the process stuck (a loaded machine)."""

ADAM = Hyperparams(
    recipe="textbook", hidden=(6,), activation="tanh", optimizer="adam", lr=0.01, epochs=200
)
LONG = Hyperparams(epochs=1_000_000_000)  # the tutorial's network, a run that never ends alone

run_ids = itertools.count(1)


@pytest.fixture(scope="module")
def process() -> Iterator[TrainingProcess]:
    handle = TrainingProcess()
    handle.start()
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def moons() -> Dataset:
    return make_dataset("moons", points=40)


def next_event(process: TrainingProcess) -> Event:
    event = process.next_event(timeout=WAIT)
    assert event is not None, "the training process sent nothing"
    return event


def until_final(process: TrainingProcess, run_id: int) -> tuple[list[Event], Event]:
    """Every event up to run ``run_id``'s final one (other runs' events included)."""
    seen: list[Event] = []
    while True:
        event = next_event(process)
        seen.append(event)
        if isinstance(event, RunFinished | RunFailed | ChildCrashed) and event.run_id == run_id:
            return seen, event


def first_progress(process: TrainingProcess, run_id: int) -> RunProgress:
    while True:
        event = next_event(process)
        if isinstance(event, RunProgress) and event.run_id == run_id:
            return event
        assert not isinstance(event, RunFinished | RunFailed | ChildCrashed), event


def start(process: TrainingProcess, epochs: int) -> int:
    run_id = next(run_ids)
    process.send(Start(run_id, epochs))
    return run_id


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_run_equals_an_in_process_trainer_bit_for_bit(
    process: TrainingProcess, moons: Dataset
) -> None:
    process.send(Configure(ADAM, moons, history=HistorySettings(capacity=64)))
    run_id = start(process, 200)
    _, final = until_final(process, run_id)
    trainer = Trainer(ADAM, moons)
    history = DownsampledHistory(capacity=64)
    for result in trainer.run():
        record(history, RECIPES["textbook"], result)
    assert isinstance(final, RunFinished) and final.reason == "completed"
    snapshot = final.snapshot
    assert snapshot.epoch == 200 and snapshot.epochs_run == 200
    assert snapshot.params is not None and snapshot.params.dtype == np.float64
    assert np.array_equal(snapshot.params, trainer.network.params)
    assert snapshot.history == history.snapshot()


def test_progress_carries_the_weights_of_the_epoch_it_shows(process: TrainingProcess) -> None:
    process.send(Configure(LONG, TUTORIAL_DATASET))
    run_id = start(process, LONG.epochs)
    progress = [first_progress(process, run_id), first_progress(process, run_id)]
    process.send(Pause())
    until_final(process, run_id)
    for event in progress:
        snapshot = event.snapshot
        trainer = Trainer(LONG, TUTORIAL_DATASET)
        list(trainer.run(snapshot.epoch))
        assert snapshot.params is not None
        assert np.array_equal(snapshot.params, trainer.network.params)
        assert snapshot.history.latest_epoch == snapshot.epoch
        assert snapshot.result is not None and snapshot.result.epoch == snapshot.epoch


def test_pause_step_and_resume_continue_the_same_run_bit_for_bit(
    process: TrainingProcess, moons: Dataset
) -> None:
    hyperparams = ADAM.replace(epochs=1_000_000_000)
    process.send(Configure(hyperparams, moons))
    run_id = start(process, hyperparams.epochs)
    first_progress(process, run_id)
    process.send(Pause())
    _, paused = until_final(process, run_id)
    assert isinstance(paused, RunFinished) and paused.reason == "paused"
    at = paused.snapshot.epoch
    assert at > 0

    step_id = next(run_ids)
    process.send(Step(step_id))
    _, stepped = until_final(process, step_id)
    assert isinstance(stepped, RunFinished) and stepped.reason == "completed"
    assert stepped.snapshot.epoch == at + 1 and stepped.snapshot.epochs_run == 1

    resume_id = start(process, 25)
    _, resumed = until_final(process, resume_id)
    assert isinstance(resumed, RunFinished) and resumed.snapshot.epoch == at + 26
    trainer = Trainer(hyperparams, moons)
    list(trainer.run(at + 26))
    assert resumed.snapshot.params is not None
    assert np.array_equal(resumed.snapshot.params, trainer.network.params)


def test_stop_ends_the_run_as_stopped(process: TrainingProcess) -> None:
    process.send(Configure(LONG, TUTORIAL_DATASET))
    run_id = start(process, LONG.epochs)
    first_progress(process, run_id)
    process.send(Stop())
    _, final = until_final(process, run_id)
    assert isinstance(final, RunFinished) and final.reason == "stopped"


def test_a_reset_ends_the_old_run_first_and_it_sends_nothing_after(
    process: TrainingProcess,
) -> None:
    process.send(Configure(LONG, TUTORIAL_DATASET))
    old = start(process, LONG.epochs)
    first_progress(process, old)
    process.send(Configure(LONG.replace(seed=7), TUTORIAL_DATASET))
    new = start(process, 40)
    events, final = until_final(process, new)
    old_events = [event for event in events if getattr(event, "run_id", None) == old]
    assert old_events, "the old run must still get its final event"
    assert isinstance(old_events[-1], RunFinished) and old_events[-1].reason == "cancelled"
    assert events.index(old_events[-1]) < min(
        index for index, event in enumerate(events) if getattr(event, "run_id", None) == new
    )
    trainer = Trainer(LONG.replace(seed=7), TUTORIAL_DATASET)
    list(trainer.run(40))
    assert isinstance(final, RunFinished) and final.snapshot.params is not None
    assert np.array_equal(final.snapshot.params, trainer.network.params)


def test_a_learning_rate_set_while_paused_takes_effect_on_resume(
    process: TrainingProcess, moons: Dataset
) -> None:
    process.send(Configure(ADAM, moons))
    run_id = start(process, 30)
    until_final(process, run_id)
    process.send(SetLearningRate(0.05))
    process.send(GetState(request_id=1))
    reply = next_event(process)
    assert isinstance(reply, StateReply) and reply.request_id == 1 and not reply.training
    assert reply.state is not None and reply.state.lr == 0.05 and reply.state.epoch == 30
    resume_id = start(process, 20)
    _, final = until_final(process, resume_id)
    trainer = Trainer(ADAM, moons)
    list(trainer.run(30))
    trainer.set_learning_rate(0.05)
    list(trainer.run(20))
    assert isinstance(final, RunFinished) and final.snapshot.params is not None
    assert np.array_equal(final.snapshot.params, trainer.network.params)


def test_a_state_taken_and_loaded_back_carries_on_exactly(
    process: TrainingProcess, moons: Dataset
) -> None:
    process.send(Configure(ADAM, moons))
    until_final(process, start(process, 50))
    process.send(GetState(request_id=2))
    reply = next_event(process)
    assert isinstance(reply, StateReply) and reply.state is not None
    until_final(process, start(process, 70))  # wander off ...
    process.send(LoadState(reply.state, past=reply.history))  # ... and come back
    run_id = start(process, 30)
    _, final = until_final(process, run_id)
    trainer = Trainer(ADAM, moons)
    list(trainer.run(80))
    assert isinstance(final, RunFinished) and final.snapshot.params is not None
    assert np.array_equal(final.snapshot.params, trainer.network.params)
    assert final.snapshot.history.epochs[-1] == 80


def test_divergence_fails_the_run_with_the_engines_sentence(process: TrainingProcess) -> None:
    wild = Hyperparams(recipe="textbook", output_activation="linear", lr=1e6, epochs=100)
    process.send(Configure(wild, TUTORIAL_DATASET))
    run_id = start(process, 100)
    _, final = until_final(process, run_id)
    assert isinstance(final, RunFailed) and final.error.startswith("training diverged at epoch")
    assert final.snapshot is not None and final.snapshot.params is not None
    assert np.isfinite(final.snapshot.params).all()
    # The chart's last epoch, the result shown and the model's epoch are one and the same.
    snapshot = final.snapshot
    assert snapshot.history.epochs[-1] == snapshot.epoch
    assert snapshot.result is not None and snapshot.result.epoch == snapshot.epoch


def test_a_configuration_that_cannot_train_fails_and_the_process_carries_on(
    process: TrainingProcess,
) -> None:
    empty = dataclasses.replace(
        TUTORIAL_DATASET, features=np.zeros((0, 3)), labels=np.zeros(0, dtype=np.int64)
    )
    process.send(Configure(Hyperparams(), empty))
    run_id = start(process, 5)
    events, final = until_final(process, run_id)
    assert any(
        isinstance(event, RunFailed) and "no training rows" in event.error for event in events
    )
    assert isinstance(final, RunFailed) and "no training rows" in final.error
    process.send(Configure(Hyperparams(), TUTORIAL_DATASET))
    _, final = until_final(process, start(process, 5))
    assert isinstance(final, RunFinished) and final.snapshot.epoch == 5


@pytest.mark.parametrize("start_method", START_METHODS)
def test_a_killed_child_is_reported_as_a_crash_and_a_new_one_trains(start_method: str) -> None:
    with TrainingProcess(start_method) as process:
        process.send(Configure(LONG, TUTORIAL_DATASET))
        run_id = start(process, LONG.epochs)
        first_progress(process, run_id)
        old_pid = process.pid
        assert old_pid is not None
        os.kill(old_pid, signal.SIGKILL)
        _, final = until_final(process, run_id)
        assert isinstance(final, ChildCrashed) and "killed by SIGKILL" in final.message
        assert process.pid != old_pid and not alive(old_pid)
        process.send(Configure(Hyperparams(epochs=10), TUTORIAL_DATASET))
        _, final = until_final(process, start(process, 10))
        assert isinstance(final, RunFinished) and final.snapshot.epoch == 10


@pytest.mark.parametrize("start_method", START_METHODS)
def test_no_process_is_left_after_close(start_method: str) -> None:
    process = TrainingProcess(start_method)
    process.send(Configure(LONG, TUTORIAL_DATASET))
    run_id = start(process, LONG.epochs)
    first_progress(process, run_id)
    pid = process.pid
    assert pid is not None and alive(pid)
    process.close()
    assert not alive(pid)
    assert process.next_event(timeout=0.1) is None


PARENT = textwrap.dedent(
    """
    import sys, time
    from tui_nn.core.dataset import TUTORIAL_DATASET
    from tui_nn.core.hyperparams import Hyperparams
    from tui_nn.core.protocol import Configure, RunProgress, Start
    from tui_nn.core.training_process import TrainingProcess

    process = TrainingProcess(sys.argv[1])
    process.send(Configure(Hyperparams(epochs=10**9), TUTORIAL_DATASET))
    process.send(Start(1, 10**9))
    while not isinstance(process.next_event(), RunProgress):
        pass
    print(process.pid, flush=True)
    time.sleep(600)
    """
)


@pytest.mark.parametrize("start_method", START_METHODS)
@pytest.mark.parametrize("start_thread", ["main", "worker"])
def test_the_child_exits_within_two_seconds_of_its_parent_being_killed(
    tmp_path: Path, start_thread: str, start_method: str
) -> None:
    script = PARENT
    if start_thread == "worker":
        # Started from a thread that has ended: Linux's death signal would follow that thread,
        # so it is not asked for, and the pipe's end and the parent-pid check must do it.
        script = script.replace(
            "process = TrainingProcess(sys.argv[1])",
            "process = TrainingProcess(sys.argv[1])\n"
            "import threading; t = threading.Thread(target=process.start); t.start(); t.join()",
        )
    path = tmp_path / "parent.py"
    path.write_text(script, encoding="utf-8")
    parent = subprocess.Popen(
        [sys.executable, str(path), start_method],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(WAIT)
        deadline = time.monotonic() + 2.0
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not alive(child), "the training process outlived its parent by 2 s"
    finally:
        parent.kill()
        parent.wait(WAIT)
