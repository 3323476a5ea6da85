"""Rounding and overflow modes, shared by every conversion in fixpt.

Modes are enums whose values are the C core's codes; anywhere a mode is
expected its lower-case name works too.

Examples
--------
>>> RoundMode.parse("nearest_even")
<RoundMode.NEAREST_EVEN: 0>
>>> OverflowMode.parse(OverflowMode.WRAP)
<OverflowMode.WRAP: 3>
"""
from __future__ import annotations

import enum
from typing import Union

from fixpt._binding import enum_values

# the codes come from the C header (fixpt.h) through the compiled module: one source
_ROUND = enum_values("fixpt_round_mode")
_OVERFLOW = enum_values("fixpt_overflow_mode")


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
    equivalent MATLAB ``fi`` and HLS ``ap_fixed`` names.  Anywhere a mode is expected, its
    lower-case name works too.

    Examples
    --------
    >>> RoundMode.parse("nearest_away"), RoundMode.STOCHASTIC.is_stochastic
    (<RoundMode.NEAREST_AWAY: 1>, True)
    """

    #: nearest, ties to even (IEEE default; MATLAB Convergent)
    NEAREST_EVEN = _ROUND["NEAREST_EVEN"]
    #: nearest, ties away from zero (MATLAB Round)
    NEAREST_AWAY = _ROUND["NEAREST_AWAY"]
    #: nearest, ties toward zero
    NEAREST_ZERO = _ROUND["NEAREST_ZERO"]
    #: nearest, ties toward +inf (MATLAB Nearest, AP_RND)
    NEAREST_UP = _ROUND["NEAREST_UP"]
    #: nearest, ties toward -inf
    NEAREST_DOWN = _ROUND["NEAREST_DOWN"]
    #: toward -inf (drop bits of two's complement)
    FLOOR = _ROUND["FLOOR"]
    #: toward +inf
    CEIL = _ROUND["CEIL"]
    #: truncate the magnitude
    TOWARD_ZERO = _ROUND["TOWARD_ZERO"]
    #: round the magnitude up
    AWAY_FROM_ZERO = _ROUND["AWAY_FROM_ZERO"]
    #: inexact results take the odd neighbour (jamming)
    ODD = _ROUND["ODD"]
    #: up with probability = distance from the lower neighbour
    STOCHASTIC = _ROUND["STOCHASTIC"]
    #: inexact: either neighbour with probability 1/2
    STOCHASTIC_EQUAL = _ROUND["STOCHASTIC_EQUAL"]

    @property
    def is_stochastic(self) -> bool:
        """Whether the mode draws random words (stochastic, stochastic_equal)."""
        return self in (RoundMode.STOCHASTIC, RoundMode.STOCHASTIC_EQUAL)


class OverflowMode(_ParsableEnum):
    """What happens to a value outside the format's range.

    Examples
    --------
    >>> OverflowMode.parse("wrap"), OverflowMode.SATURATE_ZERO.saturates
    (<OverflowMode.WRAP: 3>, True)
    """

    #: clamp to [min, max]
    SATURATE = _OVERFLOW["SATURATE"]
    #: clamp to [-max, max] (e.g. [-127, 127] for 8 bits)
    SATURATE_SYMMETRIC = _OVERFLOW["SATURATE_SYMMETRIC"]
    #: out-of-range values become 0
    SATURATE_ZERO = _OVERFLOW["SATURATE_ZERO"]
    #: keep the low WL bits (two's complement wrap-around)
    WRAP = _OVERFLOW["WRAP"]
    #: raise OverflowError naming the count and first index
    RAISE = _OVERFLOW["RAISE"]

    @property
    def saturates(self) -> bool:
        """Whether the mode replaces an out-of-range value by a value of the range (not wrap, not raise)."""
        return self in (OverflowMode.SATURATE, OverflowMode.SATURATE_SYMMETRIC,
                        OverflowMode.SATURATE_ZERO)


RoundLike = Union[RoundMode, str]
OverflowLike = Union[OverflowMode, str]
