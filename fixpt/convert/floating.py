"""Rounding into binary float formats, encodings, fields and neighbours.

Every value of a supported format is a float64 value, so values travel as
float64 arrays and encodings as unsigned integer arrays (``fmt.container``).

Examples
--------
>>> import numpy as np
>>> hex(int(to_bits(6.0, binary32)))
'0x40c00000'
>>> round_to_format([0.1, 1e6], binary16).tolist()
[0.0999755859375, inf]
>>> float(next_up(1.0, bfloat16)), float(ulp(1.0, bfloat16))
(1.0078125, 0.0078125)
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Optional

import numpy as np


from fixpt import _binding
from fixpt.base.status import CastStatus
from fixpt.base.shapes import broadcast_arrays
from fixpt.convert.exact import ExactArray, classify, parse_array, parts_for_float
from fixpt.convert.rng import SeedLike, resolve_seed
from fixpt.formats import FloatFormat, FloatFormatLike, RoundLike, RoundMode, parse_float_format
from fixpt.formats import binary16, binary32, bfloat16  # noqa: F401  (doctest names)

CLASS_NAMES = ("zero", "subnormal", "normal", "inf", "quiet_nan", "signaling_nan")


def _as_input(values, argument: str = "values"):
    """float64 values, or an ExactArray for values float64 does not hold (integers beyond
    2**53, decimal strings, fractions, long doubles): those are rounded once, exactly."""
    src = classify(values, argument)
    if isinstance(src, ExactArray) or src.dtype.kind == "f":
        return src
    as_float = src.astype(np.float64)
    if np.array_equal(as_float.astype(src.dtype), src) and not np.any(np.abs(as_float) >= 2.0**63):
        return as_float
    return ExactArray(parse_array(src.astype(object), argument))


def float64_values(values, argument: str = "values") -> np.ndarray:
    """Values that must be float64 values (next_up, next_down, ulp, representation_error)."""
    src = _as_input(values, argument)
    if isinstance(src, ExactArray):
        raise ValueError(f"{argument}: this function takes values that float64 holds exactly; "
                         f"round the others first with round_to_format (or see fixpt.explain)")
    return src


def _check_bits(bits, fmt: FloatFormat) -> np.ndarray:
    """Encodings as an unsigned array (the container they came in when it is unsigned),
    each checked to be a pattern of the format's width."""
    arr = np.asarray(bits)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"bits must be unsigned integers, got dtype {arr.dtype}")
    fits = arr.dtype.kind == "u" and arr.dtype.itemsize * 8 <= fmt.width  # the container proves the range
    if arr.size and not fits and (int(arr.min()) < 0 or int(arr.max()) >= 1 << fmt.width):
        raise ValueError(f"bits must be in 0..2**{fmt.width}-1 for {fmt!r}")
    return arr if arr.dtype.kind == "u" else arr.astype(np.uint64)


TININESS = ("after", "before")


def check_tininess(tininess: str) -> bool:
    """True for ``"before"`` (underflow detected on the exact value), False for ``"after"``
    (IEEE 754's default for binary formats: after rounding to the precision)."""
    if tininess not in TININESS:
        raise ValueError(f"tininess={tininess!r} is not one of: after, before")
    return tininess == "before"


def overflow_format(fmt: FloatFormat, saturate: Optional[bool]) -> tuple[FloatFormat, bool]:
    """(format with the overflow policy of ``saturate``, whether +-inf saturate too).

    ``None`` keeps ``fmt.overflow``; ``True`` saturates finite overflow and +-inf to +-max (ONNX
    ``saturate=1``); ``False`` overflows to inf, or NaN in a format without inf."""
    if saturate is None:
        return fmt, False
    if not isinstance(saturate, (bool, np.bool_)):
        raise TypeError(f"saturate must be True, False or None, got {saturate!r}")
    if saturate:
        policy = "saturate"
    elif fmt.has_inf:
        policy = "inf"
    elif fmt.has_nan:
        policy = "nan"
    else:
        raise ValueError(f"saturate=False: {fmt!r} has neither inf nor NaN to overflow to")
    if policy == fmt.overflow:
        return fmt, bool(saturate)
    return replace(fmt, overflow=policy, name=None), bool(saturate)


