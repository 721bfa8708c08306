"""Tab leaves a table: a table that moved its current cell on Tab trapped the keyboard in it forever. Tab
and Shift+Tab go on to the next control, also from a cell being edited (the edit is kept); Ctrl+Tab and
Ctrl+Shift+Tab move between the cells, as Tab does in a spreadsheet."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QAbstractItemDelegate, QAbstractItemView, QTableView, QWidget

_CELL_KEYS = (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)


class TabLeavingTable(QTableView):
    """A QTableView whose Tab moves the focus out and whose Ctrl+Tab moves between cells."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabKeyNavigation(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in _CELL_KEYS and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            backwards = event.key() == Qt.Key.Key_Backtab or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.move_cell(backwards=backwards)
            event.accept()
            return
        super().keyPressEvent(event)

    def move_cell(self, *, backwards: bool = False) -> None:
        """The next (previous) cell becomes current, row by row, wrapping at the ends."""
        action = QAbstractItemView.CursorAction.MovePrevious if backwards else QAbstractItemView.CursorAction.MoveNext
        index = self.moveCursor(action, Qt.KeyboardModifier.NoModifier)
        if index.isValid():
            self.setCurrentIndex(index)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        """The delegate ends an edit on Tab by asking for the next cell: only Ctrl+Tab goes there; a
        plain Tab keeps the edit and leaves the table."""
        onward = (QAbstractItemDelegate.EndEditHint.EditNextItem, QAbstractItemDelegate.EndEditHint.EditPreviousItem)
        if hint in onward and not QGuiApplication.keyboardModifiers() & Qt.KeyboardModifier.ControlModifier:
            super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
            self.focusNextPrevChild(hint == QAbstractItemDelegate.EndEditHint.EditNextItem)
            return
        super().closeEditor(editor, hint)
