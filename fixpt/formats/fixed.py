"""Fixed-point formats: ``Q(il, fl)`` (signed) and ``UQ(il, fl)`` (unsigned).

The <IL, FL> convention: word length WL = IL + FL; for signed formats IL
counts the sign bit.  A raw integer r of a format stands for r * 2**-FL.

Examples
--------
>>> Q(1, 15)
Q(1,15)
>>> Q(1, 15).min, Q(1, 15).max
(-1.0, 0.999969482421875)
>>> parse_format("s16/12") == Q(4, 12)
True
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar, Union

import numpy as np

from fixpt.base.checks import check_int

MAX_WORD_LENGTH = 64
#: largest |FL| accepted (the C core handles binary-point shifts up to 100000)
MAX_ABS_FRACTION_LENGTH = 16384


#: the dtype of a format, set by fixpt.fixed.dtype (a higher layer) when it loads
_DTYPE_FACTORY = None


def set_dtype_factory(factory) -> None:
    """Register the function giving each format its NumPy dtype (fixpt.fixed.dtype does).

    Parameters
    ----------
    factory : callable
        FixedFormat -> dtype.

    Examples
    --------
    >>> import fixpt
    >>> fixpt.Q(1, 7).dtype
    dtype(Q(1,7))
    """
    global _DTYPE_FACTORY
    _DTYPE_FACTORY = factory


def smallest_container(bits: int, signed: bool) -> np.dtype:
    """The smallest NumPy integer dtype of 8, 16, 32 or 64 bits holding ``bits`` bits.

    Parameters
    ----------
    bits : int
        Bits to hold (1..64).
    signed : bool
        Signed (``intN``) or unsigned (``uintN``) container.

    Returns
    -------
    numpy.dtype

    Raises
    ------
    ValueError
        More than 64 bits.

    Examples
    --------
    >>> smallest_container(12, True), smallest_container(33, False)
    (dtype('int16'), dtype('uint64'))
    """
    for size in (8, 16, 32, 64):
        if bits <= size:
            return np.dtype(f"{'int' if signed else 'uint'}{size}")
    raise ValueError(f"{bits} bits do not fit a 64-bit container")


@dataclass(frozen=True)
class FixedFormat:
    """A binary fixed-point format with IL integer and FL fraction bits.

    Formats are immutable and hashable.  ``a <= b`` means every value of
    ``a`` is exactly representable in ``b`` (like ``np.can_cast``).

    >>> f = Q(4, 12)
    >>> f.wl, f.eps, f.raw_min, f.raw_max, f.container
    (16, 0.000244140625, -32768, 32767, dtype('int16'))
    """

    il: int
    fl: int
    signed: bool = True
    max_word_length: ClassVar[int] = MAX_WORD_LENGTH

    def __post_init__(self) -> None:
        il = check_int("il", self.il)
        fl = check_int("fl", self.fl)
        if not isinstance(self.signed, (bool, np.bool_)):
            raise TypeError(f"signed must be a bool, got {self.signed!r}")
        object.__setattr__(self, "il", il)
        object.__setattr__(self, "fl", fl)
        object.__setattr__(self, "signed", bool(self.signed))
        wl = il + fl
        if not 1 <= wl <= self.max_word_length:
            raise ValueError(
                f"word length il + fl = {il} + {fl} = {wl} is outside the allowed range "
                f"1..{self.max_word_length}"
            )
        if abs(fl) > MAX_ABS_FRACTION_LENGTH:
            raise ValueError(
                f"fl = {fl} is outside the allowed range "
                f"-{MAX_ABS_FRACTION_LENGTH}..{MAX_ABS_FRACTION_LENGTH}"
            )

    # --- sizes -------------------------------------------------------------
    @property
    def wl(self) -> int:
        """Word length in bits (IL + FL)."""
        return self.il + self.fl

    @property
    def raw_min(self) -> int:
        """Smallest raw integer."""
        return -(1 << (self.wl - 1)) if self.signed else 0

    @property
    def raw_max(self) -> int:
        """Largest raw integer."""
        return (1 << (self.wl - 1)) - 1 if self.signed else (1 << self.wl) - 1

    @property
    def dtype(self):
        """The NumPy dtype of this format (``np.zeros(3, dtype=fixpt.Q(4, 12))`` uses it); the
        raw integers' container is :attr:`container`."""
        if _DTYPE_FACTORY is None:
            raise RuntimeError("fixpt's NumPy dtype is not loaded (import fixpt)")
        return _DTYPE_FACTORY(self)

    @property
    def container(self) -> np.dtype:
        """Smallest NumPy integer dtype that holds WL bits."""
        return smallest_container(self.wl, self.signed)

    # --- values ------------------------------------------------------------
    def value_of(self, raw: int) -> Fraction:
        """Exact value of one raw integer: raw * 2**-FL."""
        return Fraction(int(raw)) / Fraction(2) ** self.fl

    @property
    def eps(self) -> float:
        """Step between neighbouring values, 2**-FL (exact as a float)."""
        return float(Fraction(2) ** -self.fl)

    @property
    def min(self) -> float:
        """Smallest value (float64, rounded to nearest if not representable)."""
        return float(self.value_of(self.raw_min))

    @property
    def max(self) -> float:
        """Largest value (float64, rounded to nearest if not representable)."""
        return float(self.value_of(self.raw_max))

    @property
    def exact_min(self) -> Fraction:
        """Smallest value, exact."""
        return self.value_of(self.raw_min)

    @property
    def exact_max(self) -> Fraction:
        """Largest value, exact."""
        return self.value_of(self.raw_max)

    # --- relations ---------------------------------------------------------
    def __le__(self, other: object) -> bool:
        """True when every value of self is exactly representable in other."""
        if not isinstance(other, FixedFormat):
            return NotImplemented
        return (
            self.fl <= other.fl
            and self.exact_min >= other.exact_min
            and self.exact_max <= other.exact_max
        )

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, FixedFormat):
            return NotImplemented
        return other <= self

    def __repr__(self) -> str:
        return f"{'Q' if self.signed else 'UQ'}({self.il},{self.fl})"

    def __str__(self) -> str:
        return f"{'Q' if self.signed else 'UQ'}{self.il}.{self.fl}"


