"""A visible focus frame for the plots: a pyqtgraph view takes the keyboard focus (Tab, a click) but draws
nothing to say so. The frame is a see-through overlay drawn over the view's edge while it has the focus:
a style-sheet border would shrink the viewport, and pyqtgraph sizes its scene to the whole widget, so
the axis labels at the edges were cut by the border's width. The plot never moves by a pixel."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QGraphicsView, QWidget

FRAME_WIDTH_PX = 2


class FocusFrame(QWidget):
    """Shown over `view` only while it has the focus (hidden, it costs nothing while a run plays)."""

    def __init__(self, view: QGraphicsView) -> None:
        super().__init__(view)
        self.setObjectName("focusFrame")
        self.view = view
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setGeometry(view.rect())
        self.setVisible(view.hasFocus())
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view:
            kind = event.type()
            if kind == QEvent.Type.Resize:
                self.setGeometry(self.view.rect())
            elif kind in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
                self.setVisible(self.view.hasFocus())
                self.raise_()
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        pen = QPen(self.palette().color(self.palette().ColorRole.Highlight), FRAME_WIDTH_PX)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        half = FRAME_WIDTH_PX / 2
        painter.drawRect(self.rect().toRectF().adjusted(half, half, -half, -half))
        painter.end()


def show_focus_frame(view: QGraphicsView) -> FocusFrame:
    """Draw a highlight-coloured frame round `view` while it has the focus (the palette's colour, so a dark
    theme gets its own)."""
    return FocusFrame(view)
