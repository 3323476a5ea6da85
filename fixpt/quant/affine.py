"""Quantization on the fixed-point core: quantize, dequantize, requantize, as runtimes do.

Convention: ``q = clamp(round(x / scale) + zero_point, qmin, qmax)`` and
``x_hat = scale * (q - zero_point)``. Other conventions in the literature map onto it:
``Q(r) = Int(r / S) - Z`` is ours with ``zero_point = -Z``; NEMO's ``t = alpha + eps * q`` is
``scale = eps``, ``zero_point = -alpha / eps``; Distiller's ``q = round(s * x - zp)`` is
``scale = 1 / s``, ``zero_point = -zp``.

Examples
--------
>>> import numpy as np
>>> p = choose_qparams(-2.0, 2.0, bits=8, symmetric=True, narrow_range=True)
>>> float(p.scale), int(p.zero_point), (p.qmin, p.qmax)
(0.015748031437397003, 0, (-127, 127))
>>> quantize(np.array([[-1.54, 0.22], [-0.26, 0.65]]), p).tolist()
[[-98, 14], [-17, 41]]
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from fixpt import _binding
from fixpt.base.checks import check_int, check_out, normalize_axis
from fixpt.base.shapes import channel_values
from fixpt.convert.fixed import to_raw
from fixpt.fixed.arrays import from_raw
from fixpt.fixed.mac import matmul
from fixpt.formats import AccumulatorFormat, FixedFormat, smallest_container

QUANT_PRESETS = tuple(_binding.QUANT_PRESETS)
REQUANT_PRESETS = tuple(_binding.REQUANT_PRESETS)


def integer_range(bits: int, signed: bool, narrow_range: bool = False) -> tuple[int, int]:
    """(qmin, qmax): the raw range of a ``bits``-bit integer format, the restricted range
    dropping the most negative code (signed) or zero (unsigned).

    Parameters
    ----------
    bits : int
    signed : bool
    narrow_range : bool

    Returns
    -------
    (int, int)

    Examples
    --------
    >>> integer_range(8, True), integer_range(8, True, narrow_range=True), integer_range(4, False)
    ((-128, 127), (-127, 127), (0, 15))
    """
    fmt = FixedFormat(bits, 0, signed)
    return fmt.raw_min + int(narrow_range), fmt.raw_max


@dataclass(frozen=True)
class QParams:
    """Quantization parameters: scale(s) and zero point(s), bit width, signedness, range.

    ``axis=None`` is per tensor; with ``axis`` the parameters are per channel along it; with
    ``axis`` and ``group_size`` per group of ``group_size`` consecutive channels' positions
    (block quantization).  Scales are float32, as runtimes store them.

    Raises
    ------
    ValueError
        Scales that are not finite and > 0, zero points outside [qmin, qmax], several scales
        without an axis.

    Examples
    --------
    >>> p = QParams(0.5, -3, bits=4)
    >>> float(p.scale), int(p.zero_point), (p.qmin, p.qmax), p.container
    (0.5, -3, (-8, 7), dtype('int8'))
    """

    scale: np.ndarray
    zero_point: np.ndarray
    bits: int = 8
    signed: bool = True
    narrow_range: bool = False
    axis: Optional[int] = None
    group_size: Optional[int] = None

    def __post_init__(self) -> None:
        check_int("bits", self.bits, 2, 16)
        if self.axis is not None:
            check_int("axis", self.axis)
        if self.group_size is not None:
            check_int("group_size", self.group_size, 1)
        scale = np.asarray(self.scale, dtype=np.float32)
        zp = np.asarray(self.zero_point)
        if zp.dtype.kind not in "iuf" or (zp.dtype.kind == "f" and not np.all(zp == np.round(zp))):
            raise ValueError(f"zero_point must hold integers, got {self.zero_point!r}")
        if zp.size and (zp.min() < self.qmin or zp.max() > self.qmax):  # before narrowing: no wrap
            raise ValueError(f"zero_point must lie in [{self.qmin}, {self.qmax}], got {self.zero_point!r}")
        zp = zp.astype(np.int32)
        if not np.all(np.isfinite(scale)) or not np.all(scale > 0):
            raise ValueError(f"scale must be finite and > 0 (as float32), got {self.scale!r}")
        scale, zp = np.broadcast_arrays(scale, zp)
        if self.axis is None and scale.size != 1:
            raise ValueError("several scales need axis= (per channel) or group_size= (per group)")
        object.__setattr__(self, "scale", scale.ravel() if self.axis is not None else scale.reshape(()))
        object.__setattr__(self, "zero_point", zp.ravel() if self.axis is not None else zp.reshape(()))

    @property
    def qmin(self) -> int:
        """The smallest code."""
        return integer_range(self.bits, self.signed, self.narrow_range)[0]

    @property
    def qmax(self) -> int:
        """The largest code."""
        return integer_range(self.bits, self.signed, self.narrow_range)[1]

    @property
    def container(self) -> np.dtype:
        """The smallest NumPy integer dtype holding the codes."""
        return smallest_container(self.bits, self.signed)

    def layout(self, shape: tuple) -> tuple[int, int]:
        """(channels, inner) of the parameters over a C-contiguous array of this shape."""
        if self.axis is None:
            return 1, max(1, int(np.prod(shape, dtype=np.int64)))
        if not shape:
            raise ValueError(f"per-channel parameters (axis={self.axis}) need an array with at least "
                             f"one dimension, got a 0-d one; pass per-tensor parameters instead")
        axis = normalize_axis(self.axis, len(shape))
        inner = max(1, int(np.prod(shape[axis + 1:], dtype=np.int64)))
        length = shape[axis]
        if self.group_size is None:
            if self.scale.size != length:
                raise ValueError(f"{self.scale.size} scales for axis {self.axis} of length {length}")
            return length, inner
        if length % self.group_size:
            raise ValueError(f"group_size={self.group_size} does not divide axis length {length}")
        if self.scale.size != length // self.group_size:
            raise ValueError(f"{self.scale.size} scales for {length // self.group_size} groups")
        return length // self.group_size, inner * self.group_size

    def _broadcast(self, shape: tuple, values: np.ndarray) -> np.ndarray:
        """Per-element parameter values (for dequantization)."""
        _, inner = self.layout(shape)
        if self.axis is None:
            return values
        return channel_values(values, inner, shape)


def quantize(x, qparams, *, preset: str = "onnx", rounding: str = "nearest_even",
             nan: str = "raise", return_clamped: bool = False, out: Optional[np.ndarray] = None):
    """Quantize real values to integers (in the smallest container) with a runtime's arithmetic.

    Parameters
    ----------
    x : array_like
        Real values; float32 as in the runtimes (float64 inputs are rounded to float32 first).
    qparams : QParams, FixedFormat or str
        The parameters; a fixed-point format (a power-of-two scale, zero point 0) makes this the
        exact FixedArray cast with any ``rounding`` mode, saturating.
    preset : {"onnx", "torch", "tflite", "nemo"}
        ``"onnx"``: divide by the float32 scale, ties to even, saturate; ``"torch"``: multiply
        by the float32 reciprocal ``1.0f / scale``, ties to even, clamp; ``"tflite"``: divide,
        ties away from zero; ``"nemo"``: divide, floor.
    rounding : str
        The rounding mode of a fixed-point-format quantization.
    nan : {"raise", "zero"}
        NaN has no integer: raise ValueError (naming the count and the first index), or map it
        to the zero point (the code of the real value 0).
    return_clamped : bool
        Also return how many values were clamped.
    out : numpy.ndarray, optional
        Where to write the codes (x's shape, the container dtype of ``qparams``): a loop that
        reuses one buffer skips the allocation, whose page faults cost as much as the work.
        As with NumPy's ufuncs, a call that raises (NaN with ``nan="raise"``) may already have
        written it (NaN as the zero point).

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, int)

    Raises
    ------
    TypeError
        ``qparams`` of another type, or inputs that are not real numbers.
    ValueError
        NaN (by default), an unknown preset, parameters that do not fit the array.

    Examples
    --------
    >>> quantize([0.3, -0.3], "Q1.7", rounding="floor").tolist()
    [38, -39]
    >>> quantize([0.25, -1.0, 9.0], QParams(0.125, 4, bits=4)).tolist()     # 2 + 4, -8 + 4, clamped
    [6, -4, 7]
    """
    if nan not in ("raise", "zero"):
        raise ValueError(f"nan={nan!r} is not one of: raise, zero")
    if isinstance(qparams, (str, FixedFormat)):
        raw, status = to_raw(x, qparams, rounding=rounding, overflow="saturate", nan=nan)
        if out is not None:
            check_out(out, raw.shape, raw.dtype, "quantize")
            np.copyto(out, raw)
            raw = out
        return (raw, status.n_overflow) if return_clamped else raw
    if not isinstance(qparams, QParams):
        raise TypeError(f"qparams must be a QParams (see choose_qparams) or a fixed-point format "
                        f"such as 'Q1.7', got {qparams!r}")
    if preset not in QUANT_PRESETS:
        raise ValueError(f"preset={preset!r} is not one of: {', '.join(QUANT_PRESETS)}")
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"x must be real numbers, got dtype {arr.dtype}")
    channels, inner = qparams.layout(arr.shape)
    direct = check_out(out, arr.shape, qparams.container, "quantize")
    q, clamped, nans = _binding.quantize_f32(arr, np.atleast_1d(qparams.scale),
                                             np.atleast_1d(qparams.zero_point), inner, preset,
                                             qparams.qmin, qparams.qmax, qparams.container, out=direct)
    if nans and nan == "raise":
        first = tuple(int(i) for i in np.argwhere(np.isnan(np.asarray(arr, np.float32)))[0])
        raise ValueError(f"x: {nans} NaN element(s), first at index {first}; NaN has no integer "
                         f"code (pass nan='zero' to map NaN to the zero point)")
    if out is not None and direct is None:
        np.copyto(out, q)
        q = out
    return (q, clamped) if return_clamped else q


def dequantize(q, qparams: QParams, *, out: Optional[np.ndarray] = None) -> np.ndarray:
    """``scale * (q - zero_point)`` in float32, as runtimes compute it.

    Parameters
    ----------
    q : array_like of int
    qparams : QParams
    out : numpy.ndarray, optional
        A float32 array of q's shape to write into (reusing one buffer skips the allocation,
        whose page faults cost as much as the work).

    Returns
    -------
    numpy.ndarray of float32

    Examples
    --------
    >>> dequantize(np.array([6, -4]), QParams(0.125, 4, bits=4)).tolist()
    [0.25, -1.0]
    >>> buffer = np.empty(2, np.float32)
    >>> dequantize(np.array([6, -4]), QParams(0.125, 4, bits=4), out=buffer) is buffer
    True
    """
    q = np.asarray(q)
    if q.dtype.kind not in "iub":
        raise TypeError(f"q must hold integer codes, got dtype {q.dtype}")
    if q.dtype.kind == "b":
        q = q.astype(np.uint8)
    container = np.iinfo(q.dtype)
    if q.size and (container.min < qparams.qmin or container.max > qparams.qmax):
        low, high = int(q.min()), int(q.max())  # a wider container: check the codes
        if low < qparams.qmin or high > qparams.qmax:
            bad = low if low < qparams.qmin else high
            raise ValueError(f"q holds the code {bad}, outside [{qparams.qmin}, {qparams.qmax}] of "
                             f"these parameters")
    channels, inner = qparams.layout(q.shape)
    direct = check_out(out, q.shape, np.float32, "dequantize")
    values = _binding.dequantize_f32(q, np.atleast_1d(qparams.scale), np.atleast_1d(qparams.zero_point),
                                     inner, out=direct)
    if out is not None and direct is None:
        np.copyto(out, values)
        return out
    return values


def choose_qparams(min_value, max_value, bits: int = 8, *, signed: bool = True,
                   symmetric: bool = False, narrow_range: bool = False, axis: Optional[int] = None,
                   group_size: Optional[int] = None) -> QParams:
    """Scale and zero point covering [min_value, max_value] (arrays for per-channel).

    The range is first widened to include 0, so that 0 is exactly representable.
    Asymmetric: ``scale = (max - min) / (qmax - qmin)``, ``zero_point = qmin - round(min/scale)``.
    Symmetric (zero point 0, or the middle code for unsigned): ``scale = amax / 2^(bits-1)`` on
    the full range [-128, 127], ``amax / (2^(bits-1) - 1)`` on the restricted range
    [-127, 127].  (PyTorch's symmetric observers divide by ``(qmax - qmin) / 2 = 127.5``.)

    Parameters
    ----------
    min_value, max_value : float or array_like
    bits : int
    signed, symmetric, narrow_range : bool
    axis, group_size : int, optional
        Per-channel / per-group parameters, as in :class:`QParams`.

    Returns
    -------
    QParams

    Examples
    --------
    >>> p = choose_qparams(-1.0, 3.0, bits=8)
    >>> float(p.scale), int(p.zero_point)
    (0.01568627543747425, -64)
    """
    lo = np.minimum(np.asarray(min_value, dtype=np.float64), 0.0)
    hi = np.maximum(np.asarray(max_value, dtype=np.float64), 0.0)
    qmin, qmax = integer_range(bits, signed, narrow_range)
    if symmetric:
        amax = np.maximum(-lo, hi)
        divisor = (1 << (bits - 1)) - (1 if narrow_range else 0)
        scale = np.where(amax > 0, amax / divisor, 1.0)
        zero_point = np.zeros_like(scale, dtype=np.int64) + (0 if signed else 1 << (bits - 1))
    else:
        scale = np.where(hi > lo, (hi - lo) / (qmax - qmin), 1.0)
        zero_point = np.clip(qmin - np.round(lo / scale), qmin, qmax).astype(np.int64)
    return QParams(scale.astype(np.float32), zero_point, bits, signed, narrow_range, axis, group_size)


def dynamic_quantize_linear(x) -> tuple[np.ndarray, np.float32, np.uint8]:
    """ONNX DynamicQuantizeLinear: uint8 codes of x, with the scale and zero point computed in
    float32 exactly as the operator's formula does (``choose_qparams`` works in float64 and
    differs in the last bit of some scales).

    ``scale = (max(0, max x) - min(0, min x)) / 255`` (1 when the range is empty),
    ``zero_point = rint(clip(0 - min / scale, 0, 255))``, then QuantizeLinear (divide, ties to
    even, saturate), all in float32.

    Parameters
    ----------
    x : array_like
        Real values (rounded to float32 first, as the operator's input is float32).

    Returns
    -------
    (numpy.ndarray of uint8, numpy.float32, numpy.uint8)
        The codes, the scale and the zero point.

    Raises
    ------
    ValueError
        An empty array, or NaN (which has no code).

    Examples
    --------
    >>> y, scale, zp = dynamic_quantize_linear([0, 2, -3, -2.5, 1.34, 0.5])
    >>> y.tolist(), float(scale), int(zp)
    ([153, 255, 0, 26, 221, 179], 0.019607843831181526, 153)
    """
    arr = np.asarray(x, dtype=np.float32)
    if arr.size == 0:
        raise ValueError("x is empty: DynamicQuantizeLinear needs at least one value for its range")
    if np.isnan(arr).any():
        first = tuple(int(i) for i in np.argwhere(np.isnan(arr))[0])
        raise ValueError(f"x: NaN at index {first} has no uint8 code")
    high = np.float32(max(np.float32(0), arr.max()))
    low = np.float32(min(np.float32(0), arr.min()))
    scale = np.float32(np.float32(1.0) if high == low else high - low) / np.float32(255)
    zero_point = np.rint(np.clip(np.float32(0) - low / scale, np.float32(0), np.float32(255)))
    params = QParams(scale, int(zero_point), bits=8, signed=False)
    return quantize(arr, params, preset="onnx"), np.float32(scale), np.uint8(zero_point)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """(int32 multiplier, shift) with real ~= multiplier * 2^(shift - 31), as TFLite's
    QuantizeMultiplier: frexp, then round the mantissa to 31 bits (ties away from zero).

    Parameters
    ----------
    real : float
        Finite and >= 0.

    Returns
    -------
    (int, int)

    Raises
    ------
    ValueError
        A negative, NaN or infinite value.

    Examples
    --------
    >>> quantize_multiplier(0.75), quantize_multiplier(1.25), quantize_multiplier(2.0**-33)
    ((1610612736, 0), (1342177280, 1), (0, 0))
    """
    real = float(real)
    if not math.isfinite(real) or real < 0:
        raise ValueError(f"real={real!r} must be finite and >= 0")
    if real == 0.0:
        return 0, 0
    mantissa, shift = math.frexp(real)
    q = int(math.floor(abs(mantissa) * 2**31 + 0.5))  # exact: the product is a double < 2^31 + 1
    if q == 1 << 31:
        q //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > 30:
        return (1 << 31) - 1, 30
    return q, shift


def float_multiplier(scale_a, scale_b, scale_y) -> np.ndarray:
    """The requantization multiplier as ONNX Runtime and the ONNX reference compute it, in
    float32: ``float32(float32(scale_a * scale_b) / scale_y)`` (two roundings; a float64
    ``s_a * s_b / s_y`` differs in the last bit of some multipliers).

    Parameters
    ----------
    scale_a, scale_b : float or array_like
        The input scales (``scale_b`` per output channel as an array).
    scale_y : float
        The output scale.

    Returns
    -------
    numpy.ndarray of float32

    Examples
    --------
    >>> float(float_multiplier(np.float32(0.02), np.float32(0.05), np.float32(0.3)))
    0.0033333334140479565
    """
    a, b, y = (np.asarray(s, dtype=np.float32) for s in (scale_a, scale_b, scale_y))
    return np.asarray(np.float32(1) * (a * b) / y, dtype=np.float32)


def nemo_multiplier(real: float, d: int) -> int:
    """NEMO's integer multiplier floor(real * 2^d) for a right shift by d (report Eq. 13-14).

    Parameters
    ----------
    real : float
    d : int
        0..62.

    Returns
    -------
    int

    Examples
    --------
    >>> nemo_multiplier(0.02, 10)
    20
    """
    if not 0 <= d <= 62:
        raise ValueError(f"d={d} is outside the allowed range 0..62")
    return int(math.floor(real * 2**d))


def requantize(acc, multiplier, shift, zero_point=0, bits: int = 8, *, signed: bool = True,
               preset: str = "gemmlowp", axis: Optional[int] = None, return_clamped: bool = False):
    """Integer-only requantization of accumulators to ``bits``-bit integers.

    Parameters
    ----------
    acc : array_like of int
        The accumulators (int32 for gemmlowp and single_rounding, as TFLite; int64 for the
        others).
    multiplier : int, float or array_like
        An integer in 0..2**31-1 for the integer presets, a finite float >= 0 (as float32)
        for ``float`` and ``onnx``; per channel along ``axis``.
    shift : int or array_like
        -31..30 for gemmlowp and single_rounding, 0..62 for nemo (ignored by the float
        presets).
    zero_point : int or array_like
        Within the output range.
    bits : int
    signed : bool
    preset : {"gemmlowp", "single_rounding", "nemo", "float", "onnx"}
        ``gemmlowp``: TFLite's MultiplyByQuantizedMultiplier (SaturatingRoundingDoublingHighMul,
        then RoundingDivideByPOT: two roundings) with (multiplier, shift) from
        :func:`quantize_multiplier`; ``single_rounding``: ``(acc * M + 2^(s-1)) >> s`` with
        ``s = 31 - shift``; ``nemo``: ``(acc * M) >> shift`` (floor, exact in 128 bits);
        ``float``: ``nearbyint(float32(acc) * float32(multiplier))`` as FBGEMM; ``onnx``: the
        same with a float64 product, as ONNX's QLinearMatMul reference.
    axis : int, optional
        The channel axis of per-channel parameters.
    return_clamped : bool
        Also return how many results were clamped.

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, int)

    Raises
    ------
    ValueError
        Parameters outside their ranges (never wrapped), mismatched per-channel lengths.
    OverflowError
        Accumulators beyond their preset's register.

    Examples
    --------
    >>> m, s = quantize_multiplier(2 / (127 * 3))
    >>> requantize(np.array([-5222, -3413]), m, s).tolist()
    [-27, -18]
    """
    if preset not in REQUANT_PRESETS:
        raise ValueError(f"preset={preset!r} is not one of: {', '.join(REQUANT_PRESETS)}")
    acc = np.asarray(acc)
    if acc.dtype.kind not in "iu":
        raise TypeError(f"acc must be integers, got dtype {acc.dtype}")
    if acc.size:
        lo, hi = int(acc.min()), int(acc.max())
        if hi >= 1 << 63:
            raise OverflowError(f"acc: {hi} does not fit int64 (accumulators are int32 or int64)")
        if preset in ("gemmlowp", "single_rounding") and (lo < -(1 << 31) or hi >= 1 << 31):
            bad = lo if lo < -(1 << 31) else hi
            raise OverflowError(f"acc: {bad} is outside int32; preset {preset!r} takes int32 "
                                f"accumulators as TFLite does (use preset='nemo' or 'onnx' for int64)")
    bits = check_int("bits", bits, 2, 32 if signed else 31)
    qmin, qmax = integer_range(bits, signed)
    if preset in ("float", "onnx"):
        float_multiplier = np.atleast_1d(np.asarray(multiplier, dtype=np.float64))
        with np.errstate(over="ignore"):  # an overflow to inf is refused just below
            as_float32 = float_multiplier.astype(np.float32)
        if not (np.all(np.isfinite(as_float32)) and np.all(float_multiplier >= 0)):
            raise ValueError(f"multiplier={multiplier!r} must be finite and >= 0 as a float32 for "
                             f"preset {preset!r}")
        float_multiplier, mult, shifts = as_float32, np.zeros(1, np.int64), np.zeros(1, np.int64)
    else:
        mult = _int_params("multiplier", multiplier, 0, (1 << 31) - 1)
        shifts = _int_params("shift", shift, *((0, 62) if preset == "nemo" else (-31, 30)))
        float_multiplier = np.zeros(1, np.float32)
    zp = _int_params("zero_point", zero_point, qmin, qmax)
    count = max(a.size for a in (zp, shifts, float_multiplier, mult))
    if count > 1:
        if axis is None:
            raise ValueError("several multipliers, shifts or zero points need axis=")
        if acc.ndim == 0:
            raise ValueError("per-channel parameters need acc with at least one dimension")
        ax = normalize_axis(axis, acc.ndim)
        if acc.shape[ax] != count:
            raise ValueError(f"{count} parameters for axis {axis} of length {acc.shape[ax]}")
        inner = max(1, int(np.prod(acc.shape[ax + 1:], dtype=np.int64)))
    else:
        inner = max(1, acc.size)

    def widen(a, dtype):
        if a.size not in (1, count):
            raise ValueError(f"parameters of sizes {a.size} and {count} do not match")
        return np.broadcast_to(a, (count,)).astype(dtype)

    out, clamped = _binding.requantize(
        acc, widen(mult, np.int32), widen(shifts, np.int32), widen(float_multiplier, np.float32),
        widen(zp, np.int32), inner, preset, qmin, qmax, smallest_container(bits, signed))
    return (out, clamped) if return_clamped else out


def _int_params(name: str, value, lo: int, hi: int) -> np.ndarray:
    """Integer parameters as a 1-d int64 array, each checked to lie in lo..hi (never wrapped)."""
    arr = np.atleast_1d(np.asarray(value))
    if arr.dtype.kind == "O" and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                     for v in arr.ravel().tolist()):
        items = [int(v) for v in arr.ravel().tolist()]
    elif arr.dtype.kind in "iu":
        items = [int(arr.min()), int(arr.max())] if arr.size else []
    else:
        raise TypeError(f"{name} must be integers, got {value!r} (dtype {arr.dtype})")
    for v in items:
        if not lo <= v <= hi:
            raise ValueError(f"{name}={v} is outside the allowed range {lo}..{hi}")
    return np.array([int(v) for v in arr.ravel().tolist()], dtype=np.int64)


def accumulate_int32(a, b, acc_overflow: str = "raise") -> np.ndarray:
    """``a @ b`` of zero-point-shifted codes (at most 16 bits and a sign), exact, in an int32
    accumulator as inference runtimes have, through fixpt's MAC kernel; as int64.

    Parameters
    ----------
    a, b : array_like of int
        (m, k) and (k, n).
    acc_overflow : {"raise", "wrap", "saturate"}
        What the int32 register does on overflow (``"raise"``: nothing lost silently).

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> accumulate_int32([[2, -3]], [[100], [7]]).tolist()
    [[179]]
    """
    fmt = FixedFormat(17, 0, True)
    return matmul(from_raw(np.ascontiguousarray(a, dtype=np.int32), fmt),
                  from_raw(np.ascontiguousarray(b, dtype=np.int32), fmt),
                  acc_format=AccumulatorFormat(32, 0, True), acc_overflow=acc_overflow,
                  out_format=FixedFormat(32, 0, True)).raw.astype(np.int64)


def linear(qx, x_qparams: QParams, qw, w_qparams: QParams, bias=None, *, out_qparams: QParams,
           preset: str = "gemmlowp", acc_overflow: str = "raise", return_accumulator: bool = False):
    """An integer-only linear layer, ``y = x @ w.T + bias``, as int8 inference kernels run it.

    The products accumulate exactly in an int32 register (fixpt's MAC kernel), then
    requantize with multiplier ``s_x * s_w / s_y`` (``preset``) into ``out_qparams``.

    Parameters
    ----------
    qx : array_like of int
        (..., in) codes of x.
    x_qparams : QParams
    qw : array_like of int
        (out, in) codes of w.
    w_qparams : QParams
        Per tensor or per output channel (axis 0).
    bias : array_like of int, optional
        int32 at scale ``s_x * s_w`` (zero point 0).
    out_qparams : QParams
    preset : str
        The requantization preset (see :func:`requantize`).
    acc_overflow : {"raise", "wrap", "saturate"}
        The int32 accumulator's overflow mode (``"raise"`` by default: nothing lost silently).
    return_accumulator : bool
        Also return the accumulators.

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, numpy.ndarray)

    Raises
    ------
    OverflowError
        An accumulator overflow under ``acc_overflow="raise"``, or when adding the bias.

    Examples
    --------
    >>> p = QParams(0.5, 0)
    >>> linear(np.array([[2, 4]]), p, np.array([[1, -1]]), p, out_qparams=QParams(0.25, 0)).tolist()
    [[-2]]
    """
    qx, qw = np.asarray(qx), np.asarray(qw)
    x_shifted = qx.astype(np.int32) - np.int32(x_qparams.zero_point)
    w_zp = np.asarray(w_qparams.zero_point).reshape(-1, 1) if w_qparams.axis is not None else w_qparams.zero_point
    w_shifted = qw.astype(np.int32) - np.asarray(w_zp, dtype=np.int32)
    acc = accumulate_int32(x_shifted, w_shifted.T, acc_overflow)
    if bias is not None:
        acc = acc + np.asarray(bias, dtype=np.int64)
        if np.any(acc > 2**31 - 1) or np.any(acc < -(2**31)):
            raise OverflowError("linear: the int32 accumulator overflowed when adding the bias")
    real = (np.float64(x_qparams.scale) * np.asarray(w_qparams.scale, np.float64)
            / np.float64(out_qparams.scale))
    per_channel = np.ndim(real) and np.size(real) > 1
    if preset in ("float", "onnx"):  # the runtimes' float32 multiplier, not float32(real)
        mult, shift = float_multiplier(x_qparams.scale, w_qparams.scale, out_qparams.scale), 0
    else:
        pairs = [quantize_multiplier(r) for r in np.atleast_1d(real)]
        mult = np.array([m for m, _ in pairs]) if per_channel else pairs[0][0]
        shift = np.array([s for _, s in pairs]) if per_channel else pairs[0][1]
    out = requantize(acc, mult, shift, int(out_qparams.zero_point), out_qparams.bits,
                     signed=out_qparams.signed, preset=preset, axis=-1 if per_channel else None)
    return (out, acc) if return_accumulator else out
