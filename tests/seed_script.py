"""The classic PyTorch example, verbatim apart from taking its inputs as arguments. The engine must
reproduce it; tests and benchmarks run it beside the engine."""

from __future__ import annotations

import torch
from torch import nn, optim


def plain_seed_loop(xs: list[float], ys: list[float], epochs: int = 1000, lr: float = 0.01,
                    seed: int = 0) -> tuple[float, float, float]:
    torch.manual_seed(seed)
    x = torch.tensor([[value] for value in xs])
    y = torch.tensor([[value] for value in ys])
    model = nn.Linear(1, 1)
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=lr)
    loss = torch.tensor(0.0)
    for _ in range(epochs):
        optimizer.zero_grad()
        outputs = model(x)
        loss = criterion(outputs, y)
        loss.backward()
        optimizer.step()
    return model.weight.item(), model.bias.item(), loss.item()


if __name__ == "__main__":
    weight, bias, loss = plain_seed_loop([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])
    print(f"{weight!r} {bias!r} {loss!r}")
