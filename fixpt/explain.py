"""``fixpt.explain``: show how a value is stored in a float or fixed-point format.

>>> print(explain("0x40C00000", "binary32"))
binary32: 1 sign bit, 8 exponent bits, 23 fraction bits, bias 127
  bits      0 | 1000 0001 | 1000 0000 0000 0000 0000 000
  hex       0x40c00000
  sign      0 (+)
  exponent  field 129, unbiased 129 - 127 = 2
  fraction  0x400000: significand 1.10000000000000000000000 (binary) = 1.5
  value     (-1)^0 x 1.5 x 2^2 = 6
  class     normal
"""
from __future__ import annotations

from fractions import Fraction
from typing import Callable, Union

import numpy as np

from fixpt.convert import to_raw
from fixpt.floatformat import FloatFormat, parse_float_format
from fixpt.floats import decompose_bits, from_bits, to_bits
from fixpt.formats import FixedFormat, parse_format
from fixpt.modes import RoundMode

AnyFormat = Union[FloatFormat, FixedFormat, str]


def resolve_format(fmt: AnyFormat) -> Union[FloatFormat, FixedFormat]:
    """A FloatFormat or FixedFormat from an object or a name ('binary32', 'Q4.12', ...)."""
    if isinstance(fmt, (FloatFormat, FixedFormat)):
        return fmt
    try:
        return parse_float_format(fmt)
    except ValueError:
        pass
    try:
        return parse_format(fmt)
    except ValueError:
        raise ValueError(f"format={fmt!r} is neither a float format name (binary32, bfloat16, "
                         f"e4m3fn, E5M10, ...) nor a fixed-point format (Q4.12, UQ8.0, s16/12)") from None


def exact_decimal(value: Fraction) -> str:
    """All digits of a dyadic rational (every binary value has a finite decimal expansion)."""
    if value.denominator & (value.denominator - 1):
        return str(float(value))
    sign = "-" if value < 0 else ""
    num, den = abs(value.numerator), value.denominator
    k = den.bit_length() - 1
    digits = str(num * 5**k)
    if k == 0:
        return sign + digits
    digits = digits.rjust(k + 1, "0")
    text = f"{sign}{digits[:-k]}.{digits[-k:]}".rstrip("0").rstrip(".")
    if len(text) > 64:  # too many digits to read: the float and the exact dyadic form
        return f"{float(value)!r} (exactly {sign}{num} x 2^-{k})"
    return text


def _group(bits: str, size: int = 4) -> str:
    return " ".join(bits[i:i + size] for i in range(0, len(bits), size))


def _parse_value(value) -> tuple[str, object]:
    """('bits', int) for '0x..'/'0b..' strings, ('real', float) otherwise."""
    if isinstance(value, str):
        text = value.strip().lower().replace("_", "")
        if text.startswith(("0x", "0b", "-0x", "-0b")) and not text.startswith("-"):
            return "bits", int(text, 0)
        try:
            return "real", float(text)
        except ValueError:
            raise ValueError(f"value={value!r} is neither a number nor a 0x/0b encoding") from None
    if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool):
        return "real", float(value)
    raise TypeError(f"value must be a number or a '0x...' / '0b...' string, got {value!r}")


class Explanation:
    """The text of an explanation; ``str()`` or ``print()`` it."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def __str__(self) -> str:
        return "\n".join(self.lines)

    __repr__ = __str__


def _rounding_section(x: float, below: tuple[float, str], above: tuple[float, str],
                      round_with: Callable[[str], tuple[float, str]], name: str) -> list[str]:
    """Neighbours, guard/round/sticky bits and every mode's choice for an inexact input."""
    lines = [f"{exact_decimal(Fraction(x))} is not a {name} value; its neighbours are",
             f"  below     {below[1]}", f"  above     {above[1]}"]
    lo, hi = below[0], above[0]
    if np.isfinite(lo) and np.isfinite(hi):
        frac = (Fraction(x) - Fraction(lo)) / (Fraction(hi) - Fraction(lo))
        guard, rnd = int(frac * 2) % 2, int(frac * 4) % 2
        sticky = int((frac * 4).denominator != 1)
        lines.append(f"  position  {float(frac):.6g} of the way from below to above "
                     f"(guard {guard}, round {rnd}, sticky {sticky})")
    else:
        frac = None
    lines.append("  rounding")
    for mode in RoundMode:
        label = mode.name.lower()
        if mode == RoundMode.STOCHASTIC:
            lines.append(f"    {label:17s} above with probability {float(frac):.6g}, "
                         f"below with {float(1 - frac):.6g}" if frac is not None else
                         f"    {label:17s} above or below at random (a neighbour is not finite)")
        elif mode == RoundMode.STOCHASTIC_EQUAL:
            lines.append(f"    {label:17s} above or below, probability 1/2 each")
        elif not mode.is_stochastic:
            value, text = round_with(label)
            where = "below" if value == lo else "above" if value == hi else "overflow:"
            lines.append(f"    {label:17s} {where} {text if where == 'overflow:' else ''}".rstrip())
    return lines