def check_nan_free(status: CastStatus, fmt: FloatFormat, what: str) -> None:
    """Raise when a format without NaN was asked for one (a NaN input, an invalid operation)."""
    if status.n_invalid and not fmt.has_nan:
        where = f" (first at index {status.first_nan})" if status.first_nan is not None else ""
        raise ValueError(f"{what} would need a NaN{where}, and {fmt!r} has no NaN encoding; "
                         f"remove NaN inputs or invalid operations first")


def to_bits(values, fmt: FloatFormatLike, *, rounding: RoundLike = "nearest_even",
            seed: SeedLike = None, saturate: Optional[bool] = None, tininess: str = "after",
            return_status: bool = False):
    """Round values into ``fmt`` and return the encodings (``fmt.container``).

    Exact: the rounding of the exact input value, with no double rounding, correct
    subnormals, signed zeros, overflow per ``fmt.overflow`` (directed roundings toward zero
    give ``max``), and NaN payloads kept where they fit (the result is a quiet NaN, as IEEE
    754 requires).  Values float64 cannot hold (decimal strings such as ``"0.1"``, fractions,
    integers beyond 2**53) are rounded exactly too, never through float64 first.

    Parameters
    ----------
    values : array_like
        Real numbers (floats, integers, decimal strings, fractions).
    fmt : FloatFormat or str
        The float format, or its name (see :func:`fixpt.parse_float_format`).
    rounding : str or RoundMode
        One of the twelve rounding modes (default ``"nearest_even"``).
    seed : int, Generator or None
        The random stream of the stochastic modes.
    saturate : bool or None
        Overflow policy for this call: None keeps ``fmt.overflow``; True sends finite overflow
        **and +-inf** to +-max (ONNX ``Cast``/``QuantizeLinear`` with ``saturate=1``); False
        overflows to inf, or to NaN in a format without inf.
    tininess : {"after", "before"}
        When a tiny result is detected for the underflow flag (IEEE 754: after rounding).
    return_status : bool
        Also return the :class:`CastStatus`: counts of overflow, underflow, inexact, invalid
        results and NaN/inf inputs, and the per-element flag masks (``status.inexact``,
        ``underflow``, ``overflow``, ``invalid``, ``divide_by_zero``).

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, CastStatus)
        The encodings, same shape as ``values``.

    Raises
    ------
    TypeError, ValueError
        Values that are not real numbers; an unknown format or mode; NaN into a format without
        NaN (``float4_e2m1fn``, ...).

    Examples
    --------
    >>> to_bits([1.0, -2.0, 65520.0], "binary16")
    array([15360, 49152, 31744], dtype=uint16)
    >>> to_bits([1e9, float("inf")], "e5m2", saturate=True)
    array([123, 123], dtype=uint8)
    """
    bits, status = _round(values, fmt, rounding, seed, saturate, tininess, return_status, False)
    return (bits, status) if return_status else bits


def _round(values, fmt: FloatFormatLike, rounding: RoundLike, seed: SeedLike, saturate: Optional[bool],
           tininess: str, flags: bool, as_values: bool):
    """(encodings, or float64 values when ``as_values``, and the CastStatus) of the rounding."""
    fmt = parse_float_format(fmt)
    mode = RoundMode.parse(rounding, "rounding")
    policy_fmt, saturate_inf = overflow_format(fmt, saturate)
    before = check_tininess(tininess)
    seed_value, stream = resolve_seed(seed) if mode.is_stochastic else (0, 0)
    src = _as_input(values)
    options = dict(round_mode=mode, seed=seed_value, stream=stream, tininess_before=before,
                   saturate_inf=saturate_inf, flags=flags)
    if isinstance(src, ExactArray):
        out, status = _binding.float_round_parts(parts_for_float(src.values), policy_fmt, **options)
        if as_values:
            out = _binding.float_decode(out, fmt)
    elif as_values:  # one pass: each block's encodings decoded while in cache
        out, status = _binding.float_round_values(src, policy_fmt, **options)
    else:
        out, status = _binding.float_round(src, policy_fmt, **options)
    check_nan_free(status, fmt, "rounding these values")
    if policy_fmt is not fmt:
        status = replace(status, format=fmt)
    return out, status


