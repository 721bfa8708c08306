"""File ▸ New, Open, Save, Save As, Import and Edit ▸ Generate: the dialogs and questions around the
document's operations, and the messages that report how they went."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from engine.data.point_generator import GeneratorSpec
from engine.data.table_files import open_table
from engine.data.table_import import SPREADSHEET_SUFFIXES, TEXT_SUFFIXES, Table
from engine.errors import DataError
from engine.files.file_kind import file_kind
from engine.files.project_file import PROJECT_SUFFIX
from engine.training.config import TrainingConfig
from gui.kit.busy_cursor import busy_cursor
from gui.session.app_settings import AppSettings
from gui.session.document import APP_NAME, Document, with_project_suffix
from gui.shell.notices import Notices

PROJECT_FILTER = f"Gradient Descent Studio project (*{PROJECT_SUFFIX})"
CSV_FILTER = "CSV files (*.csv *.tsv *.txt);;All files (*)"  # what Export CSV writes
DATA_PATTERNS = " ".join(f"*{suffix}" for suffix in (*TEXT_SUFFIXES, *SPREADSHEET_SUFFIXES))
DATA_FILTER = f"Data: CSV, TSV, spreadsheets ({DATA_PATTERNS});;All files (*)"
OPEN_FILTER = (f"Projects and data (*{PROJECT_SUFFIX} {DATA_PATTERNS});;{PROJECT_FILTER};;"
               f"Data: CSV, TSV, spreadsheets ({DATA_PATTERNS});;All files (*)")


class FileActions(QObject):
    recentFilesChanged = Signal(list)  # the paths for File ▸ Open Recent, newest first

    def __init__(self, parent: QWidget, document: Document, settings: AppSettings, notices: Notices,
                 current_config: Callable[[], TrainingConfig]) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.document = document
        self.settings = settings
        self.notices = notices
        self.current_config = current_config  # the panel's settings: what New keeps and Save stores

    def dialog_folder(self, name: str = "") -> str:
        """Where a file dialog starts: the last folder used, else beside the document, else home."""
        last = self.settings.last_folder()
        folder = Path(last) if last and Path(last).is_dir() else self.document.folder()
        return str(folder / name) if name else str(folder)

    def remember_folder(self, path: str | Path) -> None:
        """The folder of a file the user chose or dropped: the next dialog starts there."""
        self.settings.set_last_folder(str(Path(path).parent))

    def open_path(self, path: Path, *, confirmed: bool = False) -> bool:
        """Open whatever the user handed over (command line, drop, File ▸ Open): a project replaces the
        document (after asking about unsaved work, unless `confirmed`); a CSV/TSV or spreadsheet goes
        through the import dialog into it (one undo step)."""
        if file_kind(path) == "project":
            return self.open_project(path, confirmed=confirmed)
        return self.import_table(path)

    # --- projects ---------------------------------------------------------------------------------------
    def new_project(self) -> None:
        if self.confirm_discard():
            self.document.new(self.current_config())

    def open_project_dialog(self) -> None:
        """A project, or data to import (asked about unsaved work only when a project replaces it)."""
        path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Open project or data", self.dialog_folder(),
                                              OPEN_FILTER)
        if path:
            self.remember_folder(path)
            self.open_path(Path(path))

    def open_project(self, path: Path, *, confirmed: bool = False) -> bool:
        if not confirmed and not self.confirm_discard():
            return False
        try:
            with busy_cursor():
                project = self.document.open(path)
        except DataError as error:
            self.notices.show_error("Cannot open project", str(error))
            return False
        self._remember(path)
        self.notices.show_status(f"Opened {path.name}: {len(project.points)} points.")
        return True

    def save_project(self) -> bool:
        if self.document.path is None:
            return self.save_project_as()
        return self.save_project_to(self.document.path)

    def save_project_as(self) -> bool:
        suggested = str(self.document.path or Path(self.dialog_folder()) / f"untitled{PROJECT_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.parent_widget, "Save project", suggested, PROJECT_FILTER)
        if path:
            self.remember_folder(path)
        return self.save_project_to(with_project_suffix(Path(path))) if path else False

    def save_project_to(self, path: Path) -> bool:
        try:
            with busy_cursor():
                self.document.save(path, self.current_config())
        except OSError as error:
            self.notices.show_error("Cannot save project", f"{path}: {error.strerror or error}")
            return False
        self._remember(path)
        self.notices.show_status(f"Saved {path.name}.")
        return True

    def confirm_discard(self) -> bool:
        """True when there is nothing unsaved, or the user saved or chose to discard it."""
        if not self.document.is_modified():
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(self.parent_widget, APP_NAME, "The project has unsaved changes. Save them first?",
                                      buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        if answer == buttons.Save:
            return self.save_project()
        return answer == buttons.Discard

    def _remember(self, path: Path) -> None:
        self.recentFilesChanged.emit(self.settings.add_recent_file(str(path)))

    # --- points -------------------------------------------------------------------------------------------
    def import_table_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Import points", self.dialog_folder(),
                                              DATA_FILTER)
        if path:
            self.remember_folder(path)
            self.import_table(Path(path))

    def import_table(self, path: Path) -> bool:
        """The import dialog for a CSV/TSV or spreadsheet: sheet, columns, what is skipped. Import replaces
        the points (one undo step); Cancel or a file that cannot be read leaves the document as it was."""
        from engine.data.spreadsheet import list_sheets
        from gui.shell.import_dialog import ImportDialog

        def open_sheet(sheet: str | None) -> Table:
            return open_table(path, sheet)

        try:
            with busy_cursor():
                sheets = list_sheets(path) if file_kind(path) == "spreadsheet" else []
                table = None if sheets else open_sheet(None)  # a sheet's problem is said in the dialog
        except DataError as error:
            self.notices.show_error("Cannot import data", str(error))
            return False
        dialog = ImportDialog(path.name, table, sheets, open_sheet, self.parent_widget)
        self.last_import_dialog = dialog  # tests reach it here
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        imported = dialog.imported
        dialog.deleteLater()
        if not accepted or imported is None:
            return False
        self.document.take_imported(imported, path.name)
        skipped = f"; {imported.skipped_summary()}" if imported.skipped_count else ""
        self.notices.show_status(f"Imported {len(imported.points):,} points from {path.name} "
                                 f"(x = {imported.x_name}, y = {imported.y_name}){skipped}.")
        return True

    def import_csv(self, path: Path) -> bool:
        """Import without asking: the first and last numeric columns, rows without two numbers left out."""
        try:
            with busy_cursor():  # a million rows take under a second: say so rather than look frozen
                points = self.document.import_points(path)
        except DataError as error:
            self.notices.show_error("Cannot import data", str(error))
            return False
        self.notices.show_status(f"Imported {len(points):,} points from {path.name}.")
        return True

    def generate_points_dialog(self) -> None:
        from gui.shell.generator_dialog import GeneratorDialog

        dialog = GeneratorDialog(parent=self.parent_widget)
        if dialog.exec() and dialog.spec_value is not None:
            self.generate_points(dialog.spec_value)

    def generate_points(self, spec: GeneratorSpec) -> None:
        with busy_cursor():
            points = self.document.generate(spec)
        self.notices.show_status(f"Generated {len(points):,} points around y = {spec.slope:g}·x + "
                                 f"{spec.intercept:g}.")
