"""Where the animation's data plot and landscape look: the ranges that frame a whole run, from its first
frame to its last, so the view never moves while the film plays."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from engine.analysis.least_squares import LeastSquaresFit, Moments
from gui.views.landscape_paths import framed_points


class RunFilm(Protocol):
    """What framing reads of a film (animation_frames.RunFilm): the points and the path."""

    @property
    def x(self) -> np.ndarray: ...
    @property
    def y(self) -> np.ndarray: ...
    @property
    def weights(self) -> np.ndarray: ...
    @property
    def biases(self) -> np.ndarray: ...
    @property
    def moments(self) -> Moments: ...
    @property
    def coefficients(self) -> np.ndarray | None: ...
    @property
    def shaded(self) -> bool: ...

PADDING = 0.12

def data_view(film: RunFilm) -> tuple[tuple[float, float], tuple[float, float]]:
    """The points and the start and end lines over them (nn.Linear's first guess often lies far below the
    points; a line that ran far off is left out), with a margin; without points, those lines over [0, 1]."""
    if film.x.size:
        xs, ys = film.x, film.y
        ends = np.array([xs.min(), xs.max()])
        if film.coefficients is not None:  # the first and last polynomials across the points
            ends = np.linspace(xs.min(), xs.max(), 50)
            with np.errstate(over="ignore", invalid="ignore"):
                lines = np.concatenate([np.polyval(film.coefficients[i][::-1], ends) for i in (0, -1)])
        else:
            lines = np.concatenate([film.weights[[0, -1]][:, None] * ends + film.biases[[0, -1]][:, None]]).ravel()
        reach = 3 * max(float(np.ptp(ys)), 1e-9)
        near = np.isfinite(lines) & (lines > ys.min() - reach) & (lines < ys.max() + reach)
        ys = np.concatenate([ys, lines[near]])
    else:
        xs = np.array([0.0, 1.0])
        ys = np.concatenate([film.biases[[0, -1]], film.weights[[0, -1]] + film.biases[[0, -1]]])
    return padded(xs), padded(ys[np.isfinite(ys)] if np.isfinite(ys).any() else np.array([0.0, 1.0]))


def landscape_view(film: RunFilm, optimum: LeastSquaresFit | None) -> tuple[tuple[float, float], ...]:
    """Frame the optimum and the path, leaving out where a diverging path has run far off."""
    w, b = film.weights, film.biases
    finite = np.isfinite(w) & np.isfinite(b)
    w, b = w[finite], b[finite]
    ws, bs = [float(v) for v in w[:1]], [float(v) for v in b[:1]]
    if w.size and film.moments.n and film.shaded:  # the MSE of a line tells how far off a path ran
        w, b, _ = framed_points(w, b, film.moments, optimum.loss if optimum else 0.0)
    if w.size:
        ws += [float(w.min()), float(w.max())]
        bs += [float(b.min()), float(b.max())]
    if optimum is not None:
        ws.append(optimum.weight)
        bs.append(optimum.bias)
    return padded(np.array(ws or [-1.0, 1.0])), padded(np.array(bs or [-1.0, 1.0]))


def padded(values: np.ndarray) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    span = max(high - low, 0.1 * max(abs(low), abs(high)), 1e-6)
    middle = (low + high) / 2
    half = span * (0.5 + PADDING)
    return middle - half, middle + half