def _float_layout(bits: int, fmt: FloatFormat) -> list[str]:
    f = decompose_bits(bits, fmt)
    sign, field, exponent = int(f.sign), int(f.biased_exponent), int(f.exponent)
    trailing, cls = int(f.trailing), str(f.class_names)
    M, E = fmt.man_bits, fmt.exp_bits
    text = format(bits, f"0{fmt.width}b")
    frac_bits = text[1 + E:]
    digits = (fmt.width + 3) // 4
    lines = [
        f"  bits      {text[0]} | {_group(text[1:1 + E])} | {_group(frac_bits) or '(none)'}",
        f"  hex       0x{bits:0{digits}x}",
        f"  sign      {sign} ({'-' if sign else '+'})",
    ]
    if cls in ("normal", "subnormal", "zero"):
        hidden = "1" if cls == "normal" else "0"
        significand = Fraction(int(f.significand), 2**M)
        if cls == "normal":
            lines.append(f"  exponent  field {field}, unbiased {field} - {fmt.bias} = {exponent}")
        else:
            lines.append(f"  exponent  field 0: {cls}, exponent emin = 1 - {fmt.bias} = {exponent}")
        lines.append(f"  fraction  0x{trailing:x}: significand {hidden}.{frac_bits or '0'} (binary) "
                     f"= {exact_decimal(significand)}")
        value = (-1) ** sign * significand * Fraction(2) ** exponent
        lines.append(f"  value     (-1)^{sign} x {exact_decimal(significand)} x 2^{exponent} "
                     f"= {exact_decimal(value)}")
    else:
        lines.append(f"  exponent  field {field} (all ones)" if fmt.inf_nan == "ieee"
                     else f"  exponent  field {field}")
        lines.append(f"  fraction  0x{trailing:x}")
        lines.append(f"  value     {float(from_bits(bits, fmt))}")
    lines.append(f"  class     {cls}")
    return lines


def _explain_float(kind: str, value, fmt: FloatFormat) -> list[str]:
    head = (f"{fmt!r}: 1 sign bit, {fmt.exp_bits} exponent bits, {fmt.man_bits} fraction bits, "
            f"bias {fmt.bias}")
    if kind == "bits":
        if not 0 <= value < 1 << fmt.width:
            raise ValueError(f"value=0x{value:x} is not a {fmt.width}-bit encoding of {fmt!r}")
        return [head] + _float_layout(value, fmt)
    x = value
    bits = int(to_bits(x, fmt))
    rounded = float(from_bits(bits, fmt))
    lines = [head]
    if rounded == x or (np.isnan(x) and np.isnan(rounded)):
        return lines + _float_layout(bits, fmt)

    def describe(b: int) -> tuple[float, str]:
        v = float(from_bits(b, fmt))
        shown = exact_decimal(Fraction(v)) if np.isfinite(v) else str(v)
        return v, f"{shown}  (0x{b:0{(fmt.width + 3) // 4}x})"

    lines += _rounding_section(
        x, describe(int(to_bits(x, fmt, rounding="floor"))), describe(int(to_bits(x, fmt, rounding="ceil"))),
        lambda mode: describe(int(to_bits(x, fmt, rounding=mode))), repr(fmt))
    lines.append(f"nearest_even gives {describe(bits)[1]}:")
    return lines + _float_layout(bits, fmt)


