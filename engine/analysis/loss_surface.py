"""The run's own loss (MSE, MAE or Huber, plus its L1/L2 penalties) over a grid of two coefficients.

MSE over (w, b) has a closed form in five moments (least_squares.py); MAE and Huber need a pass over the
points. Two shapes of grid are served here:

- a coefficient against the constant term (the line's (w, b), or a polynomial's (c_i, c0)): the error is
  r_i + b with r_i fixed for a given first coefficient, so per column the points' r are sorted once and
  every b of the column is answered from prefix sums in O(log n): exact, and about n·log n per column;
- two non-constant coefficients: the points are summed in chunks so that memory stays bounded.

Above SAMPLE_LIMIT points the surface is computed on a fixed-seed random sample (callers say so).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_LIMIT = 20_000
SAMPLE_SEED = 0
CHUNK_ELEMENTS = 1 << 21  # float64 values held at once by the chunked sums (16 MiB)


@dataclass(frozen=True)
class Objective:
    """What a run minimises: its loss ("mse", "mae", "huber" with `huber_delta`) plus l2·Σw² + l1·Σ|w|
    over the weights (every coefficient but the constant term)."""

    loss: str = "mse"
    huber_delta: float = 1.0
    l2: float = 0.0
    l1: float = 0.0

    @property
    def penalised(self) -> bool:
        return self.l2 > 0.0 or self.l1 > 0.0

    def penalty(self, weight: np.ndarray | float) -> np.ndarray:
        """The penalty of one weight (broadcasts)."""
        w = np.asarray(weight, dtype=np.float64)
        return self.l2 * w * w + self.l1 * np.abs(w)

    def pointwise(self, errors: np.ndarray) -> np.ndarray:
        """The loss of each prediction error (prediction − target), as torch's MSELoss/L1Loss/HuberLoss."""
        if self.loss == "mae":
            return np.abs(errors)
        if self.loss == "huber":
            size, delta = np.abs(errors), self.huber_delta
            return np.where(size < delta, 0.5 * errors * errors, delta * (size - 0.5 * delta))
        return errors * errors


@dataclass(frozen=True)
class Sample:
    x: np.ndarray
    y: np.ndarray
    total: int  # the number of points the sample was drawn from

    @property
    def sampled(self) -> bool:
        return self.x.size < self.total


def sample_points(x: np.ndarray, y: np.ndarray, limit: int = SAMPLE_LIMIT, seed: int = SAMPLE_SEED) -> Sample:
    """All the points, or `limit` of them drawn without replacement with a fixed seed (the same points
    every time, so the shading does not flicker as the view moves)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.size <= limit:
        return Sample(x, y, int(x.size))
    rows = np.sort(np.random.default_rng(seed).choice(x.size, size=limit, replace=False))
    return Sample(x[rows], y[rows], int(x.size))


def offset_loss_grid(residuals: np.ndarray, slopes: np.ndarray, firsts: np.ndarray, offsets: np.ndarray,
                     objective: Objective) -> np.ndarray:
    """Mean loss of the errors residuals + a·slopes + c for every a in `firsts` (columns) and c in
    `offsets` (rows); shape [len(offsets), len(firsts)]. No penalty."""
    grid = np.empty((offsets.size, firsts.size))
    n = residuals.size
    if n == 0:
        grid.fill(np.nan)
        return grid
    with np.errstate(over="ignore", invalid="ignore"):
        for column, first in enumerate(firsts):
            errors = residuals + first * slopes
            centre = float(np.median(errors))  # prefix sums of centred values keep the arithmetic accurate
            d = np.sort(errors - centre)
            sums = np.concatenate([[0.0], np.cumsum(d)])
            # error + c = d − t with t = −c − centre
            t = -offsets - centre
            if objective.loss == "mae":
                k = np.searchsorted(d, t)
                grid[:, column] = (k * t - sums[k] + (sums[n] - sums[k]) - (n - k) * t) / n
            elif objective.loss == "huber":
                delta = objective.huber_delta
                squares = np.concatenate([[0.0], np.cumsum(d * d)])
                low = np.searchsorted(d, t - delta, side="right")  # d − t ≤ −δ: linear below
                high = np.searchsorted(d, t + delta, side="left")  # d − t ≥ δ: linear above
                inside = high - low
                quadratic = 0.5 * ((squares[high] - squares[low]) - 2.0 * t * (sums[high] - sums[low])
                                   + inside * t * t)
                below = delta * (low * t - sums[low] - low * 0.5 * delta)
                above = delta * ((sums[n] - sums[high]) - (n - high) * t - (n - high) * 0.5 * delta)
                grid[:, column] = (quadratic + below + above) / n
            else:
                mean, spread = sums[n] / n, float(np.dot(d, d)) / n
                grid[:, column] = spread - 2.0 * t * mean + t * t
    return grid


def plane_loss_grid(residuals: np.ndarray, first_slopes: np.ndarray, second_slopes: np.ndarray,
                    firsts: np.ndarray, seconds: np.ndarray, objective: Objective) -> np.ndarray:
    """Mean loss of residuals + a·first_slopes + c·second_slopes over a (columns) × c (rows), the points
    taken in chunks so that at most CHUNK_ELEMENTS values are held at once. No penalty."""
    n = residuals.size
    grid = np.zeros((seconds.size, firsts.size))
    if n == 0:
        grid.fill(np.nan)
        return grid
    chunk = max(1, CHUNK_ELEMENTS // max(grid.size, 1))
    a, c = firsts[np.newaxis, :, np.newaxis], seconds[:, np.newaxis, np.newaxis]
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n, chunk):
            part = slice(start, start + chunk)
            errors = residuals[part] + a * first_slopes[part] + c * second_slopes[part]
            grid += objective.pointwise(errors).sum(axis=2)
    return grid / n


def line_loss_grid(x: np.ndarray, y: np.ndarray, weights: np.ndarray, biases: np.ndarray,
                   objective: Objective) -> np.ndarray:
    """The run's loss of y ≈ w·x + b plus its penalty on w: rows follow `biases`, columns `weights`."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    weights, biases = np.asarray(weights, dtype=np.float64), np.asarray(biases, dtype=np.float64)
    grid = offset_loss_grid(-y, x, weights, biases, objective)
    return grid + objective.penalty(weights)[np.newaxis, :]


