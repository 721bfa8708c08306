"""Training off the GUI thread and out of the GUI's interpreter.

The engine runs in a child process (engine/process/training_server.py, started by training_child.py):
pyqtgraph paints in Python while holding the interpreter lock, and an in-process training thread measured
8x slower while the plots streamed. Replies arrive as queued signals from a reader thread; the engine
already batches progress (~30 batches a second), so the GUI gets batches, not epochs. The child is started
once, in the background, and reused: it imports torch and warms the training path before the first
Train, and it reports the machine's devices.

The child may hang or die; the window never does. Every send goes through a writer thread; a watch
(process_watch.py) raises `unresponsive` when the child's heartbeat stops; a stop that the child does not
confirm within STOP_CONFIRM_S ends the run here with what it trained; restart() replaces the child; exports
in flight when a child ends are reported by name and sent again to the next one.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import time
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Signal

from engine.data.points import PointSet
from engine.process.messages import (
    Exported,
    ExportFailed,
    ExportRequest,
    Progress,
    Ready,
    RunFailed,
    RunResult,
    TrainRequest,
    describe,
)
from engine.process.training_server import PAUSE, STOP
from engine.training.config import TrainingConfig
from engine.training.loss_history import GrowingBuffer
from engine.training.results import ProgressBatch, TrainingResult
from gui.session.lost_work import PendingExport, lost_exports_message, result_so_far
from gui.session.process_watch import ProcessWatch
from gui.session.training_child import TrainingChild

log = logging.getLogger(__name__)
STOP_CONFIRM_S = 2.0


class TrainingRunner(QObject):
    """One training run at a time, in a reusable child process."""

    progress = Signal(object)  # ProgressBatch
    finished = Signal(object)  # TrainingResult
    failed = Signal(str)  # a message for the user
    runningChanged = Signal(bool)
    devicesReady = Signal(list)  # [(device id, label)]
    exported = Signal(str)  # the path written
    exportFailed = Signal(str)  # a message for the user
    exportsLost = Signal(str)  # the child ended with exports in hand and no run: a message for the user
    unresponsive = Signal()  # the child stopped answering (restart() replaces it)
    responsive = Signal()  # it answers again, or it was replaced

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = multiprocessing.get_context("spawn")  # never fork a process that runs Qt
        self._child: TrainingChild | None = None
        self._lingering: list[TrainingChild] = []  # ended without proof (never in practice): is_alive says so
        self._generation = 0
        self._ready = False  # the current child announced its devices (it is warm and reads requests)
        self._next_run_id = 0
        self._active_run: int | None = None
        self._active_config: TrainingConfig | None = None
        self._started_at = 0.0
        self._first_batch: ProgressBatch | None = None
        self._last_batch: ProgressBatch | None = None
        self._losses = GrowingBuffer()  # the active run's loss per epoch, from its progress batches
        self._exports: dict[int, PendingExport] = {}  # sent to the child and not answered yet
        self._unconfirmed_stop: int | None = None  # a run ended here whose stop the child never confirmed
        self._stop_timer = QTimer(self)
        self._stop_timer.setSingleShot(True)
        self._stop_timer.setInterval(int(STOP_CONFIRM_S * 1000))
        self._stop_timer.timeout.connect(self._on_stop_unconfirmed)
        self.watch = ProcessWatch(self)
        self.watch.unresponsive.connect(self.unresponsive)
        self.watch.responsive.connect(self.responsive)

    # --- public ----------------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._active_run is not None

    def is_alive(self) -> bool:
        """A child process or one of its pipe threads still exists (tests use this to catch leaks)."""
        children = [*self._lingering, *([self._child] if self._child is not None else [])]
        return any(child.is_alive() for child in children)

    def is_unresponsive(self) -> bool:
        return self.watch.is_unresponsive()

    def child_pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    @property
    def _process(self) -> Any:
        """The current child's multiprocessing.Process (tests inspect it)."""
        return self._child.process if self._child is not None else None

    @property
    def _thread(self) -> QThread | None:
        """The current child's reader thread (tests inspect it)."""
        return self._child.thread if self._child is not None else None

    def pending_exports(self) -> list[str]:
        """The paths of the exports sent and not answered yet."""
        return [pending.path for pending in self._exports.values()]

    def prepare(self) -> None:
        """Start the child now (after the window is shown) so the first Train does not wait for torch."""
        self._ensure_process()

    def start(self, points: PointSet, config: TrainingConfig) -> None:
        if self._active_run is not None:
            raise RuntimeError("a training run is already in progress")
        child = self._ensure_process()
        child.flags[PAUSE] = 0
        self._next_run_id += 1
        self._active_run = self._next_run_id
        self._active_config = config
        self._started_at = time.perf_counter()
        self._first_batch = self._last_batch = None
        # Room for the whole run up front (pages are only touched as losses arrive): growing by copying
        # would stall the window for ~40 ms at every doubling past a few million epochs.
        self._losses = GrowingBuffer(min(config.epochs, 1 << 24))
        # The writer thread sends it: a million points take tens of milliseconds, paced by the child's reads.
        child.writer.send(TrainRequest(self._active_run, config.to_dict()), points.x.data, points.y.data)
        self.runningChanged.emit(True)

    def export(self, result: TrainingResult, path: str) -> None:
        """Write a model file in the child process (torch.export takes a second or two); queued behind a
        run in progress. Answered by `exported` or `exportFailed`; kept until then, so a child that ends
        first does not lose it."""
        child = self._ensure_process()
        self._next_run_id += 1
        # Exports need the parameters, not the loss per epoch (80 MB after ten million epochs).
        pending = PendingExport(dataclasses.replace(result, loss_history=np.empty(0)), path)
        self._exports[self._next_run_id] = pending
        child.writer.send(ExportRequest(self._next_run_id, pending.result, path))

    def stop(self) -> None:
        """Ask the child to stop the run; if it does not confirm within STOP_CONFIRM_S, the run ends here."""
        if self._child is None or self._active_run is None:
            return
        self._child.flags[STOP] = self._active_run
        if not self._stop_timer.isActive():
            self._stop_timer.start()

    def set_paused(self, paused: bool) -> None:
        if self._child is not None:
            self._child.flags[PAUSE] = int(paused)

    def restart(self) -> None:
        """Kill the child (stopped, hung or fine) and start a fresh one. The live run ends here with what it
        trained; exports in flight are reported and sent to the new child."""
        old = self._child
        pid = old.pid if old is not None else None
        self._end_child(ask_to_quit=False)
        lost = self._lose_exports()
        ended = f"The training process (pid {pid}) was restarted."
        exports_text = lost_exports_message(lost, "was restarted")
        if self._active_run is not None:
            self._end_run_here(" ".join(filter(None, [ended, exports_text])))
        elif exports_text:
            self.exportsLost.emit(exports_text)
        self._ensure_process()
        self._resend_exports()

    def shutdown(self) -> bool:
        """Stop any run, end the child and its threads, and wait for them (closing the window). Bounded:
        a stopped or hung child is killed."""
        if self._child is None:
            return not self.is_alive()
        self.stop()
        self._stop_timer.stop()
        if self._exports:
            log.warning("closing with exports unwritten: %s", ", ".join(self.pending_exports()))
            self._exports.clear()
        self._active_run = None
        return self._end_child(ask_to_quit=True)

    # --- internals -------------------------------------------------------------------------------------
    def _ensure_process(self) -> TrainingChild:
        if self._child is not None and not self._child.process.is_alive():
            self._on_closed(self._child.generation)  # it died and its reader's report is on the way: now
        if self._child is None:
            self._generation += 1
            self._ready = False
            self._child = TrainingChild(self._context, self._generation, self._on_message, self._on_closed,
                                        self.watch.heard)
            self.watch.watch()
        return self._child

    def _end_child(self, *, ask_to_quit: bool) -> bool:
        """End the current child with bounded waits; whatever it still sends is dropped (a new generation)."""
        child, self._child = self._child, None
        self._generation += 1
        self._stop_timer.stop()
        self._unconfirmed_stop = None
        self.watch.forget()
        if child is None:
            return True
        ended = child.end(self.watch.silence_s, ask_to_quit=ask_to_quit)
        if not ended:
            self._lingering.append(child)
        return ended

    def _on_message(self, generation: int, message: object) -> None:
        """Turn one reply into a signal; replies of a replaced child or of a run already ended are dropped."""
        if generation != self._generation:
            return
        match message:
            case Ready(devices):
                self._ready = True
                self.devicesReady.emit(list(devices))
            case Exported(job_id, path):
                self._exports.pop(job_id, None)
                self.exported.emit(path)
            case ExportFailed(job_id, text):
                self._exports.pop(job_id, None)
                self.exportFailed.emit(text)
            case RunResult(run_id) | RunFailed(run_id) if run_id == self._unconfirmed_stop:
                self._unconfirmed_stop = None  # late, but it answers: the child is not stuck
                self.watch.set_stuck(False)
            case Progress(run_id) | RunResult(run_id) | RunFailed(run_id) if run_id != self._active_run:
                pass  # a late message of a run already ended
            case Progress(_, batch):
                self._first_batch = self._first_batch or batch
                self._last_batch = batch
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
        self._stop_timer.stop()
        self.runningChanged.emit(False)

    def _end_run_here(self, message: str) -> None:
        """The child cannot finish the run: end it in the window with what its progress brought."""
        assert self._active_config is not None
        result = result_so_far(self._losses.copy(), self._first_batch, self._last_batch, self._active_config,
                               time.perf_counter() - self._started_at, message)
        self._losses = GrowingBuffer()
        self._end_run()
        if result is not None:
            self.finished.emit(result)
        else:
            self.failed.emit(f"{message} No epoch had finished yet.")

    def _on_stop_unconfirmed(self) -> None:
        run_id = self._active_run
        if run_id is None:
            return
        log.warning("the training process did not confirm the stop of run %s within %s s", run_id, STOP_CONFIRM_S)
        self._unconfirmed_stop = run_id
        if self._ready and not self._exports:  # warm and not busy exporting: its loop should have answered
            self.watch.set_stuck(True)
        self._end_run_here(f"The training process did not confirm the stop within {STOP_CONFIRM_S:g} s, so "
                           "the run was stopped here.")

    def _on_closed(self, generation: int) -> None:
        """The child's end of the pipe closed without being asked: it died."""
        if generation != self._generation or self._child is None:
            return
        process = self._child.process
        process.join(1.0)  # it is exiting: its exit code names the cause (-9 is SIGKILL)
        code = process.exitcode
        self._end_child(ask_to_quit=False)
        lost = self._lose_exports()
        exports_text = lost_exports_message(lost, "stopped")
        cause = f"The training process stopped unexpectedly (exit code {code})."
        if self._active_run is not None:
            self._active_run = None
            self.runningChanged.emit(False)
            after = f"{exports_text} Press Train to start again." if exports_text else \
                "Nothing else was lost; press Train to start again."
            self.failed.emit(f"{cause} {after}")
        elif exports_text:
            self.exportsLost.emit(f"{cause} {exports_text}")
        if self._exports:  # the ones to retry: a fresh child now, not at the next Train
            self._ensure_process()
            self._resend_exports()

    def _lose_exports(self) -> list[PendingExport]:
        """The exports the ended child never answered: each is marked tried once more; those tried twice
        are dropped (the message says so), the others stay for the next child."""
        lost = list(self._exports.values())
        for job_id, pending in list(self._exports.items()):
            pending.lost += 1
            if not pending.retry:
                del self._exports[job_id]
        return lost

    def _resend_exports(self) -> None:
        if self._child is None:
            return
        for job_id, pending in self._exports.items():
            self._child.writer.send(ExportRequest(job_id, pending.result, pending.path))
