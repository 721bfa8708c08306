"""Numbers as the window shows them: short, signed with a real minus, never an exception, whatever the float."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gui.kit import number_format as fmt

ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
EDGES = (math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, -5e-324, -0.0, 0.0, 1.7976931348623157e308)


def read_back(text: str) -> float:
    """What a reader takes the text to mean."""
    return float(as_decimal(text))


def as_decimal(text: str) -> Decimal:
    """The text's value without rounding to a float ("1.8e+308" is past the largest float, not infinite)."""
    return Decimal(text.replace(fmt.MINUS, "-").replace(fmt.INFINITY, "Infinity").replace(fmt.MISSING, "NaN")
                   .replace(",", ""))


def close(text: str, value: float, rel: float) -> bool:
    """`text` reads as `value` to within `rel` (or within the smallest subnormal)."""
    error = abs(as_decimal(text) - Decimal(value))
    return error <= Decimal(rel) * abs(Decimal(value)) + Decimal(math.ulp(0.0))


@given(ANY_FLOAT, st.integers(min_value=1, max_value=8))
@example(1e308, 6)
@example(-5e-324, 6)
@example(-1.2345678901234567e-300, 8)
@example(-0.0, 6)
def test_a_number_is_short_and_reads_back_as_itself(value: float, digits: int) -> None:
    text = fmt.number(value, digits)
    assert len(text) <= fmt.MAX_WIDTH
    assert "-" not in text.split("e")[0], "a leading sign is the real minus, never a hyphen"
    back = read_back(text)
    if math.isnan(value):
        assert text == fmt.MISSING
    elif value == 0:
        assert text == "0"
    else:
        assert math.copysign(1, back) == math.copysign(1, value)
        assert math.isinf(value) or close(text, value, 10.0 ** (1 - min(digits, 5)))


@pytest.mark.parametrize(("value", "shown"), [
    (math.inf, "∞"), (-math.inf, "−∞"), (math.nan, "–"), (None, "–"), ("text", "–"), (10**400, "∞"),
    (-(10**400), "−∞"), (1e308, "1e+308"), (5e-324, "4.94066e-324"), (-5e-324, "−4.9407e-324"), (-0.0, "0"),
    (-90.7264, "−90.7264"), (0.05, "0.05"), (123456789.0, "1.23457e+08"), (4.4e-14, "4.4e-14"),
])
def test_edge_values_read_as_people_expect(value: object, shown: str) -> None:
    assert fmt.number(value) == shown  # type: ignore[arg-type]


@given(ANY_FLOAT, ANY_FLOAT)
def test_an_equation_always_has_one_operator_and_bounded_numbers(weight: float, bias: float) -> None:
    left, right = fmt.equation_terms(weight, bias)
    operator, magnitude = right.split(" ")
    assert left.startswith("y = ") and left.endswith("·x") and len(left) <= len("y = ·x") + fmt.MAX_WIDTH
    assert operator == ("−" if bias < 0 else "+")
    assert fmt.MINUS not in magnitude and len(magnitude) <= fmt.MAX_WIDTH
    assert fmt.equation(weight, bias) == f"{left} {right}"


def test_a_negative_bias_is_a_subtraction() -> None:
    assert fmt.equation(2.0, -90.7264) == "y = 2·x − 90.7264"
    assert fmt.equation(-1.5, 0.25) == "y = −1.5·x + 0.25"
    assert fmt.equation(1e300, -1e300) == "y = 1e+300·x − 1e+300"


@given(ANY_FLOAT)
@example(-3.2e29)
def test_r_squared_is_short_and_keeps_its_sign(value: float) -> None:
    text = fmt.r_squared(value)
    assert len(text) <= fmt.MAX_WIDTH
    if math.isfinite(value) and abs(value) >= 5e-7:
        assert math.copysign(1, read_back(text)) == math.copysign(1, value)


@pytest.mark.parametrize(("value", "shown"), [
    (0.99999912, "0.999999"), (1.0, "1.000000"), (-0.5, "−0.500000"), (-999.5, "−999.500000"),
    (-3.2e29, "−3.2e+29"), (-1e-9, "0.000000"), (math.nan, "–"), (-math.inf, "−∞"),
])
def test_r_squared_has_six_decimals_until_the_fit_is_hopeless(value: float, shown: str) -> None:
    assert fmt.r_squared(value) == shown


@example(-100_000_000_000.0)  # a minus sign made a count one character too wide
@example(999_999_999_999.6)  # and so did rounding up to a thirteenth digit
@given(ANY_FLOAT)
def test_gaps_have_three_digits_and_counts_separators(value: float) -> None:
    assert len(fmt.gap(value)) <= fmt.MAX_WIDTH and len(fmt.count(value)) <= fmt.MAX_WIDTH + 3
    if math.isfinite(value) and value != 0:
        assert close(fmt.gap(value), value, 5e-3)


def test_counts_and_gaps_as_shown_in_the_panel() -> None:
    assert fmt.count(81234.4) == "81,234" and fmt.count(math.inf) == "∞" and fmt.count(-0.2) == "0"
    assert fmt.count(3e15) == "3e+15"
    assert fmt.gap(0.000123456) == "0.000123" and fmt.gap(-1.23456e14) == "−1.23e+14"


def tick_reads_as(label: str) -> float:
    if "10" in label and any(digit in label for digit in "⁰¹²³⁴⁵⁶⁷⁸⁹"):
        mantissa, _, power = label.rpartition("10")
        return float(mantissa.rstrip("·") or 1) * 10.0 ** int(power.translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻",
                                                                                             "0123456789-")))
    return float(label)


@given(st.integers(min_value=-320, max_value=300), st.integers(min_value=1, max_value=9))
def test_a_log_tick_reads_as_the_loss_it_marks(power: int, leading: int) -> None:
    exponent = power + math.log10(leading)
    label = fmt.log_tick(exponent)
    assert len(label) <= 8 and "e" not in label and "x" not in label
    assert tick_reads_as(label) == pytest.approx(leading * 10.0**power, rel=1e-9)


@pytest.mark.parametrize(("exponent", "label"), [
    (0, "1"), (3, "1000"), (4, "10⁴"), (-3, "0.001"), (-4, "10⁻⁴"), (-14, "10⁻¹⁴"), (30, "10³⁰"),
    (math.log10(2e30), "2·10³⁰"), (math.log10(0.05), "0.05"), (math.nan, "–"), (math.inf, "∞"), (-1e6, "0"),
])
def test_log_ticks_as_people_write_them(exponent: float, label: str) -> None:
    assert fmt.log_tick(exponent) == label
