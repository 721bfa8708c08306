"""The main window: points table, data plot, loss landscape, loss plot, training panel and the runs
table, with menus, undo, project files, model export and a training worker thread. The window owns no
data of its own: the points live in the PointsTableModel, the runs in the RunHistoryModel, the training
in the TrainingRunner; the window wires them to the views."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine.analysis.least_squares import Moments, least_squares, suggest_learning_rate
from engine.data.csv_io import read_csv
from engine.data.point_generator import GeneratorSpec, generate_points
from engine.data.points import PointSet
from engine.errors import ConfigError, DataError, EngineError
from engine.files.project_file import PROJECT_SUFFIX, Project, SavedRun, load_project, save_project
from engine.training.config import OPTIMIZERS, TrainingConfig
from engine.training.path_buffer import ThinningPath
from engine.training.results import DIVERGED, STOPPED, ProgressBatch, TrainingResult
from gui.kit.widget_names import named
from gui.session.app_settings import AppSettings
from gui.session.points_model import PointsTableModel
from gui.session.run_history import Run, RunHistoryModel
from gui.session.training_process import TrainingRunner
from gui.shell.exports import CSV_FILTER, Exports
from gui.shell.menus import MainMenus
from gui.views.data_plot import DataPlotWidget
from gui.views.landscape_plot import LandscapeWidget
from gui.views.loss_plot import LossPlotWidget
from gui.views.points_table import PointsTableView
from gui.views.runs_table import RunsPanel
from gui.views.training_panel import TrainingPanel

log = logging.getLogger(__name__)
APP_NAME = "Gradient Descent Studio"
PROJECT_FILTER = f"Gradient Descent Studio project (*{PROJECT_SUFFIX})"
FRAME_INTERVAL_MS = 16


@contextlib.contextmanager
def busy_cursor() -> Iterator[None]:
    """A wait cursor while the GUI thread reads or writes a large file."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


