"""Multiply-accumulate: dot, matmul, 1-D convolution and 2-D convolution with an explicit
product and accumulator model, as DSP and integer neural-network hardware computes them.

Model (every step exact unless it says otherwise):

1. each product ``a[k] * b[k]`` is exact; with ``product_format=`` it is rounded
   (``product_rounding``) and saturated into that format;
2. products are added in the order k = 0..K-1 to an accumulator of ``acc_format``
   (up to 128 bits) whose ``acc_overflow`` applies after every addition: ``"raise"``
   (the default), ``"wrap"`` or ``"saturate"``;
3. the accumulator is rounded once into ``out_format`` (``rounding=``, ``overflow=``).

The default accumulator is exact (see :func:`accumulator_bits`), and the default
output is the accumulator.

Examples
--------
>>> import fixpt, numpy as np
>>> a = fixpt.array([[0.5, -0.25], [0.875, 0.75]], "Q1.7")
>>> (a @ a).tolist(), (a @ a).format                 # exact: 2 products of Q1.7 need 17 bits
([[0.03125, -0.3125], [1.09375, 0.34375]], Q(3,14))
>>> accumulator_bits("Q1.7", "Q1.7", 512)
25
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np


from fixpt import _binding
from fixpt.base.checks import check_int
from fixpt.base.shapes import broadcast_shape, unravel
from fixpt.base.status import CastStatus
from fixpt.convert.fixed import apply_policies
from fixpt.convert.rng import SeedLike, resolve_seed
from fixpt.convert.spec import CastSpec
from fixpt.fixed import recording
from fixpt.fixed.arrays import FixedArray
from fixpt.fixed.ops import as_fixed
from fixpt.formats import (AccumulatorFormat, FixedFormat, FormatLike, OverflowLike, OverflowMode,
                           RoundLike, RoundMode, parse_format)

ACC_OVERFLOWS = ("wrap", "saturate", "raise")


def _product_range(fa: FixedFormat, fb: FixedFormat) -> tuple[int, int]:
    corners = [x * y for x in (fa.raw_min, fa.raw_max) for y in (fb.raw_min, fb.raw_max)]
    return min(corners), max(corners)


def _bits_for_range(lo: int, hi: int) -> tuple[int, bool]:
    """(width, signed) of the smallest two's complement / unsigned register holding [lo, hi]."""
    if lo >= 0:
        return max(1, hi.bit_length()), False
    width = 1
    while not (-(1 << (width - 1)) <= lo and hi <= (1 << (width - 1)) - 1):
        width += 1
    return width, True


def accumulator_bits(a_format: FormatLike, b_format: FormatLike, k: int) -> int:
    """The exact minimal accumulator width for sums of k products.

    From the exact bound k * (largest and smallest product), not the 2n + log2 k rule of
    thumb (which is never smaller, and larger for unsigned or asymmetric ranges).

    Parameters
    ----------
    a_format, b_format : FixedFormat or str
        The operands' formats.
    k : int
        The number of products per sum (>= 1).

    Returns
    -------
    int

    Examples
    --------
    >>> accumulator_bits("Q1.15", "Q1.15", 1), accumulator_bits("UQ8.0", "UQ8.0", 3)
    (32, 18)
    """
    k = check_int("k", k, 1)
    lo, hi = _product_range(parse_format(a_format), parse_format(b_format))
    return _bits_for_range(int(k) * lo, int(k) * hi)[0]


def accumulator_format(a_format: FormatLike, b_format: FormatLike, k: int) -> FixedFormat:
    """The exact accumulator as a format: accumulator_bits wide, FLa + FLb fraction bits (an
    AccumulatorFormat, which may be up to 128 bits wide).

    Parameters
    ----------
    a_format, b_format : FixedFormat or str
    k : int

    Returns
    -------
    AccumulatorFormat

    Examples
    --------
    >>> accumulator_format("Q1.15", "Q1.15", 256)
    Q(10,30)
    """
    fa, fb = parse_format(a_format), parse_format(b_format)
    lo, hi = _product_range(fa, fb)
    width, signed = _bits_for_range(int(k) * lo, int(k) * hi)
    fl = fa.fl + fb.fl
    return AccumulatorFormat(width - fl, fl, signed)


