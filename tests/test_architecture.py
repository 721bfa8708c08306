"""Rules the codebase keeps: the engine runs with torch alone (no Qt), lint and types stay clean,
and the Qt binding has no reference-counting bug."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_python

VENV_BIN = Path(sys.executable).parent


def test_engine_and_cli_import_without_qt() -> None:
    script = ("import sys, engine.training.trainer, engine.files.model_export, engine.data.csv_io, "
              "engine.training.devices, engine.process.training_server, cli.commands, cli.selftest; "
              "bad = [m for m in sys.modules if m.split('.')[0] in "
              "('PySide6', 'shiboken6', 'pyqtgraph', 'gui')]; print(bad); sys.exit(bool(bad))")
    completed = run_python("-c", script)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("tool", [["ruff", "check", "."], ["lint-imports"], ["mypy"]])
def test_code_quality_tools_pass(tool: list[str]) -> None:
    executable = shutil.which(tool[0], path=str(VENV_BIN))
    assert executable, f"{tool[0]} is not installed in the virtual environment"
    completed = subprocess.run([executable, *tool[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]


def test_qt_binding_keeps_none_alive() -> None:
    """PySide6 6.12.0 drops a reference to None on every void call; Python 3.11 then aborts with
    "none_dealloc" after a few hundred pyqtgraph repaints. A bump that brings that back fails here."""
    from PySide6.QtCore import QObject

    before = sys.getrefcount(None)
    for _ in range(1000):
        QObject().setObjectName("a")
    after = sys.getrefcount(None)
    assert after >= before - 10, f"refcount of None fell by {before - after} over 1000 Qt calls"
