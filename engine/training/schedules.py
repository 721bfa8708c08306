"""Learning-rate schedules, one entry each.

Today only the constant rate the app has always used: no scheduler, nothing in the exported script. The
registry is here so that adding a schedule is one entry: the autograd loop and the script export already
step whatever scheduler an entry makes, once per epoch. The fused loop does not yet: a schedule that changes
the rate must teach it too (or send its runs down the autograd path). torch loads only when a scheduler is
made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.training.registry import Registry

if TYPE_CHECKING:
    import torch

    from engine.training.optimizers import Hyperparameters

DEFAULT_SCHEDULE = "constant"  # no config field chooses a schedule yet: every run keeps its rate


@dataclass(frozen=True)
class ScheduleSpec:
    """One schedule. `make_scheduler(optimizer, settings)` returns the torch scheduler stepped after each
    epoch, or None for a rate that never changes. `script_lines` define `scheduler` in the exported script
    (none: the script steps no scheduler)."""

    key: str
    label: str
    description: str
    make_scheduler: Callable[[torch.optim.Optimizer, Hyperparameters], torch.optim.lr_scheduler.LRScheduler | None]
    script_lines: tuple[str, ...] = ()


def _constant(optimizer: torch.optim.Optimizer,
              settings: Hyperparameters) -> torch.optim.lr_scheduler.LRScheduler | None:
    return None


SCHEDULES: Registry[ScheduleSpec] = Registry("schedule", [
    ScheduleSpec(key="constant", label="Constant", description="The same learning rate in every epoch",
                 make_scheduler=_constant),
])
