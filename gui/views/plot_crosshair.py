"""Points placed without a mouse: the arrow keys move a crosshair over the data plot (Shift for small
steps), Enter adds a point there, Delete removes the point under it (or the selected one), Escape hides it."""

from __future__ import annotations

from typing import Protocol

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeyEvent

from gui.kit import plot_style
from gui.views.points_view_box import PointsViewBox

CROSSHAIR_STEPS = 40  # arrow-key steps across the visible range; Shift divides each by 10
_ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, 1), Qt.Key.Key_Down: (0, -1)}


class CrosshairTarget(Protocol):
    """What the crosshair edits: the plot's points."""

    selected_row: int | None

    def select_point(self, row: int | None) -> None: ...

    def add_point_at(self, x: float, y: float) -> None: ...

    def remove_row(self, row: int) -> None: ...


class KeyboardCrosshair:
    def __init__(self, view_box: PointsViewBox, target: CrosshairTarget) -> None:
        self.view_box = view_box
        self.target = target
        self.item = pg.TargetItem(size=14, pen=plot_style.CROSSHAIR_PEN, movable=False)
        self.item.setVisible(False)

    def handle(self, event: QKeyEvent) -> bool:
        """Act on `event` if it is one of the crosshair's keys; False leaves it to the plot."""
        key = event.key()
        step = _ARROWS.get(Qt.Key(key))
        if step is not None:
            self.move(*step, fine=bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.item.isVisible():
            position = self.item.pos()
            self.target.add_point_at(position.x(), position.y())
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and (row := self._row_to_delete()) is not None:
            self.target.selected_row = None
            self.target.remove_row(row)
        elif key == Qt.Key.Key_Escape and self.item.isVisible():
            self.item.setVisible(False)
        else:
            return False
        return True

    def move(self, dx: int, dy: int, *, fine: bool = False) -> None:
        """Show the crosshair (at the view's centre the first time) and move it by steps of the view."""
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        if not self.item.isVisible():
            self.item.setPos(QPointF((x0 + x1) / 2, (y0 + y1) / 2))
            self.item.setVisible(True)
            dx = dy = 0
        steps = CROSSHAIR_STEPS * (10 if fine else 1)
        position = self.item.pos()
        x = min(max(position.x() + dx * (x1 - x0) / steps, x0), x1)
        y = min(max(position.y() + dy * (y1 - y0) / steps, y0), y1)
        self.item.setPos(QPointF(x, y))
        under = self._point_under()
        if under is not None:
            self.target.select_point(under)

    def hide(self) -> None:
        self.item.setVisible(False)

    def _point_under(self) -> int | None:
        return self.view_box.point_at(self.view_box.mapViewToScene(self.item.pos()))

    def _row_to_delete(self) -> int | None:
        if self.item.isVisible():
            under = self._point_under()
            if under is not None:
                return under
        return self.target.selected_row
