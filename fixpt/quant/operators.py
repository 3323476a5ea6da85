"""ONNX's quantization operators, one call each, bit for bit with the ONNX reference and ONNX
Runtime: ``QuantizeLinear`` / ``DequantizeLinear`` (integer, float8, float6 and float4 types,
per tensor, per axis or blocked with full-rank scales and a ragged last block),
``QLinearMatMul`` and ``QLinearConv``.

Arguments and attributes keep the operators' names (``y_scale``, ``axis=1``, ``block_size``,
``saturate``, ``output_dtype``, ``pads``, ``group``, ...), so a graph ports line by line.
Float8/6/4 tensors are their encodings (uint8 codes, ``x.view(ml_dtypes.float8_e4m3fn)``
gives ml_dtypes' view of them); ml_dtypes arrays are accepted as inputs.

Examples
--------
>>> import numpy as np
>>> quantize_linear(np.array([1.0, 300.0, -0.02], np.float32), np.float32(0.5),
...                 output_dtype="float8_e4m3fn").tolist()
[64, 126, 146]
>>> dequantize_linear(np.array([64, 126, 146], np.uint8), np.float32(0.5),
...                   input_dtype="float8_e4m3fn").tolist()
[1.0, 224.0, -0.01953125]
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fixpt import _binding
from fixpt.base.checks import check_int, normalize_axis
from fixpt.base.shapes import channel_values, repeat_blocks
from fixpt.convert.floating import from_bits, to_bits
from fixpt.formats import (
    FloatFormat,
    parse_float_format,
    smallest_container,
)
from fixpt.quant.affine import (
    accumulate_int32,
    float_multiplier,
    integer_range,
    requantize,
)

#: ONNX's integer quantized types: (bits, signed)
INTEGER_TYPES = {"uint8": (8, False), "int8": (8, True), "uint16": (16, False), "int16": (16, True),
                 "uint4": (4, False), "int4": (4, True), "uint2": (2, False), "int2": (2, True)}
#: ONNX's float quantized types and their fixpt formats
FLOAT_TYPES = {"float8_e4m3fn": "e4m3fn", "float8_e4m3fnuz": "e4m3fnuz", "float8_e5m2": "e5m2",
               "float8_e5m2fnuz": "e5m2fnuz", "float4_e2m1": "e2m1fn", "float4_e2m1fn": "e2m1fn",
               "float6_e2m3": "e2m3fn", "float6_e2m3fn": "e2m3fn", "float6_e3m2": "e3m2fn",
               "float6_e3m2fn": "e3m2fn"}
_ONNX_FLOAT8 = ("e4m3fn", "e4m3fnuz", "e5m2", "e5m2fnuz")


def _type_name(spec, argument: str) -> str:
    """An ONNX quantized type's name from a string, a NumPy dtype or an ml_dtypes dtype."""
    if isinstance(spec, str):
        name = spec.strip().lower()
    else:
        try:
            name = np.dtype(spec).name
        except TypeError:
            raise TypeError(f"{argument}={spec!r} is neither a type name nor a dtype") from None
    if name not in INTEGER_TYPES and name not in FLOAT_TYPES:
        known = ", ".join([*INTEGER_TYPES, *FLOAT_TYPES])
        raise ValueError(f"{argument}={spec!r} is not an ONNX quantized type; use one of {known}")
    return name


def _codes(x: np.ndarray, name: str) -> np.ndarray:
    """Integer values, or float encodings (uint8), of an array of the quantized type ``name``."""
    if x.dtype.kind == "V" or x.dtype.name in FLOAT_TYPES or x.dtype.name in ("int4", "uint4", "int2", "uint2"):
        if name in FLOAT_TYPES:
            return x.view(np.uint8)
        return x.astype(np.int8 if INTEGER_TYPES[name][1] else np.uint8)
    if x.dtype.kind not in "iu":
        raise TypeError(f"x must hold integer codes of {name}, got dtype {x.dtype}")
    return x


