"""Exact reference implementation of fixpt's rounding and overflow rules.

Written on Python ints and fractions.Fraction only, independently of the C
core (it works in the "floor + fraction" domain where the C engine works on
sign and magnitude), so agreement between the two is evidence of both.
"""
from __future__ import annotations

from fractions import Fraction

from fixpt.formats import FixedFormat

SR_BITS = 52
_M64 = (1 << 64) - 1


def _mix64(z: int) -> int:
    """The SplitMix64 finaliser (documented in docs/conversion.md), on Python ints."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def random_word(seed: int, stream: int, index: int) -> int:
    """The 64-bit random word of element ``index``: the documented formula, written again
    here so that stochastic expectations never come from the C generator under test."""
    key = _mix64(seed ^ _mix64(stream ^ 0x6A09E667F3BCC909))
    return _mix64((key + (index + 1) * 0x9E3779B97F4A7C15) & _M64)


def round_to_int(v: Fraction, mode: str, word: int = 0) -> int:
    """Round the exact value v to an integer; ``word`` is the 64-bit random word."""
    v = Fraction(v)
    return round_ratio(v.numerator, v.denominator, mode, word)


def round_ratio(top: int, bottom: int, mode: str, word: int = 0) -> int:
    """top / bottom (bottom > 0) rounded to an integer, on ints only (the exhaustive float
    tests call it millions of times); ``word`` is the 64-bit random word."""
    lo, rest = divmod(top, bottom)
    if rest == 0:
        return lo
    hi = lo + 1
    positive = top > 0
    if mode.startswith("nearest"):
        twice = 2 * rest
        if twice != bottom:
            return hi if twice > bottom else lo
        return {"nearest_even": lo if lo % 2 == 0 else hi, "nearest_away": hi if positive else lo,
                "nearest_zero": lo if positive else hi, "nearest_up": hi,
                "nearest_down": lo}[mode]
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
    if mode == "stochastic":  # up when u < frac * 2**52
        return hi if (word >> 12) * bottom < rest << 52 else lo
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


def mac_sum(avals, bvals, fa: FixedFormat, fb: FixedFormat, acc: FixedFormat, acc_overflow: str,
            product=None, product_rounding: str = "nearest_even", word_index: int = 0,
            seed: int = 0):
    """The MAC model step by step, in order k = 0..K-1: exact product, optional narrowing
    (rounded with the product stream's words, saturated), alignment to the accumulator's
    binary point, addition and the accumulator's overflow mode; returns (acc raw, overflowed)."""
    exact_fl = fa.fl + fb.fl
    prod_fl = product.fl if product else exact_fl
    s, overflowed = 0, False
    for kk, (x, y) in enumerate(zip(avals, bvals)):
        p = int(x) * int(y)
        if product is not None:
            word = random_word(seed, 1, word_index + kk)
            p = round_to_int(Fraction(p, 2 ** (exact_fl - prod_fl)), product_rounding, word)
            p = min(max(p, product.raw_min), product.raw_max)
        s += p << (acc.fl - prod_fl)
        mode = "saturate" if acc_overflow == "raise" else acc_overflow
        s, flag = apply_overflow(s, acc, mode)
        overflowed |= flag != 0
    return s, overflowed
