"""Training off the GUI thread and out of the GUI's interpreter.

The engine runs in a child process (engine/process/training_server.py): pyqtgraph paints in Python while
holding the interpreter lock, and an in-process training thread measured 8x slower while the plots
streamed. A QObject worker moved to a QThread reads the child's pipe and turns each message (the typed
classes of engine/process/messages.py) into a queued signal; the engine already batches progress (~30
batches a second), so the GUI gets batches, not epochs. The child is started once, in the background, and
reused: it imports torch and warms the training path before the first Train, and it reports the
machine's devices.

Stop and pause are shared bytes the trainer reads at every step. Nothing is ever terminated, except a
child that ignores a quit request at shutdown.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import threading
from multiprocessing.connection import Connection
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from engine.data.points import PointSet
from engine.process.messages import (
    Exported,
    ExportFailed,
    ExportRequest,
    Progress,
    QuitRequest,
    Ready,
    Request,
    RunFailed,
    RunResult,
    TrainRequest,
    describe,
)
from engine.process.training_server import PAUSE, STOP, serve
from engine.training.config import TrainingConfig
from engine.training.loss_history import GrowingBuffer
from engine.training.results import TrainingResult

log = logging.getLogger(__name__)
QUIT_TIMEOUT_S = 5.0


class PipeReader(QObject):
    """The worker: lives in a QThread, blocks on the pipe (without the interpreter lock), emits."""

    message = Signal(object)
    closed = Signal()

    def __init__(self, connection: Connection) -> None:
        super().__init__()  # no parent, or moveToThread fails
        self.connection = connection

    @Slot()
    def run(self) -> None:
        while True:
            try:
                message = self.connection.recv()
            except (EOFError, OSError):
                break
            self.message.emit(message)
        self.closed.emit()


class TrainingRunner(QObject):
    """One training run at a time, in a reusable child process."""

    progress = Signal(object)  # ProgressBatch
    finished = Signal(object)  # TrainingResult
    failed = Signal(str)  # a message for the user
    runningChanged = Signal(bool)
    devicesReady = Signal(list)  # [(device id, label)]
    exported = Signal(str)  # the path written
    exportFailed = Signal(str)  # a message for the user

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = multiprocessing.get_context("spawn")  # never fork a process that runs Qt
        self._process: Any = None
        self._connection: Connection | None = None
        self._flags: Any = None
        self._thread: QThread | None = None
        self._next_run_id = 0
        self._active_run: int | None = None
        self._reader: PipeReader | None = None
        self._send_lock = threading.Lock()  # the columns' writer thread and the GUI thread share the pipe
        self._writer: threading.Thread | None = None
        self._losses = GrowingBuffer()  # the active run's loss per epoch, from its progress batches

    # --- public ----------------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._active_run is not None

    def is_alive(self) -> bool:
        """A child process or its reader thread still exists (tests use this to catch leaks)."""
        return self._thread is not None or (self._process is not None and self._process.is_alive())

    def child_pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def prepare(self) -> None:
        """Start the child now (after the window is shown) so the first Train does not wait for torch."""
        self._ensure_process()

    def start(self, points: PointSet, config: TrainingConfig) -> None:
        if self._active_run is not None:
            raise RuntimeError("a training run is already in progress")
        self._ensure_process()
        assert self._connection is not None
        self._flags[STOP] = 0
        self._flags[PAUSE] = 0
        self._next_run_id += 1
        self._active_run = self._next_run_id
        # Room for the whole run up front (pages are only touched as losses arrive): growing by copying
        # would stall the window for ~40 ms at every doubling past a few million epochs.
        self._losses = GrowingBuffer(min(config.epochs, 1 << 24))
        self._writer = threading.Thread(target=self._send_run, name="gds-send-points", daemon=True,
                                        args=(self._connection, self._active_run, points, config))
        self._writer.start()
        self.runningChanged.emit(True)

    def _send_run(self, connection: Connection, run_id: int, points: PointSet, config: TrainingConfig) -> None:
        """In a thread: the pipe takes a million points in tens of milliseconds, paced by the child's reads,
        and the window must not wait for that. A child that died meanwhile is reported by the reader."""
        try:
            with self._send_lock:
                connection.send(TrainRequest(run_id, config.to_dict()))
                connection.send_bytes(points.x.data)
                connection.send_bytes(points.y.data)
        except OSError as error:
            log.warning("could not hand the points to the training process: %s", error)

    def _send(self, message: Request) -> None:
        with self._send_lock:
            assert self._connection is not None
            self._connection.send(message)

    def export(self, result: TrainingResult, path: str) -> None:
        """Write a model file in the child process (torch.export takes a second or two); queued behind a
        run in progress. Answered by `exported` or `exportFailed`."""
        self._ensure_process()
        assert self._connection is not None
        self._next_run_id += 1
        self._send(ExportRequest(self._next_run_id, result, path))

    def stop(self) -> None:
        if self._flags is not None and self._active_run is not None:
            self._flags[STOP] = 1

    def set_paused(self, paused: bool) -> None:
        if self._flags is not None:
            self._flags[PAUSE] = int(paused)

    def shutdown(self, timeout_s: float = QUIT_TIMEOUT_S) -> bool:
        """Stop any run, end the child and the reader thread, and wait for both (closing the window)."""
        process, thread = self._process, self._thread
        if process is None:
            return True
        self.stop()
        try:
            if self._connection is not None:
                self._send(QuitRequest())
        except OSError:
            pass
        if self._writer is not None:
            self._writer.join(timeout_s)
            self._writer = None
        process.join(timeout_s)
        if process.is_alive():
            log.warning("the training process did not quit; terminating it")
            process.terminate()
            process.join(timeout_s)
        ended = thread.wait(int(timeout_s * 1000)) if thread is not None else True
        if self._connection is not None:
            self._connection.close()
        self._process = None
        self._connection = None
        self._active_run = None
        if ended:
            self._thread = None  # its queued finished signal may arrive later; it finds nothing to do
        return ended and not process.is_alive()

    # --- internals -------------------------------------------------------------------------------------
    def _ensure_process(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        parent_end, child_end = self._context.Pipe()
        self._flags = self._context.RawArray("b", 2)
        self._process = self._context.Process(target=serve, args=(child_end, self._flags), daemon=True,
                                              name="gds-training")
        self._process.start()
        child_end.close()
        self._connection = parent_end
        thread = QThread()
        thread.setObjectName("training-pipe")
        reader = PipeReader(parent_end)
        reader.moveToThread(thread)
        thread.started.connect(reader.run)
        reader.message.connect(self._on_message)
        # Direct: QThread.quit is thread-safe, and a queued call would wait for a GUI thread that may be
        # blocked in shutdown()'s wait().
        reader.closed.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        reader.closed.connect(reader.deleteLater)
        thread.finished.connect(self._on_reader_finished)
        thread.finished.connect(thread.deleteLater)
        self._thread = thread
        self._reader = reader  # kept until the thread has finished
        thread.start()

    def _on_message(self, message: object) -> None:
        """Turn one reply into a signal; replies of a run that already ended are dropped."""
        match message:
            case Ready(devices):
                self.devicesReady.emit(list(devices))
            case Exported(_, path):
                self.exported.emit(path)
            case ExportFailed(_, text):
                self.exportFailed.emit(text)
            case Progress(run_id) | RunResult(run_id) | RunFailed(run_id) if run_id != self._active_run:
                pass  # a late message of a run already ended
            case Progress(_, batch):
                self._losses.extend(batch.losses)
                self.progress.emit(batch)
            case RunResult(_, result):
                self._end_run()
                history, self._losses = self._losses.view(), GrowingBuffer()
                self.finished.emit(dataclasses.replace(result, loss_history=history))
            case RunFailed(_, text):
                self._end_run()
                self.failed.emit(text)
            case _:
                log.warning("ignoring an unknown message from the training process: %s", describe(message))

    def _end_run(self) -> None:
        self._active_run = None
        self.runningChanged.emit(False)

    def _on_reader_finished(self) -> None:
        self._thread = None
        self._reader = None
        process = self._process
        if self._active_run is not None:  # the child died in the middle of a run
            self._active_run = None
            code = process.exitcode if process is not None else None
            self._process = None
            self.runningChanged.emit(False)
            self.failed.emit(f"The training process stopped unexpectedly (exit code {code}). Nothing else "
                             "was lost; press Train to start again.")
