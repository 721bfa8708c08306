"""Light and dark plots: the background, the axes, their text and grid, the legends, the images' shading
and the grey "ink" lines (the ghost line, the crosshair, the gradient arrow, the cursor) for either.

Restyling walks a plot's graphics items, as presentation mode does, so the views need not know about it.
Grey inks are mirrored in lightness (dark grey on white becomes light grey on near-black); coloured lines
(the runs' colours, the fit's red, the points' blue) keep their colour, so a run reads the same in both.
The rule is per target: a grey already right for the theme is left alone, so restyling twice is harmless.
An image that has two lookup tables (`set_lookup_tables`) switches to the one for the theme."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsLineItem

from gui.kit import plot_style
from gui.kit.fast_curve import FastCurve

NEUTRAL_SATURATION = 0.2  # at most this saturated, a colour is a grey ink that the theme mirrors
_TABLES_ATTRIBUTE = "_theme_lookup_tables"


@dataclass(frozen=True)
class PlotPalette:
    name: str
    dark: bool
    background: QColor
    foreground: QColor  # axes, ticks, tick labels, axis titles, legend text; the grid is this, faint


LIGHT = PlotPalette("light", False, QColor("#ffffff"), QColor("#333333"))
DARK = PlotPalette("dark", True, QColor("#1c1d20"), QColor("#d4d4d4"))
_current = LIGHT
# The shared pens and brushes of plot_style that are grey inks, with their light-theme colours.
_SHARED_INKS: tuple[tuple[QPen, QColor], ...] = tuple(
    (pen, QColor(pen.color())) for pen in (plot_style.GHOST_PEN, plot_style.CROSSHAIR_PEN, plot_style.OPTIMUM_PEN))


def current() -> PlotPalette:
    return _current


def palette_for(dark: bool) -> PlotPalette:
    return DARK if dark else LIGHT


def themed_ink(color: QColor, dark: bool) -> QColor:
    """`color` as it should be on a `dark` (or light) plot: a grey with the wrong lightness for the theme
    mirrored (L → 1 − L, alpha kept), anything else as it is."""
    if color.hslSaturationF() > NEUTRAL_SATURATION:
        return QColor(color)
    lightness = color.lightnessF()
    if (dark and lightness < 0.5) or (not dark and lightness > 0.5):
        return QColor.fromHslF(max(color.hslHueF(), 0.0), color.hslSaturationF(), 1.0 - lightness, color.alphaF())
    return QColor(color)


def set_lookup_tables(image: pg.ImageItem, light: np.ndarray, dark: np.ndarray) -> None:
    """Give `image` a shading per theme; it shows the current theme's now and follows `apply`."""
    setattr(image, _TABLES_ATTRIBUTE, (light, dark))
    image.setLookupTable(dark if _current.dark else light)


def set_theme(dark: bool) -> PlotPalette:
    """New plots and the shared pens follow the theme from now on; `apply` restyles plots already made."""
    global _current
    _current = palette_for(dark)
    pg.setConfigOptions(background=_current.background, foreground=_current.foreground)
    for pen, light_colour in _SHARED_INKS:
        pen.setColor(themed_ink(light_colour, dark))
    return _current


def apply(view: pg.GraphicsView, palette: PlotPalette | None = None) -> None:
    """Restyle a live plot (a PlotWidget or any GraphicsView) and every item on it for `palette`."""
    palette = palette or _current
    view.setBackground(palette.background)
    for item in view.scene().items():
        if isinstance(item, pg.AxisItem):
            item.setPen(palette.foreground)
            item.setTextPen(palette.foreground)
            item.update()
        elif isinstance(item, pg.LegendItem):
            item.setLabelTextColor(palette.foreground)
            for _sample, label in item.items:
                label.setText(label.text)  # the colour is read when the text is set
            item.update()
        elif isinstance(item, pg.ImageItem):
            tables = getattr(item, _TABLES_ATTRIBUTE, None)
            if tables is not None:
                item.setLookupTable(tables[1] if palette.dark else tables[0])
        else:
            _restyle_ink(item, palette.dark)


def _restyle_ink(item: object, dark: bool) -> None:
    """A line's grey pen (and an arrow head's grey fill) mirrored for the theme."""
    if isinstance(item, pg.PlotCurveItem) and isinstance(item.parentItem(), pg.PlotDataItem):
        return  # drawn with its parent's pen, restyled through the parent
    if isinstance(item, (pg.PlotDataItem, pg.PlotCurveItem, FastCurve)):
        pen = item.opts.get("pen")
        if isinstance(pen, QPen) and (themed := _themed_pen(pen, dark)) is not None:
            item.setPen(themed)
    elif isinstance(item, pg.ArrowItem):
        pen, brush = item.opts.get("pen"), item.opts.get("brush")
        style: dict[str, object] = {}
        if isinstance(pen, QPen) and (themed := _themed_pen(pen, dark)) is not None:
            style["pen"] = themed
        if isinstance(brush, QBrush) and (colour := themed_ink(brush.color(), dark)) != brush.color():
            style["brush"] = QBrush(colour)
        if style:
            item.setStyle(**style)
    elif isinstance(item, (pg.InfiniteLine, pg.TargetItem)) and (themed := _themed_pen(item.pen, dark)) is not None:
        item.setPen(themed)
    elif isinstance(item, pg.ScatterPlotItem):
        pen = item.opts.get("pen")
        if isinstance(pen, QPen) and (themed := _themed_pen(pen, dark)) is not None:
            item.setPen(themed)
    elif isinstance(item, (QGraphicsLineItem, QGraphicsEllipseItem)) and \
            (themed := _themed_pen(item.pen(), dark)) is not None:
        getattr(item, "set_pen", item.setPen)(themed)  # a step arrow's set_pen restyles its legend swatch


def _themed_pen(pen: QPen, dark: bool) -> QPen | None:
    """A copy of `pen` in the theme's ink, or None when it is already right (nothing to repaint)."""
    colour = themed_ink(pen.color(), dark)
    if colour == pen.color():
        return None
    return plot_style.recoloured_pen(pen, colour)


def density_tables() -> tuple[np.ndarray, np.ndarray]:
    """The density image's shading: empty cells transparent; light to dark blue on white, and dark to
    light blue on the dark theme (denser is always the stronger contrast)."""
    table = pg.colormap.get("CET-L12").getLookupTable(nPts=255, alpha=True)  # white → dark blue
    dark = table[::-1][np.linspace(70, 254, 255).astype(int)]  # mid blue → white
    transparent = np.array([[0, 0, 0, 0]])
    return (np.vstack([transparent, table]).astype(np.ubyte), np.vstack([transparent, dark]).astype(np.ubyte))
