"""Training in its own process: the child's loop, and the parent's handle on it.

Why a process: the training loop is pure Python between NumPy calls, so in a thread it holds
the interpreter lock the UI needs to draw and answer keys. In its own process it has its own
interpreter (and, on a multi-core machine, its own core), and the UI's one thread only waits
on a pipe.

``TrainingProcess`` is the parent's side: it starts a warm child (``spawn``: never ``fork``
from a threaded app), sends it ``protocol`` commands, and gives back its events one at a time
to whoever blocks in ``next_event()``; when the child dies it reports ``ChildCrashed`` and
starts a new one. The child (``child_main``) owns one ``Trainer`` and its
``DownsampledHistory``; it trains in chunks sized to a few milliseconds and looks at the pipe
between chunks, so checking costs well under 1% of a fast epoch loop, and it sends progress
every ``FRAME_INTERVAL`` seconds. It dies with its parent: it leaves when its command pipe
closes, when its parent's pid changes, and (Linux) by ``PR_SET_PDEATHSIG``.

The child imports only the standard library, NumPy and ``tui_nn.core``: it is ready in a
fraction of a second, long before anyone presses Train.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import multiprocessing
import os
import select
import signal
import sys
import tempfile
import threading
import time
import types
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any

import numpy as np

from tui_nn.core.errors import TuiNNError
from tui_nn.core.history import DownsampledHistory, HistorySnapshot
from tui_nn.core.protocol import (
    FINAL_EVENTS,
    FRAME_INTERVAL,
    LARGE_WEIGHTS_INTERVAL,
    WEIGHTS_EVERY_FRAME_BYTES,
    ChildCrashed,
    Command,
    Configure,
    Event,
    FinishReason,
    GetState,
    HistorySettings,
    LoadState,
    Pause,
    RunFailed,
    RunFinished,
    RunProgress,
    RunSnapshot,
    SetLearningRate,
    Shutdown,
    Start,
    StateReply,
    Step,
    Stop,
)
from tui_nn.core.recipes import record
from tui_nn.core.training import EpochResult, Trainer
from tui_nn.core.weight_history import WeightHistory, WeightSnapshots, WeightUpdate

__all__ = [
    "CHUNK_SECONDS",
    "START_METHODS",
    "TrainingProcess",
    "child_main",
    "set_default_start_method",
]

CHUNK_SECONDS = 0.005
"""About how long the child trains between two looks at its pipe: a look costs a few
microseconds, so this keeps its cost near 0.1%, and a pause is obeyed within ~5 ms."""

MAX_CHUNK = 1 << 16
"""The most epochs in one chunk, however fast they are."""

PARENT_CHECK_SECONDS = 0.5
"""How often the child checks that its parent is still alive."""

QUIT_GRACE_SECONDS = 0.25
"""How long ``close()`` waits for the child to leave by itself before killing it."""

_PR_SET_PDEATHSIG = 1


# ---------------------------------------------------------------- history


def replay(history: DownsampledHistory, past: HistorySnapshot) -> None:
    """Append a snapshot's points to ``history`` (``nan`` values stay absent)."""
    for index, epoch in enumerate(past.epochs):
        values = {
            name: None if math.isnan(series[index]) else series[index]
            for name, series in past.series.items()
        }
        history.append(epoch, **values)


# ---------------------------------------------------------------- the child


class _Run:
    """One run's bookkeeping in the child."""

    def __init__(self, run_id: int, epochs: int, first_epoch: int, now: float) -> None:
        self.run_id = run_id
        self.remaining = epochs
        self.first_epoch = first_epoch
        self.last: EpochResult | None = None
        self.before: EpochResult | None = None  # the one before last: a roll-back may reach it
        self.recorded = -1
        self.start = now
        self.next_frame = now  # the first chunk's progress goes out at once
        self.next_weights = now


