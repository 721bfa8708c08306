"""The `.gdsproj` project file: JSON with a version field holding the points, the hyperparameters,
and the session's runs (each with its config, result, loss history and optimizer path). Saved
atomically; a bad file gives a DataError that says what is wrong, never a crash.

Version 1 files (one "result", no runs) still open: their result becomes the only run."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.atomic_write import write_text_atomic
from engine.data.points import PointSet
from engine.errors import DataError, EngineError
from engine.training.config import TrainingConfig
from engine.training.results import TrainingResult

PROJECT_SUFFIX = ".gdsproj"
PROJECT_FORMAT = "gradient-descent-studio/project"
PROJECT_VERSION = 2


@dataclass
class SavedRun:
    config: TrainingConfig
    result: TrainingResult
    path: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # epochs, weights, biases (thinned)
    shown: bool = True


@dataclass
class Project:
    points: PointSet
    config: TrainingConfig = field(default_factory=TrainingConfig)
    runs: list[SavedRun] = field(default_factory=list)

    @property
    def result(self) -> TrainingResult | None:
        """The latest run's result."""
        return self.runs[-1].result if self.runs else None


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    document: dict[str, Any] = {
        "format": PROJECT_FORMAT,
        "version": PROJECT_VERSION,
        "points": {"x": project.points.x.tolist(), "y": project.points.y.tolist()},
        "config": project.config.to_dict(),
        "result": _result_to_json(project.result) if project.result is not None else None,
        "runs": [_run_to_json(run) for run in project.runs],
    }
    write_text_atomic(path, json.dumps(document, allow_nan=True) + "\n")


def load_project(path: str | os.PathLike[str]) -> Project:
    name = str(path)
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise DataError(f"{name}: cannot read the file ({error.strerror or error}).", path=name) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        line = getattr(error, "lineno", None)
        where = f", line {line}" if line else ""
        raise DataError(f"{name}{where}: not a Gradient Descent Studio project (invalid JSON).",
                        line=line, path=name) from None
    if not isinstance(document, dict) or document.get("format") != PROJECT_FORMAT:
        raise DataError(f"{name}: not a Gradient Descent Studio project.", path=name)
    version = document.get("version")
    if not isinstance(version, int) or version > PROJECT_VERSION:
        raise DataError(f"{name}: project version {version} is newer than this app understands "
                        f"({PROJECT_VERSION}); please update the app.", path=name)
    try:
        raw_points = document["points"]
        points = PointSet.from_columns(raw_points["x"], raw_points["y"], validate=False)
        points.validate(for_fitting=False)
        config = TrainingConfig.from_dict(document.get("config") or {})
        if version >= 2:
            runs = [_run_from_json(run) for run in document.get("runs") or []]
        elif document.get("result"):
            result = _result_from_json(document["result"])
            runs = [SavedRun(TrainingConfig.from_dict(result.config or {}), result)]
        else:
            runs = []
    except EngineError as error:
        raise DataError(f"{name}: {error}", path=name) from None
    except (KeyError, TypeError, ValueError) as error:
        raise DataError(f"{name}: the project file is damaged ({type(error).__name__}: {error}).",
                        path=name) from None
    return Project(points=points, config=config, runs=runs)


def _run_to_json(run: SavedRun) -> dict[str, Any]:
    document: dict[str, Any] = {"config": run.config.to_dict(), "result": _result_to_json(run.result),
                                "shown": run.shown}
    if run.path is not None:
        epochs, weights, biases = run.path
        document["path"] = {"epochs": epochs.tolist(), "weights": weights.tolist(), "biases": biases.tolist()}
    return document


def _run_from_json(data: dict[str, Any]) -> SavedRun:
    path = None
    if data.get("path"):
        raw = data["path"]
        path = (np.asarray(raw["epochs"], dtype=np.int64), np.asarray(raw["weights"], dtype=np.float64),
                np.asarray(raw["biases"], dtype=np.float64))
        if not path[0].shape == path[1].shape == path[2].shape:
            raise ValueError("a run's path has columns of different lengths")
    return SavedRun(TrainingConfig.from_dict(data.get("config") or {}), _result_from_json(data["result"]), path,
                    bool(data.get("shown", True)))


def _result_to_json(result: TrainingResult) -> dict[str, Any]:
    return {
        "weight": result.weight, "bias": result.bias, "final_loss": result.final_loss,
        "loss_history": result.loss_history.tolist(), "epochs_run": result.epochs_run,
        "stop_reason": result.stop_reason, "device": result.device, "elapsed_s": result.elapsed_s,
        "path": result.path, "message": result.message, "initial_weight": result.initial_weight,
        "initial_bias": result.initial_bias, "config": result.config,
        "suggested_learning_rate": result.suggested_learning_rate,
    }


def _result_from_json(data: dict[str, Any]) -> TrainingResult:
    history = np.asarray(data.get("loss_history", []), dtype=np.float64)
    final_loss = float(data.get("final_loss", math.nan))
    return TrainingResult(
        weight=float(data["weight"]), bias=float(data["bias"]), final_loss=final_loss,
        loss_history=history, epochs_run=int(data.get("epochs_run", history.size)),
        stop_reason=str(data.get("stop_reason", "completed")), device=str(data.get("device", "cpu")),
        elapsed_s=float(data.get("elapsed_s", 0.0)), path=str(data.get("path", "fused")),
        message=str(data.get("message", "")), initial_weight=float(data.get("initial_weight", 0.0)),
        initial_bias=float(data.get("initial_bias", 0.0)), config=dict(data.get("config", {})),
        suggested_learning_rate=data.get("suggested_learning_rate"))