def from_bits(bits, fmt: FloatFormatLike) -> np.ndarray:
    """Values (float64, exact) of encodings of ``fmt``.

    Parameters
    ----------
    bits : array_like of int
        Encodings, each in ``0 .. 2**fmt.width - 1``.
    fmt : FloatFormat or str
        The float format, or its name (see :func:`fixpt.parse_float_format`).

    Returns
    -------
    numpy.ndarray
        float64 values (NaN with its sign and top payload bits, +-inf).

    Raises
    ------
    TypeError, ValueError
        Non-integer bits, or bits beyond the format's width.

    Examples
    --------
    >>> from_bits([0x40C00000, 0xBF000000], "binary32").tolist()
    [6.0, -0.5]
    """
    fmt = parse_float_format(fmt)
    return _binding.float_decode(_check_bits(bits, fmt), fmt)


def round_to_format(values, fmt: FloatFormatLike, *, rounding: RoundLike = "nearest_even",
                    seed: SeedLike = None, saturate: Optional[bool] = None, tininess: str = "after",
                    return_bits: bool = False, return_status: bool = False):
    """Round values to the nearest values of ``fmt`` (per ``rounding``), as float64.

    Parameters
    ----------
    values : array_like
        Real numbers (read exactly, as in :func:`to_bits`).
    fmt : FloatFormat or str
        The float format, or its name (see :func:`fixpt.parse_float_format`).
    rounding : str or RoundMode
        The rounding mode (default ``"nearest_even"``).
    seed : int, Generator or None
        The random stream of the stochastic modes.
    saturate : bool or None
        The overflow policy of this call, as in :func:`to_bits`.
    tininess : {"after", "before"}
        When a tiny result is detected for the underflow flag.
    return_bits : bool
        Also return the encodings.
    return_status : bool
        Also return the :class:`CastStatus` with the IEEE flags, as in :func:`to_bits`.

    Returns
    -------
    numpy.ndarray, or a tuple (values, bits), (values, status) or (values, bits, status)
        The rounded values as float64 (exact: every value of a format is a float64).

    Examples
    --------
    >>> round_to_format([1/3, 1e-9], "bfloat16", rounding="toward_zero").tolist()
    [0.33203125, 9.968061931431293e-10]
    >>> _, status = round_to_format([1e-42, 0.5], "binary32", return_status=True)
    >>> status.n_underflow, status.underflow.tolist(), status.inexact.tolist()
    (1, [True, False], [True, False])
    """
    fmt = parse_float_format(fmt)
    if return_bits:
        bits, status = _round(values, fmt, rounding, seed, saturate, tininess, return_status, False)
        rounded = _binding.float_decode(bits, fmt)
    else:
        rounded, status = _round(values, fmt, rounding, seed, saturate, tininess, return_status, True)
    result = (rounded,) + ((bits,) if return_bits else ()) + ((status,) if return_status else ())
    return result if len(result) > 1 else rounded


@dataclass(frozen=True)
class FloatFields:
    """The fields of encodings: arrays of the same shape.

    ``exponent`` is unbiased (emin for zeros and subnormals), ``significand`` includes the
    hidden bit for normal numbers, ``cls`` holds class codes whose names are ``CLASS_NAMES``
    (see :attr:`class_names`).

    Examples
    --------
    >>> f = decompose_bits([0x3C00, 0x0001], "binary16")
    >>> f.exponent.tolist(), f.significand.tolist(), f.class_names.tolist()
    ([0, -14], [1024, 1], ['normal', 'subnormal'])
    """

    bits: np.ndarray
    sign: np.ndarray
    biased_exponent: np.ndarray
    exponent: np.ndarray
    trailing: np.ndarray
    significand: np.ndarray
    cls: np.ndarray

    @property
    def class_names(self) -> np.ndarray:
        """The class of each encoding by name: zero, subnormal, normal, inf, quiet_nan, signaling_nan."""
        return np.array(CLASS_NAMES, dtype=object)[self.cls]


