"""The main window: points table, data plot, loss plot and training panel, with menus, undo, project
files, model export and a training worker thread. The window owns no data of its own: the points live
in the PointsTableModel, the run in the TrainingRunner."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine.csv_io import read_csv, write_csv
from engine.errors import ConfigError, DataError, EngineError
from engine.export import EXPORT_FORMATS
from engine.points import PointSet
from engine.project_file import PROJECT_SUFFIX, Project, load_project, save_project
from engine.training_types import ProgressBatch, TrainingResult
from gui.app_settings import AppSettings
from gui.data_plot import DataPlotWidget
from gui.loss_plot import LossPlotWidget
from gui.menus import MainMenus
from gui.points_model import PointsTableModel
from gui.points_table import PointsTableView
from gui.training_panel import TrainingPanel
from gui.training_worker import TrainingRunner

log = logging.getLogger(__name__)
APP_NAME = "Gradient Descent Studio"
PROJECT_FILTER = f"Gradient Descent Studio project (*{PROJECT_SUFFIX})"
CSV_FILTER = "CSV files (*.csv *.tsv *.txt);;All files (*)"


class MainWindow(QMainWindow):
    trainingFinished = Signal(object)  # the engine's TrainingResult
    statusMessage = Signal(str)

    def __init__(self, settings: QSettings | None = None, *, detect_devices: bool = True) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = AppSettings(settings)
        self.model = PointsTableModel(PointSet.seed(), self)
        self.runner = TrainingRunner(self)
        self.current_path: Path | None = None
        self.last_result: TrainingResult | None = None
        self._unsaved_result = False
        self.last_error_box: QMessageBox | None = None  # the latest warning shown (tests read it)

        self.table = PointsTableView(self.model)
        self.data_plot = DataPlotWidget(self.model)
        self.loss_plot = LossPlotWidget()
        self.panel = TrainingPanel()
        self._build_layout()
        self.menus = MainMenus(self)
        self._connect()

        self.panel.set_config(self.settings.training_config())
        self.menus.set_recent_files(self.settings.recent_files())
        geometry = self.settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
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

        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(self.data_plot)
        plots.addWidget(self.loss_plot)
        plots.setSizes([480, 320])

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(plots)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([230, 760, 290])
        self.setCentralWidget(self.splitter)

    def _connect(self) -> None:
        self.model.undo_stack.cleanChanged.connect(self._update_title)
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

    # --- training -------------------------------------------------------------------------------------
    def start_training(self) -> bool:
        if self.runner.is_running():
            return False
        try:
            config = self.panel.config()
        except ConfigError as error:
            self.show_error("Cannot train", str(error))
            return False
        points = self.model.snapshot()
        try:
            points.validate()
        except DataError as error:
            self.show_error("Cannot train on these points", str(error))
            return False
        self.settings.save_training_config(config)
        self.loss_plot.start_run(config.epochs)
        self.panel.show_started(config.epochs, self.panel.device_combo.currentText())
        self.runner.start(points, config)
        return True

    def stop_training(self) -> None:
        self.runner.stop()

    def _on_progress(self, batch: ProgressBatch) -> None:
        self.loss_plot.append(batch.epochs, batch.losses)
        self.panel.show_progress(int(batch.epochs[-1]), batch.epochs_total, float(batch.losses[-1]),
                                 batch.steps_per_second, batch.weight, batch.bias)
        self.data_plot.set_fit(batch.weight, batch.bias)

    def _on_finished(self, result: TrainingResult) -> None:
        self.loss_plot.finish_run()
        self.panel.show_result(result)
        self.data_plot.set_fit(result.weight, result.bias)
        self.last_result = result
        self._unsaved_result = True
        self._update_title()
        self.show_status(result.message or f"Training {result.stop_reason}: y = {result.weight:.6g}·x + "
                         f"{result.bias:.6g}, loss {result.final_loss:.6g}.")
        self.trainingFinished.emit(result)

    def _on_failed(self, message: str) -> None:
        self.loss_plot.finish_run()
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
        path, _ = QFileDialog.getOpenFileName(self, "Open project", self._dialog_folder(), PROJECT_FILTER)
        if path:
            self.open_project(Path(path), confirmed=True)

    def open_project(self, path: Path, *, confirmed: bool = False) -> bool:
        if not confirmed and not self.confirm_discard():
            return False
        try:
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
        suggested = str(self.current_path or Path(self._dialog_folder()) / f"untitled{PROJECT_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self, "Save project", suggested, PROJECT_FILTER)
        if not path:
            return False
        target = Path(path)
        if target.suffix.lower() != PROJECT_SUFFIX:
            target = target.with_name(target.name + PROJECT_SUFFIX)
        return self.save_project_to(target)

    def save_project_to(self, path: Path) -> bool:
        project = Project(points=self.model.snapshot(), config=self.panel.config(), result=self.last_result)
        try:
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
        path, _ = QFileDialog.getOpenFileName(self, "Import points from CSV", self._dialog_folder(), CSV_FILTER)
        if path:
            self.import_csv(Path(path))

    def import_csv(self, path: Path) -> bool:
        try:
            points = read_csv(path, for_fitting=False)
        except DataError as error:
            self.show_error("Cannot import CSV", str(error))
            return False
        self.model.replace_points(points, f"Import {path.name}")
        self.data_plot.getPlotItem().enableAutoRange()
        self.show_status(f"Imported {len(points):,} points from {path.name}.")
        return True

    def export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export points as CSV", self._dialog_folder("points.csv"),
                                              CSV_FILTER)
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> bool:
        try:
            write_csv(self.model.snapshot(), path)
        except OSError as error:
            self.show_error("Cannot export CSV", f"{path}: {error.strerror or error}")
            return False
        self.show_status(f"Exported {self.model.rowCount():,} points to {path.name}.")
        return True

    def export_model_dialog(self, suffix: str) -> None:
        if self.last_result is None:
            self.show_error("Nothing to export", "Train a model first, then export it.")
            return
        name = self._dialog_folder(f"model{suffix}")
        path, _ = QFileDialog.getSaveFileName(self, "Export model", name, f"{EXPORT_FORMATS[suffix]}")
        if path:
            target = Path(path)
            self.export_model(target if target.suffix.lower() == suffix else target.with_name(target.name + suffix))

    def export_model(self, path: Path) -> None:
        """Write the last result from the training process: torch stays out of the GUI process."""
        if self.last_result is None:
            return
        self.show_status(f"Exporting {path.name}…")
        self.runner.export(self.last_result, str(path))

    def export_plot_dialog(self, which: str) -> None:
        path, selected = QFileDialog.getSaveFileName(self, "Export plot", self._dialog_folder(f"{which}-plot.png"),
                                                     "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            target = Path(path)
            if target.suffix.lower() not in (".png", ".svg"):
                target = target.with_name(target.name + (".svg" if "svg" in selected.lower() else ".png"))
            self.export_plot(which, target)

    def export_plot(self, which: str, path: Path) -> bool:
        from engine.atomic_write import atomic_path
        from gui.plot_export import save_plot_png, save_plot_svg

        plot = self.data_plot if which == "data" else self.loss_plot.plot
        save = save_plot_svg if path.suffix.lower() == ".svg" else save_plot_png
        try:
            with atomic_path(path) as temporary:
                save(plot, temporary)
        except OSError as error:
            self.show_error("Cannot export plot", f"{path}: {error.strerror or error}")
            return False
        self.show_status(f"Saved the {which} plot to {path.name}.")
        return True

    def _load_document(self, project: Project, path: Path | None) -> None:
        self.model.reset_points(project.points)
        self.panel.set_config(project.config)
        self.last_result = project.result
        self._unsaved_result = False
        self.current_path = path
        self.loss_plot.start_run()
        self.loss_plot.finish_run()
        if project.result is not None:
            self.loss_plot.show_history(project.result.loss_history)
            self.panel.show_result(project.result)
            self.data_plot.set_fit(project.result.weight, project.result.bias)
        else:
            self.panel.clear_result()
            self.data_plot.set_fit(None, None)
        self.data_plot.getPlotItem().enableAutoRange()
        self._update_title()

    def _dialog_folder(self, name: str = "") -> str:
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
        self.runner.shutdown()
        self.loss_plot.timer.stop()
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
