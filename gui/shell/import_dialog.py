"""File ▸ Import data: a table's first rows, the sheet and the x and y columns to take, and what will be
left out. Nothing changes in the document until Import is pressed; Cancel leaves it exactly as it was.

Reading happens on the GUI thread under a busy cursor, not in a worker: a file is at most 512 MB, a
million plain rows read in about a second, and a sheet is read once per choice of sheet. Changing the
columns only counts again (numpy's parser, or one pass over the rows).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engine.data.table_import import ImportedPoints, Table
from engine.errors import DataError
from gui.kit.busy_cursor import busy_cursor
from gui.kit.widget_names import named

PREVIEW_ROWS = 50
REASONS_SHOWN = 3


class ImportDialog(QDialog):
    def __init__(self, title: str, table: Table | None, sheets: list[str], open_sheet: Callable[[str], Table],
                 parent: QWidget | None = None) -> None:
        """`table`: the file's table, or None to read the first of `sheets` here (a sheet that cannot be
        read is said in the dialog, and another can be chosen)."""
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle(f"Import {title}")
        self.table: Table | None = table
        self.open_sheet = open_sheet
        self.imported: ImportedPoints | None = None  # what Import takes: the current choice's points

        self.sheet_combo = named(QComboBox(), "importSheetCombo", "The spreadsheet's sheet to read", "Sheet")
        self.sheet_combo.addItems(sheets)
        self.x_combo = named(QComboBox(), "importXColumnCombo", "The column that holds x", "x column")
        self.y_combo = named(QComboBox(), "importYColumnCombo", "The column that holds y", "y column")
        self.preview_model = QStandardItemModel(self)
        self.preview = named(QTableView(), "importPreview", f"The first {PREVIEW_ROWS} rows of the data",
                             "Preview")
        self.preview.setModel(self.preview_model)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setMinimumHeight(200)
        self.summary = QLabel()
        self.summary.setObjectName("importSkippedLabel")
        self.summary.setWordWrap(True)
        self.show_skipped_button = named(QPushButton("Show skipped…"), "importShowSkippedButton",
                                         "List every line or row that will be left out, with the reason",
                                         "Show skipped lines")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        if sheets:
            form.addRow("&Sheet:", self.sheet_combo)
        form.addRow("&x column:", self.x_combo)
        form.addRow("&y column:", self.y_combo)
        summary_row = QHBoxLayout()
        summary_row.addWidget(self.summary, 1)
        summary_row.addWidget(self.show_skipped_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview, 1)
        layout.addLayout(summary_row)
        layout.addWidget(self.buttons)
        self.resize(720, 480)

        self.sheet_combo.currentTextChanged.connect(self._on_sheet_chosen)
        self.x_combo.currentIndexChanged.connect(self._recount)
        self.y_combo.currentIndexChanged.connect(self._recount)
        self.show_skipped_button.clicked.connect(self.show_skipped)
        if table is None:
            self._on_sheet_chosen(self.sheet_combo.currentText())
        else:
            self._show_table(table)

    # --- choices ------------------------------------------------------------------------------------------
    def _on_sheet_chosen(self, sheet: str) -> None:
        self.table = None
        try:
            with busy_cursor():
                table = self.open_sheet(sheet)
        except DataError as error:
            self._show_problem(str(error))
            self.preview_model.clear()
            for combo in (self.x_combo, self.y_combo):
                combo.blockSignals(True)
                combo.clear()
                combo.blockSignals(False)
            return
        self._show_table(table)

    def _show_table(self, table: Table) -> None:
        """Preview the table and preselect its first and last numeric columns."""
        self.table = table
        self.preview_model.clear()
        self.preview_model.setHorizontalHeaderLabels(list(table.headers))
        for row in table.preview(PREVIEW_ROWS):
            items = [QStandardItem(text) for text in row[: len(table.headers)]]
            self.preview_model.appendRow(items)
        self.preview.resizeColumnsToContents()
        x, y = table.default_columns()
        for combo, chosen in ((self.x_combo, x), (self.y_combo, y)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(list(table.headers))
            combo.setCurrentIndex(chosen)
            combo.blockSignals(False)
        self._recount()

    def _recount(self) -> None:
        """Say what Import would take with the columns chosen now."""
        x, y = self.x_combo.currentIndex(), self.y_combo.currentIndex()
        if x < 0 or y < 0 or self.table is None:
            return
        try:
            with busy_cursor():
                self.imported = self.table.extract(x, y)
        except DataError as error:
            self._show_problem(str(error))
            return
        imported = self.imported
        word = imported.row_word
        count = len(imported.points)
        text = f"{count:,} {word}{'s' if count != 1 else ''} will be imported"
        if imported.skipped_count:
            reasons = "; ".join(f"{word} {row}" for row in imported.skipped[:REASONS_SHOWN])
            more = ", …" if imported.skipped_count > REASONS_SHOWN else ""
            text += f"; {imported.skipped_count:,} skipped ({reasons}{more})."
        else:
            text += "; none skipped."
        self.summary.setText(text)
        self.show_skipped_button.setEnabled(imported.skipped_count > 0)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def _show_problem(self, message: str) -> None:
        self.imported = None
        self.summary.setText(message)
        self.show_skipped_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)

    # --- the list of what is left out ------------------------------------------------------------------
    def skipped_lines(self) -> list[str]:
        imported = self.imported
        if imported is None:
            return []
        word = imported.row_word.capitalize()
        lines = [f"{word} {row.line}: {row.column + ' ' if row.column else ''}{row.reason}" for row in imported.skipped]
        if imported.skipped_count > len(imported.skipped):
            lines.append(f"… and {imported.skipped_count - len(imported.skipped):,} more")
        return lines

    def show_skipped(self) -> None:
        """Every skipped line or row with its reason, in a window of its own that can be copied from."""
        box = QDialog(self)
        box.setObjectName("importSkippedDialog")
        box.setWindowTitle("Skipped when importing")
        text = named(QPlainTextEdit("\n".join(self.skipped_lines())), "importSkippedList",
                     "Every line or row left out, with the reason", "Skipped lines")
        text.setReadOnly(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(box.reject)
        layout = QVBoxLayout(box)
        layout.addWidget(text)
        layout.addWidget(close)
        box.resize(520, 360)
        self.skipped_dialog = box
        box.open()
