"""Colours, pens and brushes for the plots, built once (pyqtgraph redraws faster with shared pens)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

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


def cache_axes(plot_item: pg.PlotItem) -> None:
    """Let Qt keep each axis as a pixmap until its range changes: replaying the tick labels costs
    several milliseconds a frame otherwise, paid on every redraw of a streaming plot."""
    from PySide6.QtWidgets import QGraphicsItem

    for name in ("left", "bottom"):
        plot_item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    # A fixed width: otherwise a longer tick label ("0.001" after "10") widens the axis and re-lays out
    # the whole plot, invalidating every cached item.
    plot_item.getAxis("left").setWidth(LEFT_AXIS_WIDTH)


_run_pens: dict[tuple[str, bool], pg.QtGui.QPen] = {}


def run_pen(color: QColor, *, current: bool) -> pg.QtGui.QPen:
    """A run's curve and path: its own colour; the latest run bold, earlier runs thin and faded."""
    key = (color.name(), current)
    if key not in _run_pens:
        shade = QColor(color)
        shade.setAlpha(255 if current else 130)
        _run_pens[key] = pg.mkPen(shade, width=2 if current else 1)
    return _run_pens[key]
