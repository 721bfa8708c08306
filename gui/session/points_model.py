"""The points as a Qt table model: the single source of truth for the table and the data plot.

Every edit is a plain edit (engine/data/point_edits.py) pushed on the undo stack as a PointEditCommand
(point_undo.py), which calls `apply_edit`: the only code that changes the arrays, and the one place that
picks the Qt notifications. Rows are served on demand from numpy arrays, so a million points cost two
arrays, not a million Python objects. The arrays are never written in place (an edit makes new ones), so
the undo history shares them instead of copying.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QUndoStack

from engine.data.point_edits import (
    InsertPoints,
    MovePoint,
    PointEdit,
    RemoveRows,
    ReplacePoints,
    SetValue,
)
from engine.data.points import MAX_MAGNITUDE, TOO_LARGE, PointSet
from gui.session.point_undo import ImportCommand, PointEditCommand

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
    columnNamesChanged = Signal(str, str)  # the x and y columns' names (an import's headers): axes follow

    def __init__(self, points: PointSet | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        start = points or PointSet.seed()
        self._x = np.array(start.x, dtype=np.float64)
        self._y = np.array(start.y, dtype=np.float64)
        self._x.flags.writeable = self._y.flags.writeable = False  # edits make new arrays; undo shares these
        self._names: tuple[str, str] = COLUMNS
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
        return self._names[section] if orientation == Qt.Orientation.Horizontal else str(section + 1)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.isValid() else base

    def x(self) -> np.ndarray:
        return self._x

    def column_names(self) -> tuple[str, str]:
        return self._names

    def set_column_names(self, names: tuple[str, str]) -> tuple[str, str]:
        """Name the columns (no undo step of its own: an import's command holds it); the old names back."""
        old, self._names = self._names, (str(names[0]), str(names[1]))
        if old != self._names:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 1)
            self.columnNamesChanged.emit(*self._names)
        return old

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
            self.editRejected.emit(f"Row {index.row() + 1}, {self._names[index.column()]}: '{value}' is not a "
                                   "finite number; the cell keeps its value.")
            return False
        if abs(number) > MAX_MAGNITUDE:
            self.editRejected.emit(f"Row {index.row() + 1}, {self._names[index.column()]}: '{value}' {TOO_LARGE}; "
                                   "the cell keeps its value.")
            return False
        old = float(self._column(index.column())[index.row()])
        if old != number:
            self._push(SetValue(index.row(), index.column(), number))
        return True

    def insert_points(self, row: int, xs: np.ndarray, ys: np.ndarray, text: str = "Add points") -> None:
        if len(xs):
            self._push(InsertPoints(row, np.asarray(xs, float), np.asarray(ys, float), text))

    def add_point(self, x: float, y: float) -> None:
        self.insert_points(self.rowCount(), np.array([x]), np.array([y]), "Add point")

    def remove_rows(self, rows: list[int]) -> None:
        if rows:
            self._push(RemoveRows(np.asarray(rows, dtype=np.int64)))

    def move_point(self, row: int, x: float, y: float, drag_id: int) -> None:
        """Move one point; consecutive moves with the same drag_id merge into one undo step."""
        edit = MovePoint(row, x, y, drag_id)
        edit.check(self.rowCount())
        if (float(self._x[row]), float(self._y[row])) != (x, y):
            self._push(edit)

    def replace_points(self, points: PointSet, text: str) -> None:
        self._push(ReplacePoints(points.x, points.y, text))

    def import_points(self, points: PointSet, names: tuple[str, str], text: str) -> None:
        """Replace the points and name the columns, as one undo step."""
        edit = ReplacePoints(points.x, points.y, text)
        edit.check(self.rowCount())
        self.undo_stack.push(ImportCommand(self, edit, names))

    def reset_points(self, points: PointSet, names: tuple[str, str] = COLUMNS) -> None:
        """Load points as a fresh document: no undo history, marked clean."""
        self.set_column_names(names)
        self.apply_edit(ReplacePoints(points.x, points.y))
        self.undo_stack.clear()
        self.undo_stack.setClean()

    def _push(self, edit: PointEdit) -> None:
        """Refuse a bad edit here, before the stack holds it: a DataError from inside redo would be
        reported by Qt, not raised to the caller, and leave a command that cannot undo."""
        edit.check(self.rowCount())
        self.undo_stack.push(PointEditCommand(self, edit))

    # --- the only mutator: called by the undo command ------------------------------------------------
    def apply_edit(self, edit: PointEdit) -> PointEdit:
        """Apply `edit` with the notifications Qt views need and return its inverse. Cell changes are
        dataChanged; one run of rows is an insert or a removal (views keep their scroll and selection);
        scattered rows and replacing everything are a reset."""
        x, y, inverse = edit.apply(self._x, self._y)  # raises before any notification
        if isinstance(edit, SetValue):
            self._x, self._y = x, y
            changed = self.index(edit.row, edit.column)
            self.dataChanged.emit(changed, changed, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        elif isinstance(edit, MovePoint):
            self._x, self._y = x, y
            self.dataChanged.emit(self.index(edit.row, 0), self.index(edit.row, 1))
        elif isinstance(edit, InsertPoints) and edit.rows is None and edit.xs.size:
            self.beginInsertRows(QModelIndex(), edit.row, edit.row + edit.xs.size - 1)
            self._x, self._y = x, y
            self.endInsertRows()
        elif isinstance(edit, RemoveRows) and edit.contiguous and edit.rows.size:
            self.beginRemoveRows(QModelIndex(), int(edit.rows[0]), int(edit.rows[-1]))
            self._x, self._y = x, y
            self.endRemoveRows()
        else:
            self.beginResetModel()
            self._x, self._y = x, y
            self.endResetModel()
        self.pointsChanged.emit()
        return inverse

    def _column(self, column: int) -> np.ndarray:
        return self._x if column == 0 else self._y
