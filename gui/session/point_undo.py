"""One undo command for every point edit (engine/data/point_edits.py).

The command holds an edit, not a copy of the points: redo applies it and keeps the inverse that applying
returned; undo applies that inverse and keeps *its* inverse as the next redo. The moves of one drag on the
plot fold into one command, as in Orange's paint-data widget. The command only knows the small
`EditTarget` protocol, not the table model, so the model can import this module without an import cycle.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QUndoCommand

from engine.data.point_edits import MovePoint, PointEdit

MOVE_COMMAND_ID = 1001  # QUndoStack only offers commands with equal ids to mergeWith


class EditTarget(Protocol):
    """What holds the points: applies an edit (with its notifications) and returns the inverse edit."""

    def apply_edit(self, edit: PointEdit) -> PointEdit: ...


class PointEditCommand(QUndoCommand):
    """Undo and redo of one point edit; the menu text is the edit's text ("Move point 2", ...)."""

    def __init__(self, target: EditTarget, edit: PointEdit, parent: QUndoCommand | None = None) -> None:
        super().__init__(edit.text, parent)
        self._target = target
        self._edit = edit  # what redo applies next
        self._inverse: PointEdit | None = None  # what undo applies: known once redo has run

    @property
    def edit(self) -> PointEdit:
        """The edit that redo applies (after a merge: the whole drag)."""
        return self._edit

    def redo(self) -> None:
        self._inverse = self._target.apply_edit(self._edit)

    def undo(self) -> None:
        if self._inverse is None:
            raise RuntimeError("undo before redo: QUndoStack always redoes a command when it is pushed")
        self._edit = self._target.apply_edit(self._inverse)
        self._inverse = None

    def id(self) -> int:
        return MOVE_COMMAND_ID if isinstance(self._edit, MovePoint) else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        """Fold a later move of the same drag into this command. Both are done when Qt asks, so the
        inverse kept here (the position before the drag) stays right; only the redo target moves on."""
        if not isinstance(other, PointEditCommand) or not isinstance(self._edit, MovePoint):
            return False
        merged = self._edit.merge(other.edit)
        if merged is None:
            return False
        self._edit = merged
        return True


class ImportTarget(EditTarget, Protocol):
    """What holds the points and their columns' names; setting names returns the ones before."""

    def set_column_names(self, names: tuple[str, str]) -> tuple[str, str]: ...


class ImportCommand(QUndoCommand):
    """An import: new points and the columns' names (its header names), undone and redone together. One
    command rather than a parent with two children: PySide would not keep the children's Python side."""

    def __init__(self, target: ImportTarget, edit: PointEdit, names: tuple[str, str]) -> None:
        super().__init__(edit.text)
        self._target = target
        self._edit = edit
        self._names = names  # what redo sets next; after redo, the names undo restores
        self._inverse: PointEdit | None = None

    def redo(self) -> None:
        self._inverse = self._target.apply_edit(self._edit)
        self._names = self._target.set_column_names(self._names)

    def undo(self) -> None:
        if self._inverse is None:
            raise RuntimeError("undo before redo: QUndoStack always redoes a command when it is pushed")
        self._names = self._target.set_column_names(self._names)
        self._edit = self._target.apply_edit(self._inverse)
        self._inverse = None
