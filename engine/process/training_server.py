"""A training process: the GUI runs the engine here so that painting plots and training never compete
for one interpreter lock. Plain multiprocessing (spawn), no Qt.

Protocol over a Pipe. In: ("train", run_id, config_dict) followed by two raw byte messages, the x and
y columns as float64 (no pickling: a million points cross in a few milliseconds, written by a thread of
the GUI's so the window never waits for the pipe); ("export", job_id, TrainingResult, path); ("quit",).
Out: ("ready", devices), ("progress", run_id, ProgressBatch), ("result", run_id, TrainingResult without
its loss history, which the GUI assembles from the progress batches),
("error", run_id, message), ("exported", job_id, path), ("export_error", job_id, message).
Exports run here too, so the GUI process never imports torch (and never competes with it for a lock).
Stop and pause are two shared bytes the trainer reads at every step, so they act within one step
without a message round trip.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

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
    """The child process's main loop: announce the devices, then train whatever is asked, in order."""
    import torch

    from engine.data.points import PointSet
    from engine.files.model_export import export_model
    from engine.training.config import TrainingConfig
    from engine.training.devices import list_devices
    from engine.training.trainer import train

    # Leave one core to the window: with every core busy in torch's thread pool the GUI stutters.
    torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))
    train(PointSet.seed())  # warm up: the first real run starts at full speed
    connection.send(("ready", [(device.id, device.label) for device in list_devices()]))
    control = SharedFlagsControl(flags)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message[0] == "quit":
            return
        if message[0] == "train":
            _, run_id, config = message
            x = np.frombuffer(connection.recv_bytes(), dtype=np.float64)
            y = np.frombuffer(connection.recv_bytes(), dtype=np.float64)

            def run(run_id: int = run_id, x: Any = x, y: Any = y, config: dict[str, Any] = config) -> Any:
                result = train(PointSet.from_columns(x, y, validate=False), TrainingConfig.from_dict(config),
                               on_progress=lambda batch: connection.send(("progress", run_id, batch)),
                               control=control)
                # The window already has every loss from the progress batches; sending the history again
                # would pickle 80 MB through the pipe at the end of a 10-million-epoch run.
                return dataclasses.replace(result, loss_history=np.empty(0))

            _answer(connection, run_id, run, "result", "error", "Training")
        elif message[0] == "export":
            _, job_id, result, path = message

            def write(result: Any = result, path: str = path) -> str:
                export_model(result, path)
                return path

            _answer(connection, job_id, write, "exported", "export_error", "Export")


def _answer(connection: Connection, job_id: int, work: Callable[[], Any], done: str, failed: str,
            activity: str) -> None:
    """Run one job and send (done, job_id, value) or (failed, job_id, message). Never raises: the GUI
    shows the message and stays usable."""
    from engine.errors import EngineError

    try:
        value = work()
    except EngineError as error:
        connection.send((failed, job_id, str(error)))
    except Exception as error:  # noqa: BLE001
        logging.getLogger(__name__).error("%s failed\n%s", activity, traceback.format_exc())
        connection.send((failed, job_id, f"{activity} failed unexpectedly: {type(error).__name__}: {error}"))
    else:
        connection.send((done, job_id, value))
