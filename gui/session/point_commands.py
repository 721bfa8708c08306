"""Undo commands for point edits. Each holds what it needs to redo and to undo itself; a drag of a
point on the plot merges into one command (Orange's paint-data widget does the same)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from gui.session.points_model import PointsTableModel

MOVE_COMMAND_ID = 1001


class SetValueCommand(QUndoCommand):
    def __init__(self, model: PointsTableModel, row: int, column: int, old: float, new: float) -> None:
        super().__init__(f"Edit {'xy'[column]} of point {row + 1}")
        self.model, self.row, self.column, self.old, self.new = model, row, column, old, new

    def redo(self) -> None:
        self.model.apply_value(self.row, self.column, self.new)

    def undo(self) -> None:
        self.model.apply_value(self.row, self.column, self.old)


class InsertPointsCommand(QUndoCommand):
    def __init__(self, model: PointsTableModel, row: int, xs: np.ndarray, ys: np.ndarray, text: str) -> None:
        super().__init__(text)
        self.model, self.row, self.xs, self.ys = model, row, xs, ys

    def redo(self) -> None:
        self.model.apply_insert(self.row, self.xs, self.ys)

    def undo(self) -> None:
        self.model.apply_remove(np.arange(self.row, self.row + len(self.xs)))


class RemoveRowsCommand(QUndoCommand):
    def __init__(self, model: PointsTableModel, rows: list[int]) -> None:
        super().__init__("Delete point" if len(rows) == 1 else f"Delete {len(rows)} points")
        self.model = model
        self.rows = np.asarray(rows, dtype=np.int64)
        self.xs = model.x()[self.rows].copy()
        self.ys = model.y()[self.rows].copy()

    def redo(self) -> None:
        self.model.apply_remove(self.rows)

    def undo(self) -> None:
        # Re-insert in ascending order: each row index is its final position.
        x, y = self.model.x().copy(), self.model.y().copy()
        for row, xv, yv in zip(self.rows.tolist(), self.xs.tolist(), self.ys.tolist(), strict=True):
            x, y = np.insert(x, row, xv), np.insert(y, row, yv)
        self.model.apply_replace(x, y)


class MovePointCommand(QUndoCommand):
    def __init__(self, model: PointsTableModel, row: int, old: tuple[float, float], new: tuple[float, float],
                 drag_id: int) -> None:
        super().__init__(f"Move point {row + 1}")
        self.model, self.row, self.old, self.new, self.drag_id = model, row, old, new, drag_id

    def id(self) -> int:
        return MOVE_COMMAND_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MovePointCommand) or (other.drag_id, other.row) != (self.drag_id, self.row):
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self.model.apply_move(self.row, *self.new)

    def undo(self) -> None:
        self.model.apply_move(self.row, *self.old)


class ReplacePointsCommand(QUndoCommand):
    def __init__(self, model: PointsTableModel, old: tuple[np.ndarray, np.ndarray],
                 new: tuple[np.ndarray, np.ndarray], text: str) -> None:
        super().__init__(text)
        self.model, self.old, self.new = model, old, new

    def redo(self) -> None:
        self.model.apply_replace(*self.new)

    def undo(self) -> None:
        self.model.apply_replace(*self.old)
