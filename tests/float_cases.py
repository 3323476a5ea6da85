"""The small float formats whose every encoding the tests walk, and helpers to compare decoded values."""
import math

import numpy as np

import fixpt
from fixpt import FloatFormat

SMALL_FORMATS = [
    fixpt.binary16, fixpt.bfloat16, fixpt.e4m3fn, fixpt.e5m2, fixpt.e4m3fnuz, fixpt.e5m2fnuz,
    FloatFormat(3, 2), FloatFormat(2, 1), FloatFormat(4, 3, subnormals=False),
    FloatFormat(5, 2, overflow="saturate"), FloatFormat(4, 3, inf_nan="fn", overflow="saturate"),
    FloatFormat(3, 0, inf_nan="fn"), FloatFormat(4, 2, bias=3, inf_nan="fnuz"),
]

IDS = [repr(f) for f in SMALL_FORMATS]


def all_bits(fmt):
    """Every encoding of fmt, as uint64."""
    return np.arange(1 << fmt.width, dtype=np.uint64)


def same_value(got: float, want) -> bool:
    """Equal values, with NaN equal to NaN."""
    if isinstance(want, float) and math.isnan(want):
        return math.isnan(got)
    return got == want
