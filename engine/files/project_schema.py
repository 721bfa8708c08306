"""The project file's schema: every field with its type and its range, checked by msgspec before anything
is built from it, and msgspec's complaints turned into words that name the field.

One set of Structs serves every version: the array fields are type parameters — JSON lists in versions 1
and 2, names of .npy members of the zip in version 3 — and the numbers inside the arrays are checked with
numpy once they are arrays (project_file.py), whatever the version. Unknown keys are ignored, so a newer
app may add fields; a known key with a wrong type or an out-of-range value is an error.

Non-finite numbers: the trainer stops at the first non-finite loss or parameter and keeps only what came
before it, so a saved run, diverged or not, holds finite weights, biases, losses and paths. The one NaN a
real run stores is the final loss of a run that ended before its first epoch (`epochs_run` 0); that is
allowed, and nothing else non-finite is.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar

import msgspec
from msgspec import Meta, Struct

from engine.training import config as limits
from engine.training.config import PATHS, TrainingConfig
from engine.training.losses import LOSSES
from engine.training.optimizers import OPTIMIZERS
from engine.training.results import COMPLETED, DIVERGED, STOPPED
from engine.training.schedules import SCHEDULES

PROJECT_FORMAT = "gradient-descent-studio/project"

# The bounds TrainingConfig checks (engine/training/config.py): what torch.manual_seed takes, rates a
# float32 step survives. Sizes: far above what the app makes, low enough that a file cannot exhaust memory.
MAX_SEED, MAX_LEARNING_RATE, MAX_EPOCHS, MAX_BATCH_SIZE = (limits.MAX_SEED, limits.MAX_LEARNING_RATE, limits.MAX_EPOCHS,
                                                          limits.MAX_BATCH_SIZE)
MAX_RUNS = 10_000
MAX_POINTS = 50_000_000  # 5x the generator's limit
MAX_PATH_POINTS = 1_000_000  # a run keeps at most ~4,097 (engine/training/path_buffer.py)
MAX_MESSAGE_CHARS = 10_000
MAX_MEMBER_CHARS = 200
MAX_COLUMN_NAME_CHARS = 200
DEVICE_PATTERN = rf"(?a)^(?:{limits.DEVICE_PATTERN.pattern})\Z"  # \Z: "$" would let "cpu\n" through; (?a): ASCII digits
MEMBER_PATTERN = r"^[a-z0-9_]+(?:/[a-z0-9_]+)*\.npy\Z"  # no "..", no leading "/", no backslash
STOP_REASONS = (COMPLETED, STOPPED, DIVERGED)

Finite = Annotated[float, Meta(ge=-sys.float_info.max, le=sys.float_info.max)]
Seed = Annotated[int, Meta(ge=0, le=MAX_SEED)]
LearningRate = Annotated[float, Meta(gt=0.0, le=MAX_LEARNING_RATE)]  # the bounds also refuse NaN
Epochs = Annotated[int, Meta(ge=1, le=MAX_EPOCHS)]
EpochCount = Annotated[int, Meta(ge=0, le=MAX_EPOCHS)]
BatchSize = Annotated[int, Meta(ge=1, le=MAX_BATCH_SIZE)]
Momentum = Annotated[float, Meta(ge=0.0, lt=1.0)]
Seconds = Annotated[float, Meta(ge=0.0, le=sys.float_info.max)]
Device = Annotated[str, Meta(max_length=limits.MAX_DEVICE_LENGTH, pattern=DEVICE_PATTERN)]
Message = Annotated[str, Meta(max_length=MAX_MESSAGE_CHARS)]
MemberName = Annotated[str, Meta(max_length=MAX_MEMBER_CHARS, pattern=MEMBER_PATTERN)]
Degree = Annotated[int, Meta(ge=1, le=limits.MAX_DEGREE)]
Coefficients = Annotated[tuple[Finite, ...], Meta(max_length=limits.MAX_DEGREE + 1)]
HuberDelta = Annotated[float, Meta(gt=0.0, le=limits.MAX_HUBER_DELTA)]
Penalty = Annotated[float, Meta(ge=0.0, le=limits.MAX_PENALTY)]
StepSize = Annotated[int, Meta(ge=1, le=MAX_EPOCHS)]
Gamma = Annotated[float, Meta(gt=0.0, le=1.0)]
ValidationFraction = Annotated[float, Meta(ge=0.0, le=limits.MAX_VALIDATION_FRACTION)]
ColumnName = Annotated[str, Meta(min_length=1, max_length=MAX_COLUMN_NAME_CHARS)]
if TYPE_CHECKING:
    OptimizerName = str
    LossName = str
    ScheduleName = str
    TrainingPath = str
    StopReason = str
else:  # Literal of a tuple: the registries decide what is known
    OptimizerName = Literal[OPTIMIZERS.keys()]
    LossName = Literal[LOSSES.keys()]
    ScheduleName = Literal[SCHEDULES.keys()]
    TrainingPath = Literal[PATHS]
    StopReason = Literal[STOP_REASONS]

# Array fields in JSON (versions 1 and 2); in version 3 each is a MemberName.
JsonFloats = Annotated[list[float], Meta(max_length=MAX_EPOCHS)]
JsonEpochs = Annotated[list[EpochCount], Meta(max_length=MAX_PATH_POINTS)]

F = TypeVar("F")  # an array of floats
E = TypeVar("E")  # an array of epoch numbers
_DEFAULT = TrainingConfig()


class ConfigDoc(Struct, kw_only=True):
    """TrainingConfig's fields; a missing one takes TrainingConfig's default."""

    learning_rate: LearningRate = _DEFAULT.learning_rate
    epochs: Epochs = _DEFAULT.epochs
    optimizer: OptimizerName = _DEFAULT.optimizer
    momentum: Momentum = _DEFAULT.momentum
    batch_size: BatchSize | None = _DEFAULT.batch_size
    seed: Seed = _DEFAULT.seed
    device: Device = _DEFAULT.device
    path: TrainingPath = _DEFAULT.path
    standardize: bool = _DEFAULT.standardize
    degree: Degree = _DEFAULT.degree
    loss: LossName = _DEFAULT.loss
    huber_delta: HuberDelta = _DEFAULT.huber_delta
    l2: Penalty = _DEFAULT.l2
    l1: Penalty = _DEFAULT.l1
    schedule: ScheduleName = _DEFAULT.schedule
    step_size: StepSize | None = _DEFAULT.step_size
    gamma: Gamma | None = _DEFAULT.gamma
    validation_fraction: ValidationFraction = _DEFAULT.validation_fraction


class ResultDoc(Struct, Generic[F], kw_only=True):
    """A TrainingResult. `final_loss` is checked against `epochs_run` in project_file.py (NaN only with no
    epoch); `epochs_run` missing means the history's length, as version 1 read it."""

    weight: Finite
    bias: Finite
    final_loss: float = math.nan
    loss_history: F | None = None
    epochs_run: EpochCount | None = None
    stop_reason: StopReason = COMPLETED
    device: Device = "cpu"
    elapsed_s: Seconds = 0.0
    path: TrainingPath = "fused"
    message: Message = ""
    initial_weight: Finite = 0.0
    initial_bias: Finite = 0.0
    config: ConfigDoc | None = None
    suggested_learning_rate: LearningRate | None = None
    coefficients: Coefficients = ()  # the polynomial, constant term first; () in files saved before it
    validation_loss: Annotated[float, Meta(ge=0.0, le=sys.float_info.max)] | None = None
    validation_history: F | None = None  # one per epoch run, like loss_history
    x_center: Finite = 0.0
    x_spread: Annotated[float, Meta(gt=0.0, le=sys.float_info.max)] = 1.0


