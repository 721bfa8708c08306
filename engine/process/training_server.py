"""A training process: the window runs the engine here so that painting plots and training never compete
for one interpreter lock. Plain multiprocessing (spawn), no Qt.

The protocol (typed messages over a Pipe, columns as raw bytes) is described in engine/process/messages.py.
Exports run here too, so the window process never imports torch (and never competes with it for a lock).
Stop, pause and the pace are shared numbers the trainer reads at every step, so they act within one step
without a message round trip. The runs of the latest TrainRequest stay here after they end, so Continue
and Step advance them with their optimizer state. A thread of its own sends a heartbeat twice a second, so
the window can tell a long step or export from a stopped or hung process.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import traceback
from collections.abc import Callable
from functools import partial
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from engine.process.messages import (
    HEARTBEAT_INTERVAL_S,
    ContinueRequest,
    Exported,
    ExportFailed,
    ExportRequest,
    Heartbeat,
    Progress,
    QuitRequest,
    Ready,
    Reply,
    RunFailed,
    RunResult,
    TrainRequest,
    describe,
)
from engine.training.results import TrainingResult

if TYPE_CHECKING:
    from engine.training.trainer import TrainingRun

log = logging.getLogger(__name__)
T = TypeVar("T")
# The shared flags: a RawArray(FLAGS_TYPECODE, FLAG_COUNT). STOP holds the newest job id to stop (a job
# stops when its id is at most that, so a stop that arrives late never stops the next job); PAUSE is 0 or
# 1; PACE is the pace in thousandths of a step per second (0: as fast as possible).
STOP, PAUSE, PACE = 0, 1, 2
FLAG_COUNT = 3
FLAGS_TYPECODE = "q"
PACE_SCALE = 1000
_PAUSE_POLL_S = 0.02
CHILD_NICENESS = 5  # added to the training process's niceness: below the window, above other programs' batch jobs


class SharedFlagsControl:
    """TrainingControl's interface for run `run_id`, over shared memory written by another process."""

    def __init__(self, flags: Any, run_id: int) -> None:
        self.flags = flags
        self.run_id = run_id
        self._slots = memoryview(flags).cast("B").cast("q")  # read every step: cheaper than ctypes

    @property
    def stop_requested(self) -> bool:
        return self._slots[STOP] >= self.run_id

    @property
    def paused(self) -> bool:
        return self._slots[PAUSE] != 0 and not self.stop_requested

    def wait_while_paused(self) -> None:
        import time

        while self.paused:
            time.sleep(_PAUSE_POLL_S)

    @property
    def steps_per_second(self) -> float:
        """The pace the window asks for now (engine.training.pacing.Pace)."""
        return self._slots[PACE] / PACE_SCALE


class LockedSender:
    """The loop and the heartbeat thread share one Connection: a lock keeps each message whole."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._lock = threading.Lock()

    def send(self, message: Reply) -> None:
        with self._lock:
            self.connection.send(message)


def _beat(sender: LockedSender, done: threading.Event) -> None:
    """Send a heartbeat now and every HEARTBEAT_INTERVAL_S until `done` or the window's end closes."""
    while True:
        try:
            sender.send(Heartbeat())
        except (OSError, ValueError):  # the window is gone (or closed its end): nobody to tell
            return
        if done.wait(HEARTBEAT_INTERVAL_S):
            return


def _yield_to_the_window() -> None:
    """Run a little below the window's priority: where the cores are all busy, the window paints its frame
    first and training waits a moment, rather than the other way round. An idle core still trains at full
    speed (a priority only orders who waits)."""
    if hasattr(os, "nice"):
        try:
            os.nice(CHILD_NICENESS)
        except OSError as error:  # not allowed here: train at the window's priority
            log.debug("could not lower the training process's priority: %s", error)


def serve(connection: Connection, flags: Any) -> None:
    """The child process's main loop: announce the devices, then train or export whatever is asked, in
    order, until a QuitRequest or the window's end of the pipe closes. The heartbeat starts first, so
    the window hears from the process while torch is imported and warmed up too."""
    _yield_to_the_window()
    sender = LockedSender(connection)
    done = threading.Event()
    heart = threading.Thread(target=_beat, args=(sender, done), name="gds-heartbeat", daemon=True)
    heart.start()
    try:
        _serve(connection, sender, flags)
    finally:
        done.set()
        heart.join(HEARTBEAT_INTERVAL_S * 4)
        # Close now, not at exit: the window then knows this process is on its way out while torch's
        # teardown still takes a second, and waits for it instead of killing it.
        connection.close()


