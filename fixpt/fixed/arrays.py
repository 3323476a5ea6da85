"""FixedArray: a NumPy array of raw integers together with its fixed-point format.

The class holds data and speaks NumPy's protocols; the operations live in
:mod:`fixpt.fixed.ops` and :mod:`fixpt.fixed.mac`, which register themselves here with
:func:`implements` (NumPy functions) and :func:`implements_ufunc` (ufuncs), the pattern
NumPy documents for ``__array_function__``.  Operators come from NumPy's
``NDArrayOperatorsMixin``: ``a + b`` is ``np.add(a, b)``, which dispatches to the
registered exact implementation.  So this module imports no operation, and no import
runs in a circle.

Examples
--------
>>> import fixpt
>>> x = fixpt.array([0.25, -1.5, 3.3], "Q4.4")
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

import decimal
from fractions import Fraction
from typing import Callable, Optional

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from fixpt.base.checks import check_int
from fixpt.base.status import CastStatus
from fixpt.convert.fixed import check_raw, raw_to_float, recast_raw, to_raw
from fixpt.convert.rng import SeedLike
from fixpt.fixed import recording
from fixpt.formats import (
    FixedFormat, FormatLike, OverflowLike, OverflowMode, RoundLike, RoundMode, parse_format,
)

# ---- the registries of exact implementations ----

#: NumPy function -> its exact implementation on FixedArrays
FUNCTIONS: dict = {}
#: (ufunc, method) -> its exact implementation; method is "__call__", "reduce", ...
UFUNCS: dict = {}


def implements(numpy_function: Callable) -> Callable:
    """Register the decorated function as the exact implementation of ``numpy_function`` for
    FixedArrays (used by ``__array_function__`` and by the matching methods).

    Parameters
    ----------
    numpy_function : callable
        A NumPy function such as ``np.sum``.

    Returns
    -------
    callable
        The decorator.

    Examples
    --------
    >>> import numpy as np, fixpt
    >>> FUNCTIONS[np.concatenate] is fixpt.concatenate
    True
    """
    def register(func: Callable) -> Callable:
        FUNCTIONS[numpy_function] = func
        return func
    return register


def implements_ufunc(ufunc: np.ufunc, method: str = "__call__") -> Callable:
    """Register the decorated function as the exact implementation of ``ufunc.method``.

    Parameters
    ----------
    ufunc : numpy.ufunc
    method : str
        ``"__call__"``, ``"reduce"``, ...

    Returns
    -------
    callable
        The decorator.

    Examples
    --------
    >>> import numpy as np, fixpt
    >>> UFUNCS[(np.add, "__call__")] is fixpt.add
    True
    """
    def register(func: Callable) -> Callable:
        UFUNCS[(ufunc, method)] = func
        return func
    return register


def refuse(name: str):
    """Raise the TypeError for a NumPy function or ufunc with no exact meaning on FixedArrays.

    Parameters
    ----------
    name : str
        The function's name.

    Raises
    ------
    TypeError
        Always, naming the function and the float64 way out.

    Examples
    --------
    >>> refuse("sin")
    Traceback (most recent call last):
    ...
    TypeError: fixpt: numpy.sin is not exact on FixedArray; use np.asarray(x) to compute in float64
    """
    raise TypeError(f"fixpt: numpy.{name} is not exact on FixedArray; use np.asarray(x) to "
                    f"compute in float64")


def _call(numpy_function: Callable, *args, **kwargs):
    impl = FUNCTIONS.get(numpy_function)
    if impl is None:
        refuse(numpy_function.__name__)
    return impl(*args, **kwargs)


def bit_strings(raw: np.ndarray, fmt: FixedFormat, base: int) -> np.ndarray:
    """Raw integers as base-16 or base-2 strings of the word length (two's complement).

    Parameters
    ----------
    raw : numpy.ndarray
    fmt : FixedFormat
    base : {16, 2}

    Returns
    -------
    numpy.ndarray of str

    Examples
    --------
    >>> import fixpt
    >>> bit_strings(np.array([-1, 5]), fixpt.Q(2, 2), 2).tolist()
    ['1111', '0101']
    """
    width = (fmt.wl + 3) // 4 if base == 16 else fmt.wl
    mask = (1 << fmt.wl) - 1
    spec = f"0{width}{'x' if base == 16 else 'b'}"
    out = np.empty(raw.shape, dtype=f"<U{width}")
    out.ravel()[:] = [format(int(r) & mask, spec) for r in np.asarray(raw).ravel().tolist()]
    return out


class FixedArray(NDArrayOperatorsMixin):
    """Raw integers in the format's container dtype plus the format.

    Build one with :func:`array` (from real values), :func:`from_raw`, or the
    helpers :func:`zeros`, :func:`ones`, :func:`full`, :func:`arange`.
    Arithmetic is exact (the result format grows); comparisons compare exact values;
    NumPy functions either stay exact or raise ``TypeError``.

    Examples
    --------
    >>> import fixpt
    >>> a = fixpt.array([1.5, -0.25], "Q4.4")
    >>> (a + 1).tolist(), (a + 1).format
    ([2.5, 0.75], Q(5,4))
    """

    __slots__ = ("_raw", "_format", "_rounding", "_overflow")
    __array_priority__ = 20

    def __init__(self, raw: np.ndarray, fmt: FixedFormat, rounding: RoundLike = "nearest_even",
                 overflow: OverflowLike = "raise") -> None:
        # internal: raw must already be a checked array of fmt.container
        self._raw = raw
        self._format = fmt
        self._rounding = RoundMode.parse(rounding, "rounding")
        self._overflow = OverflowMode.parse(overflow, "overflow")

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
    def rounding(self) -> RoundMode:
        """How values written into this array round (``x[i] = v``, ``x += y``, ``out=x``)."""
        return self._rounding

    @property
    def overflow(self) -> OverflowMode:
        """What values written into this array do beyond its range (default: raise)."""
        return self._overflow

    def with_policy(self, rounding: Optional[RoundLike] = None,
                    overflow: Optional[OverflowLike] = None) -> "FixedArray":
        """A view of the same raw integers whose writes round and overflow as given.

        Parameters
        ----------
        rounding : str or RoundMode, optional
            Keep the current one when None.
        overflow : str or OverflowMode, optional
            Keep the current one when None.

        Returns
        -------
        FixedArray

        Examples
        --------
        >>> import fixpt
        >>> acc = fixpt.zeros(2, "Q2.4").with_policy(overflow="saturate")
        >>> acc += fixpt.array([1.5, -1.5], "Q2.4")
        >>> acc += fixpt.array([1.5, -1.5], "Q2.4")
        >>> acc.tolist(), acc.format
        ([1.9375, -2.0], Q(2,4))
        """
        return FixedArray(self._raw, self._format, self._rounding if rounding is None else rounding,
                          self._overflow if overflow is None else overflow)

    @property
    def shape(self) -> tuple:
        """The array's shape."""
        return self._raw.shape

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._raw.ndim

    @property
    def size(self) -> int:
        """Number of elements."""
        return self._raw.size

    @property
    def dtype(self):
        """The NumPy dtype of the format (``fixpt.Q(4, 12).dtype``); ``raw.dtype`` is the
        container of the raw integers."""
        return self._format.dtype

    def to_numpy(self) -> np.ndarray:
        """An array of the format's NumPy dtype sharing this array's raw integers (no copy).

        Examples
        --------
        >>> import fixpt
        >>> fixpt.array([0.5, -1.25], "Q4.12").to_numpy().dtype
        dtype(Q(4,12))
        """
        return self._raw.view(self._format.dtype)

    def __len__(self) -> int:
        if self._raw.ndim == 0:
            raise TypeError("len() of unsized object")
        return len(self._raw)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # --- indexing -----------------------------------------------------------
    def __getitem__(self, index) -> "FixedArray":
        """Like NumPy: basic indexing gives views, boolean/fancy indexing copies."""
        if isinstance(index, FixedArray):
            raise TypeError("index with integers or booleans, not a FixedArray")
        raw = self._raw[index]
        if not isinstance(raw, np.ndarray):  # one element: a 0-d array (a copy, as NumPy's scalar)
            raw = np.asarray(raw)
        return self._with(raw)

    def __setitem__(self, index, values) -> None:
        """Assign values converted to this array's format with its :attr:`rounding` and
        :attr:`overflow` policy (an out-of-range value raises unless the policy says otherwise)."""
        converted = array(values, self._format, rounding=self._rounding, overflow=self._overflow)
        self._raw[index] = converted.raw

    # --- shape --------------------------------------------------------------
    def _with(self, raw: np.ndarray) -> "FixedArray":
        return FixedArray(raw, self._format, self._rounding, self._overflow)

    def reshape(self, *shape, order: str = "C") -> "FixedArray":
        """The same values in a new shape (a view when NumPy can make one)."""
        return self._with(self._raw.reshape(*shape, order=order))

    def transpose(self, *axes) -> "FixedArray":
        """Axes permuted (a view)."""
        return self._with(self._raw.transpose(*axes))

    @property
    def T(self) -> "FixedArray":
        """The transpose (a view)."""
        return self._with(self._raw.T)

    def ravel(self, order: str = "C") -> "FixedArray":
        """A 1-d view (or copy) of the values."""
        return self._with(self._raw.ravel(order))

    def flatten(self) -> "FixedArray":
        """A 1-d copy of the values."""
        return self._with(self._raw.flatten())

    def squeeze(self, axis=None) -> "FixedArray":
        """Length-1 axes removed."""
        return self._with(self._raw.squeeze(axis))

    def copy(self) -> "FixedArray":
        """A copy with its own raw integers."""
        return self._with(self._raw.copy())

    # --- values out ---------------------------------------------------------
    def to_float(self) -> np.ndarray:
        """Values as float64 (exact whenever float64 can hold them)."""
        return raw_to_float(self._raw, self._format)

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype_format(dtype) is not None:  # a fixed-point dtype: the raw bits
            if dtype_format(dtype) == self._format:
                return self._raw.view(dtype) if copy is not True else self._raw.copy().view(dtype)
            return self.astype(dtype_format(dtype)).raw.view(dtype)
        if copy is False:
            raise ValueError("a FixedArray holds raw integers: its float64 values are always a "
                             "new array (use .raw for the integers without a copy)")
        values = np.asarray(self.to_float())
        return values if dtype is None else values.astype(dtype)

    def _one(self, what: str) -> Fraction:
        """The exact value of a size-1 array (TypeError otherwise, as NumPy)."""
        if self._raw.size != 1:
            raise TypeError(f"only size-1 arrays can be converted to Python scalars ({what})")
        return Fraction(int(self._raw.reshape(-1)[0])) * Fraction(2) ** -self._format.fl

    def item(self, *args):
        """One element as a Python number: a float when float64 holds it exactly (always for
        formats of at most 53 bits), else a ``fractions.Fraction`` (never a rounded value).

        Parameters
        ----------
        *args
            None for a size-1 array, or a flat index / a tuple of indices, as ``ndarray.item``.

        Returns
        -------
        float or fractions.Fraction

        Examples
        --------
        >>> import fixpt
        >>> fixpt.array([0.25, -1.5], "Q4.4").item(1), fixpt.from_raw(2**62 + 1, "Q64.0").item()
        (-1.5, Fraction(4611686018427387905, 1))
        """
        element = self if not args else FixedArray(np.asarray(self._raw.item(*args)), self._format)
        value = element._one("item")
        as_float = float(value)
        return as_float if Fraction(as_float) == value else value

    def __float__(self) -> float:
        return float(self._one("float"))  # correctly rounded when float64 cannot hold it

    def __int__(self) -> int:
        return int(self._one("int"))  # toward zero, as int(float)

    def __index__(self) -> int:
        if self._format.fl > 0:
            raise TypeError(f"only integer formats (FL <= 0) can be used as an index, not "
                            f"{self._format!r}")
        return int(self._one("index"))

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        if self._raw.ndim != 0:
            raise TypeError(f"unsupported format string passed to FixedArray.__format__ (only 0-d "
                            f"arrays take a format spec such as {spec!r})")
        value = self._one("format")
        if Fraction(float(value)) == value:  # a float64 value: exactly as Python formats floats
            return format(float(value), spec)
        digits = max(28, len(str(value.numerator)) + len(str(value.denominator)) + 2)
        with decimal.localcontext() as context:  # the exact decimal expansion, then the spec
            context.prec = digits
            exact = decimal.Decimal(value.numerator) / decimal.Decimal(value.denominator)
            return format(exact, spec)

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
        """Convert to another fixed-point format, exactly rounded, in one C pass.

        Parameters
        ----------
        fmt : FixedFormat or str
            The target format; or a NumPy integer type (truncated toward zero, an
            OverflowError beyond its range) or ``np.float64`` (exact up to 53 bits), which
            return a NumPy array like ``ndarray.astype``.
        rounding, overflow : str or mode
            How to round and what to do beyond the target's range.
        seed : int, Generator or None
            The random stream of the stochastic modes.
        return_status : bool
            Also return the :class:`CastStatus` (with the overflow mask).

        Examples
        --------
        >>> import fixpt
        >>> fixpt.array([0.3, 1.7], "Q4.8").astype("Q4.2", rounding="floor").tolist()
        [0.25, 1.5]
        """
        numpy_type = _numpy_number_type(fmt)
        if numpy_type is not None:  # NumPy's astype: through the dtype's exact casts
            return self.to_numpy().astype(numpy_type)
        raw, status = recast_raw(self._raw, self._format, fmt, rounding=rounding,
                                 overflow=overflow, seed=seed, mask=return_status)
        result = FixedArray(raw, status.format)
        recording.note("astype", status, result.to_float() if recording.is_recording() else None)
        return (result, status) if return_status else result

    # --- display ------------------------------------------------------------
    def hex(self) -> np.ndarray:
        """Raw bits as zero-padded hex strings of the word length (two's complement)."""
        return bit_strings(self._raw, self._format, 16)

    def bin(self) -> np.ndarray:
        """Raw bits as binary strings of the word length (two's complement)."""
        return bit_strings(self._raw, self._format, 2)

    def __repr__(self) -> str:
        if self._raw.ndim == 0:  # one element (also what a fixed-point dtype array prints)
            return f"{self._format!r}({self.item()!r})"
        values = np.array2string(self.to_float(), separator=" ", prefix="  values=",
                                 threshold=64, precision=17, floatmode="unique")
        raw = np.array2string(self.hex(), separator=", ", prefix="  raw=   ",
                              threshold=64, formatter={"all": lambda bits: "0x" + bits})
        return f"FixedArray({self._format!r},\n  values={values},\n  raw=   {raw})"

    def __bool__(self) -> bool:
        return bool(self._raw)

    __hash__ = None

    # --- in-place operators: NumPy's rule, the result cast back into this array's format ---
    def _inplace(self, ufunc: np.ufunc, other) -> "FixedArray":
        impl = UFUNCS.get((ufunc, "__call__"))
        if impl is None:
            refuse(ufunc.__name__)
        return write_into(self, ufunc, impl, (self, other), {})

    def __iadd__(self, other):
        """``x += y``: the exact sum rounded once into x's format with x's policy, written
        into x's raw integers (views write through)."""
        return self._inplace(np.add, other)

    def __isub__(self, other):
        return self._inplace(np.subtract, other)

    def __imul__(self, other):
        return self._inplace(np.multiply, other)

    def __imatmul__(self, other):
        return self._inplace(np.matmul, other)

    def __ilshift__(self, other):
        return self._inplace(np.left_shift, other)

    def __irshift__(self, other):
        return self._inplace(np.right_shift, other)

    def __itruediv__(self, other):
        raise TypeError("x /= y has no exact meaning; write x[...] = fixpt.divide(x, y, x.format, "
                        "rounding=...) to round the quotient into x's format")

    __ifloordiv__ = __itruediv__

    def __imod__(self, other):
        refuse("remainder")

    __ipow__ = __iand__ = __ior__ = __ixor__ = __imod__

    def shift_raw(self, n: int, *, rounding: RoundLike = "floor",
                  overflow: OverflowLike = "wrap") -> "FixedArray":
        """Shift the raw integers by n bits keeping the format, like a hardware shifter
        (left shifts wrap, right shifts floor, unless told otherwise).

        >>> import fixpt
        >>> fixpt.array([0.75, -0.75], "Q2.2").shift_raw(-1).tolist()
        [0.25, -0.5]
        """
        n = check_int("shift", n)
        shifted = FixedArray(self._raw, FixedFormat(self._format.il + n, self._format.fl - n,
                                                    self._format.signed))
        return shifted.astype(self._format, rounding=rounding, overflow=overflow)

    # --- reductions: the exact implementations registered for NumPy's functions ---
    def sum(self, axis=None, keepdims: bool = False, **kwargs):
        """Exact sum (see :func:`fixpt.sum`)."""
        return _call(np.sum, self, axis=axis, keepdims=keepdims, **kwargs)

    def cumsum(self, axis=None, **kwargs):
        """Exact running sum (see :func:`fixpt.cumsum`)."""
        return _call(np.cumsum, self, axis=axis, **kwargs)

    def mean(self, axis=None, keepdims: bool = False, **kwargs):
        """The exact mean rounded once (see :func:`fixpt.mean`)."""
        return _call(np.mean, self, axis=axis, keepdims=keepdims, **kwargs)

    def min(self, axis=None, keepdims: bool = False):
        """Smallest element(s), same format."""
        return _call(np.min, self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims: bool = False):
        """Largest element(s), same format."""
        return _call(np.max, self, axis=axis, keepdims=keepdims)

    def prod(self, axis=None, keepdims: bool = False, **kwargs):
        """Exact product (see :func:`fixpt.prod`)."""
        return _call(np.prod, self, axis=axis, keepdims=keepdims, **kwargs)

    # --- ndarray methods that are exact by nature (see fixpt.fixed.numpy_functions) ---
    def sort(self, axis: int = -1, kind=None) -> None:
        """Sort in place (the raw integers' order is the values' order)."""
        self._raw.sort(axis=axis, kind=kind)

    def argsort(self, axis: int = -1, kind=None):
        """Indices that sort the values."""
        return _call(np.argsort, self, axis=axis, kind=kind)

    def argmax(self, axis=None, keepdims: bool = False):
        """Index of the largest value."""
        return _call(np.argmax, self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims: bool = False):
        """Index of the smallest value."""
        return _call(np.argmin, self, axis=axis, keepdims=keepdims)

    def clip(self, min=None, max=None):
        """Values limited to [min, max] in this format (see ``np.clip``)."""
        return _call(np.clip, self, min, max)

    def take(self, indices, axis=None):
        """Elements at the indices."""
        return _call(np.take, self, indices, axis=axis)

    def repeat(self, repeats, axis=None):
        """Each element repeated."""
        return _call(np.repeat, self, repeats, axis=axis)

    def searchsorted(self, v, side: str = "left", sorter=None):
        """Insertion points of v's exact values into this sorted array."""
        return _call(np.searchsorted, self, v, side=side, sorter=sorter)

    def nonzero(self):
        """Indices of the non-zero values."""
        return _call(np.nonzero, self)

    def any(self, axis=None, keepdims: bool = False):
        """Whether any value is non-zero."""
        return _call(np.any, self, axis=axis, keepdims=keepdims)

    def all(self, axis=None, keepdims: bool = False):
        """Whether every value is non-zero."""
        return _call(np.all, self, axis=axis, keepdims=keepdims)

    # --- NumPy protocol ---------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.pop("out", None)
        if isinstance(out, tuple):
            if len(out) != 1:
                raise TypeError(f"fixpt: {ufunc.__name__} has one output, got out= of {len(out)}")
            out = out[0]
        if out is not None and not isinstance(out, FixedArray):
            raise TypeError(f"fixpt: out= must be a FixedArray (the result is rounded into its "
                            f"format with its policy), got {type(out).__name__}")
        impl = UFUNCS.get((ufunc, method))
        if impl is None or (method == "__call__" and kwargs):
            refuse(ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}")
        if out is None:
            return impl(*inputs, **kwargs)
        if method != "__call__":
            raise TypeError(f"fixpt: {ufunc.__name__}.{method}(out=) is not supported; assign the result")
        return write_into(out, ufunc, impl, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        impl = FUNCTIONS.get(func)
        if impl is None:
            refuse(func.__name__)
        return impl(*args, **kwargs)


#: ufuncs whose implementation rounds the exact result into an ``out_format`` in one pass
FUSED_UFUNCS = {np.add, np.subtract, np.multiply, np.negative, np.absolute}


class FixedScalar(FixedArray):
    """One element of an array of a fixed-point dtype: a 0-d FixedArray (the dtype's scalar
    type, as ``np.float32`` is float32's).

    Examples
    --------
    >>> import numpy as np, fixpt
    >>> e = np.array([0.5, -1.25], dtype=fixpt.Q(4, 12))[1]
    >>> e, e.item(), type(e).__name__
    (Q(4,12)(-1.25), -1.25, 'FixedScalar')
    """

    __slots__ = ()


def _numpy_number_type(target) -> Optional[np.dtype]:
    """target as a NumPy integer or float64 dtype (``np.int32``, ``np.dtype("float64")``,
    ``int``, ``float``), or None for fixed-point formats and format strings."""
    is_type = isinstance(target, type) and issubclass(target, (np.generic, int, float))
    if not (isinstance(target, np.dtype) or is_type):
        return None
    dtype = np.dtype(target)
    if dtype_format(dtype) is not None:
        return None
    if dtype.kind not in "iu" and dtype != np.float64:
        raise TypeError(f"fixpt: no exact cast to {dtype}; use np.float64 (exact up to 53 bits) "
                        f"and convert from there")
    return dtype


def dtype_format(dtype) -> Optional[FixedFormat]:
    """The FixedFormat of a fixed-point NumPy dtype, or None for any other dtype."""
    if type(dtype).__name__ == "FixedDType" and hasattr(dtype, "fl"):
        return FixedFormat(dtype.il, dtype.fl, dtype.signed)
    return None


def from_numpy(values: np.ndarray) -> FixedArray:
    """A FixedArray sharing the buffer of an array of a fixed-point dtype (no copy).

    Parameters
    ----------
    values : numpy.ndarray
        Of dtype ``fixpt.Q(IL, FL)`` (or UQ).

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> import numpy as np, fixpt
    >>> a = np.array([0.5, -1.25], dtype=fixpt.Q(4, 12))
    >>> x = fixpt.from_numpy(a); x.format, np.shares_memory(x.raw, a)
    (Q(4,12), True)
    """
    fmt = dtype_format(values.dtype) if isinstance(values, np.ndarray) else None
    if fmt is None:
        raise TypeError(f"values must be an array of a fixed-point dtype, got {getattr(values, 'dtype', type(values))}")
    return FixedArray(values.view(fmt.container), fmt)


def write_into(out: FixedArray, ufunc: np.ufunc, impl: Callable, inputs: tuple, kwargs: dict) -> FixedArray:
    """``out=``: the exact result rounded once into out's format with out's policy, written
    into out's raw integers; the result must have out's shape (NumPy's rule)."""
    if ufunc in FUSED_UFUNCS:  # no wide intermediate: one C pass rounds the exact result
        result = impl(*inputs, out.format, rounding=out.rounding, overflow=out.overflow, **kwargs)
    else:
        result = impl(*inputs, **kwargs)
        if not isinstance(result, FixedArray):
            raise TypeError(f"fixpt: {ufunc.__name__}(out=) needs a fixed-point result, not "
                            f"{type(result).__name__}")
        result = result.astype(out.format, rounding=out.rounding, overflow=out.overflow)
    if result.shape != out.shape:
        raise ValueError(f"non-broadcastable output operand with shape {out.shape} doesn't match "
                         f"the broadcast shape {result.shape}")
    np.copyto(out.raw, result.raw)
    return out


# ---- constructors ----

def array(values, fmt: FormatLike, *, rounding: RoundLike = "nearest_even",
          overflow: OverflowLike = "saturate", seed: SeedLike = None, nan: str = "raise",
          return_status: bool = False):
    """Convert values (floats, integers, decimal strings, fractions or a FixedArray) to a
    FixedArray of ``fmt``, each value's exact value rounded once.

    Parameters
    ----------
    values : array_like or FixedArray
        Real numbers (read exactly; see docs/policy.md).
    fmt : FixedFormat or str
        The format, e.g. ``"Q4.12"`` or ``fixpt.Q(4, 12)``.
    rounding, overflow : str or mode
        Rounding mode (12) and overflow mode (5), see docs/rounding.md.
    seed : int, Generator or None
        The random stream of the stochastic modes (reproducible by seed).
    nan : {"raise", "zero"}
        What a NaN becomes: an error (default) or 0.
    return_status : bool
        Also return the :class:`CastStatus` (overflow, NaN, inf and rounding counts, and
        the per-element ``overflow_mask``).

    Returns
    -------
    FixedArray, or (FixedArray, CastStatus)

    Raises
    ------
    ValueError
        NaN (unless ``nan="zero"``), inf under ``overflow="wrap"``, bad mode names.
    OverflowError
        Any overflow under ``overflow="raise"``.

    Examples
    --------
    >>> array([1.0, 2.0, 3.0], "Q2.2", overflow="saturate").tolist()
    [1.0, 1.75, 1.75]
    """
    status: Optional[CastStatus]
    if isinstance(values, np.ndarray) and dtype_format(values.dtype) is not None:
        values = from_numpy(values)
    if isinstance(values, FixedArray):
        raw, status = recast_raw(values.raw, values.format, fmt, rounding=rounding,
                                 overflow=overflow, seed=seed, mask=return_status)
    else:
        raw, status = to_raw(values, fmt, rounding=rounding, overflow=overflow, seed=seed,
                             nan=nan, mask=return_status)
    result = FixedArray(raw, status.format)
    recording.note("array", status, result.to_float() if recording.is_recording() else None)
    return (result, status) if return_status else result


def from_raw(raw, fmt: FormatLike) -> FixedArray:
    """Wrap raw integers (checked against the format's raw range) as a FixedArray.

    Parameters
    ----------
    raw : array_like of int
        Raw two's complement (or unsigned) integers; the value of r is r * 2**-FL.
    fmt : FixedFormat or str
        The format.

    Returns
    -------
    FixedArray

    Raises
    ------
    TypeError
        Values that are not integers.
    OverflowError
        A raw value outside the format's raw range.

    Examples
    --------
    >>> from_raw([-32768, 32767], "Q1.15").tolist()
    [-1.0, 0.999969482421875]
    """
    fmt = parse_format(fmt)
    return FixedArray(check_raw(raw, fmt), fmt)


def zeros(shape, fmt: FormatLike) -> FixedArray:
    """All zeros.

    Parameters
    ----------
    shape : int or tuple of int
    fmt : FixedFormat or str
        The format.

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> zeros(3, "Q4.4").tolist()
    [0.0, 0.0, 0.0]
    """
    fmt = parse_format(fmt)
    return FixedArray(np.zeros(shape, fmt.container), fmt)


def full(shape, value, fmt: FormatLike, **kwargs) -> FixedArray:
    """Every element the value (converted exactly with the given modes).

    Parameters
    ----------
    shape : int or tuple of int
    value : real number
    fmt : FixedFormat or str
        The format.
    **kwargs
        ``rounding``, ``overflow``, ``seed`` as in :func:`array`.

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> full(2, 0.3, "Q1.3").tolist()
    [0.25, 0.25]
    """
    fmt = parse_format(fmt)
    one = array(value, fmt, **kwargs)
    return FixedArray(np.full(shape, one.raw, fmt.container), fmt)


def ones(shape, fmt: FormatLike, **kwargs) -> FixedArray:
    """All ones (saturated to max when 1 is out of range).

    Parameters
    ----------
    shape : int or tuple of int
    fmt : FixedFormat or str
        The format.
    **kwargs
        ``rounding``, ``overflow`` as in :func:`array`.

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> ones(2, "Q1.7").tolist()
    [0.9921875, 0.9921875]
    """
    return full(shape, 1.0, fmt, **kwargs)


def arange(start, stop=None, step=1, *, fmt: FormatLike, **kwargs) -> FixedArray:
    """Evenly spaced values, computed in float64 then converted (exact when the steps are
    representable).

    Parameters
    ----------
    start, stop, step : real numbers
        As in ``numpy.arange``.
    fmt : FixedFormat or str
        The format.
    **kwargs
        ``rounding``, ``overflow`` as in :func:`array`.

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> arange(0, 1, 0.25, fmt="Q2.2").tolist()
    [0.0, 0.25, 0.5, 0.75]
    """
    return array(np.arange(start, stop, step, dtype=np.float64), fmt, **kwargs)
