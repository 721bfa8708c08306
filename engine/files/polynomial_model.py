"""A trained polynomial as one torch module that takes raw x of shape [batch, 1]: x standardised inside
(its training mean and standard deviation), the powers z, z², …, z^D, and nn.Linear(D, 1). The exports
(.pt, .pt2, .onnx) build it from a PolynomialSpec.

Why standardise inside rather than evaluate the coefficients in raw x: at degree 10 on x in the hundreds,
those coefficients span many orders of magnitude and their terms cancel, which float32 (the dtype of every
exported graph) cannot carry. Re-expanded around the data's mean in units of its spread, every power stays
near 1 and float32 predicts what the float64 coefficients do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.polynomial import Polynomial

MAX_DEGREE = 10


@dataclass(frozen=True)
class PolynomialSpec:
    """y = bias + Σₖ weights[k−1] · zᵏ with z = (x − center) / scale.

    `center` and `scale` are the training points' mean and standard deviation of x, so the powers stay
    near 1 whatever the units of x; with center 0 and scale 1, `weights`/`bias` are the coefficients."""

    weights: tuple[float, ...]
    bias: float
    center: float = 0.0
    scale: float = 1.0

    def __post_init__(self) -> None:
        if not 1 <= len(self.weights) <= MAX_DEGREE:
            raise ValueError(f"a polynomial of degree 1 to {MAX_DEGREE}, not {len(self.weights)}")
        numbers = (*self.weights, self.bias, self.center, self.scale)
        if not all(isinstance(n, float) and math.isfinite(n) for n in numbers):
            raise ValueError("every number of a polynomial must be a finite float")
        if self.scale <= 0.0:
            raise ValueError(f"the scale of x must be positive, not {self.scale!r}")

    @classmethod
    def from_coefficients(cls, coefficients: Sequence[float], center: float = 0.0,
                          scale: float = 1.0) -> PolynomialSpec:
        """From coefficients in the user's units, constant term first, re-expanded (exactly, in float64) in
        z = (x − center) / scale; a line is kept in x (center 0, scale 1): it needs no help."""
        values = np.asarray([float(c) for c in coefficients], dtype=np.float64)
        if len(values) <= 2 or not (math.isfinite(center) and math.isfinite(scale) and scale > 0):
            center, scale = 0.0, 1.0
        center, scale = float(center), float(scale)
        shifted = Polynomial(values)(Polynomial([center, scale])).coef  # p(center + scale·z)
        shifted = np.pad(shifted, (0, len(values) - len(shifted)))  # composition trims trailing zeros
        return cls(weights=tuple(float(v) for v in shifted[1:]), bias=float(shifted[0]), center=center,
                   scale=scale)

    @property
    def degree(self) -> int:
        return len(self.weights)

    def coefficients(self) -> tuple[float, ...]:
        """The same polynomial in raw x, constant term first, in float64."""
        in_z = Polynomial([self.bias, *self.weights])
        in_x = in_z(Polynomial([-self.center / self.scale, 1.0 / self.scale])).coef
        return tuple(float(v) for v in np.pad(in_x, (0, self.degree + 1 - len(in_x))))

    def predict(self, xs: np.ndarray) -> np.ndarray:
        """Predictions in float64, computed the way the module computes them."""
        z = (np.asarray(xs, dtype=np.float64).reshape(-1, 1) - self.center) / self.scale
        return z ** np.arange(1, self.degree + 1, dtype=np.float64) @ np.asarray(self.weights) + self.bias


# The module's source, written into the .json export so that a .pt state_dict can be loaded without this
# app (the state_dict holds tensors only, as torch.load(weights_only=True) requires). It is a constant:
# no value from a run ever becomes part of it.
MODULE_SOURCE = '''\
import torch
from torch import nn


class PolynomialRegression(nn.Module):
    """Raw x of shape [batch, 1] -> y of shape [batch, 1]: z = (x - center) / scale, then
    nn.Linear(degree, 1) on [z, z**2, ..., z**degree]."""

    def __init__(self, degree: int) -> None:
        super().__init__()
        self.linear = nn.Linear(degree, 1)
        self.register_buffer("exponents", torch.arange(1, degree + 1, dtype=torch.float32))
        self.register_buffer("center", torch.zeros(1))
        self.register_buffer("scale", torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(torch.pow((x - self.center) / self.scale, self.exponents))
'''


def polynomial_module(spec: PolynomialSpec) -> Any:
    """The module holding `spec`, in evaluation mode (torch is imported here, never at module load)."""
    import torch

    namespace: dict[str, Any] = {}
    exec(compile(MODULE_SOURCE, "<PolynomialRegression>", "exec"), namespace)  # our constant, not input
    model = namespace["PolynomialRegression"](spec.degree)
    with torch.no_grad():
        model.linear.weight.copy_(torch.tensor([spec.weights]))
        model.linear.bias.fill_(spec.bias)
        model.center.fill_(spec.center)
        model.scale.fill_(spec.scale)
    return model.eval()


def module_from_state_dict(state: dict[str, Any]) -> Any:
    """Rebuild the module from a loaded .pt state_dict: its degree is the width of linear.weight."""
    namespace: dict[str, Any] = {}
    exec(compile(MODULE_SOURCE, "<PolynomialRegression>", "exec"), namespace)
    model = namespace["PolynomialRegression"](int(state["linear.weight"].shape[1]))
    model.load_state_dict(state)
    return model.eval()
