"""One run's steps and what it reports: rows on the device, read in batches, turned into progress.

Each step writes one row on the device (see steppers.py); `flush` reads the rows written since the last
flush in one copy, checks them for divergence, turns them into the loss per epoch, the path and the
StepRecords replay needs, and hands them to the listener as one ProgressBatch.

Losses are the data loss (the run's loss function, in the user's units) without the L1/L2 penalties, for
the training and the held-out points alike, so the two curves compare. For degree > 1 the records' (w, b)
and the path hold the first weight and the bias as trained (see steppers.py), and each record's wide block
every parameter (step_trace.py); `last_coefficients` is the whole polynomial in the user's units.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from engine.analysis.least_squares import Moments, round_down, suggest_learning_rate
from engine.data.features import FeatureScaling
from engine.data.points import PointSet
from engine.data.scaling import Standardizer
from engine.training.config import TrainingConfig
from engine.training.loss_history import GrowingBuffer
from engine.training.optimizers import stable_learning_rate_for, stable_learning_rate_for_features
from engine.training.results import ProgressBatch
from engine.training.schedules import SCHEDULES
from engine.training.step_trace import StepRecords, wide_width
from engine.training.steppers import ROW_WIDTH, STATE_START, STATE_STOP, VALIDATION_COLUMN, Stepper

CHUNK_STEPS = 4096  # steps buffered on the device between reads

ProgressCallback = Callable[[ProgressBatch], None]


@dataclass(frozen=True)
class RunUnits:
    """How a run's numbers become the user's: its degree, its standardisation (None: none), the factor
    from a trained loss to the user's units, and how many points train and how many are held out."""

    degree: int
    scaling: FeatureScaling | None
    loss_factor: float
    training_count: int
    validation_count: int = 0

    def coefficients(self, trained: np.ndarray) -> tuple[float, ...]:
        """[w₁…w_D, b] as trained → the polynomial's coefficients in the user's units, constant first."""
        if self.scaling is None:
            return (float(trained[-1]), *(float(v) for v in trained[:-1]))
        if self.degree == 1:  # the line's own conversion, so (coefficients[1], [0]) is the result's (w, b)
            line = self.line_scaler
            assert line is not None
            weight, bias = line.to_original(float(trained[0]), float(trained[1]))
            return float(bias), float(weight)
        return tuple(float(v) for v in self.scaling.to_original(trained[:-1], float(trained[-1])))

    def coefficient_map(self) -> tuple[np.ndarray, np.ndarray]:
        """(M, c) with coefficients = θ·Mᵀ + c for trained θ = [w₁…w_D, b]: the conversion is affine, so
        a batch of steps converts in one product instead of a polynomial composition per step."""
        count = self.degree + 1
        offset = np.array(self.coefficients(np.zeros(count)), dtype=np.float64)
        # The linear part from a scaling without y's mean: no offset to subtract, so nothing cancels.
        linear = self if self.scaling is None else dataclasses.replace(
            self, scaling=dataclasses.replace(self.scaling, mean_y=0.0))  # unscaled: the offset is 0 already
        columns = [np.array(linear.coefficients(np.eye(count)[j]), dtype=np.float64) for j in range(count)]
        return np.column_stack(columns), offset

    @property
    def line_scaler(self) -> Standardizer | None:
        """For a standardised line: the (w, b) conversion replay's records use. None otherwise (unscaled, or a
        polynomial whose records hold its first weight and bias as trained)."""
        if self.scaling is None or self.degree != 1:
            return None
        scaling = self.scaling
        return Standardizer(scaling.mean_x, scaling.scale_x, scaling.mean_y, scaling.scale_y)