class PathDoc(Struct, Generic[F, E]):
    epochs: E
    weights: F
    biases: F


class TraceDoc(Struct):
    """A run's step trace (version 3 only; project_trace.py describes the two tables)."""

    ints: MemberName
    floats: MemberName
    wide: MemberName | None = None  # a polynomial's every parameter per step (step_trace.WIDE_PARTS)


class RunDoc(Struct, Generic[F, E], kw_only=True):
    result: ResultDoc[F]
    config: ConfigDoc | None = None  # version 1 had none: the result's config stands in
    path: PathDoc[F, E] | None = None
    shown: bool = True
    trace: TraceDoc | None = None  # versions 1 and 2, and version 3 before traces were saved, have none


class PointsDoc(Struct, Generic[F]):
    x: F
    y: F
    x_name: ColumnName = "x"  # the imported columns' header names (axis labels); older files have none
    y_name: ColumnName = "y"


class ProjectDoc(Struct, Generic[F, E], kw_only=True):
    format: str
    version: int
    points: PointsDoc[F]
    config: ConfigDoc | None = None
    result: ResultDoc[F] | None = None  # version 1's only run; versions 2 and 3 keep the runs
    runs: Annotated[list[RunDoc[F, E]], Meta(max_length=MAX_RUNS)] | None = None


JsonProject = ProjectDoc[JsonFloats, JsonEpochs]
ZipProject = ProjectDoc[MemberName, MemberName]


