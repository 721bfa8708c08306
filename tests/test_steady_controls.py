"""Controls never move under the cursor: hints that change, figures that wrap and the Undo text that grows
leave the Train button and the toolbar where they were."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QToolBar

LONG = "A hint that goes on and on, " * 6


def _places(window) -> dict[str, QRect]:
    """Where each button a person aims at is, in the window's coordinates."""
    panel = window.panel
    places = {}
    for control in (window.timeline_bar.slider, window.timeline_bar.play_button):
        places[control.objectName()] = QRect(control.mapTo(window, control.rect().topLeft()), control.size())
    for button in (panel.train_button, panel.step_button, panel.continue_button, panel.race_button,
                   panel.stop_button):
        places[button.objectName()] = QRect(button.mapTo(window, button.rect().topLeft()), button.size())
    toolbar = window.findChild(QToolBar, "mainToolBar")
    for action in toolbar.actions():
        widget = toolbar.widgetForAction(action)
        if widget is not None and action.text():
            places[action.iconText()] = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
    return places


def test_hints_figures_and_the_undo_text_move_no_button(qtbot, window) -> None:
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1280, 720))
    qtbot.wait(20)
    before = _places(window)
    panel = window.panel

    def settle_and_compare(what: str) -> None:
        qtbot.wait(20)
        assert _places(window) == before, what

    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("adam"))  # "no fixed bound" wraps
    settle_and_compare("the stable-rate hint for Adam")
    panel.stable_rate_label.setText(LONG)
    settle_and_compare("a long stable-rate hint")
    panel.stable_rate_label.setText("")
    settle_and_compare("an empty stable-rate hint")
    panel.pace_control.set_pace(0.5)
    panel.epochs_spin.setValue(9_999_999)
    settle_and_compare("a long pace hint")
    panel.pace_control.hint.setText(LONG)
    settle_and_compare("a very long pace hint")
    for text in (LONG, "Ready."):
        panel.status_label.setText(text)
        panel.result_label.setText(text)
        panel.gap_label.setText(text)
        panel.equation_label.setText(text)
        settle_and_compare(f"status and result {text[:10]!r}")
    for text in (LONG, "#1 · step 3 of 30", ""):  # the timeline's label, as a replay moves it
        window.timeline_bar.label.setText(text)
        settle_and_compare(f"the timeline label {text[:10]!r}")
    window.model.insert_points(0, np.array([5.0]), np.array([6.0]), "Paste " + "a great many points " * 5)
    assert window.menus.undo.text().startswith("&Undo Paste a great")  # the menu still says what
    assert "Paste a great" in window.menus.undo.toolTip()
    settle_and_compare("a long Undo text")
    window.menus.undo.trigger()
    assert "Paste a great" in window.menus.redo.toolTip()
    settle_and_compare("a long Redo text")
    window.model.undo_stack.clear()
    settle_and_compare("no Undo text")
