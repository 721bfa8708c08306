"""The data plot: the points as a scatter and the current fitted line.

Click empty space to add a point there; drag a point to move it; click a point to select it, then
Delete (or right-click ▸ Delete point) removes it. All edits go to the points model, and the plot
redraws from the model, so the table and the plot always agree.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QMenu, QWidget

from gui import plot_style
from gui.points_model import PointsTableModel


class PassiveScatter(pg.ScatterPlotItem):
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


class DataPlotWidget(pg.PlotWidget):
    pointSelected = Signal(int)

    def __init__(self, model: PointsTableModel, parent: QWidget | None = None) -> None:
        self.view_box = PointsViewBox()
        super().__init__(parent, viewBox=self.view_box)
        self.setObjectName("dataPlot")
        self.setAccessibleName("dataPlot")
        self.setToolTip("Click empty space to add a point, drag a point to move it, select a point and "
                        "press Delete (or right-click it) to remove it. Wheel zooms, dragging the "
                        "background pans; the 'A' button fits the view again.")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.model = model
        self.selected_row: int | None = None
        item = self.getPlotItem()
        item.setLabel("bottom", "x")
        item.setLabel("left", "y")
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setMenuEnabled(True)
        plot_style.cache_axes(item)
        self.scatter = PassiveScatter(size=plot_style.POINT_SIZE, pen=plot_style.POINT_PEN,
                                          brush=plot_style.POINT_BRUSH)
        self.highlight = PassiveScatter(size=plot_style.POINT_SIZE + 4, pen=plot_style.SELECTED_PEN,
                                            brush=plot_style.SELECTED_BRUSH)
        self.fit_line = pg.InfiniteLine(angle=0, pen=plot_style.FIT_PEN, movable=False)
        self.fit_line.setVisible(False)
        self.fit_line.setZValue(-1)
        for graphic in (self.fit_line, self.scatter, self.highlight):
            self.addItem(graphic, ignoreBounds=graphic is not self.scatter)

        self.view_box.emptyClicked.connect(self._add_point)
        self.view_box.pointClicked.connect(self.select_point)
        self.view_box.pointDragged.connect(self._move_point)
        self.view_box.deleteRequested.connect(lambda row: self.model.remove_rows([row]))
        model.pointsChanged.connect(self.refresh_points)
        model.modelReset.connect(self.refresh_points)
        self.refresh_points()

    def refresh_points(self) -> None:
        x, y = self.model.x(), self.model.y()
        self.view_box.points_x, self.view_box.points_y = x, y
        self.scatter.setData(x=x, y=y)
        if self.selected_row is not None and self.selected_row >= x.size:
            self.selected_row = None
        self._refresh_highlight()

    def set_fit(self, weight: float | None, bias: float | None) -> None:
        """Show the line y = weight·x + bias (None hides it)."""
        if weight is None or bias is None or not (math.isfinite(weight) and math.isfinite(bias)):
            self.fit_line.setVisible(False)
            return
        self.fit_line.setPos(QPointF(0.0, bias))
        self.fit_line.setAngle(math.degrees(math.atan(weight)))
        self.fit_line.setVisible(True)

    def select_point(self, row: int | None) -> None:
        self.selected_row = row
        self._refresh_highlight()
        if row is not None:
            self.pointSelected.emit(row)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected_row is not None:
            row, self.selected_row = self.selected_row, None
            self.model.remove_rows([row])
            event.accept()
            return
        super().keyPressEvent(event)

    def view_to_widget(self, x: float, y: float) -> QPointF:
        """Where data coordinates (x, y) are on the viewport: for tests and keyboard control."""
        return QPointF(self.mapFromScene(self.view_box.mapViewToScene(QPointF(x, y))))

    def _add_point(self, x: float, y: float) -> None:
        self.model.add_point(x, y)
        self.select_point(self.model.rowCount() - 1)

    def _move_point(self, row: int, x: float, y: float, drag_id: int) -> None:
        self.model.move_point(row, x, y, drag_id)
        self.select_point(row)

    def _refresh_highlight(self) -> None:
        row = self.selected_row
        if row is None:
            self.highlight.setData(x=[], y=[])
        else:
            self.highlight.setData(x=[self.model.x()[row]], y=[self.model.y()[row]])