@dataclass(frozen=True)
class MacStatus:
    """What a MAC call saw.

    Attributes
    ----------
    acc_format : FixedFormat
    n_acc_overflow : int
        Sums whose accumulator overflowed at least once.
    first_acc_overflow : tuple or None
        The output index of the first such sum.
    n_product_overflow : int
        Narrowed products that saturated.
    max_acc_bits : int
        Bits of the largest |accumulator| seen (the headroom used).
    output : CastStatus
        The status of the final cast into the output format.

    Examples
    --------
    >>> import fixpt
    >>> x = fixpt.array([[1.0, 1.0, 1.0]], "Q2.0")
    >>> _, s = matmul(x, x.T, acc_format="Q3.0", acc_overflow="wrap", return_status=True)
    >>> s.n_acc_overflow, s.max_acc_bits, s.headroom_bits
    (0, 2, 0)
    """

    acc_format: FixedFormat
    n_acc_overflow: int
    first_acc_overflow: Optional[tuple]
    n_product_overflow: int
    max_acc_bits: int
    output: CastStatus

    @property
    def headroom_bits(self) -> int:
        """Accumulator bits never used (its magnitude bits minus max_acc_bits)."""
        return self.acc_format.wl - int(self.acc_format.signed) - self.max_acc_bits


class _Plan:
    """Everything a MAC call needs, decided once from formats and k."""

    def __init__(self, fa: FixedFormat, fb: FixedFormat, k: int, acc_format, acc_overflow,
                 product_format, product_rounding, out_format, rounding, overflow, seed):
        if acc_overflow not in ACC_OVERFLOWS:
            raise ValueError(f"acc_overflow={acc_overflow!r} is not one of: {', '.join(ACC_OVERFLOWS)}")
        self.k = k
        exact_fl = fa.fl + fb.fl
        lo, hi = _product_range(fa, fb)
        self.product = parse_format(product_format) if product_format is not None else None
        if self.product is not None:
            if self.product.fl > exact_fl:
                raise ValueError(f"product_format={self.product!r} has more fraction bits than the "
                                 f"exact product ({exact_fl}); products are only narrowed")
            lo, hi = max(lo, self.product.raw_min << (exact_fl - self.product.fl)), \
                min(hi, self.product.raw_max << (exact_fl - self.product.fl))
            prod_fl = self.product.fl
        else:
            prod_fl = exact_fl
        if acc_format is None:
            scale = exact_fl - prod_fl
            width, signed = _bits_for_range(k * (lo >> scale), k * (hi >> scale))
            if width > 128:
                raise ValueError(f"the exact accumulator for {k} products of {fa!r} and {fb!r} needs "
                                 f"{width} bits, more than 128: pass acc_format= (and acc_overflow=)")
            self.acc = AccumulatorFormat(width - prod_fl, prod_fl, signed)
        else:
            self.acc = parse_format(acc_format) if isinstance(acc_format, str) else acc_format
            if not isinstance(self.acc, FixedFormat):
                raise TypeError(f"acc_format must be a fixed-point format, got {acc_format!r}")
        if self.acc.wl > 128 or (self.acc.wl > 127 and not self.acc.signed):
            raise ValueError(f"acc_format={self.acc!r}: accumulators hold at most 128 bits "
                             f"(127 unsigned)")
        self.align = self.acc.fl - prod_fl
        if self.align < 0:
            raise ValueError(f"acc_format={self.acc!r} has fewer fraction bits than the products "
                             f"({prod_fl}); narrow the products with product_format= first")
        if self.align > 63 or (max(abs(lo), abs(hi)).bit_length() + self.align > 127):
            raise ValueError(f"acc_format={self.acc!r} is {self.align} bits finer than the products; "
                             f"too far to align")
        if out_format is None and self.acc.wl > 64:
            raise ValueError(f"the accumulator {self.acc!r} is {self.acc.wl} bits wide; results are "
                             f"stored in at most 64 bits, so pass out_format=")
        self.out = (parse_format(out_format) if out_format is not None
                    else FixedFormat(self.acc.il, self.acc.fl, self.acc.signed))
        self.rounding, self.overflow, self.seed = rounding, overflow, seed
        self.acc_overflow = acc_overflow
        self.product_rounding = RoundMode.parse(product_rounding, "product_rounding")
        # the proof for the exact fast paths: every partial sum lies in
        # [k * lo, k * hi] (exact-product units), so it needs `exact_bits` bits
        bound = k * max(abs(lo), abs(hi))
        acc_lo, acc_hi = self.acc.raw_min, self.acc.raw_max
        fits_acc = (k * lo) << self.align >= acc_lo and (k * hi) << self.align <= acc_hi
        self.exact_bits = bound.bit_length() if (fits_acc and self.product is None) else 0
        self.fa, self.fb = fa, fb

    def mac_spec(self) -> dict:
        # products draw from the stream after the output's, so the two never share words
        prod_seed, prod_stream = (resolve_seed(self.seed) if self.product_rounding.is_stochastic
                                  else (0, 0))
        prod_stream += 1
        exact_fl = self.fa.fl + self.fb.fl
        product = self.product
        return dict(
            product_word_length=product.wl if product else 0,
            product_signed=int(product.signed) if product else 0,
            product_shift=(product.fl - exact_fl) if product else 0,
            product_round_mode=int(self.product_rounding), align=self.align,
            acc_word_length=self.acc.wl, acc_signed=int(self.acc.signed),
            acc_overflow=int(OverflowMode.parse(self.acc_overflow)), exact_bits=self.exact_bits,
            seed=prod_seed, stream=prod_stream)

    def out_spec(self) -> CastSpec:
        """The final cast, resolved once (its shift is ``out.fl - acc.fl``)."""
        return CastSpec.resolve(self.out, self.rounding, self.overflow, self.seed)

    @property
    def out_shift(self) -> int:
        return self.out.fl - self.acc.fl

    def finish(self, raw: np.ndarray, status: CastStatus, counts, spec: CastSpec, what: str,
               return_status: bool, first_index_shape):
        first = unravel(counts.first_acc_overflow, first_index_shape)
        if counts.n_acc_overflow and self.acc_overflow == "raise":
            raise OverflowError(
                f"{what}: the accumulator {self.acc!r} overflowed in {counts.n_acc_overflow} "
                f"sum(s), first at output index {first}; widen acc_format or use "
                f"acc_overflow='wrap'/'saturate'")
        apply_policies(status, spec.overflow_mode)
        result = FixedArray(raw, self.out)
        recording.note(what, status, result.to_float() if recording.is_recording() else None)
        if not return_status:
            return result
        return result, MacStatus(self.acc, counts.n_acc_overflow, first, counts.n_product_overflow,
                                 counts.max_acc_bits, status)