def _expand(value, shape: tuple, axis: int, block_size: int, argument: str) -> tuple[np.ndarray, int]:
    """Per-tensor, per-axis or blocked parameters as (values, inner): a 1-element array
    (inner = size), one value per channel along ``axis`` (inner = the trailing size), or one
    value per element (blocked, inner = 1); as ONNX's reshape rule, with clear errors."""
    value = np.asarray(value)
    size = int(np.prod(shape, dtype=np.int64))
    if value.size == 1:
        return value.reshape(1), max(1, size)
    if not shape:
        raise ValueError(f"{argument}: {value.size} values for a 0-d x; a 0-d x takes one value")
    ax = normalize_axis(axis, len(shape))
    if not block_size:
        if value.ndim != 1 or value.size != shape[ax]:
            raise ValueError(f"{argument} of shape {value.shape}: per-axis parameters are 1-d with "
                             f"x.shape[{axis}] = {shape[ax]} values (or pass block_size= for blocks)")
        return value, max(1, int(np.prod(shape[ax + 1:], dtype=np.int64)))
    block_size = check_int("block_size", block_size, 1)
    want = list(shape)
    want[ax] = -(-shape[ax] // block_size)
    if value.shape != tuple(want):
        raise ValueError(f"{argument} of shape {value.shape}: blocks of {block_size} along axis {axis} "
                         f"of x {shape} need shape {tuple(want)} (the last block may be ragged)")
    full = repeat_blocks(value, block_size, ax, shape[ax])
    return np.ascontiguousarray(full).reshape(-1), 1


def _match(*params: tuple[np.ndarray, int], shape: tuple = ()) -> tuple[tuple, int]:
    """Parameter arrays of one layout: shared (values, inner) when they agree, a scalar
    repeated to the other's length, or every one per element otherwise."""
    sizes = {values.size for values, _ in params if values.size > 1}
    inners = {inner for values, inner in params if values.size > 1}
    if not sizes:
        return tuple(values for values, _ in params), params[0][1]
    if len(sizes) == 1 and len(inners) == 1:
        size = sizes.pop()
        return tuple(np.broadcast_to(values, (size,)) for values, _ in params), inners.pop()
    return tuple(channel_values(values, inner, shape).reshape(-1) for values, inner in params), 1


def _scales(y_scale, x: np.ndarray) -> tuple[np.ndarray, type]:
    """Scales in the operator's compute type: float16 when x and the scales are float16
    (as the reference divides), float32 otherwise; finite and > 0."""
    scale = np.asarray(y_scale)
    compute = np.float16 if (x.dtype == np.float16 and scale.dtype == np.float16) else np.float32
    scale = scale.astype(compute)
    if not np.all(np.isfinite(scale)) or not np.all(scale > 0):
        raise ValueError(f"scale must be finite and > 0, got {y_scale!r}")
    return scale, compute


def quantize_linear(x, y_scale, y_zero_point=None, *, axis: int = 1, saturate: bool = True,
                    block_size: int = 0, output_dtype=None, nan: str = "raise") -> np.ndarray:
    """ONNX ``QuantizeLinear`` (opsets 10-25): ``saturate(round(x / y_scale) + y_zero_point)``.

    The division is in float32 (float16 when x and the scales are float16), as the operator
    computes it; integer types then round ties to even and saturate; float8 types cast the
    quotient with ``saturate`` (True: overflow and +-inf to +-max; False: to inf, or NaN in
    formats without inf); float6/float4 types always saturate (they have neither inf nor NaN).

    Parameters
    ----------
    x : array_like
        Real values (float64 and integer inputs are rounded to float32 first, as the operator's
        input is float32).
    y_scale : array_like
        A scalar (per tensor), a 1-d array along ``axis`` (per axis), or with ``block_size`` an
        array of x's rank whose ``axis`` length is ``ceil(x.shape[axis] / block_size)``.
    y_zero_point : array_like, optional
        Shaped like ``y_scale``; its dtype gives the output type when ``output_dtype`` is None
        (uint8 when neither is given). Float types take only zero.
    axis : int
    saturate : bool
    block_size : int
        0: per tensor or per axis; otherwise blocks along ``axis``.
    output_dtype : str or dtype, optional
        ``"uint8"``, ``"int8"``, ``"uint16"``, ``"int16"``, ``"uint4"``, ``"int4"``, ``"uint2"``,
        ``"int2"``, ``"float8_e4m3fn"``, ``"float8_e4m3fnuz"``, ``"float8_e5m2"``,
        ``"float8_e5m2fnuz"``, ``"float4_e2m1"``, ``"float6_e2m3"``, ``"float6_e3m2"``.
    nan : {"raise", "zero"}
        NaN into an integer type: raise (default), or the zero point.  (The reference gives an
        arbitrary code; float8 types keep NaN as NaN, float6/4 types raise.)

    Returns
    -------
    numpy.ndarray
        Integers in the smallest container, or the float type's encodings (uint8).

    Raises
    ------
    ValueError
        Parameters of the wrong shape, non-positive scales, zero points outside the type, a
        non-zero zero point for a float type, NaN (see ``nan``).

    Examples
    --------
    >>> x = np.array([[0.5, 1.5, 2.5, 9.0, -3.0]], np.float32)
    >>> quantize_linear(x, np.array([[1.0, 0.25]], np.float32), np.array([[0, 0]], np.int8),
    ...                 axis=1, block_size=4).tolist()     # two blocks, the second ragged
    [[0, 2, 2, 9, -12]]
    """
    if nan not in ("raise", "zero"):
        raise ValueError(f"nan={nan!r} is not one of: raise, zero")
    if saturate not in (True, False):  # the attribute is an int, 0 or 1, in ONNX graphs
        raise ValueError(f"saturate must be True/False (or 1/0), got {saturate!r}")
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"x must be real numbers, got dtype {arr.dtype}")
    name = _type_name(output_dtype if output_dtype is not None else
                      (np.asarray(y_zero_point).dtype if y_zero_point is not None else "uint8"),
                      "output_dtype")
    if output_dtype is not None and y_zero_point is not None and np.asarray(y_zero_point).dtype.kind in "iu":
        zp_name = np.asarray(y_zero_point).dtype.name
        if name in INTEGER_TYPES and zp_name in INTEGER_TYPES and zp_name != name and \
                np.asarray(y_zero_point).dtype.itemsize * 8 == INTEGER_TYPES[name][0]:
            raise ValueError(f"output_dtype={name} does not match y_zero_point's dtype {zp_name}")
    scale, compute = _scales(y_scale, arr)
    scale, inner = _expand(scale, arr.shape, axis, block_size, "y_scale")
    if name in FLOAT_TYPES:
        return _quantize_float(arr, scale, inner, y_zero_point, name, saturate, compute)
    bits, signed = INTEGER_TYPES[name]
    qmin, qmax = integer_range(bits, signed)
    zp = np.zeros(1, np.int64) if y_zero_point is None else np.asarray(y_zero_point)
    zp = _codes(zp, name).astype(np.int64)
    if zp.size and (zp.min() < qmin or zp.max() > qmax):
        raise ValueError(f"y_zero_point must lie in {name}'s range [{qmin}, {qmax}], got {y_zero_point!r}")
    zp, zp_inner = _expand(zp, arr.shape, axis, block_size, "y_zero_point")
    (scale, zp), inner = _match((scale, inner), (zp, zp_inner), shape=arr.shape)
    if compute == np.float16:  # divide in float16 as the reference does; then scale 1 is exact
        arr = (arr / channel_values(scale, inner, arr.shape)).astype(np.float32)
        scale = np.ones(zp.size, np.float32)
    q, _, nans = _binding.quantize_f32(arr, scale, zp, inner, "onnx", qmin, qmax,
                                        smallest_container(bits, signed))
    if nans and nan == "raise":
        first = tuple(int(i) for i in np.argwhere(np.isnan(np.asarray(arr, np.float32)))[0])
        raise ValueError(f"x: {nans} NaN element(s), first at index {first}; NaN has no {name} "
                         f"code (pass nan='zero' to map NaN to the zero point)")
    return q


