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
from engine.training.losses import DEFAULT_HUBER_DELTA, DEFAULT_LOSS, LOSSES
from engine.training.optimizers import DEFAULT_MOMENTUM, OPTIMIZERS
from engine.training.schedules import DEFAULT_SCHEDULE, SCHEDULES, default_gamma, default_step_size

PATHS = ("auto", "fused", "autograd")

MAX_SEED = 2**31 - 1  # torch takes more, but the panel's seed box (a 32-bit QSpinBox) must show any valid seed
MAX_LEARNING_RATE = 1e6  # float32 training turns a larger rate into overflow on the first step
MAX_EPOCHS = 10**9
MAX_BATCH_SIZE = 10**9
MAX_DEVICE_LENGTH = 64
MAX_DEGREE = 10  # x^10 of a standardised x is still far inside float32
MAX_PENALTY = 1e6  # like the learning rate: a larger strength only overflows
MAX_HUBER_DELTA = 1e30
MAX_VALIDATION_FRACTION = 0.5
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

    The model is nn.Linear(degree, 1) on the columns [x, x², …, x^degree]; `loss` is a LOSSES key (Huber
    with `huber_delta`) plus `l2`·Σw² plus `l1`·Σ|w| over the weights only (never the bias); `schedule` a
    SCHEDULES key stepped once per epoch, with `step_size` and `gamma` (None: the schedule's default, see
    `resolved_step_size` and `resolved_gamma`). `validation_fraction` of the points (drawn with the seed)
    is held out of training and scored every epoch. Every new field's default is the run the app made
    before it had the field, so an older file or settings table loads unchanged.
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
    degree: int = 1
    loss: str = DEFAULT_LOSS
    huber_delta: float = DEFAULT_HUBER_DELTA
    l2: float = 0.0
    l1: float = 0.0
    schedule: str = DEFAULT_SCHEDULE
    step_size: int | None = None
    gamma: float | None = None
    validation_fraction: float = 0.0

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
        degree = _whole("Degree", self.degree, 1, MAX_DEGREE)
        LOSSES.get(self.loss)
        huber_delta = _real("Huber delta", self.huber_delta, "a number with 0 < delta <= 1e30")
        if not 0.0 < huber_delta <= MAX_HUBER_DELTA:
            raise ConfigError(f"Huber delta must be a number with 0 < delta <= 1e30, not {huber_delta!r}.")
        l2 = _penalty("L2 strength", self.l2)
        l1 = _penalty("L1 strength", self.l1)
        SCHEDULES.get(self.schedule)
        step_size = None if self.step_size is None else _whole(
            "Step size", self.step_size, 1, MAX_EPOCHS, note=" (or empty for epochs // 4)")
        gamma = None if self.gamma is None else _real("Gamma", self.gamma, "a number with 0 < gamma <= 1")
        if gamma is not None and not 0.0 < gamma <= 1.0:
            raise ConfigError(f"Gamma must be a number with 0 < gamma <= 1 (or empty for the default), not {gamma!r}.")
        fraction = _real("Validation fraction", self.validation_fraction, "a number from 0 to 0.5")
        if not 0.0 <= fraction <= MAX_VALIDATION_FRACTION:
            raise ConfigError(f"Validation fraction must be a number from 0 to 0.5, not {fraction!r}.")
        for name, value in (("learning_rate", rate), ("epochs", epochs), ("momentum", momentum),
                            ("batch_size", batch_size), ("seed", seed), ("device", device), ("degree", degree),
                            ("huber_delta", huber_delta), ("l2", l2), ("l1", l1), ("step_size", step_size),
                            ("gamma", gamma), ("validation_fraction", fraction)):
            object.__setattr__(self, name, value)

    @property
    def resolved_step_size(self) -> int:
        """StepLR's step size: the config's, or a quarter of the epochs (at least 1)."""
        return self.step_size if self.step_size is not None else default_step_size(self.epochs)

    @property
    def resolved_gamma(self) -> float:
        """The schedule's decay factor: the config's, or the schedule's default (0.5 step, 0.995 exponential)."""
        return self.gamma if self.gamma is not None else default_gamma(self.schedule)

    @property
    def is_classic(self) -> bool:
        """A straight line, MSE, no penalty, no schedule, no held-out points: the run the app always made."""
        return (self.degree == 1 and self.loss == "mse" and self.l2 == 0.0 and self.l1 == 0.0
                and self.schedule == "constant" and self.validation_fraction == 0.0)

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


def _penalty(name: str, value: object) -> float:
    allowed = "a number from 0 to 1e6"
    number = _real(name, value, allowed)
    if not 0.0 <= number <= MAX_PENALTY:
        raise ConfigError(f"{name} must be {allowed}, not {number!r}.")
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
