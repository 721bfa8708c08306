"""Start the desktop app: the window is shown first; torch loads in the background afterwards."""

from __future__ import annotations

import gc
import logging
import math
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QStandardPaths, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from engine.files.desktop_entry import APP_ID as DESKTOP_APP_ID
from engine.files.file_kind import file_kind
from engine.training.results import TrainingResult
from gui.session.document import APP_NAME
from gui.shell.main_window import MainWindow

ORGANIZATION = "GradientDescentStudio"
ICON_PATH = Path(__file__).resolve().parent.parent / "assets" / "icon.png"
TEST_EDIT_ENV = "GDS_TEST_EDIT"  # test-only: "x,y" adds that point once the window is up (test_recovery.py)


def configure_logging() -> Path | None:
    """Log to a file in the user's data folder (a windowed bundle has no stdout), and to stderr if any."""
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    handlers: list[logging.Handler] = []
    log_file: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        log_file = folder / "studio.log"
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    except OSError:
        log_file = None
    if sys.stderr is not None:
        handlers.append(logging.StreamHandler(sys.stderr))
    logging.basicConfig(level=logging.INFO, handlers=handlers,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return log_file


def _quit_after_first_paint(app: QApplication, window: MainWindow) -> None:
    """For benchmarks and the bundle test: print when the window has painted, then quit. If
    GDS_STARTUP_PROBE names a .png, first train with the defaults (in the training process, as a user
    would) and save a screenshot there."""

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                print(f"PAINTED {time.time():.6f}", flush=True)
                print(f"DOCUMENT {window.model.rowCount()} points, modified={window.isWindowModified()}, "
                      f"recovered={window.recovery_bar.isVisible()}", flush=True)
                target = os.environ.get("GDS_STARTUP_PROBE", "")
                if target.endswith(".png"):
                    QTimer.singleShot(0, lambda: train_then_screenshot(target))
                else:
                    QTimer.singleShot(0, app.quit)
                window.removeEventFilter(self)
            return False

    def train_then_screenshot(target: str) -> None:
        def finished(result: TrainingResult) -> None:
            print(f"TRAINED {result.weight!r} {result.bias!r} {result.stop_reason}", flush=True)
            QTimer.singleShot(300, lambda: (window.grab().save(target), app.quit()))

        window.trainingFinished.connect(finished)
        window.runner.failed.connect(lambda message: (print(f"FAILED {message}", flush=True), app.exit(1)))
        window.training.start_training()

    probe = FirstPaint(window)
    window.files.confirm_discard = lambda: True  # type: ignore[method-assign]
    window.recovery.detach()  # quitting without asking the user must not delete recovered work
    window.installEventFilter(probe)


def _apply_test_edit(window: MainWindow, value: str) -> None:
    """Test-only: one unsaved edit in the real app, so a test can kill it and see the work come back."""
    if not value:
        return
    try:
        x, y = (float(part) for part in value.split(","))
    except ValueError:
        x = y = math.nan
    if not (math.isfinite(x) and math.isfinite(y)):
        logging.getLogger(__name__).warning("%s=%r is not two finite numbers 'x,y'; ignored", TEST_EDIT_ENV, value)
        return
    window.model.add_point(x, y)
    print(f"EDITED {window.model.rowCount()} points", flush=True)


def freeze_startup_objects() -> None:
    """Move everything built so far (Qt wrappers, pyqtgraph, numpy) out of the garbage collector's view.
    A full collection otherwise walks them all and stalls the window for tens of milliseconds now and
    then while it streams; they live as long as the app anyway."""
    gc.collect()
    gc.freeze()


def open_given_file(window: MainWindow, path: Path) -> None:
    """`main.py FILE`: a project, a CSV/TSV or a spreadsheet (by extension, else content). With recovered
    work in the window, a project asks before it replaces it; data goes through the import dialog once
    the event loop runs (it is one undo step, nothing is lost)."""
    if file_kind(path) == "project":
        window.files.open_project(path, confirmed=not window.document.is_modified())
    else:
        QTimer.singleShot(0, lambda: window.files.import_table(path))


def run_app(arguments: list[str]) -> int:
    QApplication.setApplicationName(APP_NAME)
    QApplication.setOrganizationName(ORGANIZATION)
    QApplication.setDesktopFileName(DESKTOP_APP_ID)  # docks and Wayland match the window to the launcher's entry
    app = QApplication(sys.argv[:1] + arguments)
    configure_logging()
    window = MainWindow(detect_devices=False)  # the training process starts once the window is up
    if ICON_PATH.exists():
        icon = QIcon(str(ICON_PATH))
        app.setWindowIcon(icon)
        window.setWindowIcon(icon)
    app.aboutToQuit.connect(window.session.shutdown)  # a safety net: closeEvent normally did this already
    window.show()
    _apply_test_edit(window, os.environ.get(TEST_EDIT_ENV, ""))
    freeze_startup_objects()
    if os.environ.get("GDS_STARTUP_PROBE"):
        _quit_after_first_paint(app, window)
    else:
        window.detect_devices()
    given = next((Path(arg) for arg in arguments if not arg.startswith("-")), None)
    if given is not None:
        open_given_file(window, given)
    return app.exec()
