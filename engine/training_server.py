"""A training process: the GUI runs the engine here so that painting plots and training never compete
for one interpreter lock. Plain multiprocessing (spawn), no Qt.

Protocol over a Pipe. In: ("train", run_id, x, y, config_dict), ("export", job_id, TrainingResult, path)
and ("quit",). Out: ("ready", devices), ("progress", run_id, ProgressBatch), ("result", run_id,
TrainingResult), ("error", run_id, message), ("exported", job_id, path), ("export_error", job_id, message).
Exports run here too, so the GUI process never imports torch (and never competes with it for a lock).
Stop and pause are two shared bytes the trainer reads at every step, so they act within one step
without a message round trip.
"""

from __future__ import annotations

import logging
import os
import traceback
from multiprocessing.connection import Connection
from typing import Any

STOP, PAUSE = 0, 1
_PAUSE_POLL_S = 0.02


class SharedFlagsControl:
    """TrainingControl's interface over shared memory written by another process."""

    def __init__(self, flags: Any) -> None:
        self.flags = flags

    @property
    def stop_requested(self) -> bool:
        return bool(self.flags[STOP])

    @property
    def paused(self) -> bool:
        return bool(self.flags[PAUSE]) and not self.flags[STOP]

    def wait_while_paused(self) -> None:
        import time

        while self.paused:
            time.sleep(_PAUSE_POLL_S)


def serve(connection: Connection, flags: Any) -> None:
    """The child process's main loop: announce the devices, then train whatever is asked, in order."""
    import torch

    from engine.devices import list_devices
    from engine.points import PointSet
    from engine.trainer import train

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
            _, run_id, x, y, config = message
            _train_one(connection, control, run_id, x, y, config)
        elif message[0] == "export":
            _, job_id, result, path = message
            _export_one(connection, job_id, result, path)


def _export_one(connection: Connection, job_id: int, result: Any, path: str) -> None:
    from engine.errors import EngineError
    from engine.export import export_model

    try:
        export_model(result, path)
        connection.send(("exported", job_id, path))
    except EngineError as error:
        connection.send(("export_error", job_id, str(error)))
    except Exception as error:  # noqa: BLE001 - reported to the GUI, which shows it and stays usable
        logging.getLogger(__name__).error("export failed\n%s", traceback.format_exc())
        connection.send(("export_error", job_id, f"Export failed: {type(error).__name__}: {error}"))


def _train_one(connection: Connection, control: SharedFlagsControl, run_id: int, x: Any, y: Any,
               config: dict[str, Any]) -> None:
    from engine.config import TrainingConfig
    from engine.errors import EngineError
    from engine.points import PointSet
    from engine.trainer import train

    try:
        result = train(PointSet.from_columns(x, y, validate=False), TrainingConfig.from_dict(config),
                       on_progress=lambda batch: connection.send(("progress", run_id, batch)), control=control)
        connection.send(("result", run_id, result))
    except EngineError as error:
        connection.send(("error", run_id, str(error)))
    except Exception as error:  # noqa: BLE001 - reported to the GUI, which shows it and stays usable
        logging.getLogger(__name__).error("training failed\n%s", traceback.format_exc())
        connection.send(("error", run_id, f"Training failed unexpectedly: {type(error).__name__}: {error}"))
