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

>>> raw, status = to_raw([0.3, -1.5, 9.0], "Q4.4")
>>> raw
array([  5, -24, 127], dtype=int8)
>>> status.n_overflow, status.n_inexact
(1, 1)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from fixpt import _binding
from fixpt.exact import ExactArray, classify, parts_for_fixed
from fixpt.formats import FixedFormat, FormatLike, parse_format
from fixpt.modes import OverflowLike, OverflowMode, RoundLike, RoundMode
from fixpt.rng import SeedLike, resolve_seed

NAN_POLICIES = ("raise", "zero")


@dataclass(frozen=True)
class CastStatus:
    """What happened in one cast: overflow, NaN, inf and rounding counts.

    ``first_overflow`` and ``first_nan`` are the index tuples of the first
    such element (C order), or None.
    """

    format: FixedFormat
    size: int
    n_overflow_pos: int
    n_overflow_neg: int
    n_nan: int
    n_inf: int
    n_inexact: int
    first_overflow: Optional[tuple]
    first_nan: Optional[tuple]
    overflow_mask: Optional[np.ndarray] = field(default=None, repr=False, compare=False)

    @property
    def n_overflow(self) -> int:
        """Elements outside the range (saturated, zeroed or wrapped)."""
        return self.n_overflow_pos + self.n_overflow_neg

    def __str__(self) -> str:
        return (
            f"cast to {self.format!r}: {self.size} elements, {self.n_overflow} overflowed "
            f"({self.n_overflow_pos} above, {self.n_overflow_neg} below), "
            f"{self.n_inexact} rounded, {self.n_nan} NaN, {self.n_inf} inf"
        )


def _index(flat: int, shape: tuple) -> Optional[tuple]:
    if flat < 0:
        return None
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


def resolve_modes(rounding: RoundLike, overflow: OverflowLike,
                  seed: SeedLike) -> tuple[RoundMode, OverflowMode, int, int]:
    """Parse the mode arguments; draw (seed, stream) only for stochastic rounding."""
    round_mode = RoundMode.parse(rounding, "rounding")
    overflow_mode = OverflowMode.parse(overflow, "overflow")
    seed_value, stream = resolve_seed(seed) if round_mode.is_stochastic else (0, 0)
    return round_mode, overflow_mode, seed_value, stream


def make_status(fmt: FixedFormat, shape: tuple, kst, mask: Optional[np.ndarray] = None) -> CastStatus:
    """A CastStatus from the C kernel's record (flat indices become index tuples)."""
    return CastStatus(
        fmt, int(np.prod(shape, dtype=np.int64)), kst.n_overflow_pos, kst.n_overflow_neg,
        kst.n_nan, kst.n_inf, kst.n_inexact, _index(kst.first_overflow, shape),
        _index(kst.first_nan, shape), mask,
    )


def _cast(src: np.ndarray, fmt: FixedFormat, shift: int, rounding: RoundLike,
          overflow: OverflowLike, seed: SeedLike, nan: str,
          mask: bool = False) -> tuple[np.ndarray, CastStatus]:
    if nan not in NAN_POLICIES:
        raise ValueError(f"nan={nan!r} is not one of: {', '.join(NAN_POLICIES)}")
    round_mode, overflow_mode, seed_value, stream = resolve_modes(rounding, overflow, seed)
    kwargs = dict(word_length=fmt.wl, signed=fmt.signed, shift=shift, round_code=int(round_mode),
                  overflow_code=int(overflow_mode), seed=seed_value, stream=stream, want_mask=mask)
    if isinstance(src, ExactArray):  # beyond float64: exact parts, rounded once in C
        raw, kst, overflow_mask = _binding.cast_parts(parts_for_fixed(src.values, shift),
                                                      fmt.container, **kwargs)
    elif src.dtype.kind == "f":
        raw, kst, overflow_mask = _binding.cast(src, fmt.container, **kwargs)
    else:  # integers (raw values of another format, or plain integers): an exact copy-cast
        raw, kst, overflow_mask, _ = _binding.elementwise("copy", src, None, fmt.container, **kwargs)
    status = make_status(fmt, src.shape, kst, overflow_mask)
    _apply_policies(src, status, overflow_mode, nan)
    return raw, status


def _apply_policies(src: Optional[np.ndarray], status: CastStatus, overflow_mode: OverflowMode,
                    nan: str) -> None:
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
           nan: str = "raise", mask: bool = False) -> tuple[np.ndarray, CastStatus]:
    """Convert real numbers to raw integers of ``fmt`` exactly.

    Returns the raw integers (in ``fmt.container``, same shape as ``values``)
    and a :class:`CastStatus`.  Stochastic modes take ``seed`` (int, a
    :class:`fixpt.Generator`, or None for fresh OS entropy).  With ``mask=True`` the
    status carries ``overflow_mask``, computed in the same C pass.

    >>> to_raw([0.5, 1.5, 2.5], "Q8.0", rounding="nearest_even")[0]
    array([0, 2, 2], dtype=int8)
    """
    fmt = parse_format(fmt)
    return _cast(classify(values), fmt, fmt.fl, rounding, overflow, seed, nan, mask)


def recast_raw(raw: np.ndarray, src: FixedFormat, fmt: FormatLike, *,
               rounding: RoundLike = "nearest_even", overflow: OverflowLike = "saturate",
               seed: SeedLike = None, mask: bool = False) -> tuple[np.ndarray, CastStatus]:
    """Convert raw integers of format ``src`` to raw integers of ``fmt`` exactly.

    >>> recast_raw(np.array([7, -7], dtype=np.int8), parse_format("Q4.2"), "Q4.0")[0]
    array([ 2, -2], dtype=int8)
    """
    fmt = parse_format(fmt)
    arr = np.asarray(raw)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"raw must be an integer array, got dtype {arr.dtype}")
    return _cast(arr, fmt, fmt.fl - src.fl, rounding, overflow, seed, "raise", mask)


def raw_to_float(raw: np.ndarray, fmt: FixedFormat) -> np.ndarray:
    """Values of raw integers as float64: raw * 2**-FL.

    Exact whenever the value is representable in float64 (always for WL <= 53
    and |FL| <= 1022); otherwise rounded to nearest, ties to even.
    """
    return np.ldexp(np.asarray(raw).astype(np.float64), -fmt.fl)


def check_raw(raw, fmt: FixedFormat) -> np.ndarray:
    """Return ``raw`` as fmt.container after checking every value is in range."""
    arr = np.asarray(raw)
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
