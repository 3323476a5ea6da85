"""NumPy functions that are exact by nature on FixedArrays: ordering (sort, argsort, argmax,
searchsorted, unique), rearranging (flip, roll, take, repeat, tile, broadcast_to, moveaxis, ...),
clip, diff, the ``*_like`` constructors, truth tests, isclose, and np.save.  Each works on the
raw integers (whose order is the values' order in one format) or through the exact kernels;
importing this module registers them for ``__array_function__`` (``fixpt.fixed`` does).

Examples
--------
>>> import fixpt, numpy as np
>>> x = fixpt.array([0.5, -1.25, 3.0, 0.5], "Q4.4")
>>> np.sort(x).tolist(), int(np.argmax(x)), np.unique(x).tolist()
([-1.25, 0.5, 0.5, 3.0], 2, [-1.25, 0.5, 3.0])
>>> np.clip(x, 0, 1).tolist(), np.diff(x).tolist(), np.diff(x).format
([0.5, 0.0, 1.0, 0.5], [-1.75, 4.25, -2.5], Q(5,4))
"""
from __future__ import annotations

import numpy as np

from fixpt.fixed import ops
from fixpt.fixed.arrays import FixedArray, array, implements
from fixpt.formats import FixedFormat


def _raw_view(func):
    """Register ``func`` as working on the raw integers: the result keeps the format."""
    def apply(a, *args, **kwargs):
        a = ops.as_fixed(a)
        return FixedArray(np.asarray(func(a.raw, *args, **kwargs)), a.format, a.rounding, a.overflow)
    implements(func)(apply)


for _func in (np.flip, np.fliplr, np.flipud, np.roll, np.rot90, np.take, np.repeat, np.tile,
              np.broadcast_to, np.expand_dims, np.swapaxes, np.moveaxis, np.atleast_1d,
              np.atleast_2d, np.atleast_3d, np.sort, np.partition, np.take_along_axis,
              np.diagonal, np.triu, np.tril, np.trim_zeros):
    _raw_view(_func)


def _raw_answer(func):
    """Register ``func`` as answering from the raw integers (indices, booleans, counts)."""
    implements(func)(lambda a, *args, **kwargs: func(ops.as_fixed(a).raw, *args, **kwargs))


for _func in (np.argsort, np.argmax, np.argmin, np.argpartition, np.nonzero, np.argwhere,
              np.flatnonzero, np.count_nonzero, np.any, np.all):
    _raw_answer(_func)


def _in_common_format(a, v) -> tuple[np.ndarray, np.ndarray]:
    """Raw integers of a and v in one format holding both exactly."""
    a, v = ops.as_fixed(a), ops.as_fixed(v)
    fmt = ops.common_format([a.format, v.format])
    return array(a, fmt).raw, array(v, fmt).raw


@implements(np.searchsorted)
def searchsorted(a, v, side: str = "left", sorter=None):
    """Insertion points of v's exact values into the sorted a (any formats)."""
    a_raw, v_raw = _in_common_format(a, v)
    return np.searchsorted(a_raw, v_raw, side=side, sorter=sorter)


@implements(np.isin)
def isin(element, test_elements, assume_unique: bool = False, invert: bool = False, *, kind=None):
    """Whether each exact value of element occurs among test_elements (any formats)."""
    e_raw, t_raw = _in_common_format(element, test_elements)
    return np.isin(e_raw, t_raw, assume_unique=assume_unique, invert=invert, kind=kind)


@implements(np.unique)
def unique(ar, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis=None, *, equal_nan: bool = True):
    """The sorted distinct values (same format), with NumPy's optional outputs."""
    ar = ops.as_fixed(ar)
    found = np.unique(ar.raw, return_index=return_index, return_inverse=return_inverse,
                      return_counts=return_counts, axis=axis)
    if isinstance(found, tuple):
        return (FixedArray(found[0], ar.format),) + tuple(found[1:])
    return FixedArray(found, ar.format)


@implements(np.clip)
def clip(a, a_min=None, a_max=None, out=None, **kwargs):
    """Values limited to [a_min, a_max], in a's format: the bounds become the format's values
    nearest inside them (a_min rounded up, a_max down, both saturating), so the result is the
    value of the format nearest each element within the bounds."""
    if kwargs.pop("min", None) is not None or kwargs.pop("max", None) is not None or kwargs:
        raise TypeError("fixpt: np.clip(x, a_min, a_max) takes no other options on FixedArrays")
    a = ops.as_fixed(a)
    raw = a.raw
    if a_min is not None:
        low = array(a_min, a.format, rounding="ceil", overflow="saturate").raw
        raw = np.maximum(raw, low)
    if a_max is not None:
        high = array(a_max, a.format, rounding="floor", overflow="saturate").raw
        raw = np.minimum(raw, high)
    result = FixedArray(np.asarray(raw, dtype=a.format.container), a.format)
    if out is not None:
        if not isinstance(out, FixedArray):
            raise TypeError("fixpt: out= must be a FixedArray")
        out[...] = result
        return out
    return result


