"""Chunked and distributed fixed-point arrays with dask (optional extra ``dask``): the same
bits for any chunking, any number of workers and any scheduler (threads, processes,
``dask.distributed``), stochastic rounding included.

A fixed-point dask array is a dask array of the fixpt NumPy dtype (``dtype(Q(4,12))``): its
blocks are NumPy arrays of that dtype, so NumPy's operators work on it as they do on one
array (``x + y``, ``x * 3``, comparisons, ``np.maximum``), with the same exact growth.
Everything whose result could depend on how the array is cut is done here so that it cannot:

* stochastic rounding draws element i's random word from (seed, i), i its index in the whole
  array (C order): blocks pass their offset (``index_offset=``), after a rechunk that keeps
  every axis but the first whole, so that each block is one run of consecutive indices;
* sums are exact integer partial sums (int64 below the 63-bit limit of ``fixpt.sum``), so
  the order of additions cannot change a bit; the result has ``fixpt.sum``'s format;
* ``matmul`` keeps the contracted axis whole in each block; ``lfilter`` and ``sosfilt``
  chain the time blocks of a signal, each starting from the state the one before it returned.

Examples
--------
>>> import dask.array as da, numpy as np, fixpt
>>> import fixpt.dask as fxd
>>> x = da.from_array(np.linspace(-1, 1, 10), chunks=3)
>>> q = fxd.array(x, "Q1.7", rounding="stochastic", seed=1)
>>> q.dtype, fxd.compute(q).format
(dtype(Q(1,7)), Q(1,7))
>>> one_call = fixpt.array(np.linspace(-1, 1, 10), "Q1.7", rounding="stochastic", seed=1)
>>> bool(np.array_equal(fxd.compute(q).raw, one_call.raw))
True
>>> total = fxd.compute(fxd.sum(q * 2))       # NumPy's operators work on the blocks
>>> total.format, float(total) == float(fixpt.sum(fxd.compute(q) * 2))
(Q(7,7), True)
"""
from __future__ import annotations

from typing import Optional

import dask.array as da
import distributed.protocol.serialize  # noqa: F401  (ship_with_dask teaches it our dtypes)
import numpy as np
from dask import delayed

from fixpt.convert.exact import classify
from fixpt.convert.fixed import cast_values
from fixpt.convert.rng import Generator, SeedLike
from fixpt.convert.spec import CastSpec
from fixpt.fixed.arrays import FixedArray, from_numpy
from fixpt.fixed.dtype import format_of, ship_with_dask
from fixpt.fixed.iir import lfilter as _lfilter
from fixpt.fixed.iir import sosfilt as _sosfilt
from fixpt.fixed.mac import accumulator_format
from fixpt.fixed.mac import matmul as _matmul
from fixpt.fixed.ops import sum_result_format
from fixpt.formats import FixedFormat, FormatLike, OverflowLike, RoundLike, parse_format
from fixpt.quant import affine

ship_with_dask()


def _format(fmt: FormatLike) -> FixedFormat:
    parsed = parse_format(fmt) if isinstance(fmt, str) else fmt
    if not isinstance(parsed, FixedFormat):
        raise TypeError(f"fmt must be a fixed-point format, got {fmt!r}")
    return parsed


def _meta(fmt: FixedFormat, ndim: int) -> np.ndarray:
    """The empty block dask describes the chunks by: a NumPy array of the fixed-point dtype."""
    return np.empty((0,) * ndim, dtype=fmt.dtype)


def _rows_whole(x: da.Array) -> da.Array:
    """x rechunked so that every axis but the first is one chunk: each block is then a run
    of consecutive C-order indices of the whole array."""
    return x.rechunk({axis: -1 for axis in range(1, x.ndim)}) if x.ndim > 1 else x


def _block_offset(block_info, shape: tuple) -> int:
    """The C-order index of a block's first element (blocks with whole trailing axes)."""
    if not block_info or 0 not in block_info or not shape:
        return 0
    start = block_info[0]["array-location"][0][0]
    return int(start) * int(np.prod(shape[1:], dtype=np.int64))


