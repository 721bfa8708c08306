"""A growing curve is mapped and repainted only where it changed (gui/kit/curve_pixels.py, FastCurve): what
it then draws must be exactly what drawing the whole curve again draws, on screen too."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWidget

from engine.training.step_trace import StepRecords
from gui.kit.curve_pixels import PEAKS_FROM, CurvePixels
from gui.kit.fast_curve import FastCurve
from tests.test_fast_plot_items import _pixels, _plot

RED = QColor(200, 30, 30)


def _drawn(pixels: CurvePixels) -> list[np.ndarray]:
    """The points of each polygon it strokes."""
    return [pg.functions.ndarray_from_qpolygonf(polygon).copy() for polygon in pixels.polygons]


def _same_lines(grown: CurvePixels, whole: CurvePixels) -> bool:
    """The same polylines, and the same points in the polygons stroked (a grown curve refills its
    predecessor's polygon in place)."""
    pairs = zip(grown.lines, whole.lines, strict=False)
    drawn = zip(_drawn(grown), _drawn(whole), strict=False)
    return len(grown.lines) == len(whole.lines) and all(
        np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in pairs) and all(
        np.array_equal(a, b) for a, b in drawn) and len(grown.polygons) == len(whole.polygons)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=3, max_size=400),
       st.lists(st.integers(1, 40), min_size=1, max_size=12), st.floats(0.05, 9.0), st.floats(-40.0, 40.0),
       st.booleans(), st.booleans())
def test_a_grown_curve_draws_what_the_whole_curve_draws_and_boxes_every_change(
        ys: list[float], steps: list[int], spacing: float, scale_y: float, peaks: bool, redo_last: bool) -> None:
    y = np.array(ys)
    x = np.arange(y.size) * spacing / 3 + 0.5
    key = (1.0, 0.0, 0.0, scale_y or 1.0, 7.25, 300.0)
    size = max(2, y.size // 3)
    pixels = CurvePixels.of(x[:size], y[:size], key, peaks=peaks)
    for step in steps:
        new_size = min(y.size, size + step)
        x_now, y_now = x[:new_size].copy(), y[:new_size].copy()
        first = size
        if redo_last and new_size > size:  # the last old point replaced too, as a thinned path's last point is
            y_now[size - 1] += 1.0
            y[size - 1] += 1.0  # as given from now on
            first = size - 1
        result = pixels.grown(x_now, y_now, first)
        whole = CurvePixels.of(x_now, y_now, key, peaks=peaks)
        crosses = peaks and size <= PEAKS_FROM < new_size  # starts being drawn as peaks: drawn again whole
        if crosses:
            assert result is None
            pixels, size = whole, new_size
            continue
        assert result is not None, "a curve growing at its end is worked out from its end"
        grown, box = result
        assert _same_lines(grown, whole), "the very polylines the whole curve gives"
        (old_x, old_y), (new_x, new_y) = pixels.lines[0], grown.lines[0]
        common = min(old_x.size, new_x.size)
        same = (old_x[:common] == new_x[:common]) & (old_y[:common] == new_y[:common])
        differ = common if same.all() else int(np.argmin(same))
        if differ == old_x.size == new_x.size:
            assert box is None
        else:
            assert box is not None
            box = box.adjusted(-1e-6, -1e-6, 1e-6, 1e-6)  # a QRectF keeps its width, not its right edge
            start = max(differ - 1, 0)  # the segment joining the first change is drawn anew too
            for xs, ys_ in ((old_x[start:], old_y[start:]), (new_x[start:], new_y[start:])):
                assert np.all((xs >= box.left()) & (xs <= box.right()) & (ys_ >= box.top()) & (ys_ <= box.bottom()))
        pixels, size = grown, new_size


@pytest.mark.parametrize("peaks", [False, True])
def test_two_curves_grown_from_one_each_draw_their_own_points(peaks: bool) -> None:
    """The first curve grown from a curve takes its polygon over and refills it from the first change; a
    second one grown from the same curve (another branch) must build its own and leave the first as it is."""
    x = np.arange(300.0)
    y = np.cos(x / 13)
    key = (1.5, 0.0, 0.0, -40.0, 2.0, 120.0)
    start = CurvePixels.of(x[:200], y[:200], key, peaks=peaks)
    other = y.copy()
    other[198:] += 0.5
    first, second = start.grown(x[:210], y[:210], 200), start.grown(x[:230], other[:230], 198)
    assert first is not None and second is not None
    assert _same_lines(first[0], CurvePixels.of(x[:210], y[:210], key, peaks=peaks))
    assert _same_lines(second[0], CurvePixels.of(x[:230], other[:230], key, peaks=peaks))
    third = first[0].grown(x[:250], y[:250], 210)
    assert third is not None and _same_lines(third[0], CurvePixels.of(x[:250], y[:250], key, peaks=peaks))
    assert _same_lines(second[0], CurvePixels.of(x[:230], other[:230], key, peaks=peaks)), "left as it was"


def test_a_break_or_a_changed_start_is_drawn_again_whole() -> None:
    x = np.arange(100.0)
    y = np.sin(x / 9)
    key = (3.0, 0.0, 0.0, -50.0, 0.0, 200.0)
    pixels = CurvePixels.of(x[:80], y[:80], key, peaks=True)
    broken = y.copy()
    broken[90] = np.nan
    assert pixels.grown(x, broken, 80) is None, "a NaN among the new points breaks the line"
    assert pixels.grown(x, y, 0) is None, "the first point changed"
    backwards = x.copy()
    backwards[85] = 10.0
    assert pixels.grown(backwards, y, 80) is None, "x going back on a peaks curve"
    assert CurvePixels.of(x[:80], y[:80], (3.0, 0.5, 0.0, -50.0, 0.0, 200.0), peaks=True).grown(x, y, 80) is None


def _backing_store(widget: QWidget) -> np.ndarray:
    """What the window shows now: the offscreen platform's backing store, where each repaint of a dirty
    region lands (grab() would paint the whole widget afresh)."""
    window = widget.window()
    image = window.screen().grabWindow(window.winId()).toImage().convertToFormat(QImage.Format.Format_RGB32)
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    pixels = buffer.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4].reshape(
        image.height(), image.width(), 4)[..., :3].astype(int)
    return pixels[: widget.height(), : widget.width()]


