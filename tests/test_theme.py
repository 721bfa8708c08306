"""View ▸ Theme: System, Light and Dark. A switch recolours the window and the live plots (background,
axes, their text, the ghost line, the landscape's shading), the choice is remembered and applied at start,
and screenshots of both themes at two sizes are saved to be looked at."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from gui.kit import plot_style, plot_theme
from gui.session.app_settings import AppSettings
from tests.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def themed_window(make_window):
    """A window whose theme goes back to System (the platform's) at the end, so no later test sees dark."""
    window = make_window()
    yield window
    window.theme.set_theme("system")


def plot_looks(window) -> dict[str, object]:
    """What a person sees of the plots' colours, read back from the pyqtgraph items."""
    data_item = window.data_plot.getPlotItem()
    left = data_item.getAxis("left")
    loss_axis = window.loss_plot.plot.getPlotItem().getAxis("bottom")
    return {
        "data background": window.data_plot.backgroundBrush().color().name(),
        "landscape background": window.landscape.plot.backgroundBrush().color().name(),
        "loss background": window.loss_plot.plot.backgroundBrush().color().name(),
        "axis pen": left.pen().color().name(),
        "axis text": left.textPen().color().name(),
        "axis title": left.labelStyle.get("color"),
        "loss axis pen": loss_axis.pen().color().name(),
        "ghost": window.data_plot.ghost_line.pen.color().lightnessF(),
        "gradient arrow": window.landscape.step_overlay.gradient.line.pen().color().lightnessF(),
        "star outline": window.landscape.optimum_marker.opts["pen"].color().lightnessF(),
        "landscape valley": int(window.landscape.image.lut[0][0]),
        "window": QApplication.palette().color(QPalette.ColorRole.Window).lightness(),
    }


def test_theme_menu_is_an_exclusive_group_of_three(themed_window) -> None:
    theme = themed_window.theme
    names = [action.objectName() for action in themed_window.menus.theme_menu.actions()]
    assert names == ["themeSystemAction", "themeLightAction", "themeDarkAction"]
    assert theme.group.isExclusive() and all(action.isCheckable() for action in theme.actions.values())
    assert theme.actions["system"].isChecked() and theme.theme() == "system"  # a first run follows the desktop


def test_dark_and_light_restyle_the_live_plots_and_are_remembered(qtbot, themed_window, settings) -> None:
    window = themed_window
    window.data_plot.set_ghost(2.0, 0.0)
    window.theme.actions["light"].trigger()
    light = plot_looks(window)
    assert light["data background"] == light["landscape background"] == light["loss background"] == "#ffffff"
    assert QColor(light["axis pen"]).lightness() < 100 and light["ghost"] < 0.5 and light["gradient arrow"] < 0.5

    window.theme.actions["dark"].trigger()
    dark = plot_looks(window)
    assert window.theme.is_dark() and window.theme.actions["dark"].isChecked()
    for key in ("data background", "landscape background", "loss background"):
        assert QColor(dark[key]).lightness() < 50, key  # every plot, not only new ones
    for key in ("axis pen", "axis text", "axis title", "loss axis pen"):
        assert QColor(dark[key]).lightness() > 180, key  # light axes, ticks and titles on the dark plots
    assert dark["ghost"] > 0.5 and dark["gradient arrow"] > 0.5 and dark["star outline"] > 0.5  # light inks
    assert dark["landscape valley"] < light["landscape valley"]  # the shading darkens with the background
    assert dark["window"] < 100  # the widgets' palette too
    assert settings.value("view/theme") == "dark"
    assert AppSettings(settings).theme() == "dark"

    # A plot made while dark (a new run's curve) is dark too, and pens drawn later are the theme's.
    assert QColor(pg.getConfigOption("background")).lightness() < 50
    assert plot_style.GHOST_PEN.color().lightnessF() > 0.5

    window.theme.actions["light"].trigger()
    assert plot_looks(window) == light  # everything back exactly
    assert settings.value("view/theme") == "light"


def test_the_remembered_theme_is_applied_at_start(qtbot, make_window, settings) -> None:
    AppSettings(settings).save_theme("dark")
    window = make_window()
    try:
        assert window.theme.theme() == "dark" and window.theme.actions["dark"].isChecked()
        looks = plot_looks(window)
        assert QColor(looks["data background"]).lightness() < 50 and looks["ghost"] > 0.5
    finally:
        window.theme.set_theme("system")
    settings.setValue("view/theme", "purple")
    assert AppSettings(settings).theme() == "system"  # a damaged value is ignored


def test_system_follows_the_desktops_colour_scheme(qtbot, themed_window, monkeypatch) -> None:
    """On System the window follows the style hints' colour scheme and its change signal."""
    window = themed_window
    hints = QGuiApplication.styleHints()
    scheme = {"now": Qt.ColorScheme.Light}
    monkeypatch.setattr(type(hints), "colorScheme", lambda _self: scheme["now"])
    window.theme.actions["system"].trigger()
    assert not window.theme.is_dark()
    scheme["now"] = Qt.ColorScheme.Dark
    with qtbot.waitSignal(window.theme.themeChanged, timeout=1000) as changed:
        window.theme._on_color_scheme_changed(Qt.ColorScheme.Dark)  # what colorSchemeChanged calls
    assert changed.args == [True]
    assert QColor(plot_looks(window)["data background"]).lightness() < 50
    scheme["now"] = Qt.ColorScheme.Light
    window.theme._on_color_scheme_changed(Qt.ColorScheme.Light)
    assert plot_looks(window)["data background"] == "#ffffff"


def test_a_theme_change_during_presentation_mode_ends_with_normal_lines(qtbot, themed_window) -> None:
    window = themed_window
    width = window.data_plot.ghost_line.pen.widthF()
    window.menus.presentation.trigger()
    qtbot.waitUntil(window.isFullScreen)
    window.theme.actions["dark"].trigger()
    assert window.data_plot.ghost_line.pen.widthF() > width
    window.menus.presentation.trigger()
    qtbot.waitUntil(lambda: not window.isFullScreen())
    assert window.data_plot.ghost_line.pen.widthF() == width
    assert window.data_plot.ghost_line.pen.color().lightnessF() > 0.5


def test_ink_mirroring_keeps_colours_and_is_idempotent() -> None:
    red = QColor("#d62728")
    assert plot_theme.themed_ink(red, True) == red  # a run's or the fit's colour reads the same in both
    grey = QColor(90, 90, 90, 150)
    dark = plot_theme.themed_ink(grey, True)
    assert dark.lightnessF() > 0.5 and dark.alpha() == 150
    assert plot_theme.themed_ink(dark, True) == dark  # already right: left alone
    assert abs(plot_theme.themed_ink(dark, False).lightnessF() - grey.lightnessF()) < 0.01


def test_density_shading_follows_the_theme(qtbot, themed_window) -> None:
    density = themed_window.data_plot.density
    themed_window.theme.actions["light"].trigger()
    light = np.array(density.image.lut)
    themed_window.theme.actions["dark"].trigger()
    dark = np.array(density.image.lut)
    assert light[1, :3].sum() > light[-1, :3].sum()  # light theme: few points light, many dark
    assert dark[1, :3].sum() < dark[-1, :3].sum()  # dark theme: the other way round
    assert light[0, 3] == dark[0, 3] == 0  # empty cells stay transparent


def test_screenshots_in_light_and_dark(qtbot, themed_window) -> None:
    """Saved under test-artifacts/ to be looked at: the whole window after a run, in both themes."""
    window = themed_window
    ARTIFACTS.mkdir(exist_ok=True)
    with qtbot.waitSignal(window.trainingFinished, timeout=60_000):
        window.training.start_training()
    window.data_plot.set_ghost(2.0, 0.0)
    for name in ("light", "dark"):
        window.theme.actions[name].trigger()
        for width, height in ((1280, 800), (1024, 768)):
            window.resize(width, height)
            qtbot.wait(50)
            image = window.grab().toImage()
            assert image.width() == width and image.height() == height
            assert image.save(str(ARTIFACTS / f"theme-{name}-{width}x{height}.png"))
            centre = image.pixelColor(window.data_plot.mapTo(window, window.data_plot.rect().center()))
            assert (centre.lightness() < 80) == (name == "dark")  # the data plot's background, as drawn