class _Engine:
    """The child's state and its answers to each command."""

    def __init__(self, events: Connection, clock: Callable[[], float] = time.perf_counter) -> None:
        self.events = events
        self.clock = clock
        self.trainer: Trainer | None = None
        self.history = DownsampledHistory()
        # The run's past: weights at the history's recorded epochs, sent as updates.
        self.weights = WeightHistory(0)
        self.weights_sent = -1
        self.every = 1
        self.run: _Run | None = None
        self.last_run_id = 0
        self.chunk = 1
        self.frame_interval = FRAME_INTERVAL
        self.configure_error = ""

    # -- commands

    def handle(self, command: Command) -> bool:
        """Carry out one command; False when it is time to exit."""
        try:
            return self._handle(command)
        except Exception as error:  # the loop must go on: say what broke, as a failure
            run = self.run
            run_id = run.run_id if run is not None else self.last_run_id
            self.run = None
            # The engine's own refusals are sentences for the user; anything else is a bug.
            text = str(error) if isinstance(error, TuiNNError) else f"training process: {error!r}"
            self._send(RunFailed(run_id, text, self._snapshot_or_none()))
            return True

    def _handle(self, command: Command) -> bool:
        if isinstance(command, Start | Step):
            self._end("cancelled")
            epochs = command.epochs if isinstance(command, Start) else 1
            self.last_run_id = command.run_id
            if self.trainer is None:
                why = self.configure_error or "no model to train: configure first"
                self._send(RunFailed(command.run_id, why, None))
                return True
            self.run = _Run(command.run_id, max(epochs, 0), self.trainer.epoch, self.clock())
            if epochs <= 0:
                self._end("completed")
        elif isinstance(command, Pause):
            self._end("paused")
        elif isinstance(command, Stop):
            self._end("stopped")
        elif isinstance(command, SetLearningRate):
            if self.trainer is not None:
                self.trainer.set_learning_rate(command.lr)
        elif isinstance(command, GetState):
            trainer = self.trainer
            self._send(
                StateReply(
                    self.run.run_id if self.run is not None else self.last_run_id,
                    command.request_id,
                    trainer.export_state() if trainer is not None else None,
                    self.history.snapshot(),
                    self.run is not None,
                    self.weights.snapshot(),
                )
            )
        elif isinstance(command, Configure):
            self._end("cancelled")
            self._configure(command)
        elif isinstance(command, LoadState):
            self._end("cancelled")
            if self.trainer is None:
                raise RuntimeError("no model to load the state into: configure first")
            self.trainer.load_state(command.state)
            if command.past is not None:
                self.history.clear()
                replay(self.history, command.past)
            if command.past is not None or command.past_weights is not None:
                self._restart_weights(command.past_weights)
        elif isinstance(command, Shutdown):
            self._end("cancelled")
            return False
        return True

    def _configure(self, command: Configure) -> None:
        self.trainer = None  # a failure below leaves no half-built trainer behind
        try:
            trainer = Trainer(command.hyperparams, command.train, command.test)
            if command.state is not None:
                trainer.load_state(command.state)
        except TuiNNError as error:
            # Said now, and again to the next run: by then the parent may have moved on.
            self.configure_error = str(error)
            raise
        self.configure_error = ""
        settings: HistorySettings = command.history
        self.history = DownsampledHistory(capacity=settings.capacity)
        self.every = settings.record_every
        if command.past is not None:
            replay(self.history, command.past)
        self.trainer = trainer
        self._restart_weights(command.past_weights)
        self.chunk = 1
        self.frame_interval = command.frame_interval

    def _restart_weights(self, past: WeightSnapshots | None) -> None:
        assert self.trainer is not None
        size, capacity = self.trainer.network.params.size, self.history.capacity
        if past is not None and len(past) and past.params.shape[1] == size:
            self.weights = WeightHistory.from_snapshots(past, capacity)
        else:
            self.weights = WeightHistory(size, capacity)
        self.weights_sent = -1

    # -- training

    def train_chunk(self) -> None:
        """Train the next chunk of the current run; end it when done, failed or diverged."""
        run, trainer = self.run, self.trainer
        assert run is not None and trainer is not None
        count = min(self.chunk, run.remaining)
        history = self.history
        recipe = trainer.recipe
        reports_apart = recipe.records_reported
        skip = self.every - 1
        append = history.append
        keep = self.weights.append
        params = trainer.network.params
        step = trainer.step
        began = self.clock()
        try:
            # The hot loop: local names only, one branch per epoch for the recording.
            for _ in range(count):
                result = step()
                if result.divergence is not None:
                    self._roll_back(run, trainer.epoch)
                    self._fail(result.divergence.message())
                    return
                run.before = run.last
                run.last = result
                if not result.epoch & skip:
                    run.recorded = result.epoch
                    if reports_apart and result.test_loss is None:
                        append(result.epoch, reported=result.reported, loss=result.loss)
                    else:
                        record(history, recipe, result)
                    keep(result.epoch, params)
        except Exception as error:  # report it as the run's end; the child carries on
            self._fail(f"training failed: {error}")
            return
        run.remaining -= count
        now = self.clock()
        spent = now - began
        # Size the next chunk to about CHUNK_SECONDS (doubling or halving: no jitter chasing).
        if spent < CHUNK_SECONDS / 2 and self.chunk < MAX_CHUNK:
            self.chunk *= 2
        elif spent > CHUNK_SECONDS * 2 and self.chunk > 1:
            self.chunk //= 2
        if run.remaining <= 0:
            self._end("completed")
        elif now >= run.next_frame:
            run.next_frame = now + self.frame_interval
            self._send(RunProgress(run.run_id, self._snapshot(run, now, final=False)))

    def _snapshot(self, run: _Run, now: float, final: bool) -> RunSnapshot:
        trainer = self.trainer
        assert trainer is not None
        last = run.last
        if final and last is not None and run.recorded != last.epoch:
            # A run's end is on the chart whether or not the stride recorded it.
            record(self.history, trainer.recipe, last)
            self.weights.append(last.epoch, trainer.network.params)
            run.recorded = last.epoch
        params = trainer.network.params
        weights = None
        if final or params.size * 8 <= WEIGHTS_EVERY_FRAME_BYTES or now >= run.next_weights:
            weights = params.astype(np.float64)  # always a copy
            run.next_weights = now + LARGE_WEIGHTS_INTERVAL
        if final:
            # A final event carries the whole past, so a receiver that dropped an update
            # (a stale run's events) is whole again.
            kept = self.weights.snapshot()
            past = WeightUpdate(kept.epochs, kept)
        else:
            past = self.weights.update(self.weights_sent)
        if past.epochs:
            self.weights_sent = past.epochs[-1]
        return RunSnapshot(
            epoch=trainer.epoch,
            result=last,
            history=self._history_to(last, trainer),
            params=weights,
            weights=past,
            # After a roll-back the trainer is back at an earlier epoch: count what was kept.
            epochs_run=max(trainer.epoch - run.first_epoch, 0),
            seconds=now - run.start,
            state=trainer.export_state() if final else None,
        )

    def _history_to(self, last: EpochResult | None, trainer: Trainer) -> HistorySnapshot:
        """The history, ending at the epoch shown even when the stride has not recorded it.

        The point is added to the copy only, so the stored points stay evenly spaced.
        """
        snapshot = self.history.snapshot()
        if last is None or last.epoch <= snapshot.latest_epoch:
            return snapshot
        latest = DownsampledHistory(capacity=2)
        record(latest, trainer.recipe, last)
        point = latest.snapshot()
        names = list(snapshot.series) + [n for n in point.series if n not in snapshot.series]
        size = len(snapshot.epochs)
        series = {
            name: [
                *snapshot.series.get(name, [math.nan] * size),
                *point.series.get(name, [math.nan]),
            ]
            for name in names
        }
        return HistorySnapshot([*snapshot.epochs, last.epoch], series, last.epoch)

    def _snapshot_or_none(self) -> RunSnapshot | None:
        if self.trainer is None:
            return None
        run = self.run or _Run(self.last_run_id, 0, self.trainer.epoch, self.clock())
        return self._snapshot(run, self.clock(), final=True)

    def _end(self, reason: FinishReason) -> None:
        run = self.run
        if run is None:
            return
        self.run = None
        self._send(RunFinished(run.run_id, reason, self._snapshot(run, self.clock(), final=True)))

    def _roll_back(self, run: _Run, epoch: int) -> None:
        """After a divergence: the chart and the result end at the epoch the model went back to."""
        kept = [r for r in (run.last, run.before) if r is not None and r.epoch == epoch]
        run.last = kept[0] if kept else None
        # The final snapshot records the kept result again, so forget it too.
        self.history.forget_after(epoch - 1 if kept else epoch)
        run.recorded = -1

    def _fail(self, error: str) -> None:
        run = self.run
        assert run is not None
        self.run = None
        self._send(RunFailed(run.run_id, error, self._snapshot(run, self.clock(), final=True)))

    def _send(self, event: Event) -> None:
        self.events.send(event)


