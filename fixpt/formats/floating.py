"""Binary floating-point formats of any size: ``FloatFormat(exp_bits, man_bits)``.

``man_bits`` counts the stored (trailing) significand bits, so the precision
is man_bits + 1.  The bias is 2**(exp_bits-1) - 1 unless given.

Examples
--------
>>> binary16.max, binary16.min_normal, binary16.min_subnormal
(65504.0, 6.103515625e-05, 5.960464477539063e-08)
>>> e4m3fn.max, e4m3fn.has_inf
(448.0, False)
>>> FloatFormat(5, 10) == binary16
True
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Optional, Union

import numpy as np

from fixpt._binding import enum_values
from fixpt.base.checks import check_int
from fixpt.formats.fixed import smallest_container

#: inf_nan name -> C code (fixpt_special_encoding), and overflow policy -> C code
_SPECIAL_CODES = {name.removeprefix("SPECIAL_").lower(): code
                  for name, code in enum_values("fixpt_special_encoding").items()}
_OVERFLOW_CODES = {name.removeprefix("FLOAT_OVERFLOW_").lower(): code
                   for name, code in enum_values("fixpt_float_overflow").items()}
SPECIAL_ENCODINGS = tuple(_SPECIAL_CODES)
OVERFLOW_POLICIES = tuple(_OVERFLOW_CODES)


@dataclass(frozen=True)
class FloatFormat:
    """A binary float format: sign, ``exp_bits`` exponent bits, ``man_bits`` trailing bits.

    * ``inf_nan="ieee"``: the all-ones exponent holds inf and NaN (IEEE 754).
      ``"fn"``: no inf, only the all-ones pattern (both signs) is NaN (OCP FP8
      E4M3). ``"fnuz"``: no inf and no -0; the -0 pattern is the only NaN.
      ``"none"``: no inf and no NaN, every encoding is a finite value (OCP FP6, FP4).
    * ``overflow``: what a finite value rounding beyond ``max`` becomes:
      ``"inf"`` (default for IEEE), ``"saturate"`` (``+-max``; the only choice without
      NaN), ``"nan"`` (default for fn and fnuz).  Directed roundings toward zero give
      ``max`` as IEEE 754 requires.
    * ``subnormals=False``: no subnormal results; values below ``min_normal``
      round to 0 or ``min_normal``.
    * ``signed=False``: no sign bit; negative values become NaN (OCP E8M0).
    * ``has_zero=False`` (with ``subnormals=False``): the exponent field 0 is a binade of
      normal values and there is no zero; values below the smallest round up to it, and
      zero becomes NaN (OCP E8M0: ``2**-127 .. 2**127``).

    >>> FloatFormat(8, 7)
    FloatFormat(exp_bits=8, man_bits=7, bias=127)
    >>> FloatFormat(2, 1, inf_nan="none", overflow="saturate").max
    6.0
    """

    exp_bits: int
    man_bits: int
    bias: Optional[int] = None
    subnormals: bool = True
    inf_nan: str = "ieee"
    overflow: Optional[str] = None
    name: Optional[str] = field(default=None, compare=False)
    signed: bool = True
    has_zero: bool = True

    def __post_init__(self) -> None:
        exp_bits = check_int("exp_bits", self.exp_bits, 2, 11)
        man_bits = check_int("man_bits", self.man_bits, 0, 52)
        object.__setattr__(self, "exp_bits", exp_bits)
        object.__setattr__(self, "man_bits", man_bits)
        bias = (1 << (exp_bits - 1)) - 1 if self.bias is None else self.bias
        object.__setattr__(self, "bias", check_int("bias", bias, -(1 << 12), 1 << 12))
        for flag in ("subnormals", "signed", "has_zero"):
            object.__setattr__(self, flag, bool(getattr(self, flag)))
        if self.inf_nan not in SPECIAL_ENCODINGS:
            raise ValueError(f"inf_nan={self.inf_nan!r} is not one of: {', '.join(SPECIAL_ENCODINGS)}")
        default = {"ieee": "inf", "none": "saturate"}.get(self.inf_nan, "nan")
        overflow = self.overflow or default
        if overflow not in OVERFLOW_POLICIES:
            raise ValueError(f"overflow={overflow!r} is not one of: {', '.join(OVERFLOW_POLICIES)}")
        if overflow == "inf" and self.inf_nan != "ieee":
            raise ValueError(f"overflow='inf' needs inf_nan='ieee' (a {self.inf_nan} format has no inf)")
        if overflow == "nan" and self.inf_nan == "none":
            raise ValueError("overflow='nan' needs a NaN: an inf_nan='none' format can only saturate")
        if self.inf_nan == "ieee" and man_bits == 0:
            raise ValueError("inf_nan='ieee' needs man_bits >= 1 to encode NaN")
        if self.inf_nan == "fnuz" and not self.signed:
            raise ValueError("inf_nan='fnuz' needs signed=True (its NaN is the pattern of -0)")
        if not self.has_zero and self.subnormals:
            raise ValueError("has_zero=False needs subnormals=False (the exponent field 0 is normal)")
        object.__setattr__(self, "overflow", overflow)
        if self.emin - man_bits < -1074 or self.emax > 1023:
            raise ValueError(
                f"bias={self.bias} puts values outside float64 (needs emin - man_bits >= -1074 "
                f"and emax <= 1023; here {self.emin - man_bits} and {self.emax})"
            )
        if self._max_encoding < (1 << man_bits if self.has_zero else 0) or self.emax < self.emin:
            raise ValueError("the format has no finite normal value")

    # --- the C-core view ------------------------------------------------------
    @property
    def spec(self) -> tuple:
        """The fields of the C core's ``fixpt_float_format``, in order."""
        return (self.exp_bits, self.man_bits, self.bias, int(self.subnormals),
                _SPECIAL_CODES[self.inf_nan], _OVERFLOW_CODES[self.overflow], int(self.signed),
                int(self.has_zero))

    # --- sizes ----------------------------------------------------------------
    @property
    def width(self) -> int:
        """Total bits: sign (if any) + exp_bits + man_bits."""
        return int(self.signed) + self.exp_bits + self.man_bits

    @property
    def container(self) -> np.dtype:
        """Smallest unsigned NumPy dtype that holds an encoding."""
        return smallest_container(self.width, signed=False)

    @property
    def precision(self) -> int:
        """Significand bits including the hidden bit."""
        return self.man_bits + 1

    @property
    def has_inf(self) -> bool:
        """Whether the format encodes infinities (IEEE formats do; fn, fnuz and none do not)."""
        return self.inf_nan == "ieee"

    @property
    def has_nan(self) -> bool:
        """Whether the format encodes NaN (all but ``inf_nan="none"``)."""
        return self.inf_nan != "none"

    # --- exponents --------------------------------------------------------------
    @property
    def emin(self) -> int:
        """Exponent of the smallest normal value: 1 - bias (or -bias without zero)."""
        return int(self.has_zero) - self.bias

    @property
    def _max_encoding(self) -> int:
        ones = (1 << self.exp_bits) - 1
        man_mask = (1 << self.man_bits) - 1
        if self.inf_nan == "ieee":
            return (ones << self.man_bits) - 1
        if self.inf_nan == "fn":
            return ((ones << self.man_bits) | man_mask) - 1
        return (ones << self.man_bits) | man_mask  # fnuz, none

    @property
    def emax(self) -> int:
        """Exponent of the largest finite value (IEEE emax; NumPy's finfo.maxexp is emax + 1)."""
        return (self._max_encoding >> self.man_bits) - self.bias

    # --- values -----------------------------------------------------------------
    @property
    def eps(self) -> float:
        """Machine epsilon: the gap from 1 to the next value, 2**-man_bits."""
        return math.ldexp(1.0, -self.man_bits)

    @property
    def unit_roundoff(self) -> float:
        """Largest relative error of round-to-nearest: 2**-(man_bits + 1)."""
        return math.ldexp(1.0, -self.man_bits - 1)

    @property
    def max(self) -> float:
        """Largest finite value."""
        man = self._max_encoding & ((1 << self.man_bits) - 1)
        return math.ldexp(float((1 << self.man_bits) | man), self.emax - self.man_bits)

    @property
    def min_normal(self) -> float:
        """Smallest positive normal value, 2**emin."""
        return math.ldexp(1.0, self.emin)

    @property
    def min(self) -> float:
        """Smallest value: -max, or the smallest value of a format without a sign bit."""
        if self.signed:
            return -self.max
        return 0.0 if self.has_zero else self.min_subnormal

    @property
    def min_subnormal(self) -> float:
        """Smallest positive value: 2**(emin - man_bits), or min_normal without subnormals."""
        return math.ldexp(1.0, self.emin - self.man_bits) if self.subnormals else self.min_normal

    def finfo(self) -> "FloatInfo":
        """A numpy.finfo-like summary (same field names, same conventions)."""
        return FloatInfo(self)

    def __repr__(self) -> str:
        if self.name:
            return self.name
        extra = "" if self.subnormals else ", subnormals=False"
        if self.inf_nan != "ieee":
            extra += f", inf_nan={self.inf_nan!r}"
        if self.overflow != {"ieee": "inf", "none": "saturate"}.get(self.inf_nan, "nan"):
            extra += f", overflow={self.overflow!r}"
        for flag in ("signed", "has_zero"):
            if not getattr(self, flag):
                extra += f", {flag}=False"
        return f"FloatFormat(exp_bits={self.exp_bits}, man_bits={self.man_bits}, bias={self.bias}{extra})"


