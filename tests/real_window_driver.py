"""Opens the real app window on an X server, waits for a real click on Train (the test sends it with
xdotool), then takes a screenshot of the screen and reports the result. Run by test_real_window.py:
    python -m tests.real_window_driver OUT_DIR
Prints "READY x y" (where to click, in screen coordinates) once the window is up."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QPoint, QSettings, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from gui.shell.main_window import MainWindow

TIMEOUT_MS = 120_000


def main() -> int:
    out = Path(sys.argv[1])
    app = QApplication(sys.argv[:1])
    window = MainWindow(QSettings(str(out / "settings.ini"), QSettings.Format.IniFormat))
    window.files.confirm_discard = lambda: True  # type: ignore[method-assign]
    window.setGeometry(20, 20, 1360, 860)
    window.show()
    code = {"value": 3}

    def announce() -> None:
        button = window.panel.train_button
        centre = button.mapToGlobal(QPoint(button.width() // 2, button.height() // 2))
        print(f"READY {centre.x()} {centre.y()}", flush=True)

    def devices_ready(_devices: list) -> None:
        QTimer.singleShot(300, announce)

    def screenshot(result) -> None:
        geometry = window.frameGeometry()
        image = QGuiApplication.primaryScreen().grabWindow(0, geometry.x(), geometry.y(), geometry.width(),
                                                          geometry.height())
        image.save(str(out / "screenshot.png"))
        (out / "result.json").write_text(json.dumps(result.summary()), encoding="utf-8")
        code["value"] = 0
        window.close()
        app.quit()

    window.runner.devicesReady.connect(devices_ready)
    window.trainingFinished.connect(lambda result: QTimer.singleShot(400, lambda: screenshot(result)))
    QTimer.singleShot(TIMEOUT_MS, app.quit)
    app.exec()
    return code["value"]


if __name__ == "__main__":
    sys.exit(main())
