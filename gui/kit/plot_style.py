"""Colours, pens and brushes for the plots, built once (pyqtgraph redraws faster with shared pens).

Line pens follow a line scale (presentation mode sets 2.5 for a projector): the shared pens are rescaled in
place and `run_pen` builds scaled pens, so a curve made while the scale is on is thick too, and
`base_width` tells which width a scaled pen had before, so the scale can be undone on any item."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

pg.setConfigOptions(antialias=True, background="w", foreground="#333")

POINT_BRUSH = pg.mkBrush("#1f77b4")
POINT_PEN = pg.mkPen("#0b3c5d", width=1)
SELECTED_BRUSH = pg.mkBrush("#ff7f0e")
SELECTED_PEN = pg.mkPen("#a04c00", width=2)
FIT_PEN = pg.mkPen("#d62728", width=2)
GHOST_PEN = pg.mkPen(QColor(90, 90, 90, 150), width=2, style=Qt.PenStyle.DashLine)  # the exact least-squares line
RESIDUAL_PEN = pg.mkPen(QColor(214, 39, 40, 200), width=1.5, style=Qt.PenStyle.DashLine)
OPTIMUM_BRUSH = pg.mkBrush("#ffffff")
OPTIMUM_PEN = pg.mkPen("#000000", width=1.5)
CROSSHAIR_PEN = pg.mkPen(QColor(0, 0, 0, 140), width=1, style=Qt.PenStyle.DotLine)
POINT_SIZE = 9
HIT_RADIUS_PX = 8
LEFT_AXIS_WIDTH = 64

LINE_PENS = (FIT_PEN, GHOST_PEN, RESIDUAL_PEN, CROSSHAIR_PEN)  # the shared pens that draw lines
_LINE_BASES = tuple((pen, pen.widthF()) for pen in LINE_PENS)
_PenKey = tuple[int, int, float]  # colour (rgba), style, width
_scaled_bases: dict[_PenKey, float] = {}  # every scaled pen handed out → its width at scale 1
_line_scale = 1.0


def line_scale() -> float:
    return _line_scale


def set_line_scale(scale: float) -> None:
    """Lines drawn `scale` times as wide from now on (1.0 = normal); the shared pens change in place."""
    global _line_scale
    if not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"line scale must be a positive number, not {scale!r}")
    _line_scale = scale
    for pen, base in _LINE_BASES:
        pen.setWidthF(_remember(pen, base, scale).widthF())


def scaled_pen(pen: QPen, scale: float | None = None) -> QPen:
    """A copy of `pen` `scale` times as wide (the current line scale by default); a hairline counts as 1 px."""
    return _remember(QPen(pen), pen.widthF(), _line_scale if scale is None else scale)


def base_width(pen: QPen) -> float | None:
    """The width `pen` had before a line scale widened it, or None for a pen this module never scaled."""
    return _scaled_bases.get(_key(pen))


def recoloured_pen(pen: QPen, color: QColor) -> QPen:
    """A copy of `pen` in `color` that keeps what `base_width` knows of it (a theme change while
    presentation mode is on must not leave the line wide when it ends)."""
    recoloured = QPen(pen)
    recoloured.setColor(color)
    base = base_width(pen)
    if base is not None:
        _scaled_bases[_key(recoloured)] = base
    return recoloured


def _remember(pen: QPen, base: float, scale: float) -> QPen:
    pen.setWidthF(max(base, 1.0) * scale if scale != 1.0 else base)
    if scale != 1.0:
        _scaled_bases[_key(pen)] = base
    return pen


def _key(pen: QPen) -> _PenKey:
    return pen.color().rgba(), int(pen.style().value), round(pen.widthF(), 6)


def cache_axes(plot_item: pg.PlotItem) -> None:
    """Let Qt keep each axis as a pixmap until its range changes: replaying the tick labels costs
    several milliseconds a frame otherwise, paid on every redraw of a streaming plot."""
    from PySide6.QtWidgets import QGraphicsItem

    for name in ("left", "bottom"):
        plot_item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    # A fixed width: otherwise a longer tick label ("0.001" after "10") widens the axis and re-lays out
    # the whole plot, invalidating every cached item.
    plot_item.getAxis("left").setWidth(LEFT_AXIS_WIDTH)


_run_pens: dict[tuple[int, bool, float], QPen] = {}


FADED_ALPHA = 90


def run_pen(color: QColor, *, current: bool) -> pg.QtGui.QPen:
    """A run's curve and path: its own colour; the latest (or selected) run opaque, earlier runs faded. One
    pixel wide: a wider antialiased line must be stroked, and a 4,000-point loss curve then took 3–5 ms to
    paint, every frame while a run plays (1 px: under 0.1 ms)."""
    key = (color.rgb(), current, _line_scale)
    if key not in _run_pens:
        shade = QColor(color)
        shade.setAlpha(255 if current else FADED_ALPHA)
        _run_pens[key] = _remember(pg.mkPen(shade), 1, _line_scale)
    return _run_pens[key]


_shared_pens: dict[tuple[str, float, Qt.PenStyle], QPen] = {}


def shared_pen(color: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    """A pen per colour, width and style, built once (pyqtgraph draws faster with shared pens, and an item
    handed the same pen again skips its repaint)."""
    key = (color.name(QColor.NameFormat.HexArgb), width, style)
    if key not in _shared_pens:
        _shared_pens[key] = pg.mkPen(color, width=width, style=style)
    return _shared_pens[key]