class FloatInfo:
    """Machine limits of a FloatFormat, with numpy.finfo's names and conventions.

    >>> info = binary16.finfo()
    >>> info.eps, info.max, info.tiny, info.maxexp, info.minexp, info.precision
    (0.0009765625, 65504.0, 6.103515625e-05, 16, -14, 3)
    """

    def __init__(self, fmt: FloatFormat) -> None:
        self.format = fmt
        self.bits = fmt.width
        self.nexp = fmt.exp_bits
        self.nmant = fmt.man_bits
        self.eps = fmt.eps
        self.epsneg = math.ldexp(1.0, -fmt.man_bits - 1)
        self.max = fmt.max
        self.min = fmt.min
        self.tiny = self.smallest_normal = fmt.min_normal
        self.smallest_subnormal = fmt.min_subnormal
        self.maxexp = fmt.emax + 1  # NumPy counts the first power of two that overflows
        self.minexp = fmt.emin
        self.machep = -fmt.man_bits
        self.negep = -fmt.man_bits - 1
        self.precision = int(math.floor(fmt.man_bits * math.log10(2)))
        self.resolution = 10.0 ** -self.precision
        self.unit_roundoff = fmt.unit_roundoff

    def __repr__(self) -> str:
        rows = [("bits", self.bits), ("exponent bits", self.nexp), ("trailing bits", self.nmant),
                ("bias", self.format.bias), ("emin / emax", f"{self.format.emin} / {self.format.emax}"),
                ("eps", self.eps), ("unit roundoff", self.unit_roundoff), ("max", self.max),
                ("smallest normal", self.tiny), ("smallest subnormal", self.smallest_subnormal),
                ("decimal digits", self.precision), ("inf", self.format.has_inf),
                ("NaN", self.format.has_nan), ("special encodings", self.format.inf_nan)]
        body = "\n".join(f"  {name:20s} {value}" for name, value in rows)
        return f"Machine parameters for {self.format!r}\n{body}"


