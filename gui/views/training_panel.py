"""The training panel: hyperparameters, Train / Pause / Stop, Step / Continue, the pace, live progress, and
the result (gui/views/result_box.py).

The hyperparameters and the pace scroll (on a short screen) above the buttons, the progress and the
Result, which stay in view; every label keeps a fixed number of lines, so no text moves a button."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.analysis.least_squares import LeastSquaresFit, Moments
from engine.data.features import FeatureScaling
from engine.data.points import PointSet
from engine.training.config import MAX_BATCH_SIZE, MAX_EPOCHS, MAX_LEARNING_RATE, MAX_SEED, TrainingConfig
from engine.training.losses import LOSSES
from engine.training.optimizers import (
    OPTIMIZERS,
    RACED,
    OptimizerSpec,
    stable_learning_rate_for,
    stable_learning_rate_for_features,
)
from engine.training.results import TrainingResult
from gui.kit import number_format as fmt
from gui.kit.fitting_scroll_area import FittingScrollArea
from gui.kit.fixed_lines import FixedLinesLabel
from gui.kit.widget_names import named
from gui.views.model_controls import ModelControls
from gui.views.pace_control import PaceControl
from gui.views.result_box import NO_LINE, NO_R_SQUARED, NOT_TRAINED, ResultBox
from gui.views.stable_rate_hint import stable_rate_hint

__all__ = ["NO_LINE", "NO_R_SQUARED", "TrainingPanel"]

TRAINING = "Final weight, bias and loss: training…"  # what the result label says while a run trains
NO_RESULT = "No result: the run did not finish."


class TrainingPanel(QWidget):
    trainRequested = Signal()
    raceRequested = Signal()
    pauseToggled = Signal(bool)  # True: pause
    stopRequested = Signal()
    stepRequested = Signal()  # one optimizer step, continuing the last run
    continueRequested = Signal()  # the Epochs box's count more, continuing the last run
    paceChanged = Signal(float)  # steps per second; 0.0 = Max

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.device_combo = named(QComboBox(), "deviceCombo", "Where training runs: the devices this "
                                   "machine really has")
        self.device_combo.addItem("auto — best available (detecting…)", "auto")
        # Long device names ("NVIDIA H100 80GB HBM3") must not widen the whole panel.
        self.device_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.device_combo.setMinimumContentsLength(14)
        self.optimizer_combo = named(QComboBox(), "optimizerCombo", "How each step uses the gradient")
        for index, spec in enumerate(OPTIMIZERS.values()):
            self.optimizer_combo.addItem(spec.label, spec.key)
            self.optimizer_combo.setItemData(index, spec.description, Qt.ItemDataRole.ToolTipRole)
        self.learning_rate_spin = named(QDoubleSpinBox(), "learningRateSpin", "Step size of gradient descent")
        self.learning_rate_spin.setDecimals(6)
        self.learning_rate_spin.setRange(1e-6, MAX_LEARNING_RATE)  # what TrainingConfig and project files allow
        self.learning_rate_spin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.momentum_spin = named(QDoubleSpinBox(), "momentumSpin", "Momentum factor (SGD with momentum)")
        self.momentum_spin.setDecimals(3)
        self.momentum_spin.setRange(0.0, 0.999)
        self.momentum_spin.setSingleStep(0.05)
        self.epochs_spin = named(QSpinBox(), "epochsSpin", "How many passes over the points")
        self.epochs_spin.setRange(1, MAX_EPOCHS)
        self.epochs_spin.setGroupSeparatorShown(True)
        self.batch_size_spin = named(QSpinBox(), "batchSizeSpin", "Points per step; 'Full batch' uses all")
        self.batch_size_spin.setRange(0, MAX_BATCH_SIZE)
        self.batch_size_spin.setSpecialValueText("Full batch")
        self.seed_spin = named(QSpinBox(), "seedSpin", "Random seed: the same seed gives the same run")
        self.seed_spin.setRange(0, MAX_SEED)  # a QSpinBox holds 32-bit ints: MAX_SEED is 2**31 − 1
        self.standardize_check = named(QCheckBox("Standardise x and y"), "standardizeCheck",
                                        "Train on standardised x and y (mean 0, standard deviation 1); the "
                                        "weight, bias, loss and exported model stay in your units")
        # Two lines, always: Adam's "no fixed bound" wraps where SGD's verdict does not, and the controls
        # below must not move under the cursor when the optimizer changes.
        self.stable_rate_label = named(FixedLinesLabel("", 2), "stableRateLabel",
                                        "The largest learning rate at which plain full-batch gradient descent "
                                        "still converges on these points: 2 / λmax of the loss's Hessian")
        small = self.stable_rate_label.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.stable_rate_label.setFont(small)

        form = QFormLayout()
        form.addRow("&Device", self.device_combo)
        form.addRow("&Optimizer", self.optimizer_combo)
        form.addRow("&Learning rate", self.learning_rate_spin)
        form.addRow("", self.stable_rate_label)
        form.addRow("&Momentum", self.momentum_spin)
        form.addRow("&Epochs", self.epochs_spin)
        form.addRow("&Batch size", self.batch_size_spin)
        form.addRow("&Seed", self.seed_spin)
        form.addRow("", self.standardize_check)
        settings_box = QGroupBox("Hyperparameters")
        settings_box.setLayout(form)
        self.model_controls = ModelControls()

        self.train_button = named(QPushButton("Train"), "trainButton", "Start training (Ctrl+Return)")
        self.pause_button = named(QPushButton("Pause"), "pauseButton", "Pause or resume the run")
        self.pause_button.setCheckable(True)
        self.stop_button = named(QPushButton("Stop"), "stopButton", "Stop training (Esc)")
        *others, last = (OPTIMIZERS.get(name).label for name in RACED)
        self.race_button = named(QPushButton("Race optimizers"), "raceButton",
                                  f"Train {', '.join(others)} and {last} one after another on the same points, "
                                  "seed, learning rate and epochs, and overlay them (Ctrl+Shift+Return)")
        self.train_button.setDefault(True)
        self.train_button.clicked.connect(self.trainRequested)
        self.race_button.clicked.connect(self.raceRequested)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.stop_button.clicked.connect(self.stopRequested)
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        self.step_button = named(QPushButton("Step"), "stepButton", "Take one optimizer step (one mini-batch; "
                                 "one epoch with full batch) and stop; again continues the same run (Ctrl+Right)")
        self.continue_button = named(QPushButton("Continue"), "continueButton",
                                     "Train the Epochs box's count more from where the last run ended, keeping "
                                     "its optimizer state (Ctrl+Shift+Right)")
        for button in (self.step_button, self.continue_button):
            # A click must not take the focus: the button is disabled while its step runs, and Qt would
            # hand the focus on to the pace box, whose line edit eats Ctrl+Right (the Step shortcut).
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.step_button.clicked.connect(self.stepRequested)
        self.continue_button.clicked.connect(self.continueRequested)
        step_buttons = QHBoxLayout()
        step_buttons.addWidget(self.step_button)
        step_buttons.addWidget(self.continue_button)
        self.pace_control = PaceControl()
        self.pace_control.paceChanged.connect(self.paceChanged)
        pace_box = QGroupBox("Pace")
        QVBoxLayout(pace_box).addWidget(self.pace_control)

        self.progress_bar = named(QProgressBar(), "trainingProgress", "Epochs done")
        self.progress_bar.setFormat("%p%")
        self.status_label = named(FixedLinesLabel("Ready.", 3), "trainingStatus", "Epoch, loss and speed of the run")
        self.result_box = ResultBox()
        box = self.result_box
        self.equation_label, self.r_squared_label = box.equation_label, box.r_squared_label
        self.result_label, self.gap_label = box.result_label, box.gap_label

        # The settings scroll on a short screen; the buttons, the progress and the Result stay in view below
        # them. Every label here keeps a fixed height, so nothing moves when a text changes.
        settings = QWidget()
        settings_layout = QVBoxLayout(settings)
        settings_layout.setContentsMargins(0, 0, 0, 0)
        settings_layout.addWidget(settings_box)
        settings_layout.addWidget(self.model_controls)
        settings_layout.addWidget(pace_box)
        self.settings_scroll = FittingScrollArea(settings)
        self.setMinimumWidth(260)
        layout = QVBoxLayout(self)
        layout.addWidget(self.settings_scroll)
        layout.addLayout(buttons)
        layout.addLayout(step_buttons)
        layout.addWidget(self.race_button)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.result_box)
        layout.addStretch(1)

        self._preferred_device = "auto"
        self._can_continue = False
        self.moments = Moments(0, 0.0, 0.0, 0.0, 0.0, 0.0)
        self.optimum: LeastSquaresFit | None = None
        self._points = PointSet.from_columns([], [], validate=False)
        self._bound_cache: tuple[tuple[object, ...], float | None] | None = None
        self.exact_coefficients: tuple[float, ...] | None = None  # the ghost: the settings' exact optimum
        self.model_controls.degree_spin.valueChanged.connect(self.result_box.set_degree)
        self.optimizer_combo.currentIndexChanged.connect(self._update_momentum_enabled)
        for control in (self.optimizer_combo, self.momentum_spin, self.learning_rate_spin, self.standardize_check):
            signal = control.toggled if isinstance(control, QCheckBox) else (
                control.currentIndexChanged if isinstance(control, QComboBox) else control.valueChanged)
            signal.connect(self._update_stable_rate)
        self.model_controls.changed.connect(self._update_stable_rate)
        self.epochs_spin.valueChanged.connect(self._update_run_steps)
        self.batch_size_spin.valueChanged.connect(self._update_run_steps)
        self.set_config(TrainingConfig())
        self.set_running(False)

    # --- configuration -------------------------------------------------------------------------------
    def config(self) -> TrainingConfig:
        batch = self.batch_size_spin.value()
        return TrainingConfig(
            learning_rate=self.learning_rate_spin.value(), epochs=self.epochs_spin.value(),
            optimizer=self.optimizer_combo.currentData(), momentum=self.momentum_spin.value(),
            batch_size=batch or None, seed=self.seed_spin.value(), device=self.device_combo.currentData(),
            standardize=self.standardize_check.isChecked(), **self.model_controls.fields())

    def set_config(self, config: TrainingConfig) -> None:
        self.learning_rate_spin.setValue(config.learning_rate)
        self.epochs_spin.setValue(config.epochs)
        self.optimizer_combo.setCurrentIndex(max(0, self.optimizer_combo.findData(config.optimizer)))
        self.momentum_spin.setValue(config.momentum)
        self.batch_size_spin.setValue(config.batch_size or 0)
        self.seed_spin.setValue(config.seed)
        self.standardize_check.setChecked(config.standardize)
        self.model_controls.set_config(config)
        self._preferred_device = config.device
        self._select_device(config.device)
        self._update_momentum_enabled()

    def set_devices(self, devices: list[tuple[str, str]]) -> None:
        """(id, label) pairs from the engine's device list; keeps the current choice where it still exists."""
        current = self.device_combo.currentData()
        if current == "auto" and self._preferred_device != "auto":
            current = self._preferred_device  # chosen before the device list arrived
        self.device_combo.clear()
        best = devices[-1][0] if devices else "cpu"
        self.device_combo.addItem(f"auto (uses {best})", "auto")
        for device_id, label in devices:
            self.device_combo.addItem(label, device_id)
        self._select_device(current)

    # --- run state -----------------------------------------------------------------------------------
    # --- what the data says about the learning rate --------------------------------------------------
    def set_data(self, moments: Moments, optimum: LeastSquaresFit | None) -> None:
        """New points: a new stable-rate bound, a new exact answer to measure the gap against."""
        self.moments, self.optimum = moments, optimum
        self._update_stable_rate()
        self._update_run_steps()

    def set_points(self, x: np.ndarray, y: np.ndarray) -> None:
        """The points themselves: a polynomial's (or a penalised line's) bound needs its feature matrix."""
        self._points = PointSet.from_columns(x, y, validate=False)
        self._bound_cache = None
        self._update_stable_rate()

    def stable_learning_rate(self) -> float | None:
        """The bound for the chosen optimizer, on the data as it will be trained (scaled or not)."""
        model = self.model_controls.fields()
        optimizer, momentum = self._optimizer().key, self.momentum_spin.value()
        standardize = self.standardize_check.isChecked()
        if model["degree"] == 1 and model["loss"] == "mse" and model["l2"] == 0.0 and model["l1"] == 0.0:
            moments = self.moments.standardized() if standardize else self.moments
            return stable_learning_rate_for(moments, optimizer, momentum)
        key = (model["degree"], model["loss"], model["l2"], model["l1"], optimizer, momentum, standardize)
        if self._bound_cache is None or self._bound_cache[0] != key:
            points, degree = self._points, model["degree"]
            if len(points) == 0:
                return None
            scaling = FeatureScaling.fitted_to(points, degree) if standardize else FeatureScaling.identity(degree)
            features, _ = scaling.columns(points)
            bound = stable_learning_rate_for_features(features, optimizer, momentum, loss=model["loss"],
                                                      l2=model["l2"], l1=model["l1"])
            self._bound_cache = (key, bound)
        return self._bound_cache[1]

    def _optimizer(self) -> OptimizerSpec:
        return OPTIMIZERS.get(self.optimizer_combo.currentData())

    def _update_stable_rate(self) -> None:
        model = self.model_controls.fields()
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        text, style = stable_rate_hint(self.stable_learning_rate(), self.learning_rate_spin.value(),
                                       self._optimizer(), LOSSES.get(model["loss"]), model["l1"], dark)
        self.stable_rate_label.setText(text)
        self.stable_rate_label.setStyleSheet(style)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # a theme change: the verdict's colour follows
            self._update_stable_rate()

    # --- pace --------------------------------------------------------------------------------------
    def pace(self) -> float:
        """Optimizer steps per second; 0.0 = Max."""
        return self.pace_control.pace()

    def set_pace(self, pace: float) -> None:
        self.pace_control.set_pace(pace)

    def _update_run_steps(self) -> None:
        """The pace hint's run length: epochs × steps per epoch on the points as they are now."""
        points, batch = self.moments.n, self.batch_size_spin.value()
        per_epoch = 0 if points <= 0 else (1 if batch == 0 else -(-points // batch))
        self.pace_control.set_run_steps(self.epochs_spin.value() * per_epoch)

    def set_can_continue(self, can: bool) -> None:
        """Whether a run has ended that Continue (and Step) can pick up from."""
        self._can_continue = can
        self.continue_button.setEnabled(can and self.train_button.isEnabled())

    def set_running(self, running: bool) -> None:
        """Buttons for a run under way or not. A run that ends without a result (the training process
        failed) must not leave "training…" behind; a result that does arrive replaces this at once. The
        pace stays enabled: changing it while a run plays is what it is for."""
        if not running and self.result_label.text() == TRAINING:
            self.result_label.setText(NO_RESULT)
        self.train_button.setEnabled(not running)
        self.race_button.setEnabled(not running)
        self.step_button.setEnabled(not running)
        self.continue_button.setEnabled(not running and self._can_continue)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        if not running:
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.setText("Pause")
            self.pause_button.blockSignals(False)

    def show_started(self, epochs: int, device: str) -> None:
        """A new run: the previous run's figures go, so nothing shown mixes the two; the live line fills
        them in from the first progress batch, the result's figures arrive when it ends."""
        self.progress_bar.setRange(0, epochs)
        self.progress_bar.setValue(0)
        self.status_label.setText(f"Starting on {device}…")
        self._clear_line()
        self.result_label.setText(TRAINING)

    def show_progress(self, epoch: int, total: int, loss: float, steps_per_second: float,
                      weight: float, bias: float, coefficients: tuple[float, ...] = ()) -> None:
        self._set_progress(epoch, total)
        self.status_label.setText(f"Epoch {epoch:,} / {total:,} · loss {fmt.number(loss)} · "
                                  f"{fmt.count(steps_per_second)} steps/s")
        self.show_model(coefficients, weight, bias)

    def show_line(self, weight: float, bias: float) -> None:
        """The equation, R² and the gap to the exact answer for the line now drawn."""
        self.result_box.show_line(weight, bias, self.moments, self.optimum)

    def show_model(self, coefficients: tuple[float, ...], weight: float, bias: float) -> None:
        """A polynomial's equation (more than two coefficients), else the line's."""
        if len(coefficients) > 2:
            self.result_box.set_degree(len(coefficients) - 1)
            points = self._points
            self.result_box.show_polynomial(coefficients, points.x, points.y, self.exact_coefficients)
        else:
            self.show_line(weight, bias)

    def show_result(self, result: TrainingResult) -> None:
        self.show_model(result.coefficients, result.weight, result.bias)
        how = {"completed": "Completed", "stopped": "Stopped", "diverged": "Diverged"}[result.stop_reason]
        self.result_box.show_result(result, how)
        self.status_label.setText(result.message or f"{how}.")
        if result.stop_reason == "completed":  # full, also after a Step or a Continue past the first total
            done = max(result.epochs_run, 1)
            if self.progress_bar.maximum() < done or result.epochs_run < self.progress_bar.maximum():
                self.progress_bar.setRange(0, done)
            self.progress_bar.setValue(done)

    def _set_progress(self, epoch: int, total: int | None = None) -> None:
        """Set the bar only when the percent it shows changes: each setValue repaints it at once and
        sends an accessibility event, about a millisecond, up to 60 times a second. `total`: the epoch the
        run now trains to (Continue goes past the first Train's)."""
        bar = self.progress_bar
        if total is not None and total > 0 and total != bar.maximum():
            bar.setRange(0, total)
        span = bar.maximum() - bar.minimum()
        if span <= 0 or (epoch - bar.minimum()) * 100 // span != (bar.value() - bar.minimum()) * 100 // span \
                or epoch >= bar.maximum() or bar.value() < bar.minimum():
            bar.setValue(epoch)

    def clear_result(self) -> None:
        self._clear_line()
        self.result_label.setText(NOT_TRAINED)

    def _clear_line(self) -> None:
        self.result_box.clear_line()

    def _on_pause_toggled(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pauseToggled.emit(paused)

    def _select_device(self, device: str) -> None:
        index = self.device_combo.findData(device)
        self.device_combo.setCurrentIndex(index if index >= 0 else 0)

    def _update_momentum_enabled(self) -> None:
        self.momentum_spin.setEnabled(self._optimizer().uses_momentum)
