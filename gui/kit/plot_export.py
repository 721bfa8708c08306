"""Plot images. SVG goes through Qt's own QSvgGenerator: pyqtgraph 0.14's SVGExporter fails on the
path syntax of current Qt releases (pyqtgraph issue #3485)."""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters as exporters
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator


def save_plot_png(plot: pg.PlotWidget, path: Path, width: int = 1600) -> None:
    exporter = exporters.ImageExporter(plot.getPlotItem())
    exporter.parameters()["width"] = width
    if not exporter.export(str(path)):
        raise OSError(f"could not write {path}")


def save_plot_svg(plot: pg.PlotWidget, path: Path) -> None:
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(plot.size())
    generator.setViewBox(plot.rect())
    generator.setTitle("Gradient Descent Studio plot")
    painter = QPainter(generator)
    try:
        plot.render(painter)
    finally:
        painter.end()
    if not path.exists() or path.stat().st_size == 0:
        raise OSError(f"could not write {path}")