def _blas_sums(a_raw: np.ndarray, b_raw: np.ndarray, exact_bits: int) -> Optional[np.ndarray]:
    """Exact integer sums of products through float BLAS, when the proven bound allows it:
    every operand, product and partial sum is an integer below 2^24 (float32) or 2^53
    (float64) in magnitude, so every float operation is exact in any order.  The sums come
    back as int32 when they fit 31 bits (a narrow container keeps the cast on its 32-bit
    path), else int64, converted once from the floats."""
    if 0 < exact_bits <= 24 and a_raw.dtype.itemsize <= 2 and b_raw.dtype.itemsize <= 2:
        dtype = np.float32
    elif 0 < exact_bits <= 53 and a_raw.dtype.itemsize <= 4 and b_raw.dtype.itemsize <= 4:
        dtype = np.float64
    else:
        return None
    sums = np.matmul(a_raw.astype(dtype), b_raw.astype(dtype))
    return sums.astype(np.int32 if exact_bits <= 31 else np.int64)


_MAC_DEFAULTS = dict(acc_format=None, acc_overflow="raise", product_format=None,
                     product_rounding="nearest_even", out_format=None, rounding="nearest_even",
                     overflow="saturate", seed=None, return_status=False)


def matmul(a, b, *, acc_format: Optional[FormatLike] = None, acc_overflow: str = "raise",
           product_format: Optional[FormatLike] = None, product_rounding: RoundLike = "nearest_even",
           out_format: Optional[FormatLike] = None, rounding: RoundLike = "nearest_even",
           overflow: OverflowLike = "saturate", seed: SeedLike = None, return_status: bool = False):
    """Matrix product with the MAC model; NumPy matmul shapes (1-D operands, batches broadcast).

    Each output accumulates ``a[..., i, k] * b[..., k, j]`` in order k = 0..K-1: exact (or
    narrowed) products, aligned to the accumulator, added under ``acc_overflow``, then one
    final rounding into ``out_format``.

    Parameters
    ----------
    a, b : FixedArray or array_like
    acc_format : FixedFormat or str, optional
        The accumulator (up to 128 bits: an ``AccumulatorFormat``); default: the exact
        width for these operands and k (:func:`accumulator_format`).
    acc_overflow : {"raise", "wrap", "saturate"}
        Applied after every addition; "raise" (the default) raises OverflowError naming the
        first output; "wrap" models a two's complement accumulator (whose intermediate
        overflows cancel when the final sum fits), "saturate" a saturating DSP one.  The
        default exact accumulator never overflows.
    product_format : FixedFormat or str, optional
        Narrow each product into this format first (rounded with ``product_rounding``, then
        saturated); default: exact products.
    product_rounding : str or RoundMode
    out_format : FixedFormat or str, optional
        The output, rounded once from the accumulator; default: the accumulator (<= 64 bits).
    rounding, overflow : str or mode
        How the output cast rounds and what it does beyond the output's range.
    seed : int, Generator or None
        Random stream of the stochastic modes (products draw from the next stream).
    return_status : bool
        Also return a :class:`MacStatus`.

    Returns
    -------
    FixedArray, or (FixedArray, MacStatus)

    Raises
    ------
    ValueError
        Shapes that do not align, an accumulator that cannot hold the aligned products.
    OverflowError
        An accumulator overflow under ``acc_overflow="raise"``, or an output overflow under
        ``overflow="raise"``.

    Examples
    --------
    >>> import fixpt
    >>> x = fixpt.array([[1.0, 1.0, 1.0]], "Q2.0")           # 1 1 1
    >>> w = fixpt.array([[1.0], [1.0], [-2.0]], "Q2.0")
    >>> matmul(x, w, acc_format="Q2.0", acc_overflow="saturate").tolist()   # 1, then 1 (sat.), then -1
    [[-1.0]]
    >>> matmul(x, w, acc_format="Q2.0", acc_overflow="wrap").tolist()       # 1, -2 (wrapped), -4 -> 0
    [[0.0]]
    """
    a, b = as_fixed(a), as_fixed(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: operands must have at least one dimension")
    a_raw = a.raw[np.newaxis, :] if a.ndim == 1 else a.raw
    b_raw = b.raw[:, np.newaxis] if b.ndim == 1 else b.raw
    if a_raw.shape[-1] != b_raw.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align "
                         f"({a_raw.shape[-1]} != {b_raw.shape[-2]})")
    batch_shape = broadcast_shape(a_raw.shape[:-2], b_raw.shape[:-2])
    m, k, n = a_raw.shape[-2], a_raw.shape[-1], b_raw.shape[-1]
    plan = _Plan(a.format, b.format, max(k, 1), acc_format, acc_overflow, product_format,
                 product_rounding, out_format, rounding, overflow, seed)
    spec = plan.out_spec()
    shape = batch_shape + (m, n)
    if a.ndim == 1:
        shape = shape[:-2] + shape[-1:]
    if b.ndim == 1:
        shape = shape[:-1]
    a3, b3 = _as_batches(a_raw, batch_shape), _as_batches(b_raw, batch_shape)
    sums = _blas_sums(a3, b3, plan.exact_bits)
    if sums is not None:
        # the sums are in product units: cast them from there (shifting them into the
        # accumulator's binary point first could overflow int64 when align + bits > 63)
        top = max(int(sums.max(initial=0)), -int(sums.min(initial=0))).bit_length()
        raw, status = _binding.elementwise("copy", sums.reshape(shape), None, spec,
                                           plan.out_shift + plan.align)
        counts = _binding.AccumulatorCounts(0, -1, 0, top + plan.align if top else 0)
    else:
        raw, status, counts = _binding.matmul(a3, b3, spec, plan.out_shift, mac=plan.mac_spec(),
                                              shape=shape)
    raw = raw.reshape(shape)
    return plan.finish(raw, status, counts, spec, "matmul", return_status, raw.shape or (1,))


