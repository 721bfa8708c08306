"""Colours, pens and brushes for the plots, built once (pyqtgraph redraws faster with shared pens)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor

pg.setConfigOptions(antialias=True, background="w", foreground="#333")

POINT_BRUSH = pg.mkBrush("#1f77b4")
POINT_PEN = pg.mkPen("#0b3c5d", width=1)
SELECTED_BRUSH = pg.mkBrush("#ff7f0e")
SELECTED_PEN = pg.mkPen("#a04c00", width=2)
FIT_PEN = pg.mkPen("#d62728", width=2)
LOSS_PEN = pg.mkPen("#2ca02c", width=2)
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


def faded_pen(index: int) -> pg.QtGui.QPen:
    """Earlier runs in the loss plot: grey-blue, fainter the older they are."""
    color = QColor("#6b7b8c")
    color.setAlpha(max(40, 140 - 15 * index))
    return pg.mkPen(color, width=1)
