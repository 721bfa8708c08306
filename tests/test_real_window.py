"""A real window on a real (virtual) X server: the platform plugin loads with the libraries the set-up
script installs, a real mouse click (xdotool) on Train trains, and a screenshot shows the result."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.seed_script import plain_seed_loop

ARTIFACTS = ROOT / "test-artifacts"


@pytest.mark.xvfb
def test_real_window_trains_on_a_real_click_and_takes_a_screenshot(xvfb, tmp_path: Path) -> None:
    assert xvfb is not None, "Xvfb is not running: scripts/bootstrap.sh installs the xvfb package"
    xdotool = shutil.which("xdotool")
    assert xdotool, "xdotool is missing: scripts/bootstrap.sh installs it"
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": f":{xvfb.display}"}
    driver = subprocess.Popen([sys.executable, "-m", "tests.real_window_driver", str(tmp_path)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = driver.stdout.readline()
        assert line.startswith("READY"), f"the window did not come up: {line!r} {driver.stderr.read()[-3000:]}"
        _, x, y = line.split()
        subprocess.run([xdotool, "mousemove", x, y, "click", "1"], env=env, check=True, timeout=30)
        driver.wait(timeout=120)
    finally:
        if driver.poll() is None:
            driver.kill()
    stderr = driver.stderr.read()
    assert driver.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr
    result = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    weight, bias, _ = plain_seed_loop([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])
    assert abs(result["weight"] - weight) <= 1e-6 and abs(result["bias"] - bias) <= 1e-6

    from PySide6.QtGui import QImage

    screenshot = tmp_path / "screenshot.png"
    image = QImage(str(screenshot))
    assert image.width() >= 1280 and image.height() >= 800
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 23)}
    assert len(colours) > 20, "the screenshot is blank"
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(screenshot, ARTIFACTS / "real-window.png")
