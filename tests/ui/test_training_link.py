"""The app's link to the training process: runs become the workbench's messages."""

from __future__ import annotations

import os
import queue
import signal
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.training import Trainer
from tui_nn.ui.messages import (
    EpochsCompleted,
    TrainingCrashed,
    TrainingFailed,
    TrainingFinished,
)
from tui_nn.ui.training_link import TrainingLink

WAIT = 60.0
LONG = Hyperparams(epochs=1_000_000_000)
FINAL = (TrainingFinished, TrainingFailed, TrainingCrashed)


class Inbox:
    """Collects what the link posts, as the app's message queue would."""

    def __init__(self) -> None:
        self.messages: queue.Queue[object] = queue.Queue()

    def post(self, message: object) -> bool:
        self.messages.put(message)
        return True

    def next(self) -> object:
        return self.messages.get(timeout=WAIT)

    def until_final(self, run_id: int) -> tuple[list[object], object]:
        seen = []
        while True:
            message = self.next()
            seen.append(message)
            if isinstance(message, FINAL) and message.run_id == run_id:
                return seen, message


@pytest.fixture
def linked() -> Iterator[tuple[TrainingLink, Inbox]]:
    inbox = Inbox()
    link = TrainingLink(inbox.post)
    link.start()
    pump = threading.Thread(target=link.pump, daemon=True)
    pump.start()
    yield link, inbox
    link.close()
    pump.join(WAIT)
    assert not pump.is_alive(), "the pump must end when the link closes"


def test_a_run_arrives_as_progress_then_one_final_message_with_the_trained_model(
    linked: tuple[TrainingLink, Inbox],
) -> None:
    link, inbox = linked
    hyperparams = Hyperparams(epochs=500)
    link.configure(hyperparams, TUTORIAL_DATASET)
    run_id = link.train(500)
    seen, final = inbox.until_final(run_id)
    assert all(isinstance(message, EpochsCompleted) for message in seen[:-1])
    assert isinstance(final, TrainingFinished) and final.reason == "completed"
    trainer = Trainer(hyperparams, TUTORIAL_DATASET)
    list(trainer.run())
    assert final.progress.epoch == 500
    assert np.array_equal(final.progress.network.params, trainer.network.params)
    assert final.progress.network.layer_sizes == trainer.network.layer_sizes


def test_a_new_configuration_silences_the_old_run(linked: tuple[TrainingLink, Inbox]) -> None:
    link, inbox = linked
    data = TUTORIAL_DATASET
    link.configure(LONG, data)
    old = link.train(LONG.epochs)
    first = inbox.next()
    assert isinstance(first, EpochsCompleted) and first.run_id == old
    link.configure(LONG.replace(seed=3), data)  # a reset
    new = link.step()
    seen, final = inbox.until_final(new)
    assert all(getattr(message, "run_id", None) == new for message in seen)
    assert isinstance(final, TrainingFinished) and final.progress.epoch == 1


def test_the_full_state_can_be_asked_for_while_a_run_trains(
    linked: tuple[TrainingLink, Inbox],
) -> None:
    link, inbox = linked
    link.configure(LONG.replace(recipe="textbook", optimizer="adam"), TUTORIAL_DATASET)
    run_id = link.train(LONG.epochs)
    inbox.next()
    reply = link.request_state().result(WAIT)
    assert reply.training and reply.state is not None
    assert reply.state.optimizer == "adam" and reply.state.optimizer_steps == reply.state.epoch > 0
    link.pause()
    _, final = inbox.until_final(run_id)
    assert isinstance(final, TrainingFinished) and final.reason == "paused"


def test_a_refused_configuration_fails_the_next_run_with_the_reason(
    linked: tuple[TrainingLink, Inbox],
) -> None:
    link, inbox = linked
    data = TUTORIAL_DATASET
    wrong = Trainer(Hyperparams(hidden=(3,)), TUTORIAL_DATASET).export_state()
    link.configure(Hyperparams(), data, state=wrong)  # weights of another shape
    run_id = link.train(10)
    _, final = inbox.until_final(run_id)
    assert isinstance(final, TrainingFailed) and final.progress is None
    assert "parameters" in final.error


def test_a_crash_is_one_message_and_the_next_configuration_trains(
    linked: tuple[TrainingLink, Inbox],
) -> None:
    link, inbox = linked
    data = TUTORIAL_DATASET
    link.configure(LONG, data)
    run_id = link.train(LONG.epochs)
    inbox.next()
    pid = link.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    _, final = inbox.until_final(run_id)
    assert isinstance(final, TrainingCrashed) and "SIGKILL" in final.message
    link.configure(Hyperparams(epochs=5), data)
    _, final = inbox.until_final(link.train(5))
    assert isinstance(final, TrainingFinished) and final.progress.epoch == 5
