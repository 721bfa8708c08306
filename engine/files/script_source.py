"""The text of an exported script: the run written out as a plain torch loop, in the style of the classic
PyTorch example, that repeats the app's run to 1e-6.

A classic run (a line, MSE, no penalty, constant rate, no held-out points) gets the classic example's
script. Any other adds, in this order, exactly what the engine does (engine.data.features and
engine.training.trainer): the held-out points (the first floor(f·n) of a randperm drawn from a generator
seeded with the seed, at least one point kept), the columns [x, x², …] (standardised: x' from the training
points' mean and spread, each power of x' from 2 up standardised again, and y), nn.Linear(D, 1) made right
after torch.manual_seed, the loss plus L2·Σw² plus L1·Σ|w| over the weights only, the scheduler stepped once
per epoch, and the coefficients turned back into the user's units at the end.

Every setting is written as the repr of a number, a flag or a registry key of a TrainingConfig built afresh
(script_export.validated_config); the loss, optimizer and schedule lines are their registry entries' own.
"""

from __future__ import annotations

from engine.errors import ConfigError
from engine.training.config import TrainingConfig
from engine.training.losses import LOSSES
from engine.training.optimizers import OPTIMIZERS
from engine.training.schedules import SCHEDULES

_CLASSIC_COLUMNS = {
    False: ["x = torch.tensor([[value] for value in xs])",
            "y = torch.tensor([[value] for value in ys])"],
    True: ["# Feature scaling: train on standardised x and y, report the line in the original units.",
           "x64, y64 = torch.tensor(xs, dtype=torch.float64), torch.tensor(ys, dtype=torch.float64)",
           "mean_x, mean_y = x64.mean().item(), y64.mean().item()",
           "scale_x = x64.std(correction=0).item() or 1.0",
           "scale_y = y64.std(correction=0).item() or 1.0",
           "x = ((x64 - mean_x) / scale_x).float().view(-1, 1)",
           "y = ((y64 - mean_y) / scale_y).float().view(-1, 1)"],
}

_SPLIT = [
    "# Hold out a share of the points, drawn with the seed (a generator of its own: the model's initial",
    "# values do not depend on it); at least one point is kept for training.",
    "held = min(len(xs) - 1, int(VALIDATION_FRACTION * len(xs)))",
    "if held > 0:",
    "    split = torch.Generator()",
    "    split.manual_seed(SEED)",
    "    order = torch.randperm(len(xs), generator=split).tolist()",
    "    kept, held_out = sorted(order[held:]), sorted(order[:held])",
    "    valid_xs, valid_ys = [xs[i] for i in held_out], [ys[i] for i in held_out]",
    "    xs, ys = [xs[i] for i in kept], [ys[i] for i in kept]",
    "else:",
    "    valid_xs, valid_ys = [], []",
]

_PLAIN_FEATURES = [
    "def columns(values):",
    '    """[x, x², …, x^DEGREE] for each value."""',
    "    x64 = torch.tensor(values, dtype=torch.float64)",
    "    return torch.stack([x64**power for power in range(1, DEGREE + 1)], dim=1).float()",
    "",
    "",
    "def target_column(values):",
    "    return torch.tensor(values, dtype=torch.float32).view(-1, 1)",
]

_SCALED_FEATURES = [
    "# Feature scaling: x' = (x - mean) / spread of the training points, each power of x' from 2 up",
    "# standardised again, and y: every column of order one.",
    "x64, y64 = torch.tensor(xs, dtype=torch.float64), torch.tensor(ys, dtype=torch.float64)",
    "mean_x, scale_x = x64.mean().item(), x64.std(correction=0).item() or 1.0",
    "mean_y, scale_y = y64.mean().item(), y64.std(correction=0).item() or 1.0",
    "",
    "",
    "def powers(values):",
    "    shifted = (torch.tensor(values, dtype=torch.float64) - mean_x) / scale_x",
    "    return torch.stack([shifted**power for power in range(1, DEGREE + 1)], dim=1)",
    "",
    "",
    "training_powers = powers(xs)",
    "power_mean = training_powers.mean(dim=0)",
    "power_scale = training_powers.std(dim=0, correction=0)",
    "power_scale[power_scale == 0] = 1.0",
    "power_mean[0], power_scale[0] = 0.0, 1.0  # x' itself is already standardised",
    "",
    "",
    "def columns(values):",
    "    return ((powers(values) - power_mean) / power_scale).float()",
    "",
    "",
    "def target_column(values):",
    "    return ((torch.tensor(values, dtype=torch.float64) - mean_y) / scale_y).float().view(-1, 1)",
]

