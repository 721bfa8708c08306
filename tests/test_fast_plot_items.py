"""The plot items that replace pyqtgraph's for speed must draw and bound exactly what pyqtgraph's would:
the same pixels for the lines, the same rect for the scatters, after data and view changes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsLineItem

from gui.kit.cursor_line import CursorLine
from gui.kit.pixel_lines import PixelLineItem, SlopeLine
from gui.kit.steady_scatter import SteadyScatter
from gui.views.landscape_paths import PositionDots


def _plot(qtbot) -> pg.PlotWidget:
    widget = pg.PlotWidget()
    widget.setBackground("w")
    widget.resize(420, 320)
    widget.hideAxis("left")
    widget.hideAxis("bottom")
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.setXRange(-1.0, 5.0, padding=0)
    widget.setYRange(-3.0, 11.0, padding=0)
    return widget


def _pixels(widget: pg.PlotWidget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return buffer.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4].reshape(
        image.height(), image.width(), 4)[..., :3].astype(int)


def _drawn(widget: pg.PlotWidget, item: object) -> np.ndarray:
    widget.addItem(item)
    try:
        return _pixels(widget)
    finally:
        widget.removeItem(item)


@pytest.mark.parametrize("style", [Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine])
@pytest.mark.parametrize(("weight", "bias"), [(2.0, 0.0), (-0.7, 4.0), (0.0, 3.0), (25.0, -2.0)])
def test_a_slope_line_draws_the_pixels_pyqtgraphs_line_draws(qtbot, style, weight: float, bias: float) -> None:
    widget = _plot(qtbot)
    pen = pg.mkPen(QColor(200, 30, 30), width=2, style=style)
    drawn = []
    for kind in (pg.InfiniteLine, SlopeLine):
        line = kind(pos=(0.0, bias), angle=float(np.degrees(np.arctan(weight))), pen=pen, movable=False)
        drawn.append(_drawn(widget, line))
    reference, fast = drawn
    background = _pixels(widget)
    assert (np.abs(reference - background).sum(axis=2) > 60).sum() > 100, "the reference line is drawn"
    differs = np.abs(reference - fast).sum(axis=2) > 60
    assert differs.mean() < 0.002, f"{differs.sum()} pixels differ"


def test_a_pixel_line_item_draws_the_pixels_a_line_item_draws(qtbot) -> None:
    widget = _plot(qtbot)
    pen = pg.mkPen(QColor(20, 20, 20), width=2, style=Qt.PenStyle.DashLine)
    drawn = []
    for kind in (QGraphicsLineItem, PixelLineItem):
        item = kind(QLineF(0.5, 1.0, 3.5, 8.0))
        item.setPen(pen)
        drawn.append(_drawn(widget, item))
    reference, fast = drawn
    assert (np.abs(reference - _pixels(widget)).sum(axis=2) > 60).sum() > 50
    assert (np.abs(reference - fast).sum(axis=2) > 60).mean() < 0.002


def test_a_pixel_line_items_kept_bounds_follow_its_line_its_pen_and_the_view(qtbot) -> None:
    """Its bounds are kept between moves (Qt asks for them several times a frame); a move, another pen or a
    zoom must give the bounds worked out afresh, or a repaint leaves the old line's edges behind."""
    widget = _plot(qtbot)
    item = PixelLineItem(QLineF(0.5, 1.0, 3.5, 8.0))
    item.setPen(pg.mkPen(QColor(20, 20, 20), width=2))
    widget.addItem(item)
    view_box = widget.getPlotItem().getViewBox()
    view_box.sigTransformChanged.connect(lambda *_: item.view_changed())  # as the landscape's arrows do
    qtbot.wait(10)

    def assert_fresh() -> None:
        kept = QRectF(item.boundingRect())
        assert kept == item._padded_bounds() and kept.contains(QRectF(item.line().p1(), item.line().p2()).normalized())

    assert_fresh()
    item.setLine(-0.5, 2.0, 4.0, -1.0)
    assert_fresh()
    item.setPen(pg.mkPen(QColor(20, 20, 20), width=9))
    assert_fresh()
    widget.setXRange(-20.0, 30.0, padding=0)
    qtbot.wait(10)
    assert_fresh()
    widget.resize(260, 500)
    qtbot.wait(10)
    assert_fresh()


