"""The "Generate points" dialog: a line, noise, outliers and a seed; the points replace the table's as one
undoable step."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from engine.data.point_generator import MAX_POINTS, GeneratorSpec
from engine.errors import ConfigError
from gui.kit.widget_names import named


def _double(name: str, tooltip: str, value: float, low: float = -1e9, high: float = 1e9) -> QDoubleSpinBox:
    spin = named(QDoubleSpinBox(), name, tooltip)
    spin.setDecimals(4)
    spin.setRange(low, high)
    spin.setValue(value)
    return spin


def _integer(name: str, tooltip: str, value: int, low: int, high: int) -> QSpinBox:
    spin = named(QSpinBox(), name, tooltip)
    spin.setRange(low, high)
    spin.setGroupSeparatorShown(True)
    spin.setValue(value)
    return spin


class GeneratorDialog(QDialog):
    def __init__(self, spec: GeneratorSpec | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("generatorDialog")
        self.setWindowTitle("Generate points")
        spec = spec or GeneratorSpec()
        self.count_spin = _integer("generatorCountSpin", "How many points", spec.count, 2, MAX_POINTS)
        self.slope_spin = _double("generatorSlopeSpin", "The true slope w of the line", spec.slope)
        self.intercept_spin = _double("generatorInterceptSpin", "The true intercept b of the line", spec.intercept)
        self.noise_spin = _double("generatorNoiseSpin", "Standard deviation σ of the Gaussian noise on y",
                                  spec.noise, 0.0)
        self.x_min_spin = _double("generatorXMinSpin", "Smallest x", spec.x_min)
        self.x_max_spin = _double("generatorXMaxSpin", "Largest x", spec.x_max)
        self.outliers_spin = _integer("generatorOutliersSpin", "Points pushed 5–10 σ off the line",
                                      spec.outliers, 0, MAX_POINTS)
        self.seed_spin = _integer("generatorSeedSpin", "The same seed gives the same points", spec.seed, 0, 2**31 - 1)
        self.error_label = QLabel("")
        self.error_label.setObjectName("generatorError")
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("&Points", self.count_spin)
        form.addRow("S&lope w", self.slope_spin)
        form.addRow("&Intercept b", self.intercept_spin)
        form.addRow("&Noise σ", self.noise_spin)
        form.addRow("x &from", self.x_min_spin)
        form.addRow("x &to", self.x_max_spin)
        form.addRow("&Outliers", self.outliers_spin)
        form.addRow("&Seed", self.seed_spin)
        form.addRow(self.error_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.spec_value: GeneratorSpec | None = None

    def spec(self) -> GeneratorSpec:
        """The spec the fields describe; raises ConfigError naming what is wrong."""
        return GeneratorSpec(count=self.count_spin.value(), slope=self.slope_spin.value(),
                             intercept=self.intercept_spin.value(), noise=self.noise_spin.value(),
                             x_min=self.x_min_spin.value(), x_max=self.x_max_spin.value(),
                             outliers=self.outliers_spin.value(), seed=self.seed_spin.value())

    def accept(self) -> None:
        try:
            self.spec_value = self.spec()
        except ConfigError as error:
            self.error_label.setText(str(error))  # the dialog stays open with the user's values
            return
        super().accept()
