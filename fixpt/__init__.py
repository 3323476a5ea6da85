"""fixpt: bit-accurate fixed-point and floating-point arithmetic for NumPy, with a C core.

The package is layered, each layer importing only the ones below it:

* ``fixpt.base``: argument checks, broadcasting, the status record;
* ``fixpt.formats``: fixed-point and float formats, rounding and overflow modes;
* ``fixpt.convert``: exact conversions (to fixed point, to float formats), random streams;
* ``fixpt.fixed``: FixedArray, exact arithmetic, multiply-accumulate, bit I/O;
* ``fixpt.diagnostics``: cancellation, running error bounds, error statistics;
* ``fixpt.quant``: quantization as runtimes do it, calibration, training pieces;
* ``fixpt.deploy``: integer-only deployment of networks (NEMO);
* ``fixpt.teach``: explain and the teaching plots;

with ``fixpt.torch``, ``fixpt.cli`` and ``fixpt.demo`` on top.  The C core is reached only
through ``fixpt._binding``.

Examples
--------
>>> import fixpt
>>> x = fixpt.array([0.1, -0.7], fixpt.Q(1, 7))
>>> x.raw
array([ 13, -90], dtype=int8)
"""
import importlib as _importlib
import warnings as _warnings

from fixpt import deploy, floats, quant
from fixpt.base.status import CastStatus
from fixpt.base.threads import get_num_threads, num_threads, set_num_threads
from fixpt.convert import (
    FloatFields, Generator, compose, decompose, decompose_bits, exact_value, from_bits, next_down,
    next_up, raw_to_float, recast_raw, representation_error, round_to_format, to_bits, to_raw, ulp,
)
from fixpt.diagnostics import (
    CancellationReport, ErrorStats, SignificantDigits, Simulated, Tracked, cancellation, error_stats,
    watch_cancellation,
)
from fixpt.fixed import (
    FilterState, FixedArray, MacStatus, absolute, accumulator_bits, accumulator_format, add, amax, amin, arange,
    array, as_fixed, bitwise_and, bitwise_or, bitwise_xor, invert, common_format, compare, concatenate, conv2d, convolve, cumsum, divide, dot,
    exact_format_of, from_bin, from_hex, from_numpy, from_raw, full, lfilter, load, load_mem, matmul, mean,
    multiply, negative, ones, prod, record, save, save_mem, sosfilt, stack, subtract, sum, where, zeros,
)
from fixpt.formats import (
    NAMED_FORMATS, AccumulatorFormat, FixedFormat, FloatFormat, FloatInfo, OverflowMode, Q, RoundMode,
    UQ, bfloat16, binary16, binary32, binary64, e2m1fn, e2m3fn, e3m2fn, e3m4, e4m3, e4m3b11fnuz, e4m3fn,
    e4m3fnuz, e5m2, e5m2fnuz, e8m0fnu, parse_float_format, parse_format, tf32,
)
from fixpt.teach import Explanation, expected_rounding, explain, slope_bias_table

__version__ = "0.2.0"

# Module paths that moved in 0.2; the aliases go in 0.3.
_MOVED = {"calibrate": "fixpt.quant.calibrate", "train": "fixpt.quant.train",
          "nemo": "fixpt.deploy.nemo", "network": "fixpt.deploy.network",
          "teaching": "fixpt.teach.plots"}


def __getattr__(name: str):
    if name in _MOVED:
        _warnings.warn(f"fixpt.{name} moved to {_MOVED[name]}; the old name goes in fixpt 0.3",
                       DeprecationWarning, stacklevel=2)
        return _importlib.import_module(_MOVED[name])
    raise AttributeError(f"module 'fixpt' has no attribute {name!r}")


__all__ = [
    "deploy", "floats", "quant", "CastStatus", "get_num_threads", "num_threads", "set_num_threads", "FloatFields", "Generator", "compose", "decompose",
    "decompose_bits", "exact_value", "from_bits", "next_down", "next_up", "raw_to_float",
    "recast_raw", "representation_error", "round_to_format", "to_bits", "to_raw", "ulp",
    "CancellationReport", "ErrorStats", "SignificantDigits", "Simulated", "Tracked", "cancellation",
    "error_stats", "watch_cancellation", "FilterState", "FixedArray", "MacStatus", "absolute", "accumulator_bits",
    "accumulator_format", "add", "amax", "amin", "arange", "array", "as_fixed", "common_format",
    "compare", "concatenate", "conv2d", "convolve", "cumsum", "divide", "dot", "exact_format_of",
    "from_bin", "from_hex", "from_numpy", "from_raw", "full", "lfilter", "load", "load_mem", "matmul", "mean",
    "multiply", "negative", "ones", "prod", "record", "save", "save_mem", "sosfilt", "stack", "subtract", "sum", "where", "zeros",
    "bitwise_and", "bitwise_or", "bitwise_xor", "invert",
    "NAMED_FORMATS", "AccumulatorFormat", "FixedFormat", "FloatFormat", "FloatInfo", "OverflowMode",
    "Q", "RoundMode", "UQ", "bfloat16", "binary16", "binary32", "binary64", "e4m3fn", "e4m3fnuz",
    "e5m2", "e5m2fnuz", "e4m3", "e3m4", "e4m3b11fnuz", "e2m3fn", "e3m2fn", "e2m1fn", "e8m0fnu",
    "parse_float_format", "parse_format", "tf32", "Explanation",
    "expected_rounding", "explain", "slope_bias_table",
]
