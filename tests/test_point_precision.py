"""Points placed with the mouse or generated carry the precision the view can show, and the table shows
them whole (no "2.501392857…" cut off)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.data.point_generator import GeneratorSpec, generate_points, round_to_spread
from gui.kit.pixel_rounding import decimals_for, round_to_pixel
from tests.test_gui_points import click_plot


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _shown_whole(table, row: int, column: int) -> bool:
    text = table.model().index(row, column).data()
    return table.fontMetrics().horizontalAdvance(text) + 8 <= table.columnWidth(column)


@pytest.mark.parametrize(("span", "target"), [(1.0, (2.3456789, 6.5432198)), (1000.0, (412.3456789, -305.4321987)),
                                              (0.001, (2.3456789, 6.5432198))])
def test_a_click_is_rounded_to_the_pixel_and_the_table_shows_it_whole(qtbot, window, span: float, target) -> None:
    """The data plot zoomed so that x spans about `span` around the target: the clicked point has the
    decimals one pixel resolves, lies within a pixel of where the click landed, and the cell shows it."""
    plot = window.data_plot
    tx, ty = target
    plot.view_box.setRange(xRange=(tx - span / 2, tx + span / 2), yRange=(ty - span / 2, ty + span / 2), padding=0)
    qtbot.wait(20)
    pixel_w, pixel_h = plot.view_box.viewPixelSize()
    click_plot(qtbot, window, tx, ty)
    row = window.model.rowCount() - 1
    assert row == 4, "the click added a point"
    x, y = float(window.model.x()[row]), float(window.model.y()[row])
    assert abs(x - tx) <= 1.5 * pixel_w and abs(y - ty) <= 1.5 * pixel_h
    for column, value, pixel in ((0, x, pixel_w), (1, y, pixel_h)):
        text = window.table.model().index(row, column).data()
        assert float(text) == value and _decimals(text) <= decimals_for(pixel), (text, pixel)
        assert _shown_whole(window.table, row, column), text
        assert "…" not in text


def test_the_crosshair_and_a_drag_round_too(qtbot, window) -> None:
    plot = window.data_plot
    plot.setFocus(Qt.FocusReason.TabFocusReason)
    plot.move_crosshair(1, 1)  # shows it at the view's centre
    plot.move_crosshair(1, 1)
    qtbot.keyClick(plot, Qt.Key.Key_Return)
    pixel_w, pixel_h = plot.view_box.viewPixelSize()
    x, y = float(window.model.x()[-1]), float(window.model.y()[-1])
    assert x == round_to_pixel(x, pixel_w) and y == round_to_pixel(y, pixel_h)
    assert _decimals(repr(x)) <= decimals_for(pixel_w)


def test_pixel_decimals_resolve_one_pixel() -> None:
    for pixel in (0.0123, 0.5, 1.0, 7.0, 3e-5, 0.1):
        decimals = decimals_for(pixel)
        assert 10.0 ** -decimals <= pixel or decimals == 0, pixel
        assert decimals == 0 or 10.0 ** -(decimals - 1) > pixel, "no more decimals than needed"
    assert decimals_for(math.nan) == 15 and decimals_for(0.0) == 15


def test_generated_points_have_four_significant_digits_of_their_spread(window) -> None:
    spec = GeneratorSpec(count=300, slope=-3.3, intercept=2, noise=0.7, x_min=-1, x_max=9, outliers=3, seed=4)
    points = generate_points(spec)
    assert max(_decimals(repr(float(v))) for v in points.x) <= 3  # a spread of 10: 0.001 resolves 4 digits
    assert max(_decimals(repr(float(v))) for v in points.y) <= 3
    assert points.x.min() >= -1 and points.x.max() <= 9
    window.files.generate_points(spec)
    for row in range(0, 300, 37):
        assert _shown_whole(window.table, row, 0) and _shown_whole(window.table, row, 1)
    tiny = round_to_spread(np.array([1000.0001234, 1000.0009876]))
    assert tiny[0] != tiny[1] and _decimals(repr(float(tiny[0]))) <= 7
