"""A note that says what an edit did (a paste: how many points, which lines were skipped and why), floating
over the bottom-right corner of the window's contents.

Not a dialog: the work is already done and undoable, and the user reads it at a glance. Not a bar in the
layout either: one that pushed the window's contents down would move every control under the cursor just
after a paste. It stays until dismissed or the next message replaces it, and follows the window's size.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMainWindow, QPushButton

from gui.kit.widget_names import named

MARGIN = 12
MAX_WIDTH = 520


class MessageBar(QFrame):
    def __init__(self, window: QMainWindow) -> None:
        # A child of the window, over its contents: a child of the central widget (a splitter) would become
        # one of its panes.
        super().__init__(window)
        self.window_: QMainWindow = window
        self.setObjectName("messageBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setStyleSheet("QFrame#messageBar { background: palette(tooltip-base); color: palette(tooltip-text);"
                           " border: 1px solid palette(mid); border-radius: 4px; }")
        self.label = QLabel()
        self.label.setObjectName("messageBarLabel")
        self.label.setWordWrap(True)
        self.dismiss_button = named(QPushButton("Dismiss"), "dismissMessageBarButton", "Hide this message",
                                    "Dismiss message")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 8, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss_button)
        self.dismiss_button.clicked.connect(self.hide)
        window.installEventFilter(self)
        self.hide()

    def show_message(self, message: str) -> None:
        self.label.setText(message)
        self._place()
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window_ and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False

    def _place(self) -> None:
        """Bottom right of the contents, as wide as the text needs up to MAX_WIDTH."""
        central = self.window_.centralWidget()
        area = central.geometry() if central is not None else self.window_.rect()
        width = max(200, min(MAX_WIDTH, area.width() - 2 * MARGIN))
        height = self.heightForWidth(width) if self.hasHeightForWidth() else self.sizeHint().height()
        height = max(height, self.sizeHint().height())
        self.setGeometry(area.right() - MARGIN - width, area.bottom() - MARGIN - height, width, height)
