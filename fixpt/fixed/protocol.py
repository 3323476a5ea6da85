"""The NumPy protocol for FixedArray: which ufuncs and functions have an exact implementation.

Importing this module registers them with :func:`fixpt.fixed.arrays.implements` and
:func:`~fixpt.fixed.arrays.implements_ufunc` (``fixpt.fixed`` imports it); anything else raises
a clear ``TypeError`` (never a silent float computation).

Examples
--------
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

from fixpt.fixed import bitwise, mac, ops
from fixpt.fixed.arrays import implements, implements_ufunc


def _register_ufunc(ufunc, impl, method: str = "__call__") -> None:
    implements_ufunc(ufunc, method)(impl)


def _no_quotient(*args, **kwargs):
    raise TypeError("a quotient has no exact fixed-point format: use "
                    "fixpt.divide(a, b, out_format, rounding=..., overflow=...)")


for _ufunc, _impl in {
    np.add: ops.add, np.subtract: ops.subtract, np.multiply: ops.multiply,
    np.negative: ops.negative, np.absolute: ops.absolute, np.positive: lambda x: x,
    np.equal: lambda a, b: ops.compare(a, b) == 0, np.not_equal: lambda a, b: ops.compare(a, b) != 0,
    np.less: lambda a, b: ops.compare(a, b) < 0, np.less_equal: lambda a, b: ops.compare(a, b) <= 0,
    np.greater: lambda a, b: ops.compare(a, b) > 0,
    np.greater_equal: lambda a, b: ops.compare(a, b) >= 0,
    np.maximum: lambda a, b: ops.where(ops.compare(a, b) >= 0, a, b),
    np.minimum: lambda a, b: ops.where(ops.compare(a, b) <= 0, a, b),
    np.matmul: mac.matmul,
    np.left_shift: lambda a, n: ops.scale_by_power_of_two(a, n),
    np.right_shift: lambda a, n: ops.scale_by_power_of_two(a, -n),
    np.true_divide: _no_quotient, np.floor_divide: _no_quotient,
    np.sign: lambda a: ops.as_fixed(ops.compare(a, 0).astype(np.int8)),
    np.isnan: lambda a: np.zeros(np.shape(a), bool), np.isinf: lambda a: np.zeros(np.shape(a), bool),
    np.isfinite: lambda a: np.ones(np.shape(a), bool),
    np.bitwise_and: bitwise.bitwise_and, np.bitwise_or: bitwise.bitwise_or, np.bitwise_xor: bitwise.bitwise_xor,
    np.invert: bitwise.invert,
}.items():
    _register_ufunc(_ufunc, _impl)

for _ufunc, _reduce in {np.add: ops.sum, np.maximum: ops.amax, np.minimum: ops.amin,
                        np.multiply: ops.prod}.items():
    _register_ufunc(_ufunc, lambda a, axis=0, keepdims=False, _reduce=_reduce, **kwargs:
                    _reduce(a, axis=axis, keepdims=keepdims), "reduce")


def _no_dtype_or_out(name: str, dtype, out) -> None:
    if dtype is not None or out is not None:
        raise TypeError(f"fixpt: np.{name}(dtype=, out=) is not supported; pass out_format= to "
                        f"fixpt.{name}")


@implements(np.sum)
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, **options):
    _no_dtype_or_out("sum", dtype, out)
    return ops.sum(a, axis=axis, keepdims=keepdims, **options)


@implements(np.cumsum)
def _cumsum(a, axis=None, dtype=None, out=None, **options):
    _no_dtype_or_out("cumsum", dtype, out)
    return ops.cumsum(a, axis=axis, **options)


@implements(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=False, **options):
    _no_dtype_or_out("mean", dtype, out)
    return ops.mean(a, axis=axis, keepdims=keepdims, **options)


@implements(np.prod)
def _prod(a, axis=None, dtype=None, out=None, keepdims=False, **options):
    _no_dtype_or_out("prod", dtype, out)
    return ops.prod(a, axis=axis, keepdims=keepdims, **options)


def _reshape(a, *args, **kwargs):
    shape = kwargs.pop("newshape", kwargs.pop("shape", None))
    return a.reshape(*(args or (shape,)), **kwargs)


for _function, _impl in {
    np.min: ops.amin, np.max: ops.amax, np.amin: ops.amin, np.amax: ops.amax,
    np.concatenate: ops.concatenate, np.stack: ops.stack, np.where: ops.where,
    np.reshape: _reshape,
    np.transpose: lambda a, axes=None: a.transpose(*(() if axes is None else (axes,))),
    np.ravel: lambda a, order="C": a.ravel(order),
    np.squeeze: lambda a, axis=None: a.squeeze(axis),
    np.copy: lambda a, **kwargs: a.copy(),
    np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim,
    np.size: lambda a, axis=None: a.size if axis is None else a.shape[axis],
    np.array_equal: lambda a, b, equal_nan=False: (np.shape(a) == np.shape(b)
                                                    and bool(np.all(ops.compare(a, b) == 0))),
    np.abs: ops.absolute,
    np.dot: mac.dot,
    np.convolve: lambda a, v, mode="full": mac.convolve(a, v, mode=mode),
}.items():
    implements(_function)(_impl)