class MainWindow(QMainWindow):
    trainingFinished = Signal(object)  # the engine's TrainingResult
    statusMessage = Signal(str)

    def __init__(self, settings: QSettings | None = None, *, detect_devices: bool = True) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = AppSettings(settings)
        self.model = PointsTableModel(PointSet.seed(), self)
        self.runs = RunHistoryModel(self)
        self.runner = TrainingRunner(self)
        self.current_path: Path | None = None
        self.last_result: TrainingResult | None = None
        self.live_run: Run | None = None
        self.race_queue: list[TrainingConfig] = []
        self._race_count = 0
        self._unsaved_result = False
        self.last_error_box: QMessageBox | None = None  # the latest warning shown (tests read it)

        self.table = PointsTableView(self.model)
        self.data_plot = DataPlotWidget(self.model)
        self.loss_plot = LossPlotWidget(self.runs)
        self.landscape = LandscapeWidget(self.runs)
        self.panel = TrainingPanel()
        self.runs_panel = RunsPanel(self.runs)
        self.frame_timer = QTimer(self)  # views redraw at display rate, never once per progress batch
        self.frame_timer.setInterval(FRAME_INTERVAL_MS)
        self.frame_timer.timeout.connect(self._redraw_views)
        self._build_layout()
        self.exports = Exports(self)
        self.menus = MainMenus(self)
        self._connect()
        self._on_points_changed()

        self.panel.set_config(self.settings.training_config())
        self.menus.set_recent_files(self.settings.recent_files())
        geometry = self.settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1400, 900)
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)
        self._update_title()
        if detect_devices:
            self.detect_devices()

    # --- layout and wiring ------------------------------------------------------------------------
    def _build_layout(self) -> None:
        add_button = QPushButton("Add point")
        add_button.setObjectName("addPointButton")
        add_button.setAccessibleName("Add point")
        add_button.setToolTip("Add a row after the current one (Insert)")
        add_button.clicked.connect(self.table.add_row)
        delete_button = QPushButton("Delete")
        delete_button.setObjectName("deletePointsButton")
        delete_button.setAccessibleName("Delete points")
        delete_button.setToolTip("Delete the selected rows (Delete)")
        delete_button.clicked.connect(self.table.delete_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(add_button)
        buttons.addWidget(delete_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table)
        left_layout.addLayout(buttons)

        self.residuals_check = named(QCheckBox("Residuals"), "residualsCheck", "Draw each point's vertical "
                                     "distance to the fitted line (up to 5,000 points)", "Residuals")
        self.residuals_check.toggled.connect(self.data_plot.set_show_residuals)
        self.ghost_check = named(QCheckBox("Exact least-squares line"), "ghostLineCheck", "Draw the closed-form "
                                 "least-squares line, dashed, beside the trained one", "Exact least-squares line")
        self.ghost_check.setChecked(True)
        self.ghost_check.toggled.connect(self.data_plot.set_show_ghost)
        data_controls = QHBoxLayout()
        data_controls.addWidget(self.residuals_check)
        data_controls.addWidget(self.ghost_check)
        data_controls.addStretch(1)
        data_box = QWidget()
        data_layout = QVBoxLayout(data_box)
        data_layout.setContentsMargins(0, 0, 0, 0)
        data_layout.addLayout(data_controls)
        data_layout.addWidget(self.data_plot)

        views = QSplitter(Qt.Orientation.Horizontal)
        views.setObjectName("viewsSplitter")
        views.addWidget(data_box)
        views.addWidget(self.landscape)
        views.setSizes([460, 380])
        plots = QSplitter(Qt.Orientation.Vertical)
        plots.setObjectName("plotsSplitter")
        plots.addWidget(views)
        plots.addWidget(self.loss_plot)
        plots.setSizes([470, 300])

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(plots)
        panel_scroll = QScrollArea()  # on a small screen the panel scrolls instead of forcing a tall window
        panel_scroll.setObjectName("trainingPanelScroll")
        panel_scroll.setWidget(self.panel)
        panel_scroll.setWidgetResizable(True)
        panel_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        panel_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.splitter.addWidget(panel_scroll)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([210, 860, 300])
        self.setCentralWidget(self.splitter)

        self.runs_dock = QDockWidget("Runs", self)
        self.runs_dock.setObjectName("runsDock")
        self.runs_dock.setWidget(self.runs_panel)
        self.runs_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                                   | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.runs_dock)
        self.resizeDocks([self.runs_dock], [130], Qt.Orientation.Vertical)

    def _connect(self) -> None:
        self.model.undo_stack.cleanChanged.connect(self._update_title)
        self.model.pointsChanged.connect(self._on_points_changed)
        self.panel.raceRequested.connect(self.start_race)
        self.runs_panel.exportRequested.connect(self.exports.export_runs_dialog)
        self.model.editRejected.connect(self.show_status)
        self.table.message.connect(self.show_status)
        self.data_plot.pointSelected.connect(lambda row: self.table.selectRow(row))
        self.panel.trainRequested.connect(self.start_training)
        self.panel.stopRequested.connect(self.stop_training)
        self.panel.pauseToggled.connect(self.runner.set_paused)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.runningChanged.connect(self._on_running_changed)
        self.runner.devicesReady.connect(self.panel.set_devices)
        self.runner.exported.connect(lambda path: self.show_status(f"Exported the model to {path}."))
        self.runner.exportFailed.connect(lambda message: self.show_error("Export failed", message))

    # --- what the points say -----------------------------------------------------------------------
    def _on_points_changed(self) -> None:
        """New moments (one pass over the points): the exact answer, the surface, the stable rate, R²."""
        moments = Moments.of_columns(self.model.x(), self.model.y())
        optimum = least_squares(moments)
        self.data_plot.set_ghost(*((optimum.weight, optimum.bias) if optimum else (None, None)))
        self.landscape.set_moments(moments)
        self.panel.set_data(moments, optimum)
        shown = self.live_run.path.latest if self.live_run is not None else None
        if shown is not None:
            self.panel.show_line(shown[1], shown[2])
        elif self.last_result is not None:
            self.panel.show_line(self.last_result.weight, self.last_result.bias)

    # --- training -------------------------------------------------------------------------------------
    def start_training(self) -> bool:
        """Train once with the panel's settings; False when nothing started (a message says why)."""
        prepared = self._prepare_training()
        if prepared is None:
            return False
        points, config = prepared
        stable = self.panel.stable_learning_rate()
        if stable is not None and config.learning_rate > stable:
            answer = self.ask_about_learning_rate(config.learning_rate, stable)
            if answer is None:
                return False
            if answer != config.learning_rate:
                self.panel.learning_rate_spin.setValue(answer)
                config = self.panel.config()
        self.race_queue = []
        self._start_run(points, config, race=None)
        return True

    def start_race(self) -> bool:
        """Train SGD, momentum and Adam one after another on the same points, seed and settings."""
        prepared = self._prepare_training()
        if prepared is None:
            return False
        points, config = prepared
        self._race_count += 1
        configs = [TrainingConfig.from_dict({**config.to_dict(), "optimizer": name}) for name in OPTIMIZERS]
        self.race_queue = configs[1:]
        self._start_run(points, configs[0], race=self._race_count)
        return True

    def ask_about_learning_rate(self, rate: float, stable: float) -> float | None:
        """Before a run that will diverge: the rate to use (the user's, or a stable one), or None to cancel."""
        suggestion = suggest_learning_rate(stable)
        box = QMessageBox(QMessageBox.Icon.Warning, "Learning rate too large",
                          f"For these points plain gradient descent is stable only below a learning rate of "
                          f"{stable:.4g}. With {rate:g} every step overshoots the minimum and the loss will grow "
                          "until it overflows.", QMessageBox.StandardButton.Cancel, self)
        use = box.addButton(f"Use {suggestion:g}", QMessageBox.ButtonRole.AcceptRole)
        anyway = box.addButton("Train anyway", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(use)
        box.exec()
        if box.clickedButton() is use:
            return suggestion
        return rate if box.clickedButton() is anyway else None

    def _prepare_training(self) -> tuple[PointSet, TrainingConfig] | None:
        """The points and settings for a new run, or None (already training, or a message said why not)."""
        if self.runner.is_running():
            return None
        try:
            config = self.panel.config()
        except ConfigError as error:
            self.show_error("Cannot train", str(error))
            return None
        points = self.model.snapshot()
        try:
            points.validate()
        except DataError as error:
            self.show_error("Cannot train on these points", str(error))
            return None
        self.settings.save_training_config(config)
        return points, config

    def _start_run(self, points: PointSet, config: TrainingConfig, race: int | None) -> None:
        run = self.runs.start_run(config, race=race)
        run.points = points
        self.live_run = run
        self.loss_plot.start_run(run, config.epochs)
        self.landscape.start_run(run)
        label = self.panel.device_combo.currentText()
        if race is not None:
            label += f" — race {race}: {config.optimizer}"
        self.panel.show_started(config.epochs, label)
        self.runner.start(points, config)
        self.frame_timer.start()

    def stop_training(self) -> None:
        self.race_queue = []
        self.runner.stop()

    def _on_progress(self, batch: ProgressBatch) -> None:
        run = self.live_run
        if run is None:
            return
        if run.initial is None:
            run.initial = (batch.initial_weight, batch.initial_bias)
        run.path.extend(batch.epochs, batch.weights, batch.biases)
        self.loss_plot.append(batch.losses)
        self.landscape.append()
        self.panel.show_progress(int(batch.epochs[-1]), batch.epochs_total, float(batch.losses[-1]),
                                 batch.steps_per_second, batch.weight, batch.bias)
        self.data_plot.set_fit(batch.weight, batch.bias)

    def _redraw_views(self) -> None:
        self.loss_plot.redraw()
        self.landscape.redraw()

    def _on_finished(self, result: TrainingResult) -> None:
        run = self.live_run
        self.live_run = None
        self.loss_plot.finish_run()
        self.landscape.finish_run()
        if run is not None:
            self.runs.finish_run(run, result)
        self.panel.show_result(result)
        self.data_plot.set_fit(result.weight, result.bias)
        self.last_result = result
        self._unsaved_result = True
        self._update_title()
        self.trainingFinished.emit(result)
        if self.race_queue and result.stop_reason != STOPPED and run is not None and run.points is not None:
            self._start_run(run.points, self.race_queue.pop(0), race=run.race)  # a diverged racer is a result too
            return
        self.frame_timer.stop()
        if run is not None and run.race is not None:
            racers = [other for other in self.runs.runs if other.race == run.race]
            self.runs.show_only(racers)
            finite = [other for other in racers if other.result and other.result.stop_reason != DIVERGED]
            best = min(finite, key=lambda other: other.result.final_loss if other.result else 0.0, default=None)
            diverged = len(racers) - len(finite)
            self.show_status(f"Race {run.race} finished: lowest loss {best.label if best else '–'}"
                             + (f"; {diverged} diverged (see the Runs table)." if diverged else "."))
            return
        if result.stop_reason == DIVERGED:
            self._offer_stable_rate(result)
            return
        self.show_status(result.message or f"Training {result.stop_reason}: y = {result.weight:.6g}·x + "
                         f"{result.bias:.6g}, loss {result.final_loss:.6g}.")

    def _offer_stable_rate(self, result: TrainingResult) -> None:
        """Divergence: say why in words and offer a rate that converges (non-blocking: the window stays live)."""
        self.show_error("Training diverged", result.message)
        box = self.last_error_box
        suggestion = result.suggested_learning_rate
        if box is None or suggestion is None:
            return
        use = box.addButton(f"Use learning rate {suggestion:g}", QMessageBox.ButtonRole.AcceptRole)
        use.setObjectName("useStableRateButton")
        use.clicked.connect(lambda: self.panel.learning_rate_spin.setValue(suggestion))

    def _on_failed(self, message: str) -> None:
        self.live_run = None
        self.race_queue = []
        self.frame_timer.stop()
        self.loss_plot.finish_run()
        self.landscape.finish_run()
        self.show_error("Training failed", message)

    def _on_running_changed(self, running: bool) -> None:
        self.panel.set_running(running)
        self.menus.set_running(running)

    def detect_devices(self) -> None:
        """Start the training process now: it imports torch (over a second) away from the GUI, warms up
        the training path so the first Train responds at once, and reports the real devices."""
        self.runner.prepare()

    # --- files ----------------------------------------------------------------------------------------
    def new_project(self) -> None:
        if not self.confirm_discard():
            return
        self._load_document(Project(points=PointSet.seed(), config=self.panel.config()), None)

    def open_project_dialog(self) -> None:
        if not self.confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open project", self.dialog_folder(), PROJECT_FILTER)
        if path:
            self.open_project(Path(path), confirmed=True)

    def open_project(self, path: Path, *, confirmed: bool = False) -> bool:
        if not confirmed and not self.confirm_discard():
            return False
        try:
            with busy_cursor():
                project = load_project(path)
        except DataError as error:
            self.show_error("Cannot open project", str(error))
            return False
        self._load_document(project, path)
        self.menus.set_recent_files(self.settings.add_recent_file(str(path)))
        self.show_status(f"Opened {path.name}: {len(project.points)} points.")
        return True

    def save_project(self) -> bool:
        if self.current_path is None:
            return self.save_project_as()
        return self.save_project_to(self.current_path)

    def save_project_as(self) -> bool:
        suggested = str(self.current_path or Path(self.dialog_folder()) / f"untitled{PROJECT_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self, "Save project", suggested, PROJECT_FILTER)
        if not path:
            return False
        target = Path(path)
        if target.suffix.lower() != PROJECT_SUFFIX:
            target = target.with_name(target.name + PROJECT_SUFFIX)
        return self.save_project_to(target)

    def save_project_to(self, path: Path) -> bool:
        runs = [SavedRun(run.config, run.result, run.path.arrays(), run.shown)
                for run in self.runs.runs if run.result is not None]
        project = Project(points=self.model.snapshot(), config=self.panel.config(), runs=runs)
        try:
            with busy_cursor():
                save_project(project, path)
        except OSError as error:
            self.show_error("Cannot save project", f"{path}: {error.strerror or error}")
            return False
        self.current_path = path
        self.model.undo_stack.setClean()
        self._unsaved_result = False
        self._update_title()
        self.menus.set_recent_files(self.settings.add_recent_file(str(path)))
        self.show_status(f"Saved {path.name}.")
        return True

    def import_csv_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import points from CSV", self.dialog_folder(), CSV_FILTER)
        if path:
            self.import_csv(Path(path))

    def import_csv(self, path: Path) -> bool:
        try:
            with busy_cursor():  # a million rows take under a second: say so rather than look frozen
                points = read_csv(path, for_fitting=False)
        except DataError as error:
            self.show_error("Cannot import CSV", str(error))
            return False
        self.model.replace_points(points, f"Import {path.name}")
        self.data_plot.getPlotItem().enableAutoRange()
        self.show_status(f"Imported {len(points):,} points from {path.name}.")
        return True

    def generate_points_dialog(self) -> None:
        from gui.shell.generator_dialog import GeneratorDialog

        dialog = GeneratorDialog(parent=self)
        if dialog.exec() and dialog.spec_value is not None:
            self.generate_points(dialog.spec_value)

    def generate_points(self, spec: GeneratorSpec) -> None:
        with busy_cursor():
            points = generate_points(spec)
        self.model.replace_points(points, f"Generate {len(points):,} points")
        self.data_plot.getPlotItem().enableAutoRange()
        self.show_status(f"Generated {len(points):,} points around y = {spec.slope:g}·x + {spec.intercept:g}.")

    def _load_document(self, project: Project, path: Path | None) -> None:
        self.runs.reset()
        self.last_result = project.result
        self.model.reset_points(project.points)
        self.panel.set_config(project.config)
        self._unsaved_result = False
        self.current_path = path
        for saved in project.runs:
            thinned = None
            if saved.path is not None:
                thinned = ThinningPath()
                thinned.extend(*saved.path)
            run = self.runs.add_finished(saved.config, saved.result, thinned, saved.shown)
            run.points = project.points
        self.landscape.frame()
        if project.result is not None:
            self.panel.show_result(project.result)
            self.data_plot.set_fit(project.result.weight, project.result.bias)
        else:
            self.panel.clear_result()
            self.data_plot.set_fit(None, None)
        self.data_plot.getPlotItem().enableAutoRange()
        self._update_title()

    def dialog_folder(self, name: str = "") -> str:
        folder = self.current_path.parent if self.current_path else Path.home()
        return str(folder / name) if name else str(folder)

    # --- editing helpers --------------------------------------------------------------------------
    def delete_selection(self) -> None:
        if self.data_plot.hasFocus() and self.data_plot.selected_row is not None:
            self.model.remove_rows([self.data_plot.selected_row])
        else:
            self.table.delete_selected()

    def clear_points(self) -> None:
        self.model.replace_points(PointSet.from_columns([], [], validate=False), "Clear all points")

    # --- window state -----------------------------------------------------------------------------
    def is_modified(self) -> bool:
        return not self.model.undo_stack.isClean() or self._unsaved_result

    def _update_title(self) -> None:
        name = self.current_path.name if self.current_path else "Untitled"
        self.setWindowTitle(f"{name}[*] — {APP_NAME}")
        self.setWindowModified(self.is_modified())

    def confirm_discard(self) -> bool:
        """True when there is nothing unsaved, or the user saved or chose to discard it."""
        if not self.is_modified():
            return True
        answer = QMessageBox.question(
            self, APP_NAME, "The project has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save_project()
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.confirm_discard():
            event.ignore()
            return
        self.race_queue = []
        self.runner.shutdown()
        self.frame_timer.stop()
        self.settings.save_window(self.saveGeometry(), self.saveState())
        with contextlib.suppress(EngineError):  # a half-typed value is not worth a dialog at exit
            self.settings.save_training_config(self.panel.config())
        self.settings.sync()
        event.accept()

    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)
        self.statusMessage.emit(message)

    def show_error(self, title: str, message: str) -> None:
        """A window-modal message that does not block the event loop (training keeps streaming)."""
        log.info("%s: %s", title, message)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_error_box = box
        self.show_status(message)
