"""One optimizer step of training, two ways.

`AutogradStepper` is the classic PyTorch example verbatim: nn.Linear(D, 1) on the polynomial's columns
(D = 1: the example's line), the registered loss plus any L2/L1 penalty on the weights, the registered
torch.optim optimizer and scheduler. `FusedStepper` computes the same MSE gradient in closed
form, g = (2/m)·[Σ r·x, Σ r] with r = w·x + b − y, and hands it to the optimizer's fused update (the same
arithmetic as torch.optim, see engine.training.optimizers), in a handful of tensor ops and without an
autograd graph. After every step both write one row on the device: the batch's sum of squared errors
(measured before the step), the weight and bias after it, the gradient and the optimizer's state (what
replay and the step details show), so nothing waits for the device until the trainer reads a whole batch
of rows. A step is one mini-batch update, or one epoch with the full batch. `FusedStepper` is the classic
run's (a line, MSE, no penalty, schedule or split: TrainingConfig.is_classic); every other run's fused loop
is engine.training.polynomial_stepper.

A row is [batch loss sum, w, b, ∂L/∂w, ∂L/∂b, optimizer state…, validation loss]. For
degree > 1, w is the first weight (of x), and `extra_width` more columns follow the row's: every parameter
after the step [w₁…w_D, b], the whole gradient, and the optimizer's buffers for every parameter (one part
per buffer, in `torch_state_keys` order), which replay and the step details read. The validation loss is
the held-out points' mean loss (no penalty) at the parameters the epoch started from, written in every row
of the epoch (NaN without a split).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import torch
from torch import nn

from engine.training.config import TrainingConfig
from engine.training.losses import LOSSES
from engine.training.optimizers import OPTIMIZERS
from engine.training.schedules import SCHEDULES
from engine.training.step_trace import STATE_WIDTH

STATE_START = 5
STATE_STOP = STATE_START + STATE_WIDTH
VALIDATION_COLUMN = STATE_STOP
ROW_WIDTH = VALIDATION_COLUMN + 1  # [batch loss sum, w, b, ∂L/∂w, ∂L/∂b, optimizer state…, validation]


class Stepper(Protocol):
    steps_per_epoch: int
    scales_gradient: bool  # False: the row's gradient lacks the factor 2/m (the trainer applies it)
    extra_width: int  # columns after ROW_WIDTH: a polynomial's parameters, gradient and state (0: none)

    def take_step(self, row: torch.Tensor) -> None:
        """One optimizer step; write [batch SSE, w, b, gradient, state] into `row` (shape [ROW_WIDTH])."""

    def batch_size_at(self, index_in_epoch: int) -> int:
        """The number of points in the epoch's `index_in_epoch`-th step."""

    def trained_parameters(self) -> np.ndarray:
        """Every weight then the bias, in the space the run trains in, after the last step taken."""


class HeldOut:
    """The validation points on the device and their mean loss (the run's loss without its penalties: the
    penalties are a training device, not part of how well the curve predicts new points)."""

    def __init__(self, features: torch.Tensor, targets: torch.Tensor, config: TrainingConfig, delta: float) -> None:
        self.features = features
        self.targets = targets
        self.spec = LOSSES.get(config.loss)
        self.delta = delta

    def mean_loss(self, weights: torch.Tensor, bias: torch.Tensor, out: torch.Tensor) -> None:
        """The mean loss of the curve with `weights` (shape [D]) and `bias` (0-d), into the 0-d `out`."""
        residual = torch.mv(self.features, weights).add_(bias).sub_(self.targets)
        out.copy_(self.spec.sum_of_losses(residual, self.delta) / residual.shape[0])


