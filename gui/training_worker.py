"""Training off the GUI thread: a QObject worker moved to a QThread, and the runner that owns them.

The worker trains on a snapshot of the points taken when Train was pressed. The engine already batches
its progress (at most ~30 batches a second), so each batch becomes one queued signal. Stop and pause go
through the engine's cooperative TrainingControl; nothing is ever terminated.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.config import TrainingConfig
from engine.errors import EngineError
from engine.points import PointSet
from engine.training_types import ProgressBatch, TrainingControl

log = logging.getLogger(__name__)


class TrainingWorker(QObject):
    progress = Signal(object)  # ProgressBatch
    finished = Signal(object)  # TrainingResult
    failed = Signal(str)  # a message for the user
    done = Signal()  # after finished or failed: the thread may quit

    def __init__(self, points: PointSet, config: TrainingConfig) -> None:
        super().__init__()  # no parent, or moveToThread fails
        self.points = points
        self.config = config
        self.control = TrainingControl()

    @Slot()
    def run(self) -> None:
        try:
            from engine.trainer import train

            result = train(self.points, self.config, on_progress=self._emit_progress, control=self.control)
            self.finished.emit(result)
        except EngineError as error:
            self.failed.emit(str(error))
        except Exception as error:  # noqa: BLE001 - shown to the user, logged with its traceback
            log.exception("training failed")
            self.failed.emit(f"Training failed unexpectedly: {type(error).__name__}: {error}")
        finally:
            self.done.emit()

    def _emit_progress(self, batch: ProgressBatch) -> None:
        self.progress.emit(batch)


class TrainingRunner(QObject):
    """Starts one training run at a time and forwards its signals to the GUI thread."""

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    runningChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._control: TrainingControl | None = None  # kept apart: the worker is deleted when done

    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, points: PointSet, config: TrainingConfig) -> None:
        if self._thread is not None:
            raise RuntimeError("a training run is already in progress")
        thread = QThread()
        thread.setObjectName("training")
        worker = TrainingWorker(points, config)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self.progress)
        worker.finished.connect(self.finished)
        worker.failed.connect(self.failed)
        worker.done.connect(thread.quit)
        worker.done.connect(worker.deleteLater)
        thread.finished.connect(self._on_thread_finished)
        thread.finished.connect(thread.deleteLater)
        self._thread, self._worker, self._control = thread, worker, worker.control
        thread.start()
        self.runningChanged.emit(True)

    def stop(self) -> None:
        if self._control is not None:
            self._control.request_stop()

    def set_paused(self, paused: bool) -> None:
        if self._control is not None:
            if paused:
                self._control.pause()
            else:
                self._control.resume()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop the run and wait for its thread (closing the window). True when it has ended."""
        thread = self._thread
        if thread is None:
            return True
        self.stop()
        return thread.wait(timeout_ms)

    def _on_thread_finished(self) -> None:
        self._thread = None
        self._worker = None
        self._control = None
        self.runningChanged.emit(False)
