"""How long the step details panel takes to show one step, at a million points (it is updated up to 60
times a second while a run plays, so one update must stay well under a frame: the goal is ~2 ms).

Prints the median and p95 of `show_step` for a new step each call (the case during play), the first call
on a run (the one pass over the points that is then cached), and a repeat of the same step.
Usage: QT_QPA_PLATFORM=offscreen python bench/step_details_speed.py [--points N] [--steps K]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from engine.data.points import PointSet  # noqa: E402
from engine.training.config import TrainingConfig  # noqa: E402
from engine.training.step_trace import STATE_WIDTH, StepRecords  # noqa: E402
from gui.session.run_history import Run  # noqa: E402
from gui.views.step_details import StepDetailsView  # noqa: E402


def make_run(points: int, steps: int, optimizer: str, batch_size: int | None) -> Run:
    rng = np.random.default_rng(0)
    x = rng.uniform(-5, 5, points)
    run = Run(number=1, config=TrainingConfig(optimizer=optimizer, batch_size=batch_size, standardize=True),
              points=PointSet.from_columns(x, 2 * x + 1 + rng.normal(0, 1, points)))
    params = np.column_stack([np.linspace(0, 2, steps), np.linspace(0, 1, steps)])
    batches = 1 if batch_size is None else -(-points // batch_size)
    run.trace.extend(StepRecords(
        steps=np.arange(1, steps + 1), epochs=(np.arange(steps) // batches) + 1,
        batch_sizes=np.full(steps, batch_size or points), losses=np.linspace(10, 1, steps), before=params,
        after=params + 1e-3, trained_before=params, trained_after=params + 1e-3,
        gradients=rng.normal(0, 1, (steps, 2)), states=rng.uniform(0.1, 1, (steps, STATE_WIDTH)),
        learning_rates=np.full(steps, 0.01)))
    return run


def measure(view: StepDetailsView, run: Run, steps: int) -> tuple[float, list[float], float]:
    start = time.perf_counter()
    view.show_step(run, 1)
    first = time.perf_counter() - start
    times = []
    for position in range(2, steps + 1):
        start = time.perf_counter()
        view.show_step(run, position)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    view.show_step(run, steps)
    repeat = time.perf_counter() - start
    return first, times, repeat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=600)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    view = StepDetailsView()
    view.resize(420, 600)
    view.show()
    app.processEvents()
    for optimizer, batch in (("sgd", None), ("momentum", None), ("adam", None), ("adam", 1000)):
        run = make_run(args.points, args.steps, optimizer, batch)
        first, times, repeat = measure(view, run, args.steps)
        times.sort()
        label = f"{optimizer}, {'full batch' if batch is None else f'batch {batch}'}"
        print(f"{label:<20} N={args.points:,}: per new step median {statistics.median(times) * 1e3:.2f} ms, "
              f"p95 {times[int(0.95 * len(times))] * 1e3:.2f} ms; first call on the run {first * 1e3:.1f} ms; "
              f"same step again {repeat * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
