"""The polynomial's columns, their standardisation, and the seeded validation split.

A run of degree D trains nn.Linear(D, 1) on the columns [x, x², …, x^D]. With feature scaling it trains on
x' = (x − mean x)/std x, then each power x'^k standardised again (k ≥ 2; x' itself already has mean 0 and
standard deviation 1), and on y' = (y − mean y)/std y: every column of order one, so degree 10 neither
overflows float32 nor leaves one column to dominate the gradient. `to_original` turns the trained
coefficients back into the polynomial in x (constant term first), the user's units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.data.points import PointSet


def feature_matrix(x: np.ndarray, degree: int) -> np.ndarray:
    """[x, x², …, x^degree] as an [n, degree] float64 array."""
    column = np.asarray(x, dtype=np.float64)
    return np.power(column[:, None], np.arange(1, degree + 1, dtype=np.float64)[None, :])


@dataclass(frozen=True)
class FeatureScaling:
    """How a run's columns were standardised (identity when it does not standardise)."""

    degree: int
    mean_x: float = 0.0
    scale_x: float = 1.0
    power_means: tuple[float, ...] = ()  # for the powers 2..degree of x'
    power_scales: tuple[float, ...] = ()
    mean_y: float = 0.0
    scale_y: float = 1.0

    @classmethod
    def identity(cls, degree: int) -> FeatureScaling:
        return cls(degree, power_means=(0.0,) * (degree - 1), power_scales=(1.0,) * (degree - 1))

    @classmethod
    def fitted_to(cls, points: PointSet, degree: int) -> FeatureScaling:
        """Means and population standard deviations of the training points; a constant column keeps scale 1."""
        sx, sy = float(points.x.std()), float(points.y.std())
        mean_x, scale_x = float(points.x.mean()), sx if sx > 0 else 1.0
        powers = feature_matrix((points.x - mean_x) / scale_x, degree)[:, 1:]
        means = powers.mean(axis=0) if len(points) else np.zeros(degree - 1)
        scales = powers.std(axis=0) if len(points) else np.ones(degree - 1)
        return cls(degree, mean_x, scale_x, tuple(float(v) for v in means),
                   tuple(float(v) if v > 0 else 1.0 for v in scales), float(points.y.mean()), sy if sy > 0 else 1.0)

    def columns(self, points: PointSet) -> tuple[np.ndarray, np.ndarray]:
        """The [n, degree] features and the targets the run trains on (float64)."""
        shifted = (points.x - self.mean_x) / self.scale_x
        features = feature_matrix(shifted, self.degree)
        if self.degree > 1:
            features[:, 1:] = (features[:, 1:] - np.array(self.power_means)) / np.array(self.power_scales)
        return features, (points.y - self.mean_y) / self.scale_y

    def to_original(self, weights: np.ndarray, bias: float) -> np.ndarray:
        """Trained weights (one per power) and bias as the coefficients of the polynomial in x, constant term
        first, in the user's units."""
        weights = np.asarray(weights, dtype=np.float64)
        in_shifted = np.empty(self.degree + 1)
        in_shifted[1] = weights[0]
        in_shifted[2:] = weights[1:] / np.array(self.power_scales)
        in_shifted[0] = bias - float(np.dot(weights[1:] / np.array(self.power_scales), np.array(self.power_means)))
        in_shifted *= self.scale_y
        in_shifted[0] += self.mean_y
        shifted_x = np.polynomial.Polynomial([-self.mean_x / self.scale_x, 1.0 / self.scale_x])
        coefficients = np.zeros(self.degree + 1)
        composed = np.asarray(np.polynomial.Polynomial(in_shifted)(shifted_x).coef, dtype=np.float64)
        coefficients[: composed.size] = composed[: self.degree + 1]
        return coefficients

    def loss_factor(self, unit_power: int) -> float:
        """A loss measured in the scaled y times this is the loss in the user's units."""
        return float(self.scale_y**unit_power)


def validation_split(count: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The indices of the training and the validation points, each in the points' order.

    The held-out points are the first floor(fraction·count) of torch.randperm(count) drawn from a
    torch.Generator seeded with the run's seed (never the global generator, so nn.Linear's initial weights
    do not depend on the split); at least one point always stays for training. No split: every index trains.
    """
    held = min(count - 1, int(fraction * count)) if count > 0 else 0
    if held <= 0:
        return np.arange(count, dtype=np.int64), np.empty(0, dtype=np.int64)
    import torch

    generator = torch.Generator()
    generator.manual_seed(seed)
    order = torch.randperm(count, generator=generator).numpy()
    return np.sort(order[held:]), np.sort(order[:held])
