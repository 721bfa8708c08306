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

import numpy as np

from engine.analysis.least_squares import Moments, largest_stable_learning_rate
from engine.analysis.polynomial_fit import largest_stable_rate
from engine.training.registry import Registry

if TYPE_CHECKING:
    import torch

ADAM_BETAS = (0.9, 0.999)  # torch.optim.Adam's defaults, written out so the exported script shows them
ADAM_EPS = 1e-8
ADAMW_WEIGHT_DECAY = 0.01  # torch.optim.AdamW's default
RMSPROP_ALPHA = 0.99  # torch.optim.RMSprop's defaults
RMSPROP_EPS = 1e-8
ADAGRAD_EPS = 1e-10  # torch.optim.Adagrad's default
DEFAULT_MOMENTUM = 0.9


class Hyperparameters(Protocol):
    """The settings an optimizer reads (TrainingConfig has them; this module must not import it)."""

    @property
    def learning_rate(self) -> float: ...

    @property
    def momentum(self) -> float: ...


class FusedUpdate(Protocol):
    scales_gradient: bool  # after a call, `gradient` holds gradient·scale (else it is left unscaled)
    learning_rate: float  # the rate of the next step: a schedule changes it between epochs

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
        self.buffer = _state_slice(theta, state, 0)
        self.started = False

    def __call__(self, gradient: torch.Tensor, scale: float) -> None:
        gradient.mul_(scale)
        if not self.started:
            self.buffer.copy_(gradient)
            self.started = True
        else:
            self.buffer.mul_(self.momentum).add_(gradient)
        self.theta.add_(self.buffer, alpha=-self.learning_rate)


def _state_slice(theta: torch.Tensor, state: torch.Tensor | None, index: int) -> torch.Tensor:
    """A view of the recorded state for the optimizer's `index`-th buffer (one value per parameter), or a
    tensor of its own when `state` is None."""
    import torch

    size = theta.shape[0]
    return state[index * size:(index + 1) * size] if state is not None else torch.zeros_like(theta)


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
        self.exp_avg = _state_slice(theta, state, 0)
        self.exp_avg_sq = _state_slice(theta, state, 1)

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
    """Adam (and AdamW, RMSprop, Adagrad) normalise each parameter's step: no learning rate is too large for
    the data alone."""
    return None


# --- nesterov --------------------------------------------------------------------------------------------
def _nesterov_torch(params: Iterable[torch.nn.Parameter], settings: Hyperparameters) -> torch.optim.Optimizer:
    from torch import optim

    return optim.SGD(params, lr=settings.learning_rate, momentum=settings.momentum, nesterov=True)


class _NesterovUpdate(_MomentumUpdate):
    """torch.optim.SGD(nesterov=True): the buffer as heavy ball's, the step along g + β·b."""

    def __call__(self, gradient: torch.Tensor, scale: float) -> None:
        gradient.mul_(scale)
        if not self.started:
            self.buffer.copy_(gradient)
            self.started = True
        else:
            self.buffer.mul_(self.momentum).add_(gradient)
        self.theta.add_(gradient.add(self.buffer, alpha=self.momentum), alpha=-self.learning_rate)


def _nesterov_bound(plain: float, momentum: float) -> float | None:
    """On a quadratic, Nesterov's iteration is stable for lr·λ < 2(1+β)/(1+2β) (Jury's test on its
    characteristic polynomial z² − (1+β)(1−lr·λ)z + β(1−lr·λ))."""
    return plain * (1.0 + momentum) / (1.0 + 2.0 * momentum)


# --- adamw -----------------------------------------------------------------------------------------------
def _adamw_torch(params: Iterable[torch.nn.Parameter], settings: Hyperparameters) -> torch.optim.Optimizer:
    from torch import optim

    return optim.AdamW(params, lr=settings.learning_rate, betas=ADAM_BETAS, eps=ADAM_EPS,
                       weight_decay=ADAMW_WEIGHT_DECAY)


class _AdamWUpdate(_AdamUpdate):
    """torch.optim.AdamW: every parameter (the bias too, as torch does) shrinks by lr·weight_decay, then Adam."""

    def __call__(self, gradient: torch.Tensor, scale: float) -> None:
        self.theta.mul_(1 - self.learning_rate * ADAMW_WEIGHT_DECAY)
        super().__call__(gradient, scale)


# --- rmsprop ---------------------------------------------------------------------------------------------
def _rmsprop_torch(params: Iterable[torch.nn.Parameter], settings: Hyperparameters) -> torch.optim.Optimizer:
    from torch import optim

    return optim.RMSprop(params, lr=settings.learning_rate, alpha=RMSPROP_ALPHA, eps=RMSPROP_EPS)


class _RmspropUpdate:
    """torch.optim.RMSprop's single-tensor update (not centred, no momentum)."""

    scales_gradient = True

    def __init__(self, theta: torch.Tensor, settings: Hyperparameters, state: torch.Tensor | None = None) -> None:
        self.theta = theta
        self.learning_rate = settings.learning_rate
        self.square_avg = _state_slice(theta, state, 0)

    def __call__(self, gradient: torch.Tensor, scale: float) -> None:
        gradient.mul_(scale)
        self.square_avg.mul_(RMSPROP_ALPHA).addcmul_(gradient, gradient, value=1 - RMSPROP_ALPHA)
        self.theta.addcdiv_(gradient, self.square_avg.sqrt().add_(RMSPROP_EPS), value=-self.learning_rate)