def _as_batches(raw: np.ndarray, batch_shape: tuple) -> np.ndarray:
    """``raw`` (..., rows, cols) broadcast to ``batch_shape`` as a (batch, rows, cols) view with
    one batch stride (0 for a broadcast matrix), copied only when no single stride walks the
    batches."""
    full = np.broadcast_to(raw, batch_shape + raw.shape[-2:])
    batch = int(np.prod(batch_shape, dtype=np.int64))
    axes = [(size, stride) for size, stride in zip(batch_shape, full.strides[:-2]) if size > 1]
    step = axes[-1][1] if axes else 0
    for (size, stride), (inner_size, inner_stride) in zip(axes, axes[1:]):
        if stride != inner_stride * inner_size:
            return np.ascontiguousarray(full).reshape((batch,) + raw.shape[-2:])
    return np.lib.stride_tricks.as_strided(full, (batch,) + raw.shape[-2:], (step,) + full.strides[-2:],
                                           writeable=False)


def dot(a, b, **kwargs):
    """Inner product of 1-D arrays, or matrix product of 2-D ones (like np.dot for <= 2-D).

    Parameters
    ----------
    a, b : FixedArray or array_like
        At most 2-D (use :func:`matmul` for stacks).
    **kwargs
        The MAC options of :func:`matmul`.

    Returns
    -------
    FixedArray, or (FixedArray, MacStatus)

    Examples
    --------
    >>> import fixpt
    >>> dot(fixpt.array([0.5, 0.25], "Q1.7"), fixpt.array([0.5, -1.0], "Q1.7")).tolist()
    0.0
    """
    a, b = as_fixed(a), as_fixed(b)
    if a.ndim > 2 or b.ndim > 2:
        raise ValueError("fixpt.dot takes arrays of at most 2 dimensions; use fixpt.matmul for stacks")
    return matmul(a, b, **kwargs)