def _float_zero_point(zero_point, fmt: FloatFormat, argument: str) -> None:
    """Float types take only a zero zero point (given as values or as encodings)."""
    if zero_point is None:
        return
    zp = np.asarray(zero_point)
    values = from_bits(zp.view(np.uint8), fmt) if zp.dtype.name in FLOAT_TYPES else zp.astype(np.float64)
    if not np.all(values == 0):
        raise ValueError(f"{argument} must be zero for {fmt.name}, got {zero_point!r}")


def _quantize_float(arr: np.ndarray, scale: np.ndarray, inner: int, zero_point, name: str,
                    saturate: bool, compute: type) -> np.ndarray:
    fmt = parse_float_format(FLOAT_TYPES[name])
    _float_zero_point(zero_point, fmt, "y_zero_point")
    with np.errstate(over="ignore", invalid="ignore"):  # inf quotients are the cast's to judge
        quotient = arr.astype(compute) / channel_values(scale, inner, arr.shape)
        if zero_point is not None and fmt.name not in _ONNX_FLOAT8:
            quotient = quotient + compute(0)  # the reference adds the (zero) zero point: -0 -> +0
    return to_bits(quotient, fmt, saturate=bool(saturate) if fmt.name in _ONNX_FLOAT8 else True)


def dequantize_linear(x, x_scale, x_zero_point=None, *, axis: int = 1, block_size: int = 0,
                      input_dtype=None, output_dtype=None) -> np.ndarray:
    """ONNX ``DequantizeLinear`` (opsets 10-25): ``(x - x_zero_point) * x_scale`` in float32.

    The difference is exact in float32; the product rounds once (to nearest even).  Float
    types decode exactly and take only a zero zero point.

    Parameters
    ----------
    x : array_like
        Integer codes (int8/uint8/int16/uint16 arrays, or int4/uint4/int2/uint2 values in any
        integer container with ``input_dtype``), float encodings (uint8 with ``input_dtype``),
        or an ml_dtypes array.
    x_scale, x_zero_point : array_like
        As in :func:`quantize_linear`.
    axis, block_size : int
    input_dtype : str or dtype, optional
        The quantized type of ``x`` when its dtype does not say it.
    output_dtype : dtype, optional
        float32 (default, or the scale's float16 dtype as the reference returns).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> dequantize_linear(np.array([0, 2, 2, 9, -12], np.int8), np.array([1.0, 0.25], np.float32),
    ...                   axis=0, block_size=4).tolist()
    [0.0, 2.0, 2.0, 9.0, -3.0]
    """
    arr = np.asarray(x)
    name = _type_name(input_dtype if input_dtype is not None else arr.dtype, "input_dtype")
    codes = _codes(arr, name)
    scale = np.asarray(x_scale)
    out = np.dtype(output_dtype) if output_dtype is not None else (
        np.dtype(np.float16) if scale.dtype == np.float16 else np.dtype(np.float32))
    if out not in (np.float16, np.float32):
        raise ValueError(f"output_dtype must be float32 or float16, got {out}")
    scale32 = scale.astype(np.float32)
    if not np.all(np.isfinite(scale32)) or not np.all(scale32 > 0):
        raise ValueError(f"x_scale must be finite and > 0, got {x_scale!r}")
    scale32, inner = _expand(scale32, arr.shape, axis, block_size, "x_scale")
    if name in FLOAT_TYPES:
        fmt = parse_float_format(FLOAT_TYPES[name])
        _float_zero_point(x_zero_point, fmt, "x_zero_point")
        with np.errstate(invalid="ignore"):  # NaN stays NaN; every other value is a float32
            shifted = from_bits(codes, fmt).astype(np.float32)
    else:
        bits, signed = INTEGER_TYPES[name]
        qmin, qmax = integer_range(bits, signed)
        if codes.size and (int(codes.min()) < qmin or int(codes.max()) > qmax):
            raise ValueError(f"x holds values outside {name}'s range [{qmin}, {qmax}]")
        zp = np.zeros(1, np.int64) if x_zero_point is None else _codes(np.asarray(x_zero_point), name)
        zp, zp_inner = _expand(zp.astype(np.int64), arr.shape, axis, block_size, "x_zero_point")
        (scale32, zp), inner = _match((scale32, inner), (zp, zp_inner), shape=arr.shape)
        return _binding.dequantize_f32(codes, scale32, zp, inner).astype(out)  # one C pass
    return (shifted * channel_values(scale32, inner, arr.shape)).astype(out)


