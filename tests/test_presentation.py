"""Presentation mode: larger text, thicker lines, no docks, full screen; and everything back as it was."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPen

from gui.kit import plot_style
from gui.shell.presentation import FONT_SCALE, LINE_SCALE, Presentation
from tests.conftest import ROOT, run_python

ARTIFACTS = ROOT / "test-artifacts"


def presentation_of(window) -> Presentation:
    """The window's own Presentation once the window builds one; until then, one made here."""
    return window.findChild(Presentation) or Presentation(window, window.menus.presentation)


def _line(pen: QPen) -> tuple[float, str, Qt.PenStyle]:
    return pen.widthF(), pen.color().name(QColor.NameFormat.HexArgb), pen.style()


def looks(window) -> dict[str, object]:
    """What a person sees change in presentation mode."""
    left = window.data_plot.getPlotItem().getAxis("left")
    return {
        "window font": QFont(window.font()),
        "equation font": QFont(window.panel.equation_label.font()),
        "fit pen": _line(window.data_plot.fit_line.pen),
        "arrow pen": _line(window.landscape.step_overlay.gradient.line.pen()),
        "arrow swatch": _line(window.landscape.step_overlay.gradient.line.sample.opts["pen"]),
        "tick font": left.style["tickFont"],
        "axis width": left.fixedWidth,
        "dock hidden": window.runs_dock.isHidden(),
        "full screen": window.isFullScreen(),
        "geometry": window.geometry(),
    }


def test_presentation_mode_enlarges_everything_and_toggles_back_exactly(qtbot, window) -> None:
    presentation = presentation_of(window)
    window.data_plot.set_fit(2.0, 0.0)
    before = looks(window)
    action = window.menus.presentation
    assert action.objectName() == "presentationAction" and action.isCheckable()
    assert {key.toString() for key in action.shortcuts()} == {"F11", "Ctrl+Shift+P"}

    action.trigger()
    qtbot.waitUntil(window.isFullScreen)
    on = looks(window)
    assert presentation.is_active()
    assert on["window font"].pointSizeF() == before["window font"].pointSizeF() * FONT_SCALE
    assert on["equation font"].pointSizeF() == before["equation font"].pointSizeF() * FONT_SCALE
    assert on["equation font"].bold()  # its own font, scaled, not replaced by the window's
    assert on["fit pen"] == (before["fit pen"][0] * LINE_SCALE, *before["fit pen"][1:])  # thicker, same colour
    assert on["arrow pen"] == (before["arrow pen"][0] * LINE_SCALE, *before["arrow pen"][1:])  # the landscape's
    assert on["arrow swatch"] == on["arrow pen"]  # its legend's sample follows
    assert on["tick font"].pointSizeF() == on["window font"].pointSizeF()
    assert on["axis width"] > before["axis width"]  # room for the larger tick labels, once laid out:
    qtbot.waitUntil(lambda: window.data_plot.getPlotItem().getAxis("left").width() == on["axis width"])
    assert on["dock hidden"] and not before["dock hidden"]

    action.trigger()
    qtbot.waitUntil(lambda: not window.isFullScreen())
    assert not presentation.is_active()
    assert looks(window) == before
    assert not window.testAttribute(Qt.WidgetAttribute.WA_SetFont)  # the window follows the app's font again


def test_curves_made_while_presenting_are_thick_and_become_normal_after(qtbot, window) -> None:
    presentation_of(window).set_active(True)
    pen = plot_style.run_pen(QColor("#2ca02c"), current=True)  # as the loss plot styles a new run's curve
    curve = window.loss_plot.plot.plot([1, 2, 3], [3.0, 2.0, 1.0], pen=pen)
    assert curve.opts["pen"].widthF() == 1 * LINE_SCALE  # a run's line is 1 px, scaled for the projector
    presentation_of(window).set_active(False)
    assert curve.opts["pen"].widthF() == 1
    assert window.menus.presentation.isChecked() is False
    assert plot_style.FIT_PEN.widthF() == 2 and plot_style.run_pen(QColor("#2ca02c"), current=True).widthF() == 1


def test_closing_in_presentation_mode_leaves_it_first(qtbot, window) -> None:
    presentation = presentation_of(window)
    window.menus.presentation.trigger()
    qtbot.waitUntil(window.isFullScreen)
    window.files.confirm_discard = lambda: True  # type: ignore[method-assign]
    window.close()
    assert not presentation.is_active() and not window.isFullScreen()
    assert not window.runs_dock.isHidden()


SCREENSHOT = """
import sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui.shell.main_window import MainWindow
from gui.shell.presentation import Presentation
window = MainWindow(QSettings(sys.argv[1], QSettings.Format.IniFormat), detect_devices=False)
window.resize(1280, 800)
window.show()
window.data_plot.set_fit(1.9, 0.3)
presentation = window.findChild(Presentation) or Presentation(window, window.menus.presentation)
for name, on in (("off", False), ("on", True)):
    presentation.set_active(on)
    for _ in range(5):
        app.processEvents()
    image = window.grab()
    assert (image.width(), image.height()) == (1280, 800), (image.width(), image.height())
    assert image.save(sys.argv[2] + f"/presentation-{name}-1280x800.png")
presentation.set_active(False)
window.files.confirm_discard = lambda: True
window.close()
"""


def test_screenshots_of_presentation_mode_at_1280x800(tmp_path: Path) -> None:
    """A 1280×800 screen (the offscreen platform's own is 800×800) in a fresh process; look at the images."""
    ARTIFACTS.mkdir(exist_ok=True)
    screen = tmp_path / "screen.json"
    screen.write_text('{"screens": [{"name": "projector", "x": 0, "y": 0, "width": 1280, "height": 800, '
                      '"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}', encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screen}"}
    done = run_python("-c", SCREENSHOT, str(tmp_path / "settings.ini"), str(ARTIFACTS), env=env)
    assert done.returncode == 0, done.stderr
    for name in ("off", "on"):
        assert (ARTIFACTS / f"presentation-{name}-1280x800.png").stat().st_size > 10_000


def test_a_step_arrow_styled_while_presenting_is_thick_and_becomes_normal_after(qtbot, window) -> None:
    from tests.timeline_runs import trained_run

    presentation_of(window).set_active(True)
    run = trained_run(window.runs, 30)
    window.timeline.select(run)  # the "step taken" arrow takes the run's colour now, while presenting
    window.timeline.show_position(10)
    step = window.landscape.step_overlay.step.line
    assert step.isVisible() and step.pen().color().rgb() == run.color.rgb()
    assert step.pen().widthF() == 2.5 * LINE_SCALE
    assert step.sample.opts["pen"].widthF() == 2.5 * LINE_SCALE  # the legend's swatch too
    presentation_of(window).set_active(False)
    assert step.pen().widthF() == 2.5 and step.sample.opts["pen"].widthF() == 2.5