def convolve(x, h, mode: str = "full", **kwargs):
    """1-D convolution (an FIR filter) with the MAC model; ``mode`` as in np.convolve.

    Output n accumulates h[k] * x[n - k] for k = 0..K-1 in that order (if h is longer than
    x, the two swap roles, as in np.convolve).

    Parameters
    ----------
    x, h : FixedArray or array_like
        Non-empty 1-D signal and taps.
    mode : {"full", "same", "valid"}
    **kwargs
        The MAC options of :func:`matmul` (acc_format, acc_overflow, product_format,
        product_rounding, out_format, rounding, overflow, seed, return_status).

    Returns
    -------
    FixedArray, or (FixedArray, MacStatus)

    Examples
    --------
    >>> import fixpt
    >>> convolve(fixpt.array([1.0, 2.0, 3.0], "Q4.0"), fixpt.array([1.0, -1.0], "Q2.0")).tolist()
    [1.0, 1.0, 1.0, -3.0]
    """
    options = {**_MAC_DEFAULTS, **kwargs}
    unknown = set(kwargs) - set(_MAC_DEFAULTS)
    if unknown:
        raise TypeError(f"convolve: unexpected keyword(s) {sorted(unknown)}")
    x, h = as_fixed(x), as_fixed(h)
    if x.ndim != 1 or h.ndim != 1 or not x.size or not h.size:
        raise ValueError("convolve: x and h must be non-empty 1-D arrays")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"mode={mode!r} is not one of: full, same, valid")
    if h.size > x.size:
        x, h = h, x
    k = h.size
    plan = _Plan(h.format, x.format, k, options["acc_format"], options["acc_overflow"],
                 options["product_format"], options["product_rounding"], options["out_format"],
                 options["rounding"], options["overflow"], options["seed"])
    spec = plan.out_spec()
    padded = np.concatenate([np.zeros(k - 1, x.raw.dtype), x.raw, np.zeros(k - 1, x.raw.dtype)])
    raw, status, counts = _binding.fir(padded, h.raw, spec, plan.out_shift, mac=plan.mac_spec())
    n = x.size
    if mode == "same":
        start = (k - 1) // 2
        raw = raw[start:start + n]
    elif mode == "valid":
        raw = raw[k - 1:n]
    raw = np.ascontiguousarray(raw)
    return plan.finish(raw, status, counts, spec, "convolve", options["return_status"], (n + k - 1,))


