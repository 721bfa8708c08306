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

from engine.config import TrainingConfig
from engine.devices import resolve_device
from engine.loss_history import GrowingBuffer
from engine.points import PointSet
from engine.steppers import AutogradStepper, FusedStepper, Stepper
from engine.training_types import COMPLETED, DIVERGED, STOPPED, Control, ProgressBatch, TrainingResult

PROGRESS_INTERVAL_S = 1 / 30
_CHUNK = 4096  # epochs buffered on the device between reads

ProgressCallback = Callable[[ProgressBatch], None]


def choose_path(config: TrainingConfig) -> str:
    """The fused loop wherever the closed-form gradient applies (MSE with sgd, momentum or adam: all of
    ours), unless the config asks for autograd."""
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
    stepper, w0, b0 = _build(points, config, device, path)
    loop = _Loop(config, device, len(points), on_progress, (w0, b0))
    with torch.inference_mode() if path == "fused" else torch.enable_grad():
        reason = loop.run(stepper, control)
    return TrainingResult(
        weight=loop.last_params[0], bias=loop.last_params[1], final_loss=loop.last_loss,
        loss_history=loop.history.copy(), epochs_run=len(loop.history), stop_reason=reason,
        device=str(device), elapsed_s=time.perf_counter() - started, path=path,
        message=loop.message, initial_weight=w0, initial_bias=b0, config=config.to_dict())


def _build(points: PointSet, config: TrainingConfig, device: torch.device, path: str) -> tuple[Stepper, float, float]:
    torch.manual_seed(config.seed)
    model = nn.Linear(1, 1)  # exactly as the example script: created on the CPU right after the seed
    w0, b0 = float(model.weight.item()), float(model.bias.item())
    x = _to_device(points.x, device)
    y = _to_device(points.y, device)
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
    def __init__(self, config: TrainingConfig, device: torch.device, n: int,
                 on_progress: ProgressCallback | None, initial: tuple[float, float]) -> None:
        self.config = config
        self.n = n
        self.on_progress = on_progress
        self.chunk = min(config.epochs, _CHUNK)
        self.sse = torch.zeros(self.chunk, dtype=torch.float32, device=device)
        self.params = torch.empty((self.chunk, 2), dtype=torch.float32, device=device)
        self.history = GrowingBuffer(min(config.epochs, 1 << 20))
        self.last_params = initial
        self.last_loss = math.nan
        self.message = ""
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
                bias=self.last_params[1], epochs_total=self.config.epochs, steps_per_second=count / elapsed))
        self.last_flush = now

    def _note_divergence(self, epoch: int, loss: float) -> None:
        self.diverged = True
        lr = self.config.learning_rate
        what = "infinite" if math.isinf(loss) else "not a number"
        self.message = (f"Training diverged at epoch {epoch}: the loss became {what}. The learning rate "
                        f"{lr:g} is too large for this data; try a smaller one, such as {lr / 10:g}. "
                        "The weight and bias shown are the last finite ones.")
