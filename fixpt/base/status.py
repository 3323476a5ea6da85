"""What a kernel saw: the one status type of every cast and elementwise operation.

The C core fills a record per call (counts and flat first indices); the binding turns it
into a :class:`CastStatus` once, with index tuples and the optional per-element overflow mask.

Examples
--------
>>> s = CastStatus("Q4.4", 3, 1, 0, 0, 0, 2, (2,), None)
>>> s.n_overflow, str(s)
(1, 'cast to Q4.4: 3 elements, 1 overflowed (1 above, 0 below), 2 rounded, 0 NaN, 0 inf')
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional, Union

import numpy as np

from fixpt.base.shapes import unravel

#: The IEEE 754 flag bits of the C core's per-element flags (fixpt_float_flag in fixpt.h).
FLAG_BITS = {"inexact": 1, "underflow": 2, "overflow": 4, "invalid": 8, "divide_by_zero": 16}

if TYPE_CHECKING:  # for the annotation only: formats sit above this module
    from fixpt.formats import FixedFormat, FloatFormat


@dataclass(frozen=True)
class CastStatus:
    """What happened in one cast or operation: overflow, NaN, inf and rounding counts.

    Attributes
    ----------
    format : FixedFormat or FloatFormat
        The format the results were written in.
    size : int
        Number of elements.
    n_overflow_pos, n_overflow_neg : int
        Results above the range (+inf included) and below it (-inf included).
    n_nan, n_inf : int
        NaN and infinite inputs.
    n_inexact : int
        Results that needed rounding.
    first_overflow, first_nan : tuple or None
        Index tuples (C order) of the first such element.
    overflow_mask : numpy.ndarray or None
        Per-element overflow flags, when asked for (``return_status=True`` / ``mask=True``).
    n_divide_by_zero : int
        Divisions by zero (``fixpt.divide``, ``fixpt.floats.divide``).
    n_underflow, n_invalid : int
        Float results: tiny and inexact; invalid operations (``inf - inf``, ``0 * inf``,
        ``0 / 0``, ``sqrt(-1)``, a signaling NaN, a value the format has no encoding for).
    flags : numpy.ndarray or None
        Float results with ``return_status=True``: each element's IEEE 754 flags as bits
        (inexact 1, underflow 2, overflow 4, invalid 8, divide-by-zero 16); read them as
        the boolean masks :attr:`inexact`, :attr:`underflow`, :attr:`overflow`,
        :attr:`invalid` and :attr:`divide_by_zero`.

    Examples
    --------
    >>> import fixpt
    >>> _, status = fixpt.array([0.3, 9.0], "Q4.4", return_status=True)
    >>> status.n_overflow, status.first_overflow, status.overflow_mask.tolist()
    (1, (1,), [False, True])
    """

    format: Union["FixedFormat", "FloatFormat", str]
    size: int
    n_overflow_pos: int
    n_overflow_neg: int
    n_nan: int
    n_inf: int
    n_inexact: int
    first_overflow: Optional[tuple]
    first_nan: Optional[tuple]
    overflow_mask: Optional[np.ndarray] = field(default=None, repr=False, compare=False)
    n_divide_by_zero: int = 0
    n_underflow: int = 0
    n_invalid: int = 0
    flags: Optional[np.ndarray] = field(default=None, repr=False, compare=False)

    @property
    def n_overflow(self) -> int:
        """Elements outside the range (saturated, zeroed or wrapped)."""
        return self.n_overflow_pos + self.n_overflow_neg

    def _flag(self, bit: int) -> Optional[np.ndarray]:
        return None if self.flags is None else (self.flags & bit) != 0

    @property
    def inexact(self) -> Optional[np.ndarray]:
        """Per-element inexact flags (float results with ``return_status=True``)."""
        return self._flag(FLAG_BITS["inexact"])

    @property
    def underflow(self) -> Optional[np.ndarray]:
        """Per-element underflow flags: tiny and inexact."""
        return self._flag(FLAG_BITS["underflow"])

    @property
    def overflow(self) -> Optional[np.ndarray]:
        """Per-element overflow flags (for fixed-point results, the overflow mask)."""
        return self.overflow_mask if self.flags is None else self._flag(FLAG_BITS["overflow"])

    @property
    def invalid(self) -> Optional[np.ndarray]:
        """Per-element invalid-operation flags."""
        return self._flag(FLAG_BITS["invalid"])

    @property
    def divide_by_zero(self) -> Optional[np.ndarray]:
        """Per-element divide-by-zero flags."""
        return self._flag(FLAG_BITS["divide_by_zero"])

    def __str__(self) -> str:
        return (
            f"cast to {self.format}: {self.size} elements, {self.n_overflow} overflowed "
            f"({self.n_overflow_pos} above, {self.n_overflow_neg} below), "
            f"{self.n_inexact} rounded, {self.n_nan} NaN, {self.n_inf} inf"
        )


def from_record(record, fmt, shape: tuple, mask: Optional[np.ndarray] = None,
                flags: Optional[np.ndarray] = None) -> CastStatus:
    """A CastStatus from the C record ``fixpt_status`` (flat indices become index tuples);
    ``flags``, the per-element IEEE flag bytes of a float kernel, also give the overflow mask."""
    if flags is not None:
        flags = flags.reshape(shape)
        mask = (flags & FLAG_BITS["overflow"]) != 0
    return CastStatus(
        fmt, math.prod(shape), int(record.n_overflow_pos),
        int(record.n_overflow_neg), int(record.n_nan), int(record.n_inf), int(record.n_inexact),
        unravel(int(record.first_overflow), shape), unravel(int(record.first_nan), shape), mask,
        int(record.n_divide_by_zero), int(record.n_underflow), int(record.n_invalid), flags)