class _ParentWatch:
    """Whether the app that asked for this process is still there.

    A spawned child is the app's own; a ``forkserver`` child is the fork server's, which
    leaves when the app does (its "alive" pipe closes). Either way the child's parent changing
    means the app has gone; a forkserver child also checks that the app's pid still exists.
    """

    def __init__(self, app_pid: int) -> None:
        self.app_pid = app_pid
        self.parent_pid = os.getppid()

    def app_alive(self) -> bool:
        if os.getppid() != self.parent_pid:
            return False
        if self.parent_pid == self.app_pid:
            return True
        try:
            os.kill(self.app_pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True  # there, but not ours to signal
        return True


def _die_with_parent(app_pid: int, pdeathsig: bool) -> _ParentWatch:
    """Ask Linux to kill this process when its parent goes (then check it has not already)."""
    if pdeathsig and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    watch = _ParentWatch(app_pid)
    if watch.parent_pid == 1 or not watch.app_alive():
        os._exit(0)
    return watch


def _quiet(log_path: str | None) -> None:
    """Write what the child prints to a log file, never onto the app's screen."""
    if log_path is None:
        return
    with contextlib.suppress(OSError):
        fd = os.open(log_path, os.O_WRONLY | os.O_APPEND)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)


def child_main(
    commands: Connection,
    events: Connection,
    parent_pid: int,
    log_path: str | None = None,
    pdeathsig: bool = True,
) -> None:
    """The training process: obey commands until ``Shutdown``, the pipe closes, or the parent
    dies.

    Args:
        commands: Where commands arrive (read end).
        events: Where events go (write end).
        parent_pid: The app's pid; the child leaves when the app is gone (see
            ``_ParentWatch``).
        log_path: A file for anything the child prints (tracebacks of a hard failure).
        pdeathsig: Also ask the kernel to kill the child with its parent. Only right when the
            parent's *thread* that starts the child lives as long as the parent (Linux ties
            the signal to that thread).
    """
    watch = _die_with_parent(parent_pid, pdeathsig)
    _quiet(log_path)
    # Ctrl+C in the terminal goes to the whole process group; the app decides what it means.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    engine = _Engine(events)
    # One poll object for every look at the pipe: ~1 us between two chunks, where
    # ``Connection.poll()`` builds a selector each time (~15 us).
    poller = select.poll()
    poller.register(commands.fileno(), select.POLLIN)
    idle_wait_ms = int(PARENT_CHECK_SECONDS * 1000)
    next_check = time.monotonic() + PARENT_CHECK_SECONDS
    try:
        while True:
            if engine.run is None:
                # Idle: block on the pipe, waking now and then to see the parent is alive.
                if not poller.poll(idle_wait_ms):
                    if not watch.app_alive():
                        return
                    continue
            else:
                engine.train_chunk()
                if not poller.poll(0):
                    now = time.monotonic()
                    if now >= next_check:
                        next_check = now + PARENT_CHECK_SECONDS
                        if not watch.app_alive():
                            return
                    continue
            if not engine.handle(commands.recv()):
                return
    except (EOFError, OSError):
        return  # the parent closed the pipe (or died): nobody is left to train for


