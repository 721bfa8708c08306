"""Synthetic data for teaching: points along a known line, with Gaussian noise and a few outliers."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.data.points import PointSet
from engine.errors import ConfigError

MAX_POINTS = 10_000_000
SIGNIFICANT_DIGITS = 4  # of the spread of each column: what a generated point is rounded to


@dataclass(frozen=True)
class GeneratorSpec:
    count: int = 50
    slope: float = 2.0
    intercept: float = 1.0
    noise: float = 1.0  # standard deviation of the Gaussian noise added to y
    x_min: float = 0.0
    x_max: float = 10.0
    outliers: int = 0  # points whose y is pushed far off the line
    seed: int = 0

    def __post_init__(self) -> None:
        if not 2 <= self.count <= MAX_POINTS:
            raise ConfigError(f"Number of points must be between 2 and {MAX_POINTS:,}, not {self.count}.")
        if not all(math.isfinite(v) for v in (self.slope, self.intercept, self.noise, self.x_min, self.x_max)):
            raise ConfigError("Slope, intercept, noise and the x range must be finite numbers.")
        if self.noise < 0:
            raise ConfigError(f"Noise σ cannot be negative ({self.noise}).")
        if not self.x_min < self.x_max:
            raise ConfigError(f"The x range is empty: from {self.x_min:g} to {self.x_max:g}.")
        if not 0 <= self.outliers <= self.count:
            raise ConfigError(f"Outliers must be between 0 and the number of points ({self.count}).")


def generate_points(spec: GeneratorSpec) -> PointSet:
    """x uniform over the range (sorted, so the table reads left to right), y = slope·x + intercept plus
    N(0, noise²); each outlier moves its y by 5 to 10 noise widths (or units, without noise), up or down.
    x is rounded before y is made from it, then y too (see round_to_spread). The same spec always gives
    the same points."""
    rng = np.random.default_rng(spec.seed)
    x = np.sort(rng.uniform(spec.x_min, spec.x_max, spec.count))
    x_decimals = spread_decimals(x)
    x = np.clip(np.round(x, x_decimals), spec.x_min, spec.x_max)
    y = spec.slope * x + spec.intercept + rng.normal(0.0, spec.noise, spec.count)
    if spec.outliers:
        chosen = rng.choice(spec.count, size=spec.outliers, replace=False)
        width = spec.noise if spec.noise > 0 else 1.0
        y[chosen] += rng.choice([-1.0, 1.0], size=spec.outliers) * rng.uniform(5.0, 10.0, spec.outliers) * width
    # y keeps at least x's decimals: without noise, the points lie exactly on a line of round slope.
    return PointSet.from_columns(x, round_to_spread(y, at_least=x_decimals))


def spread_decimals(values: np.ndarray, digits: int = SIGNIFICANT_DIGITS) -> int:
    """The decimals that give `digits` significant digits of the values' spread: a spread of 10 gives
    three ("3.142"), a spread of 1,000 none, a spread of 0.001 six."""
    finite = values[np.isfinite(values)]
    spread = (float(np.ptp(finite)) or float(np.max(np.abs(finite)))) if finite.size else 0.0
    return digits - 1 - math.floor(math.log10(spread or 1.0))


def round_to_spread(values: np.ndarray, digits: int = SIGNIFICANT_DIGITS, *, at_least: int | None = None) -> np.ndarray:
    """`values` with `digits` significant digits of their spread (see spread_decimals), or `at_least`
    decimals where that is more. Made-up data needs no more, and the table shows it whole."""
    decimals = spread_decimals(values, digits)
    return np.round(values, decimals if at_least is None else max(decimals, at_least))