_PLAIN_COEFFICIENTS = [
    "coefficients = [model.bias.item(), *model.weight.detach().double().view(-1).tolist()]",
]

_SCALED_COEFFICIENTS = [
    "# Back to the user's units: undo the powers' standardisation, then y's, then expand (x - mean_x) / scale_x.",
    "weights = model.weight.detach().double().view(-1)",
    "in_shifted = (weights / power_scale).tolist()",
    "constant = model.bias.item() - float((weights / power_scale * power_mean).sum())",
    "in_shifted = [scale_y * value for value in [constant, *in_shifted]]",
    "in_shifted[0] += mean_y",
    "coefficients = [0.0] * (DEGREE + 1)",
    "for power, value in enumerate(in_shifted):",
    "    for lower in range(power + 1):",
    "        coefficients[lower] += value * comb(power, lower) * (-mean_x) ** (power - lower) / scale_x**power",
]

_REPORT = [
    "",
    "",
    "def loss_in_user_units(values_x, values_y):",
    '    """The loss of the polynomial in the user\'s units (no penalty), in float64."""',
    "    x64 = torch.tensor(values_x, dtype=torch.float64)",
    "    predicted = sum(c * x64**power for power, c in enumerate(coefficients))",
    "    return user_criterion(predicted, torch.tensor(values_y, dtype=torch.float64)).item()",
    "",
    "",
    "print('coefficients (constant term first):', coefficients)",
    "print(f'training loss after the last step {loss_in_user_units(xs, ys):.6g}')",
    "if valid_xs:",
    "    print(f'validation loss after the last step {loss_in_user_units(valid_xs, valid_ys):.6g}')",
]


def script_source(data: str, config: TrainingConfig, *, reads_csv: bool = False) -> str:
    """The script's text; `data` is code (from script_export) that defines the lists `xs` and `ys`."""
    optimizer = OPTIMIZERS.get(config.optimizer)
    loss = LOSSES.get(config.loss)
    schedule = SCHEDULES.get(config.schedule)
    classic = config.is_classic
    constants: dict[str, object] = {"LEARNING_RATE": float(config.learning_rate), "EPOCHS": int(config.epochs),
                                    "SEED": int(config.seed)}
    for name in (*optimizer.script_settings, *loss.script_settings):
        constants[name.upper()] = getattr(config, name)
    constants |= schedule.script_values(config)
    if not classic:
        constants |= {"DEGREE": int(config.degree), "L2": float(config.l2), "L1": float(config.l1),
                      "VALIDATION_FRACTION": float(config.validation_fraction)}
    batch_size = None if config.batch_size is None else int(config.batch_size)
    lines = [*_heading(config, classic), "",
             *(["import csv", "from pathlib import Path"] if reads_csv else []),
             *(["from math import comb"] if config.standardize and not classic else []),
             *([""] if reads_csv or (config.standardize and not classic) else []),
             "import torch", "from torch import nn, optim", "", data, ""]
    lines += [f"{name} = {_literal(value)}" for name, value in constants.items()]
    lines += [f"BATCH_SIZE = {batch_size!r}  # None: the whole data set in every step", ""]
    if classic:
        lines += ["torch.manual_seed(SEED)", *_CLASSIC_COLUMNS[config.standardize], "model = nn.Linear(1, 1)"]
    else:
        lines += [*(_SPLIT if config.validation_fraction else ["valid_xs, valid_ys = [], []"]), "",
                  *(_SCALED_FEATURES if config.standardize else _PLAIN_FEATURES), "", "",
                  "x, y = columns(xs), target_column(ys)", "torch.manual_seed(SEED)", "model = nn.Linear(DEGREE, 1)"]
        if config.standardize and loss.script_settings:
            lines.append("huber_delta_trained = HUBER_DELTA / scale_y  # delta in standardised units")
    criterion = loss.script_line
    if config.standardize and not classic and loss.script_settings:
        criterion = criterion.replace("delta=HUBER_DELTA", "delta=huber_delta_trained")
    lines += [criterion, optimizer.script_line, *schedule.script_lines, *_loop(config, classic, schedule.changes_rate)]
    lines += _classic_report(config) if classic else _report(config, loss.script_line)
    return "\n".join(lines) + "\n"


