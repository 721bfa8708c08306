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
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF, QTransform

DOT_SIZE = 6.0  # pixels across a dot of a short curve


class FastCurve(pg.GraphicsObject):
    """`peaks`: x only grows (a loss curve), so points sharing a pixel column can be drawn as that column's
    lowest and highest, as pyqtgraph's peak downsampling draws them."""

    def __init__(self, name: str | None = None, pen: QPen | None = None, *, peaks: bool = False) -> None:
        super().__init__()
        self.opts: dict[str, object] = {"name": name, "pen": pen if pen is not None else pg.mkPen("#333333"),
                                        "symbol": None, "size": DOT_SIZE, "brush": None,
                                        "antialias": pg.getConfigOption("antialias")}
        self.peaks = peaks
        self.xData: np.ndarray | None = None  # as given
        self.yData: np.ndarray | None = None
        self._shown: tuple[np.ndarray, np.ndarray] = (np.empty(0), np.empty(0))  # after log mapping
        self._log = (False, False)
        self._data_rect: QRectF | None = None  # the shown finite points' box; None: none
        self._bounds: QRectF | None = None  # kept until the data, the pen or the view changes
        # The pixels last painted: the transform they were mapped with, the polylines, the dots' x and y.
        self._painted: tuple[tuple[float, ...], list[QPolygonF], tuple[list[float], list[float]]] | None = None

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
        xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if xs.shape != ys.shape or xs.ndim != 1:
            raise ValueError(f"x {xs.shape} and y {ys.shape} must be two 1-D arrays of one length")
        self.xData, self.yData = xs, ys
        self._map()

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
            self._geometry_changed()

    def set_dots(self, colour: QColor | None) -> None:
        """A dot in `colour` on each point (a curve of one point shows nothing else); None: a line only."""
        if colour is None:
            if self.opts["symbol"] is not None:
                self.opts.update(symbol=None, brush=None)
                self._geometry_changed()
            return
        brush = self.opts["brush"]
        if self.opts["symbol"] is None or not isinstance(brush, QBrush) or brush.color() != colour:
            self.opts.update(symbol="o", brush=QBrush(colour))
            self._geometry_changed()

    # --- geometry ------------------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            rect = self._data_rect
            if rect is None:
                self._bounds = QRectF()
            else:
                pixel_x, pixel_y = self._pixel_size()
                pad = self._pad_pixels()
                self._bounds = rect.adjusted(-pad * pixel_x, -pad * pixel_y, pad * pixel_x, pad * pixel_y)
        return QRectF(self._bounds)

    def viewTransformChanged(self) -> None:
        """A pan or zoom: the pixel padding is another size in data units."""
        super().viewTransformChanged()
        self._geometry_changed(bounds_moved=False)

    def _pixel_size(self) -> tuple[float, float]:
        view_box = self.getViewBox()
        if view_box is None:
            return 0.0, 0.0
        width, height = view_box.viewPixelSize()
        return (abs(width), abs(height)) if math.isfinite(width) and math.isfinite(height) else (0.0, 0.0)

    def _pad_pixels(self) -> float:
        pen = self.opts["pen"]
        width = max(pen.widthF(), 1.0) if isinstance(pen, QPen) else 1.0
        dots = DOT_SIZE / 2 if self.opts["symbol"] is not None else 0.0
        return max(width / 2, dots) + 2.0  # room for antialiasing and square caps

    def _map(self) -> None:
        x, y = (self.xData, self.yData) if self.xData is not None else (np.empty(0), np.empty(0))
        assert y is not None
        with np.errstate(divide="ignore", invalid="ignore"):
            shown_x = np.log10(np.where(x > 0, x, np.nan)) if self._log[0] else x
            shown_y = np.log10(np.where(y > 0, y, np.nan)) if self._log[1] else y
        self._shown = (shown_x, shown_y)
        finite = np.isfinite(shown_x) & np.isfinite(shown_y)
        if finite.all() and shown_x.size:
            fx, fy = shown_x, shown_y
        else:
            fx, fy = shown_x[finite], shown_y[finite]
        if fx.size:
            left, right, low, high = float(fx.min()), float(fx.max()), float(fy.min()), float(fy.max())
            self._data_rect = QRectF(left, low, right - left, high - low)
        else:
            self._data_rect = None
        self._geometry_changed()

    def _geometry_changed(self, *, bounds_moved: bool = True) -> None:
        """`bounds_moved`: the data's bounds (or the padding around them) changed: an auto-ranged view
        frames again."""
        self.prepareGeometryChange()
        self._bounds = None
        self._painted = None
        self.update()
        if bounds_moved:
            self.informViewBoundsChanged()

    # --- painting ------------------------------------------------------------------------------------
    def paint(self, painter: QPainter, *args: object) -> None:
        x, _ = self._shown
        if x.size == 0:
            return
        transform = painter.transform()
        polygons, dots = self._on_screen(transform)
        painter.resetTransform()
        export = self._exportOpts if isinstance(self._exportOpts, dict) else {}  # pyqtgraph's image export
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, bool(export.get("antialias",
                                                                                     self.opts["antialias"])))
            pen = self.opts["pen"]
            if isinstance(pen, QPen):
                painter.setPen(pen)
                for polygon in polygons:
                    painter.drawPolyline(polygon)
            if self.opts["symbol"] is not None and isinstance(self.opts["brush"], QBrush):
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(self.opts["brush"])
                radius = DOT_SIZE / 2 * float(export.get("resolutionScale", 1.0))  # as a scatter's dots
                for dot_x, dot_y in zip(*dots, strict=True):
                    painter.drawEllipse(QPointF(dot_x, dot_y), radius, radius)
        finally:
            painter.setTransform(transform)

    def _on_screen(self, transform: QTransform) -> tuple[list[QPolygonF], tuple[list[float], list[float]]]:
        """The polylines and the dots in pixels, kept until the data or the view changes: a repaint for
        something else (the loss plot's cursor moving over a 100,000-epoch curve while the timeline is
        scrubbed) only draws them again."""
        key = (transform.m11(), transform.m12(), transform.m21(), transform.m22(), transform.dx(), transform.dy())
        if self._painted is not None and self._painted[0] == key:
            return self._painted[1], self._painted[2]
        x, y = self._shown
        with np.errstate(invalid="ignore", over="ignore"):  # inf × 0 of an axis-aligned transform: NaN, a break
            px = x * key[0] + y * key[2] + key[4]
            py = x * key[1] + y * key[3] + key[5]
        finite = np.isfinite(px) & np.isfinite(py)
        polygons = []
        for start, stop in _finite_runs(finite):
            lx, ly = px[start:stop], py[start:stop]
            if self.peaks and lx.size > 64:
                lx, ly = column_peaks(lx, ly)
            if lx.size >= 2:
                polygons.append(_polygon(lx, ly))
        dots = (px[finite].tolist(), py[finite].tolist()) if self.opts["symbol"] is not None else ([], [])
        self._painted = (key, polygons, dots)
        return polygons, dots


