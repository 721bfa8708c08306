"""File ▸ Export ▸ Animation: the selected run replayed into an animated GIF or an MP4, without ever
blocking the window.

The window's thread renders a few frames per event-loop turn (a zero-interval QTimer, within a small
time budget) and hands each to the AnimationWriter's bounded queue; a worker thread encodes. Training,
painting and the Cancel button keep working throughout. Cancel drops the temporary file; an existing
file is replaced only when the new one is complete.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QProgressDialog, QWidget

from engine.errors import EngineError
from engine.files.animation_file import AnimationSpec
from gui.session.animation_writer import AnimationWriter
from gui.session.run_history import Run, RunHistoryModel
from gui.shell.animation_dialog import AnimationDialog
from gui.shell.notices import Notices
from gui.views.animation_frames import FrameRenderer, RunFilm

TURN_BUDGET_S = 0.012  # rendering per event-loop turn: the window still gets a turn every frame or two


class AnimationExport(QObject):
    finished = Signal(str)  # the path written
    failed = Signal(str)  # the message shown
    cancelled = Signal()
    framesRendered = Signal(int)  # frames handed to the encoder so far (tests and the bench)

    def __init__(self, parent: QWidget, runs: RunHistoryModel, action: QAction, notices: Notices,
                 dialog_folder: Callable[[str], str], selected_run: Callable[[], Run | None] | None = None) -> None:
        super().__init__(parent)
        self.parent_widget, self.runs, self.action, self.notices = parent, runs, action, notices
        self.dialog_folder = dialog_folder
        self.selected_run = selected_run or runs.latest  # the timeline's run once it exists; the newest until
        self.writer: AnimationWriter | None = None
        self.renderer: FrameRenderer | None = None
        self.progress: QProgressDialog | None = None
        self._positions = np.empty(0, dtype=np.int64)
        self._next = 0
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._render_some)
        action.triggered.connect(lambda _checked=False: self.export_dialog())
        runs.runsChanged.connect(self.update_enabled)
        runs.runFinished.connect(self.update_enabled)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.update_enabled()

    def is_exporting(self) -> bool:
        return self.writer is not None

    def update_enabled(self, *_args: object) -> None:
        """Enabled when some run has steps to replay, and no export is under way."""
        has_trace = any(run.trace.steps_run > 0 for run in self.runs.runs)
        self.action.setEnabled(has_trace and not self.is_exporting())

    # --- the dialog ----------------------------------------------------------------------------------
    def export_dialog(self) -> None:
        run = self.selected_run() or self.runs.latest()
        film = RunFilm.of(run) if run is not None else None
        if film is None:
            self.notices.show_error("Nothing to animate", "Train a run first (or select one with steps), then "
                                    "export it as an animation.")
            return
        dialog = AnimationDialog(self.parent_widget, film.label, film.positions, self.dialog_folder("animation.gif"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        path, spec = dialog.request()
        self.start_film(film, path, spec)

    # --- the export ----------------------------------------------------------------------------------
    def start(self, run: Run, path: Path, spec: AnimationSpec) -> bool:
        """Export `run` (as it is now) to `path`; False, with a message, when it cannot start."""
        film = RunFilm.of(run)
        if film is None:
            self._fail(f"{path}: run #{run.number} has no steps to animate")
            return False
        return self.start_film(film, path, spec)

    def start_film(self, film: RunFilm, path: Path, spec: AnimationSpec) -> bool:
        if self.is_exporting():
            self._fail(f"{path}: another animation is being exported; wait for it or cancel it")
            return False
        try:
            spec.validate()
        except EngineError as error:
            self._fail(str(error))
            return False
        self.renderer = FrameRenderer(film, spec.width, spec.height)
        self._positions = film.frame_positions(spec.frames)
        self._next = 0
        palette = [self.renderer.render(int(self._positions[-1]))] if spec.kind == "gif" else []
        self.writer = AnimationWriter(path, spec, palette, self)
        self.writer.encoded.connect(self._on_encoded)
        self.writer.finished.connect(self._on_finished)
        self.writer.failed.connect(self._on_failed)
        self.writer.cancelled.connect(self._on_cancelled)
        self.progress = QProgressDialog(f"Exporting {path.name}…", "Cancel", 0, spec.frames, self.parent_widget)
        self.progress.setObjectName("animationProgress")
        self.progress.setWindowTitle("Export animation")
        self.progress.setWindowModality(Qt.WindowModality.NonModal)  # the window stays usable
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.setMinimumDuration(0)
        self.progress.canceled.connect(self.cancel)
        self.progress.show()
        self.writer.start()
        self._timer.start()
        self.update_enabled()
        return True

    def cancel(self) -> None:
        """Stop rendering and tell the encoder; `cancelled` follows once its temporary file is gone."""
        self._timer.stop()
        if self.writer is not None:
            self.writer.cancel()
            if self.progress is not None:
                self.progress.setLabelText("Cancelling…")

    def shutdown(self) -> None:
        """The window is closing (or the application quitting): cancel, wait for the encoder (its temporary
        file is gone when it returns) and close the progress dialog, now and quietly: no message follows."""
        if self.writer is not None:
            self.cancel()
            self.writer.wait()
            self._end()

    def _render_some(self) -> None:
        writer, renderer = self.writer, self.renderer
        if writer is None or renderer is None:
            self._timer.stop()
            return
        deadline = time.perf_counter() + TURN_BUDGET_S
        while self._next < self._positions.size and time.perf_counter() < deadline:
            if not writer.has_room():
                self._timer.stop()  # the encoder is behind: its next `encoded` starts rendering again
                return
            writer.offer(renderer.render(int(self._positions[self._next])))
            self._next += 1
            self.framesRendered.emit(self._next)
        if self._next >= self._positions.size:
            self._timer.stop()

    def _on_encoded(self, count: int) -> None:
        if (self.writer is not None and not self._timer.isActive() and self._next < self._positions.size
                and self.writer.has_room() and not self.writer.is_cancelling()):
            self._timer.start()  # the queue has room again: render on
        if self.progress is not None and self.writer is not None:
            frames = self.writer.spec.frames
            if count == frames or count * 100 // frames != self.progress.value() * 100 // frames:
                self.progress.setValue(count)  # a repaint: once a percent, not once a frame
                self.progress.setLabelText(f"Exporting {self.writer.path.name}: frame {count:,} of {frames:,}")

    def _from_current_writer(self) -> bool:
        """False for a signal an ended export's worker sent before it ended (queued, it arrives after)."""
        return self.writer is not None and self.sender() is self.writer

    def _on_finished(self, path: str) -> None:
        if not self._from_current_writer():
            return
        self._end()
        self.notices.show_status(f"Saved the animation to {path}.")
        self.finished.emit(path)

    def _on_cancelled(self) -> None:
        if not self._from_current_writer():
            return
        self._end()
        self.notices.show_status("Animation export cancelled: nothing was written.")
        self.cancelled.emit()

    def _on_failed(self, message: str) -> None:
        if self._from_current_writer():
            self._fail(message)

    def _fail(self, message: str) -> None:
        self._end()
        self.notices.show_error("Cannot export the animation", message)
        self.failed.emit(message)

    def _end(self) -> None:
        self._timer.stop()
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.cancel()  # a no-op after success; after a failure it ends a worker still waiting
            writer.wait()
            writer.deleteLater()
        if self.renderer is not None:
            self.renderer.close()
            self.renderer = None
        if self.progress is not None:
            self.progress.canceled.disconnect(self.cancel)
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        self.update_enabled()
