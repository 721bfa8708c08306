"""A ScatterPlotItem that works its bounding rect out once per change, not at every paint.

pyqtgraph's ScatterPlotItem computes its bounding rect in Python on every call (data bounds, then the
pixel size through `pixelVectors`): about 0.1 ms. The scene asks each item for it at every repaint of
its view, so the still scatters of a plot (the points, the items that only give the view its extent, the
landscape's star) cost most of a millisecond a frame while a run plays. Every change that moves the rect
(new data, sizes or pens, a new view transform) replaces the item's `bounds` list, so the rect is kept
for as long as that list is the same object.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF


class SteadyScatter(pg.ScatterPlotItem):
    _rect_bounds: list[object] | None = None
    _rect = QRectF()

    def boundingRect(self) -> QRectF:
        bounds = self.bounds
        if self._rect_bounds is bounds:
            return QRectF(self._rect)
        rect = super().boundingRect()
        if bounds is self.bounds and None not in bounds:  # an empty scatter has no bounds to key on
            self._rect_bounds, self._rect = bounds, QRectF(rect)
        return rect
