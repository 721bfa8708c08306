"""How the landscape draws the runs: each run's dot and its path thinned to what the screen shows."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem

from engine.analysis.least_squares import Moments
from gui.kit import plot_style
from gui.session.run_history import Run

PATH_LOSS_LIMIT = 25.0  # a diverging path frames the view only while its loss is within this factor of its start

_dot_styles: dict[tuple[int, bool], tuple[QPen, QBrush]] = {}


def dot_style(colour: QColor, live: bool) -> tuple[QPen, QBrush]:
    """A live run's dot: filled in its colour with a dark rim; an ended run's: a ring in its colour. Built
    once per colour (a new pen per dot per frame costs more than drawing it)."""
    key = (colour.rgba(), live)
    if key not in _dot_styles:
        _dot_styles[key] = ((pg.mkPen("#000000", width=1.5), pg.mkBrush(colour)) if live
                            else (pg.mkPen(colour, width=2), plot_style.OPTIMUM_BRUSH))
    return _dot_styles[key]


def on_screen_path(w: np.ndarray, b: np.ndarray, pixel: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """The path as the screen can show it: of consecutive points in the same pixel only the first is kept
    (and always the last point). A converging run piles thousands of steps into a few pixels; drawing each
    made the landscape the slowest view while a run played."""
    px, py = pixel
    if w.size <= 64 or not (px > 0 and py > 0 and math.isfinite(px) and math.isfinite(py)):
        return w, b
    with np.errstate(invalid="ignore", over="ignore"):
        cells_w, cells_b = np.floor(w / px), np.floor(b / py)
    keep = np.ones(w.size, dtype=bool)
    keep[1:] = (cells_w[1:] != cells_w[:-1]) | (cells_b[1:] != cells_b[:-1])
    keep[-1] = True
    return w[keep], b[keep]


def framed_points(w: np.ndarray, b: np.ndarray, moments: Moments, optimum_loss: float,
                  start_loss: float | None = None) -> tuple[np.ndarray, np.ndarray, float | None]:
    """The points of a path that frame the landscape: the finite ones that are not a diverging excursion (a
    loss over PATH_LOSS_LIMIT times the start's, or the optimum's), and the start's loss: the loss at its first
    finite point (None: it has none). `start_loss` given: (w, b) are later points of a path that began there."""
    finite = np.isfinite(w) & np.isfinite(b)
    if start_loss is None:
        if not finite.any():
            return w[:0], b[:0], None
        first = int(np.argmax(finite))
        start_loss = float(moments.loss(w[first:first + 1], b[first:first + 1])[0])
    w, b = w[finite], b[finite]
    if w.size == 0:
        return w, b, start_loss
    limit = max(start_loss, optimum_loss) * PATH_LOSS_LIMIT
    keep = moments.loss(w, b) <= limit if limit > 0 else np.ones(w.size, dtype=bool)
    return w[keep], b[keep], start_loss


def path_arrays(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """The run's path (w, b), starting from its initial values where known."""
    _, weights, biases = run.path.arrays()
    if run.initial is None:
        return weights, biases
    return np.concatenate([[run.initial[0]], weights]), np.concatenate([[run.initial[1]], biases])


def last_finite(run: Run) -> tuple[float, float] | None:
    """The run's latest finite (w, b): its newest point, unless that is not finite (a diverged run)."""
    latest = run.path.latest
    if latest is not None and math.isfinite(latest[1]) and math.isfinite(latest[2]):
        return float(latest[1]), float(latest[2])
    w, b = path_arrays(run)
    finite = np.flatnonzero(np.isfinite(w) & np.isfinite(b))
    return (float(w[finite[-1]]), float(b[finite[-1]])) if finite.size else None


class PositionDots:
    """The shown runs' dots: one round item per dot, moved with setPos, restyled only when its style changes.
    They were one ScatterPlotItem, given all its spots again whenever the live dot moved (every frame while a
    run plays): restyling, bounding and painting it cost about a millisecond a frame."""

    def __init__(self, view_box: pg.ViewBox, z: float) -> None:
        self._view_box, self._z = view_box, z
        self._dots: list[_Dot] = []
        self.data: list[dict[str, Any]] = []  # the spots shown, in order: pos, pen, brush, size (tests read it)

    def setData(self, spots: list[dict[str, Any]]) -> None:
        """Show `spots` (dicts with pos, pen, brush and size in pixels); a later spot is drawn over an earlier."""
        while len(self._dots) < len(spots):
            dot = _Dot()
            self._view_box.addItem(dot, ignoreBounds=True)
            self._dots.append(dot)
        for index, dot in enumerate(self._dots):
            if index < len(spots):
                dot.show_spot(spots[index], self._z + index / 1000)
            else:
                dot.setVisible(False)
        self.data = list(spots)

    def getData(self) -> tuple[np.ndarray, np.ndarray]:
        """The dots' x and y, as a ScatterPlotItem gives them."""
        return (np.array([spot["pos"][0] for spot in self.data], dtype=float),
                np.array([spot["pos"][1] for spot in self.data], dtype=float))


class _Dot(QGraphicsEllipseItem):
    """A round marker of a fixed size in pixels at a point in data coordinates."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._style: tuple[QPen, QBrush, float] | None = None
        self._at: tuple[float, float] | None = None

    def show_spot(self, spot: dict[str, Any], z: float) -> None:
        pen, brush, size = spot["pen"], spot["brush"], float(spot["size"])
        if self._style is None or self._style[0] is not pen or self._style[1] is not brush or self._style[2] != size:
            self._style = (pen, brush, size)
            self.setRect(-size / 2, -size / 2, size, size)
            self.setPen(pen)
            self.setBrush(brush)
        at = (float(spot["pos"][0]), float(spot["pos"][1]))
        if at != self._at:
            self._at = at
            self.setPos(*at)
        if self.zValue() != z:
            self.setZValue(z)
        self.setVisible(True)
