"""The points table: in-place editing, Insert/Delete keys, copy and paste of rows as spreadsheet text."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QWidget

from engine.data.pasted_block import pasted_width, read_pasted_block
from engine.data.points import PointSet
from engine.data.table_import import skipped_summary
from gui.kit.table_keys import TabLeavingTable
from gui.session.points_model import PointsTableModel, format_value, parse_cell

SUMMARY_KEPT = 1000  # skipped lines named in the message: the summary shows the first few anyway


class PointsTableView(TabLeavingTable):  # Tab leaves it; Ctrl+Tab moves between cells
    message = Signal(str)  # something the user should read (a refused paste, say)

    def __init__(self, model: PointsTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points_model = model
        self.setModel(model)
        self.setObjectName("pointsTable")
        self.setAccessibleName("pointsTable")
        self.setToolTip("Your points. Edit a cell in place; Insert adds a row, Delete removes the selected "
                        "rows; paste rows copied from a spreadsheet.")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setAlternatingRowColors(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # Fixed row heights: with a million rows the view never measures a row (it would, row by row).
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(22)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.selectionModel().selectedIndexes()})

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
        elif event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
        elif event.key() == Qt.Key.Key_Insert:
            self.add_row()
        elif event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.state() != self.State.EditingState:
            self.delete_selected()
        else:
            super().keyPressEvent(event)

    def add_row(self) -> None:
        """Add a point after the current row, one step beyond it, and start editing its x."""
        model = self.points_model
        current = self.currentIndex().row() if self.currentIndex().isValid() else model.rowCount() - 1
        x, y = model.x(), model.y()
        if current >= 0:
            step = float(x[current] - x[current - 1]) if current > 0 else 1.0
            new_x, new_y = float(x[current]) + (step or 1.0), float(y[current])
        else:
            new_x, new_y = 0.0, 0.0
        row = current + 1
        model.insert_points(row, np.array([new_x]), np.array([new_y]), "Add point")
        self.setCurrentIndex(model.index(row, 0))

    def delete_selected(self) -> None:
        rows = self.selected_rows()
        if rows:
            self.points_model.remove_rows(rows)

    def copy_selection(self) -> None:
        rows = self.selected_rows()
        x, y = self.points_model.x(), self.points_model.y()
        text = "".join(f"{format_value(x[r])}\t{format_value(y[r])}\n" for r in rows)
        QGuiApplication.clipboard().setText(text)

    def paste(self) -> None:
        self.paste_text(QGuiApplication.clipboard().text())

    def paste_text(self, text: str) -> None:
        """Paste as spreadsheets do: the rows overwrite from the current cell down (a block starting in the
        y column fills y only), and rows past the end are added. A single number replaces the current cell.
        Rows without numbers are skipped with their line and reason, like an import; one undo step."""
        stripped = text.strip()
        if not stripped:
            return
        current = self.currentIndex()
        single = parse_cell(stripped)
        if single is not None and current.isValid():
            self.points_model.setData(current, single)
            return
        model = self.points_model
        row = current.row() if current.isValid() else model.rowCount()
        column = current.column() if current.isValid() else 0
        width = min(2 - column, pasted_width(stripped))  # the columns the block fills, from the current one
        names = model.column_names()[column:column + width]
        block = read_pasted_block(text, width, names)
        summary = skipped_summary(block.skipped[:SUMMARY_KEPT], len(block.skipped), "line")
        if not block.rows:
            self.message.emit(f"Nothing was pasted: {summary or 'no numbers in the text'}.")
            return
        new_x, new_y = model.x().copy(), model.y().copy()
        size = new_x.size
        inside = [(row + offset, values) for offset, values in block.rows if row + offset < size]
        beyond = [values for offset, values in block.rows if row + offset >= size]
        targets = (new_x, new_y)[column:column + width]
        for at, values in inside:  # a skipped or blank line leaves its row as it was
            for target, value in zip(targets, values, strict=True):
                target[at] = value
        placed = [at for at, _ in inside]
        if width == 2 and beyond:  # past the end: new points, one after the other
            new_x = np.concatenate([new_x, [values[0] for values in beyond]])
            new_y = np.concatenate([new_y, [values[1] for values in beyond]])
            placed += list(range(size, size + len(beyond)))
        elif beyond:  # one column: existing rows only (a new point needs both x and y)
            left_out = len(beyond)
            summary = (f"{left_out} value{'s' if left_out != 1 else ''} past the last row left out "
                       "(a new point needs x and y)" + (f"; {summary}" if summary else ""))
        count = len(placed)
        if not count:
            self.message.emit(f"Nothing was pasted: {summary}.")
            return
        noun = f"{count:,} point{'s' if count != 1 else ''}" if width == 2 else \
            f"{count:,} {names[0]} value{'s' if count != 1 else ''}"
        model.replace_points(PointSet.from_columns(new_x, new_y, validate=False), f"Paste {noun}")
        first, last = min(placed), max(placed)
        self.setCurrentIndex(model.index(first, column))
        self.scrollTo(model.index(first, column))
        rows = f"row {first + 1}" if first == last else f"rows {first + 1}-{last + 1}"
        self.message.emit(f"Pasted {noun} into {rows}" + (f"; {summary}." if summary else "."))