def _named(name: str, *args, **kwargs) -> FloatFormat:
    return FloatFormat(*args, name=name, **kwargs)


binary16 = _named("binary16", 5, 10)
binary32 = _named("binary32", 8, 23)
binary64 = _named("binary64", 11, 52)
bfloat16 = _named("bfloat16", 8, 7)
tf32 = _named("tf32", 8, 10)
e4m3fn = _named("e4m3fn", 4, 3, inf_nan="fn")
e5m2 = _named("e5m2", 5, 2)
e4m3fnuz = _named("e4m3fnuz", 4, 3, bias=8, inf_nan="fnuz")
e5m2fnuz = _named("e5m2fnuz", 5, 2, bias=16, inf_nan="fnuz")
# the OCP 8-bit IEEE-like formats, and the formats of the OCP Microscaling spec (v1.0)
e4m3 = _named("e4m3", 4, 3)
e3m4 = _named("e3m4", 3, 4)
e4m3b11fnuz = _named("e4m3b11fnuz", 4, 3, bias=11, inf_nan="fnuz")
e2m3fn = _named("e2m3fn", 2, 3, inf_nan="none")
e3m2fn = _named("e3m2fn", 3, 2, inf_nan="none")
e2m1fn = _named("e2m1fn", 2, 1, inf_nan="none")
e8m0fnu = _named("e8m0fnu", 8, 0, inf_nan="fn", subnormals=False, signed=False, has_zero=False)

