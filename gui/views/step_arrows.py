"""The timeline's step on the loss landscape: a dot where the parameters are, and two arrows from where
they were before the step: the plain gradient step −lr·∇L and the step the optimizer actually took. For
SGD the two coincide; momentum and Adam make them differ, which is the point of drawing both.

Everything is in the user's units. A run that standardises computes its gradient in the scaled space;
the map from scaled to user parameters is affine, so the gradient arrow is the user-units difference of
the scaled points before and after −lr·∇L, drawn from the user-units point before the step.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem

from engine.data.scaling import Standardizer
from engine.training.step_trace import StepRecord
from gui.kit import plot_style
from gui.kit.pixel_lines import PixelLineItem
from gui.session.run_history import Run

GRADIENT_PEN = pg.mkPen(QColor(20, 20, 20), width=2, style=Qt.PenStyle.DashLine)
GRADIENT_BRUSH = pg.mkBrush(QColor(20, 20, 20))
MARKER_PEN = pg.mkPen("#000000", width=1.5)
HEAD_PX = 11
MIN_ARROW_PX = 3.0  # shorter than this on screen, an arrow's head would hide the dot: the line alone


def gradient_tip(run: Run, record: StepRecord, scaler: Standardizer | None = None) -> tuple[float, float]:
    """Where −lr·∇L leads from the parameters before the step, in the user's units."""
    lr = record.learning_rate
    move_w, move_b = -lr * record.gradient[0], -lr * record.gradient[1]
    if not run.config.standardize:
        return record.before[0] + move_w, record.before[1] + move_b
    scaler = scaler or scaler_of(run)
    tw, tb = record.trained_before
    w0, b0 = scaler.to_original(tw, tb)
    w1, b1 = scaler.to_original(tw + move_w, tb + move_b)
    return record.before[0] + (w1 - w0), record.before[1] + (b1 - b0)


def scaler_of(run: Run) -> Standardizer:
    """The run's own scaling (as the trainer fitted it to the points it trained on)."""
    if not run.config.standardize or run.points is None or len(run.points.x) == 0:
        return Standardizer.identity()
    return Standardizer.fitted_to(run.points)


class _Shaft(PixelLineItem):
    """An arrow's line in data coordinates with a cosmetic pen: moving it is one setLine (microseconds),
    where a PlotDataItem's setData costs most of a millisecond, paid every frame while a run plays."""

    def __init__(self, pen: QPen) -> None:
        super().__init__()
        self.setPen(pen)
        self.sample = pg.PlotDataItem(pen=pen)  # what the legend draws for it (never added to a plot)

    def set_pen(self, pen: QPen) -> None:
        self.setPen(pen)
        self.sample.setPen(pen)

    def getData(self) -> tuple[np.ndarray, np.ndarray]:
        """The line's two ends as x and y arrays, as a PlotDataItem would give them (tests read it back)."""
        line = self.line()
        return np.array([line.x1(), line.x2()]), np.array([line.y1(), line.y2()])


class _Arrow:
    """A line from a start to a tip with a head at the tip that keeps its size and points along the line
    on screen (its angle is worked out in pixels, so it follows zoom and aspect)."""

    def __init__(self, plot_item: pg.PlotItem, pen: QPen, brush: object, z: float) -> None:
        self.line = _Shaft(pen)
        self.line.setZValue(z)
        self.head = pg.ArrowItem(headLen=HEAD_PX, tipAngle=32, tailLen=None, pen=pen, brush=brush, pxMode=True)
        self.head.setZValue(z)
        self.view_box = plot_item.getViewBox()
        plot_item.addItem(self.line, ignoreBounds=True)
        plot_item.addItem(self.head, ignoreBounds=True)
        self.ends: tuple[float, float, float, float] | None = None
        self._angle: float | None = None
        self.hide()

    def show(self, x0: float, y0: float, x1: float, y1: float) -> None:
        if not all(math.isfinite(value) for value in (x0, y0, x1, y1)):
            self.hide()
            return
        if self.ends == (x0, y0, x1, y1) and self.line.isVisible():
            return  # the same step again: nothing moved
        self.ends = (x0, y0, x1, y1)
        self.line.setLine(x0, y0, x1, y1)
        self.line.setVisible(True)
        self.head.setPos(x1, y1)
        self.orient()

    def hide(self) -> None:
        self.ends = None
        self.line.setVisible(False)
        self.head.setVisible(False)

    def orient(self) -> None:
        """Point the head along the line as the screen shows it."""
        if self.ends is None:
            return
        x0, y0, x1, y1 = self.ends
        start = self.view_box.mapViewToScene(QPointF(x0, y0))
        tip = self.view_box.mapViewToScene(QPointF(x1, y1))
        dx, dy = tip.x() - start.x(), tip.y() - start.y()
        if not (math.isfinite(dx) and math.isfinite(dy)) or math.hypot(dx, dy) < MIN_ARROW_PX:
            self.head.setVisible(False)
            return
        # pyqtgraph's head points left (−x) at angle 0; Qt turns it clockwise on screen (y down).
        angle = math.degrees(math.atan2(-dy, -dx))
        if angle != self._angle:  # setStyle rebuilds the head's path
            self._angle = angle
            self.head.setStyle(angle=angle)
        self.head.setVisible(True)


