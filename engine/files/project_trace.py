"""A saved run's step trace (what replay and the step details read) as the two arrays a version 3 project
stores, and the checks that turn two untrusted arrays back into StepRecords.

Layout, one row per kept step (StepTrace.records(): every step up to 131,072, thinned beyond), so a run's
trace is two .npy members and costs two zip entries however many fields a step has:

  runs/N/trace_ints.npy    int64   [k, 3]   steps, epochs, batch_sizes
  runs/N/trace_floats.npy  float64 [k, 16]  losses, before (w, b), after (w, b), trained_before (w, b),
                                            trained_after (w, b), gradients (∂L/∂w, ∂L/∂b), states (4),
                                            learning_rates
  runs/N/trace_wide.npy    float64 [k, W]   a polynomial's (degree > 1) wide block: W = P·(5 + buffers), P =
                                            degree + 1, buffers = its optimizer's (step_trace.WIDE_PARTS)

Every value is checked: the trainer keeps only the steps before the first non-finite one, so every saved
number is finite; losses are ≥ 0 (a mean square), learning rates > 0; step numbers start at 1 or later and
increase strictly (a thinned trace skips some), epochs start at 1 or later and never decrease, batch sizes
are ≥ 1. A failure names the field as StepRecords names it, e.g. `runs[2].trace.steps[7]`.
"""

from __future__ import annotations

import numpy as np

from engine.files.project_schema import MAX_POINTS, FieldError
from engine.training.step_trace import DEFAULT_TRACE_CAPACITY, STATE_WIDTH, StepRecords

INT_FIELDS = ("steps", "epochs", "batch_sizes")
# (StepRecords field, its columns in the floats array); the widths add up to FLOAT_WIDTH.
FLOAT_FIELDS = (("losses", 1), ("before", 2), ("after", 2), ("trained_before", 2), ("trained_after", 2),
                ("gradients", 2), ("states", STATE_WIDTH), ("learning_rates", 1))
INT_WIDTH = len(INT_FIELDS)
FLOAT_WIDTH = sum(width for _, width in FLOAT_FIELDS)
MAX_TRACE_ROWS = DEFAULT_TRACE_CAPACITY + 1  # the kept steps plus the newest one, kept even when thinned
ROW_BYTES = 8 * (INT_WIDTH + FLOAT_WIDTH)  # 152


def trace_arrays(records: StepRecords) -> tuple[np.ndarray, np.ndarray]:
    """`records` as the ints [k, 3] and floats [k, 16] arrays a project stores."""
    count = len(records)
    ints = np.column_stack([np.asarray(getattr(records, name), dtype=np.int64).reshape(count)
                            for name in INT_FIELDS]).reshape(count, INT_WIDTH)
    floats = np.column_stack([np.asarray(getattr(records, name), dtype=np.float64).reshape(count, width)
                              for name, width in FLOAT_FIELDS]).reshape(count, FLOAT_WIDTH)
    return ints, floats


def trace_records(ints: np.ndarray, floats: np.ndarray, where: str, wide: np.ndarray | None = None,
                  parameter_count: int = 0) -> StepRecords:
    """StepRecords from the arrays read back (shapes already checked, `wide` with `parameter_count`
    parameters or None), or FieldError naming the field."""
    steps, epochs, sizes = (ints[:, column].copy() for column in range(INT_WIDTH))
    _at_least(steps, 1, f"{where}.steps", "a step number ≥ 1")
    _increasing(steps, f"{where}.steps", "step numbers in increasing order", strictly=True)
    _at_least(epochs, 1, f"{where}.epochs", "an epoch ≥ 1")
    _increasing(epochs, f"{where}.epochs", "epochs that never decrease", strictly=False)
    _at_least(sizes, 1, f"{where}.batch_sizes", "a batch size ≥ 1")
    _at_most(sizes, MAX_POINTS, f"{where}.batch_sizes", f"a batch size ≤ {MAX_POINTS:,}")
    fields: dict[str, np.ndarray] = {"steps": steps, "epochs": epochs, "batch_sizes": sizes}
    start = 0
    for name, width in FLOAT_FIELDS:
        values = floats[:, start: start + width].copy()
        start += width
        fields[name] = values[:, 0] if width == 1 else values
        _finite(values, f"{where}.{name}", width)
    _positive(fields["losses"], f"{where}.losses", "a finite number ≥ 0", strictly=False)
    _positive(fields["learning_rates"], f"{where}.learning_rates", "a finite number > 0", strictly=True)
    if wide is not None:
        _finite(wide, f"{where}.wide", wide.shape[1])
    return StepRecords(**fields, wide=wide, parameter_count=parameter_count if wide is not None else 0)


def _name(where: str, row: int, column: int | None = None) -> str:
    return f"{where}[{row}]" if column is None else f"{where}[{row}][{column}]"


def _at_least(values: np.ndarray, low: int, where: str, wanted: str) -> None:
    bad = np.flatnonzero(values < low)
    if bad.size:
        raise FieldError(_name(where, int(bad[0])), f"expected {wanted}, got {int(values[bad[0]])}.")


def _at_most(values: np.ndarray, high: int, where: str, wanted: str) -> None:
    bad = np.flatnonzero(values > high)
    if bad.size:
        raise FieldError(_name(where, int(bad[0])), f"expected {wanted}, got {int(values[bad[0]]):,}.")


def _increasing(values: np.ndarray, where: str, wanted: str, *, strictly: bool) -> None:
    steps = np.diff(values)
    bad = np.flatnonzero(steps <= 0 if strictly else steps < 0)
    if bad.size:
        row = int(bad[0]) + 1
        raise FieldError(_name(where, row), f"expected {wanted}, got {int(values[row])} after {int(values[row - 1])}.")


def _finite(values: np.ndarray, where: str, width: int) -> None:
    bad = np.flatnonzero(~np.isfinite(values).reshape(-1))
    if bad.size:
        row, column = divmod(int(bad[0]), width)
        raise FieldError(_name(where, row, column if width > 1 else None),
                         f"expected a finite number, got {float(values[row, column])!r}.")


def _positive(values: np.ndarray, where: str, wanted: str, *, strictly: bool) -> None:
    bad = np.flatnonzero(values <= 0 if strictly else values < 0)
    if bad.size:
        raise FieldError(_name(where, int(bad[0])), f"expected {wanted}, got {float(values[bad[0]])!r}.")