def column_peaks(px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points whose x only grows, in pixels: where several share a pixel column, that column's first, lowest,
    highest and last y (lowest and highest in the order they came), so every spike and every dip is drawn and
    the line joins the next column where it really goes on."""
    columns = np.floor(px)
    starts = np.flatnonzero(np.r_[True, columns[1:] != columns[:-1]])
    if starts.size * 4 >= px.size:
        return px, py
    stops = np.r_[starts[1:], px.size]
    low_at = starts + _arg_reduce(py, starts, np.minimum)
    high_at = starts + _arg_reduce(py, starts, np.maximum)
    first_extreme = np.minimum(low_at, high_at)
    second_extreme = np.maximum(low_at, high_at)
    picks = np.column_stack([starts, first_extreme, second_extreme, stops - 1]).reshape(-1)
    keep = np.r_[True, picks[1:] != picks[:-1]]
    picks = picks[keep]
    return px[picks], py[picks]


def _arg_reduce(values: np.ndarray, starts: np.ndarray, ufunc: np.ufunc) -> np.ndarray:
    """Per segment (from each start to the next), the offset of its first value equal to ufunc's reduction."""
    extremes = ufunc.reduceat(values, starts)
    counts = np.diff(np.r_[starts, values.size])
    segment = np.repeat(np.arange(starts.size), counts)
    hits = values == extremes[segment]
    first_hit = np.minimum.reduceat(np.where(hits, np.arange(values.size), values.size), starts)
    return first_hit - starts


def _finite_runs(finite: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each stretch of finite points: a line breaks at a NaN or an infinity."""
    if finite.all():
        return [(0, finite.size)]
    edges = np.flatnonzero(np.diff(np.r_[0, finite.astype(np.int8), 0]))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _polygon(px: np.ndarray, py: np.ndarray) -> QPolygonF:
    polygon = pg.functions.create_qpolygonf(px.size)
    points = pg.functions.ndarray_from_qpolygonf(polygon)
    points[:, 0] = px
    points[:, 1] = py
    return polygon