class _Batches:
    """Full batch, or a seeded permutation per epoch sliced into contiguous mini-batches, one per step.

    The permutation is always drawn by a CPU generator and then moved to the device: a CUDA generator with
    the same seed draws other permutations, so a mini-batch run on the GPU would take other batches than
    the same run on the CPU and than its exported script."""

    def __init__(self, n: int, batch_size: int | None, seed: int, device: torch.device) -> None:
        self.n = n
        self.batch_size = batch_size if batch_size is not None and batch_size < n else None
        self.device = device
        self.generator: torch.Generator | None = None
        self.steps_per_epoch = 1 if self.batch_size is None else -(-n // self.batch_size)
        self.cursor = 0  # the next step's index in its epoch
        self.order: torch.Tensor | None = None
        if self.batch_size is not None:
            self.generator = torch.Generator()
            self.generator.manual_seed(seed)

    def next_slice(self) -> slice | None:
        """The next step's slice of this epoch's order (drawn at the epoch's first step); None: full batch."""
        if self.batch_size is None:
            return None
        if self.cursor == 0:
            order = torch.randperm(self.n, generator=self.generator)
            self.order = order if self.device.type == "cpu" else order.to(self.device, non_blocking=True)
        start = self.cursor * self.batch_size
        self.cursor = (self.cursor + 1) % self.steps_per_epoch
        return slice(start, start + self.batch_size)

    def size_at(self, index_in_epoch: int) -> int:
        if self.batch_size is None:
            return self.n
        return min(self.batch_size, self.n - index_in_epoch * self.batch_size)


def extra_width(parameter_count: int, buffers: int) -> int:
    """Columns a polynomial's row adds: its parameters, its gradient, and each optimizer buffer."""
    return parameter_count * (2 + buffers)


class FusedStepper:
    extra_width = 0

    def __init__(self, x: torch.Tensor, y: torch.Tensor, theta: torch.Tensor, config: TrainingConfig) -> None:
        self.x = x
        self.y = y
        # One row holds everything a step changes; the views below share its storage, so a step's record
        # is a single copy.
        self.live = torch.zeros(ROW_WIDTH, dtype=torch.float32, device=x.device)
        self.live[1:3].copy_(theta)
        self.live[VALIDATION_COLUMN] = float("nan")
        self.sse = self.live[0]
        self.theta = self.live[1:3]  # [weight, bias]
        self.weight, self.bias = self.live[1], self.live[2]
        self.gradient = self.live[3:5]
        self.grad_weight, self.grad_bias = self.live[3], self.live[4]
        self.config = config
        self.batches = _Batches(len(x), config.batch_size, config.seed, x.device)
        self.steps_per_epoch = self.batches.steps_per_epoch
        # The update holds the run's state (momentum buffer, Adam moments) in the row's state columns.
        self.update = OPTIMIZERS.get(config.optimizer).make_fused(self.theta, config,
                                                                 self.live[STATE_START:STATE_STOP])
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

    def trained_parameters(self) -> np.ndarray:
        return self.theta.detach().cpu().numpy().astype(np.float64)

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

    def __init__(self, x: torch.Tensor, y: torch.Tensor, model: nn.Linear, config: TrainingConfig, *,
                 delta: float | None = None, held_out: HeldOut | None = None) -> None:
        """`x` is the [n] column of a line or the [n, D] feature matrix; `delta` Huber's δ in the trained
        units (the config's by default)."""
        self.inputs = x.view(-1, 1) if x.dim() == 1 else x
        self.targets = y.view(-1, 1)
        self.model = model
        self.criterion = LOSSES.get(config.loss).make_criterion(config.huber_delta if delta is None else delta)
        self.l2, self.l1 = config.l2, config.l1
        spec = OPTIMIZERS.get(config.optimizer)
        self.optimizer = spec.make_torch(model.parameters(), config)
        self.state_keys = spec.torch_state_keys
        self.scheduler = SCHEDULES.get(config.schedule).make_scheduler(self.optimizer, config)
        self.batches = _Batches(len(x), config.batch_size, config.seed, x.device)
        self.steps_per_epoch = self.batches.steps_per_epoch
        self._shuffled: tuple[torch.Tensor, torch.Tensor] | None = None
        self.held_out = held_out
        self.validation = torch.full((), float("nan"), dtype=torch.float32, device=x.device)
        parameter_count = self.inputs.shape[1] + 1
        # A polynomial records every parameter (extra_width); a line its (w, b) in the row's own columns.
        self.extra_width = extra_width(parameter_count, len(self.state_keys)) if parameter_count > 2 else 0
        self.gradient = torch.zeros(parameter_count, dtype=torch.float32, device=x.device)  # [∂/∂w…, ∂/∂b]

    def take_step(self, row: torch.Tensor) -> None:
        if self.batches.cursor == 0 and self.held_out is not None:  # the epoch's first step: score it first
            with torch.no_grad():
                self.validation.copy_(self.criterion(self.model(self.held_out.features),
                                                     self.held_out.targets.view(-1, 1)))
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

    def trained_parameters(self) -> np.ndarray:
        with torch.no_grad():
            values = torch.cat([self.model.weight.reshape(-1), self.model.bias.reshape(-1)])
        return values.cpu().numpy().astype(np.float64)

    def _step(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        self.optimizer.zero_grad()
        outputs = self.model(inputs)
        loss = self.criterion(outputs, targets)
        objective = loss
        if self.l2 > 0.0:  # only when set: the classic run's graph stays the example's
            objective = objective + self.l2 * self.model.weight.pow(2).sum()
        if self.l1 > 0.0:
            objective = objective + self.l1 * self.model.weight.abs().sum()
        objective.backward()
        # Read before the step: torch.optim's foreach implementations (the default on CUDA) may change .grad
        # in place (SGD with Nesterov momentum adds the buffer into it).
        weight_grad, bias_grad = self.model.weight.grad, self.model.bias.grad
        assert weight_grad is not None and bias_grad is not None
        with torch.no_grad():
            torch.cat([weight_grad.reshape(-1), bias_grad.reshape(-1)], out=self.gradient)
        self.optimizer.step()
        return loss.detach() * inputs.shape[0]

    def _record(self, row: torch.Tensor, loss_sum: torch.Tensor) -> None:
        weight, bias = self.model.weight, self.model.bias
        state = self.optimizer.state
        buffers = [torch.cat([state[weight][key].reshape(-1), state[bias][key].reshape(-1)])
                   for key in self.state_keys]
        with torch.no_grad():
            gradient = self.gradient[[0, -1]] if self.extra_width else self.gradient
            values = [loss_sum.reshape(1), weight.detach().reshape(-1)[:1], bias.detach().reshape(1), gradient,
                      *(buffers if not self.extra_width else [])]
            filled = torch.cat(values)
            row[: filled.shape[0]].copy_(filled)
            row[filled.shape[0]:STATE_STOP].zero_()
            row[VALIDATION_COLUMN].copy_(self.validation)
            if self.extra_width:
                row[ROW_WIDTH:].copy_(torch.cat([weight.detach().reshape(-1), bias.detach().reshape(-1),
                                                 self.gradient, *buffers]))
