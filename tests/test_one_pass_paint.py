"""Three plots changed in one frame are painted in one pass of their window (gui/kit/one_pass_paint.py), and
what the window then shows is each plot's new picture; the window goes on repainting normally after it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QHBoxLayout, QWidget

from gui.kit.one_pass_paint import paint_scenes_together
from tests.test_curve_pixels import _backing_store
from tests.test_fast_plot_items import _pixels


class _Passes(QObject):
    """The window's update requests and the plots' paints, in order."""

    def __init__(self, names: dict[int, str]) -> None:
        super().__init__()
        self.names = names
        self.log: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.UpdateRequest:
            self.log.append("pass")
        elif event.type() == QEvent.Type.Paint and id(watched) in self.names:
            self.log.append(self.names[id(watched)])
        return False


def _painted_per_pass(log: list[str]) -> list[list[str]]:
    """The plots painted after each update request, for the requests after which any was."""
    passes: list[list[str]] = []
    for entry in log:
        if entry == "pass":
            passes.append([])
        elif passes:
            passes[-1].append(entry)
    return [sorted(painted) for painted in passes if painted]


def _window(qtbot) -> tuple[QWidget, list[pg.PlotWidget], list[pg.PlotDataItem]]:
    window = QWidget()
    layout = QHBoxLayout(window)
    plots = [pg.PlotWidget() for _ in range(3)]
    curves = []
    for plot in plots:
        plot.setBackground("w")
        plot.setXRange(0, 9, padding=0)
        plot.setYRange(0, 1, padding=0)
        plot.getPlotItem().getViewBox().disableAutoRange()
        curves.append(plot.plot(np.arange(10.0), np.zeros(10), pen=pg.mkPen("r", width=3)))
        layout.addWidget(plot)
    qtbot.addWidget(window)
    window.resize(900, 300)
    window.show()
    qtbot.waitExposed(window)
    _settle(qtbot, window)
    return window, plots, curves


def _settle(qtbot, window: QWidget, quiet_ms: int = 200) -> None:
    """Wait until the window has not been repainted for `quiet_ms`: a window just shown goes on laying out
    its plots (axes, view ranges) for a while, and repaints each plot on its own as it does."""
    passes = _Passes({})
    window.installEventFilter(passes)
    try:
        for _ in range(50):
            seen = len(passes.log)
            qtbot.wait(quiet_ms)
            if len(passes.log) == seen:
                return
        raise AssertionError("the window kept repainting for 10 s after it was shown")
    finally:
        window.removeEventFilter(passes)


def _on_screen(window: QWidget, plot: pg.PlotWidget) -> np.ndarray:
    corner = plot.mapTo(window, plot.rect().topLeft())
    return _backing_store(window)[corner.y():corner.y() + plot.height(), corner.x():corner.x() + plot.width()]


def test_plots_changed_together_are_painted_in_one_pass_and_shown_as_drawn(qtbot, qapp) -> None:
    window, plots, curves = _window(qtbot)
    passes = _Passes({id(plot.viewport()): f"plot {index}" for index, plot in enumerate(plots)})
    qapp.installEventFilter(passes)
    try:
        rng = np.random.default_rng(5)
        for _ in range(3):
            passes.log.clear()
            for curve in curves:
                curve.setData(np.arange(10.0), rng.uniform(0.1, 0.9, 10))
            paint_scenes_together(window, [plot.scene() for plot in plots])
            qtbot.waitUntil(lambda: {"plot 0", "plot 1", "plot 2"} <= set(passes.log), timeout=2_000)
            assert _painted_per_pass(passes.log) == [["plot 0", "plot 1", "plot 2"]], passes.log
            for plot in plots:
                assert np.array_equal(_on_screen(window, plot), _pixels(plot)), "the window shows the new plot"
        # Afterwards a plot changed on its own is repainted as ever (the window is not left waiting for a pass).
        passes.log.clear()
        curves[1].setData(np.arange(10.0), np.full(10, 0.5))
        qtbot.waitUntil(lambda: "plot 1" in passes.log, timeout=2_000)
    finally:
        qapp.removeEventFilter(passes)
    assert np.array_equal(_on_screen(window, plots[1]), _pixels(plots[1]))


def test_nothing_changed_asks_for_no_pass(qtbot, qapp) -> None:
    window, plots, _ = _window(qtbot)
    passes = _Passes({id(plot.viewport()): f"plot {index}" for index, plot in enumerate(plots)})
    qapp.installEventFilter(passes)
    try:
        paint_scenes_together(window, [plot.scene() for plot in plots])
        qtbot.wait(5)
        assert _painted_per_pass(passes.log) == []
    finally:
        qapp.removeEventFilter(passes)
