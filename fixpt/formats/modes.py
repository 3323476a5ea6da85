"""Rounding and overflow modes, shared by every conversion in fixpt.

Modes are enums whose values are the C core's codes; anywhere a mode is
expected its lower-case name works too.

>>> RoundMode.parse("nearest_even")
<RoundMode.NEAREST_EVEN: 0>
>>> OverflowMode.parse(OverflowMode.WRAP)
<OverflowMode.WRAP: 3>
"""
from __future__ import annotations

import enum
from typing import Union


class _ParsableEnum(enum.IntEnum):
    @classmethod
    def parse(cls, mode: Union["_ParsableEnum", str], argument: str = "mode"):
        """Accept a member or its lower-case name; anything else is a clear error."""
        if isinstance(mode, cls):
            return mode
        if isinstance(mode, str):
            try:
                return cls[mode.strip().upper()]
            except KeyError:
                pass
        names = ", ".join(m.name.lower() for m in cls)
        raise ValueError(f"{argument}={mode!r} is not one of: {names}")


class RoundMode(_ParsableEnum):
    """How a value between two representable neighbours is resolved.

    "up" and "down" mean toward +inf and -inf.  See docs/rounding.md for the
    equivalent MATLAB ``fi`` and HLS ``ap_fixed`` names.
    """

    NEAREST_EVEN = 0       #: nearest, ties to even (IEEE default; MATLAB Convergent)
    NEAREST_AWAY = 1       #: nearest, ties away from zero (MATLAB Round)
    NEAREST_ZERO = 2       #: nearest, ties toward zero
    NEAREST_UP = 3         #: nearest, ties toward +inf (MATLAB Nearest, AP_RND)
    NEAREST_DOWN = 4       #: nearest, ties toward -inf
    FLOOR = 5              #: toward -inf (drop bits of two's complement)
    CEIL = 6               #: toward +inf
    TOWARD_ZERO = 7        #: truncate the magnitude
    AWAY_FROM_ZERO = 8     #: round the magnitude up
    ODD = 9                #: inexact results take the odd neighbour (jamming)
    STOCHASTIC = 10        #: up with probability = distance from the lower neighbour
    STOCHASTIC_EQUAL = 11  #: inexact: either neighbour with probability 1/2

    @property
    def is_stochastic(self) -> bool:
        return self in (RoundMode.STOCHASTIC, RoundMode.STOCHASTIC_EQUAL)


class OverflowMode(_ParsableEnum):
    """What happens to a value outside the format's range."""

    SATURATE = 0            #: clamp to [min, max]
    SATURATE_SYMMETRIC = 1  #: clamp to [-max, max] (e.g. [-127, 127] for 8 bits)
    SATURATE_ZERO = 2       #: out-of-range values become 0
    WRAP = 3                #: keep the low WL bits (two's complement wrap-around)
    RAISE = 4               #: raise OverflowError naming the count and first index

    @property
    def saturates(self) -> bool:
        return self in (OverflowMode.SATURATE, OverflowMode.SATURATE_SYMMETRIC,
                        OverflowMode.SATURATE_ZERO)


RoundLike = Union[RoundMode, str]
OverflowLike = Union[OverflowMode, str]