# ---------------------------------------------------------------- the parent


@contextlib.contextmanager
def _stderr_into(path: str) -> Iterator[None]:
    """Give ``sys.stderr`` a real file while a child starts.

    ``spawn`` also starts multiprocessing's resource tracker, handing it ``sys.stderr``'s file
    descriptor; in a Textual app that is a capture object without one (its ``fileno()`` is -1,
    and the start fails). The log file serves instead, and keeps the tracker's words (if it
    ever has any) off the app's screen.
    """
    saved = sys.stderr
    with open(path, "a", encoding="utf-8") as log:
        sys.stderr = log
        try:
            yield
        finally:
            sys.stderr = saved


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start a spawned child without re-running the parent's main script in it.

    ``spawn`` re-imports the parent's ``__main__`` in the child (so pickled functions defined
    there resolve). Ours live in this module, and the main script may be anything: the
    ``tui-nn`` launcher (which would load the CLI), a test runner, a script without a
    ``__name__`` guard. An empty stand-in while the child's start-up data is taken keeps the
    child's start light and safe whoever launched the app.
    """
    stand_in = types.ModuleType("__main__")
    real = sys.modules["__main__"]
    sys.modules["__main__"] = stand_in
    try:
        yield
    finally:
        sys.modules["__main__"] = real


START_METHODS = ("spawn", "forkserver")
"""How a child may be started: never ``fork`` (a forked copy of a threaded app can deadlock on
a lock some other thread held)."""

_default_start_method = "spawn"


def _check_start_method(start_method: str) -> None:
    if start_method not in START_METHODS:
        raise ValueError(f"start_method must be spawn or forkserver, got {start_method!r}")


def set_default_start_method(start_method: str) -> None:
    """Choose how ``TrainingProcess()`` starts its children from now on (``spawn`` at first).

    ``forkserver`` starts one server process (a spawned one) the first time, then forks each
    child from it: a program that starts many processes, such as the test suite, pays the
    interpreter's start once.
    """
    global _default_start_method
    _check_start_method(start_method)
    _default_start_method = start_method


class TrainingProcess:
    """The parent's handle on the training process.

    ``start()`` it early (the child needs a few hundred milliseconds to be ready, and queues
    commands meanwhile); ``send()`` commands from any thread; call ``next_event()`` from one
    thread that blocks on it; ``close()`` at the end. A crashed child is reported once as
    ``ChildCrashed`` and replaced by a fresh one, which needs a ``Configure`` before it trains.

    Args:
        start_method: ``spawn`` or ``forkserver`` (default: ``set_default_start_method``'s
            choice, ``spawn`` unless changed); never ``fork``.
    """

    def __init__(self, start_method: str | None = None) -> None:
        start_method = start_method or _default_start_method
        _check_start_method(start_method)
        self._context: SpawnContext | ForkServerContext
        if start_method == "spawn":
            self._context = multiprocessing.get_context("spawn")
        else:
            self._context = multiprocessing.get_context("forkserver")
            # The server imports the child's code once; each child is then a fork of it,
            # ready in milliseconds instead of a fresh interpreter's few hundred.
            self._context.set_forkserver_preload([__name__])
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._commands: Connection | None = None
        self._events: Connection | None = None
        self._log_path: str | None = None
        self._closed = False
        self._readers = 0
        self._active_run: int | None = None
        self._last_run = 0
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        """The child's process id, None before ``start()``."""
        process = self._process
        return process.pid if process is not None else None

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
        return self._closed

    def start(self) -> None:
        """Start the child, if it is not running yet (returns without waiting for it)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the training process was closed")
            if self._process is None:
                self._spawn()

    def _spawn(self) -> None:
        events_read, events_write = self._context.Pipe(duplex=False)
        commands_read, commands_write = self._context.Pipe(duplex=False)
        if self._log_path is None:
            fd, self._log_path = tempfile.mkstemp(prefix="tui-nn-training-", suffix=".log")
            os.close(fd)
        else:
            with contextlib.suppress(OSError):
                os.truncate(self._log_path, 0)
        pdeathsig = threading.current_thread() is threading.main_thread()
        process = self._context.Process(
            target=child_main,
            args=(commands_read, events_write, os.getpid(), self._log_path, pdeathsig),
            name="tui-nn training",
            daemon=True,
        )
        with _main_module_hidden(), _stderr_into(self._log_path):
            process.start()
        # The child holds its own ends now; ours must go, or no EOF ever reaches either side.
        events_write.close()
        commands_read.close()
        self._process = process
        self._commands = commands_write
        self._events = events_read

    def send(self, command: Command) -> None:
        """Send a command (from any thread). A dead child's loss is reported by ``next_event``."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the training process was closed")
            if self._process is None:
                self._spawn()
            if isinstance(command, Start | Step):
                self._active_run = self._last_run = command.run_id
            assert self._commands is not None
            with contextlib.suppress(OSError):
                self._commands.send(command)

    def next_event(self, timeout: float | None = None) -> Event | None:
        """Block until the child's next event (without holding the interpreter lock).

        Returns:
            The event; a ``ChildCrashed`` when the child died (a new one is started); None after
            ``close()``, or when ``timeout`` seconds passed without an event.
        """
        while True:
            with self._lock:
                if self._closed or self._events is None:
                    return None
                events = self._events
                self._readers += 1
            try:
                if timeout is not None and not events.poll(timeout):
                    return None
                event: Event = events.recv()
            except (EOFError, OSError):
                with self._lock:
                    if self._closed:
                        events.close()
                        return None
                    if events is not self._events:
                        continue  # another reader already replaced the child
                    return self._replace_crashed(events)
            finally:
                with self._lock:
                    self._readers -= 1
            if isinstance(event, FINAL_EVENTS) and event.run_id == self._active_run:
                self._active_run = None
            return event

    def _replace_crashed(self, events: Connection) -> ChildCrashed:
        process = self._process
        assert process is not None
        process.join(1.0)
        if process.is_alive():
            process.kill()
            process.join(1.0)
        code = process.exitcode
        if code is not None and code < 0:
            try:
                how = f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"was killed by signal {-code}"
        else:
            how = f"exited with status {code}"
        message = f"The training process {how}; a new one has been started."
        last_words = self._last_words()
        if last_words:
            message += f" Its last words: {last_words}"
        run_id = self._active_run if self._active_run is not None else self._last_run
        self._active_run = None
        events.close()
        if self._commands is not None:
            self._commands.close()
        self.restarts += 1
        self._spawn()
        return ChildCrashed(run_id, message)

    def _last_words(self) -> str:
        if self._log_path is None:
            return ""
        try:
            with open(self._log_path, "rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(log.tell() - 4096, 0))
                tail = log.read().decode("utf-8", errors="replace")
        except OSError:
            return ""
        lines = [line.strip() for line in tail.splitlines() if line.strip()]
        return lines[-1][:300] if lines else ""

    def close(self) -> None:
        """Ask the child to leave, kill it if it has not within a moment, and clean up.

        Safe to call twice, and while another thread waits in ``next_event`` (which then
        returns None).
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            process, commands = self._process, self._commands
            if commands is not None:
                with contextlib.suppress(OSError):
                    commands.send(Shutdown())
                commands.close()
        if process is not None:
            process.join(QUIT_GRACE_SECONDS)
            if process.is_alive():
                process.kill()
                process.join(1.0)
            with contextlib.suppress(ValueError):
                process.close()
        with self._lock:
            if self._readers == 0 and self._events is not None:
                self._events.close()
        if self._log_path is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._log_path)

    def __enter__(self) -> TrainingProcess:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
