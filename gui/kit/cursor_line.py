"""A vertical line that moves along x every frame without working its bounds out again.

pyqtgraph's InfiniteLine forgets its bounding rect on every setPos and computes it again in Python (the
view's rect mapped into the line's coordinates, the pixel size across it): about a tenth of a millisecond,
which the loss plot's step cursor paid every frame while a run played. A vertical line moved sideways keeps
the same rect in its own coordinates (its length along the view's y range, its width a few pixels), so the
rect is kept; a change of the view, the pen or the span still makes pyqtgraph compute it again.
"""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph import Point


class CursorLine(pg.InfiniteLine):
    """A vertical, unbounded InfiniteLine (angle 90, no maxRange); `setPos` takes an x value."""

    def __init__(self, **options: object) -> None:
        super().__init__(angle=90, **options)

    def setPos(self, pos: object) -> None:
        if not isinstance(pos, (int, float)) or self.angle != 90 or self.maxRange != [None, None]:
            super().setPos(pos)
            return
        x = float(pos)
        if self.getPos() == [x, 0]:
            return
        self.p = [x, 0]
        pg.GraphicsObject.setPos(self, Point(x, 0.0))
        self.sigPositionChanged.emit(self)
