"""Learning-rate schedules, one entry each: constant, step, exponential and cosine.

Every schedule is stepped once per epoch, after the epoch's last optimizer step, as torch's schedulers are
meant to be. An entry carries the torch scheduler (the autograd loop), `next_rate`, the same recurrence in
plain floats (the fused loop: torch's chainable formulas, operation for operation, so both loops use the
same rate in every epoch) and the exported script's lines. torch loads only when a scheduler is made.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from engine.training.registry import Registry

if TYPE_CHECKING:
    import torch

DEFAULT_SCHEDULE = "constant"
DEFAULT_STEP_GAMMA = 0.5
DEFAULT_EXPONENTIAL_GAMMA = 0.995


class ScheduleSettings(Protocol):
    """What a schedule reads (TrainingConfig has it; this module must not import it)."""

    @property
    def epochs(self) -> int: ...

    @property
    def resolved_step_size(self) -> int: ...

    @property
    def resolved_gamma(self) -> float: ...


def default_step_size(epochs: int) -> int:
    """StepLR's default period: four steps down over the run."""
    return max(1, epochs // 4)


def default_gamma(schedule: str) -> float:
    return DEFAULT_EXPONENTIAL_GAMMA if schedule == "exponential" else DEFAULT_STEP_GAMMA


@dataclass(frozen=True)
class ScheduleSpec:
    """One schedule. `make_scheduler(optimizer, settings)` returns the torch scheduler stepped after each
    epoch, or None for a rate that never changes. `next_rate(rate, base, epoch, settings)` is the rate for
    the epoch after `epoch` epochs have finished (epoch ≥ 1), from the current `rate` and the initial `base`,
    as torch computes it. `script_lines` define `scheduler` in the exported script (none: no scheduler),
    reading the upper-case constants `script_values(settings)` returns."""

    key: str
    label: str
    description: str
    make_scheduler: Callable[[torch.optim.Optimizer, ScheduleSettings], torch.optim.lr_scheduler.LRScheduler | None]
    next_rate: Callable[[float, float, int, ScheduleSettings], float]
    script_lines: tuple[str, ...] = ()
    script_values: Callable[[ScheduleSettings], dict[str, int | float]] = lambda settings: {}

    @property
    def changes_rate(self) -> bool:
        return bool(self.script_lines)


# --- constant --------------------------------------------------------------------------------------------
def _constant(optimizer: torch.optim.Optimizer,
              settings: ScheduleSettings) -> torch.optim.lr_scheduler.LRScheduler | None:
    return None


def _constant_rate(rate: float, base: float, epoch: int, settings: ScheduleSettings) -> float:
    return rate


# --- step ------------------------------------------------------------------------------------------------
def _step(optimizer: torch.optim.Optimizer, settings: ScheduleSettings) -> torch.optim.lr_scheduler.LRScheduler | None:
    from torch.optim.lr_scheduler import StepLR

    return StepLR(optimizer, step_size=settings.resolved_step_size, gamma=settings.resolved_gamma)


def _step_rate(rate: float, base: float, epoch: int, settings: ScheduleSettings) -> float:
    return rate * settings.resolved_gamma if epoch % settings.resolved_step_size == 0 else rate


# --- exponential -----------------------------------------------------------------------------------------
def _exponential(optimizer: torch.optim.Optimizer,
                 settings: ScheduleSettings) -> torch.optim.lr_scheduler.LRScheduler | None:
    from torch.optim.lr_scheduler import ExponentialLR

    return ExponentialLR(optimizer, gamma=settings.resolved_gamma)


def _exponential_rate(rate: float, base: float, epoch: int, settings: ScheduleSettings) -> float:
    return rate * settings.resolved_gamma


# --- cosine ----------------------------------------------------------------------------------------------
def _cosine(optimizer: torch.optim.Optimizer,
            settings: ScheduleSettings) -> torch.optim.lr_scheduler.LRScheduler | None:
    from torch.optim.lr_scheduler import CosineAnnealingLR

    return CosineAnnealingLR(optimizer, T_max=settings.epochs, eta_min=0.0)


def _cosine_rate(rate: float, base: float, epoch: int, settings: ScheduleSettings) -> float:
    """CosineAnnealingLR's recursive form with eta_min = 0 (torch.optim.lr_scheduler, get_lr): past T_max the
    rate climbs back, as torch's does when a run is continued."""
    period = settings.epochs
    if (epoch - 1 - period) % (2 * period) == 0:
        return rate + base * (1 - math.cos(math.pi / period)) / 2
    return (1 + math.cos(math.pi * epoch / period)) / (1 + math.cos(math.pi * (epoch - 1) / period)) * rate


SCHEDULES: Registry[ScheduleSpec] = Registry("schedule", [
    ScheduleSpec(key="constant", label="Constant", description="The same learning rate in every epoch",
                 make_scheduler=_constant, next_rate=_constant_rate),
    ScheduleSpec(key="step", label="Step decay",
                 description="The learning rate times gamma every step-size epochs",
                 make_scheduler=_step, next_rate=_step_rate,
                 script_lines=("scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=STEP_SIZE, gamma=GAMMA)",),
                 script_values=lambda s: {"STEP_SIZE": s.resolved_step_size, "GAMMA": s.resolved_gamma}),
    ScheduleSpec(key="exponential", label="Exponential decay",
                 description="The learning rate times gamma after every epoch",
                 make_scheduler=_exponential, next_rate=_exponential_rate,
                 script_lines=("scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=GAMMA)",),
                 script_values=lambda s: {"GAMMA": s.resolved_gamma}),
    ScheduleSpec(key="cosine", label="Cosine annealing",
                 description="The learning rate falls along half a cosine to 0 at the last epoch",
                 make_scheduler=_cosine, next_rate=_cosine_rate,
                 script_lines=("scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS, "
                               "eta_min=0.0)",),
                 script_values=lambda s: {"EPOCHS": s.epochs}),
])