class Dot(QGraphicsEllipseItem):
    """A round marker of a fixed size in pixels, moved with setPos in data coordinates. It replaces a
    one-point ScatterPlotItem, which costs about half a millisecond a frame to restyle, bound and paint."""

    def __init__(self, size: float, pen: QPen, z: float) -> None:
        super().__init__(-size / 2, -size / 2, size, size)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setPen(pen)
        self.setZValue(z)
        self.setVisible(False)
        self._at: tuple[float, float] | None = None
        self._colour: int | None = None

    def place(self, x: float, y: float, colour: QColor) -> None:
        if self._colour != colour.rgba():
            self._colour = colour.rgba()
            self.setBrush(QBrush(colour))
        if self._at != (x, y):
            self._at = (x, y)
            self.setPos(x, y)
        self.setVisible(True)

    def clear(self) -> None:
        self._at = None
        self.setVisible(False)

    def getData(self) -> tuple[np.ndarray, np.ndarray]:
        """Where the dot is, as a ScatterPlotItem would say it (tests read it back)."""
        if self._at is None or not self.isVisible():
            return np.empty(0), np.empty(0)
        return np.array([self._at[0]]), np.array([self._at[1]])


class StepOverlay:
    """The dot and the two arrows of the step the timeline shows, with a legend naming the arrows."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self.marker = Dot(13, MARKER_PEN, 9)
        plot_item.getViewBox().addItem(self.marker, ignoreBounds=True)
        self._step_colour: int | None = None
        self.gradient = _Arrow(plot_item, GRADIENT_PEN, GRADIENT_BRUSH, 7)
        self.step = _Arrow(plot_item, pg.mkPen("#1f77b4", width=2.5), pg.mkBrush("#1f77b4"), 8)
        self.legend = pg.LegendItem(offset=(8, 8), labelTextSize="8pt")
        self.legend.setParentItem(plot_item.getViewBox())
        self.legend.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.legend.addItem(self.gradient.line.sample, "−lr·∇L")
        self.legend.addItem(self.step.line.sample, "step taken")
        self.legend.setVisible(False)
        plot_item.getViewBox().sigTransformChanged.connect(lambda *_: self.view_changed())
        self._scaler_key: tuple[int, int] | None = None
        self._scaler = Standardizer.identity()

    def show(self, run: Run | None, position: int) -> None:
        params = run.trace.params_at(position) if run is not None and len(run.trace) > position else None
        if run is None or params is None or not all(map(math.isfinite, params)):
            self.marker.clear()
            self.gradient.hide()
            self.step.hide()
            self.legend.setVisible(False)
            return
        self.marker.place(params[0], params[1], run.color)
        record = run.trace.record(position)
        if record is None:
            self.gradient.hide()
            self.step.hide()
            self.legend.setVisible(False)
            return
        if self._step_colour != run.color.rgba():  # restyled when the run changes, not every frame
            self._step_colour = run.color.rgba()
            pen = plot_style.scaled_pen(pg.mkPen(run.color, width=2.5))  # wider in presentation mode
            self.step.line.set_pen(pen)
            self.step.head.setStyle(pen=pen, brush=pg.mkBrush(run.color))
        self.step.show(*record.before, *record.after)
        self.gradient.show(*record.before, *gradient_tip(run, record, self._scaler_for(run)))
        self.legend.setVisible(True)

    def view_changed(self) -> None:
        """The view was panned, zoomed or resized: the heads turn with the lines on screen."""
        for arrow in (self.gradient, self.step):
            arrow.line.view_changed()
            arrow.orient()

    def _scaler_for(self, run: Run) -> Standardizer:
        """Cached per run: fitting the scaling reads every point, too slow for every slider move."""
        key = (id(run), id(run.points))
        if key != self._scaler_key:
            self._scaler_key, self._scaler = key, scaler_of(run)
        return self._scaler
