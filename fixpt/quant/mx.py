"""OCP Microscaling (MX) block formats: blocks of ``block_size`` elements sharing one
power-of-two scale, bit for bit as the OCP Microscaling Formats spec v1.0 converts.

For a block ``V``: ``shared_exp = floor(log2(max |V_i|)) - emax_elem``, the scale is
``X = 2**shared_exp`` stored as an E8M0 code (``shared_exp + 127``), and each element is
``V_i / X`` rounded once into the element format, values beyond its largest magnitude
saturating to it.  ``emax_elem`` is the exponent of the element format's largest normal:
8 for E4M3, 15 for E5M2, 2 for E2M3, 4 for E3M2, 2 for E2M1 and 0 for INT8.

Examples
--------
>>> import numpy as np
>>> q = mx_quantize(np.array([1.0, -0.3, 6.5, 0.01]), "float4_e2m1fn", block_size=4)
>>> q.scales.tolist(), mx_dequantize(q).tolist()
([127], [1.0, -0.5, 6.0, 0.0])
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fixpt.base.checks import check_int, normalize_axis
from fixpt.base.shapes import repeat_blocks
from fixpt.convert.fixed import to_raw
from fixpt.convert.floating import float64_values, from_bits, to_bits
from fixpt.convert.rng import SeedLike
from fixpt.formats import FixedFormat, FloatFormat, Q, RoundLike, parse_float_format

#: E8M0: the scale is 2**(code - 127); code 255 is NaN
SCALE_BIAS = 127
SCALE_NAN = 255
#: MXINT8's elements: two's complement with an implicit scale 2**-6 (fixpt's Q2.6), clamped
#: symmetrically to +-(2 - 2**-6) as the spec's int8 element has no -2
MXINT8 = Q(2, 6)

ElementFormat = FloatFormat | FixedFormat


def element_format(spec: str | FloatFormat) -> ElementFormat:
    """The element format of an MX name: ``"int8"`` (MXINT8) or a float format (any name
    :func:`fixpt.parse_float_format` takes, such as ``"float8_e4m3fn"``, ``"e2m1fn"``).

    Examples
    --------
    >>> element_format("int8"), element_format("float6_e3m2fn").name
    (Q(2,6), 'e3m2fn')
    """
    if isinstance(spec, str) and spec.strip().lower() in ("int8", "mxint8"):
        return MXINT8
    fmt = parse_float_format(spec)
    if not fmt.signed or not fmt.has_zero:
        raise ValueError(f"elem_format={spec!r}: MX elements need a signed format with zero")
    return fmt


def element_emax(fmt: ElementFormat) -> int:
    """``emax_elem``: the exponent of the largest normal of the element format (0 for INT8).

    Examples
    --------
    >>> [element_emax(element_format(n)) for n in ("e4m3fn", "e5m2", "e2m3fn", "e3m2fn", "e2m1fn", "int8")]
    [8, 15, 2, 4, 2, 0]
    """
    return math.frexp(float(fmt.max))[1] - 1


@dataclass(frozen=True)
class MXArray:
    """An MX-encoded array: E8M0 ``scales`` (uint8 codes, one per block: the input's shape
    with the block axis shortened to the number of blocks) and ``elements`` (the element
    format's encodings, uint8 for float elements and int8 for MXINT8, the input's shape).

    Examples
    --------
    >>> q = mx_quantize([[0.5, 3.0], [-1.0, 0.25]], "int8", block_size=2)
    >>> q.scales.tolist(), q.elements.tolist(), q.shape
    ([[128], [127]], [[16, 96], [-64, 16]], (2, 2))
    """

    scales: np.ndarray
    elements: np.ndarray
    elem_format: ElementFormat
    block_size: int
    axis: int

    def __post_init__(self) -> None:
        check_int("block_size", self.block_size, 1)
        scales, elements = np.asarray(self.scales), np.asarray(self.elements)
        if scales.dtype != np.uint8:
            raise TypeError(f"scales must be uint8 E8M0 codes, got dtype {scales.dtype}")
        if elements.ndim == 0:
            raise ValueError("elements must have at least one dimension (the block axis)")
        axis = normalize_axis(self.axis, elements.ndim)
        expected = list(elements.shape)
        expected[axis] = -(-expected[axis] // self.block_size)
        if scales.shape != tuple(expected):
            raise ValueError(f"scales of shape {scales.shape} for elements of shape {elements.shape} "
                             f"in blocks of {self.block_size} along axis {axis}: expected {tuple(expected)}")
        object.__setattr__(self, "axis", axis)

    @property
    def shape(self) -> tuple:
        """The shape of the encoded array."""
        return self.elements.shape

    def dequantize(self, dtype=np.float32) -> np.ndarray:
        """Same as :func:`mx_dequantize`."""
        return mx_dequantize(self, dtype=dtype)


def mx_quantize(x, elem_format: str | FloatFormat, block_size: int = 32, axis: int = -1, *,
                rounding: RoundLike = "nearest_even", seed: SeedLike = None) -> MXArray:
    """Encode real values in an MX block format (MXFP8 E4M3/E5M2, MXFP6, MXFP4, MXINT8).

    Blocks are ``block_size`` consecutive elements along ``axis`` (the last block may be
    shorter).  Each block's scale follows the spec: ``2**(floor(log2(max|V|)) - emax_elem)``,
    computed from the exponent bits (exact); its elements are ``V / scale`` rounded once in
    ``rounding``, saturating at the element format's largest magnitude (MXINT8:
    ``+-127 * 2**-6``).  Shared exponents below -127 are raised to -127 (the smallest E8M0
    scale); an all-zero block gets that scale too.  A block holding NaN or +-inf gets the NaN
    scale (code 255) and zero elements: MX encodes neither, and the whole block decodes to NaN.

    Parameters
    ----------
    x : array_like
        Real values (float16/32/64 or integers float64 holds), used exactly: no float32 step.
    elem_format : str or FloatFormat
        ``"float8_e4m3fn"``, ``"float8_e5m2"``, ``"float6_e2m3fn"``, ``"float6_e3m2fn"``,
        ``"float4_e2m1fn"``, ``"int8"``, or another signed float format.
    block_size : int
        Elements per block (32 in the spec).
    axis : int
        The axis along which blocks run.
    rounding : str or RoundMode
        How elements round (the spec: ``"nearest_even"``); every fixpt mode is accepted, the
        stochastic ones keyed by ``seed`` and each element's C-order index in ``x``.
    seed : int, Generator or None
        The random stream of the stochastic modes.

    Returns
    -------
    MXArray

    Raises
    ------
    ValueError
        A 0-d input, a bad block size, a shared exponent above 127 (a finite value of at
        least ``2**(128 + emax_elem)``, which only float64 inputs reach).

    Examples
    --------
    >>> q = mx_quantize([448.0, 1.0, -0.001, 3.3], "float8_e4m3fn", block_size=4)
    >>> q.scales.tolist(), mx_dequantize(q).tolist()
    ([127], [448.0, 1.0, -0.001953125, 3.25])
    """
    fmt = element_format(elem_format)
    block_size = check_int("block_size", block_size, 1)
    values = float64_values(x, "x")
    if values.ndim == 0:
        raise ValueError("x must have at least one dimension (the block axis), got a 0-d array")
    axis = normalize_axis(axis, values.ndim)
    length = values.shape[axis]
    blocks = -(-length // block_size)
    moved = np.moveaxis(values, axis, -1)
    padded = np.zeros(moved.shape[:-1] + (blocks * block_size,))
    padded[..., :length] = moved
    amax = np.abs(padded.reshape(moved.shape[:-1] + (blocks, block_size))).max(axis=-1, initial=0.0)
    special = ~np.isfinite(amax)
    usable = np.where(special | (amax == 0), 1.0, amax)
    shared = np.frexp(usable)[1].astype(np.int64) - 1 - element_emax(fmt)
    shared = np.where(amax == 0, -SCALE_BIAS, np.maximum(shared, -SCALE_BIAS))
    shared[special] = 0
    if shared.size and shared.max() > SCALE_BIAS:
        index = np.unravel_index(int(np.argmax(shared)), shared.shape)
        raise ValueError(f"x: the block at {index} (block axis last) has max |x| = {amax[index]!r}, "
                         f"whose shared exponent {int(shared[index])} exceeds E8M0's 127; MX cannot "
                         f"encode values of magnitude 2**{128 + element_emax(fmt)} or more")
    scales = np.moveaxis(np.where(special, SCALE_NAN, shared + SCALE_BIAS).astype(np.uint8), -1, axis)
    exponent = repeat_blocks(np.moveaxis(shared, -1, axis), block_size, axis, length)
    is_special = repeat_blocks(np.moveaxis(special, -1, axis), block_size, axis, length)
    scaled = np.ldexp(np.where(is_special, 0.0, values), -exponent)
    # V / X below float64's subnormals: it lies far under half the element format's smallest
    # subnormal, so 2**-1074 with its sign rounds the same way in every mode
    lost = (scaled == 0) & (values != 0) & ~is_special
    scaled[lost] = np.copysign(5e-324, values[lost])
    if isinstance(fmt, FixedFormat):
        elements = to_raw(scaled, fmt, rounding=rounding, overflow="saturate_symmetric", seed=seed)[0]
    else:
        elements = to_bits(scaled, fmt, rounding=rounding, seed=seed, saturate=True)
    return MXArray(scales, elements, fmt, block_size, axis)


def mx_dequantize(q: MXArray, dtype=np.float32) -> np.ndarray:
    """The values of an MX array: ``2**(scale - 127) * element``, NaN for the NaN scale.

    Parameters
    ----------
    q : MXArray
    dtype : numpy dtype
        ``np.float32`` (the spec's dequantized type) or ``np.float64``; both are exact,
        float32 refuses values beyond its range rather than giving inf.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    OverflowError
        A value beyond float32's range with ``dtype=np.float32`` (float64 inputs of more
        than about 3.4e38 encode such values).

    Examples
    --------
    >>> q = MXArray(np.array([130, 255], np.uint8), np.array([0x3C, 0x40, 0x38, 0x00], np.uint8),
    ...             element_format("float8_e4m3fn"), block_size=2, axis=0)
    >>> mx_dequantize(q).tolist()
    [12.0, 16.0, nan, nan]
    """
    if not isinstance(q, MXArray):
        raise TypeError(f"q must be an MXArray (from mx_quantize), got {type(q).__name__}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    fmt = q.elem_format
    if isinstance(fmt, FixedFormat):
        elements = q.elements.astype(np.float64) * 2.0 ** -fmt.fl
    else:
        elements = from_bits(q.elements, fmt)
    codes = repeat_blocks(q.scales, q.block_size, q.axis, q.shape[q.axis]).astype(np.int64)
    values = np.ldexp(elements, codes - SCALE_BIAS)  # exact: at most 2**142 * 1.75 * 2**15
    values[codes == SCALE_NAN] = np.nan
    if dtype == np.float32:
        too_big = np.abs(values) > float(np.finfo(np.float32).max)
        too_big &= np.isfinite(values)
        if too_big.any():
            index = tuple(int(i) for i in np.argwhere(too_big)[0])
            raise OverflowError(f"q: the value {values[index]!r} at index {index} is beyond float32's "
                                f"range; pass dtype=np.float64")
    return values.astype(dtype)
