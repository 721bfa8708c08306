"""A point placed with the mouse is only as precise as a pixel: a click at x = 2.50139286 means "2.50" on a
plot where a pixel spans 0.01. Rounding it there keeps the table readable (no "2.501392857…" cut off)
and says no more than the user could aim."""

from __future__ import annotations

import math


def decimals_for(pixel_size: float) -> int:
    """The fewest decimals that still tell neighbouring pixels apart (one pixel = `pixel_size` data units)."""
    if not math.isfinite(pixel_size) or pixel_size <= 0:
        return 15  # no known resolution: keep what a double holds
    return max(0, math.ceil(-math.log10(pixel_size)))


def round_to_pixel(value: float, pixel_size: float) -> float:
    """`value` rounded to the decimals a pixel resolves."""
    return round(value, decimals_for(pixel_size))
