"""File ▸ Import data as a user meets it: the sheet and column choices, the preselection, the skipped-row
count and list, Import replacing the points in one undo step, Cancel leaving everything as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QPlainTextEdit, QPushButton, QTableView

from gui.shell.import_dialog import ImportDialog
from tests.spreadsheet_files import PEOPLE, write_ods, write_xlsx

SEED = ([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])
def people_csv(folder: Path) -> Path:
    path = folder / "people.csv"
    path.write_text("".join(",".join("" if c is None else str(c) for c in row) + "\n" for row in PEOPLE),
                    encoding="utf-8")
    return path


def points_of(window) -> tuple[list[float], list[float]]:
    return window.model.x().tolist(), window.model.y().tolist()


def with_dialog(qtbot, act: Callable[[ImportDialog], None]) -> None:
    """Run `act` on the import dialog once it is open (it runs its own event loop)."""
    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ImportDialog):
            QTimer.singleShot(20, attempt)
            return
        act(dialog)

    QTimer.singleShot(0, attempt)


def parts(dialog: ImportDialog):
    return (dialog.findChild(QComboBox, "importXColumnCombo"), dialog.findChild(QComboBox, "importYColumnCombo"),
            dialog.findChild(QLabel, "importSkippedLabel"), dialog.findChild(QTableView, "importPreview"))


def test_the_dialog_preselects_numeric_columns_and_counts_what_is_skipped(qtbot, window, tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    def look(dialog: ImportDialog) -> None:
        x_combo, y_combo, label, preview = parts(dialog)
        seen["objectName"] = dialog.objectName()
        seen["choices"] = [x_combo.itemText(i) for i in range(x_combo.count())]
        seen["preselected"] = (x_combo.currentText(), y_combo.currentText())
        seen["first"] = label.text()
        model = preview.model()
        seen["preview"] = [model.headerData(c, preview.horizontalHeader().orientation()) for c in range(4)], \
            [model.index(0, c).data() for c in range(4)], model.rowCount()
        x_combo.setCurrentIndex(2)  # height_cm
        seen["second"] = label.text()
        seen["skipped_list"] = dialog.skipped_lines()
        dialog.findChild(QPushButton, "importShowSkippedButton").click()
        listed = dialog.findChild(QPlainTextEdit, "importSkippedList")
        seen["listed"] = listed.toPlainText() if listed else None
        dialog.skipped_dialog.close()
        dialog.accept()

    with_dialog(qtbot, look)
    assert window.files.import_table(people_csv(tmp_path))
    assert seen["objectName"] == "importDialog"
    assert seen["choices"] == ["name", "age", "height_cm", "weight_kg"]
    assert seen["preselected"] == ("age", "weight_kg")
    assert seen["first"] == "5 lines will be imported; 1 skipped (line 6 (weight_kg empty))."
    assert seen["preview"] == (["name", "age", "height_cm", "weight_kg"], ["Ann", "30", "170.5", "65"], 6)
    assert seen["second"] == ("4 lines will be imported; 2 skipped (line 6 (weight_kg empty); "
                              "line 7 (height_cm 'n/a' is not a number)).")
    assert seen["skipped_list"] == ["Line 6: weight_kg empty", "Line 7: height_cm 'n/a' is not a number"]
    assert seen["listed"] == "Line 6: weight_kg empty\nLine 7: height_cm 'n/a' is not a number"
    assert points_of(window) == ([170.5, 182.0, 175.0, 160.0], [65.0, 80.0, 72.0, 55.0])
    assert window.model.column_names() == ("height_cm", "weight_kg")


def test_import_is_one_undo_step_that_also_restores_the_names(qtbot, window, tmp_path: Path) -> None:
    with_dialog(qtbot, lambda dialog: dialog.accept())
    assert window.files.import_table(people_csv(tmp_path))
    assert window.model.column_names() == ("age", "weight_kg")
    assert window.table.model().headerData(0, window.table.horizontalHeader().orientation()) == "age"
    axis = window.data_plot.getPlotItem()
    assert (axis.getAxis("bottom").labelText, axis.getAxis("left").labelText) == ("age", "weight_kg")
    assert window.isWindowModified()
    window.model.undo_stack.undo()
    assert points_of(window) == SEED
    assert window.model.column_names() == ("x", "y")
    assert (axis.getAxis("bottom").labelText, axis.getAxis("left").labelText) == ("x", "y")
    assert not window.isWindowModified()
    window.model.undo_stack.redo()
    assert window.model.column_names() == ("age", "weight_kg") and len(window.model.x()) == 5


def test_cancel_leaves_the_document_exactly_as_it_was(qtbot, window, tmp_path: Path) -> None:
    def choose_then_cancel(dialog: ImportDialog) -> None:
        parts(dialog)[0].setCurrentIndex(2)
        dialog.reject()

    with_dialog(qtbot, choose_then_cancel)
    assert not window.files.import_table(people_csv(tmp_path))
    assert points_of(window) == SEED
    assert window.model.column_names() == ("x", "y")
    assert window.model.undo_stack.count() == 0 and not window.isWindowModified()


def test_a_spreadsheet_offers_its_sheets(qtbot, window, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", {"Notes": [["only words"]], "People": PEOPLE})
    seen: dict[str, object] = {}

    def pick_sheet(dialog: ImportDialog) -> None:
        sheet = dialog.findChild(QComboBox, "importSheetCombo")
        seen["sheets"] = [sheet.itemText(i) for i in range(sheet.count())]
        seen["first"] = parts(dialog)[2].text()
        seen["ok_first"] = dialog.buttons.buttons()[0].isEnabled()
        sheet.setCurrentText("People")
        seen["second"] = parts(dialog)[2].text()
        dialog.accept()

    with_dialog(qtbot, pick_sheet)
    assert window.files.import_table(path)
    assert seen["sheets"] == ["Notes", "People"]
    assert "no points found (only a header)" in str(seen["first"]) and seen["ok_first"] is False
    assert seen["second"] == "5 rows will be imported; 1 skipped (row 6 (weight_kg empty))."
    assert points_of(window) == ([30.0, 31.0, 32.0, 33.0, 35.0], [65.0, 80.0, 72.0, 55.0, 60.0])


def test_an_ods_file_imports_through_open_path(qtbot, window, tmp_path: Path) -> None:
    path = write_ods(tmp_path / "people.ods", {"Sheet1": PEOPLE})
    with_dialog(qtbot, lambda dialog: dialog.accept())
    assert window.files.open_path(path)
    assert window.model.column_names() == ("age", "weight_kg")


def test_a_file_without_usable_rows_cannot_be_imported(qtbot, window, tmp_path: Path) -> None:
    path = tmp_path / "words.csv"
    path.write_text("a,b\nc,d\n", encoding="utf-8")
    seen: dict[str, object] = {}

    def look(dialog: ImportDialog) -> None:
        seen["label"] = parts(dialog)[2].text()
        seen["ok"] = dialog.buttons.buttons()[0].isEnabled()
        dialog.reject()

    with_dialog(qtbot, look)
    assert not window.files.import_table(path)
    assert seen == {"label": f"{path}: no usable line for x = 'a' and y = 'b' (skipped 1 line: 2 (a 'c' is not "
                             "a number)).", "ok": False}
    assert points_of(window) == SEED


def test_an_unreadable_file_says_why_and_changes_nothing(window, tmp_path: Path) -> None:
    assert not window.files.import_table(tmp_path / "missing.csv")
    assert "cannot read the file" in window.notices.last_error_box.text()
    assert points_of(window) == SEED and window.model.undo_stack.count() == 0
