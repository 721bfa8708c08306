"""The loss functions the app can train with, one entry each: MSE, MAE and Huber.

Each entry carries its torch criterion (the autograd loop and the exported script), its closed-form
arithmetic over the residuals r = prediction − target (the fused loop: the sum of the per-point losses and
the per-point derivative), and how it scales when y is standardised. torch loads only when a criterion or
a fused function runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.training.registry import Registry

if TYPE_CHECKING:
    import torch
    from torch import nn

DEFAULT_LOSS = "mse"
DEFAULT_HUBER_DELTA = 1.0  # nn.HuberLoss's default


@dataclass(frozen=True)
class LossSpec:
    """One loss. `make_criterion(delta)` is the torch module the autograd path evaluates (mean reduction, as
    the reported loss is; `delta` is read by Huber only). `script_line` assigns `criterion` in an exported
    script, reading the upper-case constants named by `script_settings`.

    Fused arithmetic over residuals r: `sum_of_losses(r, delta)` is Σ loss(rᵢ) (a 0-d tensor), and
    `derivative(r, delta, out)` writes ∂(Σ loss)/∂rᵢ into `out` (the mean's gradient is that over m). The
    derivative at a kink is torch's: sign(0) = 0 for MAE, and Huber's at |r| = δ is δ·sign(r).
    `unit_power`: the loss of y in units u is u**unit_power times the loss in standardised units (Huber's δ is
    divided by the scale of y when it trains standardised, which keeps that exact)."""

    key: str
    label: str
    description: str
    make_criterion: Callable[[float], nn.Module]
    sum_of_losses: Callable[[torch.Tensor, float], torch.Tensor]
    derivative: Callable[[torch.Tensor, float, torch.Tensor], None]
    script_line: str
    unit_power: int
    has_fixed_bound: bool = False  # True where the Hessian is constant (MSE): a largest stable rate exists
    script_settings: tuple[str, ...] = ()


# --- mse -------------------------------------------------------------------------------------------------
def _mse(delta: float) -> nn.Module:
    from torch import nn

    return nn.MSELoss()


def _mse_sum(residual: torch.Tensor, delta: float) -> torch.Tensor:
    import torch

    return torch.dot(residual, residual)


def _mse_derivative(residual: torch.Tensor, delta: float, out: torch.Tensor) -> None:
    import torch

    torch.mul(residual, 2.0, out=out)


# --- mae -------------------------------------------------------------------------------------------------
def _mae(delta: float) -> nn.Module:
    from torch import nn

    return nn.L1Loss()


def _mae_sum(residual: torch.Tensor, delta: float) -> torch.Tensor:
    return residual.abs().sum()


def _mae_derivative(residual: torch.Tensor, delta: float, out: torch.Tensor) -> None:
    import torch

    torch.sign(residual, out=out)


# --- huber -----------------------------------------------------------------------------------------------
def _huber(delta: float) -> nn.Module:
    from torch import nn

    return nn.HuberLoss(delta=delta)


def _huber_sum(residual: torch.Tensor, delta: float) -> torch.Tensor:
    import torch

    size = residual.abs()
    return torch.where(size < delta, 0.5 * residual * residual, delta * (size - 0.5 * delta)).sum()


def _huber_derivative(residual: torch.Tensor, delta: float, out: torch.Tensor) -> None:
    import torch

    torch.clamp(residual, -delta, delta, out=out)


LOSSES: Registry[LossSpec] = Registry("loss", [
    LossSpec(key="mse", label="Mean squared error",
             description="The mean of the squared vertical distances from the points to the line",
             make_criterion=_mse, sum_of_losses=_mse_sum, derivative=_mse_derivative,
             script_line="criterion = nn.MSELoss()", unit_power=2, has_fixed_bound=True),
    LossSpec(key="mae", label="Mean absolute error",
             description="The mean of the vertical distances: far points pull no harder than near ones",
             make_criterion=_mae, sum_of_losses=_mae_sum, derivative=_mae_derivative,
             script_line="criterion = nn.L1Loss()", unit_power=1),
    LossSpec(key="huber", label="Huber",
             description="Squared error for distances below delta, absolute error beyond: robust to outliers",
             make_criterion=_huber, sum_of_losses=_huber_sum, derivative=_huber_derivative,
             script_line="criterion = nn.HuberLoss(delta=HUBER_DELTA)", unit_power=2,
             script_settings=("huber_delta",)),
])