def _serve(connection: Connection, sender: LockedSender, flags: Any) -> None:
    import torch

    from engine.data.points import PointSet
    from engine.training.devices import list_devices
    from engine.training.trainer import train

    # Leave one core to the window: with every core busy in torch's thread pool the GUI stutters.
    torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))
    train(PointSet.seed())  # warm up: the first real run starts at full speed
    sender.send(Ready([(device.id, device.label) for device in list_devices()]))
    held: dict[int, TrainingRun] = {}  # the latest TrainRequest's runs, for Continue and Step
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        match message:
            case QuitRequest():
                return
            case TrainRequest(job_id, run_ids, configs, steps):
                # Read the columns before anything can fail, so the pipe stays in step with the window.
                x = np.frombuffer(connection.recv_bytes(), dtype=np.float64)
                y = np.frombuffer(connection.recv_bytes(), dtype=np.float64)
                held.clear()  # one set of runs at a time: the device memory of older ones is freed
                _train_job(sender, SharedFlagsControl(flags, job_id), job_id, run_ids,
                           partial(_build_runs, configs, x, y, run_ids, held), {"steps": steps})
            case ContinueRequest(job_id, run_ids, epochs, steps):
                _train_job(sender, SharedFlagsControl(flags, job_id), job_id, run_ids,
                           partial(_held_runs, held, run_ids), {"epochs": epochs, "steps": steps})
            case ExportRequest(job_id, result, path):
                _answer(sender, job_id, partial(_export, result, path), Exported, ExportFailed, "Export")
            case _:
                log.warning("ignoring an unknown message from the window: %s", describe(message))


def _build_runs(configs: tuple[dict[str, Any], ...], x: np.ndarray, y: np.ndarray, run_ids: tuple[int, ...],
                held: dict[int, TrainingRun]) -> list[TrainingRun]:
    """The runs of a TrainRequest, held for Continue and Step. Imports are local (as in serve): the window
    process imports this module and must never import torch."""
    from engine.data.points import PointSet
    from engine.training.config import TrainingConfig
    from engine.training.trainer import TrainingRun

    points = PointSet.from_columns(x, y, validate=False)
    runs = [TrainingRun(points, TrainingConfig.from_dict(config)) for config in configs]
    held.update(zip(run_ids, runs, strict=True))
    return runs


def _held_runs(held: dict[int, TrainingRun], run_ids: tuple[int, ...]) -> list[TrainingRun]:
    from engine.errors import EngineError

    if any(run_id not in held or not held[run_id].can_advance for run_id in run_ids):
        raise EngineError("That run can no longer be continued: the training process no longer holds it "
                          "(a newer run replaced it, it diverged, or the process was restarted). Press Train "
                          "to start a new run.")
    return [held[run_id] for run_id in run_ids]


def _send_progress(sender: LockedSender, job_id: int, run_id: int, batch: Any) -> None:
    sender.send(Progress(job_id, run_id, batch))


def _train_job(sender: LockedSender, control: SharedFlagsControl, job_id: int, run_ids: tuple[int, ...],
               get_runs: Callable[[], list[TrainingRun]], advance_by: dict[str, Any]) -> None:
    """Advance the job's runs in lockstep at the window's pace; answer RunResult or RunFailed for each.
    Never raises: the window shows the message and stays usable."""
    from engine.errors import EngineError
    from engine.training.trainer import train_together

    try:
        runs = get_runs()
        for run_id, run in zip(run_ids, runs, strict=True):
            run.loop.on_progress = partial(_send_progress, sender, job_id, run_id)  # this job's id
            run.plan(**advance_by)
        results = train_together(runs, control, control)
    except EngineError as error:
        for run_id in run_ids:
            sender.send(RunFailed(job_id, run_id, str(error)))
        return
    except Exception as error:  # noqa: BLE001
        log.error("Training failed\n%s", traceback.format_exc())
        for run_id in run_ids:
            sender.send(RunFailed(job_id, run_id, f"Training failed unexpectedly: {type(error).__name__}: {error}"))
        return
    for run_id, run, result in zip(run_ids, runs, results, strict=True):
        # The window already has every loss from the progress batches; sending the history again would
        # pickle 80 MB through the pipe at the end of a 10-million-epoch run.
        sender.send(RunResult(job_id, run_id, dataclasses.replace(result, loss_history=np.empty(0)),
                              can_continue=run.can_advance))


def _export(result: TrainingResult, path: str) -> str:
    """Write one model file; the path goes back in Exported so the window can name it."""
    from engine.files.model_export import export_model

    export_model(result, path)
    return path


def _answer(sender: LockedSender, job_id: int, work: Callable[[], T], done: Callable[[int, T], Reply],
            failed: Callable[[int, str], Reply], activity: str) -> None:
    """Run one job and send done(job_id, value) or failed(job_id, message). Never raises: the window
    shows the message and stays usable."""
    from engine.errors import EngineError

    try:
        value = work()
    except EngineError as error:
        sender.send(failed(job_id, str(error)))
    except Exception as error:  # noqa: BLE001
        log.error("%s failed\n%s", activity, traceback.format_exc())
        sender.send(failed(job_id, f"{activity} failed unexpectedly: {type(error).__name__}: {error}"))
    else:
        sender.send(done(job_id, value))
