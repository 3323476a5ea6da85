"""Argument checks shared by the whole package: an integer within a range, an axis.

Errors name the argument, the value and the allowed range.

Examples
--------
>>> check_int("bits", 8, 2, 16)
8
>>> normalize_axis(-1, 3)
2
"""
from __future__ import annotations

from typing import Optional

import numpy as np

try:  # NumPy >= 1.25
    from numpy.exceptions import AxisError
except ImportError:  # pragma: no cover
    AxisError = np.AxisError


def check_int(name: str, value: object, lo: Optional[int] = None, hi: Optional[int] = None) -> int:
    """``value`` as an int: TypeError unless it is an integer (bools are not), ValueError
    naming the argument and the allowed range unless lo <= value <= hi.

    Parameters
    ----------
    name : str
        The argument's name for the messages.
    value : object
    lo, hi : int or None
        The allowed range (None: unbounded).

    Returns
    -------
    int

    Examples
    --------
    >>> check_int("bits", 8, 2, 16)
    8
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        allowed = (f"the allowed range {lo}..{hi}" if lo is not None and hi is not None
                   else f"allowed only >= {lo}" if lo is not None else f"allowed only <= {hi}")
        raise ValueError(f"{name}={value!r} is outside {allowed}")
    return int(value)


def normalize_axis(axis: object, ndim: int, argument: str = "axis") -> int:
    """``axis`` as an index in 0..ndim-1 (negative counts from the end), or NumPy's AxisError
    naming the argument, as NumPy functions do.

    Parameters
    ----------
    axis : int
    ndim : int
        The number of dimensions.
    argument : str
        The argument's name for the error message.

    Returns
    -------
    int

    Raises
    ------
    numpy.exceptions.AxisError
        An axis out of range.
    TypeError
        A non-integer axis.

    Examples
    --------
    >>> normalize_axis(-1, 3)
    2
    """
    value = check_int(argument, axis)
    if not -ndim <= value < ndim:
        raise AxisError(value, ndim, msg_prefix=None if argument == "axis" else argument)
    return value % ndim


def check_out(out: object, shape: tuple, dtype, what: str) -> Optional[np.ndarray]:
    """An ``out=`` array for a result of ``shape`` and ``dtype``: None passes through, anything
    else must be a writeable ndarray of exactly that shape and dtype (the result is never cast
    into another type silently). Returns the C-contiguous array the kernel may write to
    directly, or None when ``out`` needs a temporary and a copy (a strided view).

    Examples
    --------
    >>> buf = np.empty(3, np.float32)
    >>> check_out(buf, (3,), np.float32, "dequantize") is buf
    True
    >>> check_out(np.empty(6, np.float32)[::2], (3,), np.float32, "dequantize") is None
    True
    """
    if out is None:
        return None
    dtype = np.dtype(dtype)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{what}: out must be a NumPy array of dtype {dtype} and shape {shape}, got "
                        f"{type(out).__name__}")
    if out.dtype != dtype or out.shape != tuple(shape):
        raise ValueError(f"{what}: out has dtype {out.dtype} and shape {out.shape}; the result has dtype "
                         f"{dtype} and shape {tuple(shape)} (allocate it with np.empty({tuple(shape)}, "
                         f"np.{dtype.name}))")
    if not out.flags.writeable:
        raise ValueError(f"{what}: out is read-only")
    return out if out.flags.c_contiguous and out.dtype.isnative else None
