"""Numbers as people read them, in one place: the panel, the status line, the runs table and the landscape
all show the same value the same way.

A diverged run hands the window weights of 1e+14 and an R² of −3e+29; a plain f-string prints those as
30-digit integers that push the panel wider than the window, and a negative bias as "+ -90.7". Here every
number has a bounded width (MAX_WIDTH characters), a real minus sign, and words or symbols for the values
that are not numbers; nothing here raises, whatever it is handed.
"""

from __future__ import annotations

import math
from typing import SupportsFloat

MINUS = "−"  # U+2212: the sign the app already prints; a hyphen is too short beside digits
INFINITY = "∞"
MISSING = "–"  # not a number (nan), or no value at all
MAX_WIDTH = 12  # characters of one number, its sign included
RESULT_DIGITS = 6  # significant digits of a trained weight, bias or loss
GAP_DIGITS = 3  # significant digits of a distance to the exact answer
R_SQUARED_FLOOR = -1000.0  # below it R² is shown in scientific notation: a fit that bad has no useful decimals


def number(value: SupportsFloat | None, digits: int = RESULT_DIGITS) -> str:
    """`value` to `digits` significant digits (fewer when that is needed to stay within MAX_WIDTH)."""
    real = _as_float(value)
    if real is None or math.isnan(real):
        return MISSING
    sign = MINUS if real < 0 else ""
    if math.isinf(real):
        return sign + INFINITY
    if real == 0:
        return "0"  # −0 means nothing to a reader
    magnitude = abs(real)
    text = ""
    for places in range(max(1, min(int(digits), 17)), 0, -1):
        text = f"{magnitude:.{places}g}"
        if len(sign) + len(text) <= MAX_WIDTH:
            break
    return sign + text


def gap(value: SupportsFloat | None) -> str:
    """A distance or a difference: three significant digits say how close; more would be noise."""
    return number(value, GAP_DIGITS)


def signed_term(value: SupportsFloat | None, digits: int = RESULT_DIGITS) -> tuple[str, str]:
    """The operator and magnitude of a term written after another: (−, 90.7264) for −90.7264."""
    real = _as_float(value)
    if real is not None and real < 0:
        return MINUS, number(-real, digits)
    return "+", number(real, digits)


def equation_terms(weight: SupportsFloat | None, bias: SupportsFloat | None,
                   digits: int = RESULT_DIGITS) -> tuple[str, str]:
    """("y = w·x", "± b"): the two halves of the line, for a label that may break between them."""
    sign, magnitude = signed_term(bias, digits)
    return f"y = {number(weight, digits)}·x", f"{sign} {magnitude}"


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def polynomial_terms(coefficients: tuple[float, ...] | list[float], digits: int = 4) -> list[str]:
    """["y = 0.5·x³", "− 2·x", "+ 1"]: highest power first, zero terms left out, each term one piece a label
    may break between (never inside)."""
    terms: list[str] = []
    for power in range(len(coefficients) - 1, -1, -1):
        value = float(coefficients[power])
        if value == 0.0 and (terms or power):
            continue
        variable = "" if power == 0 else "·x" if power == 1 else "·x" + str(power).translate(_SUPERSCRIPTS)
        if not terms:
            terms.append(f"y = {number(value, digits)}{variable}")
        else:
            sign, magnitude = signed_term(value, digits)
            terms.append(f"{sign} {magnitude}{variable}")
    return terms or ["y = 0"]


def equation(weight: SupportsFloat | None, bias: SupportsFloat | None, digits: int = RESULT_DIGITS) -> str:
    """"y = 2·x − 90.7264": a negative bias reads as a subtraction, never "+ -90.7264"."""
    return " ".join(equation_terms(weight, bias, digits))


def r_squared(value: SupportsFloat | None) -> str:
    """Six decimals while R² means something (1 is a perfect fit, 0 no better than the mean); scientific
    notation below R_SQUARED_FLOOR, where a diverged line's R² would otherwise print as a 30-digit integer."""
    real = _as_float(value)
    if real is None or not math.isfinite(real):
        return number(real)
    if not R_SQUARED_FLOOR <= real <= -R_SQUARED_FLOOR:  # above 1 only by rounding: bounded all the same
        return number(real, 2)
    text = f"{abs(real):.6f}"
    return (MINUS if real < 0 and text.strip("0.") else "") + text


def count(value: SupportsFloat | None) -> str:
    """A count or a rate, with thousands separators ("81,234"); too large a one in scientific notation."""
    real = _as_float(value)
    if real is None or not math.isfinite(real) or abs(real) >= 1e12:
        return number(real, 3)
    text = (MINUS if real < 0 and f"{abs(real):,.0f}" != "0" else "") + f"{abs(real):,.0f}"
    # A sign or rounding up (999,999,999,999.6) can push it past the width a column gives a count.
    return text if len(text) <= MAX_WIDTH + 3 else number(real, 3)


def log_tick(exponent: SupportsFloat | None) -> str:
    """The label of a log axis's tick at 10**exponent: 0.001 to 1000 as plain numbers ("0.01", "200"), the
    rest as powers of ten ("10⁻¹⁴", "2·10³⁰"); never a factor pulled out of the axis."""
    real = _as_float(exponent)
    if real is None or math.isnan(real):
        return MISSING
    if abs(real) >= 10_000:  # far past any float: a view zoomed out beyond all reason
        return INFINITY if real > 0 else "0"
    power = math.floor(real + 1e-9)
    leading = round(10.0 ** (real - power))  # a decade (1) or a minor tick (2…9)
    if leading >= 10:
        power, leading = power + 1, 1
    if -3 <= power <= 3:
        return str(leading * 10**power) if power >= 0 else f"{leading * 10.0**power:.{-power}f}"
    sign = "⁻" if power < 0 else ""
    digits = str(abs(power)).translate(_SUPERSCRIPT)
    return f"{'' if leading == 1 else f'{leading}·'}10{sign}{digits}"


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _as_float(value: SupportsFloat | None) -> float | None:
    """float(value), or None for what is not a number at all; an int too large for a float is ±inf."""
    if value is None:
        return None
    try:
        return float(value)
    except OverflowError:
        return (math.inf if value > 0 else -math.inf) if isinstance(value, int) else None
    except (TypeError, ValueError):
        return None
