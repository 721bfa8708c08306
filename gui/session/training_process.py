"""Training off the GUI thread and out of the GUI's interpreter.

The engine runs in a child process (engine/process/training_server.py, started by training_child.py):
pyqtgraph paints in Python holding the interpreter lock, and an in-process training thread measured 8x
slower while the plots streamed. Replies come from a reader thread as queued signals, those that arrived
together in one; the engine batches progress, so the GUI gets batches, not epochs. The child is started
once, in the background, and reused: it imports torch, warms the training path and reports the devices.

A job is one TrainRequest (one run, or a race's runs in lockstep) or one ContinueRequest (Continue and
Step advance runs the child still holds); it ends when every run in it has answered. The pace and the
pause/stop flags are shared numbers the child reads every step.

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
    ContinueRequest,
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
from engine.process.training_server import PACE, PACE_SCALE, PAUSE, STOP
from engine.training.config import TrainingConfig
from engine.training.loss_history import GrowingBuffer
from engine.training.results import ProgressBatch, TrainingResult
from gui.session.lost_work import PendingExport, lost_exports_message, result_so_far
from gui.session.pipe_io import hand_each
from gui.session.process_watch import ProcessWatch
from gui.session.training_child import TrainingChild

log = logging.getLogger(__name__)
STOP_CONFIRM_S = 2.0
MAX_PACE = 1e5  # steps per second; the pace box's top


@dataclasses.dataclass
class _RunState:
    """What the window knows of one run from its progress: its whole loss history (across Continue and
    Step), its first and latest batches (to end it here if the child cannot), its config."""

    config: TrainingConfig
    losses: GrowingBuffer
    first_batch: ProgressBatch | None = None
    last_batch: ProgressBatch | None = None


@dataclasses.dataclass
class _Job:
    job_id: int
    run_ids: list[int]
    waiting: set[int]  # the runs that have not answered yet
    started_at: float


class TrainingRunner(QObject):
    """One training run at a time, in a reusable child process."""

    progress = Signal(int, object)  # run id, ProgressBatch
    finished = Signal(int, object)  # run id, TrainingResult (with the run's whole loss history)
    failed = Signal(int, str)  # run id, a message for the user
    runningChanged = Signal(bool)  # a job is under way
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
        self._next_id = 0  # job, run and export ids alike
        self._job: _Job | None = None
        self._runs: dict[int, _RunState] = {}  # the runs of the latest start(), held by the child
        self._continuable: set[int] = set()  # runs the child said it can advance further
        self._pace = 0.0
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
        return self._job is not None

    def can_continue(self, run_id: int) -> bool:
        """The child still holds run `run_id` and can advance it (Continue, Step)."""
        return self._job is None and run_id in self._continuable and self._child is not None

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

    def start(self, points: PointSet, configs: list[TrainingConfig] | TrainingConfig,
              steps: int | None = None) -> list[int]:
        """Start one run, or several in lockstep (a race); `steps`: only that many optimizer steps (Step).
        Returns the runs' ids, in the order of `configs`."""
        if self._job is not None:
            raise RuntimeError("a training run is already in progress")
        configs = configs if isinstance(configs, list) else [configs]
        child = self._ensure_process()
        run_ids = [self._new_id() for _ in configs]
        # Room for each whole run up front (pages are only touched as losses arrive): growing by copying
        # would stall the window for ~40 ms at every doubling past a few million epochs.
        self._runs = {run_id: _RunState(config, GrowingBuffer(min(config.epochs, 1 << 24)))
                      for run_id, config in zip(run_ids, configs, strict=True)}
        self._continuable.clear()
        job = self._begin_job(child, run_ids)
        # The writer thread sends it: a million points take tens of milliseconds, paced by the child's reads.
        child.writer.send(TrainRequest(job.job_id, tuple(run_ids), tuple(config.to_dict() for config in configs),
                                       steps), points.x.data, points.y.data)
        return run_ids

    def continue_runs(self, run_ids: list[int], *, epochs: int | None = None, steps: int | None = None) -> bool:
        """Advance runs the child holds by `epochs` more epochs or `steps` steps; False when it cannot."""
        if self._job is not None or not run_ids or not all(self.can_continue(run_id) for run_id in run_ids):
            return False
        child = self._ensure_process()
        self._continuable.difference_update(run_ids)
        job = self._begin_job(child, list(run_ids))
        child.writer.send(ContinueRequest(job.job_id, tuple(run_ids), epochs, steps))
        return True

    def set_pace(self, steps_per_second: float) -> None:
        """Optimizer steps per second from now on, also for a run under way; 0: as fast as possible."""
        pace = float(steps_per_second)
        self._pace = min(pace, MAX_PACE) if pace > 0 and pace == pace else 0.0
        if self._child is not None:
            self._child.flags[PACE] = round(self._pace * PACE_SCALE)

    def pace(self) -> float:
        return self._pace

    def export(self, result: TrainingResult, path: str) -> None:
        """Write a model file in the child process (torch.export takes a second or two); queued behind a
        run in progress. Answered by `exported` or `exportFailed`; kept until then, so a child that ends
        first does not lose it."""
        child = self._ensure_process()
        job_id = self._new_id()
        # Exports need the parameters, not the loss per epoch (80 MB after ten million epochs).
        pending = PendingExport(dataclasses.replace(result, loss_history=np.empty(0)), path)
        self._exports[job_id] = pending
        child.writer.send(ExportRequest(job_id, pending.result, path))

    def stop(self) -> None:
        """Ask the child to stop the run; if it does not confirm within STOP_CONFIRM_S, the run ends here."""
        if self._child is None or self._job is None:
            return
        self._child.flags[STOP] = self._job.job_id
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
        if self._job is not None:
            self._end_job_here(" ".join(filter(None, [ended, exports_text])))
        elif exports_text:
            self.exportsLost.emit(exports_text)
        self._ensure_process()
        self._resend_exports()

    def shutdown(self) -> bool:
        """Stop any run, end the child and its threads, wait for them (closing the window); a hung child is killed."""
        if self._child is None:
            return not self.is_alive()
        self.stop()
        self._stop_timer.stop()
        if self._exports:
            log.warning("closing with exports unwritten: %s", ", ".join(self.pending_exports()))
            self._exports.clear()
        self._job = None
        return self._end_child(ask_to_quit=True)

    # --- internals -------------------------------------------------------------------------------------
    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _begin_job(self, child: TrainingChild, run_ids: list[int]) -> _Job:
        child.flags[PAUSE] = 0
        child.flags[PACE] = round(self._pace * PACE_SCALE)
        self._job = _Job(self._new_id(), run_ids, set(run_ids), time.perf_counter())
        self.runningChanged.emit(True)
        return self._job

    def _ensure_process(self) -> TrainingChild:
        if self._child is not None and not self._child.process.is_alive():
            self._on_closed(self._child.generation)  # it died and its reader's report is on the way: now
        if self._child is None:
            self._generation += 1
            self._ready = False
            self._child = TrainingChild(self._context, self._generation, self._on_replies, self._on_closed,
                                        self.watch.heard)
            self.watch.watch()
        return self._child

    def _end_child(self, *, ask_to_quit: bool) -> bool:
        """End the current child with bounded waits; whatever it still sends is dropped (a new generation)."""
        child, self._child = self._child, None
        self._generation += 1
        self._continuable.clear()  # the runs it held are gone with it: nothing can be continued
        self._stop_timer.stop()
        self._unconfirmed_stop = None
        self.watch.forget()
        if child is None:
            return True
        ended = child.end(self.watch.silence_s, ask_to_quit=ask_to_quit)
        if not ended:
            self._lingering.append(child)
        return ended

    def _on_replies(self, generation: int, replies: object) -> None:
        hand_each(replies, lambda message: self._on_message(generation, message))

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
            case RunResult(job_id) | RunFailed(job_id) if job_id == self._unconfirmed_stop:
                self._unconfirmed_stop = None  # late, but it answers: the child is not stuck
                self.watch.set_stuck(False)
            case Progress(job_id) | RunResult(job_id) | RunFailed(job_id) if (
                    self._job is None or job_id != self._job.job_id):
                pass  # a late message of a job already ended
            case Progress(_, run_id, batch) if run_id in self._runs:
                state = self._runs[run_id]
                state.first_batch = state.first_batch or batch
                state.last_batch = batch
                state.losses.extend(batch.losses)
                self.progress.emit(run_id, batch)
            case RunResult(_, run_id, result, can_continue) if run_id in self._runs:
                if can_continue:
                    self._continuable.add(run_id)
                history = self._runs[run_id].losses.copy()
                self._answered(run_id)
                self.finished.emit(run_id, dataclasses.replace(result, loss_history=history))
            case RunFailed(_, run_id, text):
                self._answered(run_id)
                self.failed.emit(run_id, text)
            case _:
                log.warning("ignoring an unknown message from the training process: %s", describe(message))

    def _answered(self, run_id: int) -> None:
        """Run `run_id` answered; the job ends when all its runs have (before the last answer is emitted, so
        a listener may start the next job at once)."""
        job = self._job
        if job is None:
            return
        job.waiting.discard(run_id)
        if not job.waiting:
            self._end_job()

    def _end_job(self) -> None:
        self._job = None
        self._stop_timer.stop()
        self.runningChanged.emit(False)

    def _end_job_here(self, message: str) -> None:
        """The child cannot finish the job: end its runs in the window with what their progress brought."""
        job = self._job
        assert job is not None
        waiting = [run_id for run_id in job.run_ids if run_id in job.waiting]
        self._continuable.difference_update(job.run_ids)
        self._end_job()
        for run_id in waiting:
            state = self._runs.get(run_id)
            result = None if state is None else result_so_far(
                state.losses.copy(), state.first_batch, state.last_batch, state.config,
                time.perf_counter() - job.started_at, message)
            if result is not None:
                self.finished.emit(run_id, result)
            else:
                self.failed.emit(run_id, f"{message} No epoch had finished yet.")

    def _on_stop_unconfirmed(self) -> None:
        if self._job is None:
            return
        job_id = self._job.job_id
        log.warning("the training process did not confirm the stop of job %s within %s s", job_id, STOP_CONFIRM_S)
        self._unconfirmed_stop = job_id
        if self._ready and not self._exports:  # warm and not busy exporting: its loop should have answered
            self.watch.set_stuck(True)
        self._end_job_here(f"The training process did not confirm the stop within {STOP_CONFIRM_S:g} s, so "
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
        if self._job is not None:
            run_ids = [run_id for run_id in self._job.run_ids if run_id in self._job.waiting]
            self._end_job()
            after = f"{exports_text} Press Train to start again." if exports_text else \
                "Nothing else was lost; press Train to start again."
            for run_id in run_ids:
                self.failed.emit(run_id, f"{cause} {after}")
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
