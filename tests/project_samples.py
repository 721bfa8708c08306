"""Sample projects for the project-file tests: one as Save writes it, one as version 2 wrote it, and step traces
computed by hand (momentum SGD on x = 1..4, y = 2x, two points a batch)."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from engine.data.points import PointSet
from engine.files.project_file import Project, SavedRun
from engine.training.config import TrainingConfig
from engine.training.results import TrainingResult
from engine.training.step_trace import STATE_WIDTH, StepRecords, StepTrace

FORMAT = "gradient-descent-studio/project"


def make_result(epochs: int = 5, *, stop_reason: str = "completed", seed: int = 0) -> TrainingResult:
    history = np.linspace(2.0, 0.5, epochs)
    return TrainingResult(
        weight=1.75, bias=-0.25, final_loss=float(history[-1]) if epochs else math.nan, loss_history=history,
        epochs_run=epochs, stop_reason=stop_reason, device="cpu", elapsed_s=0.125, path="fused",
        message="Training diverged at epoch 1." if stop_reason == "diverged" else "", initial_weight=0.5,
        initial_bias=0.25, config=TrainingConfig(seed=seed).to_dict(),
        suggested_learning_rate=0.001 if stop_reason == "diverged" else None)


def make_records(count: int, *, first: int = 1, learning_rate: float = 0.02, momentum: float = 0.9,
                 start: tuple[float, float] = (-0.0075, 0.5364)) -> StepRecords:
    """`count` momentum-SGD steps from step `first` (two points a batch, so two steps an epoch), as the
    trainer reports them: torch's momentum buffer starts as the first gradient, then b = β·b + g."""
    x, y = np.arange(1.0, 5.0), np.arange(1.0, 5.0) * 2.0
    w, b = start
    velocity = np.zeros(2)
    rows: list[list[float]] = []
    for step in range(first, first + count):
        batch = slice(0, 2) if step % 2 else slice(2, 4)
        residual = w * x[batch] + b - y[batch]
        gradient = np.array([np.mean(2 * residual * x[batch]), np.mean(2 * residual)])
        velocity = gradient if step == 1 else momentum * velocity + gradient
        after = (w - learning_rate * velocity[0], b - learning_rate * velocity[1])
        rows.append([float(np.mean(residual**2)), w, b, *after, w, b, *after, *gradient, *velocity, 0.0, 0.0,
                     learning_rate])
        w, b = after
    table = np.array(rows, dtype=np.float64).reshape(count, 12 + STATE_WIDTH)
    steps = np.arange(first, first + count, dtype=np.int64)
    return StepRecords(steps=steps, epochs=(steps - 1) // 2 + 1, batch_sizes=np.full(count, 2, dtype=np.int64),
                       losses=table[:, 0], before=table[:, 1:3], after=table[:, 3:5], trained_before=table[:, 5:7],
                       trained_after=table[:, 7:9], gradients=table[:, 9:11], states=table[:, 11:15],
                       learning_rates=table[:, 15])


def make_trace(count: int, capacity: int | None = None) -> StepTrace:
    trace = StepTrace() if capacity is None else StepTrace(capacity=capacity)
    trace.extend(make_records(count))
    return trace


def make_project(*, traced: bool = False) -> Project:
    """Two runs (the second diverged before its first epoch); with `traced`, the first keeps 10 steps' trace
    and the second an empty one."""
    path = (np.array([1, 3, 5], dtype=np.int64), np.array([0.5, 1.0, 1.75]), np.array([0.25, 0.0, -0.25]))
    runs = [SavedRun(TrainingConfig(seed=7, optimizer="adam", learning_rate=0.05, batch_size=2), make_result(5, seed=7),
                     path, shown=False, trace=make_records(10) if traced else None),
            SavedRun(TrainingConfig(learning_rate=5.0), make_result(0, stop_reason="diverged"), None,
                     trace=StepTrace().records() if traced else None)]
    return Project(PointSet.from_columns([1.0, 2.0, 3.5], [2.0, 4.5, 7.0]), TrainingConfig(epochs=77, seed=3), runs)


def v2_document() -> dict[str, Any]:
    """A valid version 2 file, as the app wrote it before version 3."""
    result = {"weight": 1.75, "bias": -0.25, "final_loss": 0.5, "loss_history": [2.0, 1.0, 0.5], "epochs_run": 3,
              "stop_reason": "completed", "device": "cpu", "elapsed_s": 0.1, "path": "fused", "message": "",
              "initial_weight": 0.5, "initial_bias": 0.25, "config": TrainingConfig().to_dict(),
              "suggested_learning_rate": None}
    run = {"config": TrainingConfig(seed=4).to_dict(), "result": result, "shown": True,
           "path": {"epochs": [1, 2, 3], "weights": [0.5, 1.0, 1.75], "biases": [0.25, 0.0, -0.25]}}
    return {"format": FORMAT, "version": 2, "points": {"x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 6.0]},
            "config": TrainingConfig().to_dict(), "result": copy.deepcopy(result), "runs": [run]}


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, allow_nan=True), encoding="utf-8")
    return path