def _fixed_layout(raw: int, fmt: FixedFormat) -> list[str]:
    wl, fl = fmt.wl, fmt.fl
    pattern = format(raw & ((1 << wl) - 1), f"0{wl}b")
    if 0 < fl < wl:
        shown = pattern[:wl - fl] + "." + pattern[wl - fl:]
    else:
        shown = f"{pattern}  (x 2^{-fl})"
    weights = []
    terms = []
    for j, bit in enumerate(pattern):
        power = wl - 1 - j - fl
        weight = Fraction(2) ** power * (-1 if fmt.signed and j == 0 else 1)
        weights.append(exact_decimal(weight) if abs(power) < 4 else f"{'-' if weight < 0 else ''}2^{power}")
        if bit == "1":
            terms.append(exact_decimal(weight))
    value = fmt.value_of(raw)
    total = " + ".join(terms).replace("+ -", "- ") or "0"
    return [
        f"  raw       {raw}",
        f"  bits      {shown}",
        f"  hex       0x{raw & ((1 << wl) - 1):0{(wl + 3) // 4}x}",
        f"  weights   {'  '.join(weights)}",
        f"  value     {total} = {exact_decimal(value)}   (raw {raw} x 2^{-fl})",
    ]


def _explain_fixed(kind: str, value, fmt: FixedFormat) -> list[str]:
    kind_text = "signed two's complement" if fmt.signed else "unsigned"
    head = [f"{fmt!r}: {fmt.wl}-bit {kind_text}, IL = {fmt.il} integer bits"
            f"{' (sign included)' if fmt.signed else ''}, FL = {fmt.fl} fraction bits",
            f"  step {exact_decimal(Fraction(2) ** -fmt.fl)}, range "
            f"[{exact_decimal(fmt.exact_min)}, {exact_decimal(fmt.exact_max)}]"]
    if kind == "bits":
        if not 0 <= value < 1 << fmt.wl:
            raise ValueError(f"value=0x{value:x} is not a {fmt.wl}-bit pattern of {fmt!r}")
        raw = value - (1 << fmt.wl) if fmt.signed and value >> (fmt.wl - 1) else value
        return head + _fixed_layout(raw, fmt)
    x = value
    raw = int(to_raw(x, fmt)[0])
    if fmt.value_of(raw) == Fraction(x):
        return head + _fixed_layout(raw, fmt)

    def describe(r: int) -> tuple[float, str]:
        return float(fmt.value_of(r)), f"{exact_decimal(fmt.value_of(r))}  (raw {r})"

    def round_with(mode: str) -> tuple[float, str]:
        r, status = to_raw(x, fmt, rounding=mode)
        v, text = describe(int(r))
        return (v, text) if not status.n_overflow else (np.inf, text + " after saturating")

    lines = head + _rounding_section(x, describe(int(to_raw(x, fmt, rounding="floor")[0])),
                                     describe(int(to_raw(x, fmt, rounding="ceil")[0])),
                                     round_with, repr(fmt))
    lines.append(f"nearest_even gives {describe(raw)[1]}:")
    return lines + _fixed_layout(raw, fmt)


def explain(value, fmt: AnyFormat = "binary32") -> Explanation:
    """Explain how ``value`` is stored in ``fmt``: bit layout, fields, formula, class, and for
    a value that is not representable its neighbours and what each rounding mode picks.

    ``value`` is a number, or a ``"0x..."`` / ``"0b..."`` string read as an encoding of
    ``fmt`` (raw two's complement bits for fixed-point formats).

    >>> print(explain(1.75, "Q3.2"))
    Q(3,2): 5-bit signed two's complement, IL = 3 integer bits (sign included), FL = 2 fraction bits
      step 0.25, range [-4, 3.75]
      raw       7
      bits      001.11
      hex       0x07
      weights   -4  2  1  0.5  0.25
      value     1 + 0.5 + 0.25 = 1.75   (raw 7 x 2^-2)
    """
    fmt = resolve_format(fmt)
    kind, parsed = _parse_value(value)
    if isinstance(fmt, FloatFormat):
        return Explanation(_explain_float(kind, parsed, fmt))
    return Explanation(_explain_fixed(kind, parsed, fmt))
