"""Editing points as a user does: clicks on the plot, typing in cells, paste, undo and redo."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit

from tests.conftest import ROOT

SEED = ([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])


def points_of(window) -> tuple[list[float], list[float]]:
    return window.model.x().tolist(), window.model.y().tolist()


def plot_points(window) -> tuple[list[float], list[float]]:
    x, y = window.data_plot.scatter.getData()
    return list(map(float, x)), list(map(float, y))


def click_plot(qtbot, window, x: float, y: float, button=Qt.MouseButton.LeftButton) -> None:
    plot = window.data_plot
    position = plot.view_to_widget(x, y).toPoint()
    qtbot.mouseClick(plot.viewport(), button, pos=position)


def drag_plot(qtbot, window, start: tuple[float, float], end: tuple[float, float]) -> None:
    plot = window.data_plot
    viewport = plot.viewport()
    a, b = plot.view_to_widget(*start).toPoint(), plot.view_to_widget(*end).toPoint()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=a)
    for fraction in np.linspace(0.1, 1.0, 8):
        step = QPoint(int(a.x() + (b.x() - a.x()) * fraction), int(a.y() + (b.y() - a.y()) * fraction))
        qtbot.mouseMove(viewport, step)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=b)


def type_into_cell(qtbot, window, row: int, column: int, text: str) -> None:
    table = window.table
    table.setFocus()
    table.setCurrentIndex(window.model.index(row, column))
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editors = [editor for editor in table.findChildren(QLineEdit) if editor.isVisible()]
    assert len(editors) == 1, "F2 opens the cell editor"
    editors[0].selectAll()
    qtbot.keyClicks(editors[0], text)
    qtbot.keyClick(editors[0], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState)  # the delegate commits queued


def test_window_opens_with_the_seed_points(window) -> None:
    assert points_of(window) == SEED
    assert plot_points(window) == SEED
    assert window.model.rowCount() == 4 and window.windowTitle().startswith("Untitled")


def test_clicking_empty_plot_space_adds_that_point(qtbot, window) -> None:
    click_plot(qtbot, window, 2.5, 7.0)
    x, y = points_of(window)
    assert len(x) == 5
    assert x[-1] == pytest.approx(2.5, abs=0.02) and y[-1] == pytest.approx(7.0, abs=0.05)
    assert plot_points(window) == (x, y), "table and plot agree"
    assert window.isWindowModified()


def test_clicking_a_point_selects_it_and_delete_removes_it(qtbot, window) -> None:
    click_plot(qtbot, window, 3.0, 6.0)
    assert window.model.rowCount() == 4, "a click on a point must not add one"
    assert window.data_plot.selected_row == 2
    window.data_plot.setFocus()
    qtbot.keyClick(window.data_plot, Qt.Key.Key_Delete)
    assert points_of(window) == ([1.0, 2.0, 4.0], [2.0, 4.0, 8.0])
    assert plot_points(window) == points_of(window)


def test_dragging_a_point_moves_it_in_one_undo_step(qtbot, window) -> None:
    drag_plot(qtbot, window, (2.0, 4.0), (2.5, 5.0))
    x, y = points_of(window)
    assert x[1] == pytest.approx(2.5, abs=0.03) and y[1] == pytest.approx(5.0, abs=0.06)
    assert len(x) == 4
    assert window.model.undo_stack.count() == 1, "a drag is one undo step"
    window.menus.undo.trigger()
    assert points_of(window) == SEED


def test_editing_a_cell_moves_the_plotted_point(qtbot, window) -> None:
    type_into_cell(qtbot, window, 0, 1, "5.5")
    assert window.model.y()[0] == 5.5
    assert plot_points(window)[1][0] == 5.5


def test_an_invalid_cell_is_refused_with_a_message(qtbot, window) -> None:
    messages: list[str] = []
    window.statusMessage.connect(messages.append)
    for bad in ("abc", "nan", "inf", ""):
        type_into_cell(qtbot, window, 1, 0, bad)
    assert points_of(window) == SEED, "nothing silently dropped or turned into 0"
    assert any("Row 2, x: 'abc' is not a finite number" in message for message in messages)
    assert window.model.undo_stack.count() == 0


def test_pasting_spreadsheet_rows_without_a_current_cell_adds_them(qtbot, window) -> None:
    QGuiApplication.clipboard().setText("5\t10\n6\t12.5\n7\t14\n")
    window.table.setFocus()
    window.table.setCurrentIndex(QModelIndex())
    qtbot.keyClick(window.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert points_of(window) == ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [2.0, 4.0, 6.0, 8.0, 10.0, 12.5, 14.0])
    assert plot_points(window) == points_of(window)


ARTIFACTS = ROOT / "test-artifacts"


def bar_text(window) -> str | None:
    """The message bar's text while it shows, else None: what the user sees above the window's contents."""
    return window.message_bar.label.text() if window.message_bar.isVisible() else None


def test_paste_overwrites_from_the_current_cell_and_adds_past_the_end(qtbot, window) -> None:
    QGuiApplication.clipboard().setText("5\t10\n6\t12\n7\t14\n")
    window.table.setFocus()
    window.table.setCurrentIndex(window.model.index(2, 0))
    qtbot.keyClick(window.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert points_of(window) == ([1.0, 2.0, 5.0, 6.0, 7.0], [2.0, 4.0, 10.0, 12.0, 14.0])
    assert plot_points(window) == points_of(window)
    assert bar_text(window) == "Pasted 3 points into rows 3-5."
    window.menus.undo.trigger()
    assert points_of(window) == SEED, "one paste is one undo step"


def test_the_paste_message_moves_no_control(qtbot, window) -> None:
    """The message floats over the bottom-right corner: nothing under the cursor shifts when it appears."""
    window.show()
    qtbot.waitExposed(window)
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280)
    qtbot.wait(100)  # the layout settles
    watched = [window.table, window.panel.train_button, window.data_plot]
    before = [widget.mapTo(window, widget.rect().topLeft()) for widget in watched]
    window.table.setCurrentIndex(window.model.index(2, 0))
    window.table.paste_text("5\t10\n6\tsix\n")
    qtbot.wait(50)
    assert window.message_bar.isVisible() and "skipped 1 line" in window.message_bar.label.text()
    assert [widget.mapTo(window, widget.rect().topLeft()) for widget in watched] == before
    assert window.message_bar.parentWidget() is window
    assert window.rect().contains(window.message_bar.geometry()), "the whole message is inside the window"
    window.resize(1024, 768)
    qtbot.waitUntil(lambda: window.width() == 1024)
    assert window.rect().contains(window.message_bar.geometry()), "and follows its size"
    ARTIFACTS.mkdir(exist_ok=True)
    window.grab().save(str(ARTIFACTS / "paste-message-1024x768.png"))


def test_a_column_pasted_into_y_overwrites_y_only(qtbot, window) -> None:
    window.table.setCurrentIndex(window.model.index(1, 1))
    window.table.paste_text("40\n60\n80\n100\n")
    assert points_of(window) == (SEED[0], [2.0, 40.0, 60.0, 80.0])
    assert bar_text(window) == ("Pasted 3 y values into rows 2-4; 1 value past the last row left out "
                                "(a new point needs x and y).")
    window.model.set_column_names(("height_cm", "weight_kg"))
    window.table.setCurrentIndex(window.model.index(0, 1))
    window.table.paste_text("7\nn/a\n")
    assert points_of(window) == (SEED[0], [7.0, 40.0, 60.0, 80.0])
    assert bar_text(window) == ("Pasted 1 weight_kg value into row 1; skipped 1 line: 2 (weight_kg 'n/a' is not "
                                "a number).")


def test_a_bad_pasted_row_is_skipped_and_the_window_says_so(qtbot, window) -> None:
    QGuiApplication.clipboard().setText("5\t10\n6\tsix\n\t7\n8\t16\n")
    window.table.setCurrentIndex(window.model.index(3, 0))
    window.menus.paste.trigger()
    assert points_of(window) == ([1.0, 2.0, 3.0, 5.0, 8.0], [2.0, 4.0, 6.0, 10.0, 16.0])
    assert bar_text(window) == ("Pasted 2 points into rows 4-5; skipped 2 lines: 2 (y 'six' is not a number), "
                                "3 (x empty).")


@pytest.mark.parametrize(("start", "text", "expected", "says"), [
    # a column copied with one empty cell: the 3 stays two rows down, the middle row keeps its value
    ((0, 1), "10\n\n30", [10.0, 4.0, 30.0, 8.0], "Pasted 2 y values into rows 1-3."),
    ((0, 1), "n/a\n20\n30", [2.0, 20.0, 30.0, 8.0], "skipped 1 line: 1 (y 'n/a' is not a number)"),
    ((0, 0), "1\t12\nabc\t3\n4\t18", [12.0, 4.0, 18.0, 8.0], "skipped 1 line: 2 (x 'abc' is not a number)"),
    ((0, 0), "x\ty\n1\t12\n2\t14", [12.0, 14.0, 6.0, 8.0], "Pasted 2 points into rows 1-2."),
], ids=["blank line", "bad first value", "bad middle line", "header copied too"])
def test_every_pasted_line_keeps_its_row(qtbot, window, start, text, expected, says) -> None:
    """Line i of the block goes to row current + i, as in a spreadsheet: a blank or bad line never shifts
    the lines below it onto the wrong points."""
    window.table.setCurrentIndex(window.model.index(*start))
    window.table.paste_text(text)
    assert points_of(window)[1] == expected
    assert says in (bar_text(window) or "")


def test_a_paste_without_any_number_changes_nothing_and_says_why(qtbot, window) -> None:
    window.table.setCurrentIndex(window.model.index(3, 0))
    window.table.paste_text("5\tfive\n6\tsix\n")
    assert points_of(window) == SEED and window.model.undo_stack.count() == 0
    assert bar_text(window) == ("Nothing was pasted: skipped 2 lines: 1 (y 'five' is not a number), "
                                "2 (y 'six' is not a number).")
    window.message_bar.dismiss_button.click()
    assert bar_text(window) is None


def test_edit_menu_copy_and_select_all_act_on_the_table(qtbot, window) -> None:
    window.menus.select_all.trigger()
    window.menus.copy.trigger()
    assert QGuiApplication.clipboard().text() == "1\t2\n2\t4\n3\t6\n4\t8\n"
    texts = [action.text() for action in window.menuBar().actions()[1].menu().actions()]
    assert {"&Copy", "&Paste", "Select &All"} <= set(texts)


def test_copy_puts_the_selected_rows_on_the_clipboard(qtbot, window) -> None:
    window.table.selectRow(1)
    qtbot.keyClick(window.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "2\t4\n"


def test_insert_and_delete_keys_add_and_remove_rows(qtbot, window) -> None:
    window.table.setFocus()
    window.table.setCurrentIndex(window.model.index(3, 0))
    qtbot.keyClick(window.table, Qt.Key.Key_Insert)
    assert points_of(window) == ([1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 4.0, 6.0, 8.0, 8.0])
    window.table.selectRow(0)
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    assert points_of(window) == ([2.0, 3.0, 4.0, 5.0], [4.0, 6.0, 8.0, 8.0])


def test_undo_and_redo_round_trip_every_kind_of_edit(qtbot, window) -> None:
    states = [points_of(window)]
    type_into_cell(qtbot, window, 0, 0, "0.5")
    states.append(points_of(window))
    click_plot(qtbot, window, 3.5, 3.0)
    states.append(points_of(window))
    drag_plot(qtbot, window, (4.0, 8.0), (4.5, 7.0))
    states.append(points_of(window))
    window.table.setCurrentIndex(window.model.index(4, 0))
    window.table.paste_text("9\t9\n10\t10\n")
    states.append(points_of(window))
    window.table.selectRow(1)
    window.table.delete_selected()
    states.append(points_of(window))
    window.menus.clear.trigger()
    states.append(points_of(window))
    assert states[-1] == ([], []) and len({str(s) for s in states}) == len(states)
    for expected in reversed(states[:-1]):
        window.menus.undo.trigger()
        assert points_of(window) == expected and plot_points(window) == expected
    assert not window.isWindowModified(), "undoing everything returns to the saved state"
    for expected in states[1:]:
        window.menus.redo.trigger()
        assert points_of(window) == expected and plot_points(window) == expected


AUTOMATION_NAMES = ["pointsTable", "dataPlot", "lossPlot", "trainButton", "stopButton", "deviceCombo",
                    "optimizerCombo", "learningRateSpin", "epochsSpin", "batchSizeSpin", "seedSpin"]


@pytest.mark.parametrize("name", AUTOMATION_NAMES)
def test_controls_have_stable_object_and_accessible_names(window, name: str) -> None:
    from PySide6.QtWidgets import QWidget

    found = window.findChildren(QWidget, name)
    assert len(found) == 1, f"exactly one widget named {name}"
    assert found[0].accessibleName() == name and found[0].toolTip()


def test_hyperparameters_and_window_size_are_remembered(qtbot, make_window) -> None:
    first = make_window()
    first.resize(760, 560)  # inside the offscreen screen (800x600), which restoreGeometry clamps to
    first.panel.learning_rate_spin.setValue(0.003)
    first.panel.epochs_spin.setValue(4321)
    first.panel.optimizer_combo.setCurrentIndex(first.panel.optimizer_combo.findData("momentum"))
    first.close()
    second = make_window()
    config = second.panel.config()
    assert (config.learning_rate, config.epochs, config.optimizer) == (0.003, 4321, "momentum")
    assert (second.width(), second.height()) == (760, 560)
