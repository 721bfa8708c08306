"""One optimizer step of training, two ways.

`AutogradStepper` is the classic PyTorch example verbatim: nn.Linear(1, 1), the registered loss
(nn.MSELoss), the registered torch.optim optimizer. `FusedStepper` computes the same MSE gradient in closed
form, g = (2/m)·[Σ r·x, Σ r] with r = w·x + b − y, and hands it to the optimizer's fused update (the same
arithmetic as torch.optim, see engine.training.optimizers), in a handful of tensor ops and without an
autograd graph. After every step both write one row on the device: the batch's sum of squared errors
(measured before the step), the weight and bias after it, the gradient and the optimizer's state (what
replay and the step details show), so nothing waits for the device until the trainer reads a whole batch
of rows. A step is one mini-batch update, or one epoch with the full batch.
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch import nn

from engine.training.config import TrainingConfig
from engine.training.losses import DEFAULT_LOSS, LOSSES
from engine.training.optimizers import OPTIMIZERS
from engine.training.schedules import DEFAULT_SCHEDULE, SCHEDULES
from engine.training.step_trace import STATE_WIDTH

ROW_WIDTH = 5 + STATE_WIDTH  # [batch SSE, w, b, ∂L/∂w, ∂L/∂b, optimizer state…]


class Stepper(Protocol):
    steps_per_epoch: int
    scales_gradient: bool  # False: the row's gradient lacks the factor 2/m (the trainer applies it)

    def take_step(self, row: torch.Tensor) -> None:
        """One optimizer step; write [batch SSE, w, b, gradient, state] into `row` (shape [ROW_WIDTH])."""

    def batch_size_at(self, index_in_epoch: int) -> int:
        """The number of points in the epoch's `index_in_epoch`-th step."""


