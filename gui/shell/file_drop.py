"""Files dropped onto the window: a project opens, a CSV/TSV or spreadsheet goes through the import dialog.
An event filter on the window, so the window's class stays a shell; drops onto the plots and the table
reach it too (Qt passes an ignored drag on to the parent)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMainWindow

from gui.shell.file_actions import FileActions


def dropped_file(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The one local file a drag carries, or None (several files, a web link, text)."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    return Path(urls[0].toLocalFile())


class FileDrop(QObject):
    def __init__(self, window: QMainWindow, files: FileActions) -> None:
        super().__init__(window)
        self.files = files
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, (QDragEnterEvent, QDropEvent)) and event.type() in (
                QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            path = dropped_file(event)
            if path is None:
                return False
            event.acceptProposedAction()
            if event.type() == QEvent.Type.Drop:
                self.files.remember_folder(path)
                # After the drop returns: the drag source is not kept waiting while the dialog is open.
                QTimer.singleShot(0, lambda: self.files.open_path(path))
            return True
        return False
