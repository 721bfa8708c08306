"""The Help menu: a first-run guide, the keyboard shortcuts (read from the window's own actions, so the
list cannot go stale), the desktop launcher on Linux, and About with the version."""

from __future__ import annotations

import html
import sys
from pathlib import Path

import shiboken6
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
)

import engine
from engine.files.desktop_entry import DesktopLauncher, LauncherError, LauncherPaths, data_home, launch_command
from gui.kit.busy_cursor import busy_cursor

ROOT = Path(__file__).resolve().parents[2]  # the checkout, or the bundle's folder that holds assets/
ASSETS = ROOT / "assets"
MAIN_SCRIPT = ROOT / "main.py"


def is_linux() -> bool:
    return sys.platform.startswith("linux")


def about_text() -> str:
    return (f"<h3>Gradient Descent Studio {html.escape(engine.__version__)}</h3>"
            "<p>Fit <i>y = w·x + b</i> to your points with real PyTorch and watch gradient descent work.</p>"
            "<p>With its defaults it computes exactly what the classic PyTorch example computes: "
            "<code>nn.Linear(1, 1)</code>, <code>nn.MSELoss()</code>, <code>optim.SGD(lr=0.01)</code>, "
            "1000 epochs.</p>")


def plain_text(action: QAction) -> str:
    """An action's text as read, without its mnemonic ampersand."""
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")


def shortcut_text(action: QAction) -> str:
    return ", ".join(key.toString(QKeySequence.SequenceFormat.NativeText) for key in action.shortcuts()
                     if not key.isEmpty())


