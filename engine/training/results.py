"""What the trainer hands out: progress batches while it runs, a result when it ends, and the control
object through which another thread asks it to pause or stop."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from engine.training.step_trace import StepRecords

COMPLETED = "completed"
STOPPED = "stopped"
DIVERGED = "diverged"


@dataclass(frozen=True)
class ProgressBatch:
    """The epochs finished since the previous batch. `weights`/`biases` are the parameters after each
    of those epochs (the optimizer's path); `weight`/`bias` the latest."""

    epochs: np.ndarray  # 1-based epoch numbers, int64
    losses: np.ndarray  # mean squared error at each epoch, float64
    weights: np.ndarray
    biases: np.ndarray
    weight: float
    bias: float
    epochs_total: int
    steps_per_second: float
    initial_weight: float = float("nan")  # before the first step: where the optimizer's path starts
    initial_bias: float = float("nan")
    records: StepRecords | None = None  # every optimizer step in this batch, for replay and step details
    steps_run: int = 0  # optimizer steps so far in the run (mini-batch runs take several per epoch)
    validation_losses: np.ndarray | None = None  # the held-out points' loss at each epoch; None: no split
    coefficients: tuple[float, ...] = ()  # the latest polynomial in the user's units, constant term first


@dataclass(frozen=True)
class TrainingResult:
    """A run's outcome in the user's units. `weight`/`bias` are the line's; for a polynomial they are its
    linear and constant coefficients, and `coefficients` holds them all (constant term first). Losses are
    the data loss without the L1/L2 penalties, for the training and the held-out points alike."""

    weight: float
    bias: float
    final_loss: float
    loss_history: np.ndarray
    epochs_run: int
    stop_reason: str  # COMPLETED, STOPPED or DIVERGED
    device: str
    elapsed_s: float
    path: str = "autograd"  # which training loop ran: "fused" or "autograd"
    message: str = ""
    initial_weight: float = 0.0
    initial_bias: float = 0.0
    config: dict[str, Any] = field(default_factory=dict)
    suggested_learning_rate: float | None = None  # after a divergence: a rate that should converge
    coefficients: tuple[float, ...] = ()  # the polynomial in the user's units, constant term first
    validation_loss: float | None = None  # the held-out points' loss (no penalty) at the last epoch; None: no split
    validation_history: np.ndarray | None = None  # the same at every epoch
    x_center: float = 0.0  # the training points' mean x and standard deviation of x, where an exported
    x_spread: float = 1.0  # polynomial is evaluated (powers of (x − center)/spread stay near 1 in float32)

    def summary(self) -> dict[str, Any]:
        """The fields a script wants, JSON-ready."""
        return {
            "weight": self.weight,
            "bias": self.bias,
            "final_loss": self.final_loss,
            "epochs_run": self.epochs_run,
            "stop_reason": self.stop_reason,
            "device": self.device,
            "path": self.path,
            "elapsed_s": round(self.elapsed_s, 6),
            "message": self.message,
            "coefficients": list(self.coefficients) if self.coefficients else [self.bias, self.weight],
            "validation_loss": self.validation_loss,
        }


class Control(Protocol):
    """What the trainer reads at every step; TrainingControl in-process, shared memory across processes."""

    @property
    def stop_requested(self) -> bool: ...

    @property
    def paused(self) -> bool: ...

    def wait_while_paused(self) -> None: ...


class TrainingControl:
    """Cooperative pause and stop, safe to call from any thread; the trainer checks it every step."""

    def __init__(self) -> None:
        self._stop = False
        self._running = threading.Event()
        self._running.set()

    def request_stop(self) -> None:
        self._stop = True
        self._running.set()  # a paused run must wake up to stop

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self) -> None:
        self._running.wait()
