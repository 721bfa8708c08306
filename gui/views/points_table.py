"""The points table: in-place editing, Insert/Delete keys, copy and paste of rows as spreadsheet text."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QWidget

from engine.data.csv_io import parse_csv_text
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
        """Rows of x and y (tabs, commas or semicolons) are inserted after the current row; a single
        number replaces the current cell. A bad value refuses the whole paste and says where."""
        stripped = text.strip()
        if not stripped:
            return
        current = self.currentIndex()
        single = parse_cell(stripped)
        if single is not None and current.isValid():
            self.points_model.setData(current, single)
            return
        try:
            points = parse_csv_text(stripped, source="Pasted text", for_fitting=False)
        except DataError as error:
            self.message.emit(f"{error} Nothing was pasted.")
            return
        row = current.row() + 1 if current.isValid() else self.points_model.rowCount()
        self.points_model.insert_points(row, points.x, points.y,
                                        f"Paste {len(points)} point{'s' if len(points) != 1 else ''}")
        self.message.emit(f"Pasted {len(points)} point{'s' if len(points) != 1 else ''}.")
