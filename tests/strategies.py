"""Hypothesis strategies shared by the tests."""
from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from fixpt import FixedFormat, OverflowMode, RoundMode

ROUNDINGS = [m.name.lower() for m in RoundMode]
OVERFLOWS = [m.name.lower() for m in OverflowMode]


@st.composite
def formats(draw, max_wl: int = 64, fl_range=(-70, 140)):
    wl = draw(st.integers(1, max_wl))
    fl = draw(st.integers(*fl_range))
    return FixedFormat(wl - fl, fl, draw(st.booleans()))


def _to_float(v: Fraction) -> float:
    try:
        return float(v)
    except OverflowError:
        return float("inf") if v > 0 else float("-inf")


@st.composite
def values_near(draw, fmt: FixedFormat):
    """A float64 near fmt's grid: on a point, at a tie, just off a tie, near a bound, or anywhere."""
    kind = draw(st.sampled_from(["grid", "grid", "bound", "any", "tiny"]))
    step = Fraction(2) ** -fmt.fl
    if kind == "grid":
        k = draw(st.integers(fmt.raw_min - 3, fmt.raw_max + 3))
        off = draw(st.sampled_from([Fraction(0), Fraction(1, 2), Fraction(1, 4), Fraction(3, 4)])
                   | st.fractions(0, 1, max_denominator=1 << 30))
        sign = draw(st.sampled_from([1, -1]))
        return _to_float((k + sign * off) * step)
    if kind == "bound":
        k = draw(st.sampled_from([fmt.raw_min, fmt.raw_max, -fmt.raw_max]))
        off = draw(st.sampled_from([Fraction(-1, 2), Fraction(1, 2), Fraction(-1), Fraction(1), 0]))
        return _to_float((k + off) * step)
    if kind == "tiny":
        return draw(st.sampled_from([5e-324, -5e-324, 2.2250738585072014e-308, -1e-310, 0.0, -0.0]))
    return draw(st.floats(allow_nan=False, allow_infinity=False))
