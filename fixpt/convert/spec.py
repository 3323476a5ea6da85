"""A cast specification: the target format, the rounding and overflow modes and the random
stream, resolved once where a call enters fixpt and carried unchanged to the C core.

Examples
--------
>>> spec = CastSpec.resolve("Q4.12", rounding="floor")
>>> spec.format, spec.round_mode, spec.overflow_mode
(Q(4,12), <RoundMode.FLOOR: 5>, <OverflowMode.SATURATE: 0>)
"""
from __future__ import annotations

from dataclasses import dataclass

from fixpt.convert.rng import SeedLike, resolve_seed
from fixpt.formats import FixedFormat, FormatLike, OverflowLike, OverflowMode, RoundLike, RoundMode, parse_format


@dataclass(frozen=True)
class CastSpec:
    """Where a cast goes and how it rounds.

    Attributes
    ----------
    format : FixedFormat
        The target format.
    round_mode : RoundMode
    overflow_mode : OverflowMode
    seed, stream : int
        The random stream of the stochastic modes (0, 0 for the others).

    Examples
    --------
    >>> CastSpec.resolve("UQ8.0", "stochastic", "wrap", seed=3)
    CastSpec(format=UQ(8,0), round_mode=<RoundMode.STOCHASTIC: 10>, overflow_mode=<OverflowMode.WRAP: 3>, seed=3, stream=0)
    """

    format: FixedFormat
    round_mode: RoundMode
    overflow_mode: OverflowMode
    seed: int = 0
    stream: int = 0

    @classmethod
    def resolve(cls, fmt: FormatLike, rounding: RoundLike = "nearest_even",
                overflow: OverflowLike = "saturate", seed: SeedLike = None) -> "CastSpec":
        """Parse a format and the mode arguments (names or enums) once; draw (seed, stream)
        only for the stochastic modes, so deterministic calls consume no stream."""
        round_mode = RoundMode.parse(rounding, "rounding")
        overflow_mode = OverflowMode.parse(overflow, "overflow")
        seed_value, stream = resolve_seed(seed) if round_mode.is_stochastic else (0, 0)
        return cls(parse_format(fmt), round_mode, overflow_mode, seed_value, stream)

    def exact(self) -> "CastSpec":
        """The same target without an overflow mode that could touch a value: for results
        that fixpt has proven to fit (a full-precision format holds every exact result)."""
        return CastSpec(self.format, self.round_mode, OverflowMode.SATURATE, self.seed, self.stream)