class _Batches:
    """Full batch, or a seeded permutation per epoch sliced into contiguous mini-batches, one per step."""

    def __init__(self, n: int, batch_size: int | None, seed: int, device: torch.device) -> None:
        self.n = n
        self.batch_size = batch_size if batch_size is not None and batch_size < n else None
        self.device = device
        self.generator: torch.Generator | None = None
        self.steps_per_epoch = 1 if self.batch_size is None else -(-n // self.batch_size)
        self.cursor = 0  # the next step's index in its epoch
        self.order: torch.Tensor | None = None
        if self.batch_size is not None:
            self.generator = torch.Generator(device=device)
            self.generator.manual_seed(seed)

    def next_slice(self) -> slice | None:
        """The next step's slice of this epoch's order (drawn at the epoch's first step); None: full batch."""
        if self.batch_size is None:
            return None
        if self.cursor == 0:
            self.order = torch.randperm(self.n, generator=self.generator, device=self.device)
        start = self.cursor * self.batch_size
        self.cursor = (self.cursor + 1) % self.steps_per_epoch
        return slice(start, start + self.batch_size)

    def size_at(self, index_in_epoch: int) -> int:
        if self.batch_size is None:
            return self.n
        return min(self.batch_size, self.n - index_in_epoch * self.batch_size)


class FusedStepper:
    def __init__(self, x: torch.Tensor, y: torch.Tensor, theta: torch.Tensor, config: TrainingConfig) -> None:
        self.x = x
        self.y = y
        # One row holds everything a step changes; the views below share its storage, so a step's record
        # is a single copy.
        self.live = torch.zeros(ROW_WIDTH, dtype=torch.float32, device=x.device)
        self.live[1:3].copy_(theta)
        self.sse = self.live[0]
        self.theta = self.live[1:3]  # [weight, bias]
        self.weight, self.bias = self.live[1], self.live[2]
        self.gradient = self.live[3:5]
        self.grad_weight, self.grad_bias = self.live[3], self.live[4]
        self.config = config
        self.batches = _Batches(len(x), config.batch_size, config.seed, x.device)
        self.steps_per_epoch = self.batches.steps_per_epoch
        # The update holds the run's state (momentum buffer, Adam moments) in the row's state columns.
        self.update = OPTIMIZERS.get(config.optimizer).make_fused(self.theta, config, self.live[5:])
        self.scales_gradient = self.update.scales_gradient
        # One residual buffer for the whole run: a fresh 4 MB tensor per step at N = 1e6 costs page faults.
        self.residual = torch.empty(min(len(x), self.batches.batch_size or len(x)), dtype=x.dtype, device=x.device)
        self._shuffled: tuple[torch.Tensor, torch.Tensor] | None = None

    def take_step(self, row: torch.Tensor) -> None:
        part = self.batches.next_slice()
        if part is None:
            self._step(self.x, self.y)
        else:
            if part.start == 0:
                assert self.batches.order is not None
                self._shuffled = (self.x[self.batches.order], self.y[self.batches.order])
            assert self._shuffled is not None
            self._step(self._shuffled[0][part], self._shuffled[1][part])
        row.copy_(self.live)

    def batch_size_at(self, index_in_epoch: int) -> int:
        return self.batches.size_at(index_in_epoch)

    def _step(self, x: torch.Tensor, y: torch.Tensor) -> None:
        # Elementwise passes and dot products: at N = 1e6 far cheaper than a matrix-vector product on [x, 1].
        residual = self.residual[: x.shape[0]]
        # (x·w + b) − y, as nn.Linear then MSELoss order it. Three simple passes: addcmul with two 0-d
        # operands takes a slow broadcasting path (225 µs at N = 1e6 against ~45 µs for each of these).
        torch.mul(x, self.weight, out=residual).add_(self.bias).sub_(y)
        torch.dot(residual, residual, out=self.sse)
        torch.dot(residual, x, out=self.grad_weight)
        torch.sum(residual, dim=0, out=self.grad_bias)
        self.update(self.gradient, 2.0 / residual.shape[0])


class AutogradStepper:
    scales_gradient = True

    def __init__(self, x: torch.Tensor, y: torch.Tensor, model: nn.Linear, config: TrainingConfig) -> None:
        self.inputs = x.view(-1, 1)
        self.targets = y.view(-1, 1)
        self.model = model
        self.criterion = LOSSES.get(DEFAULT_LOSS).make_criterion()
        spec = OPTIMIZERS.get(config.optimizer)
        self.optimizer = spec.make_torch(model.parameters(), config)
        self.state_keys = spec.torch_state_keys
        self.scheduler = SCHEDULES.get(DEFAULT_SCHEDULE).make_scheduler(self.optimizer, config)
        self.batches = _Batches(len(x), config.batch_size, config.seed, x.device)
        self.steps_per_epoch = self.batches.steps_per_epoch
        self._shuffled: tuple[torch.Tensor, torch.Tensor] | None = None
        self._empty_state = torch.zeros(STATE_WIDTH, dtype=torch.float32, device=x.device)

    def take_step(self, row: torch.Tensor) -> None:
        part = self.batches.next_slice()
        if part is None:
            loss = self._step(self.inputs, self.targets)
        else:
            if part.start == 0:
                assert self.batches.order is not None
                self._shuffled = (self.inputs[self.batches.order], self.targets[self.batches.order])
            assert self._shuffled is not None
            loss = self._step(self._shuffled[0][part], self._shuffled[1][part])
        self._record(row, loss)
        if self.batches.cursor == 0 and self.scheduler is not None:  # the epoch's last step
            self.scheduler.step()

    def batch_size_at(self, index_in_epoch: int) -> int:
        return self.batches.size_at(index_in_epoch)

    def _step(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        self.optimizer.zero_grad()
        outputs = self.model(inputs)
        loss = self.criterion(outputs, targets)
        loss.backward()
        self.optimizer.step()
        return loss.detach() * inputs.shape[0]

    def _record(self, row: torch.Tensor, sse: torch.Tensor) -> None:
        weight, bias = self.model.weight, self.model.bias
        assert weight.grad is not None and bias.grad is not None
        state = self.optimizer.state
        buffers = [torch.stack([state[weight][key].reshape(()), state[bias][key].reshape(())])
                   for key in self.state_keys]
        with torch.no_grad():
            values = [sse.reshape(1), weight.detach().reshape(1), bias.detach().reshape(1),
                      weight.grad.reshape(1), bias.grad.reshape(1), *buffers]
            filled = torch.cat(values)
            row[: filled.shape[0]].copy_(filled)
            row[filled.shape[0]:].zero_()
