"""Operations on FixedArrays: exact arithmetic, comparisons, joins and reductions.

Every function takes FixedArrays or plain numbers/arrays (converted exactly to the
smallest format that holds them).  Arithmetic runs in the C core (fixpt.arith);
this module owns shapes and formats.

Examples
--------
>>> import fixpt
>>> a = fixpt.array([1.5, -0.25], "Q4.4")
>>> fixpt.add(a, 0.125).tolist(), fixpt.add(a, 0.125).format
([1.625, -0.125], Q(5,4))
>>> fixpt.divide(fixpt.array(1.0, "Q4.4"), fixpt.array(3.0, "Q4.4"), "Q2.8").tolist()
0.33203125
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Optional, Sequence

import numpy as np

from fixpt.base.checks import check_int, normalize_axis
from fixpt.convert.exact import ExactArray, classify
from fixpt.convert.fixed import to_raw
from fixpt.convert.rng import SeedLike
from fixpt.fixed import arith, recording
from fixpt.fixed.arrays import FixedArray, dtype_format, from_numpy
from fixpt.formats import FixedFormat, FormatLike, OverflowLike, RoundLike


# --- operands ----------------------------------------------------------------------

def _fraction_bits(v: Fraction) -> int:
    """Fraction bits a dyadic rational needs (ValueError if it is not dyadic)."""
    den = v.denominator
    if den & (den - 1):
        raise ValueError(f"{v} has no exact fixed-point format (its denominator {den} is not a "
                         f"power of two); convert it with fixpt.array(values, fmt)")
    return den.bit_length() - 1


def exact_format_of(values) -> FixedFormat:
    """The smallest format that holds every value exactly.

    Parameters
    ----------
    values : array_like
        Integers, finite floats, or dyadic fractions (read exactly).

    Returns
    -------
    FixedFormat

    Raises
    ------
    ValueError
        NaN or inf, a non-dyadic fraction, or values that need more than 64 bits.

    Examples
    --------
    >>> exact_format_of([0.5, 3.0]), exact_format_of(-3), exact_format_of([0.1]), exact_format_of(-2**63)
    (UQ(2,1), Q(3,0), UQ(-3,55), Q(64,0))
    """
    arr = classify(values)
    if isinstance(arr, ExactArray):
        items = arr.values.ravel().tolist()
        if any(isinstance(v, float) and not np.isfinite(v) for v in items):
            raise ValueError("NaN and inf have no exact fixed-point format")
        exact = [Fraction(v) for v in items]
        fl = max([_fraction_bits(v) for v in exact if v != 0], default=0)
    elif arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError("NaN and inf have no exact fixed-point format")
        nonzero = arr[arr != 0]
        if nonzero.size:
            mant, exp = np.frexp(nonzero)
            m = np.abs((mant * 2.0**53).astype(np.int64))
            trailing = np.log2((m & -m).astype(np.float64)).astype(np.int64)
            fl = int(np.max(53 - exp.astype(np.int64) - trailing))
        else:
            fl = 0
        exact = [Fraction(float(arr.min())), Fraction(float(arr.max()))] if arr.size else []
    else:
        fl = 0
        exact = [Fraction(int(arr.min())), Fraction(int(arr.max()))] if arr.size else []
    scaled = [int(v * Fraction(2) ** fl) for v in exact]  # exact: fl fraction bits suffice
    lo, hi = min(scaled, default=0), max(scaled, default=0)
    signed = lo < 0
    # two's complement holds [-2**(w-1), 2**(w-1) - 1]; unsigned [0, 2**w - 1]
    wl = max(max(hi, 0).bit_length(), (-lo - 1).bit_length()) + 1 if signed else hi.bit_length()
    wl = max(wl, 1)
    if wl > 64:
        raise ValueError(
            f"values need {wl} bits to be held exactly in fixed point (more than 64); "
            f"convert them with fixpt.array(values, fmt) first")
    return FixedFormat(wl - fl, fl, signed)


def as_fixed(x) -> FixedArray:
    """x itself if it is a FixedArray, else x converted exactly (see :func:`exact_format_of`).

    Parameters
    ----------
    x : FixedArray or array_like

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> as_fixed([0.75, -2]).format
    Q(2,2)
    """
    if isinstance(x, FixedArray):
        return x
    if isinstance(x, np.ndarray) and dtype_format(x.dtype) is not None:
        return from_numpy(x)
    fmt = exact_format_of(x)
    raw, _ = to_raw(x, fmt)
    return FixedArray(raw, fmt)


def _finish(op: str, raw, fmt, status, return_status: bool):
    result = FixedArray(raw, fmt)
    recording.note(op, status, result.to_float() if recording.is_recording() else None)
    return (result, status) if return_status else result


def _weak_operand(x, partner: FixedArray, op: str) -> FixedArray:
    """An operand beside a FixedArray in an exact-growth operation (NEP 50's rule): a Python
    number is weak (read exactly; it may not need more fraction bits than the array has), a
    float array needs an explicit conversion, integer arrays are exact."""
    if isinstance(x, FixedArray):
        return x
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"fixpt: {op} with a bool; use 0 or 1")
    scalar = isinstance(x, (int, float, Fraction, np.integer, np.floating)) or \
        (isinstance(x, np.ndarray) and x.ndim == 0)
    if not scalar:
        kind = np.asarray(x).dtype.kind if not isinstance(x, str) else "U"
        if kind not in "iub":
            raise TypeError(
                f"fixpt: {op} of a FixedArray and an array of {np.asarray(x).dtype} has no exact "
                f"format to grow into; convert it first (fixpt.array(y, fmt)) or give the result "
                f"format (fixpt.{op}(x, y, out_format, rounding=...))")
        return as_fixed(x)
    fixed = as_fixed(x)
    if fixed.format.fl > partner.format.fl:
        raise ValueError(
            f"fixpt: {x!r} needs {fixed.format.fl} fraction bits, more than {partner.format!r} has; "
            f"convert it first (fixpt.array({x!r}, {partner.format!r}) rounds it) or give the result "
            f"format (fixpt.{op}(x, {x!r}, out_format, rounding=...))")
    return fixed


def _binary(op: str, a, b, out_format, rounding, overflow, seed, return_status):
    if out_format is None and (isinstance(a, FixedArray) or isinstance(b, FixedArray)):
        if isinstance(a, FixedArray):
            b = _weak_operand(b, a, op)
        else:
            a = _weak_operand(a, b, op)
    a, b = as_fixed(a), as_fixed(b)
    raw, fmt, status = arith.run(op, a.raw, a.format, b.raw, b.format, out_format,
                                 rounding=rounding, overflow=overflow, seed=seed, mask=return_status)
    return _finish(op, raw, fmt, status, return_status)


def add(a, b, out_format: Optional[FormatLike] = None, *, rounding: RoundLike = "nearest_even",
        overflow: OverflowLike = "saturate", seed: SeedLike = None, return_status: bool = False):
    """a + b, exact in Q(max(IL) + 1, max(FL)), or cast once into ``out_format``.

    Parameters
    ----------
    a, b : FixedArray or array_like
        Operands, broadcast like NumPy; plain numbers and arrays are converted exactly to the
        smallest format that holds them (see :func:`exact_format_of`).
    out_format : FixedFormat or str, optional
        Round the exact result once into this format (in the same C pass); None keeps the
        exact, full-precision result.
    rounding, overflow : str or mode
        How ``out_format`` rounds and what it does beyond its range (ignored without it).
    seed : int, Generator or None
        The random stream of the stochastic modes.
    return_status : bool
        Also return the :class:`CastStatus` (with the per-element ``overflow_mask``).

    Returns
    -------
    FixedArray, or (FixedArray, CastStatus)

    Raises
    ------
    ValueError
        A full-precision result wider than 64 bits (pass ``out_format=``), binary points more
        than 63 bits apart.
    OverflowError
        Any overflow under ``overflow="raise"``.

    Examples
    --------
    >>> import fixpt
    >>> a = fixpt.array([1.5, -0.25], "Q4.4")
    >>> add(a, 0.125).tolist(), add(a, 0.125).format
    ([1.625, -0.125], Q(5,4))
    """
    return _binary("add", a, b, out_format, rounding, overflow, seed, return_status)


def subtract(a, b, out_format: Optional[FormatLike] = None, *, rounding: RoundLike = "nearest_even",
             overflow: OverflowLike = "saturate", seed: SeedLike = None, return_status: bool = False):
    """a - b, exact (always signed), or cast once into ``out_format``.

    Parameters
    ----------
    a, b : FixedArray or array_like
        Operands, broadcast like NumPy; plain numbers and arrays are converted exactly to the
        smallest format that holds them (see :func:`exact_format_of`).
    out_format : FixedFormat or str, optional
        Round the exact result once into this format (in the same C pass); None keeps the
        exact, full-precision result.
    rounding, overflow : str or mode
        How ``out_format`` rounds and what it does beyond its range (ignored without it).
    seed : int, Generator or None
        The random stream of the stochastic modes.
    return_status : bool
        Also return the :class:`CastStatus` (with the per-element ``overflow_mask``).

    Returns
    -------
    FixedArray, or (FixedArray, CastStatus)

    Raises
    ------
    ValueError
        A full-precision result wider than 64 bits (pass ``out_format=``), binary points more
        than 63 bits apart.
    OverflowError
        Any overflow under ``overflow="raise"``.

    Examples
    --------
    >>> import fixpt
    >>> subtract(fixpt.array([0.5], "UQ2.2"), fixpt.array([1.0], "UQ2.2")).tolist()
    [-0.5]
    """
    return _binary("sub", a, b, out_format, rounding, overflow, seed, return_status)


def multiply(a, b, out_format: Optional[FormatLike] = None, *, rounding: RoundLike = "nearest_even",
             overflow: OverflowLike = "saturate", seed: SeedLike = None, return_status: bool = False):
    """a * b, exact in Q(ILa + ILb, FLa + FLb), or cast once into ``out_format``.

    Parameters
    ----------
    a, b : FixedArray or array_like
        Operands, broadcast like NumPy; plain numbers and arrays are converted exactly to the
        smallest format that holds them (see :func:`exact_format_of`).
    out_format : FixedFormat or str, optional
        Round the exact result once into this format (in the same C pass); None keeps the
        exact, full-precision result.
    rounding, overflow : str or mode
        How ``out_format`` rounds and what it does beyond its range (ignored without it).
    seed : int, Generator or None
        The random stream of the stochastic modes.
    return_status : bool
        Also return the :class:`CastStatus` (with the per-element ``overflow_mask``).

    Returns
    -------
    FixedArray, or (FixedArray, CastStatus)

    Raises
    ------
    ValueError
        A full-precision result wider than 64 bits (pass ``out_format=``), binary points more
        than 63 bits apart.
    OverflowError
        Any overflow under ``overflow="raise"``.

    Examples
    --------
    >>> import fixpt
    >>> a = fixpt.array([0.75, -0.5], "Q1.15")
    >>> multiply(a, a, "Q1.15").tolist(), multiply(a, a).format
    ([0.5625, 0.25], Q(2,30))
    """
    return _binary("mul", a, b, out_format, rounding, overflow, seed, return_status)


def divide(a, b, out_format: FormatLike, *, rounding: RoundLike = "nearest_even",
           overflow: OverflowLike = "saturate", seed: SeedLike = None,
           return_status: bool = False):
    """The exact quotient a / b, rounded once into ``out_format``.

    Parameters
    ----------
    a, b : FixedArray or array_like
        Operands, broadcast like NumPy; plain numbers and arrays are converted exactly to the
        smallest format that holds them (see :func:`exact_format_of`).
    out_format : FixedFormat or str
        The format of the quotient (a quotient has no finite exact format).
    rounding, overflow, seed, return_status
        As in :func:`add`.

    Returns
    -------
    FixedArray, or (FixedArray, CastStatus)

    Raises
    ------
    ZeroDivisionError
        Naming the count and the first index of the zero divisors.

    Examples
    --------
    >>> import fixpt
    >>> divide(fixpt.array(1.0, "Q4.4"), fixpt.array(3.0, "Q4.4"), "Q2.8").tolist()
    0.33203125
    """
    a, b = as_fixed(a), as_fixed(b)
    raw, fmt, status = arith.run("div", a.raw, a.format, b.raw, b.format, out_format,
                                 rounding=rounding, overflow=overflow, seed=seed, mask=return_status)
    if status.n_divide_by_zero:
        first = tuple(int(i) for i in np.argwhere(np.broadcast_to(b.raw, raw.shape) == 0)[0])
        raise ZeroDivisionError(f"divide: {status.n_divide_by_zero} element(s) of b are zero, "
                                f"first at index {first}")
    return _finish("div", raw, fmt, status, return_status)


def _unary(op: str, a, out_format, rounding, overflow, seed, return_status):
    a = as_fixed(a)
    raw, fmt, status = arith.run(op, a.raw, a.format, None, None, out_format,
                                 rounding=rounding, overflow=overflow, seed=seed, mask=return_status)
    return _finish(op, raw, fmt, status, return_status)


def negative(a, out_format: Optional[FormatLike] = None, *, rounding: RoundLike = "nearest_even",
             overflow: OverflowLike = "saturate", seed: SeedLike = None, return_status: bool = False):
    """-a, exact in Q(IL + 1, FL), or cast once into ``out_format``.

    Parameters
    ----------
    a : FixedArray or array_like
    out_format, rounding, overflow, seed, return_status
        As in :func:`add`.

    Returns
    -------
    FixedArray, or (FixedArray, CastStatus)

    Examples
    --------
    >>> import fixpt
    >>> negative(fixpt.array(-8.0, "Q4.0")).tolist(), negative(fixpt.array(-8.0, "Q4.0"), "Q4.0").tolist()
    (8.0, 7.0)
    """
    return _unary("neg", a, out_format, rounding, overflow, seed, return_status)


def absolute(a, out_format: Optional[FormatLike] = None, *, rounding: RoundLike = "nearest_even",
             overflow: OverflowLike = "saturate", seed: SeedLike = None, return_status: bool = False):
    """|a|, exact in Q(IL + 1, FL) (the same format for unsigned a), or cast into ``out_format``.

    Parameters
    ----------
    a : FixedArray or array_like
    out_format, rounding, overflow, seed, return_status
        As in :func:`add`.

    Returns
    -------
    FixedArray, or (FixedArray, CastStatus)

    Examples
    --------
    >>> import fixpt
    >>> absolute(fixpt.array([-8.0, 3.5], "Q4.1")).tolist()
    [8.0, 3.5]
    """
    return _unary("abs", a, out_format, rounding, overflow, seed, return_status)


def scale_by_power_of_two(a: FixedArray, n: int) -> FixedArray:
    """a * 2**n exactly: the same raw integers (a copy), the binary point moved n places.

    Parameters
    ----------
    a : FixedArray
    n : int

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> import fixpt
    >>> x = scale_by_power_of_two(fixpt.array([0.75], "Q2.2"), 3)
    >>> x.tolist(), x.format
    ([6.0], Q(5,-1))
    """
    n = check_int("shift", n)
    fmt = a.format
    # a new array, as every arithmetic result is (a view would let writes to it change a)
    return FixedArray(a.raw.copy(), FixedFormat(fmt.il + int(n), fmt.fl - int(n), fmt.signed))


def compare(a, b) -> np.ndarray:
    """Sign of the exact difference a - b (-1, 0, 1), broadcast, for any two formats.

    Parameters
    ----------
    a, b : FixedArray or array_like

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import fixpt
    >>> compare(fixpt.array([0.5, 1.0], "Q2.8"), fixpt.array([0.5, 0.75], "UQ1.2")).tolist()
    [0, 1]
    """
    a, b = as_fixed(a), as_fixed(b)
    return arith.compare_sign(a.raw, a.format, b.raw, b.format)


# --- joining -------------------------------------------------------------------------

def common_format(formats: Sequence[FixedFormat]) -> FixedFormat:
    """The smallest format holding every value of every given format.

    Parameters
    ----------
    formats : sequence of FixedFormat

    Returns
    -------
    FixedFormat

    Raises
    ------
    ValueError
        A common format that needs more than 64 bits.

    Examples
    --------
    >>> common_format([FixedFormat(4, 4), FixedFormat(2, 8, False)])
    Q(4,8)
    """
    signed = any(f.signed for f in formats)
    il = max(f.il + (signed and not f.signed) for f in formats)
    fl = max(f.fl for f in formats)
    return arith.to_format((il, fl, signed), "joining these formats")


def _joined(arrays) -> tuple[list[FixedArray], FixedFormat]:
    items = [as_fixed(x) for x in arrays]
    fmt = common_format([x.format for x in items])
    return [x if x.format == fmt else x.astype(fmt) for x in items], fmt


def concatenate(arrays, axis: int = 0) -> FixedArray:
    """Join arrays along an axis, in their common format (exact).

    Parameters
    ----------
    arrays : sequence of FixedArray or array_like
    axis : int

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> import fixpt
    >>> c = concatenate([fixpt.array([1.5], "Q2.1"), fixpt.array([0.25], "UQ1.2")])
    >>> c.tolist(), c.format
    ([1.5, 0.25], Q(2,2))
    """
    items, fmt = _joined(arrays)
    return FixedArray(np.concatenate([x.raw for x in items], axis=axis), fmt)


def stack(arrays, axis: int = 0) -> FixedArray:
    """Stack arrays along a new axis, in their common format (exact).

    Parameters
    ----------
    arrays : sequence of FixedArray or array_like
    axis : int

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> import fixpt
    >>> stack([fixpt.array([1.0, 2.0], "Q4.0"), [0.5, 0.25]]).tolist()
    [[1.0, 2.0], [0.5, 0.25]]
    """
    items, fmt = _joined(arrays)
    return FixedArray(np.stack([x.raw for x in items], axis=axis), fmt)


def where(condition, x, y) -> FixedArray:
    """Elements of x where condition holds, else of y, in their common format (exact).

    Parameters
    ----------
    condition : array_like of bool
    x, y : FixedArray or array_like

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> import fixpt
    >>> where([True, False], fixpt.array([1.0, 2.0], "Q4.4"), 0.5).tolist()
    [1.0, 0.5]
    """
    (x, y), fmt = _joined([x, y])
    return FixedArray(np.where(np.asarray(condition), x.raw, y.raw), fmt)


# --- reductions ----------------------------------------------------------------------

def _count(a: FixedArray, axis) -> int:
    """How many elements each reduced result combines (AxisError for an axis out of range)."""
    if axis is None:
        return a.size
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = [normalize_axis(ax, a.ndim) for ax in axes]
    if len(set(axes)) != len(axes):
        raise ValueError(f"axis={axis!r} repeats an axis")
    return int(np.prod([a.shape[ax] for ax in axes], dtype=np.int64))


def _growth(n: int) -> int:
    return max(0, math.ceil(math.log2(n))) if n > 1 else 0


def sum_result_format(fmt: FixedFormat, n: int, what: str = "sum") -> FixedFormat:
    """The exact format of a sum of ``n`` values of ``fmt``: ceil(log2 n) more integer bits.

    Parameters
    ----------
    fmt : FixedFormat
    n : int
    what : str
        The operation's name for error messages.

    Returns
    -------
    FixedFormat

    Examples
    --------
    >>> sum_result_format(FixedFormat(4, 4, True), 3)
    Q(6,4)
    """
    return arith.to_format((fmt.il + _growth(n), fmt.fl, fmt.signed), what)


def _sum_raw(a: FixedArray, n: int, reducer, what: str, **kwargs):
    fmt = a.format
    exact = sum_result_format(fmt, n, what)
    if exact.wl > 63:
        raise ValueError(
            f"{what} of {n} elements of {fmt!r} needs {exact.wl} bits; at most 63 are supported "
            f"(narrow the input with astype first, or use fixpt MAC functions with an accumulator)")
    # exact: |sum| < n * 2**(wl-1) <= 2**63, so an int64 accumulator cannot overflow
    return reducer(a.raw, dtype=np.int64, **kwargs), exact


def _cast_result(raw, exact: FixedFormat, out_format, rounding, overflow):
    raw = raw.astype(exact.container)
    if out_format is None:
        return FixedArray(raw, exact)
    return FixedArray(raw, exact).astype(out_format, rounding=rounding, overflow=overflow)


def sum(a, axis=None, keepdims: bool = False, out_format: Optional[FormatLike] = None, *,
        rounding: RoundLike = "nearest_even", overflow: OverflowLike = "saturate") -> FixedArray:
    """Exact sum; N terms add ceil(log2 N) integer bits (or cast once into ``out_format``).

    Parameters
    ----------
    a : FixedArray or array_like
    axis : int, tuple of int or None
        The axes to reduce (None: all); out of range is numpy's AxisError.
    keepdims : bool
    out_format : FixedFormat or str, optional
        Round the exact sum once into this format.
    rounding, overflow : str or mode
        As in :func:`add`.

    Returns
    -------
    FixedArray

    Raises
    ------
    ValueError
        A sum that needs more than 63 bits (narrow the input, or use fixpt.matmul with an
        accumulator).

    Examples
    --------
    >>> import fixpt
    >>> s = fixpt.array([7.5, 7.5, 7.5], "Q4.4").sum()
    >>> float(s), s.format
    (22.5, Q(6,4))
    """
    a = as_fixed(a)
    raw, exact = _sum_raw(a, _count(a, axis), np.sum, "sum", axis=axis, keepdims=keepdims)
    return _cast_result(np.asarray(raw), exact, out_format, rounding, overflow)


def cumsum(a, axis=None, out_format: Optional[FormatLike] = None, *,
           rounding: RoundLike = "nearest_even", overflow: OverflowLike = "saturate") -> FixedArray:
    """Exact running sum (format grown for the full length along the axis).

    Parameters
    ----------
    a : FixedArray or array_like
    axis : int or None
        None runs over the flattened array.
    out_format, rounding, overflow
        As in :func:`sum`.

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> import fixpt
    >>> c = cumsum(fixpt.array([1.5, 1.5, 1.5], "Q2.1"))
    >>> c.tolist(), c.format
    ([1.5, 3.0, 4.5], Q(4,1))
    """
    a = as_fixed(a)
    n = a.size if axis is None else a.shape[normalize_axis(axis, a.ndim)]
    raw, exact = _sum_raw(a, n, np.cumsum, "cumsum", axis=axis)
    return _cast_result(raw, exact, out_format, rounding, overflow)


def mean(a, axis=None, keepdims: bool = False, out_format: Optional[FormatLike] = None, *,
         rounding: RoundLike = "nearest_even", overflow: OverflowLike = "saturate") -> FixedArray:
    """The exact mean rounded once into ``out_format`` (default: the input's format).

    Parameters
    ----------
    a : FixedArray or array_like
    axis : int, tuple of int or None
        The axes to reduce (None: all); out of range is numpy's AxisError.
    keepdims : bool
    out_format : FixedFormat or str, optional
    rounding, overflow : str or mode

    Returns
    -------
    FixedArray

    Raises
    ------
    ValueError
        The mean of nothing (an empty array or axis).

    Examples
    --------
    >>> import fixpt
    >>> fixpt.array([0.5, 0.25, 0.25], "Q2.2").mean().tolist()   # 1/3 rounds to 0.25
    0.25
    """
    a = as_fixed(a)
    n = _count(a, axis)
    if n == 0:
        raise ValueError("mean of an empty array (or of an empty axis) has no value; NumPy returns "
                         "NaN here, which no fixed-point format holds")
    total = sum(a, axis=axis, keepdims=keepdims)
    count = FixedArray(np.asarray(n, dtype=np.int64), FixedFormat(64, 0, True))
    return divide(total, count, a.format if out_format is None else out_format,
                  rounding=rounding, overflow=overflow)


def amin(a, axis=None, keepdims: bool = False) -> FixedArray:
    """Smallest element(s), same format.

    Parameters
    ----------
    a : FixedArray or array_like
    axis : int, tuple of int or None
        The axes to reduce (None: all); out of range is numpy's AxisError.
    keepdims : bool

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> import fixpt
    >>> amin(fixpt.array([[1.0, -2.0], [0.5, 3.0]], "Q4.4"), axis=0).tolist()
    [0.5, -2.0]
    """
    a = as_fixed(a)
    return FixedArray(np.asarray(np.min(a.raw, axis=axis, keepdims=keepdims)), a.format)


def amax(a, axis=None, keepdims: bool = False) -> FixedArray:
    """Largest element(s), same format.

    Parameters
    ----------
    a : FixedArray or array_like
    axis : int, tuple of int or None
        The axes to reduce (None: all); out of range is numpy's AxisError.
    keepdims : bool

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> import fixpt
    >>> amax(fixpt.array([[1.0, -2.0], [0.5, 3.0]], "Q4.4"), axis=1).tolist()
    [1.0, 3.0]
    """
    a = as_fixed(a)
    return FixedArray(np.asarray(np.max(a.raw, axis=axis, keepdims=keepdims)), a.format)


def prod(a, axis=None, keepdims: bool = False, out_format: Optional[FormatLike] = None, *,
         rounding: RoundLike = "nearest_even", overflow: OverflowLike = "saturate") -> FixedArray:
    """Exact product of N terms in Q(N*IL, N*FL), where that fits 64 bits.

    Parameters
    ----------
    a : FixedArray or array_like
    axis : int, tuple of int or None
        The axes to reduce (None: all); out of range is numpy's AxisError.
    keepdims : bool
    out_format, rounding, overflow
        As in :func:`sum`.

    Returns
    -------
    FixedArray

    Raises
    ------
    ValueError
        A product format wider than 64 bits.

    Examples
    --------
    >>> import fixpt
    >>> fixpt.array([1.5, -2.0, 0.5], "Q3.1").prod().tolist()
    -1.5
    """
    a = as_fixed(a)
    n = _count(a, axis)
    fmt = a.format
    if n == 0:  # the empty product is 1, as in NumPy
        one = FixedFormat(2, 0, True) if fmt.signed else FixedFormat(1, 0, False)
        shape = np.sum(a.raw, axis=axis, keepdims=keepdims).shape
        return _cast_result(np.ones(shape, np.int64), one, out_format, rounding, overflow)
    exact = arith.to_format((n * fmt.il, n * fmt.fl, fmt.signed), f"prod of {n} elements")
    # exact: every partial product is a value of a format of at most 64 bits
    dtype = np.uint64 if not fmt.signed else np.int64
    raw = np.asarray(np.prod(a.raw.astype(dtype), axis=axis, keepdims=keepdims))
    return _cast_result(raw, exact, out_format, rounding, overflow)
