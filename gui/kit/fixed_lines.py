"""A label that keeps the height of a fixed number of lines, whatever its text: hints and figures that
change (wrap to more lines or fewer) never move the controls below or above them. The height follows the
label's font (presentation mode enlarges it)."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class FixedLinesLabel(QLabel):
    def __init__(self, text: str, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.lines = lines
        self.setWordWrap(True)
        # Ignored across: a long text wraps instead of widening the panel (each resize re-lays out the window).
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._reserve()

    def _reserve(self) -> None:
        margins = self.contentsMargins()
        self.setFixedHeight(self.fontMetrics().lineSpacing() * self.lines + margins.top() + margins.bottom())

    def hasHeightForWidth(self) -> bool:
        """Never: the height is fixed, and a wrapping label's height-for-width made the panel ask for the
        height of its whole content (so a scroll area around it scrolled instead of shrinking the settings)."""
        return False

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._reserve()
        super().changeEvent(event)
