"""Exact values beyond float64: decimal strings, fractions, big integers, long doubles.

Such values are never rounded to float64 first (that would round twice). They travel to
the C engine in *parts*: a sign, a 128-bit magnitude and a power of two, holding enough bits
below the target's quantum for every rounding mode (the bits further down folded into a
sticky bit), so the engine rounds the exact value once.

Examples
--------
>>> parse_value("0.1")
Fraction(1, 10)
>>> parse_value("-1e-3"), parse_value("3/4"), parse_value(" inf ")
(Fraction(-1, 1000), Fraction(3, 4), inf)
"""
from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction
from typing import Union

import numpy as np

Exact = Union[Fraction, float]  # a Fraction, or a float NaN / +-inf / +-0

# Decimal exponents beyond these bounds are replaced by a stand-in that every format rounds
# the same way (see _decimal): every value of every format lies far inside them.
_HUGE_EXPONENT = 20000
_MAX_STRING = 100_000
_MAX_DIGITS = 4000               # below Python's int/str conversion limit
_HUGE = Fraction(2) ** 70000      # beyond every format; its scaled integers end in 64 zero bits
_TINY = Fraction(1, 2**70000)     # below half the quantum of every format, but not zero

_DECIMAL = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
            "+infinity": math.inf, "-infinity": -math.inf, "nan": math.nan, "+nan": math.nan,
            "-nan": -math.nan}


def _decimal(text: str) -> Fraction:
    """A decimal number string, exactly (huge or tiny exponents become stand-ins)."""
    match = _DECIMAL.fullmatch(text)
    if match is None or not (match[2] or match[3]):
        raise ValueError(text)
    sign = -1 if match[1] == "-" else 1
    whole, frac = match[2] or "", match[3] or ""
    significant = (whole + frac).lstrip("0")
    if not significant:
        return Fraction(0)  # the sign of a zero is the caller's
    if len(significant) > _MAX_DIGITS or len(match[4] or "") > 12:
        raise ValueError(text)
    digits = int(significant)
    k = int(match[4] or 0) - len(frac)           # value = digits * 10**k
    magnitude = k + len(significant)             # 10**(magnitude - 1) <= value < 10**magnitude
    if magnitude < -_HUGE_EXPONENT:
        return sign * _TINY
    if k > _HUGE_EXPONENT:
        return sign * _HUGE
    return sign * (Fraction(digits * 10**k) if k >= 0 else Fraction(digits, 10**-k))


def parse_string(text: str, argument: str = "values") -> Exact:
    """An exact value from a decimal string ('0.1', '-2.5e-3'), a ratio ('1/3'), 'inf' or 'nan'."""
    if len(text) > _MAX_STRING:
        raise ValueError(f"{argument}: a number string of {len(text)} characters is too long "
                         f"(at most {_MAX_STRING})")
    cleaned = text.strip().replace("_", "")
    lowered = cleaned.lower()
    if lowered in _SPECIAL:
        return _SPECIAL[lowered]
    try:
        if "/" in cleaned:
            num, den = cleaned.split("/")
            value = _decimal(num.strip()) / _decimal(den.strip())
        else:
            value = _decimal(cleaned)
        return -0.0 if value == 0 and cleaned.startswith("-") else value
    except (ValueError, ZeroDivisionError):
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise ValueError(f"{argument}: {shown!r} is not a decimal number (such as '0.1', '-2.5e-3', "
                         f"'1/3', 'inf' or 'nan') of at most {_MAX_DIGITS} significant "
                         f"digits") from None


def parse_value(item, argument: str = "values") -> Exact:
    """One real number as an exact Fraction (or a float NaN / +-inf); TypeError otherwise."""
    if isinstance(item, (bool, np.bool_)):
        return Fraction(int(item))
    if isinstance(item, (int, np.integer, Fraction)):
        return Fraction(int(item)) if not isinstance(item, Fraction) else item
    if isinstance(item, str):
        return parse_string(item, argument)
    if isinstance(item, (float, np.floating, Decimal)):
        if isinstance(item, Decimal) and not item.is_finite():
            return math.nan if item.is_nan() else (math.inf if item > 0 else -math.inf)
        if isinstance(item, (float, np.floating)) and (not np.isfinite(item) or item == 0):
            return float(item)  # NaN, +-inf and +-0 keep their sign as floats
        return Fraction(*item.as_integer_ratio()) if hasattr(item, "as_integer_ratio") \
            else Fraction(item)
    raise TypeError(f"{argument} must be real numbers (floats, integers, fractions or decimal "
                    f"strings), got {item!r} ({type(item).__name__})")


