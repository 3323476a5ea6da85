"""Exact reference for float arithmetic and the IEEE 754 flags, on Python ints and Fractions.

Independent of the C core: the exact result of each operation is a Fraction (a square root
is bracketed by integer square roots), IEEE 754-2019's rules for zeros, infinities and NaN
are written out case by case, and rounding is the textbook one on the exact value.
A result is (value, flags) where value is a float (every value of a format is a float64).
"""
from __future__ import annotations

import functools
import math
from fractions import Fraction

from fixpt import FloatFormat
from oracle import round_ratio

INEXACT, UNDERFLOW, OVERFLOW, INVALID, DIVIDE_BY_ZERO = 1, 2, 4, 8, 16
NAN = math.nan


def smallest_normal_exponent(fmt: FloatFormat) -> int:
    """From the bias and the zero rule: 1 - bias, or -bias when field 0 is a normal binade."""
    return (1 if fmt.has_zero else 0) - fmt.bias


@functools.lru_cache(maxsize=None)
def largest_value(fmt: FloatFormat) -> float:
    """The largest finite value from the encoding rules: IEEE reserves the all-ones exponent,
    fn the all-ones pattern, fnuz and none nothing."""
    E, M = fmt.exp_bits, fmt.man_bits
    ones = (1 << E) - 1
    if fmt.inf_nan == "ieee":
        field, man = ones - 1, (1 << M) - 1
    elif fmt.inf_nan == "fn":
        field, man = (ones, (1 << M) - 2) if M else (ones - 1, 0)
    else:
        field, man = ones, (1 << M) - 1
    return math.ldexp((1 << M) | man, field - fmt.bias - M)


def _exponent(v: Fraction) -> int:
    v = abs(v)
    e = v.numerator.bit_length() - v.denominator.bit_length()
    return e - 1 if Fraction(2) ** e > v else e


def _signed(value, negative: bool):
    return -value if negative else value


def nan_result(fmt: FloatFormat, flags: int):
    """A NaN result: in a format without NaN there is none (the caller raises)."""
    return NAN, flags | (0 if fmt.has_nan else INVALID)


def infinite_result(fmt: FloatFormat, negative: bool, flags: int = 0):
    """An exact infinity in fmt: inf, or what the overflow policy makes of it."""
    if negative and not fmt.signed:
        return NAN, flags | INVALID
    if fmt.has_inf:
        return _signed(math.inf, negative), flags
    if fmt.overflow == "saturate":
        return _signed(largest_value(fmt), negative), flags
    return NAN, flags


def zero_result(fmt: FloatFormat, negative: bool, flags: int = 0):
    if not fmt.has_zero:
        return NAN, flags | INVALID
    return (-0.0 if negative and fmt.signed and fmt.inf_nan != "fnuz" else 0.0), flags


def _quantum(e: int, fmt: FloatFormat) -> int:
    emin = smallest_normal_exponent(fmt)
    if e >= emin:
        return e - fmt.man_bits
    return emin - fmt.man_bits if fmt.subnormals else emin


def _scaled(num: int, den: int, q: int) -> tuple[int, int]:
    """num / den / 2**q as (top, bottom) integers."""
    return (num << -q, den) if q <= 0 else (num, den << q)


def round_exact(v, fmt: FloatFormat, mode: str, word: int = 0,
                tininess: str = "after", zero_negative: bool = False):
    """(value, flags) of the exact value v (a Fraction or an (num, den) pair) rounded once
    into fmt; zero_negative is the sign of an exact zero."""
    num, den = (v.numerator, v.denominator) if isinstance(v, Fraction) else v
    if num == 0:
        return zero_result(fmt, zero_negative)
    negative = num < 0
    if negative and not fmt.signed:
        return NAN, INVALID
    m = -num if negative else num
    e = m.bit_length() - den.bit_length()  # floor(log2(m / den)) is e or e - 1
    if (m << max(0, -e)) < (den << max(0, e)):
        e -= 1
    q = _quantum(e, fmt)
    top, bottom = _scaled(num, den, q)
    n = round_ratio(top, bottom, mode, word)
    flags = 0
    if top % bottom:
        flags |= INEXACT
        emin = smallest_normal_exponent(fmt)
        if tininess == "before":
            tiny = e < emin
        else:  # the rounding to the precision with an unbounded exponent stays below 2**emin
            wide = abs(round_ratio(*_scaled(num, den, e - fmt.man_bits), mode, word))
            tiny = e < emin and wide < 1 << (emin - e + fmt.man_bits)
        if tiny:
            flags |= UNDERFLOW
    try:
        result = math.ldexp(n, q)  # exact: every value of a format is a float64
    except OverflowError:
        result = math.copysign(math.inf, n)
    if abs(result) > largest_value(fmt):
        toward_zero = mode in ("toward_zero", "odd") or (mode == "floor" and not negative) or \
            (mode == "ceil" and negative)
        flags |= OVERFLOW | INEXACT
        if toward_zero or fmt.overflow == "saturate":
            return _signed(largest_value(fmt), negative), flags
        if fmt.overflow == "inf":
            return _signed(math.inf, negative), flags
        return NAN, flags
    if n == 0:
        if not fmt.has_zero:  # below half the smallest value: the smallest value
            return _signed(math.ldexp(1.0, smallest_normal_exponent(fmt)), negative), flags
        value, _ = zero_result(fmt, negative)
        return value, flags
    return result, flags


