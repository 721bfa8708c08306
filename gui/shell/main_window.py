"""The main window: a shell that builds the parts and wires them together. It holds no state of its own:
the points live in the PointsTableModel, the runs and the training in the TrainingSession, the file in the
Document; the file, training and export actions carry out what the menus ask."""

from __future__ import annotations

import contextlib
import time

import numpy as np
from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow

from engine.analysis.least_squares import Moments, least_squares
from engine.analysis.loss_surface import Objective
from engine.analysis.polynomial_fit import exact_optimum
from engine.data.points import PointSet
from engine.errors import EngineError
from engine.files.project_file import Project
from engine.training.losses import LOSSES
from engine.training.results import ProgressBatch, TrainingResult
from gui.kit.one_pass_paint import paint_scenes_together
from gui.session.app_settings import AppSettings
from gui.session.document import APP_NAME, Document
from gui.session.points_model import PointsTableModel
from gui.session.recovery import RecoveryKeeper
from gui.session.run_history import Run, RunHistoryModel
from gui.session.training_process import TrainingRunner
from gui.session.training_session import TrainingSession
from gui.shell.animation_export import AnimationExport
from gui.shell.exports import Exports
from gui.shell.file_actions import FileActions
from gui.shell.file_drop import FileDrop
from gui.shell.menus import MainMenus, MenuTargets
from gui.shell.message_bar import MessageBar
from gui.shell.notices import Notices
from gui.shell.presentation import Presentation
from gui.shell.process_notice import ProcessNotice
from gui.shell.recovery_bar import RecoveryBar
from gui.shell.screen_fit import DEFAULT_SIZE, fit_to_screen
from gui.shell.theme import ThemeSwitcher
from gui.shell.timeline_controller import TimelineController
from gui.shell.training_actions import TrainingActions
from gui.shell.window_layout import Views, arrange
from gui.views.data_plot import DataPlotWidget
from gui.views.landscape_plot import LandscapeWidget
from gui.views.loss_plot import LossPlotWidget
from gui.views.points_table import PointsTableView
from gui.views.runs_table import RunsPanel
from gui.views.step_details import StepDetailsView
from gui.views.timeline_bar import TimelineBar
from gui.views.training_panel import TrainingPanel

FRAME_INTERVAL_MS = 16
PANEL_INTERVAL_S = 0.25  # the panel's live figures: each update lays the panel out again (~2-3 ms in one frame)


