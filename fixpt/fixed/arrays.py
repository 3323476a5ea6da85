"""FixedArray: a NumPy array of raw integers together with its fixed-point format.

>>> x = array([0.25, -1.5, 3.3], "Q4.4")
>>> x
FixedArray(Q(4,4),
  values=[ 0.25   -1.5     3.3125],
  raw=   [0x04, 0xe8, 0x35])
>>> x.raw
array([  4, -24,  53], dtype=int8)
>>> (x * x).format, (x + x).format
(Q(8,8), Q(5,4))
"""
from __future__ import annotations

from fractions import Fraction
from typing import Optional

import numpy as np

from fixpt import record
from fixpt.convert import CastStatus, check_raw, raw_to_float, recast_raw, to_raw
from fixpt.formats import FixedFormat, FormatLike, parse_format
from fixpt.modes import OverflowLike, RoundLike
from fixpt.rng import SeedLike


class FixedArray:
    """Raw integers in the format's container dtype plus the format.

    Build one with :func:`array` (from real values), :func:`from_raw`, or the
    helpers :func:`zeros`, :func:`ones`, :func:`full`, :func:`arange`.
    Arithmetic is exact (the result format grows); comparisons compare exact values;
    NumPy functions either stay exact or raise ``TypeError``.
    """

    __slots__ = ("_raw", "_format")
    __array_priority__ = 20

    def __init__(self, raw: np.ndarray, fmt: FixedFormat) -> None:
        # internal: raw must already be a checked array of fmt.container
        self._raw = raw
        self._format = fmt

    # --- basic attributes ---------------------------------------------------
    @property
    def format(self) -> FixedFormat:
        """The fixed-point format (plays the role of a dtype)."""
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

    # --- indexing -----------------------------------------------------------
    def __getitem__(self, index) -> "FixedArray":
        """Like NumPy: basic indexing gives views, boolean/fancy indexing copies."""
        if isinstance(index, FixedArray):
            raise TypeError("index with integers or booleans, not a FixedArray")
        return FixedArray(self._raw[index], self._format)

    def __setitem__(self, index, values) -> None:
        """Assign values converted to this array's format (nearest_even, saturate)."""
        converted = array(values, self._format)
        self._raw[index] = converted.raw

    # --- shape --------------------------------------------------------------
    def _with(self, raw: np.ndarray) -> "FixedArray":
        return FixedArray(raw, self._format)

    def reshape(self, *shape, order: str = "C") -> "FixedArray":
        return self._with(self._raw.reshape(*shape, order=order))

    def transpose(self, *axes) -> "FixedArray":
        return self._with(self._raw.transpose(*axes))

    @property
    def T(self) -> "FixedArray":
        return self._with(self._raw.T)

    def ravel(self, order: str = "C") -> "FixedArray":
        return self._with(self._raw.ravel(order))

    def flatten(self) -> "FixedArray":
        return self._with(self._raw.flatten())

    def squeeze(self, axis=None) -> "FixedArray":
        return self._with(self._raw.squeeze(axis))

    def copy(self) -> "FixedArray":
        return self._with(self._raw.copy())

    # --- values out ---------------------------------------------------------
    def to_float(self) -> np.ndarray:
        """Values as float64 (exact whenever float64 can hold them)."""
        return raw_to_float(self._raw, self._format)

    def __array__(self, dtype=None, copy=None):
        values = self.to_float()
        return values if dtype is None else values.astype(dtype)

    def __float__(self) -> float:
        return float(self.to_float())

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
               overflow: OverflowLike = "saturate", seed: SeedLike = None,
               return_status: bool = False):
        """Convert to another fixed-point format, exactly rounded, in one C pass."""
        fmt = parse_format(fmt)
        raw, status = recast_raw(self._raw, self._format, fmt, rounding=rounding,
                                 overflow=overflow, seed=seed, mask=return_status)
        result = FixedArray(raw, fmt)
        record.note("astype", status, result.to_float() if record.is_recording() else None)
        return (result, status) if return_status else result

    # --- display ------------------------------------------------------------
    def hex(self) -> np.ndarray:
        """Raw bits as zero-padded hex strings of the word length (two's complement)."""
        from fixpt.bits import to_strings
        return to_strings(self, 16)

    def bin(self) -> np.ndarray:
        """Raw bits as binary strings of the word length (two's complement)."""
        from fixpt.bits import to_strings
        return to_strings(self, 2)

    def __repr__(self) -> str:
        values = np.array2string(self.to_float(), separator=" ", prefix="  values=",
                                 threshold=64, precision=17, floatmode="unique")
        raw = np.array2string(self.hex(), separator=", ", prefix="  raw=   ",
                              threshold=64, formatter={"all": lambda bits: "0x" + bits})
        return f"FixedArray({self._format!r},\n  values={values},\n  raw=   {raw})"

    def __bool__(self) -> bool:
        return bool(self._raw)

    # --- arithmetic (see fixpt.ops) ---------------------------------------------
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.subtract(self, other)

    def __rsub__(self, other):
        return _ops.subtract(other, self)

    def __mul__(self, other):
        return _ops.multiply(self, other)

    def __rmul__(self, other):
        return _ops.multiply(other, self)

    def __truediv__(self, other):
        raise TypeError("a quotient has no exact fixed-point format: use "
                        "fixpt.divide(a, b, out_format, rounding=..., overflow=...)")

    __rtruediv__ = __floordiv__ = __rfloordiv__ = __truediv__

    def __matmul__(self, other):
        from fixpt.mac import matmul
        return matmul(self, other)

    def __rmatmul__(self, other):
        from fixpt.mac import matmul
        return matmul(other, self)

    def __neg__(self):
        return _ops.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.absolute(self)

    def __lshift__(self, n: int):
        """Multiply by 2**n exactly: the binary point moves, the raw integers stay."""
        return _ops.scale_by_power_of_two(self, n)

    def __rshift__(self, n: int):
        """Divide by 2**n exactly: the binary point moves, the raw integers stay."""
        return _ops.scale_by_power_of_two(self, -n)

    def shift_raw(self, n: int, *, rounding: RoundLike = "floor",
                  overflow: OverflowLike = "wrap") -> "FixedArray":
        """Shift the raw integers by n bits keeping the format, like a hardware shifter
        (left shifts wrap, right shifts floor, unless told otherwise)."""
        return _ops.shift_raw(self, n, rounding=rounding, overflow=overflow)

    def __eq__(self, other):
        return _ops.compare(self, other) == 0

    def __ne__(self, other):
        return _ops.compare(self, other) != 0

    def __lt__(self, other):
        return _ops.compare(self, other) < 0

    def __le__(self, other):
        return _ops.compare(self, other) <= 0

    def __gt__(self, other):
        return _ops.compare(self, other) > 0

    def __ge__(self, other):
        return _ops.compare(self, other) >= 0

    __hash__ = None

    # --- reductions -----------------------------------------------------------------
    def sum(self, axis=None, keepdims: bool = False, **kwargs):
        return _ops.sum(self, axis=axis, keepdims=keepdims, **kwargs)

    def cumsum(self, axis=None, **kwargs):
        return _ops.cumsum(self, axis=axis, **kwargs)

    def mean(self, axis=None, keepdims: bool = False, **kwargs):
        return _ops.mean(self, axis=axis, keepdims=keepdims, **kwargs)

    def min(self, axis=None, keepdims: bool = False):
        return _ops.amin(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims: bool = False):
        return _ops.amax(self, axis=axis, keepdims=keepdims)

    def prod(self, axis=None, keepdims: bool = False, **kwargs):
        return _ops.prod(self, axis=axis, keepdims=keepdims, **kwargs)

    # --- NumPy protocol ---------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from fixpt.protocol import array_ufunc
        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from fixpt.protocol import array_function
        return array_function(func, args, kwargs)


