"""A training process: the window runs the engine here so that painting plots and training never compete
for one interpreter lock. Plain multiprocessing (spawn), no Qt.

The protocol (typed messages over a Pipe, columns as raw bytes) is described in engine/process/messages.py.
Exports run here too, so the window process never imports torch (and never competes with it for a lock).
Stop and pause are two shared bytes the trainer reads at every step, so they act within one step
without a message round trip.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import traceback
from collections.abc import Callable
from functools import partial
from multiprocessing.connection import Connection
from typing import Any, TypeVar

import numpy as np

from engine.process.messages import (
    Exported,
    ExportFailed,
    ExportRequest,
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

log = logging.getLogger(__name__)
T = TypeVar("T")
STOP, PAUSE = 0, 1
_PAUSE_POLL_S = 0.02


class SharedFlagsControl:
    """TrainingControl's interface over shared memory written by another process."""

    def __init__(self, flags: Any) -> None:
        self.flags = flags
        self._bytes = memoryview(flags).cast("B")  # read every step: a memoryview is cheaper than ctypes

    @property
    def stop_requested(self) -> bool:
        return self._bytes[STOP] != 0

    @property
    def paused(self) -> bool:
        return self._bytes[PAUSE] != 0 and self._bytes[STOP] == 0

    def wait_while_paused(self) -> None:
        import time

        while self.paused:
            time.sleep(_PAUSE_POLL_S)


def serve(connection: Connection, flags: Any) -> None:
    """The child process's main loop: announce the devices, then train or export whatever is asked, in
    order, until a QuitRequest or the window's end of the pipe closes."""
    import torch

    from engine.data.points import PointSet
    from engine.training.devices import list_devices
    from engine.training.trainer import train

    # Leave one core to the window: with every core busy in torch's thread pool the GUI stutters.
    torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))
    train(PointSet.seed())  # warm up: the first real run starts at full speed
    connection.send(Ready([(device.id, device.label) for device in list_devices()]))
    control = SharedFlagsControl(flags)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        match message:
            case QuitRequest():
                return
            case TrainRequest(run_id, config):
                # Read the columns before anything can fail, so the pipe stays in step with the window.
                x = np.frombuffer(connection.recv_bytes(), dtype=np.float64)
                y = np.frombuffer(connection.recv_bytes(), dtype=np.float64)
                _answer(connection, run_id, partial(_run, connection, control, run_id, config, x, y),
                        RunResult, RunFailed, "Training")
            case ExportRequest(job_id, result, path):
                _answer(connection, job_id, partial(_export, result, path), Exported, ExportFailed, "Export")
            case _:
                log.warning("ignoring an unknown message from the window: %s", describe(message))


def _run(connection: Connection, control: SharedFlagsControl, run_id: int, config: dict[str, Any],
         x: np.ndarray, y: np.ndarray) -> TrainingResult:
    """Train one run, streaming its progress batches to the window. Imports are local (as in serve): the
    window process imports this module for `serve` and must never import torch."""
    from engine.data.points import PointSet
    from engine.training.config import TrainingConfig
    from engine.training.trainer import train

    result = train(PointSet.from_columns(x, y, validate=False), TrainingConfig.from_dict(config),
                   on_progress=lambda batch: connection.send(Progress(run_id, batch)), control=control)
    # The window already has every loss from the progress batches; sending the history again would
    # pickle 80 MB through the pipe at the end of a 10-million-epoch run.
    return dataclasses.replace(result, loss_history=np.empty(0))


def _export(result: TrainingResult, path: str) -> str:
    """Write one model file; the path goes back in Exported so the window can name it."""
    from engine.files.model_export import export_model

    export_model(result, path)
    return path


def _answer(connection: Connection, job_id: int, work: Callable[[], T], done: Callable[[int, T], Reply],
            failed: Callable[[int, str], Reply], activity: str) -> None:
    """Run one job and send done(job_id, value) or failed(job_id, message). Never raises: the window
    shows the message and stays usable."""
    from engine.errors import EngineError

    try:
        value = work()
    except EngineError as error:
        connection.send(failed(job_id, str(error)))
    except Exception as error:  # noqa: BLE001
        log.error("%s failed\n%s", activity, traceback.format_exc())
        connection.send(failed(job_id, f"{activity} failed unexpectedly: {type(error).__name__}: {error}"))
    else:
        connection.send(done(job_id, value))
