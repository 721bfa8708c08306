"""The pace control, Step and Continue in the panel and the Train menu, and the remembered pace."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import MagicMock

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QCheckBox, QDockWidget, QMainWindow, QSplitter, QToolBar

from engine.analysis.least_squares import Moments
from engine.data.points import PointSet
from gui.session.app_settings import DEFAULT_PACE, AppSettings
from gui.session.points_model import PointsTableModel
from gui.shell.menus import MainMenus, MenuTargets
from gui.views.data_plot import DataPlotWidget
from gui.views.pace_control import PRESETS
from gui.views.points_table import PointsTableView
from gui.views.training_panel import TrainingPanel

SEED = Moments.of_columns(PointSet.seed().x, PointSet.seed().y)  # x = 1..4, y = 2x


@pytest.fixture
def panel(qtbot) -> TrainingPanel:
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_data(SEED, None)
    return panel


# --- the pace control ------------------------------------------------------------------------------------
def test_moving_the_slider_sets_the_box_and_reports_the_pace(qtbot, panel) -> None:
    slider, spin = panel.pace_control.slider, panel.pace_control.spin
    with qtbot.waitSignal(panel.paceChanged) as signal:
        slider.setValue(PRESETS.index(0.5))
    assert signal.args == [0.5] and spin.value() == 0.5 and spin.text() == "0.5 steps/s"
    with qtbot.waitSignal(panel.paceChanged) as signal:
        slider.setValue(PRESETS.index(1000.0))
    assert signal.args == [1000.0] and spin.text() == "1000 steps/s" and panel.pace() == 1000.0


def test_slider_end_is_max_which_is_pace_zero(qtbot, panel) -> None:
    with qtbot.waitSignal(panel.paceChanged) as signal:
        panel.pace_control.slider.setValue(panel.pace_control.slider.maximum())
    assert signal.args == [0.0] and panel.pace() == 0.0
    assert panel.pace_control.spin.text() == "Max"


def test_typing_a_pace_moves_the_slider_to_the_nearest_preset_without_snapping_the_box(qtbot, panel) -> None:
    spin, slider = panel.pace_control.spin, panel.pace_control.slider
    spin.setFocus()
    spin.selectAll()
    with qtbot.waitSignal(panel.paceChanged) as signal:
        qtbot.keyClicks(spin, "47")
        qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert signal.args == [47.0] and panel.pace() == 47.0
    assert PRESETS[slider.value()] == 50.0
    panel.set_pace(0.0)
    assert PRESETS[slider.value()] == 0.0 and spin.text() == "Max"
    panel.set_pace(3000.0)  # between 1000 and Max: the largest finite preset, the box keeps 3000
    assert PRESETS[slider.value()] == 1000.0 and panel.pace() == 3000.0


def test_hint_says_how_long_the_run_takes_in_a_fixed_height(qtbot, panel) -> None:
    hint = panel.pace_control.hint
    height = hint.height()
    assert "~4 s" in hint.text() and "1,000 steps" in hint.text()  # 1000 epochs × 1 full batch at 250/s
    panel.batch_size_spin.setValue(1)  # 4 steps an epoch
    assert "~16 s" in hint.text() and "4,000 steps" in hint.text()
    panel.set_pace(0.0)
    assert "Max" in hint.text()
    assert hint.height() == height


def test_pace_stays_enabled_while_a_run_plays(panel) -> None:
    panel.set_running(True)
    assert panel.pace_control.spin.isEnabled() and panel.pace_control.slider.isEnabled()


# --- Step and Continue -----------------------------------------------------------------------------------
def test_step_and_continue_buttons_follow_the_run_state(qtbot, panel) -> None:
    step, cont = panel.step_button, panel.continue_button
    assert step.isEnabled() and not cont.isEnabled()  # nothing to continue yet
    panel.set_can_continue(True)
    assert step.isEnabled() and cont.isEnabled()
    panel.set_running(True)
    assert not step.isEnabled() and not cont.isEnabled()
    panel.set_running(False)
    assert step.isEnabled() and cont.isEnabled()
    with qtbot.waitSignal(panel.stepRequested):
        qtbot.mouseClick(step, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.continueRequested):
        qtbot.mouseClick(cont, Qt.MouseButton.LeftButton)
    assert "Ctrl+Right" in step.toolTip()


@pytest.fixture
def menu_window(qtbot):
    """A window with the real menus, a points table and a data plot, acting on recording fakes."""
    window = QMainWindow()
    qtbot.addWidget(window)
    model = PointsTableModel(PointSet.seed(), window)
    table, plot = PointsTableView(model), DataPlotWidget(model)
    splitter = QSplitter()
    splitter.addWidget(table)
    splitter.addWidget(plot)
    window.setCentralWidget(splitter)
    training = MagicMock()
    menus = MainMenus(window, MenuTargets(MagicMock(), training, MagicMock(), QUndoStack(window), table,
                                          lambda: None, lambda: None, QCheckBox(), QCheckBox(),
                                          QDockWidget("Runs", window)))
    window.show()
    qtbot.waitExposed(window)
    return window, menus, training, table, plot


@pytest.mark.parametrize("focus", ["table", "plot"])
def test_ctrl_right_takes_one_step_with_the_table_or_plot_focused(qtbot, menu_window, focus) -> None:
    _, menus, training, table, plot = menu_window
    widget = table if focus == "table" else plot
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    with qtbot.waitSignal(menus.step.triggered):
        qtbot.keyClick(widget, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    training.step_once.assert_called_once_with()
    menus.set_can_continue(True)
    with qtbot.waitSignal(menus.continue_.triggered):
        qtbot.keyClick(widget, Qt.Key.Key_Right,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    training.continue_training.assert_called_once_with()


def test_menu_step_and_continue_follow_the_run_state(menu_window) -> None:
    _, menus, _, _, _ = menu_window
    assert menus.step.objectName() == "stepAction" and menus.continue_.objectName() == "continueAction"
    assert menus.step.isEnabled() and not menus.continue_.isEnabled()
    menus.set_can_continue(True)
    assert menus.continue_.isEnabled()
    menus.set_running(True)
    assert not menus.step.isEnabled() and not menus.continue_.isEnabled()
    menus.set_can_continue(False)
    menus.set_running(False)
    assert menus.step.isEnabled() and not menus.continue_.isEnabled()


def test_step_and_continue_shortcuts_clash_with_no_other_action(menu_window) -> None:
    window, menus, _, _, _ = menu_window
    seen: dict[str, str] = {}
    for action in window.actions():
        for key in action.shortcuts():
            text = key.toString()
            assert text not in seen, f"{text} is both {seen[text]!r} and {action.text()!r}"
            seen[text] = action.text()
    assert seen["Ctrl+Right"] == menus.step.text() and seen["Ctrl+Shift+Right"] == menus.continue_.text()
    toolbar_texts = [action.text() for action in window.findChild(QToolBar, "mainToolBar").actions()]
    assert toolbar_texts.index("Ste&p") == toolbar_texts.index("&Start") + 1


# --- the remembered pace ---------------------------------------------------------------------------------
def test_first_run_pace_lets_the_default_run_be_watched(settings) -> None:
    settings.remove("training/pace")  # the fixture's test pace: this is a first run
    assert AppSettings(settings).pace() == DEFAULT_PACE == 250.0
    assert TrainingPanel().pace() == DEFAULT_PACE


def test_pace_is_remembered_across_sessions(qtbot, settings, tmp_path: Path) -> None:
    AppSettings(settings).save_pace(12.5)
    settings.sync()
    reread = AppSettings(QSettings(settings.fileName(), QSettings.Format.IniFormat))
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_pace(reread.pace())
    assert panel.pace() == 12.5 and panel.pace_control.spin.text() == "12.5 steps/s"
    AppSettings(settings).save_pace(0.0)
    assert AppSettings(settings).pace() == 0.0  # Max is a choice to remember, not a damaged value


@pytest.mark.parametrize("stored", ["nan", "inf", "-1", "100001", "fast", "", ["1", "2"], True])
def test_a_damaged_stored_pace_falls_back_to_the_default(settings, stored) -> None:
    settings.setValue("training/pace", stored)
    assert AppSettings(settings).pace() == DEFAULT_PACE


@pytest.mark.parametrize("pace", [float("nan"), float("inf"), -0.5, 1e6])
def test_a_bad_pace_is_never_saved(settings, pace) -> None:
    app_settings = AppSettings(settings)
    app_settings.save_pace(5.0)
    with pytest.raises(ValueError, match="Pace"):
        app_settings.save_pace(pace)
    assert app_settings.pace() == 5.0


def test_pace_chosen_in_one_window_is_the_next_windows_pace(make_window, settings) -> None:
    settings.remove("training/pace")  # the fixture's test pace: this is a first run
    first = make_window()
    assert first.panel.pace() == DEFAULT_PACE
    first.panel.pace_control.slider.setValue(PRESETS.index(20.0))
    first.files.confirm_discard = lambda: True  # type: ignore[method-assign]
    first.close()
    assert make_window().panel.pace() == 20.0
