"""A polynomial's loss landscape as a slice: the run's loss (and penalties) over two chosen coefficients,
the others held at the run's current values, with the run's current point marked.

A polynomial's loss is a surface over D + 1 coefficients; two axes can show only a plane through it. The
two combo boxes pick the plane (c1 against c0 by default); the title says it is a slice, which loss it
shades, and whether the points were sampled. The grid is the engine's (engine/analysis/loss_surface.py).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.analysis.loss_surface import Objective, Sample, coefficient_name, slice_loss_grid
from engine.analysis.polynomial_fit import exact_optimum
from engine.training.config import TrainingConfig
from gui.kit import plot_style, plot_theme
from gui.kit.widget_names import named
from gui.views.landscape_shading import banded, dark_grey_bands, grey_bands, objective_text, sample_text

SLICE_CELLS = 81  # per axis; odd, so the middle cell is exactly the run's current value
WIDEN = 1.25  # the grid reaches this far past the exact optimum when one is known


class LandscapeSlice(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first_combo = named(QComboBox(), "sliceFirstCoefficientCombo",
                                 "The coefficient along the slice's horizontal axis", "Slice: first coefficient")
        self.second_combo = named(QComboBox(), "sliceSecondCoefficientCombo",
                                  "The coefficient along the slice's vertical axis", "Slice: second coefficient")
        self.plot = named(pg.PlotWidget(), "landscapeSlicePlot",
                          "A slice through the polynomial's loss: the run's loss over the two chosen coefficients, "
                          "every other coefficient held at the run's current value. Darker is lower; the dot is "
                          "where the run is.")
        item = self.plot.getPlotItem()
        plot_style.cache_axes(item)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        plot_theme.set_lookup_tables(self.image, grey_bands(), dark_grey_bands())
        item.addItem(self.image)
        self.marker = pg.ScatterPlotItem(symbol="o", size=11, pen=pg.mkPen("#000000", width=1.5),
                                         brush=pg.mkBrush("#d62728"))
        self.marker.setZValue(6)
        item.addItem(self.marker)
        for combo in (self.first_combo, self.second_combo):  # narrow landscapes keep the plot whole
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
        row = QHBoxLayout()
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(QLabel("Slice through"))
        row.addWidget(self.first_combo, 1)
        row.addWidget(QLabel("and"))
        row.addWidget(self.second_combo, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)
        self.coefficients: tuple[float, ...] = ()
        self.exact: tuple[float, ...] | None = None
        self.objective = Objective()
        self.sample = Sample(np.empty(0), np.empty(0), 0)
        self._firsts, self._seconds, self._losses = np.empty(0), np.empty(0), np.empty((0, 0))
        self._previous = (1, 0)
        self.marked: tuple[float, ...] = ()  # where the dot is: the timeline's step (the newest by default)
        self.first_combo.currentIndexChanged.connect(self._on_combo_changed)
        self.second_combo.currentIndexChanged.connect(self._on_combo_changed)

    # --- inputs --------------------------------------------------------------------------------------
    def show_run(self, coefficients: tuple[float, ...], objective: Objective, sample: Sample,
                 exact: tuple[float, ...] | None = None) -> None:
        """The run's polynomial now (constant term first, user's units), its loss, the points; `exact`:
        the exact optimum (MSE), which the grid then reaches."""
        self._set_degree(len(coefficients) - 1)
        self.coefficients, self.objective, self.sample = tuple(coefficients), objective, sample
        self.exact = exact if exact is not None and len(exact) == len(coefficients) else None
        self.redraw()

    def show_run_of(self, config: TrainingConfig, coefficients: tuple[float, ...], sample: Sample, *,
                    final: bool = False) -> None:
        """A run of `config` now at `coefficients`; a `final` MSE run's grid also reaches the exact optimum."""
        objective = Objective(config.loss, config.huber_delta, config.l2, config.l1)
        exact = None
        if final and config.loss == "mse" and config.l1 == 0.0:
            found = exact_optimum(sample.x, sample.y, config.degree, config.l2)
            exact = None if found is None else tuple(float(value) for value in found)
        self.show_run(coefficients, objective, sample, exact)

    def move_marker(self, coefficients: tuple[float, ...]) -> None:
        """The dot to the timeline's step, or a live run's newest (the shading is redrawn by the caller now
        and then); a redraw keeps it there."""
        if len(coefficients) == len(self.coefficients):
            self.marked = tuple(coefficients)
            first, second = self.chosen()
            self.marker.setData([coefficients[first]], [coefficients[second]])

    def chosen(self) -> tuple[int, int]:
        """The (horizontal, vertical) coefficients' indices."""
        return max(self.first_combo.currentIndex(), 0), max(self.second_combo.currentIndex(), 0)

    def title(self) -> str:
        """The title as one line of plain text (it is drawn on three)."""
        return str(self.plot.getPlotItem().titleLabel.text).replace("<br>", " ")

    def surface(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The first coefficient's values (columns), the second's (rows) and the loss grid last drawn."""
        return self._firsts, self._seconds, self._losses

    # --- drawing -------------------------------------------------------------------------------------
    def redraw(self) -> None:
        if len(self.coefficients) < 2:
            self.image.clear()
            self.marker.setData([], [])
            return
        first, second = self.chosen()
        self._firsts, self._seconds = self._axis(first), self._axis(second)
        self._losses = slice_loss_grid(self.sample.x, self.sample.y, self.coefficients, first, second,
                                       self._firsts, self._seconds, self.objective)
        item = self.plot.getPlotItem()
        if self.sample.x.size == 0 or not np.isfinite(self._losses).any():
            self.image.clear()
        else:
            self.image.setImage(banded(self._losses), levels=(0.0, 1.0), autoLevels=False)
            (a0, a1), (c0, c1) = (self._firsts[0], self._firsts[-1]), (self._seconds[0], self._seconds[-1])
            step_a, step_c = (a1 - a0) / (SLICE_CELLS - 1), (c1 - c0) / (SLICE_CELLS - 1)
            self.image.setRect(QRectF(a0 - step_a / 2, c0 - step_c / 2, (a1 - a0) + step_a, (c1 - c0) + step_c))
        dot = self.marked if len(self.marked) == len(self.coefficients) else self.coefficients
        self.marker.setData([dot[first]], [dot[second]])
        names = coefficient_name(first), coefficient_name(second)
        item.setLabel("bottom", names[0])
        item.setLabel("left", names[1])
        sampled = sample_text(self.sample).replace(" over", "<br>over", 1)  # short lines for a narrow plot
        item.setTitle(f"Slice through c{first} and c{second}, the other coefficients<br>held at the run's current "
                      f"values · shading: {objective_text(self.objective)}{sampled}", size="8pt")
        item.getViewBox().setRange(xRange=(self._firsts[0], self._firsts[-1]),
                                   yRange=(self._seconds[0], self._seconds[-1]), padding=0)

    def _axis(self, index: int) -> np.ndarray:
        """Around the run's current value: far enough that the prediction moves by about the spread of y
        (the valley shows whatever the data's units), at least twice the value, and past the exact
        optimum when one is known."""
        value = float(self.coefficients[index])
        x, y = self.sample.x, self.sample.y
        half = 2.0 * abs(value)
        if x.size:
            with np.errstate(over="ignore", invalid="ignore"):
                reach = float(np.std(y)) / float(np.sqrt(np.mean(x ** (2 * index))))
            if np.isfinite(reach) and reach > 0:
                half = max(half, reach)
        if self.exact is not None and np.isfinite(self.exact[index]):
            half = max(half, WIDEN * abs(float(self.exact[index]) - value))
        if not (np.isfinite(half) and half > 0):
            half = 1.0
        return np.linspace(value - half, value + half, SLICE_CELLS)

    def _set_degree(self, degree: int) -> None:
        """Combo items c0 … cD; the choice kept where it still exists, else c1 and c0."""
        if self.first_combo.count() == degree + 1:
            return
        first, second = self.chosen() if self.first_combo.count() else (1, 0)
        if max(first, second) > degree:
            first, second = 1, 0
        for combo, index in ((self.first_combo, first), (self.second_combo, second)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([coefficient_name(i) for i in range(degree + 1)])
            combo.setCurrentIndex(index)
            combo.blockSignals(False)
        self._previous = (first, second)

    def _on_combo_changed(self, _index: int) -> None:
        """The same coefficient on both axes is no plane: the other combo takes the one just left."""
        first, second = self.chosen()
        if first == second:
            other = self.second_combo if first != self._previous[0] else self.first_combo
            other.blockSignals(True)
            other.setCurrentIndex(self._previous[0] if other is self.second_combo else self._previous[1])
            other.blockSignals(False)
            first, second = self.chosen()
        self._previous = (first, second)
        self.redraw()
