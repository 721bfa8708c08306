"""Export a run as a standalone Python script in the style of the classic PyTorch example.

The script needs only Python and torch. It repeats the run exactly: the same seed, nn.Linear(1, 1),
nn.MSELoss, the same torch.optim optimizer, the same mini-batch permutations and, when the run used
feature scaling, the same standardisation and conversion back to the original units. Up to
INLINE_POINTS points are written into the script; more go to a CSV file beside it, which it reads. The
loss, optimizer and schedule lines are their registry entries' own, so a new entry exports with no change
here.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.atomic_write import write_text_atomic
from engine.data.csv_io import write_csv
from engine.data.points import PointSet
from engine.training.config import TrainingConfig
from engine.training.losses import DEFAULT_LOSS, LOSSES
from engine.training.optimizers import OPTIMIZERS
from engine.training.schedules import DEFAULT_SCHEDULE, SCHEDULES

INLINE_POINTS = 2000


def export_script(points: PointSet, config: TrainingConfig, path: str | os.PathLike[str]) -> list[Path]:
    """Write the script (and its CSV when the points are many); return the files written."""
    target = Path(path)
    written: list[Path] = []
    if len(points) > INLINE_POINTS:
        data_file = target.with_suffix(".csv")
        write_csv(points, data_file)
        written.append(data_file)
        data = _read_csv_source(data_file.name)
    else:
        data = _inline_source(points)
    write_text_atomic(target, script_source(data, config, reads_csv=bool(written)))
    return [target, *written]


def script_source(data: str, config: TrainingConfig, *, reads_csv: bool = False) -> str:
    """The script's text; `data` is code that defines the lists `xs` and `ys`."""
    optimizer = OPTIMIZERS.get(config.optimizer)
    schedule = SCHEDULES.get(DEFAULT_SCHEDULE)
    lines = [
        '"""Linear regression with PyTorch, exported by Gradient Descent Studio.',
        "",
        f"Optimizer {config.optimizer}, learning rate {config.learning_rate!r}, {config.epochs} epochs, "
        f"{'batch size ' + str(config.batch_size) if config.batch_size else 'full batch'}, seed {config.seed}"
        f"{', standardised x and y' if config.standardize else ''}.",
        'Run it with plain Python and torch: python this_script.py"""',
        "",
        *(["import csv", "from pathlib import Path", ""] if reads_csv else []),
        "import torch",
        "from torch import nn, optim",
        "",
        data,
        "",
        f"LEARNING_RATE = {config.learning_rate!r}",
        f"EPOCHS = {config.epochs}",
        f"SEED = {config.seed}",
    ]
    lines += [f"{name.upper()} = {getattr(config, name)!r}" for name in optimizer.script_settings]
    batch_size = config.batch_size if config.batch_size is not None else None
    lines.append(f"BATCH_SIZE = {batch_size!r}  # None: the whole data set in every step")
    lines += ["", "torch.manual_seed(SEED)"]
    if config.standardize:
        lines += [
            "# Feature scaling: train on standardised x and y, report the line in the original units.",
            "x64, y64 = torch.tensor(xs, dtype=torch.float64), torch.tensor(ys, dtype=torch.float64)",
            "mean_x, mean_y = x64.mean().item(), y64.mean().item()",
            "scale_x = x64.std(correction=0).item() or 1.0",
            "scale_y = y64.std(correction=0).item() or 1.0",
            "x = ((x64 - mean_x) / scale_x).float().view(-1, 1)",
            "y = ((y64 - mean_y) / scale_y).float().view(-1, 1)",
        ]
    else:
        lines += [
            "x = torch.tensor([[value] for value in xs])",
            "y = torch.tensor([[value] for value in ys])",
        ]
    lines += [
        "model = nn.Linear(1, 1)",
        LOSSES.get(DEFAULT_LOSS).script_line,
        optimizer.script_line,
        *schedule.script_lines,
        "",
        "if BATCH_SIZE is None or BATCH_SIZE >= len(x):",
        "    batches = None",
        "else:",
        "    batches = torch.Generator()",
        "    batches.manual_seed(SEED)",
        "",
        "for epoch in range(EPOCHS):",
        "    if batches is None:",
        "        parts = [(x, y)]",
        "    else:",
        "        order = torch.randperm(len(x), generator=batches)",
        "        shuffled_x, shuffled_y = x[order], y[order]",
        "        parts = [(shuffled_x[start:start + BATCH_SIZE], shuffled_y[start:start + BATCH_SIZE])",
        "                 for start in range(0, len(x), BATCH_SIZE)]",
        "    for inputs, targets in parts:",
        "        optimizer.zero_grad()",
        "        outputs = model(inputs)",
        "        loss = criterion(outputs, targets)",
        "        loss.backward()",
        "        optimizer.step()",
        *(["    scheduler.step()"] if schedule.script_lines else []),
        "",
        "weight, bias = model.weight.item(), model.bias.item()",
    ]
    if config.standardize:
        lines += [
            "weight, bias = weight * scale_y / scale_x, mean_y + scale_y * bias - weight * scale_y / scale_x * mean_x",
        ]
    lines += [
        "inputs64 = torch.tensor(xs, dtype=torch.float64)",
        "targets64 = torch.tensor(ys, dtype=torch.float64)",
        "mse = ((weight * inputs64 + bias - targets64) ** 2).mean().item()",
        'print(f"y = {weight!r}·x + {bias!r}   (MSE {mse:.6g})")',
        "",
    ]
    return "\n".join(lines)


def _inline_source(points: PointSet) -> str:
    return f"xs = {points.x.tolist()!r}\nys = {points.y.tolist()!r}"


def _read_csv_source(file_name: str) -> str:
    return "\n".join([
        f"DATA = Path(__file__).with_name({file_name!r})  # x,y per line, with a header",
        "with DATA.open(newline='', encoding='utf-8') as handle:",
        "    rows = list(csv.reader(handle))[1:]",
        "xs = [float(row[0]) for row in rows]",
        "ys = [float(row[1]) for row in rows]",
    ])
