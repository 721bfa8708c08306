"""A visible focus frame for the plots: a pyqtgraph view takes the keyboard focus (Tab, a click) but draws
nothing to say so. The frame's room is always reserved (transparent without focus), so gaining the focus
never shifts the plot by a pixel."""

from __future__ import annotations

from PySide6.QtWidgets import QGraphicsView

FRAME_WIDTH_PX = 2
FOCUS_FRAME_STYLE = (f"QGraphicsView {{ border: {FRAME_WIDTH_PX}px solid transparent; }}"
                     f"QGraphicsView:focus {{ border: {FRAME_WIDTH_PX}px solid palette(highlight); }}")


def show_focus_frame(view: QGraphicsView) -> None:
    """Draw a highlight-coloured frame round `view` while it has the focus (the palette's, so a dark theme
    gets its own colour)."""
    view.setStyleSheet(FOCUS_FRAME_STYLE)