def decompose_bits(bits, fmt: FloatFormatLike) -> FloatFields:
    """Fields of encodings of ``fmt``.

    Parameters
    ----------
    bits : array_like of int
        Encodings of the format.
    fmt : FloatFormat or str
        The float format, or its name (see :func:`fixpt.parse_float_format`).

    Returns
    -------
    FloatFields

    Examples
    --------
    >>> f = decompose_bits(0x40C00000, "binary32")
    >>> int(f.sign), int(f.biased_exponent), int(f.exponent), hex(int(f.trailing)), str(f.class_names)
    (0, 129, 2, '0x400000', 'normal')
    """
    fmt = parse_float_format(fmt)
    arr = _check_bits(bits, fmt)
    fields = _binding.float_decompose(arr, fmt)
    return FloatFields(bits=arr.astype(fmt.container), **fields)


def decompose(values, fmt: FloatFormatLike) -> FloatFields:
    """Fields of the values of ``fmt`` nearest to ``values`` (rounded nearest_even first).

    Parameters
    ----------
    values : array_like
        Real numbers.
    fmt : FloatFormat or str
        The float format, or its name (see :func:`fixpt.parse_float_format`).

    Returns
    -------
    FloatFields

    Examples
    --------
    >>> f = decompose(-0.5, "binary32")
    >>> int(f.sign), int(f.exponent), int(f.significand), hex(int(f.bits))
    (1, -1, 8388608, '0xbf000000')
    """
    fmt = parse_float_format(fmt)
    return decompose_bits(to_bits(values, fmt), fmt)


def compose(sign, biased_exponent, trailing, fmt: FloatFormatLike) -> np.ndarray:
    """Encodings from fields (broadcast together); the inverse of :func:`decompose_bits`.

    Parameters
    ----------
    sign : array_like of int
        0 or 1.
    biased_exponent : array_like of int
        The exponent field, ``0 .. 2**exp_bits - 1``.
    trailing : array_like of int
        The trailing significand field, ``0 .. 2**man_bits - 1``.
    fmt : FloatFormat or str
        The float format, or its name (see :func:`fixpt.parse_float_format`).

    Returns
    -------
    numpy.ndarray
        Encodings in ``fmt.container``.

    Raises
    ------
    TypeError, ValueError
        Fields that are not integers or do not fit their widths.

    Examples
    --------
    >>> hex(int(compose(0, 129, 0x400000, "binary32")))
    '0x40c00000'
    """
    fmt = parse_float_format(fmt)
    sign, biased_exponent, trailing = broadcast_arrays(
        np.asarray(sign), np.asarray(biased_exponent), np.asarray(trailing))
    for name, arr, hi in (("sign", sign, 1), ("biased_exponent", biased_exponent, (1 << fmt.exp_bits) - 1),
                          ("trailing", trailing, (1 << fmt.man_bits) - 1)):
        if arr.dtype.kind not in "iub":
            raise TypeError(f"{name} must be integers, got dtype {arr.dtype}")
        if arr.size and (int(arr.min()) < 0 or int(arr.max()) > hi):
            raise ValueError(f"{name} must be in 0..{hi} for {fmt!r}")
    out = ((sign.astype(np.uint64) << np.uint64(fmt.width - 1))
           | (biased_exponent.astype(np.uint64) << np.uint64(fmt.man_bits))
           | trailing.astype(np.uint64))
    return out.astype(fmt.container)


