"""FastCurve (the loss curves and the landscape's paths) must draw what pyqtgraph's PlotDataItem draws for the
same data: the same pixels, breaks at NaN, the log axis's mapping, dashes, and a long curve's every spike
(drawn as each pixel column's peaks); and its bounds must hold what it paints."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from gui.kit.curve_pixels import column_peaks
from gui.kit.fast_curve import FastCurve
from tests.test_fast_plot_items import _drawn, _pixels, _plot

RED = QColor(200, 30, 30)


def _differing(reference: np.ndarray, fast: np.ndarray) -> np.ndarray:
    return np.abs(reference - fast).sum(axis=2) > 60


def _both(widget: pg.PlotWidget, x: np.ndarray, y: np.ndarray, pen: object) -> tuple[np.ndarray, np.ndarray]:
    reference = pg.PlotDataItem(x, y, pen=pen)
    fast = FastCurve(pen=pen)
    fast.setData(x, y)
    return _drawn(widget, reference), _drawn(widget, fast)


@pytest.mark.parametrize("style", [Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine])
@pytest.mark.parametrize("width", [1.0, 2.5])
def test_a_fast_curve_draws_the_pixels_pyqtgraph_draws(qtbot, style, width: float) -> None:
    widget = _plot(qtbot)
    x = np.linspace(-0.5, 4.5, 200)
    y = 4 + 5 * np.sin(2 * x) * np.exp(-0.2 * x)
    reference, fast = _both(widget, x, y, pg.mkPen(RED, width=width, style=style))
    assert _differing(reference, _pixels(widget)).sum() > 300, "the reference curve is drawn"
    assert _differing(reference, fast).mean() < 0.003, f"{_differing(reference, fast).sum()} pixels differ"


def test_a_fast_curve_breaks_where_pyqtgraph_breaks_at_nan_and_infinity(qtbot) -> None:
    widget = _plot(qtbot)
    x = np.linspace(0.0, 4.0, 41)
    y = 1.0 + 2.0 * x
    y[10:14] = np.nan  # a gap: x 1.0…1.3
    y[30] = np.inf
    reference, fast = _both(widget, x, y, pg.mkPen(RED, width=1))
    assert _differing(reference, fast).mean() < 0.003
    view_box = widget.getPlotItem().getViewBox()
    middle = widget.mapFromScene(view_box.mapViewToScene(pg.Point(1.15, 1.0 + 2.0 * 1.15)))
    background = _pixels(widget)
    around = (slice(middle.y() - 2, middle.y() + 3), slice(middle.x() - 2, middle.x() + 3))
    assert not _differing(fast[around], background[around]).any(), "nothing is drawn across the gap"


def test_a_fast_curve_on_a_log_axis_maps_as_pyqtgraph_maps(qtbot) -> None:
    widget = _plot(qtbot)
    x = np.arange(1.0, 301.0)
    y = 10.0 ** (-x / 60) * (1 + 0.3 * np.sin(x / 5))
    y[50] = 0.0  # no logarithm: a break, as pyqtgraph draws it
    plot_item = widget.getPlotItem()
    plot_item.setLogMode(y=True)
    widget.setXRange(0.0, 300.0, padding=0)
    widget.setYRange(-6.0, 0.5, padding=0)
    reference = pg.PlotDataItem(x, y, pen=pg.mkPen(RED))
    fast = FastCurve(pen=pg.mkPen(RED))
    fast.setData(x, y)
    drawn = []
    for item in (reference, fast):
        plot_item.addItem(item)
        drawn.append(_pixels(widget))
        plot_item.removeItem(item)
    assert _differing(drawn[0], _pixels(widget)).sum() > 300
    assert _differing(*drawn).mean() < 0.003
    shown_x, shown_y = fast.getData()
    reference_x, reference_y = reference.getData()
    np.testing.assert_array_equal(shown_x, reference_x)
    np.testing.assert_allclose(shown_y[np.isfinite(shown_y)], reference_y[np.isfinite(reference_y)])
    assert fast.getOriginalDataset()[1] is fast.yData and fast.yData[50] == 0.0, "the data handed over stays whole"


def test_a_long_curve_drawn_by_column_peaks_shows_every_spike_pyqtgraph_shows(qtbot) -> None:
    widget = _plot(qtbot)
    rng = np.random.default_rng(3)
    x = np.linspace(-0.5, 4.5, 20_000)
    y = 4 + np.cumsum(rng.normal(size=x.size)) * 0.05
    y[7_777] = 10.5  # a one-epoch spike and a one-epoch dip
    y[12_345] = -2.5
    pen = pg.mkPen(RED)
    reference = pg.PlotDataItem(x, y, pen=pen)  # every point, no downsampling
    fast = FastCurve(pen=pen, peaks=True)
    fast.setData(x, y)
    background = _pixels(widget)
    whole, peaks = _drawn(widget, reference), _drawn(widget, fast)
    # 48 points a pixel column overlap into other antialiased shades than 4 do, and their strokes spill
    # differently into the next column: what must match is where the ink is. Every well-inked pixel of one
    # drawing lies within a pixel of ink in the other.
    strong = [np.abs(drawn - background).sum(axis=2) > 300 for drawn in (whole, peaks)]
    faint = [np.abs(drawn - background).sum(axis=2) > 60 for drawn in (whole, peaks)]
    assert strong[0].sum() > 2000 and strong[1].sum() > 2000
    for ink, other in ((strong[0], faint[1]), (strong[1], faint[0])):
        near = np.zeros_like(other)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                near |= np.roll(np.roll(other, dy, axis=0), dx, axis=1)
        assert not (ink & ~near).any(), f"{(ink & ~near).sum()} inked pixels have no ink near them in the other"
    view_box = widget.getPlotItem().getViewBox()
    for index in (7_777, 12_345):
        tip = widget.mapFromScene(view_box.mapViewToScene(pg.Point(x[index], y[index])))
        around = peaks[tip.y() - 2:tip.y() + 3, tip.x() - 2:tip.x() + 3]
        assert (np.abs(around - np.array([30, 30, 200])).sum(axis=2) < 90).any(), f"the spike at {index} is drawn"


def test_a_fast_curve_bounds_its_stroke_and_its_dots_after_every_change(qtbot) -> None:
    widget = _plot(qtbot)
    fast = FastCurve(pen=pg.mkPen(RED, width=4))
    widget.addItem(fast)
    view_box = widget.getPlotItem().getViewBox()
    for x, y in ((np.array([1.0, 3.0]), np.array([2.0, 2.0])), (np.array([0.0, 4.0, 2.0]), np.array([-2.0, 9.0, 1.0]))):
        fast.setData(x, y)
        _pixels(widget)  # painted: the view's transform is up to date
        for zoom in (False, True):
            if zoom:
                widget.setYRange(-1e4, 1e4, padding=0)  # the stroke's width is ~0 in data units here
                qtbot.wait(10)
            to_screen = fast.deviceTransform(widget.viewportTransform())
            bounds = to_screen.mapRect(fast.boundingRect())
            for px, py in zip(x, y, strict=True):
                point = to_screen.map(pg.Point(px, py))
                assert bounds.left() <= point.x() - 2 and bounds.right() >= point.x() + 2
                assert bounds.top() <= point.y() - 2 and bounds.bottom() >= point.y() + 2
            widget.setYRange(-3.0, 11.0, padding=0)
            qtbot.wait(10)
    fast.set_dots(QColor(RED))
    assert fast.opts["symbol"] == "o"
    assert fast.pixelPadding() >= 3
    assert fast.dataBounds(1) == (-2.0, 9.0) and fast.dataBounds(0) == (0.0, 4.0)
    assert view_box.childrenBounds()[1] is not None
    widget.setYRange(0.0, 2.0, padding=0)
    qtbot.wait(10)
    fast.setData(np.array([1.0, 2.0]), np.array([1.0, 1.5]))  # another curve in its place: its own bounds
    assert fast.boundingRect().top() > -0.5 and fast.boundingRect().bottom() < 2.5, "not the old curve's -2…9"
    fast.clear()
    assert fast.boundingRect().isEmpty(), "a cleared curve bounds nothing"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=65, max_size=600), st.floats(0.05, 20))
def test_column_peaks_keep_every_columns_lowest_and_highest_in_order(ys: list[float], spacing: float) -> None:
    y = np.array(ys)
    x = np.arange(y.size) * spacing / 7
    kept_x, kept_y = column_peaks(x, y)
    assert kept_x[0] == x[0] and kept_x[-1] == x[-1] and kept_y[-1] == y[-1]
    assert np.all(np.diff(kept_x) >= 0), "in order"
    for column in np.unique(np.floor(x)):
        mine, theirs = kept_y[np.floor(kept_x) == column], y[np.floor(x) == column]
        assert mine.min() == theirs.min() and mine.max() == theirs.max(), f"column {column}"
        if kept_x.size < x.size:  # reduced (not when columns hold four points or fewer on average)
            assert mine.size <= 4


def test_a_fast_curve_kept_on_screen_draws_its_new_data_and_the_new_view(qtbot) -> None:
    """It keeps its pixels between paints: new data, dots and a zoom must each be drawn, never the old. The
    references are drawn by new items on a second plot, so the kept item is never re-added (which would clear
    what it keeps)."""
    widget, reference = _plot(qtbot), _plot(qtbot)
    pen = pg.mkPen(RED, width=1)
    kept = FastCurve(pen=pen)
    x = np.linspace(0.0, 4.0, 50)
    kept.setData(x, 1 + x)
    widget.addItem(kept)
    first = _pixels(widget)
    assert not _differing(first, _pixels(widget)).any(), "painted again from what it keeps"

    def fresh(y: np.ndarray, dots: bool = False) -> np.ndarray:
        item = FastCurve(pen=pen)
        item.setData(x, y)
        if dots:
            item.set_dots(QColor(RED))
        return _drawn(reference, item)

    kept.setData(x, 9 - x)
    assert _differing(first, _pixels(widget)).sum() > 100
    assert not _differing(_pixels(widget), fresh(9 - x)).any(), "the new data, not the old pixels"
    kept.set_dots(QColor(RED))
    assert not _differing(_pixels(widget), fresh(9 - x, dots=True)).any(), "the dots"
    for plot in (widget, reference):
        plot.setYRange(0.0, 20.0, padding=0)
    qtbot.wait(10)
    assert not _differing(_pixels(widget), fresh(9 - x, dots=True)).any(), "the zoomed view"


def test_an_auto_ranged_view_follows_a_growing_fast_curve(qtbot) -> None:
    """A user who turns auto-range on (the plot's "A" button) sees the whole curve as it grows."""
    widget = _plot(qtbot)
    curve = FastCurve(pen=pg.mkPen(RED))
    widget.addItem(curve)
    widget.enableAutoRange()
    for count in (20, 40, 80):
        curve.setData(np.arange(count, dtype=float), np.linspace(0.0, 1.0, count))
        qtbot.waitUntil(lambda last=count - 1: widget.getPlotItem().getViewBox().viewRange()[0][1] >= last,
                        timeout=2_000)
    assert widget.getPlotItem().listDataItems() == [curve], "a data item of the plot (its CSV export lists it)"