def _heading(config: TrainingConfig, classic: bool) -> list[str]:
    batch = f"batch size {config.batch_size}" if config.batch_size else "full batch"
    what = "Linear" if config.degree == 1 else f"Degree-{config.degree} polynomial"
    details = [f"optimizer {config.optimizer}", f"learning rate {float(config.learning_rate)!r}",
               f"{int(config.epochs)} epochs", batch, f"seed {int(config.seed)}"]
    if not classic:
        details += [f"loss {config.loss}", f"schedule {config.schedule}"]
        details += [f"{name} {getattr(config, name)!r}" for name in ("l2", "l1", "validation_fraction")
                    if getattr(config, name)]
    if config.standardize:
        details.append("standardised x and y")
    return [f'"""{what} regression with PyTorch, exported by Gradient Descent Studio.', "",
            ", ".join(details)[:1].upper() + ", ".join(details)[1:] + ".",
            'Run it with plain Python and torch: python this_script.py"""']


def _loop(config: TrainingConfig, classic: bool, steps_scheduler: bool) -> list[str]:
    penalty = [] if classic else [f"{name} * model.weight.{term}.sum()"
                                  for name, term, value in (("L2", "pow(2)", config.l2), ("L1", "abs()", config.l1))
                                  if value]
    backward = (["        loss.backward()"] if not penalty else
                [f"        objective = loss + {' + '.join(penalty)}  # the weights only, never the bias",
                 "        objective.backward()"])
    return [
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
        *backward,
        "        optimizer.step()",
        *(["    scheduler.step()"] if steps_scheduler else []),
        "",
    ]


def _classic_report(config: TrainingConfig) -> list[str]:
    lines = ["weight, bias = model.weight.item(), model.bias.item()"]
    if config.standardize:
        lines.append("weight, bias = weight * scale_y / scale_x, mean_y + scale_y * bias - weight * scale_y / scale_x "
                     "* mean_x")
    return [
        *lines,
        "inputs64 = torch.tensor(xs, dtype=torch.float64)",
        "targets64 = torch.tensor(ys, dtype=torch.float64)",
        "mse = ((weight * inputs64 + bias - targets64) ** 2).mean().item()",
        'print(f"y = {weight!r}·x + {bias!r}   (MSE {mse:.6g})")',
    ]


def _report(config: TrainingConfig, criterion_line: str) -> list[str]:
    user_criterion = criterion_line.replace("criterion = ", "user_criterion = ")
    lines = [*(_SCALED_COEFFICIENTS if config.standardize else _PLAIN_COEFFICIENTS), user_criterion, *_REPORT]
    if config.degree == 1:
        lines.append('print(f"y = {coefficients[1]!r}·x + {coefficients[0]!r}")')
    return lines


def _literal(value: object) -> str:
    """The repr of a validated setting; only numbers and flags can be a setting the script reads."""
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):
        return repr(float(value))
    raise ConfigError(f"A setting written into the script must be a number, not {type(value).__name__}.")
