"""Screens: the window opens inside the screen's free area at any scale factor, and at 1280×720 and
1024×768 nothing is cut off (the settings scroll; Train, the Result and the plots stay in view; the loss
legend sits outside the curves). Screenshots go to test-artifacts/ to be looked at."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from tests.conftest import ROOT, run_python

ARTIFACTS = ROOT / "test-artifacts"

OPEN_AND_MEASURE = """
import json, sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from gui.shell.main_window import MainWindow
window = MainWindow(QSettings(sys.argv[1], QSettings.Format.IniFormat), detect_devices=False)
window.show()
for _ in range(5):
    app.processEvents()
frame, area = window.frameGeometry(), window.screen().availableGeometry()
print(json.dumps({"frame": frame.getRect(), "area": area.getRect(), "size": window.size().toTuple(),
                  "minimum": window.minimumSizeHint().toTuple(), "scale": window.devicePixelRatio()}))
assert window.grab().save(sys.argv[2])
if len(sys.argv) > 3:  # remember a big window, as a user on a big screen would leave it
    window.resize(int(sys.argv[3]), int(sys.argv[4]))
window.files.confirm_discard = lambda: True
window.close()
"""


def _screen(tmp_path: Path, width: int, height: int) -> dict[str, str]:
    """The environment of an app on one screen of width × height device pixels (offscreen platform)."""
    config = tmp_path / f"screen-{width}x{height}.json"
    config.write_text(json.dumps({"screens": [{"name": "screen", "x": 0, "y": 0, "width": width, "height": height,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}), encoding="utf-8")
    return {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}


def _open(settings: Path, env: dict[str, str], screenshot: Path, *resize: int) -> dict:
    done = run_python("-c", OPEN_AND_MEASURE, str(settings), str(screenshot), *map(str, resize), env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("scale", ["1.0", "1.5", "2.0"])
def test_the_window_opens_inside_the_screen_at_every_scale_factor(tmp_path: Path, scale: str) -> None:
    env = {**_screen(tmp_path, 1600, 1000), "QT_SCALE_FACTOR": scale}
    settings = tmp_path / "settings.ini"
    # First run: no saved size. Then the window is left at 1400×900 logical pixels (on a bigger screen, or
    # before the scale factor changed) and opened again on this one.
    ARTIFACTS.mkdir(exist_ok=True)
    for run in range(2):
        screenshot = ARTIFACTS / f"window-scale-{scale}-on-1600x1000{'-reopened' if run else ''}.png"
        shown = _open(settings, env, screenshot, *((1400, 900) if run == 0 else ()))
        assert screenshot.stat().st_size > 10_000
        area, frame = QRect(*shown["area"]), QRect(*shown["frame"])
        assert area.width() == round(1600 / float(scale)) or abs(area.width() - 1600 / float(scale)) <= 1
        assert area.contains(frame), (scale, run, shown)
        assert shown["minimum"][0] <= area.width() and shown["minimum"][1] <= area.height(), shown
        if scale == "1.0":
            assert tuple(shown["size"]) == (1400, 900), "a window that fits keeps its size"


def _in_view(widget: QWidget, window: QWidget) -> bool:
    """Whether all of `widget` is drawn: inside the window and not clipped by a parent (a scroll area)."""
    top_left = widget.mapTo(window, widget.rect().topLeft())
    inside = window.rect().contains(QRect(top_left, widget.size()))
    drawn = widget.viewport() if isinstance(widget, QAbstractScrollArea) else widget  # a plot draws in its viewport
    return inside and widget.isVisible() and drawn.visibleRegion().boundingRect() == drawn.rect()


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1280, 720), (1024, 768)])
def test_at_small_sizes_train_the_result_and_the_plots_stay_in_view(qtbot, window, width: int, height: int) -> None:
    from tests.test_gui_views import press_train

    ARTIFACTS.mkdir(exist_ok=True)
    press_train(qtbot, window)
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.size().toTuple() == (width, height))
    qtbot.wait(50)
    panel = window.panel
    for widget in (panel.train_button, panel.step_button, panel.race_button, panel.result_box,
                   panel.equation_label, panel.result_label, panel.gap_label, panel.status_label,
                   window.data_plot, window.landscape.plot, window.loss_plot.plot, window.timeline_bar.slider):
        assert _in_view(widget, window), (widget.objectName() or type(widget).__name__, width, height)
    for plot in (window.data_plot, window.landscape.plot, window.loss_plot.plot):
        assert plot.width() >= 150 and plot.height() >= 120, (plot.objectName(), plot.size().toTuple())
    scroll = panel.settings_scroll
    if scroll.widget().height() > scroll.viewport().height():  # what does not fit scrolls, reachable
        assert scroll.verticalScrollBar().isVisible() and scroll.verticalScrollBar().maximum() > 0
    _assert_legend_outside_the_curves(window)
    path = ARTIFACTS / f"window-{width}x{height}.png"
    assert window.grab().save(str(path)) and path.stat().st_size > 10_000


def _assert_legend_outside_the_curves(window) -> None:
    legend, view_box = window.loss_plot.legend, window.loss_plot.plot.getPlotItem().getViewBox()
    assert legend.isVisible() and len(legend.items) >= 1
    legend_rect = legend.mapRectToScene(legend.boundingRect())
    data_rect = view_box.mapRectToScene(view_box.boundingRect())
    assert not legend_rect.intersects(data_rect), (legend_rect, data_rect)
    assert window.loss_plot.plot.sceneRect().contains(legend_rect), "the legend is drawn whole"


def test_many_runs_lay_the_legend_out_in_rows_under_the_axis(qtbot, window) -> None:
    from tests.timeline_runs import trained_run

    ARTIFACTS.mkdir(exist_ok=True)
    window.resize(1024, 768)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1024, 768))
    for learning_rate in (0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.12, 0.15):
        trained_run(window.runs, 30, learning_rate=learning_rate)
    window.runs.show_only(list(window.runs.runs))
    qtbot.wait(50)
    legend = window.loss_plot.legend
    assert len(legend.items) == 8 and legend.columnCount > 1, legend.columnCount
    _assert_legend_outside_the_curves(window)
    view_box = window.loss_plot.plot.getPlotItem().getViewBox()
    assert view_box.height() >= 40, "the curves keep room to be read"
    path = ARTIFACTS / "loss-legend-8-runs-1024x768.png"
    assert window.grab().save(str(path)) and path.stat().st_size > 10_000


def test_on_a_short_window_the_legend_steps_aside_for_the_curves_and_comes_back(qtbot, window) -> None:
    """Five runs' legend rows under the axis would leave the loss curves a sliver on a 960×640 window: the
    legend hides there, and shows again when the window grows."""
    from gui.views.loss_plot import CURVES_ROOM_PX
    from tests.timeline_runs import trained_run

    ARTIFACTS.mkdir(exist_ok=True)
    for learning_rate in (0.01, 0.02, 0.03, 0.05, 0.08):
        trained_run(window.runs, 30, learning_rate=learning_rate)
    window.runs.show_only(list(window.runs.runs))
    legend, view_box = window.loss_plot.legend, window.loss_plot.plot.getPlotItem().getViewBox()
    for size, shown in (((960, 640), False), ((1280, 800), True), ((960, 640), False)):
        window.resize(*size)
        qtbot.waitUntil(lambda size=size: window.size().toTuple() == size)
        qtbot.wait(50)
        assert legend.isVisible() == shown, (size, view_box.height())
        assert view_box.height() >= CURVES_ROOM_PX, (size, view_box.height(), "the curves keep room to be read")
        if shown:
            _assert_legend_outside_the_curves(window)
    path = ARTIFACTS / "loss-legend-aside-960x640.png"
    assert window.grab().save(str(path)) and path.stat().st_size > 10_000
