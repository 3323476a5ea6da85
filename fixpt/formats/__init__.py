"""Number formats: fixed point ``Q(IL, FL)`` / ``UQ(IL, FL)``, binary floating point
``FloatFormat(exp_bits, man_bits)``, and the rounding and overflow modes.

Examples
--------
>>> from fixpt.formats import Q, FloatFormat, RoundMode
>>> Q(4, 12).wl, FloatFormat(5, 10).max, RoundMode.parse("floor")
(16, 65504.0, <RoundMode.FLOOR: 5>)
"""
from fixpt.formats.fixed import (
    MAX_ABS_FRACTION_LENGTH, MAX_WORD_LENGTH, AccumulatorFormat, FixedFormat, FormatLike, Q, UQ,
    parse_format, set_dtype_factory, smallest_container,
)
from fixpt.formats.floating import (
    NAMED_FORMATS, FloatFormat, FloatFormatLike, FloatInfo, bfloat16, binary16, binary32, binary64,
    e2m1fn, e2m3fn, e3m2fn, e3m4, e4m3, e4m3b11fnuz, e4m3fn, e4m3fnuz, e5m2, e5m2fnuz, e8m0fnu,
    parse_float_format, tf32,
)
from fixpt.formats.modes import OverflowLike, OverflowMode, RoundLike, RoundMode

__all__ = [
    "MAX_ABS_FRACTION_LENGTH", "MAX_WORD_LENGTH", "AccumulatorFormat", "FixedFormat", "FormatLike",
    "Q", "UQ", "parse_format", "set_dtype_factory", "smallest_container", "NAMED_FORMATS", "FloatFormat",
    "FloatFormatLike", "FloatInfo", "bfloat16", "binary16", "binary32", "binary64", "e4m3fn",
    "e4m3fnuz", "e5m2", "e5m2fnuz", "e4m3", "e3m4", "e4m3b11fnuz", "e2m3fn", "e3m2fn", "e2m1fn",
    "e8m0fnu", "parse_float_format", "tf32", "OverflowLike", "OverflowMode",
    "RoundLike", "RoundMode",
]