def _cast_block(block: np.ndarray, spec: CastSpec, source: Optional[FixedFormat], nan: str,
                block_info=None) -> np.ndarray:
    """One block cast into spec.format: real numbers (source None) or raw words of source,
    with stochastic rounding keyed by the block's global element offset."""
    offset = _block_offset(block_info, block_info[0]["shape"] if block_info else ())
    if source is None:
        raw, _ = cast_values(classify(block), spec, spec.format.fl, nan=nan, index_offset=offset)
    else:
        words = from_numpy(np.ascontiguousarray(block)).raw
        raw, _ = cast_values(words, spec, spec.format.fl - source.fl, index_offset=offset)
    return FixedArray(raw, spec.format).to_numpy()


def _cast(x: da.Array, spec: CastSpec, source: Optional[FixedFormat], nan: str = "raise") -> da.Array:
    """Every block cast (see _cast_block); stochastic rounding first makes each block one run
    of consecutive indices."""
    if spec.round_mode.is_stochastic:
        x = _rows_whole(x)
    fmt = spec.format
    return x.map_blocks(_cast_block, spec=spec, source=source, nan=nan, dtype=fmt.dtype, meta=_meta(fmt, x.ndim))


def array(x, fmt: FormatLike, *, rounding: RoundLike = "nearest_even", overflow: OverflowLike = "saturate",
          seed: SeedLike = None, nan: str = "raise") -> da.Array:
    """A dask array of real numbers (or integers) converted to ``fmt``, each value rounded
    once, with the bits of ``fixpt.array`` on the whole array.

    Parameters
    ----------
    x : dask.array.Array or array_like
        Floats or integers (anything ``dask.array.asarray`` takes).
    fmt : FixedFormat or str
    rounding, overflow, nan : str
        As in :func:`fixpt.to_raw`.
    seed : int, Generator or None
        Drawn once here (None: fresh entropy), shared by every block.

    Returns
    -------
    dask.array.Array
        Of dtype ``fmt.dtype``.

    Examples
    --------
    >>> import dask.array as da
    >>> array(da.from_array([0.3, -0.7, 2.0], chunks=2), "Q1.3").compute().astype(np.float64).tolist()
    [0.25, -0.75, 0.875]
    """
    fmt = _format(fmt)
    spec = CastSpec.resolve(fmt, rounding, overflow, seed)
    x = da.asarray(x)
    if x.dtype.kind not in "iuf":
        raise TypeError(f"x must hold integers or floats, got {x.dtype}; for fixed-point arrays use astype")
    return _cast(x, spec, None, nan)


def astype(x: da.Array, fmt: FormatLike, *, rounding: RoundLike = "nearest_even",
           overflow: OverflowLike = "saturate", seed: SeedLike = None) -> da.Array:
    """A fixed-point dask array cast into another format, each value rounded once (any mode),
    with the bits of ``FixedArray.astype`` on the whole array.

    Parameters
    ----------
    x : dask.array.Array
        Of a fixed-point dtype.
    fmt : FixedFormat or str
    rounding, overflow, seed
        As in :meth:`fixpt.FixedArray.astype`.

    Returns
    -------
    dask.array.Array

    Examples
    --------
    >>> import dask.array as da
    >>> q = array(da.from_array([0.3, -0.7], chunks=1), "Q1.7")
    >>> astype(q, "Q1.3", rounding="floor").compute().astype(np.float64).tolist()
    [0.25, -0.75]
    """
    return _cast(x, CastSpec.resolve(_format(fmt), rounding, overflow, seed), format_of(x.dtype))