def _is_negative(x: float) -> bool:
    return math.copysign(1.0, x) < 0


def _sqrt_bracket(r: Fraction, fmt: FloatFormat) -> Fraction:
    """A Fraction that rounds like sqrt(r) in every mode: sqrt(r) itself when it is
    rational, else the midpoint of a bracket [s, s + 2**-K] far finer than the format's
    finest quantum times 2**-52 (so no rounding or stochastic threshold lies inside)."""
    K = fmt.man_bits - smallest_normal_exponent(fmt) + 120
    scaled = r * Fraction(4) ** K
    s = math.isqrt(scaled.numerator // scaled.denominator)
    if Fraction(s * s) == scaled:
        return Fraction(s, 2 ** K)
    return (Fraction(s) + Fraction(1, 2)) / 2 ** K


def operate(op: str, xs: list, fmt: FloatFormat, mode: str, word: int = 0, tininess: str = "after"):
    """(value, flags) of op on float operands xs (values of fmt), by IEEE 754-2019."""
    if op == "sub":
        xs = [xs[0], -xs[1]]
        op = "add"
    flags = 0
    if op == "fma" and ((math.isinf(xs[0]) and xs[1] == 0) or (xs[0] == 0 and math.isinf(xs[1]))):
        flags |= INVALID
    if any(math.isnan(x) for x in xs) or flags:
        return nan_result(fmt, flags)
    round_ = lambda v, zero_negative=False: round_exact(  # noqa: E731
        v, fmt, mode, word, tininess, zero_negative)
    floor_zero = mode == "floor"
    ratio = [x.as_integer_ratio() if math.isfinite(x) else None for x in xs]
    if op == "add":
        a, b = xs
        if math.isinf(a) or math.isinf(b):
            if math.isinf(a) and math.isinf(b) and a != b:
                return nan_result(fmt, INVALID)
            return infinite_result(fmt, _is_negative(a if math.isinf(a) else b))
        (n1, d1), (n2, d2) = ratio
        same = _is_negative(a) == _is_negative(b)
        return round_((n1 * d2 + n2 * d1, d1 * d2), _is_negative(a) if same else floor_zero)
    if op == "mul":
        a, b = xs
        negative = _is_negative(a) != _is_negative(b)
        if math.isinf(a) or math.isinf(b):
            if a == 0 or b == 0:
                return nan_result(fmt, INVALID)
            return infinite_result(fmt, negative)
        (n1, d1), (n2, d2) = ratio
        return round_((n1 * n2, d1 * d2), negative)
    if op == "div":
        a, b = xs
        negative = _is_negative(a) != _is_negative(b)
        if math.isinf(a):
            return nan_result(fmt, INVALID) if math.isinf(b) else infinite_result(fmt, negative)
        if math.isinf(b):
            return zero_result(fmt, negative)
        if b == 0:
            if a == 0:
                return nan_result(fmt, INVALID)
            return infinite_result(fmt, negative, DIVIDE_BY_ZERO)
        (n1, d1), (n2, d2) = ratio
        num, den = n1 * d2, d1 * n2
        return round_((-num, -den) if den < 0 else (num, den), negative)
    if op == "sqrt":
        (a,) = xs
        if a == 0:
            return zero_result(fmt, _is_negative(a))
        if a < 0:
            return nan_result(fmt, INVALID)
        if math.isinf(a):
            return infinite_result(fmt, False)
        return round_(_sqrt_bracket(Fraction(a), fmt))
    if op == "fma":
        a, b, c = xs
        negative = _is_negative(a) != _is_negative(b)
        if math.isinf(a) or math.isinf(b):
            if math.isinf(c) and _is_negative(c) != negative:
                return nan_result(fmt, INVALID)
            return infinite_result(fmt, negative)
        if math.isinf(c):
            return infinite_result(fmt, _is_negative(c))
        (n1, d1), (n2, d2), (n3, d3) = ratio
        same = negative == _is_negative(c)
        return round_((n1 * n2 * d3 + n3 * d1 * d2, d1 * d2 * d3), negative if same else floor_zero)
    raise ValueError(op)


def same_result(got: float, want) -> bool:
    """Bit-level agreement of values: NaN with NaN, and the sign of zero."""
    if isinstance(want, float) and math.isnan(want):
        return math.isnan(got)
    if want == 0:
        return got == 0 and _is_negative(got) == _is_negative(want)
    return got == want
