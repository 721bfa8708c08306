"""The Runs panel: every run of the session in a table; tick runs to overlay their loss curves and
landscape paths; click a row to show that run on the timeline; export the comparison as CSV."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, Signal
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QHeaderView, QPushButton, QStyle, QVBoxLayout, QWidget

from gui.kit.table_keys import TabLeavingTable
from gui.kit.widget_names import named
from gui.session.run_history import COLUMNS, Run, RunHistoryModel

EPOCHS_ROOM = 10_000_000  # the epochs column fits this many while runs train (it fits more once they end)


def _button(text: str, name: str, tooltip: str) -> QPushButton:
    return named(QPushButton(text), name, tooltip, accessible_name=text)


class RunsPanel(QWidget):
    exportRequested = Signal()
    runSelected = Signal(object)  # the Run whose row the user picked: the timeline shows it

    def __init__(self, runs: RunHistoryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs = runs
        self.table = named(TabLeavingTable(), "runsTable",
                           "Every run of this session. Tick a run to overlay its loss curve and its path.")
        self._selecting = False
        # A row removed (a failed run) or a reset moves the current row without the user: not a pick.
        # Connected before the table's own selection model, so the flag is up when it moves the row.
        for about, done in ((runs.rowsAboutToBeRemoved, runs.rowsRemoved), (runs.modelAboutToBeReset, runs.modelReset),
                            (runs.rowsAboutToBeInserted, runs.rowsInserted)):
            about.connect(lambda *_: self._set_selecting(True))
            done.connect(lambda *_: self._set_selecting(False))
        self.table.setModel(runs)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        header = self.table.horizontalHeader()
        # Every column fits its contents but the live one: while runs train, the model refreshes their epochs
        # a few times a second, and a header sizing all its columns to their contents measured every cell
        # of the table again each time (~600 data() calls, 5-7 ms in one frame with six runs). The epochs
        # column fits ten million epochs from the start, and its contents whenever the runs change.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._epochs_column = COLUMNS.index("Epochs")
        for column in range(len(COLUMNS)):
            if column != self._epochs_column:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setResizeContentsPrecision(100)  # visible rows + 100: 1,000 runs cost seconds
        header.setStretchLastSection(True)
        self._fit_epochs_column()
        runs.runsChanged.connect(self._fit_epochs_column)
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
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)

    def _fit_epochs_column(self) -> None:
        column = self._epochs_column
        margin = 2 * self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.table) + 8
        room = self.table.fontMetrics().horizontalAdvance(f"{EPOCHS_ROOM:,}") + margin
        contents = max(self.table.sizeHintForColumn(column),
                       self.table.horizontalHeader().sectionSizeFromContents(column).width())
        self.table.setColumnWidth(column, max(room, contents))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):  # presentation mode, a theme
            self._fit_epochs_column()

    def _set_selecting(self, selecting: bool) -> None:
        self._selecting = selecting

    def select_run(self, run: Run | None) -> None:
        """Mark `run`'s row as the current one (the timeline chose it), without emitting runSelected."""
        row = self.runs.runs.index(run) if run is not None and run in self.runs.runs else -1
        self._selecting = True
        try:
            if row < 0:
                self.table.selectionModel().clearCurrentIndex()
                self.table.clearSelection()
            elif self.table.currentIndex().row() != row:
                self.table.selectRow(row)
        finally:
            self._selecting = False

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._selecting and current.isValid() and current.row() < len(self.runs.runs):
            self.runSelected.emit(self.runs.runs[current.row()])