# --- adagrad ---------------------------------------------------------------------------------------------
def _adagrad_torch(params: Iterable[torch.nn.Parameter], settings: Hyperparameters) -> torch.optim.Optimizer:
    from torch import optim

    return optim.Adagrad(params, lr=settings.learning_rate, eps=ADAGRAD_EPS)


class _AdagradUpdate:
    """torch.optim.Adagrad's single-tensor update (no learning-rate decay, accumulator starting at 0)."""

    scales_gradient = True

    def __init__(self, theta: torch.Tensor, settings: Hyperparameters, state: torch.Tensor | None = None) -> None:
        self.theta = theta
        self.learning_rate = settings.learning_rate
        self.state_sum = _state_slice(theta, state, 0)

    def __call__(self, gradient: torch.Tensor, scale: float) -> None:
        gradient.mul_(scale)
        self.state_sum.addcmul_(gradient, gradient, value=1)
        self.theta.addcdiv_(gradient, self.state_sum.sqrt().add_(ADAGRAD_EPS), value=-self.learning_rate)


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
        key="nesterov", label="Nesterov momentum",
        description="Momentum that looks ahead: each step adds the gradient and the share of the next velocity",
        uses_momentum=True, make_torch=_nesterov_torch, make_fused=_NesterovUpdate, stable_rate=_nesterov_bound,
        script_line="optimizer = optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM, nesterov=True)",
        script_settings=("momentum",), defaults={"momentum": DEFAULT_MOMENTUM},
        state_names=("velocity_w", "velocity_b"), torch_state_keys=("momentum_buffer",)),
    OptimizerSpec(
        key="adam", label="Adam",
        description="Adam scales its own steps",
        uses_momentum=False, make_torch=_adam_torch, make_fused=_AdamUpdate, stable_rate=_no_bound,
        script_line="optimizer = optim.Adam(model.parameters(), lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8)",
        defaults={"betas": ADAM_BETAS, "eps": ADAM_EPS}, state_names=("m_w", "m_b", "v_w", "v_b"),
        torch_state_keys=("exp_avg", "exp_avg_sq")),
    OptimizerSpec(
        key="adamw", label="AdamW",
        description="AdamW scales its own steps and shrinks every parameter a little (weight decay 0.01)",
        uses_momentum=False, make_torch=_adamw_torch, make_fused=_AdamWUpdate, stable_rate=_no_bound,
        script_line="optimizer = optim.AdamW(model.parameters(), lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8, "
                    "weight_decay=0.01)",
        defaults={"betas": ADAM_BETAS, "eps": ADAM_EPS, "weight_decay": ADAMW_WEIGHT_DECAY},
        state_names=("m_w", "m_b", "v_w", "v_b"), torch_state_keys=("exp_avg", "exp_avg_sq")),
    OptimizerSpec(
        key="rmsprop", label="RMSprop",
        description="RMSprop divides each step by a running root mean square of the gradients",
        uses_momentum=False, make_torch=_rmsprop_torch, make_fused=_RmspropUpdate, stable_rate=_no_bound,
        script_line="optimizer = optim.RMSprop(model.parameters(), lr=LEARNING_RATE, alpha=0.99, eps=1e-8)",
        defaults={"alpha": RMSPROP_ALPHA, "eps": RMSPROP_EPS}, state_names=("square_avg_w", "square_avg_b"),
        torch_state_keys=("square_avg",)),
    OptimizerSpec(
        key="adagrad", label="Adagrad",
        description="Adagrad divides each step by the root of all squared gradients so far",
        uses_momentum=False, make_torch=_adagrad_torch, make_fused=_AdagradUpdate, stable_rate=_no_bound,
        script_line="optimizer = optim.Adagrad(model.parameters(), lr=LEARNING_RATE, eps=1e-10)",
        defaults={"eps": ADAGRAD_EPS}, state_names=("sum_w", "sum_b"), torch_state_keys=("sum",)),
])


# What "Race optimizers" trains, in registry order: the three the window has always raced. Whether the race
# grows with the registry (seven curves at once) is the window's decision, with the panel work of issue 13.
RACED = ("sgd", "momentum", "adam")


def stable_learning_rate_for(moments: Moments, optimizer: str, momentum: float) -> float | None:
    """The same bound for the optimizer in use, by its registry entry's rule (heavy-ball momentum β
    stretches it to 2(1+β)/λmax; Adam's step is normalised per parameter and has no such bound: None)."""
    return OPTIMIZERS.get(optimizer).stable_learning_rate(largest_stable_learning_rate(moments), momentum)


def stable_learning_rate_for_features(features: np.ndarray, optimizer: str, momentum: float, *, loss: str = "mse",
                                      l2: float = 0.0, l1: float = 0.0) -> float | None:
    """The bound for a polynomial run, from the features it trains on: 2/λmax of the penalised MSE's Hessian,
    stretched by the optimizer's rule. None where no fixed bound exists: an adaptive optimizer (Adam, AdamW,
    RMSprop, Adagrad), a loss whose curvature is not constant (MAE, Huber) or an L1 penalty (|w| has none)."""
    spec = OPTIMIZERS.get(optimizer)
    if loss != "mse" or l1 > 0.0 or not spec.has_fixed_bound:
        return None
    return spec.stable_learning_rate(largest_stable_rate(features, l2), momentum)
