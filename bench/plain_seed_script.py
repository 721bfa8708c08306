"""The classic PyTorch example as a whole script, for timing whole processes against `main.py train`.
Usage: python bench/plain_seed_script.py [EPOCHS]"""

import sys

import torch
from torch import nn, optim

epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
torch.manual_seed(0)
x = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
y = torch.tensor([[2.0], [4.0], [6.0], [8.0]])
model = nn.Linear(1, 1)
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)
for _ in range(epochs):
    optimizer.zero_grad()
    outputs = model(x)
    loss = criterion(outputs, y)
    loss.backward()
    optimizer.step()
print(model.weight.item(), model.bias.item(), loss.item())