def _step(values, fmt: FloatFormat, direction: int) -> np.ndarray:
    x = float64_values(values)
    toward = "ceil" if direction > 0 else "floor"
    bits = to_bits(x, fmt, rounding=toward)
    landed = _binding.float_decode(bits, fmt)
    # a value of the format steps to its neighbour; any other value's directed
    # rounding already is the next value beyond it
    on_grid = (landed == x) | np.isnan(x) | ((landed == 0) & (x == 0))
    stepped = _binding.float_next(bits, fmt, direction)
    return _binding.float_decode(np.where(on_grid, stepped, bits), fmt)


def next_up(values, fmt: FloatFormatLike) -> np.ndarray:
    """The smallest value of ``fmt`` above each value (IEEE nextUp on the format's values).

    ``next_up(max)`` is inf, or NaN in formats without inf.

    Parameters
    ----------
    values : array_like
        float64 values (any real: a value between two format values steps to the upper one).
    fmt : FloatFormat or str
        The float format, or its name (see :func:`fixpt.parse_float_format`).

    Returns
    -------
    numpy.ndarray
        float64 values of the format.

    Examples
    --------
    >>> next_up([0.0, 1.0, 65504.0], "binary16").tolist()
    [5.960464477539063e-08, 1.0009765625, inf]
    """
    return _step(values, parse_float_format(fmt), +1)


def next_down(values, fmt: FloatFormatLike) -> np.ndarray:
    """The largest value of ``fmt`` below each value (IEEE nextDown).

    Parameters
    ----------
    values : array_like
        float64 values.
    fmt : FloatFormat or str
        The float format, or its name (see :func:`fixpt.parse_float_format`).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> next_down([1.0, 0.0], "bfloat16").tolist()
    [0.99609375, -9.183549615799121e-41]
    """
    return _step(values, parse_float_format(fmt), -1)


def ulp(values, fmt: FloatFormatLike) -> np.ndarray:
    """Unit in the last place of the (rounded) values: 2**(max(exponent, emin) - man_bits).

    At a power of two this is the gap above it; NaN for inf and NaN.

    Parameters
    ----------
    values : array_like
        float64 values (rounded to the format first, nearest_even).
    fmt : FloatFormat or str
        The float format, or its name (see :func:`fixpt.parse_float_format`).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> ulp([1.0, 1.5, 2.0, 0.0], "binary16").tolist()
    [0.0009765625, 0.0009765625, 0.001953125, 5.960464477539063e-08]
    """
    fmt = parse_float_format(fmt)
    fields = decompose(values, fmt)
    out = np.ldexp(1.0, fields.exponent - fmt.man_bits)
    return np.where(fields.cls >= 3, np.nan, out)


def exact_value(bits, fmt: FloatFormatLike) -> Fraction:
    """The exact rational value of one encoding.

    Parameters
    ----------
    bits : int
        One encoding of the format.
    fmt : FloatFormat or str
        The float format, or its name (see :func:`fixpt.parse_float_format`).

    Returns
    -------
    fractions.Fraction

    Raises
    ------
    ValueError
        The encoding is inf or NaN.

    Examples
    --------
    >>> exact_value(0x3DCCCCCD, "binary32")
    Fraction(13421773, 134217728)
    """
    fmt = parse_float_format(fmt)
    value = float(from_bits(np.asarray(bits).reshape(()), fmt))
    if not np.isfinite(value):
        raise ValueError(f"bits={int(bits):#x} encode {value}, which has no rational value")
    return Fraction(value)


def representation_error(values, fmt: FloatFormatLike, *,
                         rounding: RoundLike = "nearest_even") -> np.ndarray:
    """``round_to_format(x) - x`` for float64 inputs (exact whenever the result is finite).

    Parameters
    ----------
    values : array_like
        float64 values.
    fmt : FloatFormat or str
        The float format, or its name (see :func:`fixpt.parse_float_format`).
    rounding : str or RoundMode
        The rounding mode.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> float(representation_error(0.1, "binary32"))
    1.4901161138336505e-09
    """
    x = float64_values(values)
    return round_to_format(x, fmt, rounding=rounding) - x