def coefficient_name(index: int) -> str:
    """How the slice's combo boxes name a coefficient: c0 (constant), c1 (x), c2 (x²), …"""
    if index == 0:
        return "c0 (constant)"
    if index == 1:
        return "c1 (x)"
    digits = str(index).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"c{index} (x{digits})"


def slice_loss_grid(x: np.ndarray, y: np.ndarray, coefficients: tuple[float, ...] | np.ndarray, first: int,
                    second: int, firsts: np.ndarray, seconds: np.ndarray, objective: Objective) -> np.ndarray:
    """The run's loss (and penalties) of the polynomial `coefficients` (constant term first, user's
    units) with coefficient `first` set to each of `firsts` (columns) and `second` to each of `seconds`
    (rows), the others held; shape [len(seconds), len(firsts)]."""
    if first == second:
        raise ValueError("a slice needs two different coefficients")
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    held = np.asarray(coefficients, dtype=np.float64).copy()
    firsts, seconds = np.asarray(firsts, dtype=np.float64), np.asarray(seconds, dtype=np.float64)
    held[first] = held[second] = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        residuals = np.polynomial.polynomial.polyval(x, held) - y
        first_slopes, second_slopes = x**first, x**second
    if second == 0:
        grid = offset_loss_grid(residuals, first_slopes, firsts, seconds, objective)
    elif first == 0:
        grid = offset_loss_grid(residuals, second_slopes, seconds, firsts, objective).T
    elif objective.loss == "mse":
        grid = _mse_plane(residuals, first_slopes, second_slopes, firsts, seconds)
    else:
        grid = plane_loss_grid(residuals, first_slopes, second_slopes, firsts, seconds, objective)
    if objective.penalised:
        base = float(objective.penalty(held[1:]).sum())
        penalty_first = objective.penalty(firsts) if first > 0 else np.zeros_like(firsts)
        penalty_second = objective.penalty(seconds) if second > 0 else np.zeros_like(seconds)
        grid = grid + base + penalty_first[np.newaxis, :] + penalty_second[:, np.newaxis]
    return grid


def _mse_plane(r: np.ndarray, u: np.ndarray, v: np.ndarray, firsts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """mean (r + a·u + c·v)² from six means: O(1) per cell."""
    n = max(r.size, 1)
    rr, uu, vv = np.dot(r, r) / n, np.dot(u, u) / n, np.dot(v, v) / n
    ru, rv, uv = np.dot(r, u) / n, np.dot(r, v) / n, np.dot(u, v) / n
    a, c = firsts[np.newaxis, :], seconds[:, np.newaxis]
    return np.maximum(rr + a * a * uu + c * c * vv + 2.0 * (a * ru + c * rv + a * c * uv), 0.0)
