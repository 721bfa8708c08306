"""Every training run of the session, as a Qt table model: its config, its live path and loss, its result.

The loss plot and the landscape draw the runs that are checked here ("shown"); the table beside them is a
plain QTableView over this model. A new run is shown; when more than MAX_SHOWN are, the oldest shown runs
are unchecked (they stay in the history).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from engine.data.points import PointSet
from engine.training.config import TrainingConfig
from engine.training.loss_history import GrowingBuffer
from engine.training.optimizers import OPTIMIZERS
from engine.training.path_buffer import ThinningPath
from engine.training.results import TrainingResult
from engine.training.step_trace import StepTrace
from gui.kit import number_format as fmt

MAX_SHOWN = 8
# Every step of every run is kept for replay (≤ 20 MB a line run, ≤ 101 MB a degree-10 Adam run); past
# this in all, the finished runs, oldest first, keep every 2nd, 4th, … step down to SHRUNK_TRACE_STEPS,
# so a long session never holds gigabytes of traces.
TRACE_BUDGET_BYTES = 512 * 1024 * 1024
SHRUNK_TRACE_STEPS = 4096
MIN_ELAPSED_S = 1e-9  # no run is shorter: steps/s over less is noise (or, over 1e-320 s, infinite)
PALETTE = ("#2ca02c", "#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#d62728")
AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(eq=False)
class Run:
    number: int
    config: TrainingConfig
    path: ThinningPath = field(default_factory=ThinningPath)
    result: TrainingResult | None = None
    shown: bool = True
    race: int | None = None  # runs started together by "Race optimizers" share a number
    initial: tuple[float, float] | None = None  # (weight, bias) before the first step: where the path starts
    points: PointSet | None = None  # what it trained on (a snapshot: later edits do not touch it)
    trace: StepTrace = field(default_factory=StepTrace)  # every step for replay and the step details
    engine_id: int | None = None  # the training process's id of the run (Continue and Step name it)
    resumed_from: TrainingResult | None = None  # its result before the Continue or Step under way
    live_losses: GrowingBuffer = field(default_factory=GrowingBuffer)  # loss per epoch while it trains
    live_validation: GrowingBuffer = field(default_factory=GrowingBuffer)  # held-out loss per epoch, ditto
    live_coefficients: tuple[float, ...] = ()  # the newest polynomial streamed in (constant term first)

    @property
    def color(self) -> QColor:
        return QColor(PALETTE[(self.number - 1) % len(PALETTE)])

    @property
    def label(self) -> str:
        config = self.config
        batch = f", batch {config.batch_size}" if config.batch_size else ""
        scaled = ", scaled" if config.standardize else ""
        model = f", degree {config.degree}" if config.degree > 1 else ""  # only what differs from a plain line
        model += f", {config.loss.upper() if config.loss != 'huber' else 'Huber'}" if config.loss != "mse" else ""
        return (f"#{self.number} {OPTIMIZERS.get(config.optimizer).label}, lr {config.learning_rate:g}{batch}{scaled}"
                f"{model}")

    def loss_values(self) -> np.ndarray:
        """Loss per epoch: the result's once it has one, else what has streamed in so far."""
        return self.result.loss_history if self.result is not None else self.live_losses.view()

    def validation_values(self) -> np.ndarray | None:
        """The held-out points' loss per epoch (result's or streamed so far); None: the run holds none out."""
        if self.result is not None:
            return self.result.validation_history
        return self.live_validation.view() if self.config.validation_fraction > 0.0 else None

    def coefficients(self) -> tuple[float, ...]:
        """The polynomial now (constant term first, user's units): the result's, else the newest streamed;
        () before the first batch."""
        if self.result is not None and self.result.coefficients:
            return self.result.coefficients
        return self.live_coefficients

    def finish(self, result: TrainingResult) -> None:
        self.result = result
        self.resumed_from = None
        self.initial = (result.initial_weight, result.initial_bias)


COLUMNS = ("Run", "Optimizer", "Learning rate", "Batch", "Epochs", "Final loss", "Validation loss", "Outcome",
           "Wall time (s)", "Steps/s", "Device", "Path")


