"""Conversions, each rounding the exact input value once in the C engine: real numbers into
fixed-point raw integers and back, into float-format encodings and back, with reproducible
stochastic rounding and exact reading of values float64 cannot hold.

Examples
--------
>>> from fixpt.convert import to_raw, to_bits
>>> to_raw([0.3, -1.5], "Q4.4")[0].tolist(), int(to_bits("0.1", "bfloat16"))
([5, -24], 15821)
"""
from fixpt.base.status import CastStatus
from fixpt.convert.fixed import check_raw, raw_to_float, recast_raw, to_raw
from fixpt.convert.floating import (
    CLASS_NAMES, FloatFields, compose, decompose, decompose_bits, exact_value, from_bits, next_down,
    next_up, representation_error, round_to_format, to_bits, ulp,
)
from fixpt.convert.rng import Generator, SeedLike
from fixpt.convert.spec import CastSpec

__all__ = [
    "CastStatus", "check_raw", "raw_to_float", "recast_raw", "to_raw", "CLASS_NAMES", "FloatFields",
    "compose", "decompose", "decompose_bits", "exact_value", "from_bits", "next_down", "next_up",
    "representation_error", "round_to_format", "to_bits", "ulp", "Generator", "SeedLike", "CastSpec",
]
