"""Presentation mode, for a projector: larger text in every panel and on every plot, lines 2.5 times as wide,
the docks hidden and the window full screen. Turning it off puts back exactly what it changed: each font,
pen, axis size, dock and the window's state and geometry.

It works on any window by walking its widgets and its plots' graphics items, so the views need not know
about it; gui/kit/plot_style's line scale makes curves created while it is on thick as well."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyqtgraph as pg
from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, Qt
from PySide6.QtGui import QAction, QFont, QPen
from PySide6.QtWidgets import QDockWidget, QGraphicsLineItem, QGraphicsTextItem, QMainWindow, QWidget

from gui.kit import plot_style
from gui.kit.fast_curve import FastCurve

FONT_SCALE = 1.5
LINE_SCALE = 2.5
_POINT_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*pt\s*$")


@dataclass
class _Saved:
    """What presentation mode changed, as it was before."""

    geometry: QByteArray
    normal_geometry: QRect
    state: Qt.WindowState
    window_font: QFont
    window_font_set: bool
    fonts: list[tuple[QWidget, QFont]] = field(default_factory=list)
    docks: list[tuple[QDockWidget, bool]] = field(default_factory=list)  # (dock, was hidden)
    pens: list[tuple[pg.GraphicsObject, QPen, QPen]] = field(default_factory=list)  # (item, before, set)
    axes: list[tuple[pg.AxisItem, QFont | None, int | None, int | None]] = field(default_factory=list)
    texts: list[tuple[QGraphicsTextItem, QFont]] = field(default_factory=list)
    legends: list[tuple[pg.LegendItem, str]] = field(default_factory=list)


class Presentation(QObject):
    """Drives `action` (checkable) and follows it: checked is presentation mode on."""

    def __init__(self, window: QMainWindow, action: QAction) -> None:
        super().__init__(window)
        self.window, self.action = window, action
        self._saved: _Saved | None = None
        action.toggled.connect(self.set_active)
        window.installEventFilter(self)

    def is_active(self) -> bool:
        return self._saved is not None

    def set_active(self, active: bool) -> None:
        if active != self.is_active():
            self._enter() if active else self._leave()
        if self.action.isChecked() != active:
            self.action.setChecked(active)  # re-enters set_active, which then has nothing to do

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Leave before the window closes, so it remembers its own geometry rather than the screen's."""
        if watched is self.window and event.type() == QEvent.Type.Close and self.is_active():
            self.set_active(False)
        return False

    # --- on ----------------------------------------------------------------------------------------
    def _enter(self) -> None:
        window = self.window
        saved = _Saved(window.saveGeometry(), window.geometry(), window.windowState(), QFont(window.font()),
                       window.testAttribute(Qt.WidgetAttribute.WA_SetFont))
        self._saved = saved
        # Children with a font of their own (a bold equation, a small hint) do not follow the window's.
        saved.fonts = [(child, QFont(child.font())) for child in window.findChildren(QWidget)
                       if child.testAttribute(Qt.WidgetAttribute.WA_SetFont)]
        window.setFont(_scaled_font(window.font(), FONT_SCALE))
        for child, font in saved.fonts:
            child.setFont(_scaled_font(font, FONT_SCALE))
        plot_style.set_line_scale(LINE_SCALE)
        for view in window.findChildren(pg.GraphicsView):
            self._scale_plot(view, saved)
        for dock in window.findChildren(QDockWidget):
            saved.docks.append((dock, dock.isHidden()))
            dock.hide()
        window.showFullScreen()

    def _scale_plot(self, view: pg.GraphicsView, saved: _Saved) -> None:
        """Wider pens, larger tick labels, titles and legend text (the widget font is already scaled)."""
        for item in view.scene().items():
            pen = _pen_of(item)
            if pen is not None:
                wide = plot_style.scaled_pen(pen, LINE_SCALE)
                saved.pens.append((item, QPen(pen), wide))
                _set_pen(item, wide)
            elif isinstance(item, pg.AxisItem):
                saved.axes.append((item, item.style["tickFont"], item.fixedWidth, item.fixedHeight))
                tick_font = item.style["tickFont"]
                item.setTickFont(QFont(view.font()) if tick_font is None else _scaled_font(tick_font, FONT_SCALE))
                _resize_axis(item, item.fixedWidth and round(item.fixedWidth * FONT_SCALE),
                             item.fixedHeight and round(item.fixedHeight * FONT_SCALE))
            elif isinstance(item, pg.LegendItem):
                size = str(item.opts["labelTextSize"])
                match = _POINT_SIZE.match(size)
                if match:
                    saved.legends.append((item, size))
                    item.setLabelTextSize(f"{float(match.group(1)) * FONT_SCALE:g}pt")
        for item in view.scene().items():  # axis titles: after the axes, which re-lay them out
            if isinstance(item, QGraphicsTextItem):
                saved.texts.append((item, QFont(item.font())))
                item.setFont(_scaled_font(item.font(), FONT_SCALE))
                _relayout_parent_axis(item)

    # --- off ---------------------------------------------------------------------------------------
    def _leave(self) -> None:
        saved, window = self._saved, self.window
        assert saved is not None
        self._saved = None
        plot_style.set_line_scale(1.0)
        ours = {id(item): (before, wide) for item, before, wide in saved.pens}
        for view in window.findChildren(pg.GraphicsView):
            for item in view.scene().items():
                pen = _pen_of(item)
                if pen is None:
                    continue
                record = ours.get(id(item))
                if record is not None and _same_line(pen, record[1]):
                    _set_pen(item, record[0])
                elif (base := plot_style.base_width(pen)) is not None:  # made or restyled while it was on
                    narrow = QPen(pen)
                    narrow.setWidthF(base)
                    _set_pen(item, narrow)
        for axis, tick_font, width, height in saved.axes:
            axis.setTickFont(tick_font)
            _resize_axis(axis, width, height)
        for legend, size in saved.legends:
            legend.setLabelTextSize(size)
        for text, font in saved.texts:
            text.setFont(font)
            _relayout_parent_axis(text)
        window.setFont(saved.window_font if saved.window_font_set else QFont())
        for child, font in saved.fonts:
            child.setFont(font)
        for dock, hidden in saved.docks:
            dock.setHidden(hidden)
        if saved.state & Qt.WindowState.WindowFullScreen:
            window.showFullScreen()
        elif saved.state & Qt.WindowState.WindowMaximized:
            window.restoreGeometry(saved.geometry)
            window.showMaximized()
        else:  # setGeometry, not restoreGeometry: that one shrinks a window larger than its screen
            window.showNormal()
            window.setGeometry(saved.normal_geometry)


