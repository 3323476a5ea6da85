"""fixpt: bit-accurate fixed-point and floating-point arithmetic for NumPy, with a C core.

>>> import fixpt
>>> x = fixpt.array([0.1, -0.7], fixpt.Q(1, 7))
>>> x.raw
array([ 13, -90], dtype=int8)
"""
from fixpt.array import FixedArray, array, from_raw
from fixpt.convert import CastStatus, raw_to_float, recast_raw, to_raw
from fixpt.formats import FixedFormat, Q, UQ, parse_format
from fixpt.modes import OverflowMode, RoundMode
from fixpt.rng import Generator

__version__ = "0.1.0"

__all__ = [
    "CastStatus", "FixedArray", "FixedFormat", "Generator", "OverflowMode", "Q", "RoundMode",
    "UQ", "array", "from_raw", "parse_format", "raw_to_float", "recast_raw", "to_raw",
]
