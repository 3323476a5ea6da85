"""Exact conversion of numbers into fixed-point raw integers, and back.

``to_raw`` rounds the exact real value of each input (float64, float32,
float16, integers, or another fixed-point format) to the target format with
one of the rounding modes and applies one of the overflow modes, in one pass
of the C core.

NaN and infinity (documented policy):

* NaN has no fixed-point value: by default it raises ``ValueError``; with
  ``nan="zero"`` it becomes 0.
* +-inf saturates to max/min under the saturating overflow modes (and counts
  as an overflow); under ``wrap`` it raises ``ValueError`` (there is nothing
  to wrap) and under ``raise`` it raises ``OverflowError``.

Examples
--------
>>> raw, status = to_raw([0.3, -1.5, 9.0], "Q4.4")
>>> raw
array([  5, -24, 127], dtype=int8)
>>> status.n_overflow, status.n_inexact
(1, 1)
"""
from __future__ import annotations


import numpy as np

from fixpt import _binding
from fixpt.base.checks import check_int
from fixpt.base.status import CastStatus
from fixpt.convert.exact import ExactArray, classify, parts_for_fixed
from fixpt.convert.rng import SeedLike
from fixpt.convert.spec import CastSpec
from fixpt.formats import FixedFormat, FormatLike, OverflowLike, OverflowMode, RoundLike
from fixpt.formats import parse_format  # noqa: F401  (doctest name)

NAN_POLICIES = ("raise", "zero")


def cast_values(src, spec: CastSpec, shift: int, *, nan: str = "raise",
                mask: bool = False, index_offset: int = 0) -> tuple[np.ndarray, CastStatus]:
    """Cast classified inputs (float64 / int arrays or an ExactArray, see
    ``fixpt.convert.exact.classify``) with ``spec``: one C pass, then the policies."""
    if nan not in NAN_POLICIES:
        raise ValueError(f"nan={nan!r} is not one of: {', '.join(NAN_POLICIES)}")
    index_offset = check_int("index_offset", index_offset, 0, 2**64 - 1)
    if isinstance(src, ExactArray):  # beyond float64: exact parts, rounded once in C
        raw, status = _binding.cast_parts(parts_for_fixed(src.values, shift), spec, shift, mask=mask,
                                          index_offset=index_offset)
    elif src.dtype.kind == "f":
        raw, status = _binding.cast(src, spec, shift, mask=mask, index_offset=index_offset)
    else:  # integers (raw values of another format, or plain integers): an exact copy-cast
        raw, status = _binding.elementwise("copy", src, None, spec, shift, mask=mask,
                                           index_offset=index_offset)
    apply_policies(status, spec.overflow_mode, nan, src)
    return raw, status


def apply_policies(status: CastStatus, overflow_mode: OverflowMode, nan: str = "raise",
                   src=None) -> None:
    """Raise what the documented policies say a status must raise (docs/policy.md): NaN
    (unless nan="zero"), an infinity under wrap, any overflow under raise."""
    if status.n_nan and nan == "raise":
        raise ValueError(
            f"values: {status.n_nan} NaN element(s), first at index {status.first_nan}; NaN has "
            f"no fixed-point value (pass nan='zero' to map NaN to 0)"
        )
    if status.n_inf and overflow_mode == OverflowMode.WRAP:
        raise ValueError(
            f"values: {status.n_inf} infinite element(s) cannot wrap into {status.format!r}; "
            f"use a saturating overflow mode"
        )
    if status.n_overflow and overflow_mode == OverflowMode.RAISE:
        fmt = status.format
        where = status.first_overflow
        value = f" (value {src[where]!r})" if src is not None and where is not None else ""
        raise OverflowError(
            f"{status.n_overflow} of {status.size} element(s) out of the range "
            f"[{fmt.exact_min}, {fmt.exact_max}] of {fmt!r}; first at index {where}{value}"
        )


