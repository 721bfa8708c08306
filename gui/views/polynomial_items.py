"""What the data plot draws for a polynomial model: the curve itself, sampled across whatever x range the
view shows (so it stays smooth when zoomed or panned), and the brushes that draw held-out points hollow.

A curve is sampled, never fitted into the view's auto-range: a degree-9 polynomial can reach 1e12 just
outside the points, and the view must keep framing the points, not the curve's tails.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPen

from engine.data.held_out import MAX_DRAWN, held_out_rows
from gui.kit import plot_style

SAMPLES = 600  # across the view: a degree-10 curve looks smooth at any width a screen has
HOLLOW_BRUSH = pg.mkBrush(QColor(0, 0, 0, 0))


def evaluate(coefficients: Sequence[float], x: np.ndarray) -> np.ndarray:
    """The polynomial (constant term first) at x, by Horner's rule (np.polyval takes the highest first)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.polyval(np.asarray(coefficients, dtype=np.float64)[::-1], x)


class PolynomialCurve(pg.PlotDataItem):
    """y = c₀ + c₁·x + … + c_D·x^D over the view's x range; hidden without finite coefficients."""

    def __init__(self, pen: QPen, z: float) -> None:
        super().__init__(pen=pen)
        self.setZValue(z)
        self.setVisible(False)
        self.coefficients: tuple[float, ...] | None = None
        self._x_range: tuple[float, float] = (0.0, 1.0)
        self._drawn: tuple[tuple[float, ...], tuple[float, float]] | None = None
        self._pen_given: QPen = pen  # pyqtgraph keeps a copy: compare with what was handed in, not with it

    def set_coefficients(self, coefficients: Sequence[float] | None, pen: QPen | None = None) -> None:
        finite = coefficients is not None and len(coefficients) > 0 \
            and all(math.isfinite(value) for value in coefficients)
        self.coefficients = tuple(float(value) for value in coefficients) if finite and coefficients else None
        if pen is not None and pen is not self._pen_given:  # setPen repaints: only for another pen
            self._pen_given = pen
            self.setPen(pen)
        self._redraw()

    def set_x_range(self, low: float, high: float) -> None:
        if (low, high) != self._x_range:
            self._x_range = (low, high)
            self._redraw()

    def _redraw(self) -> None:
        if self.coefficients is None:
            self._drawn = None
            self.setVisible(False)
            return
        key = (self.coefficients, self._x_range)
        if key != self._drawn:
            self._drawn = key
            x = np.linspace(self._x_range[0], self._x_range[1], SAMPLES)
            y = evaluate(self.coefficients, x)
            keep = np.isfinite(y)  # far out, a high power overflows: those samples are left out
            self.setData(x[keep], y[keep])
        self.setVisible(True)

    def drawn(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The x and y drawn (tests read them back); None when hidden."""
        if not self.isVisible() or self.xData is None or self.yData is None:
            return None
        return np.asarray(self.xData), np.asarray(self.yData)


def held_out_brushes(count: int, rows: np.ndarray) -> list[QBrush]:
    """One brush per point: the filled marker's, transparent (a hollow ring) for the held-out `rows`."""
    brushes = [plot_style.POINT_BRUSH] * count
    for row in rows.tolist():
        brushes[row] = HOLLOW_BRUSH
    return brushes


def held_out(count: int, fraction: float, seed: int) -> np.ndarray:
    """The rows the run with this split holds out, where they are drawn as markers (none past MAX_DRAWN)."""
    return held_out_rows(count, fraction, seed) if 0 < count <= MAX_DRAWN else np.empty(0, dtype=np.int64)


def dashed(color: QColor, width: float = 1.5) -> QPen:
    return pg.mkPen(color, width=width, style=Qt.PenStyle.DashLine)
