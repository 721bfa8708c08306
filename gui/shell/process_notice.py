"""The training process stopped answering: say so in the window and offer to restart it. The notice is
non-modal (the window, its plots and its Stop button stay usable) and goes away by itself when the process
answers again. A user who chose to keep waiting still finds the offer in the status bar until then."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMainWindow, QMessageBox, QPushButton

from gui.session.training_session import TrainingSession
from gui.shell.notices import Notices

TITLE = "Training process not answering"


class ProcessNotice(QObject):
    def __init__(self, window: QMainWindow, session: TrainingSession, notices: Notices) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.notices = notices
        self.box: QMessageBox | None = None  # shown while the process does not answer (tests read it)
        self.status_button = QPushButton("Restart training process")
        self.status_button.setObjectName("restartTrainingStatusButton")
        self.status_button.clicked.connect(self.restart)
        window.statusBar().addPermanentWidget(self.status_button)
        self.status_button.hide()
        session.unresponsive.connect(self.show)
        session.responsive.connect(self.hide)
        session.exportsLost.connect(lambda message: notices.show_error("Export interrupted", message))

    def show(self, message: str) -> None:
        self.hide()
        self.status_button.show()
        box = QMessageBox(QMessageBox.Icon.Warning, TITLE, message, QMessageBox.StandardButton.NoButton,
                          self.window)
        box.setObjectName("processNotice")
        box.setInformativeText("Restarting ends the run in progress; it keeps what it trained so far.")
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        restart: QPushButton = box.addButton("Restart training process", QMessageBox.ButtonRole.AcceptRole)
        restart.setObjectName("restartTrainingButton")
        wait = box.addButton("Keep waiting", QMessageBox.ButtonRole.RejectRole)
        wait.setObjectName("keepWaitingButton")
        box.setDefaultButton(restart)
        restart.clicked.connect(self.restart)
        box.finished.connect(lambda _result: self._forget(box))
        self.box = box
        box.show()
        self.notices.show_status(message)

    def hide(self) -> None:
        """The process answers again (or was restarted): the question is moot."""
        self.status_button.hide()
        box, self.box = self.box, None
        if box is not None:
            box.close()

    def restart(self) -> None:
        self.hide()
        self.session.restart_process()
        self.notices.show_status(f"Restarted the training process (pid {self.session.runner.child_pid()}).")

    def _forget(self, box: QMessageBox) -> None:
        if self.box is box:
            self.box = None
