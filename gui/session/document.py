"""The document: which file the window holds, whether it has unsaved changes, and the operations that
replace or store its contents (new, open, save, import, generate). A QObject without widgets: dialogs,
questions and messages belong to the shell, which calls these and reports what they raise."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from engine.data.point_generator import GeneratorSpec, generate_points
from engine.data.points import PointSet
from engine.data.table_files import import_points
from engine.data.table_import import ImportedPoints
from engine.files.project_file import PROJECT_SUFFIX, Project, load_project, save_project
from engine.training.config import TrainingConfig
from gui.session.points_model import COLUMNS, PointsTableModel
from gui.session.training_session import TrainingSession

APP_NAME = "Gradient Descent Studio"


class Document(QObject):
    changed = Signal()  # the path or the modified state changed: the title follows
    loaded = Signal(object)  # a Project is now in the models (New, Open)
    pointsReplaced = Signal()  # every point changed at once (import, generate, load): views re-frame

    def __init__(self, points: PointsTableModel, session: TrainingSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.points = points
        self.session = session
        self.path: Path | None = None
        points.undo_stack.cleanChanged.connect(self.changed)
        session.runFinished.connect(lambda _result: self.changed.emit())

    # --- state ------------------------------------------------------------------------------------------
    def is_modified(self) -> bool:
        return not self.points.undo_stack.isClean() or self.session.unsaved_result

    def display_name(self) -> str:
        return self.path.name if self.path else "Untitled"

    def folder(self) -> Path:
        """Where file dialogs start: beside the document, else the home folder."""
        return self.path.parent if self.path else Path.home()

    # --- whole documents --------------------------------------------------------------------------------
    def new(self, config: TrainingConfig) -> None:
        self.load(Project(points=PointSet.seed(), config=config), None)

    def open(self, path: Path) -> Project:
        """Read and show a project. Raises DataError and leaves everything as it was when the file is bad."""
        project = load_project(path)
        self.load(project, path)
        return project

    def load(self, project: Project, path: Path | None) -> None:
        self.session.restore(project)
        self.points.reset_points(project.points, project.column_names)
        self.path = path
        self.loaded.emit(project)
        self.pointsReplaced.emit()
        self.changed.emit()

    def project(self, config: TrainingConfig, traces: bool = True) -> Project:
        """What a save writes: the points, the settings and the finished runs, with their step traces for
        replay unless `traces` is False (the recovery copy, written on the GUI thread while the user works:
        a 100,000-step trace alone takes ~0.2 s to write)."""
        return Project(points=self.points.snapshot(), config=config, runs=self.session.saved_runs(traces),
                       column_names=self.points.column_names())

    def save(self, path: Path, config: TrainingConfig) -> None:
        """Write the document. Raises OSError; then nothing changed."""
        save_project(self.project(config), path)
        self.path = path
        self.points.undo_stack.setClean()
        self.session.mark_saved()
        self.changed.emit()

    # --- new points into the open document (one undo step each) ------------------------------------------
    def import_points(self, path: Path) -> PointSet:
        """Replace the points with a table's default columns (rows without two numbers are left out).
        Raises DataError; then the points are unchanged."""
        imported = import_points(path)
        self.take_imported(imported, path.name)
        return imported.points

    def take_imported(self, imported: ImportedPoints, name: str) -> None:
        """The imported points and their columns' names in place of the current ones: one undo step."""
        self.points.import_points(imported.points, (imported.x_name, imported.y_name), f"Import {name}")
        self.pointsReplaced.emit()

    def generate(self, spec: GeneratorSpec) -> PointSet:
        points = generate_points(spec)
        self.points.import_points(points, COLUMNS, f"Generate {len(points):,} points")  # new data: x and y
        self.pointsReplaced.emit()
        return points

    def clear_points(self) -> None:
        self.points.import_points(PointSet.from_columns([], [], validate=False), COLUMNS, "Clear all points")


def with_project_suffix(path: Path) -> Path:
    """The path a Save As should write: the project suffix added when the user left it out."""
    return path if path.suffix.lower() == PROJECT_SUFFIX else path.with_name(path.name + PROJECT_SUFFIX)
