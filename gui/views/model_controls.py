"""The model's settings in the training panel: polynomial degree, loss (and Huber's δ), the L2 and L1
strengths, the validation fraction, and the learning-rate schedule (and its step size and gamma).

A box of its own so the panel stays small; the panel asks it for these fields when it builds the
TrainingConfig the Train button sends, and hands it a config to show. A setting that does not apply to the
current choice (Huber's δ for MSE, gamma for a constant rate) is disabled, never hidden, so nothing moves.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QSpinBox,
    QWidget,
)

from engine.training.config import MAX_DEGREE, MAX_EPOCHS, MAX_PENALTY, MAX_VALIDATION_FRACTION, TrainingConfig
from engine.training.losses import LOSSES
from engine.training.schedules import SCHEDULES, default_gamma
from gui.kit.widget_names import named

MAX_SHOWN_HUBER_DELTA = 1e6  # the config allows up to 1e30; a box that wide would widen the panel
DEFAULT_TEXT = "Default"


class ModelControls(QGroupBox):
    """Degree, loss, penalties, validation split and schedule; `changed` fires on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Model, loss and schedule", parent)
        self.setObjectName("modelControls")
        self.degree_spin = named(QSpinBox(), "degreeSpin", "Polynomial degree: 1 fits a line, 9 can thread "
                                 "through every one of a dozen points (and overfit them)")
        self.degree_spin.setRange(1, MAX_DEGREE)
        self.loss_combo = named(QComboBox(), "lossCombo", "What the training minimises")
        for index, spec in enumerate(LOSSES.values()):
            self.loss_combo.addItem(spec.label, spec.key)
            self.loss_combo.setItemData(index, spec.description, Qt.ItemDataRole.ToolTipRole)
        self.huber_delta_spin = named(QDoubleSpinBox(), "huberDeltaSpin",
                                      "Huber's δ: residuals smaller than this count squared, larger ones linearly")
        self.huber_delta_spin.setDecimals(4)
        self.huber_delta_spin.setRange(1e-4, MAX_SHOWN_HUBER_DELTA)
        self.huber_delta_spin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.l2_spin = _penalty_spin("l2Spin", "L2 strength λ: adds λ·Σw² (the weights, never the bias) to the "
                                     "loss, pulling every coefficient towards 0")
        self.l1_spin = _penalty_spin("l1Spin", "L1 strength λ: adds λ·Σ|w| (the weights, never the bias) to the "
                                     "loss, pushing small coefficients to exactly 0")
        self.validation_fraction_spin = named(QDoubleSpinBox(), "validationFractionSpin",
                                              "Share of the points held out of training (drawn with the seed, "
                                              "hollow on the data plot) and scored every epoch")
        self.validation_fraction_spin.setDecimals(2)
        self.validation_fraction_spin.setRange(0.0, MAX_VALIDATION_FRACTION)
        self.validation_fraction_spin.setSingleStep(0.05)
        self.validation_fraction_spin.setSpecialValueText("None")
        self.schedule_combo = named(QComboBox(), "scheduleCombo", "How the learning rate changes from epoch to epoch")
        for index, schedule in enumerate(SCHEDULES.values()):
            self.schedule_combo.addItem(schedule.label, schedule.key)
            self.schedule_combo.setItemData(index, schedule.description, Qt.ItemDataRole.ToolTipRole)
        self.step_size_spin = named(QSpinBox(), "stepSizeSpin", "Step decay: epochs between two cuts of the rate "
                                    "('Default': a quarter of the epochs)")
        self.step_size_spin.setRange(0, MAX_EPOCHS)
        self.step_size_spin.setSpecialValueText(DEFAULT_TEXT)
        self.step_size_spin.setGroupSeparatorShown(True)
        self.gamma_spin = named(QDoubleSpinBox(), "gammaSpin", "The factor each cut multiplies the rate by "
                                "('Default': 0.5 for step decay, 0.995 for exponential)")
        self.gamma_spin.setDecimals(4)
        self.gamma_spin.setRange(0.0, 1.0)
        self.gamma_spin.setSingleStep(0.005)
        self.gamma_spin.setSpecialValueText(DEFAULT_TEXT)

        form = QFormLayout(self)
        form.addRow("De&gree", self.degree_spin)
        form.addRow("Lo&ss", self.loss_combo)
        form.addRow("H&uber δ", self.huber_delta_spin)
        form.addRow("L&2 strength", self.l2_spin)
        form.addRow("L&1 strength", self.l1_spin)
        form.addRow("&Validation", self.validation_fraction_spin)
        form.addRow("Sc&hedule", self.schedule_combo)
        form.addRow("Step si&ze", self.step_size_spin)
        form.addRow("G&amma", self.gamma_spin)

        for combo in (self.loss_combo, self.schedule_combo):
            combo.currentIndexChanged.connect(self._update_enabled)
            combo.currentIndexChanged.connect(self.changed)
        for spin in (self.degree_spin, self.huber_delta_spin, self.l2_spin, self.l1_spin,
                     self.validation_fraction_spin, self.step_size_spin, self.gamma_spin):
            spin.valueChanged.connect(self.changed)
        self.set_config(TrainingConfig())

    def fields(self) -> dict[str, Any]:
        """These settings as TrainingConfig keyword arguments ('Default' boxes give None)."""
        return {
            "degree": self.degree_spin.value(), "loss": self.loss_combo.currentData(),
            "huber_delta": self.huber_delta_spin.value(), "l2": self.l2_spin.value(), "l1": self.l1_spin.value(),
            "validation_fraction": self.validation_fraction_spin.value(),
            "schedule": self.schedule_combo.currentData(),
            "step_size": self.step_size_spin.value() or None, "gamma": self.gamma_spin.value() or None,
        }

    def set_config(self, config: TrainingConfig) -> None:
        self.degree_spin.setValue(config.degree)
        self.loss_combo.setCurrentIndex(max(0, self.loss_combo.findData(config.loss)))
        self.huber_delta_spin.setValue(config.huber_delta)
        self.l2_spin.setValue(config.l2)
        self.l1_spin.setValue(config.l1)
        self.validation_fraction_spin.setValue(config.validation_fraction)
        self.schedule_combo.setCurrentIndex(max(0, self.schedule_combo.findData(config.schedule)))
        self.step_size_spin.setValue(config.step_size or 0)
        self.gamma_spin.setValue(config.gamma or 0.0)
        self._update_enabled()

    def _update_enabled(self) -> None:
        schedule = self.schedule_combo.currentData()
        self.huber_delta_spin.setEnabled(self.loss_combo.currentData() == "huber")
        self.step_size_spin.setEnabled(schedule == "step")
        self.gamma_spin.setEnabled(schedule in ("step", "exponential"))
        if schedule in ("step", "exponential"):
            self.gamma_spin.setSpecialValueText(f"{DEFAULT_TEXT} ({default_gamma(schedule):g})")


def _penalty_spin(name: str, tooltip: str) -> QDoubleSpinBox:
    spin = named(QDoubleSpinBox(), name, tooltip)
    spin.setDecimals(6)
    spin.setRange(0.0, MAX_PENALTY)
    spin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
    spin.setSingleStep(0.001)
    spin.setSpecialValueText("Off")
    return spin