class FieldError(Exception):
    """What is wrong and where: `where` is a field path such as runs[3].config.seed ("" for the whole
    file), `line` the 1-based line in a JSON file when known. project_file.py prefixes the file name."""

    def __init__(self, where: str, reason: str, *, line: int | None = None) -> None:
        super().__init__(f"{where}: {reason}" if where else reason)
        self.where = where
        self.line = line


def convert(document: Any, schema: Any) -> Any:
    """`document` (from json.loads) as `schema`'s Structs; FieldError for the first thing that is wrong."""
    try:
        return msgspec.convert(document, type=schema, strict=True)
    except msgspec.ValidationError as error:
        raise _field_error(str(error), document) from None


# --- msgspec's messages in words ----------------------------------------------------------------------
_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_PATH_PART = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")
_TYPE_WORDS = {"int": "an int", "float": "a number", "str": "a string", "bool": "true or false",
               "object": "an object", "array": "a list", "null": "null"}
_PATTERN_WORDS = {DEVICE_PATTERN: "a device: auto, cpu, mps, cuda or cuda:N",
                  MEMBER_PATTERN: "the name of a .npy member, such as runs/0/loss_history.npy"}
_CHOICES = {"optimizer": OPTIMIZERS.keys(), "loss": LOSSES.keys(), "schedule": SCHEDULES.keys(), "path": PATHS,
            "stop_reason": STOP_REASONS}
_FINITE_BOUND = f"{sys.float_info.max!r}"


def _field_error(message: str, document: Any) -> FieldError:
    match = _AT.match(message)
    what, path = (match["what"], match["path"] or "") if match else (message, "")
    parts = [name if name else int(index) for name, index in _PATH_PART.findall(path)]
    where = path.lstrip(".")
    got = describe_value(_value_at(document, parts))
    return FieldError(where, _reason(what, parts, got) + ".")


def _reason(what: str, parts: list[str | int], got: str) -> str:
    if what == "Number out of range":
        return f"expected a finite number, got {got if got != 'null' else 'a number too large for a float'}"
    if missing := re.fullmatch(r"Object missing required field `(\w+)`", what):
        return f'the field "{missing[1]}" is missing'
    if re.fullmatch(r"Invalid enum value .*", what, re.DOTALL):
        field = parts[-1] if parts else ""
        choices = _CHOICES.get(field if isinstance(field, str) else "", ())
        return f"expected one of {', '.join(choices)}, got {got}" if choices else f"an unknown value, got {got}"
    if typed := re.fullmatch(r"Expected `([^`]+)`, got `[^`]+`", what):
        kinds = [_TYPE_WORDS.get(kind.strip(), kind.strip()) for kind in typed[1].split("|")]
        return f"expected {' or '.join(kinds)}, got {got}"
    if bound := re.fullmatch(r"Expected `(\w+)` (<=|>=|<|>) (\S+)", what):
        if bound[3].lstrip("-") == _FINITE_BOUND:
            return f"expected a finite number, got {got}"
        kind = _TYPE_WORDS.get(bound[1], bound[1])
        value = bound[3][:-2] if bound[3].endswith(".0") else bound[3]
        return f"expected {kind} {bound[2].replace('<=', '≤').replace('>=', '≥')} {value}, got {got}"
    if pattern := re.fullmatch(r"Expected `str` matching regex '(.*)'", what, re.DOTALL):
        raw = pattern[1].replace("\\\\", "\\")
        return f"expected {_PATTERN_WORDS.get(raw, 'a different string')}, got {got}"
    if length := re.fullmatch(r"Expected `(\w+)` of length <= (\d+)", what):
        unit = "characters" if length[1] == "str" else "values"
        return f"expected at most {int(length[2]):,} {unit}, got {got}"
    return f"{what[:1].lower()}{what[1:]}".replace("`", "")


def _value_at(document: Any, parts: list[str | int]) -> Any:
    value = document
    for part in parts:
        found = (isinstance(value, list) and isinstance(part, int) and part < len(value)) or \
            (isinstance(value, dict) and part in value)
        if found:
            value = value[part]
        else:
            return None
    return value


def describe_value(value: Any) -> str:
    """A short rendering of a bad value for a message (a 10,000-digit int is not printed)."""
    if isinstance(value, bool) or value is None:
        return "true" if value is True else "false" if value is False else "null"
    if isinstance(value, int):
        return f"an int of {len(str(abs(value))) if value.bit_length() < 10_000 else 'thousands of'} digits" \
            if value.bit_length() > 100 else str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 40 else value[:39] + "…", ensure_ascii=False)
    if isinstance(value, list):
        return f"a list of {len(value):,} values"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