def array(values, fmt: FormatLike, *, rounding: RoundLike = "nearest_even",
          overflow: OverflowLike = "saturate", seed: SeedLike = None, nan: str = "raise",
          return_status: bool = False):
    """Convert values (floats, integers or a FixedArray) to a FixedArray of ``fmt``.

    With ``return_status=True`` also returns the :class:`CastStatus`
    (overflow, NaN, inf and rounding counts, and the per-element ``overflow_mask``).

    >>> array([1.0, 2.0, 3.0], "Q2.2", overflow="saturate").tolist()
    [1.0, 1.75, 1.75]
    """
    fmt = parse_format(fmt)
    status: Optional[CastStatus]
    if isinstance(values, FixedArray):
        raw, status = recast_raw(values.raw, values.format, fmt, rounding=rounding,
                                 overflow=overflow, seed=seed, mask=return_status)
    else:
        raw, status = to_raw(values, fmt, rounding=rounding, overflow=overflow, seed=seed,
                             nan=nan, mask=return_status)
    result = FixedArray(raw, fmt)
    record.note("array", status, result.to_float() if record.is_recording() else None)
    return (result, status) if return_status else result


def from_raw(raw, fmt: FormatLike) -> FixedArray:
    """Wrap raw integers (checked against the format's raw range) as a FixedArray.

    >>> from_raw([-32768, 32767], "Q1.15").tolist()
    [-1.0, 0.999969482421875]
    """
    fmt = parse_format(fmt)
    return FixedArray(check_raw(raw, fmt), fmt)


def zeros(shape, fmt: FormatLike) -> FixedArray:
    """All zeros.

    >>> zeros(3, "Q4.4").tolist()
    [0.0, 0.0, 0.0]
    """
    fmt = parse_format(fmt)
    return FixedArray(np.zeros(shape, fmt.container), fmt)


def full(shape, value, fmt: FormatLike, **kwargs) -> FixedArray:
    """Every element the value (converted exactly with the given modes)."""
    fmt = parse_format(fmt)
    one = array(value, fmt, **kwargs)
    return FixedArray(np.full(shape, one.raw, fmt.container), fmt)


def ones(shape, fmt: FormatLike, **kwargs) -> FixedArray:
    """All ones (saturated to max when 1 is out of range).

    >>> ones(2, "Q1.7").tolist()
    [0.9921875, 0.9921875]
    """
    return full(shape, 1.0, fmt, **kwargs)


def arange(start, stop=None, step=1, *, fmt: FormatLike, **kwargs) -> FixedArray:
    """Evenly spaced values, computed in float64 then converted (exact when the steps are
    representable).

    >>> arange(0, 1, 0.25, fmt="Q2.2").tolist()
    [0.0, 0.25, 0.5, 0.75]
    """
    return array(np.arange(start, stop, step, dtype=np.float64), fmt, **kwargs)


from fixpt import ops as _ops  # noqa: E402  (ops needs FixedArray defined above)
