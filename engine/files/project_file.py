"""The `.gdsproj` project file: the points, the hyperparameters and the session's runs (each with its
config, result, loss history, optimizer path and step trace, so a reopened run can be replayed).

Save writes version 3: a zip of `project.json` and one .npy member per long array (project_zip.py), so a
10-million-epoch history is 80 MB of float64 read and written in one piece rather than 435 MB of JSON
text. Versions 1 (one "result", no runs) and 2 (all JSON) still open, as does a version 3 file saved before
traces were: their runs have no trace. A run's trace is two members (project_trace.py); the traces of one
project take at most TRACE_BYTES_BUDGET, the newest runs first, so what Save writes always opens.

Opening checks the whole file before it returns: its size, its structure and every field's type and range
(project_schema.py), then the arrays (finite, in range, lengths that agree with each other). The window
changes only after load_project has returned, so a bad file changes nothing; it raises one DataError that
names the file and the field, e.g. `fit.gdsproj: runs[3].config.seed: expected an int, got "abc"`.
"""

from __future__ import annotations

import json
import math
import os
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import msgspec
import numpy as np

from engine.atomic_write import write_atomic
from engine.data.column_names import unique_names
from engine.data.points import MAX_MAGNITUDE, TOO_LARGE, PointSet
from engine.errors import ConfigError, DataError
from engine.files import project_schema as schema
from engine.files.project_schema import PROJECT_FORMAT, FieldError
from engine.files.project_trace import FLOAT_WIDTH, INT_WIDTH, MAX_TRACE_ROWS, ROW_BYTES, trace_arrays, trace_records
from engine.files.project_zip import FLOAT64, INT64, ZIP_MAGIC, ProjectZip, write_project_zip
from engine.training.config import TrainingConfig
from engine.training.optimizers import OPTIMIZERS
from engine.training.results import TrainingResult
from engine.training.step_trace import StepRecords, wide_width

PROJECT_SUFFIX = ".gdsproj"
PROJECT_VERSION = 3
MAX_FILE_BYTES = 2**30  # 1 GiB: a 10-million-epoch run is 80 MB in version 3, 435 MB in version 2
# Half of that for traces: 26 runs kept whole at 131,073 steps (20 MB each), or 3,500 runs of 1,000 steps.
TRACE_BYTES_BUDGET = MAX_FILE_BYTES // 2

__all__ = ["MAX_FILE_BYTES", "PROJECT_FORMAT", "PROJECT_SUFFIX", "PROJECT_VERSION", "TRACE_BYTES_BUDGET", "Project",
           "SavedRun", "load_project", "save_project"]


@dataclass
class SavedRun:
    config: TrainingConfig
    result: TrainingResult
    path: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # epochs, weights, biases (thinned)
    shown: bool = True
    trace: StepRecords | None = None  # StepTrace.records(): every kept step; None when the file had none


@dataclass
class Project:
    points: PointSet
    config: TrainingConfig = field(default_factory=TrainingConfig)
    runs: list[SavedRun] = field(default_factory=list)
    column_names: tuple[str, str] = ("x", "y")  # the x and y columns' header names, from an import

    @property
    def result(self) -> TrainingResult | None:
        """The latest run's result."""
        return self.runs[-1].result if self.runs else None


