"""Shared fixtures. Qt runs offscreen unless a test starts a real X server itself."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    # A desktop-sized screen: the offscreen platform's own is 800×800, and the window fits itself to its screen.
    _SCREEN = Path(tempfile.mkdtemp(prefix="gds-tests-screen-")) / "screen.json"
    _SCREEN.write_text('{"screens": [{"name": "desktop", "x": 0, "y": 0, "width": 1920, "height": 1200, '
                       '"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}', encoding="utf-8")
    atexit.register(shutil.rmtree, _SCREEN.parent, ignore_errors=True)
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"
# Recovery copies never go to the user's data folder, not even from an app a test starts in a subprocess.
os.environ["GDS_RECOVERY_DIR"] = tempfile.mkdtemp(prefix="gds-tests-recovery-")
atexit.register(shutil.rmtree, os.environ["GDS_RECOVERY_DIR"], ignore_errors=True)

ROOT = Path(__file__).resolve().parent.parent


def run_python(*args: str, cwd: Path = ROOT, timeout: float = 120,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the venv's Python in a fresh process (as a user or a script would)."""
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)


@pytest.fixture
def seed_csv(tmp_path: Path) -> Path:
    path = tmp_path / "seed.csv"
    path.write_text("x,y\n1,2\n2,4\n3,6\n4,8\n", encoding="utf-8")
    return path


@pytest.fixture
def settings(tmp_path_factory: pytest.TempPathFactory):
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("settings")  # outside tmp_path: tests that list it see only their files
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    # Windows in tests train as fast as the machine goes: the first-run pace (250 steps/s, so a person can
    # watch) would make every long test run take minutes. Tests of the pace remove this value first.
    settings.setValue("training/pace", "0.0")
    return settings


@pytest.fixture
def recovery_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the windows of this test keep recovery copies: its own folder, so none sees another's."""
    folder = tmp_path / "recovery"
    monkeypatch.setenv("GDS_RECOVERY_DIR", str(folder))
    return folder


@pytest.fixture
def make_window(qtbot, settings, recovery_folder):
    """Build MainWindows that remember nothing of earlier tests; each is closed at the end, and the
    test fails if its training thread is still alive (a dangling QThread)."""
    from gui.shell.main_window import MainWindow

    windows: list[MainWindow] = []

    def make(*, detect_devices: bool = False, show: bool = True) -> MainWindow:
        window = MainWindow(settings, detect_devices=detect_devices)
        if show:
            window.show()
            qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.files.confirm_discard = lambda: True  # type: ignore[method-assign]  # no "save changes?" at teardown
        window.close()
        assert not window.runner.is_alive(), "the training process or its reader thread outlived the window"
        window.deleteLater()
    qtbot.wait(10)  # let deleteLater run


@pytest.fixture
def window(make_window):
    return make_window()
