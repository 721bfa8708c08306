"""Training hyperparameters, checked once so the trainer can trust them."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from engine.errors import ConfigError
from engine.training.optimizers import DEFAULT_MOMENTUM, OPTIMIZERS

PATHS = ("auto", "fused", "autograd")


@dataclass(frozen=True)
class TrainingConfig:
    """Defaults are the classic PyTorch example: SGD, lr 0.01, 1000 epochs, full batch, seed 0.

    `batch_size` None means full batch. `path` picks the training loop: "fused" computes the MSE
    gradient in closed form (no autograd graph), "autograd" runs nn.Linear + torch.optim exactly like the
    example script, "auto" takes fused wherever it applies. `standardize` trains on standardised x and y
    and reports the line in the original units.
    """

    learning_rate: float = 0.01
    epochs: int = 1000
    optimizer: str = "sgd"
    momentum: float = DEFAULT_MOMENTUM
    batch_size: int | None = None
    seed: int = 0
    device: str = "auto"
    path: str = "auto"
    standardize: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ConfigError(f"Learning rate must be a positive number, not {self.learning_rate}.")
        if not isinstance(self.epochs, int) or self.epochs < 1:
            raise ConfigError(f"Epochs must be a whole number of at least 1, not {self.epochs}.")
        OPTIMIZERS.get(self.optimizer)  # a ConfigError naming the choices when unknown
        if not (0.0 <= self.momentum < 1.0):
            raise ConfigError(f"Momentum must be in [0, 1), not {self.momentum}.")
        if self.batch_size is not None and (not isinstance(self.batch_size, int) or self.batch_size < 1):
            raise ConfigError(f"Batch size must be at least 1 (or empty for full batch), not {self.batch_size}.")
        if self.path not in PATHS:
            raise ConfigError(f"Unknown training path '{self.path}': choose one of {', '.join(PATHS)}.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingConfig:
        """Build from saved settings, ignoring keys this version does not know."""
        known = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})
