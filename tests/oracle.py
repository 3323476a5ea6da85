"""Exact reference implementation of fixpt's rounding and overflow rules.

Written on Python ints and fractions.Fraction only, independently of the C
core (it works in the "floor + fraction" domain where the C engine works on
sign and magnitude), so agreement between the two is evidence of both.
"""
from __future__ import annotations

import math
from fractions import Fraction

from fixpt.formats import FixedFormat

SR_BITS = 52


def round_to_int(v: Fraction, mode: str, word: int = 0) -> int:
    """Round the exact value v to an integer; ``word`` is the 64-bit random word."""
    lo = math.floor(v)
    frac = v - lo
    if frac == 0:
        return lo
    hi = lo + 1
    half = Fraction(1, 2)
    positive = v > 0
    if mode.startswith("nearest"):
        if frac < half:
            return lo
        if frac > half:
            return hi
        tie = {
            "nearest_even": lo if lo % 2 == 0 else hi,
            "nearest_away": hi if positive else lo,
            "nearest_zero": lo if positive else hi,
            "nearest_up": hi,
            "nearest_down": lo,
        }
        return tie[mode]
    if mode == "floor":
        return lo
    if mode == "ceil":
        return hi
    if mode == "toward_zero":
        return lo if positive else hi
    if mode == "away_from_zero":
        return hi if positive else lo
    if mode == "odd":
        return lo if lo % 2 else hi
    if mode == "stochastic":
        return hi if Fraction(word >> (64 - SR_BITS)) < frac * 2**SR_BITS else lo
    if mode == "stochastic_equal":
        return hi if word >> 63 else lo
    raise ValueError(mode)


def apply_overflow(n: int, fmt: FixedFormat, mode: str) -> tuple[int, int]:
    """Return (raw, overflow) with overflow = +1 / -1 / 0."""
    hi = fmt.raw_max
    lo = -fmt.raw_max if (mode == "saturate_symmetric" and fmt.signed) else fmt.raw_min
    if lo <= n <= hi:
        return n, 0
    flag = 1 if n > hi else -1
    if mode in ("saturate", "saturate_symmetric", "raise"):
        return (hi if flag > 0 else lo), flag
    if mode == "saturate_zero":
        return 0, flag
    if mode == "wrap":
        w = n % (1 << fmt.wl)
        if fmt.signed and w >= 1 << (fmt.wl - 1):
            w -= 1 << fmt.wl
        return w, flag
    raise ValueError(mode)


def cast_value(v: Fraction, fmt: FixedFormat, rounding: str, overflow: str, word: int = 0):
    """Exact raw result of casting the real value v to fmt: (raw, overflow flag)."""
    scaled = v * Fraction(2) ** fmt.fl
    return apply_overflow(round_to_int(scaled, rounding, word), fmt, overflow)