@pytest.mark.parametrize(("width", "log", "peaks", "alpha"), [
    (1.0, False, True, 255), (2.5, True, True, 255), (6.0, False, True, 255), (2.0, False, False, 255),
    (6.0, False, False, 255), (1.0, False, False, 90), (1.0, False, True, 90)])
def test_a_growing_curve_on_screen_is_what_drawing_it_afresh_shows(qtbot, width: float, log: bool,
                                                                  peaks: bool, alpha: int) -> None:
    """The window repaints only each new end; after every step what it shows must be what a fresh paint of
    the whole plot shows, pixel for pixel, and the curve must be drawn (not a blank plot equal to a blank)."""
    widget = _plot(qtbot)
    widget.setLogMode(y=log)
    widget.setXRange(0.0, 700.0, padding=0)
    widget.setYRange(-2.0, 1.5 if log else 11.0, padding=0)
    rng = np.random.default_rng(3)
    x = np.arange(1.0, 701.0)
    y = 8 * np.exp(-x / 150) + 0.05 + rng.uniform(0, 0.6, x.size) * (rng.uniform(size=x.size) < 0.1)
    if not peaks:  # a path on the landscape: it turns back on itself, in long steps and then in short ones
        x = 350 + 300 * np.cos(x / np.where(x < 100, 7, 40)) * np.exp(-x / 500)
    curve = FastCurve(pen=pg.mkPen(QColor(200, 30, 30, alpha), width=width), peaks=peaks)
    widget.addItem(curve)
    blank = _pixels(widget)
    updates: list[int] = []  # per update(): 1 for a box, 0 for the whole item
    original_update = curve.update

    def counted_update(*args: object) -> None:
        updates.append(len(args))
        original_update(*args)

    curve.update = counted_update
    for size in (30, 60, 64, 65, 90, 91, 95, 160, 161, 300, 302, 303, 450, 700):
        curve.setData(x[:size], y[:size])
        qtbot.wait(1)
        shown, fresh = _backing_store(widget), _pixels(widget)
        differing = np.abs(shown - fresh).sum(axis=2) > 0
        assert not differing.any(), f"{differing.sum()} pixels left from before at {size} points"
        assert (np.abs(fresh - blank).sum(axis=2) > 60).sum() > size // 4, "the curve is drawn"
    assert updates.count(1) >= 8, "most steps repaint only the box around the new end"


def test_a_race_on_screen_is_what_painting_the_window_afresh_shows_frame_after_frame(qtbot, window) -> None:
    """Three racers grow their loss curves and landscape paths a step per frame; after every frame the loss
    plot, the landscape and the data plot on screen must be what a fresh paint of them shows. Past 30 epochs
    the loss curves lose their dots, and so must their samples in the legend (they kept them once)."""
    from engine.data.points import PointSet
    from tests.timeline_runs import feed, start_race, step_records

    points = PointSet.seed()
    racers = start_race(window, points)
    records = {run.number: step_records(run.config, points, 40)[0] for run in racers}
    views = {"loss": window.loss_plot.plot, "landscape": window.landscape.plot, "data": window.data_plot}
    before = {name: None for name in views}
    changed = dict.fromkeys(views, 0)
    for step in range(40):
        for run in racers:  # each racer's next step arrives
            feed(run, _one_step(records[run.number], step))
        window._redraw_views()
        qtbot.wait(1)
        screen = _backing_store(window)
        for name, view in views.items():
            corner = view.mapTo(window, view.rect().topLeft())
            shown = screen[corner.y():corner.y() + view.height(), corner.x():corner.x() + view.width()]
            fresh = _pixels(view)
            # The data plot's lines move whole every frame; where a repaint's edge crosses one, Qt's antialiasing
            # differs by a few levels (at most 8 over the three channels): not a line left behind.
            differing = np.abs(shown - fresh).sum(axis=2) > (0 if name != "data" else 30)
            assert not differing.any(), f"{name} at step {step + 1}: {differing.sum()} pixels left from before"
            if before[name] is not None and (np.abs(fresh - before[name]).sum(axis=2) > 60).sum() > 3:
                changed[name] += 1
            before[name] = fresh
    assert changed["loss"] >= 30 and changed["landscape"] >= 30, f"the plots moved: {changed}"


def _one_step(records: StepRecords, index: int) -> StepRecords:
    """The records' step at `index` (0-based) alone."""
    values = {name: getattr(records, name) for name in records.__dataclass_fields__}
    return StepRecords(**{name: value[index:index + 1] if isinstance(value, np.ndarray) else value
                          for name, value in values.items()})
