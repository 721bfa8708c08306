"""The points table: in-place editing, Insert/Delete keys, copy and paste of rows as spreadsheet text."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QWidget

from engine.data.points import PointSet
from engine.data.table_import import SkippedRow, TextTable, skipped_summary
from engine.errors import DataError
from gui.kit.table_keys import TabLeavingTable
from gui.session.points_model import PointsTableModel, format_value, parse_cell


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
        try:
            table = TextTable(stripped, "Pasted text")
        except DataError as error:
            self.message.emit(f"{error} Nothing was pasted.")
            return
        model = self.points_model
        row = current.row() if current.isValid() else model.rowCount()
        column = current.column() if current.isValid() else 0
        width = min(2 - column, len(table.headers))  # the columns the block fills, from the current one
        xs, ys, skipped, skipped_count = table.values(0, 1 if width == 2 else 0)
        # Reasons name the table's columns the values were meant for, as the user sees them.
        targets = dict(zip(table.headers[:width], model.column_names()[column:column + width], strict=True))
        skipped = [SkippedRow(row.line, targets.get(row.column, row.column), row.reason) for row in skipped]
        summary = skipped_summary(skipped, skipped_count, "line")
        if not xs.size:
            self.message.emit(f"Nothing was pasted: {summary}.")
            return
        new_x, new_y = model.x().copy(), model.y().copy()
        if width == 2:
            new_x, new_y = _overwrite(new_x, row, xs), _overwrite(new_y, row, ys)
        else:  # one column: existing rows only (a new point needs both x and y)
            fits = max(0, min(xs.size, new_x.size - row))
            target = new_x if column == 0 else new_y
            target[row:row + fits] = xs[:fits]
            left_out = xs.size - fits
            if left_out:
                summary = (f"{left_out} value{'s' if left_out != 1 else ''} past the last row left out "
                           "(a new point needs x and y)" + (f"; {summary}" if summary else ""))
            xs = xs[:fits]
        count = int(xs.size)
        noun = f"{count:,} point{'s' if count != 1 else ''}" if width == 2 else \
            f"{count:,} {model.column_names()[column]} value{'s' if count != 1 else ''}"
        model.replace_points(PointSet.from_columns(new_x, new_y, validate=False), f"Paste {noun}")
        if count:
            self.setCurrentIndex(model.index(row, column))
            self.scrollTo(model.index(row, column))
        rows = f"row {row + 1}" if count == 1 else f"rows {row + 1}-{row + count}"
        self.message.emit(f"Pasted {noun} into {rows}" + (f"; {summary}." if summary else "."))


def _overwrite(column: np.ndarray, row: int, values: np.ndarray) -> np.ndarray:
    """`column` with `values` written from `row` on, longer where they run past its end."""
    end = row + values.size
    if end > column.size:
        column = np.concatenate([column, np.zeros(end - column.size)])
    column[row:end] = values
    return column
