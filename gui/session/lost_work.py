"""What a training process takes with it when it ends without being asked: the exports it had not answered
(named, so the user knows which files are missing) and the run it was training (kept in the window with
the epochs its progress batches brought)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.training.config import TrainingConfig
from engine.training.results import STOPPED, ProgressBatch, TrainingResult

EXPORT_TRIES = 2  # the first send and one retry: a file that kills the process twice is not tried again


@dataclass
class PendingExport:
    """An export sent to the training process and not answered yet."""

    result: TrainingResult
    path: str
    lost: int = 0  # how many training processes ended before answering it

    @property
    def retry(self) -> bool:
        return self.lost < EXPORT_TRIES


def _names(paths: list[str]) -> str:
    names = [Path(path).name for path in paths]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def lost_exports_message(lost: list[PendingExport], ended: str) -> str:
    """'' when nothing was lost; else one sentence for the retried exports and one for those given up.
    `ended` completes "when the training process …" ("stopped", "was restarted")."""
    retried = [pending.path for pending in lost if pending.retry]
    dropped = [pending.path for pending in lost if not pending.retry]
    sentences = []
    if retried:
        many = len(retried) > 1
        sentences.append(f"The export{'s' if many else ''} of {_names(retried)} {'were' if many else 'was'} lost "
                         f"when the training process {ended}; {'they' if many else 'it'} will be retried.")
    if dropped:
        many = len(dropped) > 1
        sentences.append(f"The export{'s' if many else ''} of {_names(dropped)} {'were' if many else 'was'} lost "
                         f"again when the training process {ended} and {'were' if many else 'was'} not "
                         "written; export again to try once more.")
    return " ".join(sentences)


def result_so_far(losses: np.ndarray, first: ProgressBatch | None, last: ProgressBatch | None,
                  config: TrainingConfig, elapsed_s: float, message: str) -> TrainingResult | None:
    """The run as its progress batches left it, ended as stopped; None when no epoch had finished."""
    if last is None or first is None or losses.size == 0:
        return None
    epochs = int(losses.size)
    return TrainingResult(
        weight=last.weight, bias=last.bias, final_loss=float(losses[-1]), loss_history=losses,
        epochs_run=epochs, stop_reason=STOPPED, device=config.device, elapsed_s=elapsed_s, path=config.path,
        message=f"{message} It keeps the {epochs:,} epochs trained before.", initial_weight=first.initial_weight,
        initial_bias=first.initial_bias, config=config.to_dict())
