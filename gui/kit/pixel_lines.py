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
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsLineItem, QGraphicsObject, QStyleOptionGraphicsItem, QWidget

# The view's rect (left, top, right, bottom), its x and y scale (pixels per unit) and its size (a QSizeF)
_ViewGeometry = tuple[tuple[float, float, float, float], float, float, object]


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

    _box: tuple[float, float, float, float] | None = None  # the bounds last built, as floats

    def place(self, weight: float, bias: float) -> None:
        """Make this the line y = weight·x + bias: through (0, bias) at atan(weight), as setPos and setAngle
        place it. A race moves four such lines every frame, and each move made Qt call back into Python for
        every item change (~70 µs a move). A line its view does not range over needs to hear of none: it
        stops asking for them (pyqtgraph only tells the view of a move)."""
        angle = math.degrees(math.atan(weight))
        if self.p == [0.0, bias] and self.angle == angle:  # type: ignore[has-type]
            return
        counted = self._counted()
        sends = QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        if bool(self.flags() & sends) != counted:
            self.setFlag(sends, counted)
        self.p, self.angle = [0.0, bias], angle
        # Its bounds and pyqtgraph's view rect in its own units are worked out again when asked; the view's
        # geometry (viewTransformChanged forgets that too) is what it was.
        self._boundingRect = None
        self._cachedView = None
        if not self.transform().isIdentity():
            self.resetTransform()
        self.setRotation(angle)
        QGraphicsObject.setPos(self, 0.0, bias)
        self.sigPositionChanged.emit(self)
        self.update()

    def _counted(self) -> bool:
        """The view this line is in takes it into its auto-range (it was not added with ignoreBounds)."""
        view_box = self.getViewBox()
        return view_box is not None and self in getattr(view_box, "addedItems", [self])

    def paint(self, painter: QPainter, *args: object) -> None:
        left, right = self._endPoints
        stroke_in_pixels(painter, self.currentPen, QPointF(left, 0.0), QPointF(right, 0.0),
                         antialias=self.angle % 180 not in (0, 90))

    def informViewBoundsChanged(self) -> None:
        """Only a view that counts this line in its range hears that it moved: the data plot adds its lines
        without their bounds, and pyqtgraph's ViewBox otherwise worked its whole auto-range out again at the
        next paint, every frame a line moved."""
        if self._counted():
            super().informViewBoundsChanged()

    def viewTransformChanged(self) -> None:
        """The view panned, zoomed or resized: a pixel is another size in data units."""
        super().viewTransformChanged()
        self._view_geometry: _ViewGeometry | None = None

    def _computeBoundingRect(self) -> QRectF:
        """pyqtgraph's bounds (the view's span along the line, a stroke's width across it) from the view's rect
        and scale, kept until the view changes, in floats: the lines move every frame, and building Qt's
        transforms, rects and points for each move cost more than the arithmetic (each Qt object built from
        Python is an overload resolution)."""
        geometry = self._geometry()
        if geometry is None or not self.transform().isIdentity() or self.scale() != 1.0 \
                or self.rotation() != self.angle:
            return self._transformed_bounds()  # a transform of its own: the general way
        (view_left, view_top, view_right, view_bottom), scale_x, scale_y, view_size = geometry
        theta = math.radians(self.angle)
        cos, sin = math.cos(theta), math.sin(theta)
        x0, y0 = float(self.p[0]), float(self.p[1])
        corners = [(x - x0, y - y0) for x in (view_left, view_right) for y in (view_top, view_bottom)]
        along = [cos * x + sin * y for x, y in corners]  # the view's corners in the line's own units
        # The line's own axes on screen: (1, 0) goes to (m11, m12), (0, 1) to (m21, m22).
        m11, m12, m21, m22 = scale_x * cos, scale_y * sin, -scale_x * sin, scale_y * cos
        left, right = self._ends(min(along), max(along))
        half = self._half_width(m11, m12, m21, m22)
        box = (min(left, right), -abs(half), abs(right - left), 2 * abs(half))  # as QRectF.normalized() has it
        if box != self._box or self._lastViewSize is not view_size:  # type: ignore[has-type]
            self._box = box
            across = [cos * y - sin * x for x, y in corners]
            self._set_bounds(QRectF(*box), view_size, QRectF(
                min(along), min(across), max(along) - min(along), max(across) - min(across)))
        self._endPoints = (left, right)
        return self._bounds  # type: ignore[has-type]

    def _geometry(self) -> _ViewGeometry | None:
        """The view's rect (data units), its data→pixel scale and its size, when this line sits directly in a
        ViewBox whose view is not rotated or sheared; None otherwise."""
        cached = getattr(self, "_view_geometry", None)
        if cached is not None:
            return cached
        view_box, view = self.getViewBox(), self.getViewWidget()
        group = getattr(view_box, "childGroup", None)
        if group is None or view is None or self.parentItem() is not group:
            return None
        device = group.deviceTransform(view.viewportTransform())
        if device.m12() != 0 or device.m21() != 0:
            return None
        rect = view_box.viewRect()
        self._view_geometry = ((rect.left(), rect.top(), rect.right(), rect.bottom()), device.m11(), device.m22(),
                               view_box.size())
        return self._view_geometry

    def _transformed_bounds(self) -> QRectF:
        view_box, view = self.getViewBox(), self.getViewWidget()
        group = getattr(view_box, "childGroup", None)
        if group is None or view is None or self.parentItem() is not group:
            return super()._computeBoundingRect()  # not directly in a ViewBox: pyqtgraph's general way
        to_group, invertible = self.itemTransform(group)
        from_group, inverse_exists = to_group.inverted()
        if not (invertible and inverse_exists):
            return super()._computeBoundingRect()
        seen = from_group.mapRect(view_box.viewRect()).normalized()  # pyqtgraph's viewRect()
        device = self.deviceTransform(view.viewportTransform())
        half = self._half_width(device.m11(), device.m12(), device.m21(), device.m22())
        left, right = self._ends(seen.left(), seen.right())
        self._box = None
        self._set_bounds(QRectF(QPointF(left, half), QPointF(right, -half)).normalized(), view_box.size(), seen)
        self._endPoints = (left, right)
        return self._bounds

    def _half_width(self, m11: float, m12: float, m21: float, m22: float) -> float:
        """Half the stroke's reach across the line, in the line's units, for a line whose axes go to (m11, m12)
        and (m21, m22) on screen: pyqtgraph's pixelVectors(direction=(1, 0))[1].y() times its pixel reach."""
        length = math.hypot(m11, m12)
        determinant = m11 * m22 - m21 * m12
        across = 0.0
        if length > 0 and determinant != 0:
            normal_x, normal_y = m12 / length, -m11 / length  # QLineF.normalVector of the unit vector
            across = (-m12 * normal_x + m11 * normal_y) / determinant
        return (self._maxMarkerSize + max(self.pen.width() / 2, self.hoverPen.width() / 2) + 1) * across

    def _ends(self, seen_left: float, seen_right: float) -> tuple[float, float]:
        span = seen_right - seen_left
        return seen_left + span * self.span[0], seen_left + span * self.span[1]

    def _set_bounds(self, rect: QRectF, view_size: object, seen: QRectF) -> None:
        if self._bounds != rect or self._lastViewSize != view_size:  # type: ignore[has-type]
            self._bounds = rect
            self._lastViewSize = view_size
            self.prepareGeometryChange()
        self._lastViewRect = seen


