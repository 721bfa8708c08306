"""Export a run as a standalone Python script in the style of the classic PyTorch example.

The script needs only Python and torch. It repeats the run exactly: the same seed, nn.Linear(1, 1),
nn.MSELoss, the same torch.optim optimizer, the same mini-batch permutations and, when the run used
feature scaling, the same standardisation and conversion back to the original units. Up to
INLINE_POINTS points are written into the script; more go to a CSV file beside it, which it reads. The
loss, optimizer and schedule lines are their registry entries' own, so a new entry exports with no change
here.

A run's settings may come from a hand-edited project file, and the script is code a user will run: every
setting is validated again here and written as the repr of an int, a float, a bool or a registry key,
never as text copied from the file. The data file beside the script never replaces a file the user did
not name: it gets the first free name.
"""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path

from engine.atomic_write import write_text_atomic
from engine.data.csv_io import write_csv
from engine.data.points import PointSet
from engine.errors import ConfigError
from engine.training.config import TrainingConfig
from engine.training.losses import DEFAULT_LOSS, LOSSES
from engine.training.optimizers import OPTIMIZERS
from engine.training.schedules import DEFAULT_SCHEDULE, SCHEDULES

INLINE_POINTS = 2000
MAX_DATA_NAMES = 1000  # <name>-data-1000.csv: past that, something else is wrong with the folder


def export_script(points: PointSet, config: TrainingConfig, path: str | os.PathLike[str]) -> list[Path]:
    """Write the script (and its CSV when the points are many); return the files written, the script first.

    Raises ConfigError for settings that do not validate (then nothing is written), DataError for points
    that are not finite, OSError when a file cannot be written (then neither file is left behind).
    """
    checked = validated_config(config)
    points.validate(for_fitting=False)
    target = Path(path)
    if len(points) <= INLINE_POINTS:
        write_text_atomic(target, script_source(_inline_source(points), checked))
        return [target]
    data_file = _reserve_data_file(target)
    try:
        write_csv(points, data_file)
        write_text_atomic(target, script_source(_read_csv_source(data_file.name), checked, reads_csv=True))
    except BaseException:
        data_file.unlink(missing_ok=True)  # ours: reserved above, so never a file the user had
        raise
    return [target, data_file]


def validated_config(config: object) -> TrainingConfig:
    """A TrainingConfig built afresh from `config`'s fields: whatever made `config` (a file, a subclass,
    object.__setattr__), each value passes the same checks as one typed into the panel."""
    try:
        values = {field.name: getattr(config, field.name) for field in fields(TrainingConfig)}
    except AttributeError as error:
        raise ConfigError(f"Not a complete set of training settings ({error}).") from None
    return TrainingConfig(**values)


def data_file_candidates(script: Path) -> list[Path]:
    """`<name>.csv`, then `<name>-data.csv`, `<name>-data-2.csv`, ...: where the script's data may go."""
    stem = script.stem
    names = [f"{stem}.csv", f"{stem}-data.csv", *(f"{stem}-data-{n}.csv" for n in range(2, MAX_DATA_NAMES + 1))]
    return [script.with_name(name) for name in names]


def _reserve_data_file(script: Path) -> Path:
    """Create the first free candidate empty and exclusively (no race with another writer), for
    write_csv to replace atomically."""
    script.parent.mkdir(parents=True, exist_ok=True)
    for candidate in data_file_candidates(script):
        if candidate == script:
            continue
        try:
            descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(descriptor)
        return candidate
    raise FileExistsError(f"no free name for the data file beside {script.name} "
                          f"({script.stem}.csv to {script.stem}-data-{MAX_DATA_NAMES}.csv all exist)")


def script_source(data: str, config: TrainingConfig, *, reads_csv: bool = False) -> str:
    """The script's text; `data` is code (from this module) that defines the lists `xs` and `ys`."""
    config = validated_config(config)
    optimizer = OPTIMIZERS.get(config.optimizer)
    schedule = SCHEDULES.get(DEFAULT_SCHEDULE)
    learning_rate, epochs, seed = float(config.learning_rate), int(config.epochs), int(config.seed)
    batch_size = None if config.batch_size is None else int(config.batch_size)
    lines = [
        '"""Linear regression with PyTorch, exported by Gradient Descent Studio.',
        "",
        f"Optimizer {optimizer.key}, learning rate {learning_rate!r}, {epochs} epochs, "
        f"{f'batch size {batch_size}' if batch_size else 'full batch'}, seed {seed}"
        f"{', standardised x and y' if config.standardize else ''}.",
        'Run it with plain Python and torch: python this_script.py"""',
        "",
        *(["import csv", "from pathlib import Path", ""] if reads_csv else []),
        "import torch",
        "from torch import nn, optim",
        "",
        data,
        "",
        f"LEARNING_RATE = {learning_rate!r}",
        f"EPOCHS = {epochs!r}",
        f"SEED = {seed!r}",
    ]
    lines += [f"{name.upper()} = {_literal(getattr(config, name))}" for name in optimizer.script_settings]
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


def _literal(value: object) -> str:
    """The repr of a validated setting; only numbers and flags can be a setting an optimizer reads."""
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):
        return repr(float(value))
    raise ConfigError(f"A setting written into the script must be a number, not {type(value).__name__}.")


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
