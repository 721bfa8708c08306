"""Every model the engine trains, three ways: the fused loop (closed-form gradients), the autograd loop and a
plain torch loop written here from the issue's semantics alone. 7 optimizers × 3 losses × (no penalty, L1
and L2) × 4 schedules × degrees 1, 3, 9 × (full batch, mini-batches), each held to 1e-5.

The points lie in x ∈ [-1, 1], so x⁹ stays of order one and float32 keeps its digits; runs are short, as
the grid is large (the whole file takes well under two minutes on two cores).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch import nn, optim

from engine.data.points import PointSet
from engine.training.config import TrainingConfig
from engine.training.trainer import train

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad")
LOSSES = ("mse", "mae", "huber")
PENALTIES = ((0.0, 0.0), (0.01, 0.005))  # (l2, l1)
SCHEDULES = ("constant", "step", "exponential", "cosine")
DEGREES = (1, 3, 9)
BATCH_SIZES = (None, 8)
EPOCHS = 6
LEARNING_RATE = 0.05
SEED = 3
HUBER_DELTA = 0.3

_rng = np.random.default_rng(11)
X = np.sort(_rng.uniform(-1.0, 1.0, 20))
Y = np.sin(2.5 * X) + 0.3 * X + _rng.normal(scale=0.2, size=20)
POINTS = PointSet.from_columns(X, Y)


def reference_run(optimizer: str, loss: str, l2: float, l1: float, schedule: str, degree: int,
                  batch_size: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The coefficients (constant first) and the per-epoch training loss of the issue's autograd loop."""
    torch.manual_seed(SEED)
    x = torch.tensor(X, dtype=torch.float64)
    features = torch.stack([x**power for power in range(1, degree + 1)], dim=1).float()
    targets = torch.tensor(Y, dtype=torch.float32).view(-1, 1)
    model = nn.Linear(degree, 1)
    criterion = {"mse": nn.MSELoss(), "mae": nn.L1Loss(), "huber": nn.HuberLoss(delta=HUBER_DELTA)}[loss]
    parameters = model.parameters()
    chosen = {
        "sgd": lambda: optim.SGD(parameters, lr=LEARNING_RATE),
        "momentum": lambda: optim.SGD(parameters, lr=LEARNING_RATE, momentum=0.9),
        "nesterov": lambda: optim.SGD(parameters, lr=LEARNING_RATE, momentum=0.9, nesterov=True),
        "adam": lambda: optim.Adam(parameters, lr=LEARNING_RATE),
        "adamw": lambda: optim.AdamW(parameters, lr=LEARNING_RATE),
        "rmsprop": lambda: optim.RMSprop(parameters, lr=LEARNING_RATE),
        "adagrad": lambda: optim.Adagrad(parameters, lr=LEARNING_RATE),
    }[optimizer]()
    scheduler = {
        "constant": lambda: None,
        "step": lambda: optim.lr_scheduler.StepLR(chosen, step_size=max(1, EPOCHS // 4), gamma=0.5),
        "exponential": lambda: optim.lr_scheduler.ExponentialLR(chosen, gamma=0.995),
        "cosine": lambda: optim.lr_scheduler.CosineAnnealingLR(chosen, T_max=EPOCHS, eta_min=0),
    }[schedule]()
    generator = torch.Generator()
    generator.manual_seed(SEED)
    count = len(X)
    history = []
    for _ in range(EPOCHS):
        if batch_size is None:
            parts = [(features, targets)]
        else:
            order = torch.randperm(count, generator=generator)
            shuffled_x, shuffled_y = features[order], targets[order]
            parts = [(shuffled_x[start:start + batch_size], shuffled_y[start:start + batch_size])
                     for start in range(0, count, batch_size)]
        total = 0.0
        for inputs, wanted in parts:
            chosen.zero_grad()
            data_loss = criterion(model(inputs), wanted)
            objective = data_loss + l2 * model.weight.pow(2).sum() + l1 * model.weight.abs().sum()
            objective.backward()
            chosen.step()
            total += data_loss.item() * inputs.shape[0]
        history.append(total / count)
        if scheduler is not None:
            scheduler.step()
    coefficients = np.concatenate([model.bias.detach().numpy(), model.weight.detach().numpy().reshape(-1)])
    return coefficients.astype(np.float64), np.array(history)


GRID = list(itertools.product(OPTIMIZERS, LOSSES, PENALTIES, SCHEDULES, DEGREES, BATCH_SIZES))


@pytest.mark.parametrize(("optimizer", "loss", "penalty", "schedule", "degree", "batch_size"), GRID,
                         ids=["-".join(str(part) for part in case) for case in GRID])
def test_fused_autograd_and_plain_torch_agree(optimizer: str, loss: str, penalty: tuple[float, float],
                                              schedule: str, degree: int, batch_size: int | None) -> None:
    l2, l1 = penalty
    coefficients, history = reference_run(optimizer, loss, l2, l1, schedule, degree, batch_size)
    settings = {"optimizer": optimizer, "loss": loss, "huber_delta": HUBER_DELTA, "l2": l2, "l1": l1,
                "schedule": schedule, "degree": degree, "batch_size": batch_size, "epochs": EPOCHS,
                "learning_rate": LEARNING_RATE, "seed": SEED, "device": "cpu"}
    for path in ("fused", "autograd"):
        result = train(POINTS, TrainingConfig(path=path, **settings))  # type: ignore[arg-type]
        assert result.stop_reason == "completed" and result.path == path
        np.testing.assert_allclose(result.coefficients, coefficients, rtol=1e-5, atol=1e-6, err_msg=path)
        np.testing.assert_allclose(result.loss_history, history, rtol=1e-5, atol=1e-7, err_msg=path)
        if degree == 1:
            assert (result.weight, result.bias) == (result.coefficients[1], result.coefficients[0])
