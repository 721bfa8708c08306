"""A scroll area that takes only the height its content needs."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QScrollArea, QSizePolicy, QWidget


class FittingScrollArea(QScrollArea):
    """A frameless scroll area as tall as its content where there is room, shorter (and scrolling) where
    there is not: the space below it is the panel's, not a gap inside the scroll area."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingSettingsScroll")
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the settings, not to the area around them
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setMinimumHeight(90)
        # Never across: focusing a control (Tab) scrolls it into view with a margin, which shifted the whole
        # box a few pixels sideways, and with no horizontal scroll bar there was no way back.
        across = self.horizontalScrollBar()
        across.valueChanged.connect(lambda value: across.setValue(0) if value else None)

    def sizeHint(self) -> QSize:
        content = self.widget()
        return QSize(super().sizeHint().width(), content.sizeHint().height() if content is not None else 0)
