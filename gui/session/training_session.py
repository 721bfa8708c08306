"""The training session: one run or one race at a time, the run that is training now, the last result.

A QObject without widgets. The shell asks it to train and wires its signals to the views; tests drive it
without building a window. The work itself happens in the training process (training_process.py).
Train starts a run; Race starts one per optimizer, trained in lockstep; Step and Continue advance the
current run (or race) again, its optimizer state kept in the training process, so it stays one Run whose
path, trace and losses grow.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.data.points import PointSet
from engine.files.project_file import Project, SavedRun
from engine.training.config import TrainingConfig
from engine.training.optimizers import RACED
from engine.training.path_buffer import ThinningPath
from engine.training.results import DIVERGED, ProgressBatch, TrainingResult
from engine.training.step_trace import StepTrace
from gui.kit import number_format as fmt
from gui.session.run_history import FinishedRun, Run, RunHistoryModel
from gui.session.training_process import TrainingRunner

ROW_REFRESH_S = 0.25


@dataclass(frozen=True)
class _JobKind:
    kind: str  # "train", "race", "step" or "continue": how the end is reported


class TrainingSession(QObject):
    runStarted = Signal(object)  # a Run that trains now: new, or advanced again by Continue or Step
    progress = Signal(object, object)  # Run, ProgressBatch: once the run's path, trace and losses hold it
    runFinished = Signal(object)  # TrainingResult of every run, racers included
    failed = Signal(str)  # the run could not finish (the training process died or refused it)
    runningChanged = Signal(bool)  # a run, a race, a Continue or a Step is training now
    busyChanged = Signal(bool)  # the same, for the views: they stream while True
    diverged = Signal(object)  # TrainingResult of a single run that diverged
    message = Signal(str)  # a one-line report of what just ended
    unresponsive = Signal(str)  # the training process stopped answering: a question for the user
    responsive = Signal()  # it answers again, or it was restarted: the question is moot
    exportsLost = Signal(str)  # the training process ended with exports unwritten: which, and what happens

    def __init__(self, runs: RunHistoryModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runs = runs
        self.runner = TrainingRunner(self)
        self.live_runs: dict[int, Run] = {}  # by the training process's run id
        self.current_runs: list[Run] = []  # the latest Train's run, or race's runs: Continue and Step go on
        self.last_result: TrainingResult | None = None
        self.unsaved_result = False  # a run finished since the document was loaded or saved
        self._race_count = 0
        self._job: _JobKind | None = None
        self._failures: list[str] = []
        self._row_refreshed_at = 0.0
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.runningChanged.connect(self.runningChanged)
        self.runner.unresponsive.connect(self._on_unresponsive)
        self.runner.responsive.connect(self.responsive)
        self.runner.exportsLost.connect(self.exportsLost)

    # --- asking ---------------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.runner.is_running()

    @property
    def live_run(self) -> Run | None:
        """The newest run training now (a race trains several: live_runs has them all)."""
        return next(reversed(self.live_runs.values()), None)

    def train(self, points: PointSet, config: TrainingConfig) -> bool:
        """One run; False when one is already training."""
        if self.is_running():
            return False
        self._start(points, [config], race=None)
        return True

    def race(self, points: PointSet, config: TrainingConfig) -> bool:
        """Every optimizer on the same points, seed and settings, trained in lockstep at the same pace."""
        if self.is_running():
            return False
        self._race_count += 1
        configs = [TrainingConfig.from_dict({**config.to_dict(), "optimizer": name}) for name in RACED]
        self._start(points, configs, race=self._race_count)
        return True

    def step(self, points: PointSet, config: TrainingConfig) -> bool:
        """One optimizer step: of the current run (or race) when it can go on with these points and
        settings, else of a new run that starts here. False while a run trains."""
        if self.is_running():
            return False
        if self.can_go_on(points, config):
            return self._advance(steps=1)
        self._start(points, [config], race=None, steps=1, stepping=True)
        return True

    def continue_training(self, epochs: int) -> bool:
        """`epochs` more epochs of the current run (or race) from where it ended, its optimizer state kept."""
        if self.is_running() or not self.can_continue():
            return False
        return self._advance(epochs=epochs)

    def can_continue(self) -> bool:
        """The current run (every racer of a race) can be advanced further: the training process holds it
        and the Runs table still has it (a cleared run is gone for good)."""
        return bool(self.current_runs) and all(
            run.engine_id is not None and self.runner.can_continue(run.engine_id) and run in self.runs.runs
            for run in self.current_runs)

    def set_pace(self, steps_per_second: float) -> None:
        """Optimizer steps per second from now on (also for a run under way); 0: as fast as possible."""
        self.runner.set_pace(steps_per_second)

    def stop(self) -> None:
        self.runner.stop()

    def set_paused(self, paused: bool) -> None:
        self.runner.set_paused(paused)

    def restart_process(self) -> None:
        """Replace a training process that stopped answering. The live runs end with what they trained (the
        run history keeps them); exports in flight go to the new process."""
        self.runner.restart()

    def shutdown(self) -> bool:
        """End any run and the training process (the window is closing)."""
        return self.runner.shutdown()

    def export_model(self, path: str) -> bool:
        """Write the last result in the training process; False when nothing was trained yet."""
        if self.last_result is None:
            return False
        self.runner.export(self.last_result, path)
        return True

    def current_line(self) -> tuple[float, float] | None:
        """(weight, bias) of the line to show: the live run's latest, else the last result's."""
        live = self.live_run
        latest = live.path.latest if live is not None else None
        if live is not None and live.trace.steps_run:
            after = live.trace.params_at(len(live.trace) - 1)
            if after is not None:
                return after
        if latest is not None:
            return latest[1], latest[2]
        if self.last_result is not None:
            return self.last_result.weight, self.last_result.bias
        return None

    # --- the document's side ------------------------------------------------------------------------
    def saved_runs(self, traces: bool = True) -> list[SavedRun]:
        """The finished runs as a project keeps them; `traces`: with every kept step, for replay."""
        return [SavedRun(run.config, run.result, run.path.arrays(), run.shown,
                         trace=run.trace.records() if traces else None)
                for run in self.runs.runs if run.result is not None]

    def restore(self, project: Project) -> None:
        """A document was loaded: its runs replace this session's, numbered from 1, added in one go (the
        views redraw once, not once per run)."""
        self.runs.reset()
        self.current_runs = []
        self.last_result = project.result
        self.unsaved_result = False
        finished = []
        for saved in project.runs:
            thinned = None
            if saved.path is not None:
                thinned = ThinningPath()
                thinned.extend(*saved.path)
            finished.append(FinishedRun(saved.config, saved.result, thinned, saved.shown, project.points))
        for run, saved in zip(self.runs.add_finished_many(finished), project.runs, strict=True):
            run.trace = StepTrace(initial=(saved.result.initial_weight, saved.result.initial_bias))
            if saved.trace is not None:
                run.trace.extend(saved.trace)

    def mark_saved(self) -> None:
        self.unsaved_result = False

    # --- the training process's answers -------------------------------------------------------------
    def can_go_on(self, points: PointSet, config: TrainingConfig) -> bool:
        """The current run can be advanced with these points and settings (its epochs aside): nothing that
        would make it a different run has changed."""
        if not self.can_continue():
            return False
        first = self.current_runs[0]
        same_points = first.points is not None and np.array_equal(first.points.x, points.x) and \
            np.array_equal(first.points.y, points.y)
        ignored = {"epochs"} | ({"optimizer"} if first.race is not None else set())
        wanted = {key: value for key, value in config.to_dict().items() if key not in ignored}
        had = {key: value for key, value in first.config.to_dict().items() if key not in ignored}
        return same_points and wanted == had

    def _start(self, points: PointSet, configs: list[TrainingConfig], race: int | None,
               steps: int | None = None, stepping: bool = False) -> None:
        runs = [self.runs.start_run(config, race=race) for config in configs]
        ids = self.runner.start(points, configs, steps=steps)
        self.current_runs = runs
        self._job = _JobKind("step" if stepping else "race" if race is not None else "train")
        self.live_runs = {}
        for run, engine_id in zip(runs, ids, strict=True):
            run.points = points
            run.engine_id = engine_id
            self.live_runs[engine_id] = run
        self.busyChanged.emit(True)
        for run in runs:
            self.runStarted.emit(run)

    def _advance(self, *, epochs: int | None = None, steps: int | None = None) -> bool:
        runs = self.current_runs
        ids = [run.engine_id for run in runs if run.engine_id is not None]
        if not self.runner.continue_runs(ids, epochs=epochs, steps=steps):
            return False
        self._job = _JobKind("step" if steps is not None else "continue")
        self.live_runs = dict(zip(ids, runs, strict=True))
        self.busyChanged.emit(True)
        for run in runs:
            self.runs.resume_run(run)
            self.runStarted.emit(run)
        return True

    def _on_progress(self, engine_id: int, batch: ProgressBatch) -> None:
        run = self.live_runs.get(engine_id)
        if run is None:
            return
        if run.initial is None:
            run.initial = (batch.initial_weight, batch.initial_bias)
        run.path.extend(batch.epochs, batch.weights, batch.biases)
        run.live_losses.extend(batch.losses)
        if batch.validation_losses is not None:
            run.live_validation.extend(batch.validation_losses)
        if batch.coefficients:
            run.live_coefficients = batch.coefficients
        if batch.records is not None:
            run.trace.extend(batch.records)
        now = time.monotonic()
        if now - self._row_refreshed_at >= ROW_REFRESH_S:  # the Runs table's epochs, a few times a second
            self._row_refreshed_at = now
            self.runs.refresh_live()
        self.progress.emit(run, batch)

    def _on_finished(self, engine_id: int, result: TrainingResult) -> None:
        run = self.live_runs.pop(engine_id, None)
        if run is not None:
            self.runs.finish_run(run, result)
        self.last_result = result
        self.unsaved_result = True
        self.runFinished.emit(result)
        if not self.live_runs:
            self._job_ended(run, result)

    def _job_ended(self, run: Run | None, result: TrainingResult) -> None:
        job, self._job = self._job, None
        self._failures = []
        self.busyChanged.emit(False)
        if run is not None and run.race is not None and len(self.current_runs) > 1:
            self.message.emit(self._race_summary(run.race, job))
        elif result.stop_reason == DIVERGED:
            self.diverged.emit(result)
        else:
            self.message.emit(result.message or self._summary(result, job))

    def _summary(self, result: TrainingResult, job: _JobKind | None) -> str:
        model = fmt.equation(result.weight, result.bias) if len(result.coefficients) <= 2 else \
            " ".join(fmt.polynomial_terms(result.coefficients))
        line = f"{model}, loss {fmt.number(result.final_loss)}"
        if result.validation_loss is not None:
            line += f", validation loss {fmt.number(result.validation_loss)}"
        run = self.current_runs[0] if self.current_runs else None
        if job is not None and job.kind == "step" and run is not None:
            record = run.trace.record(len(run.trace) - 1)
            step = record.step if record is not None else 0
            return f"Step {step:,} (epoch {result.epochs_run:,} done): {line}."
        if job is not None and job.kind == "continue":
            return f"Continued to epoch {result.epochs_run:,} ({result.stop_reason}): {line}."
        return f"Training {result.stop_reason}: {line}."

    def _race_summary(self, race: int, job: _JobKind | None) -> str:
        racers = [other for other in self.runs.runs if other.race == race]
        if job is not None and job.kind == "race":
            self.runs.show_only(racers)
        finite = [other for other in racers if other.result and other.result.stop_reason != DIVERGED]
        best = min(finite, key=lambda other: other.result.final_loss if other.result else 0.0, default=None)
        diverged = len(racers) - len(finite)
        return (f"Race {race} finished: lowest loss {best.label if best else '–'}"
                + (f"; {diverged} diverged (see the Runs table)." if diverged else "."))

    def _on_unresponsive(self) -> None:
        self.unresponsive.emit(f"The training process is not answering (pid {self.runner.child_pid()}). "
                               "Restart it?")

    def _on_failed(self, engine_id: int, message: str) -> None:
        run = self.live_runs.pop(engine_id, None)
        if run is not None:
            self.runs.abandon_run(run)
            if run in self.current_runs and run not in self.runs.runs:
                self.current_runs.remove(run)
        if message not in self._failures:  # a race's racers fail together: say it once
            self._failures.append(message)
            self.failed.emit(message)
        if not self.live_runs:
            self._failures = []
            self._job = None
            self.busyChanged.emit(False)
