"""A bar above the window's contents that says what an edit did (a paste: how many points, which lines
were skipped and why). Like the recovery bar, not a dialog: the work is already done and undoable, and
the user reads it at a glance. It stays until dismissed or the next message replaces it."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMainWindow, QPushButton

from gui.kit.widget_names import named
from gui.shell.recovery_bar import _place_above_central_widget


class MessageBar(QFrame):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__()
        self.setObjectName("messageBar")
        self.setStyleSheet("QFrame#messageBar { background: palette(tooltip-base); color: palette(tooltip-text);"
                           " border-bottom: 1px solid palette(mid); }")
        self.label = QLabel()
        self.label.setObjectName("messageBarLabel")
        self.label.setWordWrap(True)
        self.dismiss_button = named(QPushButton("Dismiss"), "dismissMessageBarButton", "Hide this message",
                                    "Dismiss message")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss_button)
        self.dismiss_button.clicked.connect(self.hide)
        _place_above_central_widget(window, self)
        self.hide()

    def show_message(self, message: str) -> None:
        self.label.setText(message)
        self.show()
