"""Paint several plots changed in one frame in one pass of their window.

A QGraphicsScene works out which parts of its views to repaint in a queued call, and at the end of it sends
the window's pending update request at once (QGraphicsViewPrivate::dispatchPendingUpdateRequests), so that
its view is painted without waiting. A window with three plots that all change every frame (a run playing)
was therefore painted, and flushed to the screen, three times a frame: one plot per pass, each pass with its
own overhead, and on X11 its own image sent to the server.

`paint_scenes_together` runs those queued calls now, holds back the update requests they send, and then
posts the window one, first in its queue: every view that changed is painted in that single pass, as soon
as the code that changed them returns to the event loop.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QGraphicsScene, QWidget


class _HeldUpdateRequests(QObject):
    """An event filter that swallows a window's update requests, noting that one came."""

    def __init__(self) -> None:
        super().__init__()
        self.held = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.UpdateRequest:
            self.held = True
            return True
        return False


def paint_scenes_together(window: QWidget, scenes: Iterable[QGraphicsScene]) -> None:
    """Let each scene mark what of its views needs painting, then paint the window once (if anything does).
    Call it after the frame's changes to the scenes' items."""
    held = _HeldUpdateRequests()
    window.installEventFilter(held)
    try:
        for scene in scenes:
            QCoreApplication.sendPostedEvents(scene, QEvent.Type.MetaCall)
    finally:
        window.removeEventFilter(held)
        if held.held:  # the window's repaint manager waits for the request it posted: it gets it here
            QCoreApplication.postEvent(window, QEvent(QEvent.Type.UpdateRequest),
                                       Qt.EventPriority.HighEventPriority.value)