def _output_type(y_zero_point, x: np.ndarray) -> tuple[np.ndarray, str]:
    zp = np.asarray(0 if y_zero_point is None else y_zero_point)
    name = (zp.dtype if y_zero_point is not None else x.dtype).name
    if name not in ("uint8", "int8"):
        raise TypeError(f"QLinear operators produce uint8 or int8 (the y_zero_point's dtype), got {name}")
    return zp.astype(np.int64), name


def _requantize(acc: np.ndarray, multiplier: np.ndarray, zp: np.ndarray, name: str, preset: str,
                channel_axis: int) -> np.ndarray:
    bits, signed = INTEGER_TYPES[name]
    per_channel = multiplier.size > 1 or zp.size > 1
    if per_channel:
        count = acc.shape[channel_axis]
        multiplier = np.broadcast_to(multiplier.ravel(), (count,))
        zp = np.broadcast_to(zp.ravel(), (count,))
    return requantize(acc, multiplier.ravel() if per_channel else multiplier.reshape(()), 0,
                      zp.ravel() if per_channel else int(zp.reshape(-1)[0]), bits, signed=signed,
                      preset=preset, axis=channel_axis if per_channel else None)


def _check_preset(preset: str) -> None:
    if preset not in ("onnx", "float"):
        raise ValueError(f"preset={preset!r} is not one of: onnx (the ONNX reference: float64 "
                         f"product), float (ONNX Runtime: float32 product)")