def parse_array(values, argument: str = "values") -> np.ndarray:
    """An object array (same shape) of exact values."""
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    out = np.empty(arr.shape, dtype=object)
    out.ravel()[:] = [parse_value(v, argument) for v in arr.ravel().tolist()]
    return out


class ExactArray:
    """An object array of exact values (Fractions, and floats for NaN, +-inf, +-0) that
    float64 cannot carry; conversions send it to C in parts."""

    __slots__ = ("values",)

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    @property
    def shape(self) -> tuple:
        return self.values.shape

    @property
    def size(self) -> int:
        return self.values.size

    def __getitem__(self, index):
        return self.values[index]


def _float_exact(item) -> bool:
    """Is this element held exactly by float64?"""
    if isinstance(item, (bool, np.bool_)):
        return True
    if isinstance(item, (int, np.integer)):
        return abs(int(item)) <= 1 << 53 or float(item) == int(item)
    return isinstance(item, (float, np.float16, np.float32, np.float64))


def classify(values, argument: str = "values"):
    """``values`` as a float64, int64 or uint64 array when that holds every value exactly,
    else as an ExactArray; TypeError for anything that is not a real number.

    Python and NumPy integers stay exact (never through float64); decimal strings, Fractions,
    Decimals and long doubles are read exactly.

    >>> classify([1, 2]).dtype, classify([0.5, 2]).dtype, type(classify([2**60 + 1, 0.5])).__name__
    (dtype('int64'), dtype('float64'), 'ExactArray')
    """
    if isinstance(values, (bool, np.bool_)):
        values = int(values)
    if isinstance(values, int):
        if -(1 << 63) <= values < (1 << 63):
            return np.asarray(values, dtype=np.int64)
        if 0 <= values < (1 << 64):
            return np.asarray(values, dtype=np.uint64)
        return ExactArray(parse_array(np.asarray(values, dtype=object), argument))
    if isinstance(values, (str, Fraction, Decimal)):
        return ExactArray(parse_array(np.asarray(values, dtype=object), argument))
    arr = np.asarray(values)
    if not isinstance(values, np.ndarray) and arr.dtype.kind in "US":
        # NumPy turns the numbers of a list mixed with strings into their repr strings: keep
        # the numbers themselves (a float's repr is not its exact value)
        arr = np.asarray(values, dtype=object)
    if not isinstance(values, np.ndarray) and arr.dtype.kind == "f" and arr.size:
        # a list NumPy turned into floats may have held integers beyond 2**53
        items = np.asarray(values, dtype=object).ravel().tolist()
        if not all(_float_exact(v) for v in items):
            return _classify_items(items, arr.shape, argument)
    kind = arr.dtype.kind
    if kind == "b":
        return arr.astype(np.int64)
    if kind == "i":
        return arr.astype(np.int64, copy=False)
    if kind == "u":
        return arr.astype(np.uint64, copy=False)
    if kind == "f":
        if arr.dtype.itemsize <= 8:
            return arr.astype(np.float64, copy=False)  # float16/32 -> float64 is exact
        as_double = arr.astype(np.float64)
        if np.array_equal(as_double.astype(arr.dtype), arr, equal_nan=True):
            return as_double
        return ExactArray(parse_array(arr, argument))
    if kind in "OUS":
        return _classify_items(arr.ravel().tolist(), arr.shape, argument)
    raise TypeError(f"{argument} must be real numbers (floats, integers, fractions or decimal "
                    f"strings), got dtype {arr.dtype}")


