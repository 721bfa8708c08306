"""Engine against the plain PyTorch loop, in one process and as whole processes.

Prints ratios (engine / plain; below 1 means the engine is faster). Ratios, not absolute times: the
machines are noisy, so each pair runs back to back, several times, and the median is reported.
Usage: python bench/engine_vs_plain.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn, optim

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.data.points import PointSet  # noqa: E402
from engine.training.config import TrainingConfig  # noqa: E402
from engine.training.trainer import train  # noqa: E402


def plain_loop(x: torch.Tensor, y: torch.Tensor, epochs: int) -> None:
    torch.manual_seed(0)
    model = nn.Linear(1, 1)
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def compare_in_process(label: str, points: PointSet, epochs: int, repeats: int, path: str) -> None:
    x = torch.tensor(points.x, dtype=torch.float32).view(-1, 1)
    y = torch.tensor(points.y, dtype=torch.float32).view(-1, 1)
    config = TrainingConfig(epochs=epochs, device="cpu", path=path)
    calls = []
    plain_loop(x, y, 2)  # warm-up: the first optim.SGD imports torch._dynamo (about a second)
    train(points, config, on_progress=calls.append)
    plains, engines = [], []
    for _ in range(repeats):
        plains.append(timed(lambda: plain_loop(x, y, epochs)))
        engines.append(timed(lambda: train(points, config, on_progress=calls.append)))
    plain, engine = statistics.median(plains), statistics.median(engines)
    print(f"{label:<34} {path:<8} plain {plain * 1e6 / epochs:9.1f} µs/step   engine "
          f"{engine * 1e6 / epochs:9.1f} µs/step   ratio engine/plain {engine / plain:6.3f}")


def compare_processes(epochs: int, repeats: int) -> None:
    plain_cmd = [sys.executable, str(ROOT / "bench" / "plain_seed_script.py"), str(epochs)]
    engine_cmd = [sys.executable, str(ROOT / "main.py"), "train", "--epochs", str(epochs), "--json"]
    plains, engines = [], []
    for _ in range(repeats):
        plains.append(timed(lambda: subprocess.run(plain_cmd, check=True, capture_output=True)))
        engines.append(timed(lambda: subprocess.run(engine_cmd, check=True, capture_output=True)))
    plain, engine = statistics.median(plains), statistics.median(engines)
    print(f"whole process, {epochs} epochs: plain script {plain:.2f} s   main.py train {engine:.2f} s   "
          f"ratio {engine / plain:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, median of {args.repeats}")
    rng = np.random.default_rng(0)
    big_x = rng.uniform(-1, 1, 1_000_000)
    big = PointSet.from_columns(big_x, 2 * big_x + rng.normal(scale=0.1, size=big_x.size))
    for path in ("fused", "autograd"):
        compare_in_process("4 points x 1000 epochs", PointSet.seed(), 1000, args.repeats, path)
        compare_in_process("1,000,000 points x 20 epochs", big, 20, args.repeats, path)
    compare_processes(30000, args.repeats)


if __name__ == "__main__":
    main()
