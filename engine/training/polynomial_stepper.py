"""The fused loop for every run that is not the classic line: any degree, loss, penalty, schedule, split.

The gradient is closed form over the feature matrix A = [X, 1] with residuals r = A·θ − y:
∂(Σ loss)/∂θ = Aᵀ·loss′(r) (loss′ from the loss's registry entry), divided by the batch size, plus
2·l2·w + l1·sign(w) on the weights (torch's sign: 0 at 0, as autograd's |w|′). The optimizer's and the
schedule's arithmetic are their registry entries', so this loop takes the steps the autograd loop takes.

Full-batch MSE needs no pass over the points at all: with G = AᵀA, c = Aᵀy and s = yᵀy (float64, computed
once), Σr² = θᵀGθ − 2θᵀc + s and Aᵀr = Gθ − c, so a step costs O(D²) whatever the number of points. On MPS
(no float64) it takes the pass over the points instead.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.training.config import TrainingConfig
from engine.training.losses import LOSSES
from engine.training.optimizers import OPTIMIZERS
from engine.training.schedules import SCHEDULES
from engine.training.steppers import (
    ROW_WIDTH,
    STATE_START,
    STATE_STOP,
    VALIDATION_COLUMN,
    HeldOut,
    _Batches,
    extra_width,
)


class PolynomialFusedStepper:
    scales_gradient = True  # the recorded gradient is the whole one: 1/m and the penalties included

    def __init__(self, features: torch.Tensor, y: torch.Tensor, theta: torch.Tensor, config: TrainingConfig, *,
                 delta: float, held_out: HeldOut | None = None) -> None:
        """`features` [n, D], `y` [n], `theta` the initial [w₁…w_D, b]; `delta` Huber's δ in trained units."""
        device = features.device
        self.features = features
        self.y = y
        self.degree = features.shape[1]
        self.config = config
        self.loss = LOSSES.get(config.loss)
        self.delta = delta
        self.schedule = SCHEDULES.get(config.schedule)
        self.l2, self.l1 = config.l2, config.l1
        spec = OPTIMIZERS.get(config.optimizer)
        count = self.degree + 1
        self.extra_width = 0 if self.degree == 1 else extra_width(count, len(spec.torch_state_keys))
        self.live = torch.zeros(ROW_WIDTH + self.extra_width, dtype=torch.float32, device=device)
        self.live[VALIDATION_COLUMN] = float("nan")
        if self.degree == 1:  # θ, its gradient and the optimizer's state are the row's own columns
            self.theta = self.live[1:3]
            self.gradient = self.live[3:5]
            state: torch.Tensor | None = self.live[STATE_START:STATE_STOP]
        else:  # … and a polynomial's are the extra columns after them (see steppers.py)
            self.theta = self.live[ROW_WIDTH:ROW_WIDTH + count]
            self.gradient = self.live[ROW_WIDTH + count:ROW_WIDTH + 2 * count]
            state = self.live[ROW_WIDTH + 2 * count:] if spec.torch_state_keys else None
        self.theta.copy_(theta)
        self.weights, self.bias = self.theta[:-1], self.theta[-1]
        self.update = spec.make_fused(self.theta, config, state)
        self.base_rate = config.learning_rate
        self.epochs_done = 0
        self.batches = _Batches(len(y), config.batch_size, config.seed, device)
        self.steps_per_epoch = self.batches.steps_per_epoch
        self.held_out = held_out
        self.derivative = torch.empty(min(len(y), self.batches.batch_size or len(y)), dtype=y.dtype, device=device)
        self._shuffled: tuple[torch.Tensor, torch.Tensor] | None = None
        self.gram: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None
        if self.batches.batch_size is None and config.loss == "mse" and device.type != "mps":
            design = torch.cat([features.double(), torch.ones(len(y), 1, dtype=torch.float64, device=device)], 1)
            targets = y.double()
            self.gram = (design.T @ design, design.T @ targets, torch.dot(targets, targets))

    def take_step(self, row: torch.Tensor) -> None:
        if self.batches.cursor == 0 and self.held_out is not None:
            self.held_out.mean_loss(self.weights, self.bias, self.live[VALIDATION_COLUMN])
        part = self.batches.next_slice()
        if part is None:
            self._step(self.features, self.y)
        else:
            if part.start == 0:
                assert self.batches.order is not None
                self._shuffled = (self.features[self.batches.order], self.y[self.batches.order])
            assert self._shuffled is not None
            self._step(self._shuffled[0][part], self._shuffled[1][part])
        if self.degree > 1:
            self.live[1:5].copy_(torch.stack([self.theta[0], self.theta[-1], self.gradient[0], self.gradient[-1]]))
        row.copy_(self.live)
        if self.batches.cursor == 0:  # the epoch's last step: the schedule moves the rate for the next one
            self.epochs_done += 1
            rate = self.schedule.next_rate(self.update.learning_rate, self.base_rate, self.epochs_done, self.config)
            self.update.learning_rate = rate

    def batch_size_at(self, index_in_epoch: int) -> int:
        return self.batches.size_at(index_in_epoch)

    def trained_parameters(self) -> np.ndarray:
        return self.theta.detach().cpu().numpy().astype(np.float64)

    def _step(self, features: torch.Tensor, y: torch.Tensor) -> None:
        count = y.shape[0]
        if self.gram is not None:
            gram, moment, square = self.gram
            theta = self.theta.double()
            product = torch.mv(gram, theta)
            # θᵀGθ − 2θᵀc + s cancels near a perfect fit and can round below 0: a sum of squares is not.
            self.live[0].copy_((torch.dot(theta, product) - 2.0 * torch.dot(theta, moment) + square).clamp_min(0.0))
            self.gradient.copy_((product - moment).mul_(2.0 / count))
        else:
            residual = torch.mv(features, self.weights).add_(self.bias).sub_(y)
            self.live[0].copy_(self.loss.sum_of_losses(residual, self.delta))
            derivative = self.derivative[:count]
            self.loss.derivative(residual, self.delta, derivative)
            torch.mv(features.T, derivative, out=self.gradient[:-1])
            torch.sum(derivative, dim=0, out=self.gradient[-1])
            self.gradient.div_(count)
        if self.l2 > 0.0:
            self.gradient[:-1].add_(self.weights, alpha=2.0 * self.l2)
        if self.l1 > 0.0:
            self.gradient[:-1].add_(torch.sign(self.weights), alpha=self.l1)
        self.update(self.gradient, 1.0)