def _scaled_font(font: QFont, scale: float) -> QFont:
    scaled = QFont(font)
    if font.pointSizeF() > 0:
        scaled.setPointSizeF(font.pointSizeF() * scale)
    elif font.pixelSize() > 0:
        scaled.setPixelSize(round(font.pixelSize() * scale))
    return scaled


def _pen_of(item: object) -> QPen | None:
    """The line pen of the items that draw lines (a curve inside a PlotDataItem follows its parent's)."""
    if isinstance(item, pg.PlotCurveItem) and isinstance(item.parentItem(), pg.PlotDataItem):
        return None
    if isinstance(item, (pg.PlotDataItem, pg.PlotCurveItem, pg.ArrowItem, FastCurve)):
        pen = item.opts.get("pen")
    elif isinstance(item, pg.InfiniteLine):
        pen = item.pen
    elif isinstance(item, QGraphicsLineItem):  # the landscape's step arrows
        pen = item.pen()
    else:
        return None
    return pen if isinstance(pen, QPen) else None


def _same_line(a: QPen, b: QPen) -> bool:
    """Equal but for the join style, which pyqtgraph's InfiniteLine sets on its own pen as it paints."""
    a = QPen(a)
    a.setJoinStyle(b.joinStyle())
    return a == b


def _set_pen(item: object, pen: QPen) -> None:
    if isinstance(item, pg.ArrowItem):
        item.setStyle(pen=pen)
    elif isinstance(item, QGraphicsLineItem):  # a step arrow's `set_pen` restyles its legend swatch too
        getattr(item, "set_pen", item.setPen)(pen)
    elif isinstance(item, (pg.PlotDataItem, pg.PlotCurveItem, pg.InfiniteLine, FastCurve)):
        item.setPen(pen)


def _resize_axis(axis: pg.AxisItem, width: int | None, height: int | None) -> None:
    if axis.orientation in ("left", "right"):
        axis.setWidth(width)
    else:
        axis.setHeight(height)


def _relayout_parent_axis(text: QGraphicsTextItem) -> None:
    """An axis places its title by the title's size: tell it the size changed."""
    axis = text.parentItem()
    if isinstance(axis, pg.AxisItem):
        axis.showLabel(text.isVisible())
        axis.resizeEvent()
