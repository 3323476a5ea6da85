"""Fixed-point arrays and their exact arithmetic: FixedArray, elementwise operations with
exact growth or one rounding into an out_format, reductions, joins, the NumPy protocol,
multiply-accumulate (dot, matmul, FIR, conv2d, IIR lfilter/sosfilt), bit-level I/O and operation logs.

Importing the package registers the NumPy protocol (``fixpt.fixed.protocol``).

Examples
--------
>>> import fixpt
>>> a = fixpt.array([0.75, -0.5], "Q1.7")
>>> (a * a).format, fixpt.multiply(a, a, "Q1.7").tolist()
(Q(2,14), [0.5625, 0.25])
"""
from fixpt.fixed import dtype, numpy_functions, protocol  # noqa: F401  (register the NumPy protocol)
from fixpt.fixed.arrays import FixedArray, arange, array, from_numpy, from_raw, full, ones, zeros
from fixpt.fixed.bits import from_bin, from_hex, load, load_mem, save, save_mem
from fixpt.fixed.bitwise import bitwise_and, bitwise_or, bitwise_xor, invert
from fixpt.fixed.iir import FilterState, lfilter, sosfilt
from fixpt.fixed.mac import (
    MacStatus, accumulator_bits, accumulator_format, conv2d, convolve, dot, matmul,
)
from fixpt.fixed.ops import (
    absolute, add, amax, amin, as_fixed, common_format, compare, concatenate, cumsum, divide,
    exact_format_of, mean, multiply, negative, prod, stack, subtract, sum, where,
)
from fixpt.fixed.recording import record

__all__ = [
    "FixedArray", "arange", "array", "from_numpy", "from_raw", "full", "ones", "zeros", "from_bin", "from_hex",
    "load", "load_mem", "save", "save_mem", "MacStatus", "accumulator_bits", "accumulator_format", "conv2d",
    "convolve", "dot", "matmul", "FilterState", "lfilter", "sosfilt", "absolute", "add", "amax", "amin", "as_fixed", "common_format",
    "compare", "concatenate", "cumsum", "divide", "exact_format_of", "mean", "multiply",
    "negative", "prod", "stack", "subtract", "sum", "where", "record",
    "bitwise_and", "bitwise_or", "bitwise_xor", "invert",
]
