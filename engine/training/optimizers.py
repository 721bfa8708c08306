"""Every optimizer the app offers, each as one entry: label, torch.optim constructor, fused update,
exported-script line and stable learning rate.

The registry's order is the order of the combo box and of "Race optimizers". torch is imported only
inside the functions that need it: the GUI process reads labels and rules from here and never loads torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from engine.analysis.least_squares import Moments, largest_stable_learning_rate
from engine.training.registry import Registry

if TYPE_CHECKING:
    import torch

ADAM_BETAS = (0.9, 0.999)  # torch.optim.Adam's defaults, written out so the exported script shows them
ADAM_EPS = 1e-8
DEFAULT_MOMENTUM = 0.9


class Hyperparameters(Protocol):
    """The settings an optimizer reads (TrainingConfig has them; this module must not import it)."""

    @property
    def learning_rate(self) -> float: ...

    @property
    def momentum(self) -> float: ...


class FusedUpdate(Protocol):
    scales_gradient: bool  # after a call, `gradient` holds gradient·scale (else it is left unscaled)

    def __call__(self, gradient: torch.Tensor, scale: float) -> None:
        """One step on the parameters bound at creation. `gradient` lacks the factor `scale` and may be
        overwritten."""


if TYPE_CHECKING:
    TorchOptimizerFactory = Callable[[Iterable[torch.nn.Parameter], Hyperparameters], torch.optim.Optimizer]
    FusedUpdateFactory = Callable[[torch.Tensor, Hyperparameters, torch.Tensor | None], FusedUpdate]
    StableRateRule = Callable[[float, float], float | None]


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer. `make_fused(theta, settings, state)` holds the state of one run (momentum buffer, Adam
    moments) in `state` (a zeroed tensor of STATE_WIDTH values the trainer records every step; None: its
    own) and updates `theta` in place with torch.optim's own arithmetic, so both training paths agree.
    `script_line` assigns `optimizer` in the exported script; `script_settings` names the config fields it
    reads, written above it as upper-case constants (momentum → MOMENTUM). `stable_rate(plain, momentum)`
    turns plain gradient descent's bound into this optimizer's, or None where it has no fixed bound.
    `defaults` are the optimizer's own hyperparameters as both loops and the script use them (a setting the
    panel offers, such as momentum, starts there)."""

    key: str
    label: str
    description: str
    uses_momentum: bool
    make_torch: TorchOptimizerFactory
    make_fused: FusedUpdateFactory
    script_line: str
    stable_rate: StableRateRule
    script_settings: tuple[str, ...] = ()
    defaults: Mapping[str, float | tuple[float, float]] = field(default_factory=dict)
    state_names: tuple[str, ...] = ()  # the optimizer state kept per step for replay (StepRecords.states)
    torch_state_keys: tuple[str, ...] = ()  # torch.optim's names for the same buffers, one per (w, b) pair

    def stable_learning_rate(self, plain: float | None, momentum: float) -> float | None:
        """The bound for this optimizer given plain gradient descent's (None: no data, no bound)."""
        return None if plain is None else self.stable_rate(plain, momentum)

    @property
    def has_fixed_bound(self) -> bool:
        """False where the step size adapts itself (Adam): no learning rate is too large for the data."""
        return self.stable_rate(1.0, 0.0) is not None


# --- sgd -------------------------------------------------------------------------------------------------
def _sgd_torch(params: Iterable[torch.nn.Parameter], settings: Hyperparameters) -> torch.optim.Optimizer:
    from torch import optim

    return optim.SGD(params, lr=settings.learning_rate)


class _SgdUpdate:
    """θ −= lr·scale·g in one op, the scale folded into alpha: the default run must equal the classic
    PyTorch script bit for bit, and this is the arithmetic that does."""

    scales_gradient = False

    def __init__(self, theta: torch.Tensor, settings: Hyperparameters, state: torch.Tensor | None = None) -> None:
        self.theta = theta
        self.learning_rate = settings.learning_rate

    def __call__(self, gradient: torch.Tensor, scale: float) -> None:
        self.theta.add_(gradient, alpha=-self.learning_rate * scale)


def _plain_bound(plain: float, momentum: float) -> float | None:
    return plain


# --- momentum --------------------------------------------------------------------------------------------
def _momentum_torch(params: Iterable[torch.nn.Parameter], settings: Hyperparameters) -> torch.optim.Optimizer:
    from torch import optim

    return optim.SGD(params, lr=settings.learning_rate, momentum=settings.momentum)


