"""A run's curve (a loss curve, a path on the landscape) drawn as polylines in pixels.

pyqtgraph's PlotDataItem is general: each setData walks its modes (downsampling, clipping, log, FFT,
derivative…) and its PlotCurveItem works out bounds and pixel sizes in Python again at every paint. A race
of three moves six such curves every frame (three losses, three paths), and their setData and paint took
about 4 ms of a 16 ms frame. This item keeps only what a run's curve needs: data, a pen, log mapping, dots
for a curve of a few points, and peaks per pixel column for a long loss curve. It maps its points to pixels
with numpy and draws them under no transform (a cosmetic pen is in pixels either way); 3 curves of 1,250
points: ~0.5 ms a frame, set and painted, against ~3 ms. The pixels are kept until the data or the view
changes, as pyqtgraph keeps its downsampled path: scrubbing the timeline repaints the loss plot (its cursor)
over a 100,000-epoch curve at every move.

A live curve grows at its end while its view stays put (a loss plot spans the run's epochs from the start, a
landscape widens only when a path leaves it). Then only the pixels of its new end are repainted: its bounds
hold the whole view, so they do not move as the curve grows, and new data marks dirty only the box around
the drawn points that changed (gui/kit/curve_pixels.py). Repainting the whole curve, the image under it, the grid and
the other curves in every frame was most of what a race's loss plot and landscape cost.

It answers what pyqtgraph's PlotItem, ViewBox, LegendItem and exporters ask of a data item: it implements
"plotData" (a PlotItem lists it, names it in its legend, exports it as CSV), `opts` (pen, symbol, size, brush,
antialias: what a legend sample draws), `setLogMode`, `dataBounds`, `pixelPadding`, `name`, and it tells its
ViewBox when its bounds change (an auto-ranged view follows it). The PlotItem menu's display modes (FFT,
downsampling, clipping) are not a run curve's business and leave it as it is.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.LegendItem import ItemSample
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from gui.kit.curve_pixels import CurvePixels, Key, parts_within

Box = tuple[float, float, float, float]  # left, top, right, bottom (top < bottom), in data units
DOT_SIZE = 6.0  # pixels across a dot of a short curve
_LONG_LINE = 256  # points: a repaint of part of a longer loss curve strokes only that part
_FEW_POINTS = 32


class FastCurve(pg.GraphicsObject):
    """`peaks`: x only grows (a loss curve), so points sharing a pixel column can be drawn as that column's
    lowest and highest, as pyqtgraph's peak downsampling draws them."""

    def __init__(self, name: str | None = None, pen: QPen | None = None, *, peaks: bool = False) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)  # paint is told what is exposed
        self.opts: dict[str, object] = {"name": name, "pen": pen if pen is not None else pg.mkPen("#333333"),
                                        "symbol": None, "size": DOT_SIZE, "brush": None,
                                        "antialias": pg.getConfigOption("antialias")}
        self.peaks = peaks
        self.xData: np.ndarray | None = None  # as given
        self.yData: np.ndarray | None = None
        self._shown: tuple[np.ndarray, np.ndarray] = (np.empty(0), np.empty(0))  # after log mapping
        self._log = (False, False)
        self._data_box: Box | None = None  # a box holding the shown finite points; None: none
        self._bounds: QRectF | None = None  # kept until the data, the pen or the view changes
        self._union: Box | None = None  # the data's box and the view's that `_bounds` pads
        self._painted: CurvePixels | None = None  # the pixels painted (or due), kept until the data or view changes
        self._pixel: tuple[float, float] | None = None  # the view's pixel size in data units, kept until it changes

    # --- what pyqtgraph asks ---------------------------------------------------------------------------
    def implements(self, interface: str | None = None) -> bool | list[str]:
        return ["plotData"] if interface is None else interface == "plotData"

    def name(self) -> str | None:
        name = self.opts["name"]
        return None if name is None else str(name)

    def setLogMode(self, x: bool, y: bool) -> None:
        if (bool(x), bool(y)) != self._log:
            self._log = (bool(x), bool(y))
            self._map()

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: tuple[float, float] | None = None  # noqa: N803
                   ) -> tuple[float | None, float | None]:
        """pyqtgraph's ViewBox asks it by these names (auto-range)."""
        values, other = (self._shown[0], self._shown[1]) if ax == 0 else (self._shown[1], self._shown[0])
        keep = np.isfinite(values) & np.isfinite(other)
        if orthoRange is not None:
            keep &= (other >= orthoRange[0]) & (other <= orthoRange[1])
        if not keep.any():
            return None, None
        kept = values[keep]
        if frac >= 1.0:
            return float(kept.min()), float(kept.max())
        return float(np.percentile(kept, 50 * (1 - frac))), float(np.percentile(kept, 50 * (1 + frac)))

    def pixelPadding(self) -> float:
        return self._pad_pixels()

    def setAlpha(self, alpha: float, auto: bool) -> None:
        """The PlotItem menu's transparency, as PlotDataItem takes it."""
        self.setOpacity(alpha)

    def setDownsampling(self, *args: object) -> None:
        """A loss curve draws its peaks per pixel column whatever the PlotItem menu says."""

    def setClipToView(self, clip: bool) -> None:
        """Points off the view cost nothing to draw: Qt clips them."""

    def setFftMode(self, fft: bool) -> None:
        """A run's losses are not a signal to transform."""

    def clear(self) -> None:
        self.setData(np.empty(0), np.empty(0))

    # --- data and looks --------------------------------------------------------------------------------
    def setData(self, x: np.ndarray, y: np.ndarray) -> None:
        xs, ys = np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)  # copies: compared with the next
        if xs.shape != ys.shape or xs.ndim != 1:
            raise ValueError(f"x {xs.shape} and y {ys.shape} must be two 1-D arrays of one length")
        first = _first_change(self.xData, self.yData, xs, ys)
        self.xData, self.yData = xs, ys
        self._map(first)

    def getData(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """x and y as drawn: after the log mapping of a log axis (as PlotDataItem.getData)."""
        if self.xData is None:
            return None, None
        return self._shown

    def getOriginalDataset(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        return self.xData, self.yData

    def setPen(self, pen: QPen) -> None:
        if pen is not self.opts["pen"]:
            self.opts["pen"] = pen
            self._restyled()

    def set_dots(self, colour: QColor | None) -> None:
        """A dot in `colour` on each point (a curve of one point shows nothing else); None: a line only."""
        if colour is None:
            if self.opts["symbol"] is not None:
                self.opts.update(symbol=None, brush=None)
                self._restyled()
            return
        brush = self.opts["brush"]
        if self.opts["symbol"] is None or not isinstance(brush, QBrush) or brush.color() != colour:
            self.opts.update(symbol="o", brush=QBrush(colour))
            self._restyled()

    def _restyled(self) -> None:
        """Another pen or dots: the curve and its legend sample (which draws them) are painted again. The
        legend did not hear of it, and its samples kept a run's dots after the curve lost them."""
        self._geometry_changed()
        scene = self.scene()
        for item in scene.items() if scene is not None else []:
            if isinstance(item, ItemSample) and item.item is self:
                item.update()

    # --- geometry ------------------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            self._bounds, self._union = self._wanted_bounds()
        return QRectF(self._bounds)

    def _wanted_bounds(self) -> tuple[QRectF, Box | None]:
        """The data's box and the view's, padded by the stroke (a curve growing inside its view keeps them),
        and that union before the padding."""
        box = self._data_box
        if box is None:
            return QRectF(), None
        left, top, right, bottom = box
        view_box = self.getViewBox()
        if view_box is not None:  # (not QRectF.united: it drops the box of a single point)
            view = view_box.viewRect()
            left, right = min(left, view.left()), max(right, view.right())
            top, bottom = min(top, view.top()), max(bottom, view.bottom())
        pixel_x, pixel_y = self._pixel_size()
        pad = self._pad_pixels()
        return (QRectF(left, top, right - left, bottom - top).adjusted(-pad * pixel_x, -pad * pixel_y, pad * pixel_x,
                                                                       pad * pixel_y), (left, top, right, bottom))

    def viewTransformChanged(self) -> None:
        """A pan or zoom: the pixel padding is another size in data units."""
        super().viewTransformChanged()
        self._pixel = None
        self._geometry_changed(bounds_moved=False)

    def _pixel_size(self) -> tuple[float, float]:
        if self._pixel is None:
            view_box = self.getViewBox()
            width, height = view_box.viewPixelSize() if view_box is not None else (0.0, 0.0)
            self._pixel = (abs(width), abs(height)) if math.isfinite(width) and math.isfinite(height) else (0.0, 0.0)
        return self._pixel

    def _pad_pixels(self) -> float:
        pen = self.opts["pen"]
        width = max(pen.widthF(), 1.0) if isinstance(pen, QPen) else 1.0
        dots = DOT_SIZE / 2 if self.opts["symbol"] is not None else 0.0
        return max(width / 2, dots) + 2.0  # room for antialiasing and square caps

    def _map(self, first: int | None = None) -> None:
        """The data as shown (log mapped) and its box. `first`: the data before this index is what it was
        (None: all of it may have changed); where the view and the bounds stay as they are, only the pixels
        the change touches are painted again."""
        x, y = (self.xData, self.yData) if self.xData is not None else (np.empty(0), np.empty(0))
        assert y is not None
        old_x, old_y = self._shown
        if first is None or first > old_x.size:
            first = None
        head = 0 if first is None else first  # the shown points before it are kept
        new_x, new_y = _logged(x[head:], self._log[0]), _logged(y[head:], self._log[1])
        self._shown = (np.concatenate([old_x[:head], new_x]), np.concatenate([old_y[:head], new_y])) if head \
            else (new_x, new_y)
        # Grown from a kept start: the old box and the new points' (a replaced point may leave the box a little
        # large: it only bounds the curve). Nothing kept (a new curve, a cleared one): its own box.
        grown = self._data_box is not None and first is not None and first >= 1
        self._data_box = _box(*((new_x, new_y) if grown else self._shown), self._data_box if grown else None)
        if first is None or not self._redraw_changed(first):
            self._geometry_changed()

    def _redraw_changed(self, first: int) -> bool:
        """Mark dirty only the pixels the changed points touch; False where that cannot be worked out from
        them alone (never painted, the view changed since, the bounds move, dots, see CurvePixels.grown)."""
        old = self._painted
        if old is None or self._bounds is None or self.opts["symbol"] is not None or not self._bounds_hold():
            return False
        grown = old.grown(*self._shown, first)
        if grown is None:
            return False
        self._painted, box = grown
        if box is not None:
            inverse, invertible = _transform(old.key).inverted()
            if not invertible:
                return False
            pad = self._pad_pixels() + 1.0
            self.update(inverse.mapRect(box.adjusted(-pad, -pad, pad, pad)))
        self.informViewBoundsChanged()
        return True

    def _bounds_hold(self) -> bool:
        """The kept bounds are still the wanted ones. While they are kept the view, the pen and the dots are
        what they were, so they hold while the data's box stays inside the union they pad."""
        box, union = self._data_box, self._union
        if box is None or union is None:
            return False
        if union[0] <= box[0] and box[2] <= union[2] and union[1] <= box[1] and box[3] <= union[3]:
            return True
        return self._wanted_bounds()[0] == self._bounds

    def _geometry_changed(self, *, bounds_moved: bool = True) -> None:
        """`bounds_moved`: the data's bounds (or the padding around them) changed: an auto-ranged view
        frames again."""
        self.prepareGeometryChange()
        self._bounds = self._union = None
        self._painted = None
        self.update()
        if bounds_moved:
            self.informViewBoundsChanged()

    # --- painting ------------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem | None = None, *args: object) -> None:
        x, _ = self._shown
        if x.size == 0:
            return
        transform = painter.transform()
        pixels = self._on_screen(transform)
        polygons = pixels.polygons
        exposed = option.exposedRect if isinstance(option, QStyleOptionGraphicsItem) else QRectF()
        pen = self.opts["pen"]
        if not exposed.isNull() and isinstance(pen, QPen) and pen.style() == Qt.PenStyle.SolidLine:
            # A repaint of part of the view (a growing curve's end) strokes only the part of a long loss curve
            # there: Qt clips the stroke anyway, but outlines a wide pen's whole polyline first (~0.3 ms for
            # 1,300 points). The part ends on points beyond a cap's reach; a dashed pen would restart its dashes.
            reach = self._pad_pixels() + max(pen.widthF(), 1.0)
            area = transform.mapRect(exposed)
            polygons = parts_within(pixels, area.left() - reach, area.right() + reach, _LONG_LINE)
        painter.resetTransform()
        export = self._exportOpts if isinstance(self._exportOpts, dict) else {}  # pyqtgraph's image export
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, bool(export.get("antialias",
                                                                                     self.opts["antialias"])))
            if isinstance(pen, QPen):
                painter.setPen(pen)
                for polygon in polygons:
                    painter.drawPolyline(polygon)
            if self.opts["symbol"] is not None and isinstance(self.opts["brush"], QBrush):
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(self.opts["brush"])
                radius = DOT_SIZE / 2 * float(export.get("resolutionScale", 1.0))  # as a scatter's dots
                finite = np.isfinite(pixels.px) & np.isfinite(pixels.py)
                for dot_x, dot_y in zip(pixels.px[finite].tolist(), pixels.py[finite].tolist(), strict=True):
                    painter.drawEllipse(QPointF(dot_x, dot_y), radius, radius)
        finally:
            painter.setTransform(transform)

    def _on_screen(self, transform: QTransform) -> CurvePixels:
        """The polylines in pixels, kept until the data or the view changes: a repaint for something else
        (the loss plot's cursor moving over a 100,000-epoch curve while the timeline is scrubbed) only draws
        them again."""
        key: Key = (transform.m11(), transform.m12(), transform.m21(), transform.m22(), transform.dx(),
                    transform.dy())
        if self._painted is None or self._painted.key != key:
            self._painted = CurvePixels.of(*self._shown, key, peaks=self.peaks)
        return self._painted


def _first_change(old_x: np.ndarray | None, old_y: np.ndarray | None, x: np.ndarray, y: np.ndarray) -> int | None:
    """The index of the first point that is not what it was (the old length when the old points all stay);
    None when there were no old points."""
    if old_x is None or old_y is None or old_x.size == 0:
        return None
    common = min(old_x.size, x.size)
    same = (old_x[:common] == x[:common]) & (old_y[:common] == y[:common])
    return common if same.all() else int(np.argmin(same))


def _logged(values: np.ndarray, log: bool) -> np.ndarray:
    """`values` as a log axis shows them (not positive: NaN, a break in the line), or as they are."""
    if not log:
        return values
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.where(values > 0, values, np.nan))


def _box(x: np.ndarray, y: np.ndarray, around: Box | None) -> Box | None:
    """The box (left, top, right, bottom) of the finite points (x, y) and of `around`; None when there is
    neither. (Not QRectF.united: it drops a box of one point, whose width and height are 0.)"""
    if x.size <= _FEW_POINTS:  # a frame's new points: Python is quicker than numpy's calls
        kept = [(a, b) for a, b in zip(x.tolist(), y.tolist(), strict=True) if math.isfinite(a) and math.isfinite(b)]
        if not kept:
            return around
        xs, ys = [a for a, _ in kept], [b for _, b in kept]
        left, right, low, high = min(xs), max(xs), min(ys), max(ys)
    else:
        finite = np.isfinite(x) & np.isfinite(y)
        if not finite.all():
            x, y = x[finite], y[finite]
        if x.size == 0:
            return around
        left, right, low, high = float(x.min()), float(x.max()), float(y.min()), float(y.max())
    if around is not None:
        left, right = min(left, around[0]), max(right, around[2])
        low, high = min(low, around[1]), max(high, around[3])
    return left, low, right, high


def _transform(key: Key) -> QTransform:
    m11, m12, m21, m22, dx, dy = key
    return QTransform(m11, m12, m21, m22, dx, dy)
