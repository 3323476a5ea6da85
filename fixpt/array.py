"""FixedArray: a NumPy array of raw integers together with its fixed-point format.

>>> x = array([0.25, -1.5, 3.3], "Q4.4")
>>> x
FixedArray(Q(4,4),
  values=[ 0.25   -1.5     3.3125],
  raw=   [0x04, 0xe8, 0x35])
>>> x.raw
array([  4, -24,  53], dtype=int8)
"""
from __future__ import annotations

from fractions import Fraction
from typing import Optional

import numpy as np

from fixpt.convert import CastStatus, check_raw, raw_to_float, recast_raw, to_raw
from fixpt.formats import FixedFormat, FormatLike, parse_format
from fixpt.modes import OverflowLike, RoundLike
from fixpt.rng import SeedLike


class FixedArray:
    """Raw integers in the format's container dtype plus the format.

    Build one with :func:`array` (from real values) or :func:`from_raw`.
    """

    __slots__ = ("_raw", "_format")

    def __init__(self, raw: np.ndarray, fmt: FixedFormat) -> None:
        # internal: raw must already be a checked array of fmt.container
        self._raw = raw
        self._format = fmt

    # --- basic attributes ---------------------------------------------------
    @property
    def format(self) -> FixedFormat:
        return self._format

    @property
    def raw(self) -> np.ndarray:
        """The raw two's complement (or unsigned) integers."""
        return self._raw

    @property
    def shape(self) -> tuple:
        return self._raw.shape

    @property
    def ndim(self) -> int:
        return self._raw.ndim

    @property
    def size(self) -> int:
        return self._raw.size

    def __len__(self) -> int:
        return len(self._raw)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __getitem__(self, index) -> "FixedArray":
        return FixedArray(self._raw[index], self._format)

    def copy(self) -> "FixedArray":
        return FixedArray(self._raw.copy(), self._format)

    # --- values out ---------------------------------------------------------
    def to_float(self) -> np.ndarray:
        """Values as float64 (exact whenever float64 can hold them)."""
        return raw_to_float(self._raw, self._format)

    def __array__(self, dtype=None, copy=None):
        values = self.to_float()
        return values if dtype is None else values.astype(dtype)

    def to_fractions(self) -> np.ndarray:
        """Exact values as an object array of fractions.Fraction."""
        scale = Fraction(2) ** -self._format.fl
        out = np.empty(self.shape, dtype=object)
        out.ravel()[:] = [Fraction(int(r)) * scale for r in self._raw.ravel().tolist()]
        return out

    def tolist(self):
        """Values as (nested) lists of Python floats."""
        return self.to_float().tolist()

    def astype(self, fmt: FormatLike, *, rounding: RoundLike = "nearest_even",
               overflow: OverflowLike = "saturate", seed: SeedLike = None) -> "FixedArray":
        """Convert to another fixed-point format, exactly rounded."""
        fmt = parse_format(fmt)
        raw, _ = recast_raw(self._raw, self._format, fmt, rounding=rounding,
                            overflow=overflow, seed=seed)
        return FixedArray(raw, fmt)

    # --- display ------------------------------------------------------------
    def hex_strings(self) -> np.ndarray:
        """Raw bits as zero-padded hex strings of the word length."""
        fmt = self._format
        digits = (fmt.wl + 3) // 4
        mask = (1 << fmt.wl) - 1
        out = np.empty(self.shape, dtype=f"<U{digits + 2}")
        out.ravel()[:] = [f"0x{int(r) & mask:0{digits}x}" for r in self._raw.ravel().tolist()]
        return out

    def __repr__(self) -> str:
        values = np.array2string(self.to_float(), separator=" ", prefix="  values=",
                                 threshold=64, precision=17, floatmode="unique")
        raw = np.array2string(self.hex_strings(), separator=", ", prefix="  raw=   ",
                              threshold=64, formatter={"all": str})
        return f"FixedArray({self._format!r},\n  values={values},\n  raw=   {raw})"


def array(values, fmt: FormatLike, *, rounding: RoundLike = "nearest_even",
          overflow: OverflowLike = "saturate", seed: SeedLike = None, nan: str = "raise",
          return_status: bool = False):
    """Convert values (floats, integers or a FixedArray) to a FixedArray of ``fmt``.

    With ``return_status=True`` also returns the :class:`CastStatus`
    (overflow, NaN, inf and rounding counts).

    >>> array([1.0, 2.0, 3.0], "Q2.2", overflow="saturate").tolist()
    [1.0, 1.75, 1.75]
    """
    fmt = parse_format(fmt)
    status: Optional[CastStatus]
    if isinstance(values, FixedArray):
        raw, status = recast_raw(values.raw, values.format, fmt, rounding=rounding,
                                 overflow=overflow, seed=seed)
    else:
        raw, status = to_raw(values, fmt, rounding=rounding, overflow=overflow, seed=seed,
                             nan=nan)
    result = FixedArray(raw, fmt)
    return (result, status) if return_status else result


def from_raw(raw, fmt: FormatLike) -> FixedArray:
    """Wrap raw integers (checked against the format's raw range) as a FixedArray.

    >>> from_raw([-32768, 32767], "Q1.15").tolist()
    [-1.0, 0.999969482421875]
    """
    fmt = parse_format(fmt)
    return FixedArray(check_raw(raw, fmt), fmt)