def _pair(name: str, value, lo: int) -> tuple[int, int]:
    """An int or a (rows, cols) pair of ints, each >= lo."""
    pair = (value, value) if not isinstance(value, (tuple, list)) else tuple(value)
    if len(pair) != 2:
        raise ValueError(f"conv2d: {name}={value!r} must be an int or a (rows, cols) pair")
    return check_int(name, pair[0], lo), check_int(name, pair[1], lo)


def conv2d(x, w, stride: int = 1, padding: int = 0, **kwargs):
    """2-D convolution (cross-correlation, as in CNN layers) with the MAC model.

    Each output accumulates over (c, kh, kw) in row-major order; padding is with zeros.

    Parameters
    ----------
    x : FixedArray or array_like
        Images (N, C, H, W).
    w : FixedArray or array_like
        Kernels (O, C, KH, KW).
    stride, padding : int or (int, int)
        Per axis (rows, cols); stride >= 1, padding >= 0.
    **kwargs
        The MAC options of :func:`matmul`.

    Returns
    -------
    FixedArray, or (FixedArray, MacStatus)
        (N, O, OH, OW).

    Raises
    ------
    ValueError
        Shapes that do not match, or a kernel larger than the padded input.

    Examples
    --------
    >>> import fixpt, numpy as np
    >>> x = fixpt.array(np.arange(16.0).reshape(1, 1, 4, 4), "Q6.0")
    >>> w = fixpt.array(np.ones((1, 1, 2, 2)), "Q2.0")
    >>> conv2d(x, w, stride=2).tolist()
    [[[[10.0, 18.0], [42.0, 50.0]]]]
    """
    x, w = as_fixed(x), as_fixed(w)
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError(f"conv2d: x must be (N, C, H, W) and w (O, C, KH, KW) with the same C; "
                         f"got {x.shape} and {w.shape}")
    sh, sw = _pair("stride", stride, 1)
    ph, pw = _pair("padding", padding, 0)
    n_img, channels = x.shape[:2]
    out_ch, _, kh, kw = w.shape
    if kh > x.shape[2] + 2 * ph or kw > x.shape[3] + 2 * pw or kh < 1 or kw < 1:
        raise ValueError(f"conv2d: the kernel ({kh}, {kw}) must be non-empty and fit the padded "
                         f"input ({x.shape[2] + 2 * ph}, {x.shape[3] + 2 * pw})")
    padded = np.pad(x.raw, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw]  # (N, C, OH, OW, KH, KW)
    oh, ow = windows.shape[2], windows.shape[3]
    cols = np.ascontiguousarray(windows.transpose(0, 2, 3, 1, 4, 5)).reshape(n_img * oh * ow, -1)
    weights = np.ascontiguousarray(w.raw.reshape(out_ch, -1).T)
    result = matmul(FixedArray(cols, x.format), FixedArray(weights, w.format), **kwargs)
    out, status = (result if kwargs.get("return_status") else (result, None))
    raw = out.raw.reshape(n_img, oh, ow, out_ch).transpose(0, 3, 1, 2)
    final = FixedArray(np.ascontiguousarray(raw), out.format)
    return (final, status) if status is not None else final
