"""Render the app icons from the one source image, assets/icon.svg:
icon.png (Linux, the window), icon.ico (Windows), icon.icns (macOS). Run after editing the SVG:
    QT_QPA_PLATFORM=offscreen python assets/make_icons.py"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ASSETS = Path(__file__).resolve().parent


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841 - QImage text and SVG need an application
    renderer = QSvgRenderer(str(ASSETS / "icon.svg"))
    if not renderer.isValid():
        print("assets/icon.svg could not be read", file=sys.stderr)
        return 1
    outputs = {"icon.png": (256, "png"), "icon.ico": (256, "ico"), "icon.icns": (512, "icns")}
    for name, (size, image_format) in outputs.items():
        if not render(renderer, size).save(str(ASSETS / name), image_format):
            print(f"could not write {name}", file=sys.stderr)
            return 1
        print(f"wrote assets/{name} ({size}x{size})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
