"""The data plot's mouse: a view box where a click on empty space adds a point, a drag moves one, a click
selects one and a right-click offers to delete it; and the scatter that leaves those clicks to it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QMenu

from gui.kit import plot_style
from gui.kit.steady_scatter import SteadyScatter


class PassiveScatter(SteadyScatter):
    """A scatter that leaves clicks to the ViewBox (pyqtgraph's own would swallow clicks on points and
    search them by building one object per point, slow at a million)."""

    def mouseClickEvent(self, ev) -> None:
        ev.ignore()


class PointsViewBox(pg.ViewBox):
    """A ViewBox that turns clicks and drags on the plot into point edits, and leaves pan/zoom to
    pyqtgraph everywhere else."""

    emptyClicked = Signal(float, float)
    pointClicked = Signal(int)
    pointDragged = Signal(int, float, float, int)  # row, x, y, drag id (one id per drag: one undo step)
    deleteRequested = Signal(int)

    def __init__(self) -> None:
        super().__init__(defaultPadding=0.12)
        self.points_x = np.empty(0)
        self.points_y = np.empty(0)
        self._drag_row: int | None = None
        self._drag_count = 0
        self._auto_range_before_drag = False

    def point_at(self, scene_pos: QPointF) -> int | None:
        """The point drawn under a scene position (within a few pixels), nearest first."""
        if self.points_x.size == 0:
            return None
        view = self.mapSceneToView(scene_pos)
        pixel_w, pixel_h = self.viewPixelSize()
        if pixel_w <= 0 or pixel_h <= 0:
            return None
        dx = (self.points_x - view.x()) / pixel_w
        dy = (self.points_y - view.y()) / pixel_h
        distance = dx * dx + dy * dy
        nearest = int(np.argmin(distance))
        return nearest if distance[nearest] <= plot_style.HIT_RADIUS_PX**2 else None

    def mouseClickEvent(self, ev) -> None:
        row = self.point_at(ev.scenePos())
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            if row is None:
                view = self.mapSceneToView(ev.scenePos())
                self.emptyClicked.emit(view.x(), view.y())
            else:
                self.pointClicked.emit(row)
        elif ev.button() == Qt.MouseButton.RightButton and row is not None:
            ev.accept()
            self.pointClicked.emit(row)
            menu = QMenu()
            delete = menu.addAction(f"Delete point {row + 1}")
            if menu.exec(ev.screenPos().toPoint()) is delete:
                self.deleteRequested.emit(row)
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        if ev.isStart():
            self._drag_row = self.point_at(ev.buttonDownScenePos())
            if self._drag_row is not None:
                self._drag_count += 1
                self._auto_range_before_drag = any(self.autoRangeEnabled())
                self.disableAutoRange()  # the axes must hold still under the cursor
        if self._drag_row is None:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        view = self.mapSceneToView(ev.scenePos())
        self.pointDragged.emit(self._drag_row, view.x(), view.y(), self._drag_count)
        if ev.isFinish():
            self._drag_row = None
            if self._auto_range_before_drag:
                self.enableAutoRange()