def _shifted(q, zero_point, argument: str, channel_axis: int | None = None) -> np.ndarray:
    arr = np.asarray(q)
    if arr.dtype not in (np.uint8, np.int8):
        raise TypeError(f"{argument} must be uint8 or int8 codes, got dtype {arr.dtype}")
    zp = np.asarray(0 if zero_point is None else zero_point).astype(np.int64)
    if zp.size > 1:
        if channel_axis is None or zp.ndim != 1 or zp.size != arr.shape[channel_axis]:
            raise ValueError(f"{argument}'s zero point: {zp.size} values do not match its channels")
        shape = [1] * arr.ndim
        shape[channel_axis] = zp.size
        zp = zp.reshape(shape)
    return arr.astype(np.int64) - zp


def qlinear_matmul(a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point=None,
                   *, preset: str = "onnx") -> np.ndarray:
    """ONNX ``QLinearMatMul``: ``(a - a_zp) @ (b - b_zp)`` exactly (int32, overflow raises), then
    ``rint(acc * M) + y_zp`` saturated, ``M = float32(float32(a_scale * b_scale) / y_scale)``.

    Parameters
    ----------
    a, b : array_like of uint8 or int8
        (..., M, K) and (..., K, N), batch dimensions broadcasting as ``np.matmul``; ``b``'s
        scale and zero point may be per column (1-d of length N).
    a_scale, a_zero_point, b_scale, b_zero_point, y_scale, y_zero_point
        The operator's inputs; the output type is ``y_zero_point``'s dtype (uint8 or int8).
    preset : {"onnx", "float"}
        ``"onnx"``: the product ``acc * M`` in float64 (the ONNX reference); ``"float"``: in
        float32 (ONNX Runtime's kernels).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> a = np.array([[208, 236], [0, 238]], np.uint8)
    >>> b = np.array([[152, 51], [245, 24]], np.uint8)
    >>> qlinear_matmul(a, np.float32(0.0066), np.uint8(113), b, np.float32(0.00705), np.uint8(114),
    ...                np.float32(0.0107), np.uint8(118)).tolist()
    [[204, 44], [171, 100]]
    """
    _check_preset(preset)
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    if a_arr.ndim < 2 or b_arr.ndim < 2:
        raise ValueError(f"a and b must have at least 2 dimensions, got {a_arr.shape} and {b_arr.shape}")
    zp, name = _output_type(y_zero_point, a_arr)
    shifted_a = _shifted(a_arr, a_zero_point, "a")
    shifted_b = _shifted(b_arr, b_zero_point, "b", channel_axis=b_arr.ndim - 1)
    batch = np.broadcast_shapes(shifted_a.shape[:-2], shifted_b.shape[:-2])
    big_a = np.broadcast_to(shifted_a, batch + shifted_a.shape[-2:])
    big_b = np.broadcast_to(shifted_b, batch + shifted_b.shape[-2:])
    if shifted_a.shape[-1] != shifted_b.shape[-2]:
        raise ValueError(f"a {a_arr.shape} and b {b_arr.shape} do not chain (K differs)")
    acc = np.empty(batch + (shifted_a.shape[-2], shifted_b.shape[-1]), np.int64)
    for index in np.ndindex(*batch):
        acc[index] = accumulate_int32(big_a[index], big_b[index])
    multiplier = float_multiplier(a_scale, b_scale, y_scale)
    return _requantize(acc, multiplier, zp, name, preset, acc.ndim - 1)


