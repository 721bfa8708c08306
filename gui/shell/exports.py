"""File ▸ Export: points as CSV, the trained model (in the training process, so the window never imports
torch), the run as a Python script, the runs table as CSV, and plot images. Every file is written
atomically; a failure is a message, never a half-written file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtWidgets import QFileDialog, QWidget

from engine.atomic_write import atomic_path, write_text_atomic
from engine.data.csv_io import write_csv
from engine.files.model_export import EXPORT_FORMATS
from gui.session.points_model import PointsTableModel
from gui.session.training_session import TrainingSession
from gui.shell.file_actions import CSV_FILTER
from gui.shell.notices import Notices


class Exports:
    def __init__(self, parent: QWidget, points: PointsTableModel, session: TrainingSession,
                 plots: dict[str, pg.PlotWidget], notices: Notices, dialog_folder: Callable[[str], str],
                 remember_folder: Callable[[str], None] | None = None) -> None:
        self.parent = parent
        self.points = points
        self.session = session
        self.plots = plots  # "data", "landscape", "loss"
        self.notices = notices
        self.dialog_folder = dialog_folder
        self.remember_folder = remember_folder  # the folder a file was saved in: the next dialog starts there

    def _save_name(self, title: str, suggested: str, filters: str) -> tuple[str, str]:
        """A save dialog; the chosen file's folder is remembered for the next one."""
        path, selected = QFileDialog.getSaveFileName(self.parent, title, suggested, filters)
        if path and self.remember_folder is not None:
            self.remember_folder(path)
        return path, selected

    def export_csv_dialog(self) -> None:
        path, _ = self._save_name("Export points as CSV",
                                  self.dialog_folder("points.csv"),
                                  CSV_FILTER)
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> bool:
        try:
            write_csv(self.points.snapshot(), path)
        except OSError as error:
            self.notices.show_error("Cannot export CSV", f"{path}: {error.strerror or error}")
            return False
        self.notices.show_status(f"Exported {self.points.rowCount():,} points to {path.name}.")
        return True

    def export_model_dialog(self, suffix: str) -> None:
        if self.session.last_result is None:
            self.notices.show_error("Nothing to export", "Train a model first, then export it.")
            return
        name = self.dialog_folder(f"model{suffix}")
        path, _ = self._save_name("Export model", name, f"{EXPORT_FORMATS[suffix]}")
        if path:
            target = Path(path)
            self.export_model(target if target.suffix.lower() == suffix else target.with_name(target.name + suffix))

    def export_model(self, path: Path) -> None:
        """Write the last result from the training process: torch stays out of the GUI process."""
        if self.session.export_model(str(path)):
            self.notices.show_status(f"Exporting {path.name}…")

    def export_plot_dialog(self, which: str) -> None:
        path, selected = self._save_name("Export plot",
                                         self.dialog_folder(f"{which}-plot.png"),
                                         "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            target = Path(path)
            if target.suffix.lower() not in (".png", ".svg"):
                target = target.with_name(target.name + (".svg" if "svg" in selected.lower() else ".png"))
            self.export_plot(which, target)

    def export_plot(self, which: str, path: Path) -> bool:
        from gui.kit.plot_export import save_plot_png, save_plot_svg

        plot = self.plots[which]
        save = save_plot_svg if path.suffix.lower() == ".svg" else save_plot_png
        try:
            with atomic_path(path) as temporary:
                save(plot, temporary)
        except OSError as error:
            self.notices.show_error("Cannot export plot", f"{path}: {error.strerror or error}")
            return False
        self.notices.show_status(f"Saved the {which} plot to {path.name}.")
        return True

    def export_script_dialog(self) -> None:
        if self.session.last_result is None:
            self.notices.show_error("Nothing to export", "Train a model first, then export it as a script.")
            return
        path, _ = self._save_name("Export as Python script",
                                  self.dialog_folder("train_model.py"),
                                  "Python script (*.py)")
        if path:
            target = Path(path)
            self.export_script(target if target.suffix.lower() == ".py" else target.with_name(target.name + ".py"))

    def export_script(self, path: Path) -> bool:
        """A standalone script that repeats the latest run with plain Python and torch."""
        from engine.files.script_export import export_script

        run = self.session.runs.latest()
        if run is None or run.result is None:
            return False
        points = run.points if run.points is not None else self.points.snapshot()
        try:
            written = export_script(points, run.config, path)
        except OSError as error:
            self.notices.show_error("Cannot export the script", f"{path}: {error.strerror or error}")
            return False
        extra = f" (its data in {written[1].name})" if len(written) > 1 else ""
        self.notices.show_status(f"Exported {path.name}{extra}: run it with python to repeat run #{run.number}.")
        return True

    def export_runs_dialog(self) -> None:
        path, _ = self._save_name("Export runs as CSV", self.dialog_folder("runs.csv"),
                                  CSV_FILTER)
        if path:
            self.export_runs(Path(path))

    def export_runs(self, path: Path) -> bool:
        try:
            write_text_atomic(path, self.session.runs.to_csv())
        except OSError as error:
            self.notices.show_error("Cannot export the runs", f"{path}: {error.strerror or error}")
            return False
        self.notices.show_status(f"Exported {len(self.session.runs.runs)} runs to {path.name}.")
        return True
