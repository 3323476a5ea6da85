"""The NumPy dtype of fixed-point formats (NEP 42): ``fixpt.Q(4, 12).dtype``.

An array of dtype ``Q(IL, FL)`` stores the raw integers in the format's container (the bits
of ``FixedArray.raw``), so converting between the two is free: ``x.to_numpy()`` and
``fixpt.FixedArray.from_numpy(a)`` share the buffer.  Casts (from NumPy integers and floats,
between formats, to float64) and the ufunc loops (``add``, ``subtract``, ``multiply`` with
exact growth, ``negative``, ``absolute``, the comparisons across formats) run in C, each a
call of the one engine of the C core; the result formats come from the same planner as
FixedArray's.

Examples
--------
>>> import numpy as np, fixpt
>>> a = np.array([0.5, -1.25, 3.0], dtype=fixpt.Q(4, 12))
>>> a.dtype, (a + a).dtype, (a * a).dtype
(dtype(Q(4,12)), dtype(Q(5,12)), dtype(Q(8,24)))
>>> (a + a).astype(np.float64).tolist(), np.sort(a).astype(np.float64).tolist()
([1.0, -2.5, 6.0], [-1.25, 0.5, 3.0])
"""
from __future__ import annotations

import functools
import importlib
import pickle
import sys

import numpy as np

from fixpt import _binding, _dtype
from fixpt.fixed import arith
from fixpt.fixed.arrays import FixedScalar, array, dtype_format
from fixpt.fixed.ops import common_format, exact_format_of
from fixpt.formats import FixedFormat, set_dtype_factory

FixedDType = _dtype.FixedDType


@functools.cache
def fixed_dtype(il: int, fl: int, signed: bool = True):
    """The dtype instance of Q(il, fl) (or UQ when not signed), one per format.

    Parameters
    ----------
    il, fl : int
    signed : bool

    Returns
    -------
    FixedDType

    Examples
    --------
    >>> fixed_dtype(4, 12), fixed_dtype(4, 12) is fixed_dtype(4, 12)
    (dtype(Q(4,12)), True)
    """
    return FixedDType(int(il), int(fl), bool(signed))


def format_of(dtype) -> FixedFormat:
    """The FixedFormat of a fixed-point dtype instance.

    Parameters
    ----------
    dtype : FixedDType

    Returns
    -------
    FixedFormat

    Examples
    --------
    >>> import fixpt
    >>> format_of(fixpt.Q(4, 12).dtype)
    Q(4,12)
    """
    fmt = dtype_format(dtype)
    if fmt is None:
        raise TypeError(f"not a fixed-point dtype: {dtype!r}")
    return fmt


def _scalar(raw: int, dtype) -> FixedScalar:
    fmt = format_of(dtype)
    return FixedScalar(np.asarray(raw, dtype=fmt.container), fmt)


def _raw_of(value, dtype) -> int:
    """A Python value's raw integer in the dtype's format: rounded once (nearest_even), and an
    OverflowError beyond the range."""
    fixed = array(value, format_of(dtype), rounding="nearest_even", overflow="raise")
    return int(fixed.raw)


def _plan(op: str, a, b):
    fa = format_of(a)
    if op == "common":
        return _dtype_of(common_format([fa, format_of(b)]))
    if op in ("add", "sub"):
        fmt = arith.sum_format(fa, format_of(b), op == "sub")
    elif op == "mul":
        fmt = arith.product_format(fa, format_of(b))
    else:
        fmt = arith.to_format(arith.unary_format_parts(fa, op), op)
    return _dtype_of(fmt)


def _weak(value) -> tuple[int, int, bool]:
    """The exact format of a Python int or float beside a dtype array (NEP 50's weak scalar):
    the same format FixedArray's operators read it in."""
    fmt = exact_format_of(value)
    return fmt.il, fmt.fl, fmt.signed


def _reduce(dtype):
    return fixed_dtype, (dtype.il, dtype.fl, dtype.signed)


def _dtype_of(fmt: FixedFormat):
    return fixed_dtype(fmt.il, fmt.fl, fmt.signed)


def ship_with_dask() -> bool:
    """Let dask.distributed send arrays of fixed-point dtypes between processes.

    Its NumPy serializer rebuilds a dtype from ``dtype.str``, which a user dtype cannot
    round-trip; arrays of fixed-point dtypes go pickled instead (protocol 5: the dtype by
    its format, the data as an out-of-band buffer, no copy). Called on import when
    distributed is loaded (its worker processes always are) and by ``fixpt.dask``; other
    arrays keep dask's own serializer.

    Returns
    -------
    bool
        Whether distributed is loaded (and now taught).

    Examples
    --------
    >>> isinstance(ship_with_dask(), bool)
    True
    """
    if "distributed.protocol.serialize" not in sys.modules:
        return False
    serialize = sys.modules["distributed.protocol.serialize"]
    importlib.import_module("distributed.protocol.numpy")  # the stock registration first
    stock = serialize.dask_serialize.dispatch(np.ndarray)
    if getattr(stock, "_fixpt", False):
        return True

    def serialize_ndarray(x, context=None):
        if dtype_format(x.dtype) is None:
            return stock(x, context)
        frames = [None]
        frames[0] = pickle.dumps(x, protocol=5, buffer_callback=lambda buffer: frames.append(memoryview(buffer)))
        return {"pickle": True}, frames

    serialize_ndarray._fixpt = True
    serialize.dask_serialize.register(np.ndarray)(serialize_ndarray)
    return True


_dtype._init(*_binding.dtype_engine(), _scalar, _raw_of, _plan, _reduce, _weak)
set_dtype_factory(_dtype_of)
ship_with_dask()
