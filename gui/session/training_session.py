"""The training session: one run or one race at a time, the run that is training now, the last result.

A QObject without widgets. The shell asks it to train and wires its signals to the views; tests drive it
without building a window. The work itself happens in the training process (training_process.py).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from engine.data.points import PointSet
from engine.files.project_file import Project, SavedRun
from engine.training.config import TrainingConfig
from engine.training.optimizers import OPTIMIZERS
from engine.training.path_buffer import ThinningPath
from engine.training.results import DIVERGED, STOPPED, ProgressBatch, TrainingResult
from gui.kit import number_format as fmt
from gui.session.run_history import FinishedRun, Run, RunHistoryModel
from gui.session.training_process import TrainingRunner


class TrainingSession(QObject):
    runStarted = Signal(object)  # the Run that starts now (a race starts one per optimizer)
    progress = Signal(object)  # ProgressBatch, once the live run's path holds it
    runFinished = Signal(object)  # TrainingResult of every run, racers included
    failed = Signal(str)  # the run could not finish (the training process died or refused it)
    runningChanged = Signal(bool)  # a run is training now (flips between the racers of a race)
    busyChanged = Signal(bool)  # a run or a whole race is under way: the views stream while True
    diverged = Signal(object)  # TrainingResult of a single run that diverged
    message = Signal(str)  # a one-line report of what just ended
    unresponsive = Signal(str)  # the training process stopped answering: a question for the user
    responsive = Signal()  # it answers again, or it was restarted: the question is moot
    exportsLost = Signal(str)  # the training process ended with exports unwritten: which, and what happens

    def __init__(self, runs: RunHistoryModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runs = runs
        self.runner = TrainingRunner(self)
        self.live_run: Run | None = None
        self.last_result: TrainingResult | None = None
        self.unsaved_result = False  # a run finished since the document was loaded or saved
        self._race_queue: list[TrainingConfig] = []
        self._race_count = 0
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

    def train(self, points: PointSet, config: TrainingConfig) -> bool:
        """One run; False when one is already training."""
        if self.is_running():
            return False
        self._race_queue = []
        self._start(points, config, race=None)
        self.busyChanged.emit(True)
        return True

    def race(self, points: PointSet, config: TrainingConfig) -> bool:
        """Every optimizer, one after another, on the same points, seed and settings."""
        if self.is_running():
            return False
        self._race_count += 1
        configs = [TrainingConfig.from_dict({**config.to_dict(), "optimizer": name}) for name in OPTIMIZERS]
        self._race_queue = configs[1:]
        self._start(points, configs[0], race=self._race_count)
        self.busyChanged.emit(True)
        return True

    def stop(self) -> None:
        self._race_queue = []
        self.runner.stop()

    def set_paused(self, paused: bool) -> None:
        self.runner.set_paused(paused)

    def restart_process(self) -> None:
        """Replace a training process that stopped answering. The live run ends with what it trained (the
        run history keeps it) and a race ends there; exports in flight go to the new process."""
        self._race_queue = []
        self.runner.restart()

    def shutdown(self) -> bool:
        """End any run and the training process (the window is closing)."""
        self._race_queue = []
        return self.runner.shutdown()

    def export_model(self, path: str) -> bool:
        """Write the last result in the training process; False when nothing was trained yet."""
        if self.last_result is None:
            return False
        self.runner.export(self.last_result, path)
        return True

    def current_line(self) -> tuple[float, float] | None:
        """(weight, bias) of the line to show: the live run's latest, else the last result's."""
        latest = self.live_run.path.latest if self.live_run is not None else None
        if latest is not None:
            return latest[1], latest[2]
        if self.last_result is not None:
            return self.last_result.weight, self.last_result.bias
        return None

    # --- the document's side ------------------------------------------------------------------------
    def saved_runs(self) -> list[SavedRun]:
        return [SavedRun(run.config, run.result, run.path.arrays(), run.shown)
                for run in self.runs.runs if run.result is not None]

    def restore(self, project: Project) -> None:
        """A document was loaded: its runs replace this session's, numbered from 1, added in one go (the
        views redraw once, not once per run)."""
        self.runs.reset()
        self.last_result = project.result
        self.unsaved_result = False
        finished = []
        for saved in project.runs:
            thinned = None
            if saved.path is not None:
                thinned = ThinningPath()
                thinned.extend(*saved.path)
            finished.append(FinishedRun(saved.config, saved.result, thinned, saved.shown, project.points))
        self.runs.add_finished_many(finished)

    def mark_saved(self) -> None:
        self.unsaved_result = False

    # --- the training process's answers -------------------------------------------------------------
    def _start(self, points: PointSet, config: TrainingConfig, race: int | None) -> None:
        run = self.runs.start_run(config, race=race)
        run.points = points
        self.live_run = run
        self.runStarted.emit(run)
        self.runner.start(points, config)

    def _on_progress(self, batch: ProgressBatch) -> None:
        run = self.live_run
        if run is None:
            return
        if run.initial is None:
            run.initial = (batch.initial_weight, batch.initial_bias)
        run.path.extend(batch.epochs, batch.weights, batch.biases)
        self.progress.emit(batch)

    def _on_finished(self, result: TrainingResult) -> None:
        run = self.live_run
        self.live_run = None
        if run is not None:
            self.runs.finish_run(run, result)
        self.last_result = result
        self.unsaved_result = True
        self.runFinished.emit(result)
        if self._race_queue and result.stop_reason != STOPPED and run is not None and run.points is not None:
            self._start(run.points, self._race_queue.pop(0), race=run.race)  # a diverged racer is a result too
            return
        self._race_queue = []
        self.busyChanged.emit(False)
        if run is not None and run.race is not None:
            self.message.emit(self._race_summary(run.race))
        elif result.stop_reason == DIVERGED:
            self.diverged.emit(result)
        else:
            self.message.emit(result.message or f"Training {result.stop_reason}: "
                              f"{fmt.equation(result.weight, result.bias)}, loss {fmt.number(result.final_loss)}.")

    def _race_summary(self, race: int) -> str:
        racers = [other for other in self.runs.runs if other.race == race]
        self.runs.show_only(racers)
        finite = [other for other in racers if other.result and other.result.stop_reason != DIVERGED]
        best = min(finite, key=lambda other: other.result.final_loss if other.result else 0.0, default=None)
        diverged = len(racers) - len(finite)
        return (f"Race {race} finished: lowest loss {best.label if best else '–'}"
                + (f"; {diverged} diverged (see the Runs table)." if diverged else "."))

    def _on_unresponsive(self) -> None:
        self.unresponsive.emit(f"The training process is not answering (pid {self.runner.child_pid()}). "
                               "Restart it?")

    def _on_failed(self, message: str) -> None:
        self.live_run = None
        self._race_queue = []
        self.failed.emit(message)
        self.busyChanged.emit(False)