NAMED_FORMATS = {f.name: f for f in (binary16, binary32, binary64, bfloat16, tf32, e4m3fn, e5m2,
                                     e4m3fnuz, e5m2fnuz, e4m3, e3m4, e4m3b11fnuz, e2m3fn, e3m2fn,
                                     e2m1fn, e8m0fnu)}
_ALIASES = {"half": "binary16", "float16": "binary16", "fp16": "binary16", "single": "binary32",
            "float32": "binary32", "fp32": "binary32", "double": "binary64", "float64": "binary64",
            "fp64": "binary64", "bf16": "bfloat16", "float8_e4m3fn": "e4m3fn",
            "float8_e5m2": "e5m2", "float8_e4m3fnuz": "e4m3fnuz", "float8_e5m2fnuz": "e5m2fnuz",
            "float8_e4m3": "e4m3", "float8_e3m4": "e3m4", "float8_e4m3b11fnuz": "e4m3b11fnuz",
            "float6_e2m3fn": "e2m3fn", "float6_e3m2fn": "e3m2fn", "float4_e2m1fn": "e2m1fn",
            "float8_e8m0fnu": "e8m0fnu", "fp8_e4m3": "e4m3fn", "fp8_e5m2": "e5m2",
            "fp6_e2m3": "e2m3fn", "fp6_e3m2": "e3m2fn", "fp4_e2m1": "e2m1fn", "e8m0": "e8m0fnu",
            "mxfp4": "e2m1fn"}

FloatFormatLike = Union[FloatFormat, str]


def parse_float_format(spec: FloatFormatLike) -> FloatFormat:
    """A named format (``"binary32"``, ``"bfloat16"``, ``"e4m3fn"``, ...) or ``"E<e>M<m>"``.

    Parameters
    ----------
    spec : FloatFormat or str
        A format (returned unchanged), a name of ``NAMED_FORMATS`` or an alias (``"float16"``,
        ``"fp32"``, ``"float8_e4m3fn"``, ...), or ``"E<e>M<m>"`` for an IEEE-style format.

    Returns
    -------
    FloatFormat

    Raises
    ------
    TypeError
        Neither a format nor a string.
    ValueError
        An unknown name.

    Examples
    --------
    >>> parse_float_format("float16") is binary16, parse_float_format("E5M7")
    (True, FloatFormat(exp_bits=5, man_bits=7, bias=15))
    >>> parse_float_format("float4_e2m1fn").max, parse_float_format("float8_e8m0fnu").min
    (6.0, 5.877471754111438e-39)
    """
    if isinstance(spec, FloatFormat):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"format must be a FloatFormat or a name such as 'binary32', got {spec!r}")
    key = spec.strip().lower()
    key = _ALIASES.get(key, key)
    if key in NAMED_FORMATS:
        return NAMED_FORMATS[key]
    match = re.fullmatch(r"e(\d+)m(\d+)", key)
    if match:
        return FloatFormat(int(match[1]), int(match[2]))
    names = ", ".join(NAMED_FORMATS)
    raise ValueError(f"unknown float format {spec!r}: use one of {names}, or 'E<e>M<m>'")

