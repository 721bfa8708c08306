"""Training runs: seed, model, steps, batched progress, cooperative pause/stop, divergence, pace.

A `TrainingRun` is built once (the seed, nn.Linear's initial weight and bias, the data on the device, the
optimizer and its state) and then advanced: by the config's epochs (Train), by more epochs (Continue) or
by one optimizer step (Step), always keeping the optimizer's state, so 500 epochs then 500 more equal one
run of 1000. Progress goes out at most ~30 times a second as arrays (60 at a pace), so the loop never
pays a Python call per epoch to its listener, and the device is read only then.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from engine.data.features import FeatureScaling, validation_split
from engine.data.points import PointSet
from engine.training.config import TrainingConfig
from engine.training.devices import resolve_device
from engine.training.losses import LOSSES
from engine.training.pacing import Pace, advance
from engine.training.polynomial_stepper import PolynomialFusedStepper
from engine.training.results import Control, TrainingResult
from engine.training.run_loop import ProgressCallback, RunLoop, RunUnits
from engine.training.steppers import AutogradStepper, FusedStepper, HeldOut, Stepper

__all__ = ["ProgressCallback", "TrainingRun", "choose_path", "train", "train_together"]


def choose_path(config: TrainingConfig) -> str:
    """The fused loop wherever the closed-form gradient applies (the MSE loss, with any registered optimizer:
    each has a fused update), unless the config asks for autograd."""
    return "autograd" if config.path == "autograd" else "fused"


class TrainingRun:
    """One run that can be advanced again and again. Raises DataError, DeviceError when built."""

    def __init__(self, points: PointSet, config: TrainingConfig | None = None,
                 on_progress: ProgressCallback | None = None) -> None:
        self.config = config or TrainingConfig()
        points.validate()
        self.device = torch.device(resolve_device(self.config.device))
        self.path = choose_path(self.config)
        training, validation = _split(points, self.config)
        scaling = FeatureScaling.fitted_to(training, self.config.degree) if self.config.standardize else None
        stepper, theta0 = _build(training, validation, self.config, self.device, self.path, scaling)
        units = RunUnits(self.config.degree, scaling,
                         1.0 if scaling is None else scaling.loss_factor(LOSSES.get(self.config.loss).unit_power),
                         len(training), len(validation) if validation is not None else 0)
        self.loop = RunLoop(self.config, self.device, training, stepper, on_progress, theta0, units)
        self.last_reason = ""
        self.planned_epochs = self.config.epochs  # what the result's config says: Continue and Step move it
        # Where the training x lie: an exported polynomial is evaluated around them (see model_export).
        self.x_center = float(training.x.mean()) if len(training) else 0.0
        self.x_spread = float(training.x.std()) if len(training) else 1.0

    @property
    def can_advance(self) -> bool:
        return not self.loop.diverged

    def plan(self, *, epochs: int | None = None, steps: int | None = None) -> None:
        loop = self.loop
        if steps is not None:
            self.planned_epochs = max(1, -(-(loop.steps_run + steps) // loop.steps_per_epoch))
        elif epochs is not None:
            self.planned_epochs = loop.epochs_run + epochs
        loop.plan(epochs=epochs, steps=steps)

    def advance(self, control: Control | None = None, pace: Pace | None = None, *, epochs: int | None = None,
                steps: int | None = None) -> TrainingResult:
        """Train `steps` more optimizer steps, or `epochs` more epochs (the config's count by default)."""
        self.plan(epochs=epochs, steps=steps)
        return train_together([self], control, pace)[0]

    def result(self) -> TrainingResult:
        """The run so far. `config.epochs` is what it was asked to train in all (the first Train's epochs, or
        the epochs reached by Continue and Step), so an exported script repeats a completed run."""
        loop = self.loop
        config = dataclasses.replace(self.config, epochs=self.planned_epochs).to_dict()
        # A line's (w, b) are its records'; a polynomial's are its linear and constant coefficients.
        weight, bias = loop.last_params if self.config.degree == 1 else loop.last_coefficients[1::-1]
        initial = loop.initial if self.config.degree == 1 else loop.initial_coefficients[1::-1]
        return TrainingResult(
            weight=weight, bias=bias, final_loss=loop.last_loss,
            loss_history=loop.history.copy(), epochs_run=loop.epochs_run, stop_reason=self.last_reason,
            device=str(self.device), elapsed_s=loop.elapsed_s, path=self.path, message=loop.message,
            initial_weight=initial[0], initial_bias=initial[1], config=config,
            suggested_learning_rate=loop.suggested_learning_rate, coefficients=loop.last_coefficients,
            validation_loss=loop.last_validation_loss,
            validation_history=None if loop.validation_history is None else loop.validation_history.copy(),
            x_center=self.x_center, x_spread=self.x_spread)


def train_together(runs: Sequence[TrainingRun], control: Control | None = None,
                   pace: Pace | None = None) -> list[TrainingResult]:
    """Advance `runs` by what each planned, in lockstep (a race); a result for each."""
    fused = all(run.path == "fused" for run in runs)
    with torch.inference_mode() if fused else torch.enable_grad():
        reasons = advance([run.loop for run in runs], control, pace)
    for run, reason in zip(runs, reasons, strict=True):
        run.last_reason = reason
    return [run.result() for run in runs]


def train(points: PointSet, config: TrainingConfig | None = None, on_progress: ProgressCallback | None = None,
          control: Control | None = None, pace: Pace | None = None) -> TrainingResult:
    """Train y ≈ w·x + b (or the config's polynomial) on `points` for the config's epochs. Raises DataError,
    DeviceError; otherwise always returns a result (stop_reason "completed", "stopped" or "diverged") holding
    what was trained so far."""
    started = time.perf_counter()
    run = TrainingRun(points, config, on_progress)
    result = run.advance(control, pace)
    # The time to build the run (seeding, moving the data to the device) counts as before.
    return dataclasses.replace(result, elapsed_s=time.perf_counter() - started)


def _split(points: PointSet, config: TrainingConfig) -> tuple[PointSet, PointSet | None]:
    """The training points and the held-out ones (None without a split), see validation_split."""
    if config.validation_fraction == 0.0:
        return points, None
    train_rows, held_rows = validation_split(len(points), config.validation_fraction, config.seed)
    if held_rows.size == 0:
        return points, None
    return (PointSet.from_columns(points.x[train_rows], points.y[train_rows], validate=False),
            PointSet.from_columns(points.x[held_rows], points.y[held_rows], validate=False))


def _build(points: PointSet, validation: PointSet | None, config: TrainingConfig, device: torch.device, path: str,
           scaling: FeatureScaling | None) -> tuple[Stepper, np.ndarray]:
    """The stepper and the initial [w₁…w_D, b] in the space it trains in (scaled when `scaling`)."""
    torch.manual_seed(config.seed)
    model = nn.Linear(config.degree, 1)  # exactly as the example script: created on the CPU right after the seed
    theta0 = np.concatenate([model.weight.detach().numpy().reshape(-1),
                             model.bias.detach().numpy()]).astype(np.float64)
    units = scaling or FeatureScaling.identity(config.degree)
    if config.is_classic:  # the classic line: its own loops, bit for bit the example's
        x = _to_device(points.x if scaling is None else units.columns(points)[0][:, 0], device)
        y = _to_device(points.y if scaling is None else units.columns(points)[1], device)
        if path == "autograd":
            return AutogradStepper(x, y, model.to(device), config), theta0
        theta = torch.tensor(theta0, dtype=torch.float32, device=device)
        return FusedStepper(x, y, theta, config), theta0
    delta = config.huber_delta / units.scale_y
    columns = units.columns(points)
    features, y = _to_device(columns[0], device), _to_device(columns[1], device)
    held_out = None
    if validation is not None:
        held = units.columns(validation)
        held_out = HeldOut(_to_device(held[0], device), _to_device(held[1], device), config, delta)
    if path == "autograd":
        return AutogradStepper(features, y, model.to(device), config, delta=delta, held_out=held_out), theta0
    theta = torch.tensor(theta0, dtype=torch.float32, device=device)
    return PolynomialFusedStepper(features, y, theta, config, delta=delta, held_out=held_out), theta0


def _to_device(column: np.ndarray, device: torch.device) -> torch.Tensor:
    host = torch.from_numpy(np.array(column, dtype=np.float32))  # a writable float32 copy
    if device.type == "cuda":
        return host.pin_memory().to(device, non_blocking=True)
    return host.to(device)