def _row_values(run: Run) -> list[Any]:
    config, result = run.config, run.result
    values: list[Any] = [f"#{run.number}", OPTIMIZERS.get(config.optimizer).label, config.learning_rate,
                         config.batch_size or "full"]
    if result is None:
        epochs = run.live_losses.view().size
        return [*values, epochs, "", "", "running", "", "", config.device, ""]
    rate = _steps_per_second(result)
    validation = "" if result.validation_loss is None else result.validation_loss
    return [*values, result.epochs_run, result.final_loss, validation, result.stop_reason, round(result.elapsed_s, 4),
            fmt.MISSING if rate is None else round(rate), result.device, result.path]


def _steps_per_second(result: TrainingResult) -> float | None:
    """Epochs per second of wall time; None where the time is too short (or not finite) to divide by."""
    elapsed = result.elapsed_s
    rate = result.epochs_run / elapsed if math.isfinite(elapsed) and elapsed >= MIN_ELAPSED_S else math.nan
    return rate if math.isfinite(rate) else None


class FinishedRun(NamedTuple):
    """A run that has its result already (from a saved project), for RunHistoryModel.add_finished_many."""

    config: TrainingConfig
    result: TrainingResult
    path: ThinningPath | None = None
    shown: bool = True
    points: PointSet | None = None