class PixelLineItem(QGraphicsLineItem):
    """A QGraphicsLineItem whose line is in data coordinates and whose pen is stroked in pixels (with the
    view's antialiasing, as QGraphicsLineItem does). Its bounds reach half the pen's width in pixels beyond
    the line: QGraphicsLineItem pads by the width in data units, which on a plot whose units are large is
    less than a pixel, and a repaint of the line's old place then left a wide stroke's edges behind.
    Call `view_changed` after a pan or zoom (the padding in data units changes with it). The bounds are kept
    until then or until the line or pen changes: Qt asks for them several times a frame while the line moves."""

    _kept: QRectF | None = None

    def boundingRect(self) -> QRectF:
        if self._kept is None:
            self._kept = self._padded_bounds()
        return self._kept

    def _padded_bounds(self) -> QRectF:
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

    def setLine(self, *line: Any) -> None:
        # Forgotten before and after: Qt asks for the old bounds while it moves the line.
        self._kept = None
        super().setLine(*line)
        self._kept = None

    def setPen(self, pen: QPen | Qt.PenStyle | QColor) -> None:
        self._kept = None
        super().setPen(pen)
        self._kept = None

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.boundingRect())
        return path

    def view_changed(self) -> None:
        self.prepareGeometryChange()
        self._kept = None

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        line = self.line()
        stroke_in_pixels(painter, self.pen(), line.p1(), line.p2(),
                         antialias=painter.testRenderHint(QPainter.RenderHint.Antialiasing))