@implements(np.diff)
def diff(a, n: int = 1, axis: int = -1, prepend=np._NoValue, append=np._NoValue):
    """n-th differences along axis, exact (each difference grows the format by one bit)."""
    a = ops.as_fixed(a)
    parts = [a]
    if prepend is not np._NoValue:
        parts.insert(0, ops.as_fixed(np.broadcast_to(prepend, _edge_shape(a, axis))
                                     if np.ndim(prepend) == 0 else prepend))
    if append is not np._NoValue:
        parts.append(ops.as_fixed(np.broadcast_to(append, _edge_shape(a, axis))
                                  if np.ndim(append) == 0 else append))
    result = ops.concatenate(parts, axis=axis) if len(parts) > 1 else a
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n}")
    axis = axis % result.ndim if result.ndim else 0
    for _ in range(n):
        upper = tuple(slice(1, None) if d == axis else slice(None) for d in range(result.ndim))
        lower = tuple(slice(None, -1) if d == axis else slice(None) for d in range(result.ndim))
        result = ops.subtract(result[upper], result[lower])
    return result


def _edge_shape(a: FixedArray, axis: int) -> tuple:
    shape = list(a.shape)
    shape[axis] = 1
    return tuple(shape)


def _like(a, shape) -> tuple[FixedFormat, tuple]:
    a = ops.as_fixed(a)
    return a.format, a.shape if shape is None else shape


def _no_dtype(name: str, dtype) -> None:
    if dtype is not None:
        raise TypeError(f"fixpt: np.{name}(x, dtype=) on a FixedArray; the result keeps x's format "
                        f"(use fixpt.zeros(shape, fmt) for another format)")


@implements(np.zeros_like)
def zeros_like(a, dtype=None, order="K", subok=True, shape=None, **kwargs):
    """Zeros in a's format."""
    _no_dtype("zeros_like", dtype)
    fmt, shape = _like(a, shape)
    return FixedArray(np.zeros(shape, fmt.container), fmt)


@implements(np.empty_like)
def empty_like(prototype, dtype=None, order="K", subok=True, shape=None, **kwargs):
    """Zeros in the prototype's format (never uninitialised bits: they could be outside the
    format's range)."""
    _no_dtype("empty_like", dtype)
    return zeros_like(prototype, shape=shape)


@implements(np.full_like)
def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, **kwargs):
    """fill_value in a's format, exactly (ValueError when the format cannot hold it)."""
    _no_dtype("full_like", dtype)
    fmt, shape = _like(a, shape)
    one = array(fill_value, fmt, rounding="nearest_even", overflow="raise")
    if np.any(ops.compare(one, ops.as_fixed(fill_value)) != 0):
        raise ValueError(f"fixpt: {fill_value!r} is not a value of {fmt!r}; round it first "
                         f"(fixpt.full(shape, value, fmt, rounding=...))")
    return FixedArray(np.broadcast_to(one.raw, shape).copy(), fmt)


@implements(np.ones_like)
def ones_like(a, dtype=None, order="K", subok=True, shape=None, **kwargs):
    """Ones in a's format (ValueError when 1 is not a value of it, as in Q1.15)."""
    return full_like(a, 1, dtype=dtype, shape=shape)


def _float_values(x, name: str) -> np.ndarray:
    """float64 values of a FixedArray that float64 holds exactly (formats of at most 53 bits)."""
    x = ops.as_fixed(x)
    if x.format.wl > 53:
        raise TypeError(f"fixpt: np.{name} on {x.format!r} ({x.format.wl} bits) would round its "
                        f"values to float64; compare exactly with fixpt.compare or ==")
    return x.to_float()


@implements(np.isclose)
def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """NumPy's tolerance test on the exact values (formats of at most 53 bits)."""
    return np.isclose(_float_values(a, "isclose"), _float_values(b, "isclose"), rtol=rtol,
                      atol=atol, equal_nan=equal_nan)


@implements(np.allclose)
def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every pair is close (see :func:`isclose`)."""
    return bool(np.all(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))


@implements(np.save)
def save(file, arr, allow_pickle: bool = True, **kwargs) -> None:
    """The exact values as float64 (formats of at most 53 bits; the format itself is not
    kept: ``fixpt.save`` keeps it)."""
    np.save(file, _float_values(arr, "save"), allow_pickle=allow_pickle, **kwargs)


@implements(np.array_equiv)
def array_equiv(a1, a2) -> bool:
    """Shape-consistent (broadcast) and every exact value equal."""
    try:
        return bool(np.all(ops.compare(a1, a2) == 0))
    except ValueError:
        return False
