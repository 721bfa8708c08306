"""The hint under the learning rate: the largest stable rate and whether the chosen one is below it, or why
there is no such bound. Its colour is readable on the light and the dark theme."""

from __future__ import annotations

from engine.training.losses import LossSpec
from engine.training.optimizers import OptimizerSpec

VERDICT_LIGHT = {False: "#2e6b30", True: "#b00020"}  # stable green, too-large red
VERDICT_DARK = {False: "#8fd694", True: "#ff8080"}


def stable_rate_hint(stable: float | None, rate: float, optimizer: OptimizerSpec, loss: LossSpec, l1: float,
                     dark: bool) -> tuple[str, str]:
    """(text, style sheet) of the hint."""
    if stable is None:
        if not optimizer.has_fixed_bound:
            return f"{optimizer.description}: no fixed bound.", ""
        if not loss.has_fixed_bound:
            return f"{loss.label}: no fixed bound (its curvature changes).", ""
        if l1 > 0.0:
            return "L1 penalty: no fixed bound (|w| has no curvature to bound).", ""
        return "", ""
    too_large = rate > stable
    verdict = "too large" if too_large else "stable"  # short: two lines at the narrowest panel
    colour = (VERDICT_DARK if dark else VERDICT_LIGHT)[too_large]
    return f"Stable below {stable:.4g} — {rate:g} is {verdict}", f"color: {colour};"
