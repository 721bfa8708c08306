"""What replay and the step details need of every optimizer step, kept for runs of any length.

The trainer sends `StepRecords` (a batch of consecutive steps, numpy only) inside its progress batches;
the window keeps them per run in a `StepTrace`. A trace keeps every step exactly up to `capacity` steps
(131,072 by default, so a 100,000-step run is kept whole); beyond that it drops every other kept step and
doubles its stride, so a run of any length stays within `capacity` records (about 20 MB for a line at
152 bytes each; a polynomial's wide block adds up to 616 bytes a step, below) while the newest step is
always kept.

Timeline positions: position 0 is the run before its first step (the initial parameters); position i ≥ 1
is the i-th kept step, showing the parameters after it. With stride 1 a position is the step number.

A polynomial (degree > 1) has more parameters than the row's (w, b) pair: its steps also carry a wide block
of P = D + 1 values per part (`WIDE_PARTS`: the polynomial before and after the step in the user's units,
the trained parameters before and after, the gradient) and one more part per optimizer buffer (momentum's
velocity, Adam's m and v), so replay draws the curve of any step and the step details show every
coefficient's arithmetic. A degree-10 Adam run keeps 152 + 616 bytes a step.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from engine.training.loss_history import GrowingBuffer

STATE_WIDTH = 4  # the widest optimizer state kept per step: Adam's m and v for (w, b)
DEFAULT_TRACE_CAPACITY = 1 << 17
# The float columns of one kept step, in this order (one row of `_floats`).
_FLOAT_COLUMNS = ("loss", "before_w", "before_b", "after_w", "after_b", "trained_before_w", "trained_before_b",
                  "trained_after_w", "trained_after_b", "grad_w", "grad_b", "s0", "s1", "s2", "s3",
                  "learning_rate")
_INT_COLUMNS = ("step", "epoch", "batch_size")
# The parts of a polynomial's wide block, P values each, then one part per optimizer buffer.
WIDE_PARTS = ("coefficients_before", "coefficients_after", "before", "after", "gradient")


def wide_width(parameter_count: int, buffers: int) -> int:
    """Values per step in the wide block of a polynomial with `parameter_count` parameters."""
    return parameter_count * (len(WIDE_PARTS) + buffers)


@dataclass(frozen=True)
class StepRecords:
    """Consecutive optimizer steps exactly as the engine took them.

    `losses` is the mean loss over the step's batch at the parameters before the step, and `before`/`after`
    the (weight, bias) before and after it, all in the user's units. `trained_*` and `gradients` are in the
    space the run trains in: standardised x and y when the run standardises, else the same numbers.
    `gradients` is ∂L/∂w, ∂L/∂b of the batch's mean loss at `trained_before`; `states` the optimizer's state
    after the step (the columns its registry entry's `state_names` name; unused columns are 0).
    """

    steps: np.ndarray  # int64 [k], 1-based, consecutive
    epochs: np.ndarray  # int64 [k], 1-based epoch each step belongs to
    batch_sizes: np.ndarray  # int64 [k], points in the step's batch
    losses: np.ndarray  # float64 [k]
    before: np.ndarray  # float64 [k, 2]
    after: np.ndarray  # float64 [k, 2]
    trained_before: np.ndarray  # float64 [k, 2]
    trained_after: np.ndarray  # float64 [k, 2]
    gradients: np.ndarray  # float64 [k, 2]
    states: np.ndarray  # float64 [k, STATE_WIDTH]
    learning_rates: np.ndarray  # float64 [k]
    wide: np.ndarray | None = None  # float64 [k, wide_width(P, buffers)] for a polynomial, else None
    parameter_count: int = 0  # P = D + 1 when `wide` is given

    def __len__(self) -> int:
        return int(self.steps.shape[0])

    def head(self, count: int) -> StepRecords:
        """The first `count` steps."""
        values = {item.name: getattr(self, item.name) for item in fields(self)}
        for name, value in values.items():
            if isinstance(value, np.ndarray):
                values[name] = value[:count]
        return StepRecords(**values)

    def _floats(self) -> np.ndarray:
        """The float columns side by side, one row a step (filled in place: a batch of a few steps arrives
        hundreds of times a second while a race plays, and column_stack cost more than the copying)."""
        narrow = len(_FLOAT_COLUMNS)
        rows = np.empty((len(self), narrow + (0 if self.wide is None else self.wide.shape[1])), dtype=np.float64)
        rows[:, 0] = self.losses
        rows[:, 1:3] = self.before
        rows[:, 3:5] = self.after
        rows[:, 5:7] = self.trained_before
        rows[:, 7:9] = self.trained_after
        rows[:, 9:11] = self.gradients
        rows[:, 11:15] = self.states
        rows[:, 15] = self.learning_rates
        if self.wide is not None:
            rows[:, narrow:] = self.wide
        return rows

    def _ints(self) -> np.ndarray:
        rows = np.empty((len(self), 3), dtype=np.int64)
        rows[:, 0], rows[:, 1], rows[:, 2] = self.steps, self.epochs, self.batch_sizes
        return rows

    @classmethod
    def _from_rows(cls, floats: np.ndarray, ints: np.ndarray, parameter_count: int = 0) -> StepRecords:
        narrow = len(_FLOAT_COLUMNS)
        wide = floats[:, narrow:].copy() if parameter_count else None
        return cls(steps=ints[:, 0].copy(), epochs=ints[:, 1].copy(), batch_sizes=ints[:, 2].copy(),
                   losses=floats[:, 0].copy(), before=floats[:, 1:3].copy(), after=floats[:, 3:5].copy(),
                   trained_before=floats[:, 5:7].copy(), trained_after=floats[:, 7:9].copy(),
                   gradients=floats[:, 9:11].copy(), states=floats[:, 11:15].copy(),
                   learning_rates=floats[:, 15].copy(), wide=wide, parameter_count=parameter_count)


@dataclass(frozen=True)
class ParameterStep:
    """Every parameter of a polynomial's step (a StepRecord holds only the first weight and the bias)."""

    coefficients_before: tuple[float, ...]  # the polynomial in the user's units, constant term first
    coefficients_after: tuple[float, ...]
    before: tuple[float, ...]  # [w₁…w_D, b] as trained
    after: tuple[float, ...]
    gradient: tuple[float, ...]  # ∂L/∂wⱼ then ∂L/∂b, penalties included
    state: tuple[tuple[float, ...], ...]  # per optimizer buffer after the step, one value per parameter

    @classmethod
    def of_row(cls, wide: np.ndarray, parameter_count: int) -> ParameterStep:
        parts = [tuple(float(v) for v in wide[start:start + parameter_count])
                 for start in range(0, wide.shape[0], parameter_count)]
        return cls(parts[0], parts[1], parts[2], parts[3], parts[4], state=tuple(parts[len(WIDE_PARTS):]))


@dataclass(frozen=True)
class StepRecord:
    """One kept step, as plain numbers (what the step details and the timeline read)."""

    step: int
    epoch: int
    batch_size: int
    loss: float
    before: tuple[float, float]
    after: tuple[float, float]
    trained_before: tuple[float, float]
    trained_after: tuple[float, float]
    gradient: tuple[float, float]
    state: tuple[float, ...]
    learning_rate: float
    parameters: ParameterStep | None = None  # a polynomial's whole step (degree > 1)


class _RowBuffer:
    """A growing 2-D buffer of rows (GrowingBuffer's idea, for a fixed number of columns)."""

    def __init__(self, width: int, dtype: type) -> None:
        self.flat = GrowingBuffer(1024 * width, dtype=dtype)
        self.width = width

    def __len__(self) -> int:
        return len(self.flat) // self.width

    def extend(self, rows: np.ndarray) -> None:
        self.flat.extend(rows.reshape(-1))

    def view(self) -> np.ndarray:
        return self.flat.view().reshape(-1, self.width)

    def replace(self, rows: np.ndarray) -> None:
        """Hold only `rows` now, in a buffer of their size (thinning frees the memory it no longer needs)."""
        self.flat = GrowingBuffer(max(rows.size, 16 * self.width), dtype=self.flat.view().dtype.type)
        self.flat.extend(rows.reshape(-1))


class StepTrace:
    """Every step of one run (or every `stride`-th once the run outgrows `capacity`), plus where it began."""

    def __init__(self, initial: tuple[float, float] | None = None,
                 capacity: int = DEFAULT_TRACE_CAPACITY) -> None:
        self.capacity = max(capacity, 4)
        self.stride = 1
        self.initial = initial
        self.parameter_count = 0  # P for a polynomial's trace (its steps' wide block), else 0
        self.initial_coefficients: tuple[float, ...] | None = None  # a polynomial's start, constant first
        self._floats = _RowBuffer(len(_FLOAT_COLUMNS), np.float64)
        self._ints = _RowBuffer(len(_INT_COLUMNS), np.int64)
        self._latest: tuple[np.ndarray, np.ndarray] | None = None  # the newest step, kept even when thinned

    def __len__(self) -> int:
        """Timeline positions: the start plus every kept step (the newest one included)."""
        return 1 + self._kept_count() + (1 if self._latest_is_extra() else 0)

    @property
    def steps_run(self) -> int:
        return int(self._latest[1][0]) if self._latest is not None else 0

    @property
    def nbytes(self) -> int:
        """The memory the kept steps take, allocated room included."""
        return self._floats.flat.nbytes + self._ints.flat.nbytes

    def extend(self, records: StepRecords) -> None:
        if len(records) == 0:
            return
        if self.initial is None:
            self.initial = (float(records.before[0, 0]), float(records.before[0, 1]))
        if records.parameter_count != self.parameter_count:
            if self._latest is not None:
                raise ValueError(f"steps of {records.parameter_count} parameters added to a trace of "
                                 f"{self.parameter_count}")
            self.parameter_count = records.parameter_count
            self._floats = _RowBuffer(len(_FLOAT_COLUMNS) + (0 if records.wide is None else records.wide.shape[1]),
                                      np.float64)
        if records.wide is not None and self.initial_coefficients is None and int(records.steps[0]) == 1:
            self.initial_coefficients = tuple(float(v) for v in records.wide[0, :records.parameter_count])
        floats, ints = records._floats(), records._ints()
        gaps = np.diff(ints[:, 0])
        if gaps.size and gaps.max() > 1:  # the kept steps of a thinned trace (a saved project): its stride
            widest = int(gaps[:-1].max()) if gaps.size > 1 else int(gaps.max())  # the newest may be closer
            self.stride = max(self.stride, 1 << max(0, widest.bit_length() - 1))
        self._latest = (floats[-1].copy(), ints[-1].copy())
        if self.stride > 1:
            keep = (ints[:, 0] - 1) % self.stride == 0
            floats, ints = floats[keep], ints[keep]
        self._floats.extend(floats)
        self._ints.extend(ints)
        while self._kept_count() > self.capacity:
            self._thin()

    def step_numbers(self) -> np.ndarray:
        """The step number at every timeline position (0 first)."""
        kept = self._ints.view()[:, 0]
        numbers = np.concatenate([[0], kept]).astype(np.int64)
        if self._latest_is_extra():
            assert self._latest is not None
            numbers = np.append(numbers, self._latest[1][0])
        return numbers

    def position_of_step(self, step: int) -> int:
        """The timeline position showing `step`, or the newest kept one before it."""
        numbers = self.step_numbers()
        return max(0, int(np.searchsorted(numbers, step, side="right")) - 1)

    def record(self, position: int) -> StepRecord | None:
        """The step shown at `position` (None at position 0: no step taken yet)."""
        if position <= 0:
            return None
        floats, ints = self._row(position)
        return StepRecord(step=int(ints[0]), epoch=int(ints[1]), batch_size=int(ints[2]), loss=float(floats[0]),
                          before=(float(floats[1]), float(floats[2])), after=(float(floats[3]), float(floats[4])),
                          trained_before=(float(floats[5]), float(floats[6])),
                          trained_after=(float(floats[7]), float(floats[8])),
                          gradient=(float(floats[9]), float(floats[10])),
                          state=tuple(float(v) for v in floats[11:15]), learning_rate=float(floats[15]),
                          parameters=ParameterStep.of_row(floats[len(_FLOAT_COLUMNS):], self.parameter_count)
                          if self.parameter_count else None)

    def start_coefficients(self) -> tuple[float, ...] | None:
        """The run's start as coefficients, constant first (a line's is (b, w)); None while unknown."""
        if self.parameter_count:
            return self.initial_coefficients
        return None if self.initial is None else (self.initial[1], self.initial[0])

    def coefficients_at(self, position: int) -> tuple[float, ...] | None:
        """A polynomial's coefficients (user's units, constant first) at `position`; None for a line's trace
        or where the start is not known."""
        if not self.parameter_count:
            return None
        if position <= 0:
            return self.initial_coefficients
        floats, _ = self._row(position)
        start = len(_FLOAT_COLUMNS) + self.parameter_count  # the "coefficients_after" part
        return tuple(float(v) for v in floats[start:start + self.parameter_count])

    def params_at(self, position: int) -> tuple[float, float] | None:
        """(weight, bias) shown at `position`: the initial ones at 0, else the parameters after that step."""
        if position <= 0:
            return self.initial
        floats, _ = self._row(position)
        return float(floats[3]), float(floats[4])

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Step numbers, weights, biases and losses at every position (the loss at position 0 is NaN: no
        step has measured it; at a step, the loss measured before it)."""
        numbers = self.step_numbers()
        floats = self._floats.view()
        if self._latest_is_extra():
            assert self._latest is not None
            floats = np.vstack([floats, self._latest[0]])
        start = self.initial if self.initial is not None else (np.nan, np.nan)
        weights = np.concatenate([[start[0]], floats[:, 3]])
        biases = np.concatenate([[start[1]], floats[:, 4]])
        losses = np.concatenate([[np.nan], floats[:, 0]])
        return numbers, weights, biases, losses

    def coefficient_columns(self) -> np.ndarray | None:
        """A polynomial's coefficients (user's units, constant first) at every position, [positions, P]; None
        for a line's trace."""
        count = self.parameter_count
        if not count or self._latest is None:
            return None
        floats = self._floats.view()
        if self._latest_is_extra():
            floats = np.vstack([floats, self._latest[0]])
        narrow = len(_FLOAT_COLUMNS)
        start = self.initial_coefficients if self.initial_coefficients is not None else floats[0, narrow:narrow + count]
        return np.vstack([np.asarray(start, dtype=np.float64), floats[:, narrow + count:narrow + 2 * count]])

    def records(self) -> StepRecords:
        """Every kept step (the newest included) as one StepRecords: for saving and for tests."""
        floats, ints = self._floats.view(), self._ints.view()
        if self._latest_is_extra():
            assert self._latest is not None
            floats = np.vstack([floats, self._latest[0]])
            ints = np.vstack([ints, self._latest[1]])
        return StepRecords._from_rows(floats, ints, self.parameter_count)

    def shrink_to(self, capacity: int) -> None:
        """Keep at most about `capacity` steps from now on (an old run, when many long runs add up)."""
        self.capacity = max(min(self.capacity, capacity), 4)
        while self._kept_count() > self.capacity:
            self._thin()

    # --- internals -----------------------------------------------------------------------------------
    def _kept_count(self) -> int:
        return len(self._ints)

    def _latest_is_extra(self) -> bool:
        if self._latest is None:
            return False
        kept = self._ints.view()
        return kept.shape[0] == 0 or int(kept[-1, 0]) != int(self._latest[1][0])

    def _row(self, position: int) -> tuple[np.ndarray, np.ndarray]:
        kept = self._kept_count()
        if position <= kept:
            return self._floats.view()[position - 1], self._ints.view()[position - 1]
        if position == kept + 1 and self._latest_is_extra():
            assert self._latest is not None
            return self._latest
        raise IndexError(f"timeline position {position} is past the end ({len(self) - 1})")

    def _thin(self) -> None:
        self.stride *= 2
        ints = self._ints.view()
        keep = (ints[:, 0] - 1) % self.stride == 0
        floats_kept, ints_kept = self._floats.view()[keep].copy(), ints[keep].copy()
        self._floats.replace(floats_kept)
        self._ints.replace(ints_kept)
