"""Messages for the user: one line in the status bar, or a warning box that does not block the event loop
(training keeps streaming while it is open)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMainWindow, QMessageBox

log = logging.getLogger(__name__)
STATUS_TIMEOUT_MS = 10_000


class Notices(QObject):
    statusMessage = Signal(str)  # every status line, as shown (tests and the bench listen)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.last_error_box: QMessageBox | None = None  # the latest warning shown (tests read it)

    def show_status(self, message: str) -> None:
        self.window.statusBar().showMessage(message, STATUS_TIMEOUT_MS)
        self.statusMessage.emit(message)

    def show_error(self, title: str, message: str) -> QMessageBox:
        """A window-modal warning; returned so a caller can add a button that offers a way out."""
        log.info("%s: %s", title, message)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_error_box = box
        self.show_status(message)
        return box
