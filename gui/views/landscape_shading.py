"""How the landscape turns a loss grid into grey bands, and what its title says the shading is.

Shared by the (w, b) landscape and the polynomial's slice, so both read the same way: the log of the
loss above the grid's floor in BANDS steps (the bands read as contour lines), darker where it is lower.
"""

from __future__ import annotations

import numpy as np

from engine.analysis.loss_surface import Objective, Sample

BANDS = 18


def banded(losses: np.ndarray, floor: float | None = None) -> np.ndarray:
    """Each cell's band in [0, 1]: the log of its loss above `floor` (the grid's minimum when None)."""
    finite = losses[np.isfinite(losses)]
    if finite.size == 0:
        return np.zeros_like(losses)
    floor = float(finite.min()) if floor is None else floor
    with np.errstate(invalid="ignore"):
        excess = np.where(np.isfinite(losses), losses - floor, float(finite.max()) - floor)
    positive = excess[excess > 0]
    tiny = float(positive.min()) if positive.size else 1.0
    shade = np.log10(np.maximum(excess, tiny))
    low, high = float(shade.min()), float(shade.max())
    return np.floor((shade - low) / max(high - low, 1e-12) * (BANDS - 1e-9)) / (BANDS - 1)


def grey_bands() -> np.ndarray:
    """Light grey where the loss is high to mid grey at the valley floor: coloured paths stand out on it."""
    shade = np.linspace(105, 246, BANDS).astype(np.ubyte)
    return np.column_stack([shade, shade, np.minimum(shade + 8, 255)]).astype(np.ubyte)


def dark_grey_bands() -> np.ndarray:
    """The dark theme's: still darker where the loss is lower, from mid grey down to near-black, so the
    coloured paths, the white star and the light arrows stand out on it as they do on the light bands."""
    shade = np.linspace(14, 112, BANDS).astype(np.ubyte)
    return np.column_stack([shade, shade, np.minimum(shade + 8, 255)]).astype(np.ubyte)


def objective_text(objective: Objective) -> str:
    """"MAE", "Huber (δ = 0.75) + L2 penalty", …: the loss a shading shows."""
    text = "Huber" if objective.loss == "huber" else objective.loss.upper()
    if objective.loss == "huber":
        text += f" (δ = {objective.huber_delta:g})"
    penalties = [name for name, strength in (("L1", objective.l1), ("L2", objective.l2)) if strength > 0]
    if penalties:
        text += f" + {'/'.join(penalties)} penalty"
    return text


def sample_text(sample: Sample) -> str:
    """" over a sample of 20,000 of 1,000,000 points" when the shading is computed on a sample, else ""."""
    return f" over a sample of {sample.x.size:,} of {sample.total:,} points" if sample.sampled else ""
