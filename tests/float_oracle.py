"""Exact reference for binary float formats, on Python ints and Fractions only.

Independent of the C core: encodings are decoded from their fields by the
textbook formula, and rounding works on the exact rational value.
"""
from __future__ import annotations

import math
from fractions import Fraction

from fixpt import FloatFormat
from oracle import round_to_int

TOWARD_ZERO_ON_OVERFLOW = {"toward_zero", "odd"}


def emin(fmt: FloatFormat) -> int:
    """Exponent of the smallest normal value, from the bias field (field 0 is a normal
    binade in a format without zero)."""
    return (1 if fmt.has_zero else 0) - fmt.bias


def largest(fmt: FloatFormat) -> Fraction:
    """The largest finite value, from the encoding rules alone: IEEE reserves the all-ones
    exponent; "fn" only the all-ones pattern; "fnuz" and "none" nothing (the NaN of fnuz is
    the -0 pattern)."""
    E, M = fmt.exp_bits, fmt.man_bits
    ones = (1 << E) - 1
    if fmt.inf_nan == "ieee":
        field, man = ones - 1, (1 << M) - 1
    elif fmt.inf_nan == "fn":
        field, man = ones, (1 << M) - 2
    else:
        field, man = ones, (1 << M) - 1
    if man < 0:  # fn with M = 0: the all-ones exponent is NaN only
        field, man = ones - 1, 0
    return Fraction((1 << M) | man) * Fraction(2) ** (field - fmt.bias - M)


def decode(b: int, fmt: FloatFormat):
    """(class name, sign, value) of one encoding; value is a Fraction, inf or nan."""
    E, M = fmt.exp_bits, fmt.man_bits
    sign = b >> (E + M) if fmt.signed else 0
    field = (b >> M) & ((1 << E) - 1)
    man = b & ((1 << M) - 1)
    ones = (1 << E) - 1
    if fmt.inf_nan == "ieee" and field == ones:
        if man == 0:
            return "inf", sign, -math.inf if sign else math.inf
        return ("quiet_nan" if man >> (M - 1) else "signaling_nan"), sign, math.nan
    if fmt.inf_nan == "fn" and field == ones and man == (1 << M) - 1:
        return "quiet_nan", sign, math.nan
    if fmt.inf_nan == "fnuz" and b == 1 << (E + M):
        return "quiet_nan", sign, math.nan
    if field == 0 and fmt.has_zero:
        value = Fraction(man) * Fraction(2) ** (emin(fmt) - M)
        cls = "zero" if man == 0 else "subnormal"
    else:
        value = Fraction((1 << M) | man) * Fraction(2) ** (field - fmt.bias - M)
        cls = "normal"
    return cls, sign, -value if sign else value


def finite_values(fmt: FloatFormat) -> list[Fraction]:
    """Sorted distinct finite values that the format's rounding can produce."""
    out = set()
    for b in range(1 << fmt.width):
        cls, _, v = decode(b, fmt)
        if cls in ("zero", "normal") or (cls == "subnormal" and fmt.subnormals):
            out.add(v)
    return sorted(out)


def _exponent(v: Fraction) -> int:
    """floor(log2 |v|) for v != 0."""
    v = abs(v)
    e = v.numerator.bit_length() - v.denominator.bit_length()
    if Fraction(2) ** e > v:
        e -= 1
    return e


def overflow_result(fmt: FloatFormat, negative: bool, mode: str):
    toward_zero = (mode in TOWARD_ZERO_ON_OVERFLOW or (mode == "floor" and not negative)
                   or (mode == "ceil" and negative))
    if toward_zero or fmt.overflow == "saturate":
        big = largest(fmt)
        return -big if negative else big
    if fmt.overflow == "inf":
        return -math.inf if negative else math.inf
    return math.nan


def round_value(x, fmt: FloatFormat, mode: str, word: int = 0):
    """Exact result of rounding x (a float64, or an exact Fraction) into fmt:
    (value, negative-zero flag)."""
    if isinstance(x, float) and math.isnan(x):
        return math.nan, False
    negative = (math.copysign(1.0, x) < 0) if isinstance(x, float) else x < 0
    if isinstance(x, float) and math.isinf(x):
        if fmt.inf_nan == "ieee":
            return x, False
        if fmt.overflow == "saturate":
            return (-largest(fmt) if negative else largest(fmt)), False
        return math.nan, False
    v = Fraction(x)
    if v == 0:
        return Fraction(0), negative and fmt.inf_nan != "fnuz"
    e = _exponent(v)
    if e >= emin(fmt):
        q = e - fmt.man_bits
    else:
        q = emin(fmt) - fmt.man_bits if fmt.subnormals else emin(fmt)
    n = round_to_int(v / Fraction(2) ** q, mode, word)
    result = n * Fraction(2) ** q
    if abs(result) > largest(fmt):
        return overflow_result(fmt, negative, mode), False
    return result, result == 0 and negative and fmt.inf_nan != "fnuz"


def significand_is_even(v, fmt: FloatFormat) -> bool:
    """Is the last significand digit (hidden bit included) of the format value v even?
    From the value alone: v = N * 2**q with q the quantum of v's binade (of the subnormals
    below emin), and N's parity."""
    v = abs(Fraction(v))
    if v == 0:
        return True
    e = _exponent(v)
    q = e - fmt.man_bits if e >= emin(fmt) else emin(fmt) - fmt.man_bits
    n = v / Fraction(2) ** q
    assert n.denominator == 1, f"{v} is not a value of {fmt!r}"
    return n.numerator % 2 == 0
