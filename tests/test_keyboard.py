"""The keyboard: Tab visits every control in a sensible order and leaves the points table; Ctrl+Tab moves
between its cells; a plot with the focus shows a frame."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

# Every control a person can reach with Tab on a fresh window (disabled ones — Pause, Stop, Continue,
# Momentum with SGD, Play without a run — are skipped by Qt, as they should be).
FRESH_WINDOW_CHAIN = [
    "pointsTable", "addPointButton", "deletePointsButton",
    "deviceCombo", "optimizerCombo", "learningRateSpin", "epochsSpin", "batchSizeSpin", "seedSpin",
    "standardizeCheck",
    "degreeSpin", "lossCombo", "l2Spin", "l1Spin", "validationFractionSpin", "scheduleCombo",  # δ, step, γ: off
    "paceSpin", "paceSlider",
    "trainButton", "stepButton", "raceButton",
    "residualsCheck", "ghostLineCheck", "dataPlot", "landscapePlot",
    "logScaleCheck", "clearRunsButton", "lossPlot", "stepDetails", "timelineSlider",
    "runsTable", "showAllRunsButton", "showLatestRunButton", "exportRunsButton", "clearHistoryButton",
]


def _name(widget: QWidget | None) -> str:
    """The control's name: a spin box's inner line edit answers for its spin box."""
    while widget is not None and (not widget.objectName() or widget.objectName().startswith("qt_")):
        widget = widget.parentWidget()
    return "" if widget is None else widget.objectName()


def _tab(qtbot, key: Qt.Key = Qt.Key.Key_Tab, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> str:
    before = QApplication.focusWidget()
    QTest.keyClick(before, key, modifier)
    qtbot.wait(1)
    return _name(QApplication.focusWidget())


def _focus(qtbot, window, widget: QWidget) -> None:
    window.activateWindow()
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def test_tab_walks_every_control_in_order_and_comes_back_round(qtbot, window) -> None:
    _focus(qtbot, window, window.table)
    visited = [_name(QApplication.focusWidget())]
    for _ in range(len(FRESH_WINDOW_CHAIN)):
        visited.append(_tab(qtbot))
    assert visited == [*FRESH_WINDOW_CHAIN, "pointsTable"], visited
    backwards = [_tab(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier) for _ in FRESH_WINDOW_CHAIN]
    assert backwards == [*reversed(FRESH_WINDOW_CHAIN)], backwards


def test_tabbing_through_the_settings_never_shifts_them_sideways(qtbot, window) -> None:
    """Each focused control is scrolled into view up and down only: the labels stay whole."""
    window.resize(1024, 768)
    qtbot.waitUntil(lambda: window.width() == 1024)
    area = window.findChild(QWidget, "trainingSettingsScroll")
    # Content a little wider than its box, as a long translated label or a large font makes it: scrolling a
    # focused control into view used to shift everything sideways then, with no scroll bar to undo it.
    area.widget().setMinimumWidth(area.viewport().width() + 40)
    _focus(qtbot, window, window.table)
    for _ in range(len(FRESH_WINDOW_CHAIN)):
        _tab(qtbot)
        assert area.horizontalScrollBar().value() == 0, _name(QApplication.focusWidget())


def test_tab_leaves_the_table_even_from_a_cell_being_edited_and_ctrl_tab_moves_between_cells(qtbot, window) -> None:
    table = window.table
    _focus(qtbot, window, table)
    table.setCurrentIndex(window.model.index(0, 0))
    QTest.keyClick(table, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert (table.currentIndex().row(), table.currentIndex().column()) == (0, 1)
    QTest.keyClick(table, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert (table.currentIndex().row(), table.currentIndex().column()) == (1, 0)
    QTest.keyClick(table, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert (table.currentIndex().row(), table.currentIndex().column()) == (0, 1)
    assert _name(QApplication.focusWidget()) == "pointsTable"

    table.edit(table.currentIndex())  # typing in y of row 1, then Tab: the value is kept, the focus leaves
    editor = QApplication.focusWidget()
    assert editor is not None and table.isAncestorOf(editor)
    editor.selectAll()
    QTest.keyClicks(editor, "7.5")
    QTest.keyClick(editor, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: _name(QApplication.focusWidget()) == "addPointButton")
    assert window.model.y()[0] == 7.5
    assert table.state() != table.State.EditingState


def test_a_plot_with_the_focus_has_a_visible_frame_and_no_shift(qtbot, window) -> None:
    for plot in (window.data_plot, window.landscape.plot, window.loss_plot.plot):
        window.table.setFocus()
        qtbot.waitUntil(lambda plot=plot: not plot.hasFocus())
        before = plot.grab().toImage()
        viewport_before = plot.viewport().geometry()
        plot.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(plot.hasFocus)
        after = plot.grab().toImage()
        assert plot.viewport().geometry() == viewport_before, "gaining the focus must not move the plot"
        highlight = plot.palette().color(plot.palette().ColorRole.Highlight)
        for x, y in ((plot.width() // 2, 0), (0, plot.height() // 2), (plot.width() // 2, plot.height() - 1)):
            edge = after.pixelColor(x * after.width() // plot.width(), y * after.height() // plot.height())
            assert edge == highlight, (plot.objectName(), x, y, edge.name(), highlight.name())
            assert before.pixelColor(x, y) != QColor(highlight), "no frame without the focus"