class RunHistoryModel(QAbstractTableModel):
    runsChanged = Signal()  # a run added, removed, shown, hidden or finished: views redraw
    runFinished = Signal(object)  # the Run that just got its result

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runs: list[Run] = []
        self._next_number = 1

    # --- Qt model ----------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.runs)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run = self.runs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = _row_values(run)[index.column()]
            return fmt.number(value) if isinstance(value, float) else str(value)
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == 0:
            return Qt.CheckState.Checked if run.shown else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0:
            return run.color
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{run.label}. Tick to overlay its loss curve and path."
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.isValid() and index.column() == 0 else base

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid() or index.column() != 0:
            return False
        self.set_shown(self.runs[index.row()], Qt.CheckState(value) == Qt.CheckState.Checked)
        return True

    # --- runs ----------------------------------------------------------------------------------------
    def start_run(self, config: TrainingConfig, race: int | None = None) -> Run:
        run = Run(self._next_number, config, race=race)
        self._insert(run)
        return run

    def _insert(self, run: Run) -> None:
        self._next_number = run.number + 1
        self.beginInsertRows(QModelIndex(), len(self.runs), len(self.runs))
        self.runs.append(run)
        self.endInsertRows()
        self._hide_oldest_shown()
        self._refresh_all()

    def finish_run(self, run: Run, result: TrainingResult) -> None:
        run.finish(result)
        self.keep_traces_within(TRACE_BUDGET_BYTES)
        self._refresh_row(run)
        self.runFinished.emit(run)
        self.runsChanged.emit()

    def keep_traces_within(self, budget: int) -> None:
        """Thin the oldest finished runs' traces until all runs' traces fit in `budget` bytes."""
        total = sum(run.trace.nbytes for run in self.runs)
        for run in self.runs[:-1]:  # oldest first; the newest run keeps every step
            if total <= budget:
                return
            if run.result is not None and run.trace.capacity > SHRUNK_TRACE_STEPS:
                before = run.trace.nbytes
                run.trace.shrink_to(SHRUNK_TRACE_STEPS)
                total -= before - run.trace.nbytes

    def refresh_live(self) -> None:
        """The rows of the runs training now (their epochs so far): a dataChanged of that one column, no
        runsChanged (the whole rows made the table and its header lay out and repaint: ~3 ms a time)."""
        live = [row for row, run in enumerate(self.runs) if run.result is None]
        if live:
            column = COLUMNS.index("Epochs")
            self.dataChanged.emit(self.index(live[0], column), self.index(live[-1], column))

    def resume_run(self, run: Run) -> None:
        """Continue or Step advances `run` again: it trains ("running") until its next result."""
        run.resumed_from, run.result = run.result, None
        self._refresh_row(run)
        self.runsChanged.emit()

    def abandon_run(self, run: Run) -> None:
        """A run that could not start or continue: back to its previous result, or gone if it had none."""
        if run.resumed_from is not None:
            self.finish_run(run, run.resumed_from)
            return
        if run in self.runs:
            row = self.runs.index(run)
            self.beginRemoveRows(QModelIndex(), row, row)
            self.runs.remove(run)
            self.endRemoveRows()
            self.runsChanged.emit()

    def add_finished(self, config: TrainingConfig, result: TrainingResult, path: ThinningPath | None = None,
                     shown: bool = True) -> Run:
        """A run from a saved project."""
        run = Run(self._next_number, config, path=path or ThinningPath(), shown=shown)
        run.finish(result)
        self._insert(run)
        return run

    def add_finished_many(self, finished: Iterable[FinishedRun]) -> list[Run]:
        """Runs from a saved project, in one insertion and one runsChanged: added one at a time, each run
        refreshed every row and redrew both plots, and 1,000 runs took minutes to open. The newest
        MAX_SHOWN of those marked shown stay shown, as if they had been added one by one."""
        added: list[Run] = []
        for entry in finished:
            run = Run(self._next_number + len(added), entry.config, path=entry.path or ThinningPath(),
                      shown=entry.shown, points=entry.points)
            run.finish(entry.result)
            added.append(run)
        if not added:
            return added
        first = len(self.runs)
        self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)  # rowsInserted: the table scrolls
        self.runs.extend(added)
        self._next_number = added[-1].number + 1
        hidden = self._hide_oldest_shown()
        self.endInsertRows()
        if hidden and first:
            self.dataChanged.emit(self.index(0, 0), self.index(first - 1, 0))
        self.runsChanged.emit()
        return added

    def _hide_oldest_shown(self) -> bool:
        """Uncheck the oldest shown runs beyond MAX_SHOWN; True when any was."""
        shown = [run for run in self.runs if run.shown]
        for old in shown[: max(0, len(shown) - MAX_SHOWN)]:
            old.shown = False
        return len(shown) > MAX_SHOWN

    def set_shown(self, run: Run, shown: bool) -> None:
        if run.shown != shown:
            run.shown = shown
            self._refresh_row(run)
            self.runsChanged.emit()

    def show_only(self, runs: list[Run]) -> None:
        for run in self.runs:
            run.shown = run in runs
        self._refresh_all()

    def shown_runs(self) -> list[Run]:
        return [run for run in self.runs if run.shown]

    def latest(self) -> Run | None:
        return self.runs[-1] if self.runs else None

    def stands_out(self, run: Run, selected: Run | None) -> bool:
        """Drawn opaque, the others faded: the run picked in the Runs table when it is an older one, else
        the latest run (with its race)."""
        if selected is not None and not self.is_current(selected):
            return run is selected
        return self.is_current(run)

    def is_current(self, run: Run) -> bool:
        """The latest run, or one of the race it belongs to: drawn bold, the others faded."""
        latest = self.latest()
        return latest is not None and (run is latest or (run.race is not None and run.race == latest.race))

    def clear(self, keep_latest: bool = False) -> None:
        """Forget the runs (all, or all but the latest); a run still training always stays."""
        kept = [run for run in self.runs if run.result is None or (keep_latest and run is self.runs[-1])]
        self.beginResetModel()
        self.runs = kept
        self.endResetModel()
        self.runsChanged.emit()

    def reset(self) -> None:
        """A new document: no runs, numbering from 1."""
        self.clear()
        self._next_number = 1

    def to_csv(self) -> str:
        """The comparison table as CSV text (what File ▸ Export runs writes)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["run", "optimizer", "learning_rate", "batch_size", "epochs", "final_loss", "outcome",
                         "wall_time_s", "steps_per_s", "device", "path", "momentum", "seed", "standardize",
                         "weight", "bias"])
        for run in self.runs:
            config, result = run.config, run.result
            if result is None:
                continue
            rate = _steps_per_second(result)
            writer.writerow([run.number, config.optimizer, repr(config.learning_rate), config.batch_size or "",
                             result.epochs_run, repr(result.final_loss), result.stop_reason,
                             f"{result.elapsed_s:.6f}", f"{rate:.1f}" if rate is not None else "", result.device,
                             result.path, config.momentum, config.seed, config.standardize, repr(result.weight),
                             repr(result.bias)])
        return buffer.getvalue()

    def _refresh_row(self, run: Run) -> None:
        row = self.runs.index(run)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def _refresh_all(self) -> None:
        if self.runs:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.runs) - 1, len(COLUMNS) - 1))
        self.runsChanged.emit()
