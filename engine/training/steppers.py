"""One epoch of training, two ways.

`AutogradStepper` is the classic PyTorch example verbatim: nn.Linear(1, 1), the registered loss
(nn.MSELoss), the registered torch.optim optimizer. `FusedStepper` computes the same MSE gradient in closed
form, g = (2/m)·[Σ r·x, Σ r] with r = w·x + b − y, and hands it to the optimizer's fused update (the same
arithmetic as torch.optim, see engine.training.optimizers), in a handful of tensor ops and without an
autograd graph. Both write the epoch's sum of squared errors into a 0-d slot on the device, so nothing
waits for the device until the trainer reads a whole batch of losses.
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch import nn

from engine.training.config import TrainingConfig
from engine.training.losses import DEFAULT_LOSS, LOSSES
from engine.training.optimizers import OPTIMIZERS
from engine.training.schedules import DEFAULT_SCHEDULE, SCHEDULES


class Stepper(Protocol):
    def run_epoch(self, sse_slot: torch.Tensor) -> None:
        """Train one epoch; add the sum of squared errors seen during it to `sse_slot`."""

    def write_params(self, slot: torch.Tensor) -> None:
        """Copy the current [weight, bias] into `slot` (shape [2])."""


class _Batches:
    """Full batch, or a seeded permutation per epoch sliced into contiguous mini-batches."""

    def __init__(self, n: int, batch_size: int | None, seed: int, device: torch.device) -> None:
        self.n = n
        self.batch_size = batch_size if batch_size is not None and batch_size < n else None
        self.device = device
        self.generator: torch.Generator | None = None
        if self.batch_size is not None:
            self.generator = torch.Generator(device=device)
            self.generator.manual_seed(seed)

    def permutation(self) -> torch.Tensor:
        return torch.randperm(self.n, generator=self.generator, device=self.device)

    def bounds(self) -> range:
        assert self.batch_size is not None
        return range(0, self.n, self.batch_size)


class FusedStepper:
    def __init__(self, x: torch.Tensor, y: torch.Tensor, theta: torch.Tensor, config: TrainingConfig) -> None:
        self.x = x
        self.y = y
        self.theta = theta.clone()  # [weight, bias]; the views below share its storage
        self.weight, self.bias = self.theta[0], self.theta[1]
        self.gradient = torch.zeros_like(self.theta)
        self.grad_weight, self.grad_bias = self.gradient[0], self.gradient[1]
        self.config = config
        self.batches = _Batches(len(x), config.batch_size, config.seed, x.device)
        self.update = OPTIMIZERS.get(config.optimizer).make_fused(self.theta, config)  # holds the run's state
        # One residual buffer for the whole run: a fresh 4 MB tensor per step at N = 1e6 costs page faults.
        self.residual = torch.empty(min(len(x), self.batches.batch_size or len(x)), dtype=x.dtype, device=x.device)

    def run_epoch(self, sse_slot: torch.Tensor) -> None:
        if self.batches.batch_size is None:
            self._step(self.x, self.y, sse_slot)
            return
        order = self.batches.permutation()
        x, y = self.x[order], self.y[order]
        size = self.batches.batch_size
        for start in self.batches.bounds():
            self._step(x[start : start + size], y[start : start + size], sse_slot)

    def write_params(self, slot: torch.Tensor) -> None:
        slot.copy_(self.theta)

    def _step(self, x: torch.Tensor, y: torch.Tensor, sse_slot: torch.Tensor) -> None:
        # Elementwise passes and dot products: at N = 1e6 far cheaper than a matrix-vector product on [x, 1].
        residual = self.residual[: x.shape[0]]
        # (x·w + b) − y, as nn.Linear then MSELoss order it. Three simple passes: addcmul with two 0-d
        # operands takes a slow broadcasting path (225 µs at N = 1e6 against ~45 µs for each of these).
        torch.mul(x, self.weight, out=residual).add_(self.bias).sub_(y)
        sse_slot.add_(torch.dot(residual, residual))
        torch.dot(residual, x, out=self.grad_weight)
        torch.sum(residual, dim=0, out=self.grad_bias)
        self.update(self.gradient, 2.0 / residual.shape[0])


class AutogradStepper:
    def __init__(self, x: torch.Tensor, y: torch.Tensor, model: nn.Linear, config: TrainingConfig) -> None:
        self.inputs = x.view(-1, 1)
        self.targets = y.view(-1, 1)
        self.model = model
        self.criterion = LOSSES.get(DEFAULT_LOSS).make_criterion()
        self.optimizer = OPTIMIZERS.get(config.optimizer).make_torch(model.parameters(), config)
        self.scheduler = SCHEDULES.get(DEFAULT_SCHEDULE).make_scheduler(self.optimizer, config)
        self.batches = _Batches(len(x), config.batch_size, config.seed, x.device)

    def run_epoch(self, sse_slot: torch.Tensor) -> None:
        if self.batches.batch_size is None:
            self._step(self.inputs, self.targets, sse_slot)
        else:
            order = self.batches.permutation()
            inputs, targets = self.inputs[order], self.targets[order]
            size = self.batches.batch_size
            for start in self.batches.bounds():
                self._step(inputs[start : start + size], targets[start : start + size], sse_slot)
        if self.scheduler is not None:
            self.scheduler.step()

    def write_params(self, slot: torch.Tensor) -> None:
        with torch.no_grad():
            slot[0] = self.model.weight[0, 0]
            slot[1] = self.model.bias[0]

    def _step(self, inputs: torch.Tensor, targets: torch.Tensor, sse_slot: torch.Tensor) -> None:
        self.optimizer.zero_grad()
        outputs = self.model(inputs)
        loss = self.criterion(outputs, targets)
        loss.backward()
        self.optimizer.step()
        sse_slot.add_(loss.detach() * inputs.shape[0])