# --- saving ---------------------------------------------------------------------------------------------
def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Write version 3, atomically: a crash or a full disk leaves the previous file as it was."""
    arrays: dict[str, np.ndarray] = {"points/x.npy": project.points.x, "points/y.npy": project.points.y}
    runs: list[dict[str, Any]] = []
    traced = _traced_runs(project.runs)
    for index, run in enumerate(project.runs):
        prefix = f"runs/{index}/"
        arrays[f"{prefix}loss_history.npy"] = np.asarray(run.result.loss_history, dtype=FLOAT64)
        result = {**_result_fields(run.result), "loss_history": f"{prefix}loss_history.npy"}
        validation = run.result.validation_history
        # Kept when it pairs with the loss history epoch for epoch and is finite (a diverged run's may not be).
        if (validation is not None and len(validation) == len(run.result.loss_history)
                and np.isfinite(validation).all()):
            arrays[f"{prefix}validation_history.npy"] = np.asarray(validation, dtype=FLOAT64)
            result["validation_history"] = f"{prefix}validation_history.npy"
        entry: dict[str, Any] = {"config": run.config.to_dict(), "shown": run.shown, "result": result}
        if run.path is not None:
            names = {key: f"{prefix}path_{key}.npy" for key in ("epochs", "weights", "biases")}
            for name, values, dtype in zip(names.values(), run.path, (INT64, FLOAT64, FLOAT64), strict=True):
                arrays[name] = np.asarray(values, dtype=dtype)
            entry["path"] = names
        if run.trace is not None and index in traced:
            tables = {"ints": f"{prefix}trace_ints.npy", "floats": f"{prefix}trace_floats.npy"}
            arrays[tables["ints"]], arrays[tables["floats"]] = trace_arrays(run.trace)
            if run.trace.wide is not None and run.trace.parameter_count == run.config.degree + 1:
                tables["wide"] = f"{prefix}trace_wide.npy"
                arrays[tables["wide"]] = np.asarray(run.trace.wide, dtype=FLOAT64)
            entry["trace"] = tables
        runs.append(entry)
    points = {"x": "points/x.npy", "y": "points/y.npy", "x_name": project.column_names[0],
              "y_name": project.column_names[1]}
    document = {"format": PROJECT_FORMAT, "version": PROJECT_VERSION, "points": points,
                "config": project.config.to_dict(), "runs": runs}
    write_atomic(path, lambda handle: write_project_zip(handle, document, arrays))


def _traced_runs(runs: list[SavedRun]) -> set[int]:
    """The runs whose traces fit TRACE_BYTES_BUDGET, the newest first (an older run then opens without one,
    as from a file saved before traces were). A trace longer than opening accepts is not written either."""
    kept: set[int] = set()
    left = TRACE_BYTES_BUDGET
    for index in range(len(runs) - 1, -1, -1):
        trace = runs[index].trace
        size = 0 if trace is None else len(trace) * ROW_BYTES + (0 if trace.wide is None else trace.wide.nbytes)
        if trace is not None and size <= left and len(trace) <= MAX_TRACE_ROWS:
            kept.add(index)
            left -= size
    return kept


def _result_fields(result: TrainingResult) -> dict[str, Any]:
    """Plain floats and ints (a numpy scalar is not JSON), the loss history aside."""
    rate = result.suggested_learning_rate
    return {
        "weight": float(result.weight), "bias": float(result.bias), "final_loss": float(result.final_loss),
        "epochs_run": int(result.epochs_run), "stop_reason": result.stop_reason, "device": result.device,
        "elapsed_s": float(result.elapsed_s), "path": result.path, "message": result.message,
        "initial_weight": float(result.initial_weight), "initial_bias": float(result.initial_bias),
        "config": dict(result.config), "suggested_learning_rate": None if rate is None else float(rate),
        "coefficients": [float(c) for c in result.coefficients], "x_center": float(result.x_center),
        "x_spread": float(result.x_spread),
        "validation_loss": (float(result.validation_loss) if result.validation_loss is not None
                            and math.isfinite(result.validation_loss) else None),
    }


# --- opening --------------------------------------------------------------------------------------------
def load_project(path: str | os.PathLike[str]) -> Project:
    """The project in `path`, checked completely; DataError naming the file and the field otherwise."""
    name = str(path)
    try:
        return _read(Path(path))
    except FieldError as error:
        where = f"{name}, line {error.line}" if error.line and not error.where else name
        raise DataError(f"{where}: {error}", line=error.line, path=name) from None


def _read(path: Path) -> Project:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # before open: opening a FIFO waits for a writer
            raise FieldError("", "not a regular file.")
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            _check_size(info.st_size)
            if handle.read(len(ZIP_MAGIC)) == ZIP_MAGIC:
                return _read_zip(handle, info.st_size)
            handle.seek(0)
            data = handle.read(MAX_FILE_BYTES + 1)  # bounded: the file may have grown since fstat
    except OSError as error:
        raise FieldError("", f"cannot read the file ({error.strerror or error}).") from None
    _check_size(len(data))
    return _read_json(data)


def _check_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise FieldError("", f"the file is {size / 2**20:,.0f} MB; a project file may be at most "
                             f"{MAX_FILE_BYTES // 2**20:,} MB.")


def _read_zip(handle: IO[bytes], size: int) -> Project:
    archive = ProjectZip(handle, size)
    try:
        document = archive.document()
        if _version(document) != PROJECT_VERSION:
            raise FieldError("version", f"a zipped project is version {PROJECT_VERSION}, not {document['version']}.")
        return _build(schema.convert(document, schema.ZipProject), _ZipArrays(archive))
    finally:
        archive.close()


def _read_json(data: bytes) -> Project:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FieldError("", "not a Gradient Descent Studio project (not UTF-8 text).", line=line) from None
    except json.JSONDecodeError as error:
        raise FieldError("", "not a Gradient Descent Studio project (invalid JSON).", line=error.lineno) from None
    except RecursionError:
        raise FieldError("", "not a Gradient Descent Studio project (lists or objects nested too deeply).") from None
    except ValueError as error:  # an int of more than 4,300 digits
        raise FieldError("", f"not a Gradient Descent Studio project ({error}).") from None
    if _version(document) == PROJECT_VERSION:
        raise FieldError("version", f"version {PROJECT_VERSION} projects are zip files; this one is JSON text.")
    return _build(schema.convert(document, schema.JsonProject), _JsonArrays())


def _version(document: Any) -> int:
    if not isinstance(document, dict) or document.get("format") != PROJECT_FORMAT:
        raise FieldError("", "not a Gradient Descent Studio project.")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FieldError("version", f"expected a whole number of at least 1, got {schema.describe_value(version)}.")
    if version > PROJECT_VERSION:
        raise FieldError("", f"project version {version} is newer than this app understands "
                             f"({PROJECT_VERSION}); please update the app.")
    return version


# --- from checked fields to a Project -------------------------------------------------------------------
class _JsonArrays:
    """Arrays of versions 1 and 2: JSON lists msgspec has already checked to hold numbers."""

    def floats(self, values: list[float] | None, where: str, length: int | None, most: int) -> np.ndarray:
        return _sized(np.asarray(values if values is not None else [], dtype=np.float64), where, length, most)

    def epochs(self, values: list[int], where: str, most: int) -> np.ndarray:
        return _sized(np.asarray(values, dtype=np.int64), where, None, most)

    def trace(self, document: schema.TraceDoc, where: str, config: TrainingConfig) -> StepRecords | None:
        return None  # versions 1 and 2 kept no trace


class _ZipArrays:
    """Arrays of version 3: .npy members named in project.json, checked before they are read."""

    def __init__(self, archive: ProjectZip) -> None:
        self.archive = archive

    def floats(self, member: str | None, where: str, length: int | None, most: int) -> np.ndarray:
        if member is None:
            return _sized(np.empty(0), where, length, most)
        return _sized(self.archive.array(member, FLOAT64, where, length, most), where, length, most)

    def epochs(self, member: str, where: str, most: int) -> np.ndarray:
        return _sized(self.archive.array(member, INT64, where, None, most), where, None, most)

    def trace(self, document: schema.TraceDoc, where: str, config: TrainingConfig) -> StepRecords:
        """The trace's tables; a polynomial's wide table must have the columns its config implies (a line's
        or a missing one is left out: replay then shows what the narrow table holds)."""
        ints = self.archive.array(document.ints, INT64, f"{where}.ints", None, MAX_TRACE_ROWS, INT_WIDTH)
        if ints.shape[0] > MAX_TRACE_ROWS:
            raise FieldError(f"{where}.ints", f"has {ints.shape[0]:,} rows; at most {MAX_TRACE_ROWS:,} are allowed.")
        floats = self.archive.array(document.floats, FLOAT64, f"{where}.floats", ints.shape[0], MAX_TRACE_ROWS,
                                    FLOAT_WIDTH)
        wide, count = None, config.degree + 1
        if document.wide is not None and config.degree > 1:
            buffers = len(OPTIMIZERS.get(config.optimizer).torch_state_keys)
            wide = self.archive.array(document.wide, FLOAT64, f"{where}.wide", ints.shape[0], MAX_TRACE_ROWS,
                                      wide_width(count, buffers))
        return trace_records(ints, floats, where, wide, count)


Arrays = _JsonArrays | _ZipArrays


def _sized(values: np.ndarray, where: str, length: int | None, most: int) -> np.ndarray:
    if length is not None and values.size != length:
        raise FieldError(where, f"has {_values(values.size)}; expected {length:,}.")
    if values.size > most:
        raise FieldError(where, f"has {_values(values.size)}; at most {most:,} are allowed.")
    return values


def _values(count: int) -> str:
    return f"{count:,} value" + ("" if count == 1 else "s")


def _build(document: schema.ProjectDoc[Any, Any], arrays: Arrays) -> Project:
    x = _trainable(_finite(arrays.floats(document.points.x, "points.x", None, schema.MAX_POINTS), "points.x"),
                   "points.x")
    y = _trainable(_finite(arrays.floats(document.points.y, "points.y", x.size, schema.MAX_POINTS), "points.y"),
                   "points.y")
    config = _config(document.config, "config")
    latest = None if document.result is None else _result(document.result, "result", arrays)
    if document.version == 1:  # the only run: its config is the one its result kept
        runs = [] if latest is None or document.result is None else \
            [SavedRun(_config(document.result.config, "result.config"), latest)]
    else:
        runs = [_run(run, f"runs[{index}]", arrays) for index, run in enumerate(document.runs or [])]
    return Project(points=PointSet.from_columns(x, y, validate=False), config=config, runs=runs,
                   column_names=_column_names(document.points.x_name, document.points.y_name))


def _config(document: schema.ConfigDoc | None, where: str) -> TrainingConfig:
    """TrainingConfig from checked values, so its own checks run too (and name the field if they differ)."""
    try:
        return TrainingConfig(**msgspec.structs.asdict(document)) if document is not None else TrainingConfig()
    except ConfigError as error:
        raise FieldError(where, str(error)) from None


def _run(document: schema.RunDoc[Any, Any], where: str, arrays: Arrays) -> SavedRun:
    result = _result(document.result, f"{where}.result", arrays)
    config = _config(document.config if document.config is not None else document.result.config, f"{where}.config")
    path = None if document.path is None else _path(document.path, f"{where}.path", result.epochs_run, arrays)
    trace = None if document.trace is None else arrays.trace(document.trace, f"{where}.trace", config)
    return SavedRun(config, result, path, document.shown, trace)


def _result(document: schema.ResultDoc[Any], where: str, arrays: Arrays) -> TrainingResult:
    history = _finite(arrays.floats(document.loss_history, f"{where}.loss_history", document.epochs_run,
                                    schema.MAX_EPOCHS), f"{where}.loss_history", low=0.0)
    epochs_run = history.size if document.epochs_run is None else document.epochs_run
    final_loss = document.final_loss
    if epochs_run > 0 if math.isnan(final_loss) else not 0.0 <= final_loss < math.inf:
        raise FieldError(f"{where}.final_loss", f"expected a finite number ≥ 0 (NaN only for a run with no epoch), "
                                                f"got {final_loss!r}.")
    config = _config(document.config, f"{where}.config").to_dict() if document.config is not None else {}
    validation = None
    if document.validation_history is not None:
        validation = _finite(arrays.floats(document.validation_history, f"{where}.validation_history", history.size,
                                           schema.MAX_EPOCHS), f"{where}.validation_history", low=0.0)
    degree = int(config.get("degree", 1))
    if document.coefficients and len(document.coefficients) != degree + 1:
        raise FieldError(f"{where}.coefficients", f"expected {degree + 1} numbers for a polynomial of degree "
                                                  f"{degree}, got {len(document.coefficients)}.")
    return TrainingResult(
        weight=document.weight, bias=document.bias, final_loss=final_loss, loss_history=history,
        epochs_run=epochs_run, stop_reason=document.stop_reason, device=document.device,
        elapsed_s=document.elapsed_s, path=document.path, message=document.message,
        initial_weight=document.initial_weight, initial_bias=document.initial_bias, config=config,
        suggested_learning_rate=document.suggested_learning_rate, coefficients=tuple(document.coefficients),
        validation_loss=document.validation_loss, validation_history=validation, x_center=document.x_center,
        x_spread=document.x_spread)


def _path(document: schema.PathDoc[Any, Any], where: str, epochs_run: int,
          arrays: Arrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    epochs = arrays.epochs(document.epochs, f"{where}.epochs", schema.MAX_PATH_POINTS)
    weights = _finite(arrays.floats(document.weights, f"{where}.weights", epochs.size, schema.MAX_PATH_POINTS),
                      f"{where}.weights")
    biases = _finite(arrays.floats(document.biases, f"{where}.biases", epochs.size, schema.MAX_PATH_POINTS),
                     f"{where}.biases")
    bad = np.flatnonzero((epochs < 1) | (epochs > epochs_run))
    if bad.size:
        raise FieldError(f"{where}.epochs[{bad[0]}]", f"expected an epoch from 1 to epochs_run ({epochs_run:,}), "
                                                      f"got {epochs[bad[0]]}.")
    backwards = np.flatnonzero(np.diff(epochs) <= 0)
    if backwards.size:
        raise FieldError(f"{where}.epochs[{backwards[0] + 1}]", "expected epochs in increasing order.")
    return epochs, weights, biases


def _column_names(x_name: str, y_name: str) -> tuple[str, str]:
    """Names from a file as an import would make them: on one line, no control characters, unique."""
    cleaned = ["".join(" " if unicodedata.category(char).startswith("C") else char for char in name)
               for name in (x_name, y_name)]
    x, y = unique_names(cleaned)
    return x, y


def _finite(values: np.ndarray, where: str, *, low: float | None = None) -> np.ndarray:
    """`values`, or FieldError at the first that is not finite (or below `low`)."""
    good = np.isfinite(values)
    if low is not None:
        good &= values >= low
    if not good.all():
        index = int(np.argmin(good))
        wanted = "a finite number" + (f" ≥ {low:g}" if low is not None else "")
        raise FieldError(f"{where}[{index}]", f"expected {wanted}, got {float(values[index])!r}.")
    return values


def _trainable(values: np.ndarray, where: str) -> np.ndarray:
    """`values`, or FieldError at the first beyond what training (in 32-bit floats) can hold."""
    huge = np.flatnonzero(np.abs(values) > MAX_MAGNITUDE)
    if huge.size:
        index = int(huge[0])
        raise FieldError(f"{where}[{index}]", f"{float(values[index]):.6g} {TOO_LARGE}.")
    return values
