"""Help: About names the version pyproject.toml declares, the shortcuts dialog lists the keys the window
really has, the guide walks through a first run with the window's own keys, and the launcher items are
there on Linux only."""

from __future__ import annotations

import sys
import tomllib

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMessageBox, QTextBrowser

import engine
from gui.shell.help_menu import about_text
from tests.conftest import ROOT


def help_titles(window) -> list[str]:
    menu = next(action.menu() for action in window.menuBar().actions() if action.text() == "&Help")
    return [action.text() for action in menu.actions() if not action.isSeparator() and action.isVisible()]


def test_about_shows_the_version_of_pyproject() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    assert engine.__version__ == declared
    assert f"Gradient Descent Studio {declared}" in about_text()


def test_help_menu_items(window) -> None:
    titles = help_titles(window)
    assert titles[:2] == ["&Getting started", "&Keyboard shortcuts"] and titles[-1] == "&About"
    launcher_items = {"&Install desktop launcher", "&Uninstall desktop launcher"}
    assert launcher_items <= set(titles) if sys.platform.startswith("linux") else not launcher_items & set(titles)


def test_shortcuts_dialog_lists_the_windows_real_actions(qtbot, window) -> None:
    dialog = window.menus.help.show_shortcuts()
    qtbot.waitExposed(dialog)
    assert dialog.objectName() == "shortcutsDialog"
    rows = dialog.rows()
    native = QKeySequence.SequenceFormat.NativeText
    step_keys = window.menus.step.shortcut().toString(native)
    assert step_keys == QKeySequence("Ctrl+Right").toString(native)
    assert (step_keys, "Step", "Train") in rows
    assert (QKeySequence("F11").toString(native) + ", " + QKeySequence("Ctrl+Shift+P").toString(native),
            "Presentation mode", "View") in rows
    assert any(action == "Undo" and menu == "Edit" for _keys, action, menu in rows)
    # Every action of the window with a shortcut is listed, and nothing else.
    listed = {(action, keys) for keys, action, _menu in rows}
    expected = {(action.text().replace("&", "").rstrip("…"),
                 ", ".join(key.toString(native) for key in action.shortcuts()))
                for action in window.findChildren(QAction) if action.shortcuts()}
    assert listed == expected
    assert len(rows) >= 15

    # A shortcut changed after the window was built shows up the next time: it is read, not written down.
    window.menus.step.setShortcut(QKeySequence("Ctrl+Alt+S"))
    again = window.menus.help.show_shortcuts()
    assert (QKeySequence("Ctrl+Alt+S").toString(native), "Step", "Train") in again.rows()
    assert not dialog.isVisible()  # the earlier one was closed, not stacked
    again.close()


def test_getting_started_walks_through_a_first_run_with_the_real_keys(qtbot, window) -> None:
    dialog = window.menus.help.show_getting_started()
    qtbot.waitExposed(dialog)
    assert isinstance(dialog, QDialog) and dialog.objectName() == "gettingStartedDialog"
    text = dialog.findChild(QTextBrowser, "gettingStartedText").toPlainText()
    native = QKeySequence.SequenceFormat.NativeText
    for words in ("Points", "Train", "Watch", "Step", "Export", window.menus.step.shortcut().toString(native),
                  window.menus.start.shortcut().toString(native)):
        assert words in text
    dialog.close()


def test_help_dialogs_open_again_after_one_is_closed(qtbot, window) -> None:
    """A closed dialog is deleted: opening the next one must not touch it."""
    for _ in range(2):
        shortcuts = window.menus.help.show_shortcuts()
        shortcuts.reject()
        qtbot.wait(20)  # deleteLater runs
        guide = window.menus.help.show_getting_started()
        assert guide.isVisible()
        guide.reject()
        qtbot.wait(20)
    again = window.menus.help.show_shortcuts()
    assert again.isVisible() and window.menus.help.last_dialog is again
    again.reject()


def test_about_box_opens_with_the_version(qtbot, window, monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", lambda _parent, _title, text: shown.append(text))
    about = next(action for action in window.findChildren(type(window.menus.step)) if action.objectName() ==
                 "aboutAction")
    about.trigger()
    assert shown and engine.__version__ in shown[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the launcher items are Linux-only")
def test_launcher_items_install_and_remove_under_xdg_data_home(qtbot, window, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr("shutil.which", lambda _name: None)  # never the real desktop's caches from a test
    help_menu = window.menus.help
    help_menu.install_launcher.trigger()
    box = help_menu.last_dialog
    assert isinstance(box, QMessageBox) and box.windowTitle() == "Desktop launcher installed"
    entry = tmp_path / "data" / "applications" / "gradient-descent-studio.desktop"
    assert entry.is_file() and str(entry) in box.text()
    assert "Not installed (skipped): update-desktop-database, update-mime-database, xdg-mime" in box.text()
    help_menu._update_launcher_actions()
    assert help_menu.uninstall_launcher.isEnabled()

    help_menu.uninstall_launcher.trigger()
    assert help_menu.last_dialog.windowTitle() == "Desktop launcher removed"
    assert not entry.exists() and not any(path.is_file() for path in (tmp_path / "data").rglob("*"))
    help_menu._update_launcher_actions()
    assert not help_menu.uninstall_launcher.isEnabled()
    help_menu.last_dialog.close()
