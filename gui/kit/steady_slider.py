"""A QSlider that repaints only when its handle moves on screen.

The timeline's slider follows a live run: every frame its range grows by the steps that arrived and its value
follows to the end, and QSlider repaints itself (and the bar's backgrounds under it) for each change, about
0.3 ms a frame, though the handle stays at the right end. A change that leaves the handle where it is drawn
(its rectangle, and so the groove's filled part, the same) is not painted again; the handle is looked at
once the caller is done, so a range grown and then the value moved to its end count as one change.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractSlider, QSlider, QStyle, QStyleOptionSlider, QWidget

_MOVES = (QAbstractSlider.SliderChange.SliderRangeChange, QAbstractSlider.SliderChange.SliderValueChange)


class SteadySlider(QSlider):
    def __init__(self, orientation: Qt.Orientation, parent: QWidget | None = None) -> None:
        super().__init__(orientation, parent)
        self._painted_handle: QRect | None = None  # where the last paint drew the handle
        self._check_pending = False

    def handle_rect(self) -> QRect:
        """Where the style draws the handle for the slider's present range and value."""
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        return self.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                           QStyle.SubControl.SC_SliderHandle, self)

    def sliderChange(self, change: QAbstractSlider.SliderChange) -> None:
        """A range or value change is looked at once the caller is done (a grown range, then the value at its
        end): repainted only if the handle moved by then."""
        if change not in _MOVES or self._painted_handle is None:
            super().sliderChange(change)
        elif not self._check_pending:
            self._check_pending = True
            QTimer.singleShot(0, self, self._repaint_if_moved)

    def _repaint_if_moved(self) -> None:
        self._check_pending = False
        if self.handle_rect() != self._painted_handle:
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        self._painted_handle = self.handle_rect()
        super().paintEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._painted_handle = None  # the groove is another length: the next change repaints
        super().resizeEvent(event)