@dataclass(frozen=True, repr=False)
class AccumulatorFormat(FixedFormat):
    """A register format of up to 128 bits, for MAC accumulators (arrays hold at most 64).

    >>> AccumulatorFormat(66, 62).wl
    128
    """

    max_word_length: ClassVar[int] = 128


def Q(il: int, fl: int) -> FixedFormat:
    """Signed two's complement format with IL integer bits (sign included) and FL fraction bits.

    Parameters
    ----------
    il : int
        Integer bits, the sign bit included (may be negative or exceed the word length).
    fl : int
        Fraction bits (may be negative); the word length is ``il + fl``, 1..64.

    Returns
    -------
    FixedFormat

    Raises
    ------
    ValueError
        A word length outside 1..64, or ``|fl|`` above 16384.

    Examples
    --------
    >>> Q(1, 7).raw_min, Q(1, 7).raw_max, Q(1, 7).eps
    (-128, 127, 0.0078125)
    """
    return FixedFormat(il, fl, True)


def UQ(il: int, fl: int) -> FixedFormat:
    """Unsigned format with IL integer and FL fraction bits.

    Parameters
    ----------
    il, fl : int
        Integer and fraction bits; the word length ``il + fl`` is 1..64.

    Returns
    -------
    FixedFormat

    Examples
    --------
    >>> UQ(8, 0).max
    255.0
    """
    return FixedFormat(il, fl, False)


_PATTERNS = [
    # Q4.12, UQ8.0, Q-2.10, Q4.-2
    (re.compile(r"^(U?)Q(-?\d+)\.(-?\d+)$", re.IGNORECASE),
     lambda m: FixedFormat(int(m[2]), int(m[3]), m[1] == "")),
    # Q(4,12), UQ(8, 0)
    (re.compile(r"^(U?)Q\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$", re.IGNORECASE),
     lambda m: FixedFormat(int(m[2]), int(m[3]), m[1] == "")),
    # s16/12, u8/8: word length / fraction length
    (re.compile(r"^([su])(\d+)/(-?\d+)$", re.IGNORECASE),
     lambda m: FixedFormat(int(m[2]) - int(m[3]), int(m[3]), m[1].lower() == "s")),
]

FormatLike = Union[FixedFormat, str]


def parse_format(spec: FormatLike) -> FixedFormat:
    """Parse ``"Q4.12"``, ``"UQ8.0"``, ``"Q(4,12)"``, ``"s16/12"`` or ``"u8/8"``.

    Parameters
    ----------
    spec : FixedFormat or str
        A format (returned unchanged) or its name: ``Q<il>.<fl>``, ``UQ<il>.<fl>``,
        ``Q(<il>,<fl>)``, or ``s<wl>/<fl>`` / ``u<wl>/<fl>`` (word and fraction length).

    Returns
    -------
    FixedFormat

    Raises
    ------
    TypeError
        Neither a format nor a string.
    ValueError
        A string of no known form, or an invalid format.

    Examples
    --------
    >>> parse_format("UQ8.0"), parse_format("u8/8")
    (UQ(8,0), UQ(0,8))
    """
    if isinstance(spec, FixedFormat):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"format must be a FixedFormat or a string such as 'Q4.12', got {spec!r}")
    return _parse_name(spec)


@functools.lru_cache(maxsize=256)
def _parse_name(spec: str) -> FixedFormat:
    """parse_format for names, remembered (formats are immutable; scripts name a few formats
    in every call)."""
    text = spec.strip()
    for pattern, build in _PATTERNS:
        match = pattern.match(text)
        if match:
            return build(match)
    raise ValueError(
        f"cannot parse format {spec!r}: expected 'Q<il>.<fl>', 'UQ<il>.<fl>', 'Q(<il>,<fl>)', "
        f"'s<wl>/<fl>' or 'u<wl>/<fl>'"
    )