def test_a_steady_scatter_bounds_what_a_scatter_bounds_after_every_change(qtbot) -> None:
    widget = _plot(qtbot)
    steady = SteadyScatter(x=[0.0, 2.0], y=[1.0, 5.0], size=9)
    widget.addItem(steady)

    def fresh() -> object:
        return pg.ScatterPlotItem.boundingRect(steady)  # pyqtgraph's own computation, nothing cached

    assert steady.boundingRect() == fresh()
    assert steady.boundingRect() == fresh()  # the kept rect
    steady.setData(x=[-0.5, 4.0, 1.0], y=[-2.0, 3.0, 10.0])
    assert steady.boundingRect() == fresh()
    widget.setXRange(0.0, 2.0, padding=0)  # a zoom: the pixel padding is another size in data units
    qtbot.wait(10)
    assert steady.boundingRect() == fresh()
    steady.setSize(20)
    assert steady.boundingRect() == fresh()
    steady.setData(x=[], y=[])
    assert steady.boundingRect() == fresh()


def test_a_wide_pixel_line_is_bounded_by_its_stroke_on_a_plot_of_large_units(qtbot) -> None:
    """Qt repaints an item's bounds: they must hold the stroke (half the pen's width in pixels each side),
    or a moved wide arrow leaves its edges behind. QGraphicsLineItem pads in data units, here ~0 px."""
    widget = _plot(qtbot)
    widget.setYRange(-1e5, 1e5, padding=0)
    item = PixelLineItem(QLineF(1.0, 0.0, 3.0, 0.0))  # horizontal: its own box has no height at all
    item.setPen(pg.mkPen(QColor(20, 20, 20), width=6.25))
    widget.addItem(item)
    to_screen = item.deviceTransform(widget.viewportTransform())  # a PlotWidget is the QGraphicsView
    on_screen = to_screen.mapRect(item.boundingRect())
    line = to_screen.map(item.line())
    assert on_screen.top() <= min(line.y1(), line.y2()) - 6.25 / 2
    assert on_screen.bottom() >= max(line.y1(), line.y2()) + 6.25 / 2
    assert on_screen.left() <= min(line.x1(), line.x2()) - 6.25 / 2


def test_a_cursor_line_moved_every_frame_is_drawn_and_bounded_as_pyqtgraphs_line(qtbot) -> None:
    """The loss plot's step cursor keeps its bounds while it moves sideways: after each move, and after a zoom,
    it must bound and draw exactly what a new InfiniteLine at that place would."""
    widget = _plot(qtbot)
    pen = pg.mkPen(QColor(40, 40, 40), width=1, style=Qt.PenStyle.DashLine)
    cursor = CursorLine(pen=pen, movable=False)
    widget.addItem(cursor)
    for x in (0.0, 0.5, 1.25, 3.0, 4.75, 2.0):
        cursor.setPos(x)
        if x == 3.0:
            widget.setYRange(-30.0, 2.0, padding=0)  # a zoom: the line's length and the pixel size change
            qtbot.wait(10)
        reference = pg.InfiniteLine(pos=x, angle=90, pen=pen, movable=False)
        widget.addItem(reference)
        assert cursor.value() == x and cursor.pos().x() == x
        assert cursor.sceneBoundingRect() == reference.sceneBoundingRect()
        assert cursor._endPoints == reference._endPoints
        widget.removeItem(reference)
    drawn = _pixels(widget)
    widget.removeItem(cursor)
    reference = pg.InfiniteLine(pos=2.0, angle=90, pen=pen, movable=False)
    assert (np.abs(_drawn(widget, reference) - drawn).sum(axis=2) > 60).sum() == 0