class MainWindow(QMainWindow):
    trainingFinished = Signal(object)  # the engine's TrainingResult, after every run (racers included)
    statusMessage = Signal(str)

    def __init__(self, settings: QSettings | None = None, *, detect_devices: bool = True) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = AppSettings(settings)
        self.model = PointsTableModel(PointSet.seed(), self)
        self.runs = RunHistoryModel(self)
        self.session = TrainingSession(self.runs, self)
        self.document = Document(self.model, self.session, self)
        self.notices = Notices(self)
        self.notices.statusMessage.connect(self.statusMessage)
        self._landscape_data: tuple[np.ndarray, np.ndarray] | None = None  # the training rows it shades

        self.table = PointsTableView(self.model)
        self.data_plot = DataPlotWidget(self.model)
        self.loss_plot = LossPlotWidget(self.runs)
        self.landscape = LandscapeWidget(self.runs)
        self.panel = TrainingPanel()
        self.runs_panel = RunsPanel(self.runs)
        self.timeline_bar = TimelineBar()
        self.step_details = StepDetailsView()
        layout = arrange(self, Views(self.table, self.data_plot, self.landscape, self.loss_plot, self.panel,
                                     self.runs_panel, self.timeline_bar, self.step_details))
        self.timeline = TimelineController(self.timeline_bar, self.data_plot, self.landscape, self.loss_plot,
                                           self.runs, self.runs_panel, self.panel.pace, parent=self)
        self.timeline.step_details = self.step_details
        self.runs_dock, self.residuals_check, self.ghost_check = layout.runs_dock, layout.residuals_check, \
            layout.ghost_check
        self.frame_timer = QTimer(self)  # views redraw at display rate, never once per progress batch
        self.frame_timer.setInterval(FRAME_INTERVAL_MS)
        self.frame_timer.timeout.connect(self._redraw_views)
        self._panel_run: Run | None = None  # the live run whose figures the panel shows (the newest)
        # The newest batch's figures, shown once per frame: a pace of 1000 sends ~120 batches a second and
        # each panel update costs about a millisecond (the progress bar repaints at once).
        self._pending_progress: tuple[int, int, float, float, float, float, tuple[float, ...]] | None = None
        self._panel_shown_at = 0.0
        # They are shown after the frame's plots have painted (a zero timer: once the events queued before it
        # are handled). Shown in the frame timer's tick, four times a second a frame started painting ~1 ms late.
        self._panel_after_paints = QTimer(self)
        self._panel_after_paints.setSingleShot(True)
        self._panel_after_paints.setInterval(0)
        self._panel_after_paints.timeout.connect(self._show_pending_progress)

        self.files = FileActions(self, self.document, self.settings, self.notices, self.panel.config)
        self.file_drop = FileDrop(self, self.files)  # a dropped project opens; dropped data is imported
        self.message_bar = MessageBar(self)
        self.training = TrainingActions(self, self.session, self.model, self.panel, self.settings, self.notices)
        self.process_notice = ProcessNotice(self, self.session, self.notices)  # restart a hung process
        plots = {"data": self.data_plot, "landscape": self.landscape.plot, "loss": self.loss_plot.plot}
        self.exports = Exports(self, self.model, self.session, plots, self.notices, self.files.dialog_folder,
                               self.files.remember_folder)
        self.menus = MainMenus(self, MenuTargets(
            self.files, self.training, self.exports, self.model.undo_stack, self.table, self.delete_selection,
            self.document.clear_points, self.residuals_check, self.ghost_check, self.runs_dock))
        self.presentation = Presentation(self, self.menus.presentation)  # View ▸ Presentation mode
        self.theme = ThemeSwitcher(self, self.menus.theme_menu, self.settings)  # View ▸ Theme, applied now
        self.animation_export = AnimationExport(self, self.runs, self.menus.export_animation, self.notices,
                                                self.files.dialog_folder, self.selected_run)
        self._connect()
        self._on_points_changed()
        self._restore_settings()
        self.recovery = RecoveryKeeper(self.document, self.panel.config, parent=self)  # a copy while unsaved
        self.recovery.writeFailed.connect(self.notices.show_status)
        self.recovery_bar = RecoveryBar(self, self.recovery, self.files)
        self.recovery_bar.show_report(self.recovery.restore())  # work a crashed window left behind
        if detect_devices:
            self.detect_devices()

    def selected_run(self) -> Run | None:
        """The run the timeline shows (a new run selects itself; a Runs table row click selects one)."""
        return self.timeline.selected_run()

    def show_position(self, position: int) -> None:
        """Show the selected run at timeline `position` everywhere (the slider moves with it)."""
        self.timeline.show_position(position)

    @property
    def runner(self) -> TrainingRunner:
        """The session's training process client (tests and the benchmarks reach it here)."""
        return self.session.runner

    def _restore_settings(self) -> None:
        self.panel.set_config(self.settings.training_config())
        self._update_rate_plot()
        self.panel.set_pace(self.settings.pace())
        self.session.set_pace(self.panel.pace())
        self.menus.set_recent_files(self.settings.recent_files())
        geometry = self.settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(DEFAULT_SIZE)
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)
        fit_to_screen(self)  # a size saved on a bigger screen, or at another scale factor, is too big here
        self._update_title()

    def _connect(self) -> None:
        model, panel, session, document = self.model, self.panel, self.session, self.document
        model.pointsChanged.connect(self._on_points_changed)
        model.editRejected.connect(self.notices.show_status)
        self.table.message.connect(self.notices.show_status)
        self.table.message.connect(self.message_bar.show_message)  # a paste says what it did, visibly
        self.data_plot.pointSelected.connect(lambda row: self.table.selectRow(row))
        self.runs_panel.exportRequested.connect(self.exports.export_runs_dialog)
        self.runs_panel.runSelected.connect(self._on_run_picked)
        panel.trainRequested.connect(self.training.start_training)
        panel.raceRequested.connect(self.training.start_race)
        panel.stopRequested.connect(self.training.stop_training)
        panel.stepRequested.connect(self.training.step_once)
        panel.continueRequested.connect(self.training.continue_training)
        panel.paceChanged.connect(self.training.set_pace)
        panel.model_controls.changed.connect(self._update_model_overlays)
        for rate_setting in (panel.model_controls.changed, panel.learning_rate_spin.valueChanged,
                             panel.epochs_spin.valueChanged):
            rate_setting.connect(self._update_rate_plot)
        panel.seed_spin.valueChanged.connect(self._update_model_overlays)
        session.busyChanged.connect(self._update_can_continue)
        document.loaded.connect(self._update_can_continue)
        panel.pauseToggled.connect(session.set_paused)
        session.runStarted.connect(self._on_run_started)
        session.progress.connect(self._on_progress)
        session.runFinished.connect(self._on_run_finished)
        self.runs.runFinished.connect(self._on_run_done)
        panel.paceChanged.connect(self.timeline.set_pace)
        session.runFinished.connect(self.trainingFinished)
        session.failed.connect(self._on_failed)
        session.busyChanged.connect(lambda busy: self.frame_timer.start() if busy else self.frame_timer.stop())
        session.runningChanged.connect(panel.set_running)
        session.runningChanged.connect(self.menus.set_running)
        session.message.connect(self.notices.show_status)
        session.runner.devicesReady.connect(panel.set_devices)
        session.runner.exported.connect(lambda path: self.notices.show_status(f"Exported the model to {path}."))
        session.runner.exportFailed.connect(lambda message: self.notices.show_error("Export failed", message))
        document.changed.connect(self._update_title)
        document.loaded.connect(self._on_document_loaded)
        document.pointsReplaced.connect(self.data_plot.getPlotItem().enableAutoRange)

    # --- what the points say -----------------------------------------------------------------------
    def _on_points_changed(self) -> None:
        """New moments (one pass over the points): the exact answer, the surface, the stable rate, R²."""
        moments = Moments.of_columns(self.model.x(), self.model.y())
        optimum = least_squares(moments)
        self._update_model_overlays()
        self.panel.set_data(moments, optimum)
        self.panel.set_points(self.model.x(), self.model.y())
        line = self.session.current_line()
        live, last = self.session.live_run, self.session.last_result
        coefficients = live.coefficients() if live is not None else (last.coefficients if last is not None else ())
        if line is not None:
            self.panel.show_model(coefficients, *line)

    def _update_model_overlays(self) -> None:
        """The settings' validation split drawn hollow, the landscape over the training rows (the points the
        run's loss is over), and the exact optimum of the model they train: the least-squares line or
        polynomial (ridge with L2) on the training rows; none for MAE, Huber or L1."""
        fields = self.panel.model_controls.fields()
        penalised = fields["l2"] > 0 or fields["l1"] > 0
        self.landscape.set_model(fields["degree"], LOSSES.get(fields["loss"]).label, penalised,
                                 Objective(fields["loss"], fields["huber_delta"], fields["l2"], fields["l1"]))
        self.data_plot.set_split(fields["validation_fraction"], self.panel.seed_spin.value())
        x, y = self.model.x(), self.model.y()
        held = self.data_plot.held_rows  # up to MAX_DRAWN points (the shuffle is Python, ~1 s at a million);
        if held.size:  # beyond, a random quarter or so left in changes the optimum by a hair, not the picture
            keep = np.ones(x.size, dtype=bool)
            keep[held] = False
            x, y = x[keep], y[keep]
        shaded = self._landscape_data
        if shaded is None or not (np.array_equal(shaded[0], x) and np.array_equal(shaded[1], y)):
            self._landscape_data = (x.copy(), y.copy())  # a new training set: shaded and framed again
            self.landscape.set_points(x, y)
            self.landscape.set_moments(Moments.of_columns(x, y))
        coefficients: tuple[float, ...] | None = None
        if fields["loss"] == "mse" and fields["l1"] == 0.0:
            if fields["degree"] == 1 and fields["l2"] == 0.0:  # the line the app always drew, from the moments
                fit = least_squares(Moments.of_columns(x, y))
                coefficients = None if fit is None else (fit.bias, fit.weight)
            else:
                exact = exact_optimum(x, y, fields["degree"], fields["l2"])
                coefficients = None if exact is None else tuple(float(value) for value in exact)
        line = coefficients is not None and len(coefficients) == 2
        self.data_plot.set_ghost(*((coefficients[1], coefficients[0]) if line else (None, None)))  # type: ignore[index]
        self.data_plot.set_ghost_curve(None if line else coefficients)
        self.panel.exact_coefficients = coefficients

    def _update_rate_plot(self) -> None:
        with contextlib.suppress(EngineError):  # a setting the config refuses: the plot keeps the last one
            self.loss_plot.rate_plot.show_schedule(self.panel.config())

    # --- runs, drawn as they train (a race trains three at once) ------------------------------------
    def _on_run_started(self, run: Run) -> None:
        resumed = len(run.live_losses) > 0  # Continue or Step: how far it goes is not known here
        self.loss_plot.start_run(run, None if resumed else run.config.epochs)
        self.landscape.start_run(run)
        self.data_plot.add_live_run(run)
        self.timeline.run_started(run)
        self._panel_run = run
        label = self.panel.device_combo.currentText()
        if run.race is not None:
            label += f" — race {run.race}: {run.config.optimizer}"
        self.panel.show_started(run.config.epochs, label)

    def _on_progress(self, run: Run, batch: ProgressBatch) -> None:
        """The views read the run at the next frame; only the panel's figures come from the batch."""
        if run is not self._panel_run:
            return
        if batch.epochs.size:
            epoch, loss = int(batch.epochs[-1]), float(batch.losses[-1])
        elif batch.records is not None and len(batch.records):  # a mini-batch step inside an epoch
            epoch, loss = int(batch.records.epochs[-1]) - 1, float(batch.records.losses[-1])
        else:
            return
        self._pending_progress = (epoch, batch.epochs_total, loss, batch.steps_per_second, batch.weight, batch.bias,
                                  batch.coefficients)

    def _show_pending_progress(self, *, now: bool = False) -> None:
        """The panel's figures at most PANEL_INTERVAL_S apart (no one reads numbers changing 60 times a second,
        and each update lays out the panel's labels again); `now`: the last ones before a result."""
        pending = self._pending_progress
        moment = time.monotonic()
        if pending is None or (not now and moment - self._panel_shown_at < PANEL_INTERVAL_S):
            return
        self._pending_progress, self._panel_shown_at = None, moment
        self.panel.show_progress(*pending)

    def _update_can_continue(self, *_args: object) -> None:
        """Continue is offered while the training process holds the current run and nothing trains."""
        can = self.session.can_continue() and not self.session.is_running()
        self.panel.set_can_continue(can)
        self.menus.set_can_continue(can)

    def _redraw_views(self) -> None:
        if self._pending_progress is not None:
            self._panel_after_paints.start()
        self.loss_plot.redraw()
        self.landscape.redraw()
        self.data_plot.redraw_live()
        self.timeline.on_frame()
        # The three plots in one pass of the window, not one pass (and one flush to the screen) each
        paint_scenes_together(self, [view.scene() for view in (self.loss_plot.plot, self.landscape.plot,
                                                               self.data_plot)])

    def _on_run_done(self, run: Run) -> None:
        if run is self._panel_run:
            self._show_pending_progress(now=True)  # the last figures before the result replaces them
        self.loss_plot.finish_run(run)
        self.landscape.finish_run(run)
        self.data_plot.remove_live_run(run)
        self.timeline.run_finished(run)

    def _on_run_picked(self, run: Run | None) -> None:
        """A row picked in the Runs table: the Result panel shows that run's result (a run still training
        keeps the live figures)."""
        if run is not None and run.result is not None and run.number not in self.landscape.live_runs:
            self.panel.show_result(run.result)

    def _on_run_finished(self, result: TrainingResult) -> None:
        self._pending_progress = None  # the result's figures replace the live ones
        self.panel.show_result(result)
        if self.timeline.selected_run() is None:
            self.data_plot.show_model(result.coefficients, result.weight, result.bias)

    def _on_failed(self, message: str) -> None:
        for run in list(self.landscape.live_runs.values()):
            self.timeline.run_finished(run)
        self.loss_plot.finish_run()
        self.landscape.finish_run()
        self.data_plot.remove_live_run()
        self.notices.show_error("Training failed", message)

    def _on_document_loaded(self, project: Project) -> None:
        self.panel.set_config(project.config)
        self._update_rate_plot()
        self.landscape.frame()
        if project.result is not None:
            self.panel.show_result(project.result)
            result = project.result
            self.data_plot.show_model(result.coefficients, result.weight, result.bias)
        else:
            self.panel.clear_result()
            self.data_plot.show_model((), None, None)  # type: ignore[arg-type]

    def detect_devices(self) -> None:
        """Start the training process now: it imports torch (over a second) away from the GUI, warms up
        the training path so the first Train responds at once, and reports the real devices."""
        self.session.runner.prepare()

    # --- editing -----------------------------------------------------------------------------------
    def delete_selection(self) -> None:
        """Delete: the point selected on the plot when the plot has focus, else the table's selected rows."""
        if self.data_plot.hasFocus() and self.data_plot.selected_row is not None:
            self.model.remove_rows([self.data_plot.selected_row])
        else:
            self.table.delete_selected()

    # --- window state ------------------------------------------------------------------------------
    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.display_name()}[*] — {APP_NAME}")
        self.setWindowModified(self.document.is_modified())

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.confirm_discard():
            event.ignore()
            return
        self.recovery.discard()  # saved or let go: nothing left to recover
        self.session.shutdown()
        self.animation_export.shutdown()  # an export in flight is cancelled; its temp file removed
        self.frame_timer.stop()
        self.settings.save_window(self.saveGeometry(), self.saveState())
        with contextlib.suppress(EngineError):  # a half-typed value is not worth a dialog at exit
            self.settings.save_training_config(self.panel.config())
        self.settings.sync()
        event.accept()
