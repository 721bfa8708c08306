"""Opening anything the user hands over: `main.py FILE` and drag and drop take a project, a CSV/TSV or a
spreadsheet by extension or content; the imported columns' names are kept in the project; file dialogs
start in the last folder used."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from engine.data.points import PointSet
from engine.files.file_kind import file_kind
from engine.files.project_file import Project, load_project, save_project
from gui.app import open_given_file
from tests.project_samples import v2_document, write_json
from tests.spreadsheet_files import write_ods, write_xlsx
from tests.test_import_dialog import PEOPLE, people_csv, points_of, with_dialog

SEED = ([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])


def test_file_kinds_by_extension_then_content(tmp_path: Path) -> None:
    project = tmp_path / "fit.gdsproj"
    save_project(Project(points=PointSet.seed()), project)
    renamed = tmp_path / "fit-copy"
    renamed.write_bytes(project.read_bytes())
    json_project = write_json(tmp_path / "old", v2_document())
    sheet = write_xlsx(tmp_path / "book", {"S": [["x", "y"], [1, 2]]})
    ods = write_ods(tmp_path / "book2", {"S": [["x", "y"], [1, 2]]})
    text = tmp_path / "data"
    text.write_text("x,y\n1,2\n", encoding="utf-8")
    kinds = {path.name: file_kind(path) for path in (project, renamed, json_project, sheet, ods, text,
                                                     people_csv(tmp_path), tmp_path / "missing")}
    assert kinds == {"fit.gdsproj": "project", "fit-copy": "project", "old": "project", "book": "spreadsheet",
                     "book2": "spreadsheet", "data": "table", "people.csv": "table", "missing": "table"}


def test_column_names_are_kept_in_the_project_and_old_files_say_x_and_y(tmp_path: Path) -> None:
    path = tmp_path / "named.gdsproj"
    save_project(Project(points=PointSet.seed(), column_names=("height_cm", "weight_kg")), path)
    assert load_project(path).column_names == ("height_cm", "weight_kg")
    assert load_project(write_json(tmp_path / "v2.gdsproj", v2_document())).column_names == ("x", "y")


def test_main_py_with_a_csv_opens_the_import_dialog(qtbot, window, tmp_path: Path) -> None:
    with_dialog(qtbot, lambda dialog: dialog.accept())
    open_given_file(window, people_csv(tmp_path))
    qtbot.waitUntil(lambda: window.model.column_names() == ("age", "weight_kg"), timeout=5000)
    assert points_of(window) == ([30.0, 31.0, 32.0, 33.0, 35.0], [65.0, 80.0, 72.0, 55.0, 60.0])
    assert window.document.path is None, "data is imported into the document, not opened as a project"


def test_main_py_with_a_project_opens_it(qtbot, window, tmp_path: Path) -> None:
    path = tmp_path / "named.gdsproj"
    save_project(Project(points=PointSet.from_columns([1, 2, 3], [2, 3, 5]), column_names=("t", "v")), path)
    open_given_file(window, path)
    assert window.document.path == path and window.model.column_names() == ("t", "v")
    bottom, left = (window.data_plot.getPlotItem().getAxis(side).labelText for side in ("bottom", "left"))
    assert (bottom, left) == ("t", "v")


def drop(window, path: Path) -> bool:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, data, buttons, keys)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    QApplication.sendEvent(window, QDropEvent(QPointF(window.rect().center()), Qt.DropAction.CopyAction, data,
                                              buttons, keys))
    return True


def test_a_dropped_spreadsheet_is_imported_and_a_dropped_project_opened(qtbot, window, tmp_path: Path) -> None:
    sheet = write_ods(tmp_path / "people.ods", {"People": PEOPLE})
    with_dialog(qtbot, lambda dialog: dialog.accept())
    assert drop(window, sheet)
    qtbot.waitUntil(lambda: window.model.column_names() == ("age", "weight_kg"), timeout=5000)
    assert window.files.dialog_folder() == str(tmp_path), "the next file dialog starts where the drop came from"
    project = tmp_path / "seed.gdsproj"
    save_project(Project(points=PointSet.seed()), project)
    window.files.confirm_discard = lambda: True  # the import is unsaved: "discard it" is answered here
    assert drop(window, project)
    qtbot.waitUntil(lambda: window.document.path == project, timeout=5000)
    assert points_of(window) == SEED and window.model.column_names() == ("x", "y")


def test_a_drag_of_text_or_several_files_is_not_taken(window, tmp_path: Path) -> None:
    data = QMimeData()
    data.setText("1,2")
    enter = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    enter.ignore()
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_file_dialogs_start_in_the_last_folder_used(window, tmp_path: Path) -> None:
    assert window.files.dialog_folder() == str(Path.home())
    window.files.remember_folder(tmp_path / "data" / "people.csv")
    assert window.files.dialog_folder() == str(Path.home()), "a folder that does not exist is not offered"
    (tmp_path / "data").mkdir()
    assert window.files.dialog_folder("points.csv") == str(tmp_path / "data" / "points.csv")
    assert window.settings.last_folder() == str(tmp_path / "data")


def test_an_export_remembers_its_folder_for_the_next_dialog(window, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    asked: list[str] = []

    def choose(_parent, _title, suggested, _filters):
        asked.append(suggested)
        return str(tmp_path / "points.csv"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    window.exports.export_csv_dialog()
    window.exports.export_csv_dialog()
    assert (tmp_path / "points.csv").exists()
    assert asked[1] == str(tmp_path / "points.csv"), "the second dialog starts where the first saved"
