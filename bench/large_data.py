"""A million points: training paths, mini-batches, CSV import, the data plot's first paint and memory.

Prints, from this one run (the machines are noisy: compare only within a run):
  fused / autograd step at N = 1e6, full batch            (target <= 0.2)
  our mini-batch-256 epoch / DataLoader(shuffle) epoch     (target <= 0.15)
  1e6-row CSV import time                                  (target <= 2 s)
  data plot first paint with 1e6 points, density image vs scatter   (target <= 100 ms)
  the 1e6-row table: model reset and first paint
  peak resident memory of this process (the window's side) after all of it
Usage: QT_QPA_PLATFORM=offscreen python bench/large_data.py [--points N] [--repeats R]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn, optim  # noqa: E402

from engine.data.csv_io import read_csv, write_csv  # noqa: E402
from engine.data.points import PointSet  # noqa: E402
from engine.training.config import TrainingConfig  # noqa: E402
from engine.training.trainer import train  # noqa: E402


def make_points(n: int) -> PointSet:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, n)
    return PointSet.from_columns(x, 2 * x + 0.5 + rng.normal(0, 0.1, n))


def step_ms(points: PointSet, path: str, epochs: int) -> float:
    result = train(points, TrainingConfig(epochs=epochs, path=path, device="cpu"), on_progress=lambda _batch: None)
    return result.elapsed_s / result.epochs_run * 1000


def our_minibatch_epoch_s(points: PointSet, batch: int) -> float:
    return train(points, TrainingConfig(epochs=1, batch_size=batch, device="cpu")).elapsed_s


def dataloader_epoch_s(points: PointSet, batch: int) -> float:
    """What a plain PyTorch user writes: TensorDataset + DataLoader(shuffle=True), nn.Linear, MSELoss, SGD."""
    from torch.utils.data import DataLoader, TensorDataset

    started = time.perf_counter()
    x = torch.from_numpy(points.x.astype(np.float32)).view(-1, 1)
    y = torch.from_numpy(points.y.astype(np.float32)).view(-1, 1)
    torch.manual_seed(0)
    model = nn.Linear(1, 1)
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    for inputs, targets in DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=True):
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
    return time.perf_counter() - started


def csv_import_s(points: PointSet) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        write_csv(points, path)
        started = time.perf_counter()
        loaded = read_csv(path)
        elapsed = time.perf_counter() - started
        assert len(loaded) == len(points)
    return elapsed


def gui_figures(points: PointSet) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from gui.session.points_model import PointsTableModel
    from gui.views.data_plot import DataPlotWidget
    from gui.views.points_table import PointsTableView

    app = QApplication.instance() or QApplication(sys.argv[:1])
    figures: dict[str, float] = {}
    from gui.views.data_plot import DENSITY_THRESHOLD

    for label, count in (("density", len(points)), ("scatter", DENSITY_THRESHOLD)):
        subset = points if count == len(points) else PointSet.from_columns(points.x[:count], points.y[:count])
        model = PointsTableModel(PointSet.seed())
        plot = DataPlotWidget(model)
        plot.resize(800, 500)
        plot.show()
        app.processEvents()
        started = time.perf_counter()
        model.reset_points(subset)
        plot.repaint()  # synchronous: the paint is part of the figure
        app.processEvents()
        figures[f"paint_{label}_ms"] = (time.perf_counter() - started) * 1000
        plot.close()
    model = PointsTableModel(PointSet.seed())
    table = PointsTableView(model)
    table.resize(300, 600)
    table.show()
    app.processEvents()
    started = time.perf_counter()
    model.reset_points(points)
    table.repaint()
    app.processEvents()
    figures["table_ms"] = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    table.scrollToBottom()
    table.repaint()
    app.processEvents()
    figures["table_scroll_ms"] = (time.perf_counter() - started) * 1000
    table.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    points = make_points(args.points)
    train(PointSet.seed(), TrainingConfig(epochs=5, path="autograd"))  # import and warm both paths
    print(f"N = {args.points:,}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    for repeat in range(args.repeats):
        fused, autograd = step_ms(points, "fused", 30), step_ms(points, "autograd", 30)
        ours, loader = our_minibatch_epoch_s(points, 256), dataloader_epoch_s(points, 256)
        print(f"run {repeat + 1}: full-batch step fused {fused:.3f} ms / autograd {autograd:.3f} ms = "
              f"{fused / autograd:.3f} | mini-batch 256 epoch ours {ours:.3f} s / DataLoader {loader:.3f} s = "
              f"{ours / loader:.3f}")
    imports = [csv_import_s(points) for _ in range(args.repeats)]
    print(f"CSV import of {args.points:,} rows: median {statistics.median(imports):.3f} s "
          f"(min {min(imports):.3f}, max {max(imports):.3f})")
    from gui.views.data_plot import DENSITY_THRESHOLD

    figures = gui_figures(points)
    print(f"data plot, points set to first paint done: {args.points:,} as a density image "
          f"{figures['paint_density_ms']:.0f} ms; {DENSITY_THRESHOLD:,} (the most drawn as markers) as a scatter "
          f"{figures['paint_scatter_ms']:.0f} ms")
    print(f"points table with {args.points:,} rows: reset + paint {figures['table_ms']:.0f} ms, "
          f"scroll to the end + paint {figures['table_scroll_ms']:.0f} ms")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