def to_raw(values, fmt: FormatLike, *, rounding: RoundLike = "nearest_even",
           overflow: OverflowLike = "saturate", seed: SeedLike = None,
           nan: str = "raise", mask: bool = False, index_offset: int = 0) -> tuple[np.ndarray, CastStatus]:
    """Convert real numbers to raw integers of ``fmt``, each exact value rounded once.

    Parameters
    ----------
    values : array_like
        Real numbers: floats, integers of any size, decimal strings, fractions (read exactly,
        see docs/policy.md).
    fmt : FixedFormat or str
        The target format, e.g. ``"Q4.12"``.
    rounding, overflow : str or mode
        Rounding mode (12) and overflow mode (5).
    seed : int, Generator or None
        The random stream of the stochastic modes (None: fresh OS entropy).
    nan : {"raise", "zero"}
        What a NaN becomes.
    mask : bool
        Also compute the per-element ``overflow_mask`` (same C pass) into the status.
    index_offset : int
        The element index of the first value (C order) in the stochastic modes' random
        stream: converting a large array in pieces, pass each piece's offset and the words
        are those of one call (what ``fixpt.dask`` does per block).

    Returns
    -------
    raw : numpy.ndarray
        Raw integers in ``fmt.container``, same shape as ``values``.
    status : CastStatus

    Raises
    ------
    ValueError
        NaN (unless ``nan="zero"``), inf under ``overflow="wrap"``, bad arguments.
    OverflowError
        Any overflow under ``overflow="raise"``.

    Examples
    --------
    >>> to_raw([0.5, 1.5, 2.5], "Q8.0", rounding="nearest_even")[0]
    array([0, 2, 2], dtype=int8)
    """
    spec = CastSpec.resolve(fmt, rounding, overflow, seed)
    return cast_values(classify(values), spec, spec.format.fl, nan=nan, mask=mask, index_offset=index_offset)


def recast_raw(raw: np.ndarray, src: FixedFormat, fmt: FormatLike, *,
               rounding: RoundLike = "nearest_even", overflow: OverflowLike = "saturate",
               seed: SeedLike = None, mask: bool = False, index_offset: int = 0) -> tuple[np.ndarray, CastStatus]:
    """Convert raw integers of format ``src`` to raw integers of ``fmt``, exactly rounded.

    Parameters
    ----------
    raw : numpy.ndarray
        Raw integers of ``src`` (any integer dtype and byte order).
    src : FixedFormat
        Their format.
    fmt : FixedFormat or str
        The target format.
    rounding, overflow, seed, mask, index_offset
        As in :func:`to_raw`.

    Returns
    -------
    raw : numpy.ndarray
    status : CastStatus

    Examples
    --------
    >>> recast_raw(np.array([7, -7], dtype=np.int8), parse_format("Q4.2"), "Q4.0")[0]
    array([ 2, -2], dtype=int8)
    """
    spec = CastSpec.resolve(fmt, rounding, overflow, seed)
    arr = np.asarray(raw)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"raw must be an integer array, got dtype {arr.dtype}")
    return cast_values(arr, spec, spec.format.fl - src.fl, mask=mask, index_offset=index_offset)


def raw_to_float(raw: np.ndarray, fmt: FixedFormat) -> np.ndarray:
    """Values of raw integers as float64: raw * 2**-FL.

    Exact whenever the value is representable in float64 (always for WL <= 53 and
    |FL| <= 1022); otherwise rounded to nearest, ties to even.

    Parameters
    ----------
    raw : array_like of int
    fmt : FixedFormat

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> raw_to_float(np.array([3, -5]), parse_format("Q4.2")).tolist()
    [0.75, -1.25]
    """
    return np.ldexp(np.asarray(raw).astype(np.float64), -fmt.fl)


def check_raw(raw, fmt: FixedFormat) -> np.ndarray:
    """``raw`` in ``fmt.container`` after checking every value lies in the format's raw range.

    Parameters
    ----------
    raw : array_like of int
    fmt : FixedFormat

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError
        Values that are not integers.
    OverflowError
        A value outside ``[fmt.raw_min, fmt.raw_max]``.

    Examples
    --------
    >>> check_raw([127, -128], parse_format("Q1.7")).dtype
    dtype('int8')
    """
    arr = np.asarray(raw)
    if arr.dtype.kind == "f" and not isinstance(raw, np.ndarray):
        # a list of Python ints beyond int64 beside small ones becomes float64 in NumPy: keep
        # the exact integers (they are checked below)
        exact = np.asarray(raw, dtype=object)
        if all(isinstance(v, (int, np.integer)) for v in exact.ravel().tolist()):
            arr = exact
    if arr.dtype.kind not in "iub":
        if arr.dtype.kind == "O" and all(isinstance(v, (int, np.integer)) for v in arr.ravel().tolist()):
            arr = classify(arr, "raw")
            if isinstance(arr, ExactArray):
                raise OverflowError(f"raw values beyond 64 bits do not fit {fmt!r}")
        else:
            raise TypeError(f"raw must hold integers, got dtype {arr.dtype}")
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < fmt.raw_min or hi > fmt.raw_max:
            bad = lo if lo < fmt.raw_min else hi
            raise OverflowError(
                f"raw value {bad} is outside the raw range [{fmt.raw_min}, {fmt.raw_max}] "
                f"of {fmt!r}"
            )
    return arr.astype(fmt.container)
