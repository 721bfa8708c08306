"""The window fits its screen: at a scale factor of 1.5 the 1400×900 default (or a size saved on a bigger
screen) is 2100×1350 device pixels, and Train and the Result were off a 1600×1000 screen."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

DEFAULT_SIZE = QSize(1400, 900)
# Room for the window manager's frame and title bar, unknown until the window is shown.
FRAME_ALLOWANCE = QSize(16, 48)


def available_area(window: QWidget) -> QRect:
    """The part of the window's screen (the primary one before it is shown) free of panels and docks."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_to_screen(window: QWidget) -> None:
    """Shrink the window to its screen's free area (less the frame) and move it inside, centred when it
    has to move. Never grows it: a small window stays small."""
    area = available_area(window)
    frame = window.frameGeometry()
    extra = (QSize(frame.width() - window.width(), frame.height() - window.height())
             if window.isVisible() and frame.width() > window.width() else FRAME_ALLOWANCE)
    room = QSize(max(area.width() - extra.width(), 1), max(area.height() - extra.height(), 1))
    size = window.size().boundedTo(room)
    if size != window.size():
        window.resize(size)
    outer = QRect(window.pos(), size + extra)
    if not area.contains(outer):
        centre = area.center() - QRect(0, 0, outer.width(), outer.height()).center()
        window.move(max(centre.x(), area.left()), max(centre.y(), area.top()))