def _classify_items(items: list, shape: tuple, argument: str):
    ints = [v for v in items if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))]
    if len(ints) == len(items):
        ints = [int(v) for v in ints]
        if all(-(1 << 63) <= v < (1 << 63) for v in ints):
            return np.array(ints, dtype=np.int64).reshape(shape)
        if all(0 <= v < (1 << 64) for v in ints):
            return np.array(ints, dtype=np.uint64).reshape(shape)
    elif all(_float_exact(v) for v in items):
        return np.array([float(v) for v in items], dtype=np.float64).reshape(shape)
    out = np.empty(len(items), dtype=object)
    out[:] = [parse_value(v, argument) for v in items]
    return ExactArray(out.reshape(shape))


def integral_int64(values, argument: str = "values") -> np.ndarray:
    """Integral float64 values (already rounded) as int64, refusing NaN, inf and values
    beyond int64 with an error naming the argument, where ``astype(np.int64)`` would give an
    arbitrary integer.

    Parameters
    ----------
    values : array_like
        Integral floats.
    argument : str
        The name used in the error message.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ValueError
        NaN, inf or a value beyond int64.

    Examples
    --------
    >>> integral_int64(np.array([-3.0, 2.0**62])).tolist()
    [-3, 4611686018427387904]
    """
    arr = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(arr) | (arr < -(2.0**63)) | (arr >= 2.0**63)
    if np.any(bad):
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{argument}: {int(np.count_nonzero(bad))} element(s) are NaN, infinite or "
                         f"beyond int64 and have no integer image, first at index {first} "
                         f"(value {arr[first]!r})")
    return arr.astype(np.int64)


def _floor_log2(v: Fraction) -> int:
    """floor(log2 v) of a positive Fraction."""
    e = v.numerator.bit_length() - v.denominator.bit_length()
    return e if v >= Fraction(2) ** e else e - 1


def _empty_parts(shape: tuple) -> dict:
    return {"kind": np.zeros(shape, np.uint8), "neg": np.zeros(shape, np.uint8),
            "hi": np.zeros(shape, np.uint64), "lo": np.zeros(shape, np.uint64),
            "exp": np.zeros(shape, np.int64)}


def _set(parts: dict, i: int, v: Exact, magnitude_and_exp) -> None:
    if isinstance(v, float):  # NaN, +-inf or +-0
        parts["kind"].flat[i] = 2 if math.isnan(v) else (1 if math.isinf(v) else 0)
        parts["neg"].flat[i] = math.copysign(1.0, v) < 0
        return
    parts["neg"].flat[i] = v < 0
    m, e = magnitude_and_exp(abs(v))
    parts["hi"].flat[i] = m >> 64
    parts["lo"].flat[i] = m & ((1 << 64) - 1)
    parts["exp"].flat[i] = e


def parts_for_fixed(values: np.ndarray, fl: int) -> dict:
    """Parts for a cast into a fixed-point format with ``fl`` fraction bits.

    With t = |v| * 2**fl, I = floor(t): the magnitude holds I mod 2**64 (plus 2**64 when
    I >= 2**64, so the engine sees the overflow and wraps with the right low bits) and 63
    bits of t - I with a sticky bit: every mode rounds it as it rounds t.
    """
    def split(v: Fraction):
        t = v * Fraction(2) ** fl
        whole = t.numerator // t.denominator
        frac = t - whole
        low = (whole & ((1 << 64) - 1)) | ((1 << 64) if whole >> 64 else 0)
        scaled = frac * 2**63
        bits = scaled.numerator // scaled.denominator
        sticky = int(scaled.denominator != 1)
        return (low << 63) | bits | sticky, -63 - fl

    parts = _empty_parts(values.shape)
    for i, v in enumerate(values.ravel().tolist()):
        _set(parts, i, v, split)
    return parts


def parts_for_float(values: np.ndarray) -> dict:
    """Parts for rounding into a float format: the value rounded to odd at 126 bits (at
    least 73 bits below any format's last place: exact for every mode)."""
    def split(v: Fraction):
        if v == 0:
            return 0, 0
        e = _floor_log2(v) - 125
        scaled = v / Fraction(2) ** e
        m = scaled.numerator // scaled.denominator
        return m | int(scaled.denominator != 1), e

    parts = _empty_parts(values.shape)
    for i, v in enumerate(values.ravel().tolist()):
        _set(parts, i, v, split)
    return parts
