"""A label that keeps the height of a fixed number of lines, whatever its text: hints and figures that
change (wrap to more lines or fewer) never move the controls below or above them. The height follows the
label's font (presentation mode enlarges it).

A text that needs more lines than that at the label's width (a narrow window) shows its first lines whole
and ends the last one with "…", instead of QLabel's centred clip that cut its top and bottom lines in half;
the tooltip, where the caller sets one, and `text()` keep the whole text."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QTextLayout
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class FixedLinesLabel(QLabel):
    def __init__(self, text: str, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.lines = lines
        self._fitted: tuple[tuple[str, int, str], list[str] | None] | None = None
        self.setTextFormat(Qt.TextFormat.PlainText)  # figures and names shown as they are, never as markup
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

    def shown_lines(self) -> list[str] | None:
        """The lines painted when the text needs more than `lines` lines at the current width (the last one
        ends with "…"); None when it fits and QLabel paints it as ever."""
        width = self._text_rect().width()
        key = (self.text(), width, self.font().key())
        if self._fitted is None or self._fitted[0] != key:
            self._fitted = (key, self._fit(width))
        return self._fitted[1]

    def paintEvent(self, event: QPaintEvent) -> None:
        shown = self.shown_lines()
        if shown is None:
            super().paintEvent(event)
            return
        painter = QPainter(self)
        rect = self._text_rect()
        spacing = self.fontMetrics().lineSpacing()
        for index, line in enumerate(shown):
            line_rect = QRect(rect.left(), rect.top() + index * spacing, rect.width(), spacing)
            self.style().drawItemText(painter, line_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                                      self.palette(), self.isEnabled(), line, self.foregroundRole())

    def _text_rect(self) -> QRect:
        margin = self.margin()
        return self.contentsRect().adjusted(margin, margin, -margin, -margin)

    def _fit(self, width: int) -> list[str] | None:
        text = self.text()
        if width <= 0 or not text:
            return None
        layout = QTextLayout(text.replace("\n", "\u2028"), self.font())  # U+2028: QTextLayout's line break
        starts: list[int] = []
        layout.beginLayout()
        while len(starts) <= self.lines:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            starts.append(line.textStart())
        layout.endLayout()
        if len(starts) <= self.lines:
            return None
        starts = _code_point_indices(text, starts)
        whole = [text[start:end].rstrip() for start, end in pairwise(starts[:self.lines])]
        # The rest on one line, its own line breaks shown as " · ", cut with "…" where it runs over.
        rest = " · ".join(" ".join(part.split()) for part in text[starts[self.lines - 1]:].split("\n")
                          if part.strip())
        return [*whole, self.fontMetrics().elidedText(rest, Qt.TextElideMode.ElideRight, width)]


def _code_point_indices(text: str, utf16_indices: list[int]) -> list[int]:
    """Qt's indices into `text` count UTF-16 units; Python's count code points (they differ after an emoji)."""
    if all(ord(char) <= 0xFFFF for char in text):
        return utf16_indices
    unit_ends = [0]
    for char in text:
        unit_ends.append(unit_ends[-1] + (2 if ord(char) > 0xFFFF else 1))
    index_of = {units: index for index, units in enumerate(unit_ends)}
    return [index_of[units] for units in utf16_indices]