def test_position_dots_show_each_spot_where_and_as_given_and_no_more(qtbot) -> None:
    widget = _plot(qtbot)
    dots = PositionDots(widget.getPlotItem().getViewBox(), 6)
    ring, filled = (pg.mkPen(QColor(200, 30, 30), width=2), pg.mkBrush("w")), (pg.mkPen("k", width=1.5),
                                                                              pg.mkBrush(QColor(30, 30, 200)))
    spots = [{"pos": (1.0, 2.0), "pen": ring[0], "brush": ring[1], "size": 9},
             {"pos": (3.0, 7.5), "pen": filled[0], "brush": filled[1], "size": 13}]
    for step in range(3):  # the live dot moves every frame
        spots[1] = {**spots[1], "pos": (3.0 + step / 4, 7.5 - step)}
        dots.setData(spots)
        xs, ys = dots.getData()
        assert list(zip(xs, ys, strict=True)) == [spot["pos"] for spot in spots]
    def shown() -> list[QGraphicsEllipseItem]:
        return sorted((item for item in widget.scene().items()
                       if isinstance(item, QGraphicsEllipseItem) and item.isVisible()), key=lambda item: item.zValue())

    assert len(shown()) == 2
    qtbot.wait(10)  # the scene indexes moved items as events are handled
    pixels = _pixels(widget)[..., ::-1]  # RGB (a 32-bit image's bytes are B, G, R in memory)
    view_box = widget.getPlotItem().getViewBox()
    for spot, rim in zip(spots, ((200, 30, 30), (0, 0, 0)), strict=True):
        centre = widget.mapFromScene(view_box.mapViewToScene(QPointF(*spot["pos"])))
        around = pixels[centre.y() - spot["size"]:centre.y() + spot["size"], centre.x() - spot["size"]:
                        centre.x() + spot["size"]]
        assert (np.abs(around - np.array(rim)).sum(axis=2) < 60).sum() >= spot["size"], "its rim is drawn there"
    fill = widget.mapFromScene(view_box.mapViewToScene(QPointF(*spots[1]["pos"])))
    assert np.abs(pixels[fill.y(), fill.x()] - np.array([30, 30, 200])).sum() < 60, "the live dot is filled"
    dots.setData(spots[:1])
    assert len(shown()) == 1
    assert dots.getData()[0].tolist() == [1.0]


@pytest.mark.parametrize(("weight", "bias"), [(2.0, 0.0), (-0.7, 4.0), (0.0, 3.0), (25.0, -2.0), (-1e4, 1.0)])
def test_a_slope_line_bounds_what_pyqtgraphs_line_bounds_as_it_moves_and_the_view_zooms(qtbot, weight: float,
                                                                                         bias: float) -> None:
    """Its bounds (and the ends it paints between) are worked out without pyqtgraph's Python transforms: they
    must equal pyqtgraph's own, for every slope, after a move and after a zoom."""
    widget = _plot(qtbot)
    pen = pg.mkPen(QColor(200, 30, 30), width=2)
    line = SlopeLine(pos=(0.0, 0.0), angle=0.0, pen=pen, movable=False)
    widget.addItem(line)

    def assert_as_pyqtgraph() -> None:
        line._boundingRect = None
        fast, ends = QRectF(line.boundingRect()), line._endPoints
        reference = pg.InfiniteLine._computeBoundingRect(line)  # pyqtgraph's computation, on the same line
        for mine, theirs in ((fast.left(), reference.left()), (fast.right(), reference.right()),
                             (fast.top(), reference.top()), (fast.bottom(), reference.bottom()),
                             (ends[0], line._endPoints[0]), (ends[1], line._endPoints[1])):
            assert mine == pytest.approx(theirs, rel=1e-9, abs=1e-12)
        assert fast.height() > 0, "a stroke's width across the line"

    line.setPos(QPointF(0.0, bias))
    line.setAngle(float(np.degrees(np.arctan(weight))))
    assert_as_pyqtgraph()
    widget.setXRange(-20.0, 3.0, padding=0)
    widget.setYRange(-0.5, 0.25, padding=0)
    qtbot.wait(10)
    assert_as_pyqtgraph()
    line.setPos(QPointF(0.0, bias + 1.5))
    line.setAngle(float(np.degrees(np.arctan(weight / 3))))
    assert_as_pyqtgraph()
    widget.resize(300, 520)  # a pixel is another size in data units: the kept view geometry goes
    qtbot.wait(10)
    assert_as_pyqtgraph()
    line.place(weight / 2, bias - 1.0)
    assert_as_pyqtgraph()