def _partial_sums(block: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    return np.sum(from_numpy(np.ascontiguousarray(block)).raw, axis=axis, dtype=np.int64, keepdims=keepdims)


def _total(partials: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    """Exact: the partial sums of blocks (concatenated by dask) add in int64 below 2^63."""
    return np.sum(partials, axis=axis, dtype=np.int64, keepdims=keepdims)


def sum(x: da.Array, axis=None, keepdims: bool = False) -> da.Array:
    """The exact sum of a fixed-point dask array, in ``fixpt.sum``'s format (n terms add
    ceil(log2 n) integer bits), from exact integer partial sums: any chunking, the same bits.

    Parameters
    ----------
    x : dask.array.Array
        Of a fixed-point dtype.
    axis : int, tuple of int or None
    keepdims : bool

    Returns
    -------
    dask.array.Array

    Examples
    --------
    >>> import dask.array as da
    >>> q = array(da.from_array([7.5, 7.5, 7.5], chunks=2), "Q4.4")
    >>> s = sum(q)
    >>> s.dtype, float(s.compute().astype(np.float64))
    (dtype(Q(6,4)), 22.5)
    """
    fmt = format_of(x.dtype)
    axes = tuple(range(x.ndim)) if axis is None else tuple(np.atleast_1d(axis).tolist())
    axes = tuple(a % x.ndim for a in axes)
    n = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    result = sum_result_format(fmt, n)
    if result.wl > 63:
        raise ValueError(f"sum of {n} elements of {fmt!r} needs {result.wl} bits; at most 63 are supported")
    raw = da.reduction(x, _partial_sums, _total, axis=axes, keepdims=keepdims, dtype=np.int64,
                       concatenate=True, meta=np.empty((0,) * (x.ndim if keepdims else x.ndim - len(axes)),
                                                       np.int64))
    return raw.map_blocks(lambda block: FixedArray(block.astype(result.container), result).to_numpy(),
                          dtype=result.dtype, meta=_meta(result, raw.ndim))


def matmul(a: da.Array, b: da.Array, **kwargs) -> da.Array:
    """``fixpt.matmul`` of two fixed-point dask arrays (2-D), with the contracted axis whole in
    each block so that every output element is one exact MAC sum: the bits of one call.

    Parameters
    ----------
    a, b : dask.array.Array
        Of fixed-point dtypes, shapes (m, k) and (k, n).
    **kwargs
        The MAC options of :func:`fixpt.matmul` (acc_format, out_format, rounding, ...;
        not return_status).

    Returns
    -------
    dask.array.Array

    Examples
    --------
    >>> import dask.array as da
    >>> a = array(da.from_array(np.eye(3) * 0.5, chunks=2), "Q2.6")
    >>> matmul(a, a).compute().astype(np.float64).diagonal().tolist()
    [0.25, 0.25, 0.25]
    """
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"matmul takes 2-D arrays, got {a.ndim}-D and {b.ndim}-D")
    if kwargs.get("return_status"):
        raise ValueError("return_status is not available on dask arrays")
    fa, fb = format_of(a.dtype), format_of(b.dtype)
    k = a.shape[1]
    out = kwargs.get("out_format")
    out = _format(out) if out is not None else None
    if out is None:
        acc = kwargs.get("acc_format")
        out = _format(acc) if acc is not None else accumulator_format(fa, fb, k)
        out = FixedFormat(out.il, out.fl, out.signed)
    a, b = a.rechunk({1: -1}), b.rechunk({0: -1})

    def block_product(x, y):
        left, right = from_numpy(np.ascontiguousarray(x)), from_numpy(np.ascontiguousarray(y))
        return _matmul(left, right, **kwargs).to_numpy()

    return da.blockwise(block_product, "ij", a, "ik", b, "kj", concatenate=True, dtype=out.dtype, meta=_meta(out, 2))


def quantize(x, qparams: affine.QParams, **kwargs) -> da.Array:
    """``fixpt.quant.quantize`` block by block (per-tensor, or per channel with the channel
    axis kept whole).

    Parameters
    ----------
    x : dask.array.Array or array_like
        Real values.
    qparams : QParams
    **kwargs
        preset, rounding, nan (as in ``fixpt.quant.quantize``).

    Returns
    -------
    dask.array.Array
        Of qparams.container.

    Examples
    --------
    >>> import dask.array as da
    >>> from fixpt import quant
    >>> p = quant.QParams(scale=0.5, zero_point=0, bits=8)
    >>> quantize(da.from_array([1.0, -1.25, 100.0], chunks=2), p).compute().tolist()
    [2, -2, 127]
    """
    x = da.asarray(x)
    if qparams.axis is not None:
        x = x.rechunk({qparams.axis: -1})
    return x.map_blocks(lambda block: affine.quantize(block, qparams, **kwargs), dtype=qparams.container)


def dequantize(q, qparams: affine.QParams) -> da.Array:
    """``fixpt.quant.dequantize`` block by block (float32).

    Parameters
    ----------
    q : dask.array.Array or array_like of int
    qparams : QParams

    Returns
    -------
    dask.array.Array

    Examples
    --------
    >>> import dask.array as da
    >>> from fixpt import quant
    >>> p = quant.QParams(scale=0.5, zero_point=0, bits=8)
    >>> dequantize(da.from_array(np.array([2, -2], np.int8), chunks=1), p).compute().tolist()
    [1.0, -1.0]
    """
    q = da.asarray(q)
    if qparams.axis is not None:
        q = q.rechunk({qparams.axis: -1})
    return q.map_blocks(lambda block: affine.dequantize(block, qparams), dtype=np.float32)


def requantize(acc, multiplier, shift, zero_point=0, bits: int = 8, **kwargs) -> da.Array:
    """``fixpt.quant.requantize`` (per tensor) block by block.

    Parameters
    ----------
    acc : dask.array.Array or array_like of int
    multiplier, shift, zero_point, bits, **kwargs
        As in ``fixpt.quant.requantize`` (scalars).

    Returns
    -------
    dask.array.Array

    Examples
    --------
    >>> import dask.array as da
    >>> requantize(da.from_array(np.array([1000, -1000], np.int32), chunks=1), 1 << 30, 0).compute().tolist()
    [127, -128]
    """
    acc = da.asarray(acc)
    if np.ndim(multiplier) or np.ndim(shift) or np.ndim(zero_point):
        raise ValueError("requantize on dask arrays takes per-tensor (scalar) parameters")
    sample = affine.requantize(np.zeros(1, acc.dtype), multiplier, shift, zero_point, bits, **kwargs)
    return acc.map_blocks(lambda block: affine.requantize(block, multiplier, shift, zero_point, bits, **kwargs),
                          dtype=sample.dtype)


def _chained(filter_fn, x: da.Array, axis: int, seed: SeedLike, kwargs: dict, split_batch: bool) -> da.Array:
    """``filter_fn(signals, axis=-1, zi=..., seed=..., [signal_offset=], **kwargs)`` (lfilter
    or sosfilt with their coefficients bound) along axis, block by block: each block of a row of
    time blocks starts from the FilterState its left neighbour returned (a chain of tasks, one
    per block), so a signal longer than memory is filtered in pieces with the bits of one
    call. With split_batch the first batch axis may be chunked (each row passes its first
    signal's global index as signal_offset); otherwise the batch is whole."""
    if "zi" in kwargs or "return_status" in kwargs:
        raise ValueError("zi and return_status are not available on dask arrays (blocks chain their own state)")
    if "out_format" not in kwargs:
        raise TypeError("the filter needs out_format=")
    out = _format(kwargs["out_format"])
    spec = CastSpec.resolve(out, kwargs.get("rounding", "nearest_even"), "saturate", seed)  # one seed for all

    def step(block, zi, first):
        offset = {"signal_offset": first} if split_batch else {}
        y, zf = filter_fn(from_numpy(np.ascontiguousarray(block)), axis=-1, zi=zi,
                          seed=Generator.at(spec.seed, spec.stream), **offset, **kwargs)
        return y.to_numpy(), zf

    axis = axis % x.ndim
    moved = da.moveaxis(x, axis, -1)
    batch_axes = moved.ndim - 1
    if batch_axes:
        moved = moved.rechunk({i: -1 for i in range(1 if split_batch else 0, batch_axes)})
    per_first = int(np.prod(moved.shape[1:-1], dtype=np.int64)) if batch_axes else 1
    blocks = moved.to_delayed()
    meta = _meta(out, moved.ndim)

    def row(batch_index: tuple) -> list:
        first = int(np.sum(moved.chunks[0][:batch_index[0]], dtype=np.int64)) * per_first if batch_axes else 0
        state, pieces = "zeros", []
        for j in range(blocks.shape[-1]):
            y, state = delayed(step, nout=2)(blocks[batch_index + (j,)], state, first)
            shape = tuple(chunks[k] for chunks, k in zip(moved.chunks, batch_index + (j,)))
            pieces.append(da.from_delayed(y, shape, dtype=out.dtype, meta=meta))
        return pieces

    def nest(prefix: tuple) -> list:
        if len(prefix) == batch_axes:
            return row(prefix)
        return [nest(prefix + (i,)) for i in range(blocks.shape[len(prefix)])]

    return da.moveaxis(da.block(nest(())), -1, axis)


def lfilter(b, a, x: da.Array, *, axis: int = -1, seed: SeedLike = None, **kwargs) -> da.Array:
    """``fixpt.lfilter`` over a dask array, with the bits of one call for any chunking.

    The time axis may be cut: each time block starts from the :class:`~fixpt.FilterState`
    the block before it returned (a chain of tasks per group of signals, so one long signal is
    filtered in pieces, never whole in memory, but not in parallel). The batch axes may be cut
    too (the groups run in parallel): each block passes its first signal's global index, so
    stochastic rounding gives the bits of one call.

    Parameters
    ----------
    b, a : FixedArray or array_like
        The coefficients (small: sent to every block).
    x : dask.array.Array
        Of a fixed-point dtype.
    axis : int
        The time axis.
    seed : int, Generator or None
        Drawn once here, shared by every block.
    **kwargs
        out_format (required), acc_format, acc_overflow, rounding, overflow (as in
        :func:`fixpt.lfilter`; not zi or return_status).

    Returns
    -------
    dask.array.Array

    Examples
    --------
    >>> import dask.array as da
    >>> x = array(da.from_array(np.eye(2, 4) * 0.5, chunks=(1, 3)), "Q1.7")
    >>> y = lfilter([1.0], [1.0, -0.5], x, out_format="Q2.6")
    >>> y.compute().astype(np.float64).tolist()
    [[0.5, 0.25, 0.125, 0.0625], [0.0, 0.5, 0.25, 0.125]]
    """
    return _chained(lambda signals, **options: _lfilter(b, a, signals, **options), x, axis, seed, kwargs,
                    split_batch=True)


def sosfilt(sos, x: da.Array, *, axis: int = -1, seed: SeedLike = None, **kwargs) -> da.Array:
    """``fixpt.sosfilt`` over a dask array, with the bits of one call for any chunking.

    The time axis may be cut (each time block starts from the per-section states the block
    before it returned, a chain of tasks); the batch axes are kept whole in each block, since
    every section draws its stochastic rounding from streams laid out over the whole batch.

    Parameters
    ----------
    sos : FixedArray or array_like, shape (n_sections, 6)
    x : dask.array.Array
        Of a fixed-point dtype.
    axis : int
        The time axis.
    seed : int, Generator or None
        Drawn once here, shared by every block.
    **kwargs
        section_format and out_format (required), acc_format, acc_overflow, rounding, overflow,
        structure, state_format (as in :func:`fixpt.sosfilt`; not zi or return_status).

    Returns
    -------
    dask.array.Array

    Examples
    --------
    >>> import dask.array as da
    >>> x = array(da.from_array(np.array([1.0, 0, 0, 0]), chunks=1), "Q2.14")
    >>> sos = [[0.5, 0.0, 0.0, 1.0, -0.5, 0.0]]
    >>> sosfilt(sos, x, section_format="Q2.14", out_format="Q2.14").compute().astype(np.float64).tolist()
    [0.5, 0.25, 0.125, 0.0625]
    """
    return _chained(lambda signals, **options: _sosfilt(sos, signals, **options), x, axis, seed, kwargs,
                    split_batch=False)


def compute(x: da.Array, **kwargs) -> FixedArray:
    """Compute a fixed-point dask array into a FixedArray (sharing the result's buffer).

    Parameters
    ----------
    x : dask.array.Array
        Of a fixed-point dtype.
    **kwargs
        Passed to ``dask.compute`` (scheduler=..., ...).

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> import dask.array as da
    >>> compute(array(da.from_array([0.5, 1.0], chunks=1), "Q2.6")).tolist()
    [0.5, 1.0]
    """
    (result,) = da.compute(x, **kwargs)
    if isinstance(result, FixedArray):  # a 0-d result comes back as its element
        return result
    return from_numpy(np.asarray(result))
