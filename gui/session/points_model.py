"""The points as a Qt table model: the single source of truth for the table and the data plot.

Every edit goes through the undo stack (see point_commands.py); the commands call the `apply_*` methods,
which are the only code that changes the arrays. Rows are served on demand from numpy arrays, so a
million points cost two arrays, not a million Python objects.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QUndoStack

from engine.data.points import PointSet
from gui.session.point_commands import (
    InsertPointsCommand,
    MovePointCommand,
    RemoveRowsCommand,
    ReplacePointsCommand,
    SetValueCommand,
)

COLUMNS = ("x", "y")
AnyIndex = QModelIndex | QPersistentModelIndex


def parse_cell(text: str) -> float | None:
    """A finite float from what a user typed (either decimal mark), or None."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def format_value(value: float) -> str:
    return f"{value:.10g}"


class PointsTableModel(QAbstractTableModel):
    pointsChanged = Signal()  # any change of any point: the plot redraws, the window is marked modified
    editRejected = Signal(str)  # a cell edit refused, with the reason to show

    def __init__(self, points: PointSet | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        start = points or PointSet.seed()
        self._x = np.array(start.x, dtype=np.float64)
        self._y = np.array(start.y, dtype=np.float64)
        self.undo_stack = QUndoStack(self)
        self._snapshot: PointSet | None = None
        self.pointsChanged.connect(self._forget_snapshot)

    # --- reading -------------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else int(self._x.size)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 2

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            value = float(self._column(index.column())[index.row()])
            return format_value(value) if role == Qt.ItemDataRole.DisplayRole else repr(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return COLUMNS[section] if orientation == Qt.Orientation.Horizontal else str(section + 1)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.isValid() else base

    def x(self) -> np.ndarray:
        return self._x

    def y(self) -> np.ndarray:
        return self._y

    def snapshot(self) -> PointSet:
        """A copy that later edits cannot touch: what the training worker gets. Unchanged points give the
        same (immutable) snapshot, so a race or repeated runs on a million points share one copy."""
        if self._snapshot is None:
            self._snapshot = PointSet.from_columns(self._x.copy(), self._y.copy(), validate=False)
        return self._snapshot

    def _forget_snapshot(self) -> None:
        self._snapshot = None

    # --- editing through the undo stack -----------------------------------------------------------
    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        number = parse_cell(str(value)) if not isinstance(value, float) else value
        if number is None or not math.isfinite(number):
            self.editRejected.emit(f"Row {index.row() + 1}, {COLUMNS[index.column()]}: '{value}' is not a "
                                   "finite number; the cell keeps its value.")
            return False
        old = float(self._column(index.column())[index.row()])
        if old != number:
            self.undo_stack.push(SetValueCommand(self, index.row(), index.column(), old, number))
        return True

    def insert_points(self, row: int, xs: np.ndarray, ys: np.ndarray, text: str = "Add points") -> None:
        if len(xs):
            self.undo_stack.push(InsertPointsCommand(self, row, np.asarray(xs, float), np.asarray(ys, float), text))

    def add_point(self, x: float, y: float) -> None:
        self.insert_points(self.rowCount(), np.array([x]), np.array([y]), "Add point")

    def remove_rows(self, rows: list[int]) -> None:
        if rows:
            self.undo_stack.push(RemoveRowsCommand(self, sorted(set(rows))))

    def move_point(self, row: int, x: float, y: float, drag_id: int) -> None:
        """Move one point; consecutive moves with the same drag_id merge into one undo step."""
        old = (float(self._x[row]), float(self._y[row]))
        if old != (x, y):
            self.undo_stack.push(MovePointCommand(self, row, old, (x, y), drag_id))

    def replace_points(self, points: PointSet, text: str) -> None:
        self.undo_stack.push(ReplacePointsCommand(self, (self._x.copy(), self._y.copy()),
                                                  (points.x.copy(), points.y.copy()), text))

    def reset_points(self, points: PointSet) -> None:
        """Load points as a fresh document: no undo history, marked clean."""
        self.apply_replace(np.array(points.x), np.array(points.y))
        self.undo_stack.clear()
        self.undo_stack.setClean()

    # --- the only mutators: called by the undo commands ----------------------------------------------
    def apply_value(self, row: int, column: int, value: float) -> None:
        self._column(column)[row] = value
        changed = self.index(row, column)
        self.dataChanged.emit(changed, changed, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        self.pointsChanged.emit()

    def apply_move(self, row: int, x: float, y: float) -> None:
        self._x[row], self._y[row] = x, y
        self.dataChanged.emit(self.index(row, 0), self.index(row, 1))
        self.pointsChanged.emit()

    def apply_insert(self, row: int, xs: np.ndarray, ys: np.ndarray) -> None:
        self.beginInsertRows(QModelIndex(), row, row + len(xs) - 1)
        self._x = np.insert(self._x, row, xs)
        self._y = np.insert(self._y, row, ys)
        self.endInsertRows()
        self.pointsChanged.emit()

    def apply_remove(self, rows: np.ndarray) -> None:
        """Remove sorted rows: a contiguous run as a row removal (views keep their place), else a reset."""
        first, last = int(rows[0]), int(rows[-1])
        contiguous = last - first + 1 == len(rows)
        if contiguous:
            self.beginRemoveRows(QModelIndex(), first, last)
        else:
            self.beginResetModel()
        self._x = np.delete(self._x, rows)
        self._y = np.delete(self._y, rows)
        if contiguous:
            self.endRemoveRows()
        else:
            self.endResetModel()
        self.pointsChanged.emit()

    def apply_replace(self, xs: np.ndarray, ys: np.ndarray) -> None:
        self.beginResetModel()
        self._x = np.array(xs, dtype=np.float64)
        self._y = np.array(ys, dtype=np.float64)
        self.endResetModel()
        self.pointsChanged.emit()

    def _column(self, column: int) -> np.ndarray:
        return self._x if column == 0 else self._y