def test_a_moving_slope_line_left_out_of_the_range_does_not_make_the_view_range_itself_again(qtbot) -> None:
    """The data plot's lines move every frame and are added without their bounds: pyqtgraph's ViewBox would
    otherwise work its auto-range out again at every paint. A line that counts in the range still tells it."""
    widget = _plot(qtbot)
    view_box = widget.getPlotItem().getViewBox()
    ignored, counted = SlopeLine(pos=(0.0, 1.0), angle=30.0), SlopeLine(pos=(0.0, 2.0), angle=10.0)
    view_box.addItem(ignored, ignoreBounds=True)
    view_box.addItem(counted)
    view_box.enableAutoRange()
    qtbot.wait(10)
    view_box.updateAutoRange()
    assert not view_box._autoRangeNeedsUpdate
    ignored.setPos(QPointF(0.0, 3.0))
    ignored.setAngle(45.0)
    assert not view_box._autoRangeNeedsUpdate
    counted.setPos(QPointF(0.0, 4.0))
    assert view_box._autoRangeNeedsUpdate
    view_box.updateAutoRange()
    ignored.place(2.0, -1.0)
    assert not view_box._autoRangeNeedsUpdate, "placed without its bounds: the view is not told"
    counted.place(-1.0, 5.0)
    assert view_box._autoRangeNeedsUpdate, "placed with its bounds: the view ranges again"


@pytest.mark.parametrize("ignore_bounds", [True, False])
def test_a_placed_slope_line_is_where_set_pos_and_set_angle_put_it_and_leaves_nothing_behind(
        qtbot, ignore_bounds: bool) -> None:
    """place() moves the data plot's lines every frame without pyqtgraph's item-change round trips: the line
    must end where setPos and setAngle put it (position, angle, bounds) and the window must show what a fresh
    paint shows: the old line's pixels repainted, the new one drawn."""
    from tests.test_curve_pixels import _backing_store

    widget = _plot(qtbot)
    pen = pg.mkPen(QColor(200, 30, 30), width=2)
    placed = SlopeLine(pos=(0.0, 0.0), angle=0.0, pen=pen, movable=False)
    view_box = widget.getPlotItem().getViewBox()
    view_box.addItem(placed, ignoreBounds=ignore_bounds)
    blank = _pixels(widget)
    for weight, bias in ((2.0, 0.0), (-0.7, 4.0), (0.0, 3.0), (25.0, -2.0), (0.3, 9.0)):
        placed.place(weight, bias)
        qtbot.wait(1)
        shown, fresh = _backing_store(widget), _pixels(widget)
        reference = pg.InfiniteLine(pos=(0.0, bias), angle=float(np.degrees(np.arctan(weight))), pen=pen)
        view_box.addItem(reference, ignoreBounds=True)
        assert placed.angle == reference.angle and placed.pos() == reference.pos() and placed.p == reference.p
        assert placed.sceneTransform() == reference.sceneTransform()
        placed._boundingRect = None
        fast, expected_rect = QRectF(placed.boundingRect()), pg.InfiniteLine._computeBoundingRect(placed)
        assert [fast.left(), fast.right(), fast.top(), fast.bottom()] == pytest.approx(
            [expected_rect.left(), expected_rect.right(), expected_rect.top(), expected_rect.bottom()], rel=1e-9)
        placed.setVisible(False)
        expected = _pixels(widget)  # pyqtgraph's own line alone
        view_box.removeItem(reference)
        placed.setVisible(True)
        assert (np.abs(fresh - blank).sum(axis=2) > 60).sum() > 100, "the line is drawn"
        assert (np.abs(expected - fresh).sum(axis=2) > 60).mean() < 0.002, "drawn where pyqtgraph draws it"
        differing = np.abs(shown - fresh).sum(axis=2) > 30
        assert not differing.any(), f"{differing.sum()} pixels left from before at w={weight}, b={bias}"