class _MomentumUpdate:
    """torch.optim.SGD with momentum: the buffer starts as the first gradient, then b = β·b + g."""

    scales_gradient = True

    def __init__(self, theta: torch.Tensor, settings: Hyperparameters, state: torch.Tensor | None = None) -> None:
        self.theta = theta
        self.learning_rate = settings.learning_rate
        self.momentum = settings.momentum
        self.buffer = _state_slice(theta, state, 0, 2)
        self.started = False

    def __call__(self, gradient: torch.Tensor, scale: float) -> None:
        gradient.mul_(scale)
        if not self.started:
            self.buffer.copy_(gradient)
            self.started = True
        else:
            self.buffer.mul_(self.momentum).add_(gradient)
        self.theta.add_(self.buffer, alpha=-self.learning_rate)


def _state_slice(theta: torch.Tensor, state: torch.Tensor | None, start: int, stop: int) -> torch.Tensor:
    """A view of the recorded state for one of the optimizer's buffers (or a tensor of its own)."""
    import torch

    return state[start:stop] if state is not None else torch.zeros_like(theta)


def _heavy_ball_bound(plain: float, momentum: float) -> float | None:
    """Heavy-ball momentum β stretches 2/λmax to 2(1+β)/λmax."""
    return plain * (1.0 + momentum)


# --- adam ------------------------------------------------------------------------------------------------
def _adam_torch(params: Iterable[torch.nn.Parameter], settings: Hyperparameters) -> torch.optim.Optimizer:
    from torch import optim

    return optim.Adam(params, lr=settings.learning_rate, betas=ADAM_BETAS, eps=ADAM_EPS)


class _AdamUpdate:
    """torch.optim.Adam's single-tensor update, step for step."""

    scales_gradient = True

    def __init__(self, theta: torch.Tensor, settings: Hyperparameters, state: torch.Tensor | None = None) -> None:
        self.theta = theta
        self.learning_rate = settings.learning_rate
        self.step = 0
        self.exp_avg = _state_slice(theta, state, 0, 2)
        self.exp_avg_sq = _state_slice(theta, state, 2, 4)

    def __call__(self, gradient: torch.Tensor, scale: float) -> None:
        gradient.mul_(scale)
        beta1, beta2 = ADAM_BETAS
        self.step += 1
        self.exp_avg.lerp_(gradient, 1 - beta1)
        self.exp_avg_sq.mul_(beta2).addcmul_(gradient, gradient, value=1 - beta2)
        step_size = self.learning_rate / (1 - beta1**self.step)
        denominator = (self.exp_avg_sq.sqrt() / math.sqrt(1 - beta2**self.step)).add_(ADAM_EPS)
        self.theta.addcdiv_(self.exp_avg, denominator, value=-step_size)


def _no_bound(plain: float, momentum: float) -> float | None:
    """Adam normalises each parameter's step: no learning rate is too large for the data alone."""
    return None


OPTIMIZERS: Registry[OptimizerSpec] = Registry("optimizer", [
    OptimizerSpec(
        key="sgd", label="SGD",
        description="Plain gradient descent: each step is the learning rate times the gradient",
        uses_momentum=False, make_torch=_sgd_torch, make_fused=_SgdUpdate, stable_rate=_plain_bound,
        script_line="optimizer = optim.SGD(model.parameters(), lr=LEARNING_RATE)"),
    OptimizerSpec(
        key="momentum", label="SGD with momentum",
        description="Gradient descent that keeps a share (the momentum) of every earlier step",
        uses_momentum=True, make_torch=_momentum_torch, make_fused=_MomentumUpdate, stable_rate=_heavy_ball_bound,
        script_line="optimizer = optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)",
        script_settings=("momentum",), defaults={"momentum": DEFAULT_MOMENTUM},
        state_names=("velocity_w", "velocity_b"), torch_state_keys=("momentum_buffer",)),
    OptimizerSpec(
        key="adam", label="Adam",
        description="Adam scales its own steps",
        uses_momentum=False, make_torch=_adam_torch, make_fused=_AdamUpdate, stable_rate=_no_bound,
        script_line="optimizer = optim.Adam(model.parameters(), lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8)",
        defaults={"betas": ADAM_BETAS, "eps": ADAM_EPS}, state_names=("m_w", "m_b", "v_w", "v_b"),
        torch_state_keys=("exp_avg", "exp_avg_sq")),
])


def stable_learning_rate_for(moments: Moments, optimizer: str, momentum: float) -> float | None:
    """The same bound for the optimizer in use, by its registry entry's rule (heavy-ball momentum β
    stretches it to 2(1+β)/λmax; Adam's step is normalised per parameter and has no such bound: None)."""
    return OPTIMIZERS.get(optimizer).stable_learning_rate(largest_stable_learning_rate(moments), momentum)
