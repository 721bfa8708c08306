"""The training loop: seed, model, steps, batched progress, cooperative pause/stop, divergence.

Progress goes out at most ~30 times a second as arrays, so the loop never pays a Python call per epoch
to its listener, and the device is read only then (one copy of a batch of losses), not every step.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from engine.analysis.least_squares import Moments, round_down, suggest_learning_rate
from engine.data.points import PointSet
from engine.data.scaling import Standardizer
from engine.training.config import TrainingConfig
from engine.training.devices import resolve_device
from engine.training.loss_history import GrowingBuffer
from engine.training.optimizers import stable_learning_rate_for
from engine.training.results import COMPLETED, DIVERGED, STOPPED, Control, ProgressBatch, TrainingResult
from engine.training.steppers import AutogradStepper, FusedStepper, Stepper

PROGRESS_INTERVAL_S = 1 / 30
_CHUNK = 4096  # epochs buffered on the device between reads

ProgressCallback = Callable[[ProgressBatch], None]


def choose_path(config: TrainingConfig) -> str:
    """The fused loop wherever the closed-form gradient applies (the MSE loss, with any registered optimizer:
    each has a fused update), unless the config asks for autograd."""
    return "autograd" if config.path == "autograd" else "fused"


def train(points: PointSet, config: TrainingConfig | None = None, on_progress: ProgressCallback | None = None,
          control: Control | None = None) -> TrainingResult:
    """Train y ≈ w·x + b on `points`. Raises DataError, DeviceError; otherwise always returns a result
    (stop_reason "completed", "stopped" or "diverged") holding what was trained so far."""
    config = config or TrainingConfig()
    points.validate()
    device = torch.device(resolve_device(config.device))
    started = time.perf_counter()
    path = choose_path(config)
    scaler = Standardizer.fitted_to(points) if config.standardize else None
    stepper, w0, b0 = _build(points, config, device, path, scaler)
    initial = (w0, b0) if scaler is None else tuple(float(v) for v in scaler.to_original(w0, b0))
    loop = _Loop(config, device, points, on_progress, (initial[0], initial[1]), scaler)
    with torch.inference_mode() if path == "fused" else torch.enable_grad():
        reason = loop.run(stepper, control)
    return TrainingResult(
        weight=loop.last_params[0], bias=loop.last_params[1], final_loss=loop.last_loss,
        loss_history=loop.history.copy(), epochs_run=len(loop.history), stop_reason=reason,
        device=str(device), elapsed_s=time.perf_counter() - started, path=path,
        message=loop.message, initial_weight=initial[0], initial_bias=initial[1], config=config.to_dict(),
        suggested_learning_rate=loop.suggested_learning_rate)


def _build(points: PointSet, config: TrainingConfig, device: torch.device, path: str,
           scaler: Standardizer | None) -> tuple[Stepper, float, float]:
    """The stepper and the initial (weight, bias) in the space it trains in (scaled when `scaler`)."""
    torch.manual_seed(config.seed)
    model = nn.Linear(1, 1)  # exactly as the example script: created on the CPU right after the seed
    w0, b0 = float(model.weight.item()), float(model.bias.item())
    columns = (points.x, points.y) if scaler is None else scaler.scale_columns(points)
    x = _to_device(columns[0], device)
    y = _to_device(columns[1], device)
    if path == "autograd":
        return AutogradStepper(x, y, model.to(device), config), w0, b0
    theta = torch.tensor([w0, b0], dtype=torch.float32, device=device)
    return FusedStepper(x, y, theta, config), w0, b0


def _to_device(column: np.ndarray, device: torch.device) -> torch.Tensor:
    host = torch.from_numpy(np.array(column, dtype=np.float32))  # a writable float32 copy
    if device.type == "cuda":
        return host.pin_memory().to(device, non_blocking=True)
    return host.to(device)


class _Loop:
    def __init__(self, config: TrainingConfig, device: torch.device, points: PointSet,
                 on_progress: ProgressCallback | None, initial: tuple[float, float],
                 scaler: Standardizer | None) -> None:
        self.config = config
        self.points = points
        self.n = len(points)
        self.scaler = scaler
        self.on_progress = on_progress
        self.chunk = min(config.epochs, _CHUNK)
        self.sse = torch.zeros(self.chunk, dtype=torch.float32, device=device)
        self.params = torch.empty((self.chunk, 2), dtype=torch.float32, device=device)
        self.history = GrowingBuffer(min(config.epochs, 1 << 20))
        self.initial = initial
        self.last_params = initial
        self.last_loss = math.nan
        self.message = ""
        self.suggested_learning_rate: float | None = None
        self.diverged = False
        self.pending = 0
        self.last_flush = time.perf_counter()

    def run(self, stepper: Stepper, control: Control | None) -> str:
        next_flush = self.last_flush  # the first epoch goes out at once: a live plot starts without delay
        for _ in range(self.config.epochs):
            if control is not None:
                if control.paused:
                    self.flush()
                    control.wait_while_paused()
                    self.last_flush = time.perf_counter()
                if control.stop_requested:
                    self.flush()
                    return DIVERGED if self.diverged else STOPPED
            index = self.pending
            stepper.run_epoch(self.sse[index])
            stepper.write_params(self.params[index])
            self.pending = index + 1
            if self.pending == self.chunk or time.perf_counter() >= next_flush:
                self.flush()
                if self.diverged:
                    return DIVERGED
                next_flush = self.last_flush + PROGRESS_INTERVAL_S
        self.flush()
        return DIVERGED if self.diverged else COMPLETED

    def flush(self) -> None:
        count = self.pending
        if count == 0:
            return
        losses = self.sse[:count].cpu().numpy().astype(np.float64) / self.n
        params = self.params[:count].cpu().numpy().astype(np.float64)
        if self.scaler is not None:  # report in the user's units
            losses *= self.scaler.loss_factor
            params = np.column_stack(self.scaler.to_original(params[:, 0], params[:, 1]))
        self.sse.zero_()
        self.pending = 0
        bad = np.flatnonzero(~np.isfinite(losses) | ~np.isfinite(params).all(axis=1))
        if bad.size:
            count = int(bad[0])
            self._note_divergence(len(self.history) + count + 1, losses[count])
            losses, params = losses[:count], params[:count]
        now = time.perf_counter()
        first_epoch = len(self.history) + 1
        if count:
            self.history.extend(losses)
            self.last_params = (float(params[-1, 0]), float(params[-1, 1]))
            self.last_loss = float(losses[-1])
        if self.on_progress is not None and count:
            elapsed = max(now - self.last_flush, 1e-9)
            self.on_progress(ProgressBatch(
                epochs=np.arange(first_epoch, first_epoch + count, dtype=np.int64), losses=losses,
                weights=params[:, 0].copy(), biases=params[:, 1].copy(), weight=self.last_params[0],
                bias=self.last_params[1], epochs_total=self.config.epochs, steps_per_second=count / elapsed,
                initial_weight=self.initial[0], initial_bias=self.initial[1]))
        self.last_flush = now

    def _note_divergence(self, epoch: int, loss: float) -> None:
        self.diverged = True
        lr = self.config.learning_rate
        what = ("the loss became infinite" if math.isinf(loss) else "the loss became not a number"
                if math.isnan(loss) else "the weight or bias became infinite or not a number")
        moments = Moments.of(self.points)
        trained_on = moments if self.scaler is None else moments.standardized()
        stable = stable_learning_rate_for(trained_on, self.config.optimizer, self.config.momentum)
        if stable is not None and lr > stable:
            self.suggested_learning_rate = suggest_learning_rate(stable)
            why = (f"Each step overshoots the minimum by more than it gains, so the error grows every epoch: "
                   f"for these points gradient descent is stable only below a learning rate of {stable:.4g}, "
                   f"and {lr:g} is above it. Try a smaller one, such as {self.suggested_learning_rate:g}.")
        else:
            self.suggested_learning_rate = round_down(lr / 10)
            why = f"The learning rate {lr:g} is too large for this data; try a smaller one, such as " \
                  f"{self.suggested_learning_rate:g}."
        shown = (f"the last finite values (epoch {epoch - 1:,}) are shown" if epoch > 1 else
                 "the starting weight and bias are shown")  # the panel names the same two epochs
        self.message = f"Training diverged at epoch {epoch:,}: {what}; {shown}. {why}"