def window_shortcuts(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(menu path, action, shortcut) for every action of `window` with a shortcut: the menus' in menu order,
    then any other (a window-wide key with no menu item) under "Window"."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{path} ▸ {plain_text(action)}")  # type: ignore[arg-type]
            elif not action.isSeparator() and id(action) not in seen and shortcut_text(action):
                seen.add(id(action))
                rows.append((path, plain_text(action), shortcut_text(action)))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), plain_text(top))  # type: ignore[arg-type]
    for action in window.findChildren(QAction):
        if id(action) not in seen and shortcut_text(action) and action.text():
            seen.add(id(action))
            rows.append(("Window", plain_text(action), shortcut_text(action)))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        rows = window_shortcuts(window)
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Shortcut", "Action", "Menu"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, (menu, action, keys) in enumerate(rows):
            for column, text in enumerate((keys, action.rstrip("…"), menu)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 520)

    def rows(self) -> list[tuple[str, str, str]]:
        """(shortcut, action, menu) as listed (tests read them back)."""
        def text(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        return [(text(row, 0), text(row, 1), text(row, 2)) for row in range(self.table.rowCount())]


def getting_started_html(keys: dict[str, str]) -> str:
    """The first run, step by step; `keys` names the shortcuts of Start, Step, Continue and Save as the
    window has them now."""
    def key(name: str) -> str:
        return f" ({html.escape(keys[name])})" if keys.get(name) else ""

    return f"""<h3>Your first run</h3>
<ol>
<li><b>Points.</b> The window opens with four points on y = 2x. Type numbers into the table, or click empty
space on the data plot to add a point there; drag a point to move it, select it and press Delete to remove
it. <i>Edit ▸ Generate points…</i> makes noisy data from a line; <i>File</i> imports a CSV file.</li>
<li><b>Train.</b> Pick the optimizer, learning rate and epochs in the panel on the right and press
<b>Train</b>{key("start")}. The panel warns before a learning rate that would diverge.</li>
<li><b>Watch.</b> The loss curve grows, the fitted line moves toward the points and a path crosses the loss
landscape toward the star, the exact least-squares answer (the dashed ghost line on the data plot). The
<b>Pace</b> box sets how many steps a second you see.</li>
<li><b>Step through.</b> <b>Step</b>{key("step")} takes one optimizer step and stops; <b>Continue</b>{key("continue")}
trains on. Drag the timeline under the plots to any step: the step details explain its gradient and update,
and two arrows on the landscape show it.</li>
<li><b>Compare.</b> <i>Train ▸ Race optimizers</i> trains SGD, momentum and Adam side by side; the Runs
table keeps every run.</li>
<li><b>Export.</b> <i>File ▸ Export model</i> writes the trained model (.pt, .pt2, .onnx, .json) or a Python
script that repeats the run; <i>File ▸ Export plot</i> saves a plot or an animation; <i>File ▸ Save</i>
{key("save")} keeps points, settings and runs in a .gdsproj project.</li>
</ol>
<p><i>Help ▸ Keyboard shortcuts</i> lists every key.</p>"""


class HelpMenu:
    """Fills `menu`; the shortcuts named in the guide come from the window's actions passed in `keys`."""

    def __init__(self, window: QMainWindow, menu: QMenu, keys: dict[str, QAction]) -> None:
        self.window, self.keys = window, keys
        self.last_dialog: QDialog | None = None  # the latest dialog opened (tests read it)
        self.getting_started = self._add(menu, "&Getting started", self.show_getting_started, "gettingStartedAction")
        self.getting_started.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.shortcuts = self._add(menu, "&Keyboard shortcuts", self.show_shortcuts, "shortcutsAction")
        menu.addSeparator()
        self.install_launcher = self._add(menu, "&Install desktop launcher", self.install_desktop_launcher,
                                          "installLauncherAction")
        self.install_launcher.setToolTip("Put the app in the desktop's menu and open .gdsproj projects with it "
                                         "on double-click (your user only)")
        self.uninstall_launcher = self._add(menu, "&Uninstall desktop launcher", self.uninstall_desktop_launcher,
                                            "uninstallLauncherAction")
        for action in (self.install_launcher, self.uninstall_launcher):
            action.setVisible(is_linux())  # .desktop files and XDG folders are Linux desktops' way
        menu.aboutToShow.connect(self._update_launcher_actions)
        menu.addSeparator()
        self.about = self._add(menu, "&About", self.show_about, "aboutAction")

    def _add(self, menu: QMenu, text: str, slot, name: str) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def launcher(self) -> DesktopLauncher:
        return DesktopLauncher(LauncherPaths(data_home()), ASSETS / "icon.png", ASSETS / "icon.svg")

    def _update_launcher_actions(self) -> None:
        if is_linux():
            self.uninstall_launcher.setEnabled(self.launcher().is_installed())

    # --- dialogs -----------------------------------------------------------------------------------
    def show_about(self) -> None:
        QMessageBox.about(self.window, "About Gradient Descent Studio", about_text())

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self.window)  # built from the actions as they are now
        self._open(dialog)
        return dialog

    def show_getting_started(self) -> QDialog:
        dialog = QDialog(self.window)
        dialog.setObjectName("gettingStartedDialog")
        dialog.setWindowTitle("Getting started")
        browser = QTextBrowser(dialog)
        browser.setObjectName("gettingStartedText")
        browser.setOpenExternalLinks(True)
        browser.setHtml(getting_started_html({name: shortcut_text(action) for name, action in self.keys.items()}))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(browser)
        layout.addWidget(buttons)
        dialog.resize(600, 520)
        self._open(dialog)
        return dialog

    def _open(self, dialog: QDialog) -> None:
        """Show `dialog` (closing the one before, if still open); it is deleted once closed."""
        previous, self.last_dialog = self.last_dialog, dialog
        if previous is not None and shiboken6.isValid(previous):
            previous.close()
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    # --- the desktop launcher (Linux) --------------------------------------------------------------
    def install_desktop_launcher(self) -> None:
        launcher = self.launcher()
        try:
            with busy_cursor():  # the desktop's cache tools take a moment
                report = launcher.install(launch_command(MAIN_SCRIPT), engine.__version__)
        except LauncherError as error:
            self._report(QMessageBox.Icon.Warning, "Desktop launcher not installed", str(error))
            return
        self._report(QMessageBox.Icon.Information, "Desktop launcher installed",
                     "Gradient Descent Studio is in your desktop's menu, and .gdsproj projects open with it.\n\n"
                     + report.summary("Wrote"))

    def uninstall_desktop_launcher(self) -> None:
        try:
            with busy_cursor():
                report = self.launcher().uninstall()
        except LauncherError as error:
            self._report(QMessageBox.Icon.Warning, "Desktop launcher not removed", str(error))
            return
        if not report.files:
            self._report(QMessageBox.Icon.Information, "No desktop launcher", "No launcher of this app was installed.")
            return
        self._report(QMessageBox.Icon.Information, "Desktop launcher removed", report.summary("Removed"))

    def _report(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("launcherReport")
        self._open(box)
