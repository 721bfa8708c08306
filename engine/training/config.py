"""Training hyperparameters, checked once so the trainer can trust them.

Every setting may come from a hand-edited project file, the saved settings or the command line, so each
one is checked for its type as well as its range: a seed that is a string never reaches torch, and never
reaches the exported script as code. The bounds are the ones the project-file schema uses.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from engine.errors import ConfigError
from engine.training.optimizers import DEFAULT_MOMENTUM, OPTIMIZERS

PATHS = ("auto", "fused", "autograd")

MAX_SEED = 2**31 - 1  # torch takes more, but the panel's seed box (a 32-bit QSpinBox) must show any valid seed
MAX_LEARNING_RATE = 1e6  # float32 training turns a larger rate into overflow on the first step
MAX_EPOCHS = 10**9
MAX_BATCH_SIZE = 10**9
MAX_DEVICE_LENGTH = 64
DEVICE_PATTERN = re.compile(r"auto|cpu|mps|cuda(?::\d+)?", re.ASCII)
_RATE_RANGE = "a number with 0 < rate <= 1e6"  # ASCII: a Windows console may not encode "≤"


@dataclass(frozen=True)
class TrainingConfig:
    """Defaults are the classic PyTorch example: SGD, lr 0.01, 1000 epochs, full batch, seed 0.

    `batch_size` None means full batch. `path` picks the training loop: "fused" computes the MSE
    gradient in closed form (no autograd graph), "autograd" runs nn.Linear + torch.optim exactly like the
    example script, "auto" takes fused wherever it applies. `standardize` trains on standardised x and y
    and reports the line in the original units. Whole numbers are stored as int and rates as float, so
    a numpy scalar or an int learning rate from a file becomes the plain type the rest expects.
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
        rate = _real("Learning rate", self.learning_rate, _RATE_RANGE)
        if not 0.0 < rate <= MAX_LEARNING_RATE:
            raise ConfigError(f"Learning rate must be {_RATE_RANGE}, not {rate!r}.")
        epochs = _whole("Epochs", self.epochs, 1, MAX_EPOCHS)
        OPTIMIZERS.get(self.optimizer)  # a ConfigError naming the choices when unknown, or not even a str
        momentum = _real("Momentum", self.momentum, "a number in [0, 1)")
        if not 0.0 <= momentum < 1.0:
            raise ConfigError(f"Momentum must be a number in [0, 1), not {momentum!r}.")
        batch_size = None if self.batch_size is None else _whole(
            "Batch size", self.batch_size, 1, MAX_BATCH_SIZE, note=" (or empty for full batch)")
        seed = _whole("Seed", self.seed, 0, MAX_SEED)
        if not isinstance(self.path, str) or self.path not in PATHS:
            raise ConfigError(f"Unknown training path {_shown(self.path)}: choose one of {', '.join(PATHS)}.")
        if not isinstance(self.standardize, bool):
            raise ConfigError(f"Feature scaling (standardize) must be true or false, not {_shown(self.standardize)}.")
        device = _device(self.device)
        for name, value in (("learning_rate", rate), ("epochs", epochs), ("momentum", momentum),
                            ("batch_size", batch_size), ("seed", seed), ("device", device)):
            object.__setattr__(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainingConfig:
        """Build from saved settings, ignoring keys this version does not know."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"The training settings must be a table of named values, not {_shown(data)}.")
        known = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


def _real(name: str, value: object, allowed: str) -> float:
    """A finite float from an int or float (never a bool, a string or None)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{name} must be {allowed}, not {_shown(value)}.")
    try:
        number = float(value)
    except (OverflowError, ValueError):
        number = math.inf
    if not math.isfinite(number):
        raise ConfigError(f"{name} must be {allowed}, not {_shown(value)}.")
    return number


def _whole(name: str, value: object, low: int, high: int, *, note: str = "") -> int:
    """An int in [low, high] from an int or a numpy integer (never a bool or a float)."""
    allowed = f"a whole number from {low:,} to {high:,}{note}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{name} must be {allowed}, not {_shown(value)}.")
    number = int(value)
    if not low <= number <= high:
        raise ConfigError(f"{name} must be {allowed}, not {_shown(number)}.")
    return number


def _device(value: object) -> str:
    allowed = "auto, cpu, cuda, cuda:N or mps"
    if not isinstance(value, str) or len(value) > MAX_DEVICE_LENGTH:
        raise ConfigError(f"Device must be one of {allowed} (at most {MAX_DEVICE_LENGTH} characters), "
                          f"not {_shown(value)}.")
    device = value.strip().lower()
    if not DEVICE_PATTERN.fullmatch(device):
        raise ConfigError(f"Unknown device {_shown(value)}: use {allowed}.")
    return device


def _shown(value: object, limit: int = 40) -> str:
    """A value as a short, one-line repr for an error message (a file may hold anything)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        return f"a whole number of more than {limit} digits"  # str() of a huge int is slow, or refused
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
