"""The loss functions the app can train with, one entry each.

Today only mean squared error: the fused path's closed-form gradient, the landscape and the stable
learning rate are all MSE's. The registry is here so that adding a loss (MAE, Huber) is one entry plus its
fused gradient, not a search for every `nn.MSELoss()`. torch loads only when a criterion is made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.training.registry import Registry

if TYPE_CHECKING:
    from torch import nn

DEFAULT_LOSS = "mse"  # no config field chooses a loss yet: every run trains on this one


@dataclass(frozen=True)
class LossSpec:
    """One loss. `make_criterion()` is the torch module the autograd path (and the exported script, via
    `script_line`, which assigns `criterion`) evaluates; it must reduce by the mean, as the reported loss is."""

    key: str
    label: str
    description: str
    make_criterion: Callable[[], nn.Module]
    script_line: str


def _mse() -> nn.Module:
    from torch import nn

    return nn.MSELoss()


LOSSES: Registry[LossSpec] = Registry("loss", [
    LossSpec(key="mse", label="Mean squared error",
             description="The mean of the squared vertical distances from the points to the line",
             make_criterion=_mse, script_line="criterion = nn.MSELoss()"),
])
