"""Fused step against autograd step for polynomials, full batch at N = 1,000,000 (issue 13).

Prints the time per optimizer step of each loop (set-up excluded and printed apart: moving the columns,
and for the fused MSE loop the one-off Gram matrix) and the ratio fused / autograd, from the same run; the
target for degree 10 is ≤ 0.3. Degree 1 (the classic line) is printed too, to confirm it is unchanged,
and degree 10 with MAE, which takes the fused pass over the points (no Gram shortcut).
Usage: python bench/polynomial_steps.py [--points N] [--repeats R] [--threads T]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.data.points import PointSet  # noqa: E402
from engine.training.config import TrainingConfig  # noqa: E402
from engine.training.trainer import TrainingRun  # noqa: E402

CASES = (("degree 10, MSE", {"degree": 10}), ("degree 10, MAE", {"degree": 10, "loss": "mae"}),
         ("degree 1 (the classic line)", {"degree": 1}))


def step_time(points: PointSet, settings: dict[str, object], path: str, steps: int) -> tuple[float, float]:
    """(set-up seconds, seconds per step) of one run."""
    started = time.perf_counter()
    run = TrainingRun(points, TrainingConfig(path=path, device="cpu", learning_rate=0.01, epochs=steps,
                                             **settings))  # type: ignore[arg-type]
    built = time.perf_counter()
    result = run.advance(epochs=steps)
    done = time.perf_counter()
    assert result.stop_reason == "completed", result.message
    return built - started, (done - built) / steps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads (0: torch's default); 1 on a busy machine")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, args.points)
    points = PointSet.from_columns(x, np.sin(3.0 * x) + rng.normal(scale=0.1, size=args.points))
    print(f"N = {args.points:,}, full batch, SGD, median of {args.repeats}; torch threads {torch.get_num_threads()}")
    for label, settings in CASES:
        fused_steps = 200 if settings.get("loss", "mse") == "mse" else 20
        step_time(points, settings, "fused", 2)  # warm-up
        step_time(points, settings, "autograd", 2)
        fused, autograd, setups = [], [], []
        for _ in range(args.repeats):  # back to back, so both see the same machine
            setup, per_step = step_time(points, settings, "fused", fused_steps)
            fused.append(per_step)
            setups.append(setup)
            autograd.append(step_time(points, settings, "autograd", 20)[1])
        f, a = statistics.median(fused), statistics.median(autograd)
        print(f"{label:<28} fused {f * 1e3:8.3f} ms/step (set-up {statistics.median(setups) * 1e3:6.0f} ms)   "
              f"autograd {a * 1e3:8.3f} ms/step   fused / autograd {f / a:6.3f}")


if __name__ == "__main__":
    main()
