"""The standalone bundle, as a user without Python gets it: built from this checkout by the README's
build command (reused while its inputs are unchanged), then its self-test, a headless training run,
and its window on an X server. Skip locally with -m "not bundle"; CI always runs it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.bundle, pytest.mark.timeout(2400)]  # building the bundle takes minutes
BUNDLE_DIR = ROOT / "dist" / "GradientDescentStudio"
EXECUTABLE = BUNDLE_DIR / "GradientDescentStudio"
STAMP = BUNDLE_DIR / ".source-hash"
INPUTS = ["build.spec", "main.py", "requirements.txt", "requirements-dev.txt", "engine", "cli", "gui", "assets"]


def source_hash() -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def bare_environment(**extra: str) -> dict[str, str]:
    """No virtual environment, no PYTHONPATH: the bundle must bring everything it needs."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not key.startswith("PYTEST")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def bundle() -> Path:
    wanted = source_hash()
    if not (EXECUTABLE.exists() and STAMP.exists() and STAMP.read_text() == wanted):
        completed = subprocess.run(["bash", str(ROOT / "scripts" / "build-bundle.sh")], cwd=ROOT,
                                   capture_output=True, text=True, timeout=1800)
        assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-5000:]
        STAMP.write_text(wanted)
    return EXECUTABLE


def test_bundle_selftest_passes(bundle: Path, tmp_path: Path) -> None:
    completed = subprocess.run([str(bundle), "--selftest"], cwd=tmp_path, env=bare_environment(),
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr[-3000:]
    assert completed.stdout.startswith("selftest passed")


def test_bundle_trains_headless(bundle: Path, tmp_path: Path) -> None:
    completed = subprocess.run([str(bundle), "train", "--json", "--export", str(tmp_path / "m.onnx")],
                               cwd=tmp_path, env=bare_environment(), capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout)
    assert result["weight"] == pytest.approx(1.9814649, abs=1e-6) and (tmp_path / "m.onnx").exists()


def test_bundle_trains_on_a_spreadsheet(bundle: Path, tmp_path: Path) -> None:
    """python-calamine is in the bundle: a sheet is read by name, its columns by header."""
    from tests.spreadsheet_files import write_xlsx

    book = write_xlsx(tmp_path / "book.xlsx", {"Notes": [["hi"]], "Fit": [["x", "name", "y"], [1, "a", 3], [2, "b", 5],
                                                                        [3, "c", None], [4, "d", 9]]})
    completed = subprocess.run([str(bundle), "train", str(book), "--sheet", "Fit", "--y", "y", "--json", "--epochs",
                                "5"], cwd=tmp_path, env=bare_environment(), capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stderr.splitlines()[0] == "skipped 1 row: 4 (y empty)"
    assert json.loads(completed.stdout)["epochs_run"] == 5


def test_bundle_window_trains_on_x(bundle: Path, xvfb, tmp_path: Path) -> None:
    assert xvfb is not None, "Xvfb is not running: scripts/bootstrap.sh installs the xvfb package"
    shot = tmp_path / "bundle-window.png"
    env = bare_environment(QT_QPA_PLATFORM="xcb", DISPLAY=f":{xvfb.display}", GDS_STARTUP_PROBE=str(shot),
                           XDG_CONFIG_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path))
    completed = subprocess.run([str(bundle)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-3000:]
    lines = completed.stdout.splitlines()
    assert any(line.startswith("PAINTED") for line in lines)
    trained = [line.split() for line in lines if line.startswith("TRAINED")]
    assert trained, completed.stdout + completed.stderr[-3000:]
    assert float(trained[0][1]) == pytest.approx(1.9814649, abs=1e-6) and trained[0][3] == "completed"
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    assert image.width() > 600 and image.height() > 400
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    image.save(str(ROOT / "test-artifacts" / "bundle-window.png"))
