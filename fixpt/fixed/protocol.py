"""The NumPy protocol for FixedArray: ufuncs and functions that stay exact, and a clear
TypeError for everything else (never a silent float computation).

>>> import fixpt, numpy as np
>>> x = fixpt.array([0.5, 1.5], "Q4.4")
>>> np.add(x, x).tolist(), np.sum(x).tolist()
([1.0, 3.0], 2.0)
>>> np.sin(x)
Traceback (most recent call last):
...
TypeError: fixpt: numpy.sin is not exact on FixedArray; use np.asarray(x) to compute in float64
"""
from __future__ import annotations

import numpy as np

from fixpt import mac, ops
from fixpt.array import FixedArray

_UFUNCS = {
    np.add: ops.add, np.subtract: ops.subtract, np.multiply: ops.multiply,
    np.negative: ops.negative, np.absolute: ops.absolute, np.positive: lambda x: x,
    np.equal: lambda a, b: ops.compare(a, b) == 0, np.not_equal: lambda a, b: ops.compare(a, b) != 0,
    np.less: lambda a, b: ops.compare(a, b) < 0, np.less_equal: lambda a, b: ops.compare(a, b) <= 0,
    np.greater: lambda a, b: ops.compare(a, b) > 0,
    np.greater_equal: lambda a, b: ops.compare(a, b) >= 0,
    np.maximum: lambda a, b: ops.where(ops.compare(a, b) >= 0, a, b),
    np.minimum: lambda a, b: ops.where(ops.compare(a, b) <= 0, a, b),
    np.matmul: mac.matmul,
}

_REDUCE = {np.add: ops.sum, np.maximum: ops.amax, np.minimum: ops.amin, np.multiply: ops.prod}


def _refuse(name: str):
    raise TypeError(f"fixpt: numpy.{name} is not exact on FixedArray; use np.asarray(x) to "
                    f"compute in float64")


def array_ufunc(ufunc, method, inputs, kwargs):
    if kwargs.get("out") is not None:
        raise TypeError("fixpt: out= is not supported for FixedArray ufuncs; assign the result")
    if method == "__call__" and ufunc in _UFUNCS and not kwargs:
        return _UFUNCS[ufunc](*inputs)
    if method == "reduce" and ufunc in _REDUCE and len(inputs) == 1:
        return _REDUCE[ufunc](inputs[0], axis=kwargs.get("axis", 0),
                              keepdims=kwargs.get("keepdims", False))
    _refuse(ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}")


def _sum(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
    if dtype is not None or out is not None:
        raise TypeError("fixpt: np.sum(dtype=, out=) is not supported; pass out_format= to fixpt.sum")
    return ops.sum(a, axis=axis, keepdims=keepdims)


def _reshape(a, *args, **kwargs):
    shape = kwargs.pop("newshape", kwargs.pop("shape", None))
    return a.reshape(*(args or (shape,)), **kwargs)


_FUNCTIONS = {
    np.sum: _sum,
    np.cumsum: lambda a, axis=None: ops.cumsum(a, axis=axis),
    np.mean: lambda a, axis=None, keepdims=False: ops.mean(a, axis=axis, keepdims=keepdims),
    np.min: ops.amin, np.max: ops.amax, np.amin: ops.amin, np.amax: ops.amax,
    np.prod: lambda a, axis=None, keepdims=False: ops.prod(a, axis=axis, keepdims=keepdims),
    np.concatenate: ops.concatenate, np.stack: ops.stack, np.where: ops.where,
    np.reshape: _reshape,
    np.transpose: lambda a, axes=None: a.transpose(*(() if axes is None else (axes,))),
    np.ravel: lambda a, order="C": a.ravel(order),
    np.squeeze: lambda a, axis=None: a.squeeze(axis),
    np.copy: lambda a, **kwargs: a.copy(),
    np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim, np.size: lambda a, axis=None:
        a.size if axis is None else a.shape[axis],
    np.array_equal: lambda a, b, equal_nan=False: (np.shape(a) == np.shape(b)
                                                    and bool(np.all(ops.compare(a, b) == 0))),
    np.abs: ops.absolute,
    np.dot: mac.dot,
    np.convolve: lambda a, v, mode="full": mac.convolve(a, v, mode=mode),
}


def array_function(func, args, kwargs):
    impl = _FUNCTIONS.get(func)
    if impl is None:
        _refuse(func.__name__)
    return impl(*args, **kwargs)


__all__ = ["FixedArray", "array_function", "array_ufunc"]
