"""Runs built by hand for the timeline tests and the scrub benchmark: optimizer steps computed in numpy on
x = 1…4, y = 2x, with every per-step number a StepTrace keeps, the path, the losses and a result, as the
session would fill them from progress batches."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject

from engine.data.points import PointSet
from engine.data.scaling import Standardizer
from engine.training.config import TrainingConfig
from engine.training.results import TrainingResult
from engine.training.step_trace import STATE_WIDTH, StepRecords
from gui.session.run_history import Run, RunHistoryModel

W0, B0 = -0.0075, 0.5364  # nn.Linear(1, 1) after torch.manual_seed(0)


def step_records(config: TrainingConfig, points: PointSet, steps: int, first: int = 1,
                 start: tuple[float, float] | None = None, state: np.ndarray | None = None
                 ) -> tuple[StepRecords, np.ndarray, tuple[float, float]]:
    """`steps` full-batch steps of `config`'s optimizer from `start` (trained space). The optimizer state
    and the parameters after them come back too, so a run can be fed in several batches."""
    scaler = Standardizer.fitted_to(points) if config.standardize else Standardizer.identity()
    x, y = scaler.scale_columns(points)
    theta = np.array(start if start is not None else (W0, B0), dtype=np.float64)
    state = np.zeros(STATE_WIDTH) if state is None else state.copy()
    losses, tb, ta, grads, states = [], [], [], [], []
    lr, beta = config.learning_rate, config.momentum
    for k in range(first, first + steps):
        r = theta[0] * x + theta[1] - y
        g = np.array([2 * np.mean(r * x), 2 * np.mean(r)])
        before = theta.copy()
        if config.optimizer == "momentum":
            state[:2] = g if k == 1 else beta * state[:2] + g
            theta = theta - lr * state[:2]
        elif config.optimizer == "adam":
            state[:2] = 0.9 * state[:2] + 0.1 * g
            state[2:] = 0.999 * state[2:] + 0.001 * g * g
            m_hat, v_hat = state[:2] / (1 - 0.9**k), state[2:] / (1 - 0.999**k)
            theta = theta - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
        else:
            theta = theta - lr * g
        losses.append(float(np.mean(r * r)) * scaler.loss_factor)
        tb.append(before)
        ta.append(theta.copy())
        grads.append(g)
        states.append(state.copy())
    tb_a, ta_a = np.array(tb), np.array(ta)
    numbers = np.arange(first, first + steps, dtype=np.int64)
    records = StepRecords(steps=numbers, epochs=numbers.copy(), batch_sizes=np.full(steps, points.x.size),
                          losses=np.array(losses),
                          before=np.column_stack(scaler.to_original(tb_a[:, 0], tb_a[:, 1])),
                          after=np.column_stack(scaler.to_original(ta_a[:, 0], ta_a[:, 1])),
                          trained_before=tb_a, trained_after=ta_a, gradients=np.array(grads),
                          states=np.array(states), learning_rates=np.full(steps, lr))
    return records, state, (float(theta[0]), float(theta[1]))


def feed(run: Run, records: StepRecords) -> None:
    """What the session does with a progress batch's records: the trace, the path and the losses grow."""
    if run.initial is None:
        run.initial = (float(records.before[0, 0]), float(records.before[0, 1]))
    run.trace.extend(records)
    run.path.extend(records.epochs, records.after[:, 0], records.after[:, 1])
    run.live_losses.extend(records.losses)


def result_of(run: Run) -> TrainingResult:
    latest = run.path.latest
    assert latest is not None and run.initial is not None
    losses = run.live_losses.copy()
    return TrainingResult(weight=latest[1], bias=latest[2], final_loss=float(losses[-1]), loss_history=losses,
                          epochs_run=latest[0], stop_reason="completed", device="cpu", elapsed_s=0.01,
                          initial_weight=run.initial[0], initial_bias=run.initial[1])


def config_of(steps: int, **settings: object) -> TrainingConfig:
    return TrainingConfig.from_dict({**TrainingConfig(learning_rate=0.02, epochs=steps).to_dict(), **settings})


def trained_run(runs: RunHistoryModel, steps: int = 30, **settings: object) -> Run:
    """A finished run of `steps` full-batch steps on the seed points (settings: TrainingConfig fields)."""
    run = runs.start_run(config_of(steps, **settings))
    run.points = PointSet.seed()
    feed(run, step_records(run.config, run.points, steps)[0])
    runs.finish_run(run, result_of(run))
    return run


def start_race(window, points: PointSet) -> list[Run]:
    """Three racers of 40 steps started in the window as a race starts them, all live at once."""
    racers = []
    for optimizer in ("sgd", "momentum", "adam"):
        run = window.runs.start_run(config_of(40, optimizer=optimizer), race=1)
        run.points = points
        racers.append(run)
    for run in racers:
        window.session.runStarted.emit(run)
    return racers


class PaintCounter(QObject):
    """Counts the paint events of the widgets it is installed on (a scrub's plot paints, a slider's)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False
