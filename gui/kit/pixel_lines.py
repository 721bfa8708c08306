"""Straight lines in a plot's data coordinates, stroked in pixels.

Qt strokes a cosmetic pen wider than one pixel under a scaling transform (a ViewBox's data→pixel map)
through its general path stroker: one 2 px antialiased line across a 415×315 plot took 0.8–1.3 ms, and
the data plot draws three of them every frame while a run plays. The same line with its ends mapped to
pixels first and drawn under no transform takes about 0.2 ms (dashed: under 0.1 ms), and looks the same
(a cosmetic pen's width and dashes are in pixels either way). The painter's clip is kept: Qt stores it in
device coordinates, so a reset transform does not move it.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsLineItem, QStyleOptionGraphicsItem, QWidget


def stroke_in_pixels(painter: QPainter, pen: QPen, start: QPointF, end: QPointF, *, antialias: bool) -> None:
    """Draw the segment start→end (in the painter's current coordinates) with its ends mapped to pixels."""
    transform = painter.transform()
    first, last = transform.map(start), transform.map(end)
    painter.resetTransform()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, antialias)
    painter.setPen(pen)
    painter.drawLine(first, last)
    painter.setTransform(transform)


class SlopeLine(pg.InfiniteLine):
    """pyqtgraph's InfiniteLine (position, angle, pen, bounds all as there), painted in pixels. It has no
    markers (the app adds none).

    Its bounds are worked out as pyqtgraph's are, with Qt's transforms instead of pyqtgraph's Python ones:
    the fitted line moves every frame while a run plays, and each move made pyqtgraph map the view into the
    line's coordinates and find a pixel's size across it in Python (~0.2 ms a line, two lines a frame)."""

    def paint(self, painter: QPainter, *args: object) -> None:
        left, right = self._endPoints
        stroke_in_pixels(painter, self.currentPen, QPointF(left, 0.0), QPointF(right, 0.0),
                         antialias=self.angle % 180 not in (0, 90))

    def informViewBoundsChanged(self) -> None:
        """Only a view that counts this line in its range hears that it moved: the data plot adds its lines
        without their bounds, and pyqtgraph's ViewBox otherwise worked its whole auto-range out again at the
        next paint, every frame a line moved."""
        view_box = self.getViewBox()
        if view_box is not None and self in getattr(view_box, "addedItems", [self]):
            super().informViewBoundsChanged()

    def _computeBoundingRect(self) -> QRectF:
        view_box, view = self.getViewBox(), self.getViewWidget()
        group = getattr(view_box, "childGroup", None)
        if group is None or view is None or self.parentItem() is not group:
            return super()._computeBoundingRect()  # not directly in a ViewBox: pyqtgraph's general way
        to_group, invertible = self.itemTransform(group)
        from_group, inverse_exists = to_group.inverted()
        if not (invertible and inverse_exists):
            return super()._computeBoundingRect()
        seen = from_group.mapRect(view_box.viewRect()).normalized()  # pyqtgraph's viewRect()
        # pyqtgraph's pixelVectors(direction=(1, 0))[1].y(): a pixel across the line, in the line's units
        device = self.deviceTransform(view.viewportTransform())
        along_x, along_y = device.m11(), device.m12()  # where (1, 0) goes, translation left out
        length = math.hypot(along_x, along_y)
        determinant = device.m11() * device.m22() - device.m21() * device.m12()
        across = 0.0
        if length > 0 and determinant != 0:
            normal_x, normal_y = along_y / length, -along_x / length  # QLineF.normalVector of the unit vector
            across = (-device.m12() * normal_x + device.m11() * normal_y) / determinant
        half = (self._maxMarkerSize + max(self.pen.width() / 2, self.hoverPen.width() / 2) + 1) * across
        rect = QRectF(seen)
        rect.setBottom(-half)
        rect.setTop(half)
        length = rect.width()
        left, right = rect.left() + length * self.span[0], rect.left() + length * self.span[1]
        rect.setLeft(left)
        rect.setRight(right)
        rect = rect.normalized()
        size = view_box.size()
        if self._bounds != rect or self._lastViewSize != size:  # type: ignore[has-type]
            self._bounds = rect
            self._lastViewSize = size
            self.prepareGeometryChange()
        self._endPoints = (left, right)
        self._lastViewRect = seen
        return self._bounds


class PixelLineItem(QGraphicsLineItem):
    """A QGraphicsLineItem whose line is in data coordinates and whose pen is stroked in pixels (with the
    view's antialiasing, as QGraphicsLineItem does). Its bounds reach half the pen's width in pixels beyond
    the line: QGraphicsLineItem pads by the width in data units, which on a plot whose units are large is
    less than a pixel, and a repaint of the line's old place then left a wide stroke's edges behind.
    Call `view_changed` after a pan or zoom (the padding in data units changes with it)."""

    def boundingRect(self) -> QRectF:
        line = self.line()
        rect = QRectF(line.p1(), line.p2()).normalized()
        views = self.scene().views() if self.scene() is not None else []
        if not views:
            return rect
        to_item, invertible = self.deviceTransform(views[0].viewportTransform()).inverted()
        if not invertible:
            return rect
        pad = self.pen().widthF() / 2 + 2  # pixels, with room for antialiasing and square caps
        pad_x = (abs(to_item.m11()) + abs(to_item.m21())) * pad
        pad_y = (abs(to_item.m12()) + abs(to_item.m22())) * pad
        return rect.adjusted(-pad_x, -pad_y, pad_x, pad_y)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.boundingRect())
        return path

    def view_changed(self) -> None:
        self.prepareGeometryChange()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        line = self.line()
        stroke_in_pixels(painter, self.pen(), line.p1(), line.p2(),
                         antialias=painter.testRenderHint(QPainter.RenderHint.Antialiasing))
