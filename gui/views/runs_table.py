"""The Runs panel: every run of the session in a table; tick runs to overlay their loss curves and
landscape paths; export the comparison as CSV."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QHeaderView, QPushButton, QTableView, QVBoxLayout, QWidget

from gui.kit.widget_names import named
from gui.session.run_history import RunHistoryModel


def _button(text: str, name: str, tooltip: str) -> QPushButton:
    return named(QPushButton(text), name, tooltip, accessible_name=text)


class RunsPanel(QWidget):
    exportRequested = Signal()

    def __init__(self, runs: RunHistoryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs = runs
        self.table = named(QTableView(), "runsTable",
                           "Every run of this session. Tick a run to overlay its loss curve and its path.")
        self.table.setModel(runs)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setResizeContentsPrecision(100)  # visible rows + 100: 1,000 runs cost seconds
        self.table.horizontalHeader().setStretchLastSection(True)
        show_all = _button("Show all", "showAllRunsButton", "Overlay every run")
        show_all.clicked.connect(lambda: runs.show_only(list(runs.runs)))
        show_latest = _button("Latest only", "showLatestRunButton", "Overlay only the latest run")
        show_latest.clicked.connect(lambda: runs.show_only(runs.runs[-1:]))
        export = _button("Export CSV…", "exportRunsButton", "Save this table as CSV")
        export.clicked.connect(self.exportRequested)
        clear = _button("Clear", "clearHistoryButton", "Forget every run of this session")
        clear.clicked.connect(lambda: runs.clear())
        buttons = QHBoxLayout()
        for button in (show_all, show_latest, export):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        runs.rowsInserted.connect(lambda *_: self.table.scrollToBottom())
