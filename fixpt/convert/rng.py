"""Seeds and streams for reproducible stochastic rounding.

The random word of element i of a cast is a pure function of
(seed, stream, i) computed in C (a SplitMix64 finaliser over a Weyl
sequence), so results never depend on chunking, threads or call order.
A :class:`Generator` hands out a fresh stream per call, so repeated casts
with the same generator get independent noise while a run stays repeatable.

Examples
--------
>>> g = Generator(42)
>>> g.next_stream(), g.next_stream()
((42, 0), (42, 1))
"""
from __future__ import annotations

import secrets
import threading
from typing import Optional, Union

import numpy as np

from fixpt import _binding
from fixpt.base.checks import check_int

_MASK64 = (1 << 64) - 1


class Generator:
    """A seed plus a counter of streams handed out so far (thread-safe).

    Each stochastic call with the same generator takes the next stream, so repeated calls
    get independent noise while a run stays repeatable.

    Parameters
    ----------
    seed : int or None
        0..2**64-1; None draws one from the OS.

    Examples
    --------
    >>> import fixpt
    >>> g = fixpt.Generator(7)
    >>> a = fixpt.array([0.5] * 4, "Q4.0", rounding="stochastic", seed=g)
    >>> b = fixpt.array([0.5] * 4, "Q4.0", rounding="stochastic", seed=g)   # the next stream
    >>> g
    Generator(seed=7, next_stream=2)
    """

    def __init__(self, seed: Optional[int] = None) -> None:
        if seed is None:
            seed = secrets.randbits(64)
        self.seed = check_int("seed", seed, 0, _MASK64)
        self._next = 0
        self._lock = threading.Lock()

    @classmethod
    def at(cls, seed: int, stream: int) -> "Generator":
        """A generator whose next stream is ``stream``: replays a resolved (seed, stream),
        for example in the workers that process the blocks of one call.

        Examples
        --------
        >>> Generator.at(7, 3).next_stream()
        (7, 3)
        """
        generator = cls(seed)
        generator._next = check_int("stream", stream, 0, _MASK64)
        return generator

    def next_stream(self) -> tuple[int, int]:
        """Return (seed, stream) for one call and advance the stream counter."""
        with self._lock:
            stream = self._next
            self._next += 1
        return self.seed, stream

    def random_word(self, stream: int, index: int) -> int:
        """The 64-bit word element ``index`` of ``stream`` uses (for inspection)."""
        return _binding.random_word(self.seed, stream, index)

    def __repr__(self) -> str:
        return f"Generator(seed={self.seed}, next_stream={self._next})"


_default = Generator()

SeedLike = Union[None, int, Generator]


def resolve_seed(seed: SeedLike) -> tuple[int, int]:
    """Turn a ``seed=`` argument into (seed, stream) for the C core.

    None draws a fresh stream from a process-wide generator seeded from the
    OS; an int means (seed, stream 0); a Generator hands out its next stream.
    """
    if seed is None:
        return _default.next_stream()
    if isinstance(seed, Generator):
        return seed.next_stream()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be None, an int or a fixpt.Generator, got {seed!r}")
    return check_int("seed", seed, 0, _MASK64), 0
