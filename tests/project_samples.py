"""Sample projects for the project-file tests: one as Save writes it, one as version 2 wrote it."""

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

FORMAT = "gradient-descent-studio/project"


def make_result(epochs: int = 5, *, stop_reason: str = "completed", seed: int = 0) -> TrainingResult:
    history = np.linspace(2.0, 0.5, epochs)
    return TrainingResult(
        weight=1.75, bias=-0.25, final_loss=float(history[-1]) if epochs else math.nan, loss_history=history,
        epochs_run=epochs, stop_reason=stop_reason, device="cpu", elapsed_s=0.125, path="fused",
        message="Training diverged at epoch 1." if stop_reason == "diverged" else "", initial_weight=0.5,
        initial_bias=0.25, config=TrainingConfig(seed=seed).to_dict(),
        suggested_learning_rate=0.001 if stop_reason == "diverged" else None)


def make_project() -> Project:
    path = (np.array([1, 3, 5], dtype=np.int64), np.array([0.5, 1.0, 1.75]), np.array([0.25, 0.0, -0.25]))
    runs = [SavedRun(TrainingConfig(seed=7, optimizer="adam", learning_rate=0.05, batch_size=2), make_result(5, seed=7),
                     path, shown=False),
            SavedRun(TrainingConfig(learning_rate=5.0), make_result(0, stop_reason="diverged"), None)]
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
