"""How the landscape draws the runs: each run's dot style and its path thinned to what the screen shows."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor, QPen

from gui.kit import plot_style
from gui.session.run_history import Run

_dot_styles: dict[tuple[int, bool], tuple[QPen, QBrush]] = {}


def dot_style(colour: QColor, live: bool) -> tuple[QPen, QBrush]:
    """A live run's dot: filled in its colour with a dark rim; an ended run's: a ring in its colour. Built
    once per colour (a new pen per dot per frame costs more than drawing it)."""
    key = (colour.rgba(), live)
    if key not in _dot_styles:
        _dot_styles[key] = ((pg.mkPen("#000000", width=1.5), pg.mkBrush(colour)) if live
                            else (pg.mkPen(colour, width=2), plot_style.OPTIMUM_BRUSH))
    return _dot_styles[key]


def on_screen_path(w: np.ndarray, b: np.ndarray, pixel: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """The path as the screen can show it: of consecutive points in the same pixel only the first is kept
    (and always the last point). A converging run piles thousands of steps into a few pixels; drawing each
    made the landscape the slowest view while a run played."""
    px, py = pixel
    if w.size <= 64 or not (px > 0 and py > 0 and math.isfinite(px) and math.isfinite(py)):
        return w, b
    with np.errstate(invalid="ignore", over="ignore"):
        cells_w, cells_b = np.floor(w / px), np.floor(b / py)
    keep = np.ones(w.size, dtype=bool)
    keep[1:] = (cells_w[1:] != cells_w[:-1]) | (cells_b[1:] != cells_b[:-1])
    keep[-1] = True
    return w[keep], b[keep]


def path_arrays(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """The run's path (w, b), starting from its initial values where known."""
    _, weights, biases = run.path.arrays()
    if run.initial is None:
        return weights, biases
    return np.concatenate([[run.initial[0]], weights]), np.concatenate([[run.initial[1]], biases])


def last_finite(run: Run) -> tuple[float, float] | None:
    """The run's latest finite (w, b): its newest point, unless that is not finite (a diverged run)."""
    latest = run.path.latest
    if latest is not None and math.isfinite(latest[1]) and math.isfinite(latest[2]):
        return float(latest[1]), float(latest[2])
    w, b = path_arrays(run)
    finite = np.flatnonzero(np.isfinite(w) & np.isfinite(b))
    return (float(w[finite[-1]]), float(b[finite[-1]])) if finite.size else None
