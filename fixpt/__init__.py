"""fixpt: bit-accurate fixed-point and floating-point arithmetic for NumPy, with a C core.

>>> import fixpt
>>> x = fixpt.array([0.1, -0.7], fixpt.Q(1, 7))
>>> x.raw
array([ 13, -90], dtype=int8)
"""
from fixpt.array import FixedArray, arange, array, from_raw, full, ones, zeros
from fixpt.bits import from_bin, from_hex, load_mem, save_mem
from fixpt.cancellation import CancellationReport, cancellation, watch_cancellation
from fixpt.convert import CastStatus, raw_to_float, recast_raw, to_raw
from fixpt.explain import Explanation, explain
from fixpt.floatformat import (
    NAMED_FORMATS, FloatFormat, FloatInfo, bfloat16, binary16, binary32, binary64, e4m3fn,
    e4m3fnuz, e5m2, e5m2fnuz, parse_float_format, tf32,
)
from fixpt.floats import (
    FloatFields, compose, decompose, decompose_bits, exact_value, from_bits, next_down, next_up,
    representation_error, round_to_format, to_bits, ulp,
)
from fixpt.formats import AccumulatorFormat, FixedFormat, Q, UQ, parse_format
from fixpt.mac import MacStatus, accumulator_bits, accumulator_format, conv2d, convolve, dot, matmul
from fixpt.modes import OverflowMode, RoundMode
from fixpt.ops import (
    ErrorStats, absolute, add, amax, amin, as_fixed, common_format, compare, concatenate,
    cumsum, divide, error_stats, exact_format_of, mean, multiply, negative, prod, stack,
    subtract, sum, where,
)
from fixpt.record import record
from fixpt import calibrate, deploy, nemo, quant, train
from fixpt.rng import Generator
from fixpt.teaching import expected_rounding, slope_bias_table
from fixpt.tracked import SignificantDigits, Simulated, Tracked

__version__ = "0.1.0"

__all__ = [
    "calibrate", "deploy", "nemo", "quant", "train",
    "CancellationReport", "cancellation", "watch_cancellation", "SignificantDigits", "Simulated",
    "Tracked", "expected_rounding", "slope_bias_table",
    "AccumulatorFormat", "MacStatus", "accumulator_bits", "accumulator_format", "conv2d", "convolve", "dot", "matmul",
    "ErrorStats", "absolute", "add", "amax", "amin", "arange", "as_fixed", "common_format",
    "compare", "concatenate", "cumsum", "divide", "error_stats", "exact_format_of", "from_bin",
    "from_hex", "full", "load_mem", "mean", "multiply", "negative", "ones", "prod", "record",
    "save_mem", "stack", "subtract", "sum", "where", "zeros",
    "CastStatus", "Explanation", "FixedArray", "FixedFormat", "FloatFields", "FloatFormat", "FloatInfo",
    "Generator", "NAMED_FORMATS", "OverflowMode", "Q", "RoundMode", "UQ", "array", "bfloat16",
    "binary16", "binary32", "binary64", "compose", "decompose", "decompose_bits", "e4m3fn",
    "e4m3fnuz", "e5m2", "e5m2fnuz", "exact_value", "explain", "from_bits", "from_raw", "next_down",
    "next_up", "parse_float_format", "parse_format", "raw_to_float", "recast_raw",
    "representation_error", "round_to_format", "tf32", "to_bits", "to_raw", "ulp",
]
