"""A curve's points in pixels under one view transform: the polylines FastCurve strokes, and how they grow.

A live curve gets a few new points at its end in every frame while its view stays put. `CurvePixels.grown`
maps only the points that changed, keeps the rest (and, for a loss curve drawn as each pixel column's
peaks, the columns before the first one that changed), and gives the box of pixels where the new polylines
differ from the old: all that needs painting again. Mapping and reducing the whole curve and repainting it,
the image under it and the other curves in every frame was most of what a race's loss plot and landscape
cost. `grown` gives the very polylines `CurvePixels.of` gives for the whole new curve (a property test).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPolygonF

Key = tuple[float, float, float, float, float, float]  # a transform: m11, m12, m21, m22, dx, dy
PEAKS_FROM = 64  # a peaks curve of more points than this is drawn as each pixel column's peaks
_FEW = 64  # points: the columns of fewer are picked in Python
Line = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class CurvePixels:
    """A curve's points in pixels and the polylines drawn from them. `picks`: a peaks curve that is one
    polyline of more than PEAKS_FROM points draws the points at these indices; else None."""

    key: Key
    px: np.ndarray  # every point, in pixels (not finite where the point is not drawn)
    py: np.ndarray
    lines: list[Line]  # the polylines, in pixels
    polygons: list[QPolygonF]  # the same, as drawn
    peaks: bool  # x only grows: points sharing a pixel column are drawn as its peaks (column_picks)
    whole: bool  # every point is finite: one polyline through them all (or their peaks)
    picks: np.ndarray | None
    # [True] once a curve grown from this one took its polygon over (refilled in place): it no longer holds
    # these polylines, and a second growth builds its own
    handed_on: list[bool] = field(default_factory=lambda: [False], compare=False, repr=False)

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray, key: Key, *, peaks: bool) -> CurvePixels:
        px, py = _mapped(x, y, key)
        finite = np.isfinite(px) & np.isfinite(py)
        runs = true_runs(finite)
        whole = len(runs) == 1 and runs[0] == (0, px.size)
        lines, picks = [], None
        for start, stop in runs:
            lx, ly = px[start:stop], py[start:stop]
            if peaks and lx.size > PEAKS_FROM:
                chosen = column_picks(lx, ly)
                picks = chosen if whole and bool(np.all(np.diff(lx) >= 0)) else None  # grown needs x growing
                lx, ly = lx[chosen], ly[chosen]
            if lx.size >= 2:
                lines.append((lx, ly))
        return cls(key, px, py, lines, [polygon(*line) for line in lines], peaks, whole, picks)

    def grown(self, x: np.ndarray, y: np.ndarray, first: int) -> tuple[CurvePixels, QRectF | None] | None:
        """The pixels of the curve `x`, `y`, whose points before index `first` are those these pixels were
        mapped from, and the box (pixels) to paint again: around the drawn points that changed, the segment
        that joins them and the one before it (None: nothing drawn changed). None where
        the end alone does not tell: a point that is not finite, x not growing on a peaks curve, a transform
        that is not axis-aligned, a peaks curve that starts or stops being drawn as peaks. A frame's few new
        points are worked on as Python floats: a numpy call costs more than the arithmetic on them."""
        m11, m12, m21, m22, dx, dy = self.key
        size = self.px.size
        if not self.whole or not self.lines or not 1 <= first <= size or m12 != 0 or m21 != 0:
            return None
        new_x = [value * m11 + dx for value in x[first:].tolist()]
        new_y = [value * m22 + dy for value in y[first:].tolist()]
        if not all(math.isfinite(value) for value in (*new_x, *new_y)):
            return None
        if first == size and not new_x:
            return self, None
        px = np.concatenate([self.px[:first], new_x])
        py = np.concatenate([self.py[:first], new_y])
        if self.picks is None:
            if self.peaks and px.size > PEAKS_FROM:  # it was drawn point for point; now as peaks
                return None
            line, kept, picks = (px, py), first, None  # the points before `first` are drawn as they were
        else:
            changed = min(new_x[:1] + self.px[first:first + 1].tolist())
            if px.size <= PEAKS_FROM or m11 <= 0 or any(b < a for a, b in zip(
                    [float(self.px[first - 1]), *new_x], new_x, strict=False)):
                return None
            start = int(np.searchsorted(px[:first], math.floor(changed), side="left"))  # before: earlier columns
            kept = int(np.searchsorted(self.picks, start, side="left"))  # their picks stay as they were
            tail = column_picks(px[start:], py[start:]) if px.size - start > _FEW else \
                np.array(_few_column_picks(px[start:].tolist(), py[start:].tolist()), dtype=np.intp)
            picks = np.concatenate([self.picks[:kept], start + tail])
            old_x, old_y = self.lines[0]
            line = (np.concatenate([old_x[:kept], px[start + tail]]), np.concatenate([old_y[:kept], py[start + tail]]))
        pixels = CurvePixels(self.key, px, py, [line], [self._handed_on(line, kept)], self.peaks, True, picks,
                             [False])
        # From the segment before the first that changed: a one-pixel pen draws a polyline's last segment a
        # little otherwise than the same segment inside it (its end cap shifts every pixel along it).
        return pixels, _changed_box(self.lines[0], line, max(kept - 2, 0))

    def _handed_on(self, line: Line, kept: int) -> QPolygonF:
        """The polyline of `line`, whose first `kept` points are this one's: this one's polygon refilled from
        there (a frame's few new points, where building it afresh copied the whole curve), once; a second
        curve grown from this one builds its own."""
        if self.handed_on[0] or len(self.polygons) != 1:
            return polygon(*line)
        self.handed_on[0] = True
        drawn = self.polygons[0]
        drawn.resize(line[0].size)
        points = pg.functions.ndarray_from_qpolygonf(drawn)
        points[kept:, 0] = line[0][kept:]
        points[kept:, 1] = line[1][kept:]
        return drawn


def column_picks(px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """The indices of the points drawn of a curve whose x (pixels) only grows: of each pixel column's points
    its first, lowest, highest and last (lowest and highest in the order they came), so every spike and every
    dip is drawn and the line joins the next column where it really goes on. A column's picks depend on its
    points alone: a curve that grows changes only its last columns' picks."""
    boundary = np.empty(px.size, dtype=bool)  # a point that starts a column
    boundary[:1] = True
    columns = np.floor(px)
    np.not_equal(columns[1:], columns[:-1], out=boundary[1:])
    starts = np.flatnonzero(boundary)
    column_of = np.cumsum(boundary) - 1
    order = np.arange(px.size)
    low_at = _first_extreme(py, starts, column_of, order, np.minimum)
    high_at = _first_extreme(py, starts, column_of, order, np.maximum)
    rows = np.empty((starts.size, 4), dtype=np.intp)  # per column: first, the earlier extreme, the later, last
    rows[:, 0] = starts
    np.minimum(low_at, high_at, out=rows[:, 1])
    np.maximum(low_at, high_at, out=rows[:, 2])
    rows[:-1, 3] = starts[1:] - 1
    rows[-1, 3] = px.size - 1
    picks = rows.reshape(-1)
    keep = np.empty(picks.size, dtype=bool)
    keep[:1] = True
    np.not_equal(picks[1:], picks[:-1], out=keep[1:])
    return picks[keep]


def _first_extreme(values: np.ndarray, starts: np.ndarray, column_of: np.ndarray, order: np.ndarray,
                   ufunc: np.ufunc) -> np.ndarray:
    """Per column (from each start to the next), the index of its first value equal to ufunc's reduction."""
    extremes = ufunc.reduceat(values, starts)
    return np.minimum.reduceat(np.where(values == extremes[column_of], order, values.size), starts)


def _few_column_picks(px: list[float], py: list[float]) -> list[int]:
    """column_picks of a few points, in Python."""
    picks: list[int] = []
    index, size = 0, len(px)
    while index < size:
        column, low, high, last = math.floor(px[index]), index, index, index
        while last + 1 < size and math.floor(px[last + 1]) == column:
            last += 1
            if py[last] < py[low]:
                low = last
            if py[last] > py[high]:
                high = last
        for pick in (index, min(low, high), max(low, high), last):
            if not picks or picks[-1] != pick:
                picks.append(pick)
        index = last + 1
    return picks


def column_peaks(px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points drawn of a curve whose x (pixels) only grows (see `column_picks`)."""
    picks = column_picks(px, py)
    return px[picks], py[picks]


def _changed_box(old: Line, new: Line, start: int) -> QRectF | None:
    """The box around each line's points from `start` on (the lines agree before it); None where they agree."""
    old_x, old_y, new_x, new_y = (values[start:].tolist() for values in (*old, *new))
    if old_x == new_x and old_y == new_y:
        return None
    xs, ys = old_x + new_x, old_y + new_y
    return QRectF(QPointF(min(xs), min(ys)), QPointF(max(xs), max(ys)))


def parts_within(pixels: CurvePixels, left: float, right: float, long_line: int) -> list[QPolygonF]:
    """The stretch of each polyline between `left` and `right` (pixels) and one point beyond each, when the
    polyline's x only grows (a peaks curve) and it has `long_line` points or more; other polylines whole."""
    parts: list[QPolygonF] = []
    for (xs, ys), whole in zip(pixels.lines, pixels.polygons, strict=True):
        if not pixels.peaks or xs.size < long_line or not xs[0] <= xs[-1]:
            parts.append(whole)
            continue
        first = max(int(np.searchsorted(xs, left, side="left")) - 1, 0)
        last = min(int(np.searchsorted(xs, right, side="right")), xs.size - 1)
        if first == 0 and last == xs.size - 1:
            parts.append(whole)
        elif last > first:
            parts.append(polygon(xs[first:last + 1], ys[first:last + 1]))
    return parts


def true_runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each stretch of True (of finite points: a line breaks at a NaN or an infinity)."""
    if flags.all():
        return [(0, flags.size)]
    edges = np.flatnonzero(np.diff(np.r_[0, flags.astype(np.int8), 0]))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def polygon(px: np.ndarray, py: np.ndarray) -> QPolygonF:
    drawn = pg.functions.create_qpolygonf(px.size)
    points = pg.functions.ndarray_from_qpolygonf(drawn)
    points[:, 0] = px
    points[:, 1] = py
    return drawn


def _mapped(x: np.ndarray, y: np.ndarray, key: Key) -> tuple[np.ndarray, np.ndarray]:
    m11, m12, m21, m22, dx, dy = key
    with np.errstate(invalid="ignore", over="ignore"):  # inf × 0 of an axis-aligned transform: NaN, a break
        return x * m11 + y * m21 + dx, x * m12 + y * m22 + dy