def _conv_pads(auto_pad: str, spatial: tuple, kernel: tuple, strides: tuple, dilations: tuple,
               pads: Sequence[int] | None) -> list[tuple[int, int]]:
    """(begin, end) padding per spatial axis under ONNX's auto_pad rules."""
    n = len(spatial)
    if auto_pad in ("NOTSET", ""):
        pads = [0] * (2 * n) if pads is None else [check_int("pads", p, 0) for p in pads]
        if len(pads) != 2 * n:
            raise ValueError(f"pads needs {2 * n} values (all begins, then all ends), got {len(pads)}")
        return [(pads[i], pads[i + n]) for i in range(n)]
    if auto_pad == "VALID":
        return [(0, 0)] * n
    if auto_pad not in ("SAME_UPPER", "SAME_LOWER"):
        raise ValueError(f"auto_pad={auto_pad!r} is not one of: NOTSET, VALID, SAME_UPPER, SAME_LOWER")
    out = []
    for size, k, s, d in zip(spatial, kernel, strides, dilations):
        total = max(0, (-(-size // s) - 1) * s + (k - 1) * d + 1 - size)
        small, large = total // 2, total - total // 2
        out.append((small, large) if auto_pad == "SAME_UPPER" else (large, small))
    return out


def qlinear_conv(x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point=None,
                 B=None, *, auto_pad: str = "NOTSET", dilations: Sequence[int] | None = None,
                 group: int = 1, kernel_shape: Sequence[int] | None = None,
                 pads: Sequence[int] | None = None, strides: Sequence[int] | None = None,
                 preset: str = "onnx") -> np.ndarray:
    """ONNX ``QLinearConv`` as one call: exact integer convolution of the shifted codes
    (padding is the zero point, i.e. real zero), groups, dilations, strides and asymmetric
    pads, the int32 bias ``B`` added, then ``rint(acc * M) + y_zp`` saturated with
    ``M = float32(float32(x_scale * w_scale) / y_scale)`` per output channel.

    Parameters
    ----------
    x : array_like of uint8 or int8
        (N, C, D1, ..., Dn).
    w : array_like of uint8 or int8
        (M, C / group, k1, ..., kn); ``w_scale`` and ``w_zero_point`` per tensor or per
        output channel (1-d of length M).
    B : array_like of int32, optional
        (M,), at scale ``x_scale * w_scale``.
    auto_pad, dilations, group, kernel_shape, pads, strides
        The operator's attributes (``pads`` lists all begins, then all ends).
    preset : {"onnx", "float"}
        As in :func:`qlinear_matmul`.

    Returns
    -------
    numpy.ndarray
        (N, M, O1, ..., On), the output type being ``y_zero_point``'s dtype.

    Examples
    --------
    >>> x = np.arange(16, dtype=np.uint8).reshape(1, 1, 4, 4)
    >>> w = np.ones((1, 1, 2, 2), np.int8)
    >>> qlinear_conv(x, np.float32(1), np.uint8(0), w, np.float32(1), np.int8(0), np.float32(2),
    ...              np.uint8(0), strides=[2, 2]).tolist()
    [[[[5, 9], [21, 25]]]]
    """
    _check_preset(preset)
    x_arr, w_arr = np.asarray(x), np.asarray(w)
    if x_arr.ndim < 3 or w_arr.ndim != x_arr.ndim:
        raise ValueError(f"x must be (N, C, D1, ...) and w (M, C/group, k1, ...) of the same rank, "
                         f"got {x_arr.shape} and {w_arr.shape}")
    group = check_int("group", group, 1)
    n_img, channels = x_arr.shape[:2]
    out_ch, group_ch = w_arr.shape[:2]
    if channels != group_ch * group or out_ch % group:
        raise ValueError(f"group={group}: x has {channels} channels and w {w_arr.shape} needs "
                         f"C = {group_ch} * group and M divisible by group")
    spatial, kernel = x_arr.shape[2:], w_arr.shape[2:]
    n = len(spatial)
    if kernel_shape is not None and tuple(kernel_shape) != tuple(kernel):
        raise ValueError(f"kernel_shape={list(kernel_shape)} does not match w's {list(kernel)}")
    strides = tuple(check_int("strides", s, 1) for s in (strides or [1] * n))
    dilations = tuple(check_int("dilations", d, 1) for d in (dilations or [1] * n))
    if len(strides) != n or len(dilations) != n:
        raise ValueError(f"strides and dilations need {n} values each")
    padding = _conv_pads(auto_pad, spatial, kernel, strides, dilations, pads)
    zp, name = _output_type(y_zero_point, x_arr)
    shifted_x = _shifted(x_arr, x_zero_point, "x")
    shifted_w = _shifted(w_arr, w_zero_point, "w", channel_axis=0)
    padded = np.pad(shifted_x, [(0, 0), (0, 0)] + padding)
    reach = tuple((k - 1) * d + 1 for k, d in zip(kernel, dilations))
    if any(r > p for r, p in zip(reach, padded.shape[2:])):
        raise ValueError(f"the dilated kernel {reach} does not fit the padded input {padded.shape[2:]}")
    windows = np.lib.stride_tricks.sliding_window_view(padded, reach, axis=tuple(range(2, 2 + n)))
    windows = windows[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in strides)
                      + tuple(slice(None, None, d) for d in dilations)]
    out_shape = windows.shape[2:2 + n]
    positions = int(np.prod(out_shape, dtype=np.int64))
    # (N, C, O..., k...) -> per group (N * O..., Cg * k...) @ (Cg * k..., Mg)
    cols = np.moveaxis(windows, 1, 1 + n).reshape(n_img * positions, channels, -1)
    per_group = out_ch // group
    acc = np.empty((n_img * positions, out_ch), np.int64)
    for g in range(group):
        lhs = cols[:, g * group_ch:(g + 1) * group_ch].reshape(n_img * positions, -1)
        rhs = shifted_w[g * per_group:(g + 1) * per_group].reshape(per_group, -1).T
        acc[:, g * per_group:(g + 1) * per_group] = accumulate_int32(lhs, rhs)
    if B is not None:
        bias = np.asarray(B)
        if bias.dtype.kind not in "iu" or bias.shape != (out_ch,):
            raise ValueError(f"B must be {out_ch} int32 values, got {bias.shape} {bias.dtype}")
        acc = acc + bias.astype(np.int64)
        if acc.size and (acc.max() > 2**31 - 1 or acc.min() < -(2**31)):
            raise OverflowError("qlinear_conv: the int32 accumulator overflowed when adding B")
    acc = np.moveaxis(acc.reshape((n_img,) + out_shape + (out_ch,)), -1, 1)
    multiplier = float_multiplier(x_scale, w_scale, y_scale)
    return _requantize(np.ascontiguousarray(acc), multiplier, zp, name, preset, 1)
