"""The exact answer and the shape of the problem, from five numbers.

The MSE of a line over the points is a quadratic in (w, b) that depends on the data only through the
means, variances and covariance of x and y. With centred moments,

    loss(w, b) = w²·var(x) − 2w·cov(x, y) + var(y) + (w·mean(x) + b − mean(y))²,

so the loss surface on any grid, R², the closed-form optimum and the Hessian all cost O(1) per value once
the moments are known (one pass over the points). Centring keeps the arithmetic accurate where the raw
sums Σx², Σxy would cancel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.data.points import PointSet


@dataclass(frozen=True)
class Moments:
    n: int
    mean_x: float
    mean_y: float
    var_x: float  # population variances and covariance (divided by n), as MSE is a mean
    var_y: float
    cov_xy: float

    @classmethod
    def of(cls, points: PointSet) -> Moments:
        return cls.of_columns(points.x, points.y)

    @classmethod
    def of_columns(cls, x: np.ndarray, y: np.ndarray) -> Moments:
        """One pass over the columns (no copy of them is kept). Values beyond ~1e154 give infinite
        moments: the honest answer, so numpy's overflow warning is silenced, not the result."""
        n = int(x.size)
        if n == 0:
            return cls(0, 0.0, 0.0, 0.0, 0.0, 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            mean_x, mean_y = float(x.mean()), float(y.mean())
            dx, dy = x - mean_x, y - mean_y
            return cls(n, mean_x, mean_y, float(np.dot(dx, dx)) / n, float(np.dot(dy, dy)) / n,
                       float(np.dot(dx, dy)) / n)

    def standardized(self) -> Moments:
        """The moments of the same points after feature scaling (engine.data.scaling): means 0, variances 1,
        covariance the correlation. A constant column stays constant (variance 0), as scaling leaves it.
        O(1): what the stable rate of a scaled run needs, without scaling the points."""
        if self.n == 0:
            return self
        var_x = 1.0 if self.var_x > 0.0 else 0.0
        var_y = 1.0 if self.var_y > 0.0 else 0.0
        correlation = 0.0
        if var_x and var_y:
            correlation = min(1.0, max(-1.0, self.cov_xy / (math.sqrt(self.var_x) * math.sqrt(self.var_y))))
        return Moments(self.n, 0.0, 0.0, var_x, var_y, correlation)

    def loss(self, weight: np.ndarray | float, bias: np.ndarray | float) -> np.ndarray:
        """MSE of y = weight·x + bias; broadcasts, so a meshgrid gives the whole surface at once."""
        w = np.asarray(weight, dtype=np.float64)
        offset = w * self.mean_x + np.asarray(bias, dtype=np.float64) - self.mean_y
        return np.maximum(w * w * self.var_x - 2.0 * w * self.cov_xy + self.var_y + offset * offset, 0.0)


@dataclass(frozen=True)
class LeastSquaresFit:
    weight: float
    bias: float
    loss: float


def least_squares(moments: Moments) -> LeastSquaresFit | None:
    """The line of least mean squared error, or None when no single line is best (fewer than 2 points,
    or all x equal)."""
    if moments.n < 2 or not moments.var_x > 0.0:
        return None
    weight = moments.cov_xy / moments.var_x
    bias = moments.mean_y - weight * moments.mean_x
    return LeastSquaresFit(weight, bias, float(moments.loss(weight, bias)))


def r_squared(moments: Moments, weight: float, bias: float) -> float:
    """1 − SSE/SST for the line y = weight·x + bias (NaN when every y is equal: nothing to explain)."""
    if not moments.var_y > 0.0:
        return math.nan
    return 1.0 - float(moments.loss(weight, bias)) / moments.var_y


def largest_stable_learning_rate(moments: Moments) -> float | None:
    """2 / λmax of the MSE Hessian (2/n)·XᵀX with X = [x, 1]: plain full-batch gradient descent converges
    below this rate and diverges above it. None when the Hessian is zero (no points)."""
    if moments.n == 0:
        return None
    try:
        mean_x2 = moments.var_x + moments.mean_x**2  # (1/n)·XᵀX = [[mean(x²), mean(x)], [mean(x), 1]]
        half_trace = (mean_x2 + 1.0) / 2.0
        spread = math.hypot((mean_x2 - 1.0) / 2.0, moments.mean_x)
        largest = 2.0 * (half_trace + spread)
    except OverflowError:  # |x| beyond ~1e154: no bound a float can state
        return None
    return 2.0 / largest if 0.0 < largest < math.inf else None


def loss_grid(moments: Moments, weights: np.ndarray, biases: np.ndarray) -> np.ndarray:
    """The loss over a grid: rows follow `biases`, columns `weights` (shape [len(biases), len(weights)])."""
    return moments.loss(weights[np.newaxis, :], biases[:, np.newaxis])


def round_down(value: float) -> float:
    """`value` rounded down to two significant digits: a number a person can type, still below `value`."""
    if not (value > 0 and math.isfinite(value)):
        return value
    step = 10.0 ** (math.floor(math.log10(value)) - 1)
    return float(f"{math.floor(value / step) * step:.2g}")


def suggest_learning_rate(stable: float) -> float:
    """A rate safely inside the stable range, easy to type: 90 % of the bound, rounded down."""
    return round_down(0.9 * stable)
