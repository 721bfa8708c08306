"""View ▸ Theme: System (follow the desktop's colour scheme, and its changes), Light or Dark; remembered.

The window's colours come from Qt: the choice is passed to the style hints' colour scheme, which the
platform theme honours where it can (Windows, macOS, GNOME and KDE through their portals). Where it
cannot (a bare X11 or Wayland session, offscreen) the colour scheme stays Unknown and the app palette is
set here instead. The plots are not widgets Qt recolours: gui/kit/plot_theme restyles every live plot."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu

from gui.kit import plot_theme
from gui.session.app_settings import THEMES, AppSettings

_ACTIONS = {"system": ("&System", "themeSystemAction", "Follow the desktop's light or dark colour scheme"),
            "light": ("&Light", "themeLightAction", "Dark text on light backgrounds, whatever the desktop uses"),
            "dark": ("&Dark", "themeDarkAction", "Light text on dark backgrounds, whatever the desktop uses")}
_REQUESTS = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}


_DARK_COLOURS = {"Window": "#2d2e32", "WindowText": "#e2e2e2", "Base": "#1e1f22", "AlternateBase": "#26272b",
                 "ToolTipBase": "#3c3e42", "ToolTipText": "#e2e2e2", "PlaceholderText": "#808080", "Text": "#e2e2e2",
                 "Button": "#2d2e32", "ButtonText": "#e2e2e2", "BrightText": "#ff5a5a", "Light": "#46484d",
                 "Midlight": "#3a3c40", "Mid": "#28292d", "Dark": "#141416", "Shadow": "#000000",
                 "Highlight": "#2a82da", "HighlightedText": "#ffffff", "Link": "#6eaaff", "LinkVisited": "#b48cff"}


def dark_palette() -> QPalette:
    """A dark palette for the platforms whose theme cannot switch to dark itself."""
    palette = QPalette()
    for role, colour in _DARK_COLOURS.items():
        palette.setColor(getattr(QPalette.ColorRole, role), QColor(colour))
    for role in ("WindowText", "Text", "ButtonText"):
        palette.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role), QColor("#808080"))
    return palette


def _is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


class ThemeSwitcher(QObject):
    """Fills View ▸ Theme, applies the remembered choice at once and follows the desktop while on System."""

    themeChanged = Signal(bool)  # whether the window is dark now

    def __init__(self, window: QMainWindow, menu: QMenu, settings: AppSettings) -> None:
        super().__init__(window)
        self.window, self.settings = window, settings
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.actions: dict[str, QAction] = {}
        for name in THEMES:
            text, object_name, tip = _ACTIONS[name]
            action = QAction(text, window)
            action.setObjectName(object_name)
            action.setCheckable(True)
            action.setToolTip(tip)
            action.triggered.connect(lambda _checked=False, name=name: self.set_theme(name))
            self.group.addAction(action)
            menu.addAction(action)
            self.actions[name] = action
        self._choice = "system"
        self._dark: bool | None = None
        self._applying = False
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_color_scheme_changed)
        self.apply(settings.theme())

    def theme(self) -> str:
        """The choice: "system", "light" or "dark"."""
        return self._choice

    def is_dark(self) -> bool:
        """Whether the window is dark now (on System, whether the desktop is)."""
        return bool(self._dark)

    def set_theme(self, name: str) -> None:
        """The user's choice: applied and remembered."""
        self.settings.save_theme(name)
        self.apply(name)

    def apply(self, name: str) -> None:
        if name not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, not {name!r}")
        self._choice = name
        self.actions[name].setChecked(True)
        hints = QGuiApplication.styleHints()
        request = _REQUESTS.get(name)
        self._applying = True  # a request the platform honours says so through colorSchemeChanged: once is enough
        try:
            if request is None:
                hints.unsetColorScheme()
            else:
                hints.setColorScheme(request)
        finally:
            self._applying = False
        self._restyle()

    @Slot(Qt.ColorScheme)
    def _on_color_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        """The desktop switched (or a request of ours took effect): follow it."""
        if not self._applying:
            self._restyle()

    def _effective_dark(self) -> bool:
        scheme = QGuiApplication.styleHints().colorScheme()
        if self._choice != "system":
            return self._choice == "dark"
        if scheme != Qt.ColorScheme.Unknown:
            return scheme == Qt.ColorScheme.Dark
        return _is_dark(QApplication.palette())  # on System the app palette is the platform's

    def _restyle(self) -> None:
        if QApplication.palette().resolveMask() != 0:
            QApplication.setPalette(QPalette())  # back to the platform's (an empty palette resets it)
        dark = self._effective_dark()
        if self._choice != "system" and _is_dark(QApplication.palette()) != dark:
            # The platform could not switch: our palette (Fusion's light one when the desktop is dark).
            QApplication.setPalette(dark_palette() if dark else QApplication.style().standardPalette())
        was_dark = plot_theme.current().dark
        plot_theme.set_theme(dark)
        if dark or was_dark or self._dark is not None:  # a new window's plots are light already (~5 ms saved)
            for view in self.window.findChildren(pg.GraphicsView):
                plot_theme.apply(view)
        if dark != self._dark:
            self._dark = dark
            self.themeChanged.emit(dark)
