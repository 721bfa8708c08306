"""Feature scaling: train on standardised x and y, report everything in the user's units.

With x' = (x − mx)/sx and y' = (y − my)/sy, the line y' = w'·x' + b' is y = w·x + b with
w = (sy/sx)·w' and b = my + sy·b' − w·mx, and the MSE in y's units is sy² times the scaled one. The
trainer converts every weight, bias and loss it reports, so the plots, the result and every exported
model speak the original units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.data.points import PointSet


@dataclass(frozen=True)
class Standardizer:
    mean_x: float = 0.0
    scale_x: float = 1.0
    mean_y: float = 0.0
    scale_y: float = 1.0

    @classmethod
    def identity(cls) -> Standardizer:
        return cls()

    @classmethod
    def fitted_to(cls, points: PointSet) -> Standardizer:
        """Means and population standard deviations; a constant column keeps scale 1 (nothing to divide)."""
        sx, sy = float(points.x.std()), float(points.y.std())
        return cls(float(points.x.mean()), sx if sx > 0 else 1.0, float(points.y.mean()), sy if sy > 0 else 1.0)

    def scale_columns(self, points: PointSet) -> tuple[np.ndarray, np.ndarray]:
        return (points.x - self.mean_x) / self.scale_x, (points.y - self.mean_y) / self.scale_y

    def to_original(self, weight: Any, bias: Any) -> tuple[Any, Any]:
        """Scaled-space parameters (arrays or floats) as the original-units line."""
        original_weight = weight * (self.scale_y / self.scale_x)
        return original_weight, self.mean_y + self.scale_y * bias - original_weight * self.mean_x

    @property
    def loss_factor(self) -> float:
        return self.scale_y * self.scale_y
