"""The messages the window and the training process exchange over their Pipe, one class each, so both
ends dispatch on the class (``match``) rather than on a tuple's positions, and mypy checks the fields.

Requests (window -> child):
    TrainRequest   then two raw byte messages, the x and y columns as float64 (no pickling: a million
                   points cross in a few milliseconds, written by a thread of the window's so the
                   window never waits for the pipe). One run, or a race: several runs trained in lockstep.
    ContinueRequest  advance runs the child still holds (the latest TrainRequest's) by more epochs or
                   steps, their optimizer state kept: Continue and Step.
    ExportRequest  write a model file; exports run in the child so the window never imports torch.
    QuitRequest    end the child's loop; the process exits with code 0.
Replies (child -> window):
    Ready          once, after torch is imported and the training path warmed up: the devices.
    Progress       ~30 a second during a job (60 at a pace): the steps and epochs of one run since its
                   previous batch.
    RunResult      a run of the job ended this advance (completed, stopped or diverged); its loss history is
                   left empty, since the window assembles it from the progress batches.
    RunFailed      a run could not start, continue, or crashed; the message is for the user.
    Exported       the path written.
    ExportFailed   the message is for the user.
    Heartbeat      every HEARTBEAT_INTERVAL_S from a thread of its own, from start to exit, through runs and
                   exports alike: a window that hears nothing for seconds knows the process is stopped or
                   hung (it cannot tell that from a long step otherwise).
A job (one TrainRequest or ContinueRequest) ends when every run it names has answered RunResult or
RunFailed. Stop, pause and the pace are not messages: they are shared numbers the trainer reads at every step, so
they act within one step without a round trip (training_server.STOP holds the newest job id to stop, so a
stop can never reach a later job). Either end logs and ignores an object that is none of these.

Numpy only (no torch, no Qt): the window process imports this module too. The classes are frozen (a
message is never edited after it is sent) with slots (smaller, and pickled as a flat tuple of fields).
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from typing import Any, TypeAlias

from engine.training.results import ProgressBatch, TrainingResult

HEARTBEAT_INTERVAL_S = 0.5


# --- requests: window -> training process -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TrainRequest:
    """Job `job_id`: start the runs `run_ids` (one per config; several are a race, trained in lockstep) on
    the x and y columns that follow as two raw float64 byte messages; `steps`: only that many optimizer
    steps (Step), else each config's epochs."""

    job_id: int
    run_ids: tuple[int, ...]
    configs: tuple[dict[str, Any], ...]  # TrainingConfig.to_dict(): plain data, no engine class pickled
    steps: int | None = None


@dataclass(frozen=True, slots=True)
class ContinueRequest:
    """Job `job_id`: advance the held runs `run_ids` in lockstep by `epochs` more epochs or `steps` steps."""

    job_id: int
    run_ids: tuple[int, ...]
    epochs: int | None = None
    steps: int | None = None


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """Write `result` to `path` in the format its extension names."""

    job_id: int
    result: TrainingResult
    path: str


@dataclass(frozen=True, slots=True)
class QuitRequest:
    """End the training process's loop (closing the window)."""


# --- replies: training process -> window -------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Ready:
    """The child is warm and can train; `devices` are (device id, label) pairs for the device menu."""

    devices: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Progress:
    """A batch of steps and epochs of run `run_id` in job `job_id`."""

    job_id: int
    run_id: int
    batch: ProgressBatch


@dataclass(frozen=True, slots=True)
class RunResult:
    """Run `run_id` ended job `job_id`'s advance; `result.loss_history` is empty (the window has every loss
    already). `can_continue`: the child holds the run and can advance it further."""

    job_id: int
    run_id: int
    result: TrainingResult
    can_continue: bool = False


@dataclass(frozen=True, slots=True)
class RunFailed:
    """Run `run_id` of job `job_id` ended with an error; `message` is shown to the user as it is."""

    job_id: int
    run_id: int
    message: str


@dataclass(frozen=True, slots=True)
class Exported:
    """Export `job_id` wrote `path`."""

    job_id: int
    path: str


@dataclass(frozen=True, slots=True)
class ExportFailed:
    """Export `job_id` failed; `message` is shown to the user as it is."""

    job_id: int
    message: str


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The process is alive and its sending thread runs; carries nothing, so it costs a few bytes."""


Request: TypeAlias = TrainRequest | ContinueRequest | ExportRequest | QuitRequest
Reply: TypeAlias = Ready | Progress | RunResult | RunFailed | Exported | ExportFailed | Heartbeat


def describe(message: object) -> str:
    """A short description of an unexpected object for the log: its full repr may be megabytes."""
    return f"{type(message).__name__} {reprlib.repr(message)}"
