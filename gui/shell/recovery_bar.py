"""The bar at the top of the window that says work was recovered after a crash (or could not be), with a
way back to the last saved state. Not a dialog: the recovered work is already in the window, and the user
may look at it before deciding."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMainWindow, QPushButton, QVBoxLayout, QWidget

from gui.kit.widget_names import named
from gui.session.recovery import RecoveryKeeper, RecoveryReport
from gui.shell.file_actions import FileActions


class RecoveryBar(QFrame):
    def __init__(self, window: QMainWindow, keeper: RecoveryKeeper, files: FileActions) -> None:
        super().__init__()
        self.setObjectName("recoveryBar")
        self.setStyleSheet("QFrame#recoveryBar { background: palette(tooltip-base); color: palette(tooltip-text);"
                           " border-bottom: 1px solid palette(mid); }")
        self.keeper = keeper
        self.files = files
        self.report: RecoveryReport | None = None
        self.label = QLabel()
        self.label.setObjectName("recoveryBarLabel")
        self.label.setWordWrap(True)
        self.discard_button = named(QPushButton("Discard recovered work"), "discardRecoveredButton",
                                    "Go back to the last saved state of the project and delete the recovered copy",
                                    "Discard recovered work")
        self.dismiss_button = named(QPushButton("Dismiss"), "dismissRecoveryBarButton", "Hide this message",
                                    "Dismiss recovery message")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.discard_button)
        layout.addWidget(self.dismiss_button)
        self.discard_button.clicked.connect(self.discard_recovered)
        self.dismiss_button.clicked.connect(self.hide)
        keeper.settled.connect(self._on_settled)
        _place_above_central_widget(window, self)
        self.hide()

    def show_report(self, report: RecoveryReport | None) -> None:
        """Say what `RecoveryKeeper.restore` did; nothing to say hides the bar."""
        self.report = report
        if report is None:
            self.hide()
            return
        lines = [_restored_text(report)] if report.restored else []
        lines += report.problems
        self.label.setText("\n".join(lines))
        self.discard_button.setVisible(report.restored)
        self.show()

    def discard_recovered(self) -> None:
        """Back to the last saved state: the original file reopened, else a new document; the copy goes."""
        report, self.report = self.report, None
        self.hide()
        self.keeper.discard()
        original = report.original_path if report is not None else None
        if original is None or not self.files.open_project(original, confirmed=True):
            self.files.document.new(self.files.current_config())

    def _on_settled(self) -> None:
        """Once the recovered work is saved (or replaced), the bar has nothing left to say."""
        if self.report is not None and self.report.restored:
            self.report = None
            self.hide()


def _restored_text(report: RecoveryReport) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(report.saved_at)) if report.saved_at else "earlier"
    if report.original_path is None:
        return (f"Recovered unsaved work from {when}, when the app ended without saving. "
                "Save it to keep it.")
    return (f"Recovered unsaved changes to {report.original_path} from {when}, when the app ended without "
            "saving. Save writes them over that file.")


def _place_above_central_widget(window: QMainWindow, bar: QWidget) -> None:
    """Put `bar` above whatever the window shows in the middle, below the menus, full width."""
    central = window.takeCentralWidget()
    holder = QWidget()
    holder.setObjectName("recoveryBarHolder")
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(bar)
    if central is not None:
        layout.addWidget(central, 1)
    window.setCentralWidget(holder)