class RunLoop:
    """The running state of one run between (and across) its advances: steps taken, losses, last values."""

    def __init__(self, config: TrainingConfig, device: torch.device, points: PointSet, stepper: Stepper,
                 on_progress: ProgressCallback | None, trained_initial: np.ndarray, units: RunUnits) -> None:
        """`points` are the training points; `trained_initial` the initial [w₁…w_D, b] as trained."""
        self.config = config
        self.points = points
        self.n = len(points)
        self.stepper = stepper
        self.steps_per_epoch = stepper.steps_per_epoch
        self.units = units
        self.scaler = units.line_scaler
        self.on_progress = on_progress
        self.device = device
        self._allocate_rows(min(config.epochs * self.steps_per_epoch, CHUNK_STEPS))
        self.history = GrowingBuffer(min(config.epochs, 1 << 20))
        self.validation_history = GrowingBuffer(min(config.epochs, 1 << 20)) if units.validation_count else None
        self.last_validation_loss: float | None = None
        self._rate, self._rate_epoch = config.learning_rate, 1  # the schedule's rate in epoch _rate_epoch
        self.initial_coefficients = units.coefficients(trained_initial)
        self.last_coefficients = self.initial_coefficients
        trained_pair = (float(trained_initial[0]), float(trained_initial[-1]))
        # A line's initial (w, b) in the user's units; a polynomial's first weight and bias as trained.
        initial = (self.initial_coefficients[1], self.initial_coefficients[0]) if units.degree == 1 else trained_pair
        self.initial = initial
        self.last_params = initial
        self.last_trained = trained_pair
        self.last_theta = np.asarray(trained_initial, dtype=np.float64).copy()  # every parameter, as trained
        self.coefficient_map = units.coefficient_map() if stepper.extra_width else None
        self.last_loss = math.nan
        self.message = ""
        self.suggested_learning_rate: float | None = None
        self.diverged = False
        self.steps_run = 0  # steps reported (flushed)
        self.pending = 0  # steps taken and not flushed yet
        self.remaining = 0  # steps left in the current advance
        self.target_epochs = config.epochs
        self.epoch_sse = 0.0  # the current epoch's sum of squared errors so far (trained units)
        self.last_flush = time.perf_counter()
        self.elapsed_s = 0.0

    @property
    def epochs_run(self) -> int:
        return len(self.history)

    def plan(self, *, epochs: int | None = None, steps: int | None = None) -> None:
        """The next advance: `steps` steps, or up to the end of `epochs` more epochs (the config's count by
        default), counted from the steps already taken."""
        if steps is None:
            epochs = self.config.epochs if epochs is None else epochs
            steps = (self.epochs_run + epochs) * self.steps_per_epoch - self.steps_run
        self.remaining = max(0, steps)
        # The epoch this advance ends in: what progress reports as the total (Continue goes past the config's)
        self.target_epochs = max(1, -(-(self.steps_run + self.remaining) // self.steps_per_epoch))
        if self.rows.shape[0] < min(self.remaining, CHUNK_STEPS):
            self._allocate_rows(min(self.remaining, CHUNK_STEPS))

    def _allocate_rows(self, count: int) -> None:
        self.rows = torch.zeros((count, ROW_WIDTH + self.stepper.extra_width), dtype=torch.float32,
                                device=self.device)
        self._row_views = list(self.rows.unbind(0))  # made once: indexing a tensor per step costs ~1.5 µs

    @property
    def done(self) -> bool:
        return self.diverged or self.remaining == 0

    def step_once(self) -> bool:
        """Take one step; True when the device rows are full and must be flushed."""
        self.stepper.take_step(self._row_views[self.pending])
        self.pending += 1
        self.remaining -= 1
        return self.pending == len(self._row_views)

    def flush(self) -> None:
        count = self.pending
        if self.diverged:  # already reported: whatever it stepped since is past the divergence
            self.pending = 0
            return
        if count == 0:
            return
        rows = self.rows[:count].cpu().numpy().astype(np.float64)
        self.pending = 0
        records, epoch_rows = self._records(rows)
        broken = ~np.isfinite(records.losses) | ~np.isfinite(records.after).all(axis=1)
        if records.wide is not None:  # any coefficient of a polynomial (or its optimizer state), not only the
            # first weight and bias: a project keeps only finite steps, and replay draws every coefficient
            broken |= ~np.isfinite(records.wide).all(axis=1)
        bad = np.flatnonzero(broken)
        if bad.size:
            first = int(bad[0])
            self._note_divergence(int(records.epochs[first]), float(records.losses[first]))
            records = records.head(first)
            epoch_rows = epoch_rows[epoch_rows < first]
        now = time.perf_counter()
        if len(records):
            self._report(records, epoch_rows, now)
        self.last_flush = now

    # --- internals -----------------------------------------------------------------------------------
    def _records(self, rows: np.ndarray) -> tuple[StepRecords, np.ndarray]:
        """The rows as StepRecords in the user's units, and the indices of the rows that end an epoch."""
        count = rows.shape[0]
        steps = np.arange(self.steps_run + 1, self.steps_run + count + 1, dtype=np.int64)
        index_in_epoch = (steps - 1) % self.steps_per_epoch
        epochs = (steps - 1) // self.steps_per_epoch + 1
        sizes = np.array([self.stepper.batch_size_at(int(i)) for i in range(self.steps_per_epoch)],
                         dtype=np.int64)[index_in_epoch]
        gradients = rows[:, 3:5]
        if not self.stepper.scales_gradient:
            gradients = gradients * (2.0 / sizes)[:, None]
        trained_after = rows[:, 1:3]
        trained_before = np.vstack([np.array(self.last_trained, dtype=np.float64), trained_after[:-1]])
        losses = rows[:, 0] / sizes * self.units.loss_factor
        if self.scaler is None:
            after = trained_after
        else:
            after = np.column_stack(self.scaler.to_original(trained_after[:, 0], trained_after[:, 1]))
        before = np.vstack([np.array(self.last_params, dtype=np.float64), after[:-1]])
        records = StepRecords(
            steps=steps, epochs=epochs, batch_sizes=sizes, losses=losses, before=before, after=after,
            trained_before=trained_before, trained_after=trained_after.copy(), gradients=gradients.copy(),
            states=rows[:, STATE_START:STATE_STOP].copy(), learning_rates=self._rates(epochs),
            wide=self._wide(rows[:, ROW_WIDTH:]),
            parameter_count=0 if self.coefficient_map is None else self.units.degree + 1)
        self._sse_rows = rows[:, 0]
        self._validation_rows = rows[:, VALIDATION_COLUMN] * self.units.loss_factor
        return records, np.flatnonzero(index_in_epoch == self.steps_per_epoch - 1)

    def _wide(self, extra: np.ndarray) -> np.ndarray | None:
        """A polynomial's wide block (step_trace.WIDE_PARTS, then the optimizer's buffers) from its rows'
        extra columns [θ after, gradient, buffers…]; nothing for a line."""
        if self.coefficient_map is None:
            return None
        count = self.units.degree + 1
        after = extra[:, :count]
        before = np.vstack([self.last_theta, after[:-1]])
        matrix, offset = self.coefficient_map
        wide = np.hstack([before @ matrix.T + offset, after @ matrix.T + offset, before, after, extra[:, count:]])
        assert wide.shape[1] == wide_width(count, extra.shape[1] // count - 2)
        return wide

    def _rates(self, epochs: np.ndarray) -> np.ndarray:
        """The learning rate of each step's epoch (non-decreasing epochs), by the schedule's own recurrence."""
        schedule = SCHEDULES.get(self.config.schedule)
        if not schedule.changes_rate:
            return np.full(epochs.shape[0], self.config.learning_rate)
        rates = np.empty(epochs.shape[0])
        for index, epoch in enumerate(epochs.tolist()):
            while self._rate_epoch < epoch:
                self._rate = schedule.next_rate(self._rate, self.config.learning_rate, self._rate_epoch, self.config)
                self._rate_epoch += 1
            rates[index] = self._rate
        return rates

    def _report(self, records: StepRecords, epoch_rows: np.ndarray, now: float) -> None:
        count = len(records)
        sse = self._sse_rows[:count]
        if epoch_rows.size:  # each epoch's steps summed on their own: a running sum would round differently
            starts = np.concatenate([[0], epoch_rows[:-1] + 1])
            epoch_sums = np.add.reduceat(sse[: epoch_rows[-1] + 1], starts)
            epoch_sums[0] += self.epoch_sse  # the steps of that epoch flushed earlier
            self.epoch_sse = float(sse[epoch_rows[-1] + 1:].sum())
        else:
            epoch_sums = np.empty(0)
            self.epoch_sse += float(sse.sum())
        losses = epoch_sums / self.n * self.units.loss_factor
        validation = None
        if self.validation_history is not None:
            validation = self._validation_rows[epoch_rows].copy()
            self.validation_history.extend(validation)
            if validation.size:
                self.last_validation_loss = float(validation[-1])
        first_epoch = self.epochs_run + 1
        self.history.extend(losses)
        self.steps_run += count
        self.last_params = (float(records.after[-1, 0]), float(records.after[-1, 1]))
        self.last_trained = (float(records.trained_after[-1, 0]), float(records.trained_after[-1, 1]))
        if records.wide is not None:
            count = records.parameter_count
            self.last_theta = records.wide[-1, 3 * count:4 * count].copy()  # the "after" part
        if self.units.degree == 1:  # the line's records: the coefficients are exactly its (w, b)
            self.last_coefficients = (self.last_params[1], self.last_params[0])
        elif records.wide is not None:  # the newest step's polynomial, exactly as replay shows it
            count = records.parameter_count
            self.last_coefficients = tuple(float(v) for v in records.wide[-1, count:2 * count])
        elif not self.diverged:  # the stepper is past the divergence: keep the polynomial of the flush before
            self.last_coefficients = self.units.coefficients(self.stepper.trained_parameters())
        if losses.size:
            self.last_loss = float(losses[-1])
        elif math.isnan(self.last_loss):  # a step inside the first epoch: its batch's loss is all there is
            self.last_loss = float(records.losses[-1])
        if self.on_progress is not None:
            elapsed = max(now - self.last_flush, 1e-9)
            self.on_progress(ProgressBatch(
                epochs=np.arange(first_epoch, first_epoch + losses.size, dtype=np.int64), losses=losses,
                weights=records.after[epoch_rows, 0].copy(), biases=records.after[epoch_rows, 1].copy(),
                weight=self.last_params[0], bias=self.last_params[1], epochs_total=self.target_epochs,
                steps_per_second=count / elapsed, initial_weight=self.initial[0], initial_bias=self.initial[1],
                records=records, steps_run=self.steps_run, validation_losses=validation,
                coefficients=self.last_coefficients))

    def _stable_rate(self) -> float | None:
        """The largest stable learning rate of the run as it trains (None where none exists)."""
        config = self.config
        if config.is_classic:
            moments = Moments.of(self.points)
            trained_on = moments if self.units.scaling is None else moments.standardized()
            return stable_learning_rate_for(trained_on, config.optimizer, config.momentum)
        scaling = self.units.scaling or FeatureScaling.identity(config.degree)
        features = scaling.columns(self.points)[0]
        return stable_learning_rate_for_features(features, config.optimizer, config.momentum, loss=config.loss,
                                                 l2=config.l2, l1=config.l1)

    def _note_divergence(self, epoch: int, loss: float) -> None:
        self.diverged = True
        lr = self.config.learning_rate
        what = ("the loss became infinite" if math.isinf(loss) else "the loss became not a number"
                if math.isnan(loss) else "the weight or bias became infinite or not a number")
        stable = self._stable_rate()
        if stable is not None and lr > stable:
            self.suggested_learning_rate = suggest_learning_rate(stable)
            why = (f"Each step overshoots the minimum by more than it gains, so the error grows every epoch: "
                   f"for these points gradient descent is stable only below a learning rate of {stable:.4g}, "
                   f"and {lr:g} is above it. Try a smaller one, such as {self.suggested_learning_rate:g}.")
        else:
            self.suggested_learning_rate = round_down(lr / 10)
            why = f"The learning rate {lr:g} is too large for this data; try a smaller one, such as " \
                  f"{self.suggested_learning_rate:g}."
        shown = (f"the last finite values (epoch {epoch - 1:,}) are shown" if epoch > 1 else
                 "the starting weight and bias are shown")  # the panel names the same two epochs
        self.message = f"Training diverged at epoch {epoch:,}: {what}; {shown}. {why}"

