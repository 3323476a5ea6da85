"""``fixpt.explain``: show how a value is stored in a float or fixed-point format.

Examples
--------
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

import math
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Callable, Union

import numpy as np

from fixpt.convert.exact import parse_string, parse_value
from fixpt.convert.fixed import to_raw
from fixpt.convert.floating import decompose_bits, from_bits, next_down, next_up, to_bits, ulp
from fixpt.formats import FixedFormat, FloatFormat, OverflowMode, RoundMode, parse_float_format, parse_format

AnyFormat = Union[FloatFormat, FixedFormat, str]


def resolve_format(fmt: AnyFormat) -> Union[FloatFormat, FixedFormat]:
    """A FloatFormat or FixedFormat from an object or a name ('binary32', 'Q4.12', ...).

    Parameters
    ----------
    fmt : FloatFormat, FixedFormat or str

    Returns
    -------
    FloatFormat or FixedFormat

    Raises
    ------
    ValueError
        A name of neither kind.

    Examples
    --------
    >>> resolve_format("bf16"), resolve_format("s16/12")
    (bfloat16, Q(4,12))
    """
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


def _scientific(value: Fraction, digits: int = 17) -> str:
    """An approximation: the nearest float64's repr, or ``digits`` significant digits in
    scientific notation beyond float64's range."""
    try:
        near = float(value)
    except OverflowError:
        near = math.inf
    if math.isfinite(near) and (near != 0 or value == 0):
        return repr(near)
    with localcontext() as ctx:
        ctx.prec = digits
        return f"{Decimal(value.numerator) / Decimal(value.denominator):.{digits - 1}e}"


def _short(value: Fraction, digits: int) -> str:
    """``digits`` significant digits of a ratio of any size (beyond float64's range too)."""
    near = _scientific(value, digits)
    as_float = float(near)
    if value != 0 and (as_float == 0 or not math.isfinite(as_float)):
        return near                    # beyond float64: the digits in scientific notation
    return f"{as_float:.{digits}g}"


def exact_decimal(value: Fraction) -> str:
    """All digits of a rational whose denominator has no prime factor but 2 and 5 (every binary
    value has a finite decimal expansion); other rationals as p/q with an approximation; very
    long expansions shortened, with their exact form beside them.

    Parameters
    ----------
    value : fractions.Fraction

    Returns
    -------
    str

    Examples
    --------
    >>> exact_decimal(Fraction(3, 8)), exact_decimal(Fraction(1, 10)), exact_decimal(Fraction(1, 3))
    ('0.375', '0.1', '1/3 (about 0.3333333333333333)')
    """
    sign = "-" if value < 0 else ""
    num, den = abs(value.numerator), value.denominator
    twos = (den & -den).bit_length() - 1
    rest, fives = den >> twos, 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return f"{sign}{_int_text(num)}/{_int_text(den)} (about {_scientific(value)})"
    k = max(twos, fives)
    # digits of num * 10**k // den, estimated first: Python refuses str() of huge integers
    if (num.bit_length() - den.bit_length()) * 0.302 + k > 80:
        return _long_form(value, sign, num, den, twos)
    digits = str(num * 10**k // den)
    if k:
        digits = digits.rjust(k + 1, "0")
        text = f"{sign}{digits[:-k]}.{digits[-k:]}".rstrip("0").rstrip(".")
    else:
        text = sign + digits
    return text if len(text) <= 64 else _long_form(value, sign, num, den, twos)


def _int_text(n: int) -> str:
    """An integer's digits, or its size when it has too many digits to print."""
    return str(n) if n.bit_length() <= 1000 else f"a {n.bit_length()}-bit integer"


def _long_form(value: Fraction, sign: str, num: int, den: int, twos: int) -> str:
    """Too many digits to read: an approximation and the exact form."""
    if den == 1:
        exact = f"2^{num.bit_length() - 1}" if num & (num - 1) == 0 else _int_text(num)
        return f"{sign}{_scientific(Fraction(num))} (exactly {sign}{exact})"
    if den == 1 << twos:
        return f"{_scientific(value)} (exactly {sign}{_int_text(num)} x 2^-{twos})"
    k = max(twos, den.bit_length())  # den = 2^a 5^b divides 10^k for k >= a, b
    k = next(j for j in range(max(twos, 0), k + 1) if (10**j) % den == 0)
    return f"{_scientific(value)} (exactly {sign}{_int_text(num * 10**k // den)} x 10^-{k})"


def _group(bits: str, size: int = 4) -> str:
    return " ".join(bits[i:i + size] for i in range(0, len(bits), size))


def _parse_value(value) -> tuple[str, object]:
    """('bits', int) for '0x..'/'0b..' strings, ('real', exact value) otherwise: a Fraction, or a
    float for NaN, +-inf and +-0 (decimal strings are read exactly, never through float64)."""
    if isinstance(value, str):
        text = value.strip().lower().replace("_", "")
        if text.startswith(("0x", "0b")):
            try:
                return "bits", int(text, 0)
            except ValueError:
                raise ValueError(f"value={value!r} is not a valid 0x.../0b... encoding") from None
        try:
            return "real", parse_string(value, "value")
        except ValueError:
            raise ValueError(f"value={value!r} is neither a number nor a 0x/0b encoding") from None
    if isinstance(value, (float, int, np.floating, np.integer, Fraction, Decimal)) \
            and not isinstance(value, (bool, np.bool_)):
        return "real", parse_value(value, "value")
    raise TypeError(f"value must be a number or a '0x...' / '0b...' string, got {value!r}")


def _is_special(x) -> bool:
    return isinstance(x, float) and not math.isfinite(x)


def _exact(x) -> Fraction:
    return Fraction(x)  # finite: a Fraction, or a float zero


class Explanation:
    """The text of an explanation; ``str()`` or ``print()`` it, or read its ``lines``.

    Examples
    --------
    >>> explain("0x3c00", "binary16").lines[-1]
    '  class     normal'
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def __str__(self) -> str:
        return "\n".join(self.lines)

    __repr__ = __str__


def _error_text(error: Fraction, x: Fraction, gap: Fraction) -> str:
    """A rounding error: absolute (exact when short), relative to x, and in units of the gap."""
    sign = "+" if error >= 0 else "-"
    shown = exact_decimal(abs(error))
    if len(shown) > 20:
        shown = _scientific(abs(error), 6)
    relative = _short(abs(error) / abs(x), 3) if x else "0"
    return f"error {sign}{shown} (relative {sign}{relative}, {sign}{_short(abs(error) / gap, 6)} ulp)"


def _rounding_section(x: Fraction, below: tuple[float, str], above: tuple[float, str],
                      round_with: Callable[[str], tuple[float, str]], name: str) -> list[str]:
    """Neighbours, guard/round/sticky bits and every mode's choice, with its error (absolute,
    relative and in ulps of the gap between the neighbours), for an inexact input."""
    lines = [f"{exact_decimal(x)} is not a {name} value; its neighbours are",
             f"  below     {below[1]}", f"  above     {above[1]}"]
    lo, hi = below[0], above[0]
    gap = None
    if np.isfinite(lo) and np.isfinite(hi):
        gap = Fraction(hi) - Fraction(lo)
        frac = (x - Fraction(lo)) / gap
        # guard, round and sticky belong to the magnitude: measured from the neighbour
        # toward zero, as a hardware rounder sees the bits it drops
        magnitude = frac if x > 0 else 1 - frac
        guard, rnd = int(magnitude * 2) % 2, int(magnitude * 4) % 2
        sticky = int((magnitude * 4).denominator != 1)
        where = f"  position  {float(frac):.6g} of the way from below to above"
        if x < 0:
            where += f"; |x| is {float(magnitude):.6g} of the way from |above| to |below|"
        lines.append(f"{where} (guard {guard}, round {rnd}, sticky {sticky})")
    else:
        frac = None
    lines.append("  rounding")
    for mode in RoundMode:
        label = mode.name.lower()
        if mode == RoundMode.STOCHASTIC:
            lines.append(f"    {label:17s} above with probability {float(frac):.6g}, "
                         f"below with {float(1 - frac):.6g}: expected error 0 (unbiased)"
                         if frac is not None else
                         f"    {label:17s} above or below at random (a neighbour is not finite)")
        elif mode == RoundMode.STOCHASTIC_EQUAL:
            lines.append(f"    {label:17s} above or below, probability 1/2 each")
        elif not mode.is_stochastic:
            value, text = round_with(label)
            where = "below" if value == lo else "above" if value == hi else "overflow:"
            if where == "overflow:":
                lines.append(f"    {label:17s} overflow: {text}")
            elif gap is not None:
                lines.append(f"    {label:17s} {where}  {_error_text(Fraction(value) - x, x, gap)}")
            else:
                lines.append(f"    {label:17s} {where}")
    return lines


def _neighbour_lines(value: Fraction, below: tuple[float, str], above: tuple[float, str],
                     unit: Fraction) -> list[str]:
    """For a value that is exact: its ulp, its neighbours and the gaps to them."""
    power = unit.denominator.bit_length() - 1 if unit.numerator == 1 else unit.numerator.bit_length() - 1
    sign = "-" if unit.numerator == 1 and unit != 1 else ""
    lines = [f"  ulp       {exact_decimal(unit)} = 2^{sign}{power}"]
    for side, (v, text) in (("below", below), ("above", above)):
        if not np.isfinite(v):
            lines.append(f"  {side:9s} none: the {'smallest' if side == 'below' else 'largest'} finite value")
        else:
            lines.append(f"  {side:9s} {text}, {exact_decimal(abs(Fraction(v) - value))} away")
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
    bits = int(to_bits([x], fmt)[0])
    rounded = float(from_bits(bits, fmt))
    lines = [head]
    def describe(b: int) -> tuple[float, str]:
        v = float(from_bits(b, fmt))
        shown = exact_decimal(Fraction(v)) if np.isfinite(v) else str(v)
        return v, f"{shown}  (0x{b:0{(fmt.width + 3) // 4}x})"

    if _is_special(x) or (np.isfinite(rounded) and Fraction(rounded) == _exact(x)):
        if _is_special(x) and not fmt.has_inf and not math.isnan(x):
            lines.append(f"{fmt!r} has no inf: {x} is stored as "
                         f"{'the largest finite value' if fmt.overflow == 'saturate' else 'NaN'}")
        lines += _float_layout(bits, fmt)
        if np.isfinite(rounded):
            with np.errstate(all="ignore"):
                down, up = next_down([rounded], fmt)[0], next_up([rounded], fmt)[0]
            lines += _neighbour_lines(Fraction(rounded), describe(int(to_bits([down], fmt)[0])) if np.isfinite(down)
                                      else (down, ""), describe(int(to_bits([up], fmt)[0])) if np.isfinite(up)
                                      else (up, ""), Fraction(float(ulp([rounded], fmt)[0])))
        return lines

    def encode(mode: str) -> int:
        return int(to_bits([x], fmt, rounding=mode)[0])

    lines += _rounding_section(_exact(x), describe(encode("floor")), describe(encode("ceil")),
                               lambda mode: describe(encode(mode)), repr(fmt))
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
    if isinstance(x, float) and math.isnan(x):
        return head + ["  NaN has no fixed-point value: fixpt.array and to_raw raise ValueError",
                       "  (nan='zero' maps it to 0, as some hardware does)"]
    if _is_special(x):
        return head + _overflow_section(x, fmt)
    scaled = _exact(x) * Fraction(2) ** fmt.fl
    below_raw, above_raw = math.floor(scaled), math.ceil(scaled)
    if below_raw > fmt.raw_max or above_raw < fmt.raw_min:  # both neighbours out of range
        return head + _overflow_section(x, fmt)
    raw = int(to_raw([x], fmt)[0][0])

    def describe(r: int) -> tuple[float, str]:
        inside = fmt.raw_min <= r <= fmt.raw_max
        return float(fmt.value_of(r)), (f"{exact_decimal(fmt.value_of(r))}  (raw {r}"
                                        f"{'' if inside else ', outside the range'})")

    if below_raw == above_raw:
        edge = (-np.inf, ""), (np.inf, "")
        return head + _fixed_layout(raw, fmt) + _neighbour_lines(
            fmt.value_of(raw), describe(raw - 1) if raw > fmt.raw_min else edge[0],
            describe(raw + 1) if raw < fmt.raw_max else edge[1], Fraction(2) ** -fmt.fl)

    def round_with(mode: str) -> tuple[float, str]:
        r, status = to_raw([x], fmt, rounding=mode)
        v, text = describe(int(r[0]))
        return (v, text) if not status.n_overflow else (np.inf, text + " after saturating")

    lines = head + _rounding_section(_exact(x), describe(below_raw), describe(above_raw),
                                     round_with, repr(fmt))
    lines.append(f"nearest_even gives {describe(raw)[1]}:")
    return lines + _fixed_layout(raw, fmt)


def _overflow_section(x, fmt: FixedFormat) -> list[str]:
    """What each overflow mode does with a value beyond the range (after nearest_even)."""
    shown = str(x) if _is_special(x) else exact_decimal(_exact(x))
    lines = [f"{shown} is outside the range of {fmt!r}; each overflow mode gives"]
    for mode in OverflowMode:
        label = mode.name.lower()
        if mode == OverflowMode.RAISE:
            lines.append(f"    {label:19s} OverflowError (nothing is stored)")
            continue
        if mode == OverflowMode.WRAP and _is_special(x):
            lines.append(f"    {label:19s} ValueError: an infinity has no low bits to keep")
            continue
        r = int(to_raw([x], fmt, overflow=label)[0][0])
        text = f"{exact_decimal(fmt.value_of(r))}  (raw {r})"
        if mode == OverflowMode.WRAP:
            exact_raw = round(_exact(x) * 2**fmt.fl)  # nearest_even, as the cast rounds first
            bits = format(exact_raw & ((1 << fmt.wl) - 1), f"0{fmt.wl}b")
            whole = exact_decimal(Fraction(exact_raw))
            text += f": the low {fmt.wl} bits {_group(bits)} of the rounded raw integer {whole}"
        lines.append(f"    {label:19s} {text}")
    return lines


def _stored(x, fmt) -> tuple[object, str, str, object]:
    """(stored value, its bits, a note, the gap between x's neighbours) under nearest_even
    (saturating for fixed point)."""
    if isinstance(fmt, FloatFormat):
        with np.errstate(all="ignore"):
            bits = int(to_bits([x], fmt)[0])
            stored = float(from_bits(bits, fmt))
            gap = None
            if not _is_special(x):
                lo = float(from_bits(int(to_bits([x], fmt, rounding="floor")[0]), fmt))
                hi = float(from_bits(int(to_bits([x], fmt, rounding="ceil")[0]), fmt))
                gap = Fraction(hi) - Fraction(lo) if np.isfinite(lo) and np.isfinite(hi) and hi != lo else None
        return stored, f"0x{bits:0{(fmt.width + 3) // 4}x}", "" if np.isfinite(stored) or _is_special(x) \
            else "overflow", gap
    if isinstance(x, float) and math.isnan(x):
        return None, "", "NaN has no fixed-point value", None
    raw_array, status = to_raw([x], fmt)
    raw = int(raw_array[0])
    note = "saturated" if status.n_overflow else ""
    return fmt.value_of(raw), f"0x{raw & ((1 << fmt.wl) - 1):0{(fmt.wl + 3) // 4}x}", note, Fraction(2) ** -fmt.fl


def _side_by_side(value, formats: list) -> list[str]:
    """One value in several formats: what nearest_even stores and the error, in one table."""
    kind, x = _parse_value(value)
    if kind == "bits":
        raise ValueError("an encoding (0x.../0b...) belongs to one format; give a number to compare formats")
    shown = str(x) if _is_special(x) else exact_decimal(_exact(x))
    rows = [("format", "stored (nearest_even)", "bits", "error", "relative", "ulps")]
    for fmt in formats:
        stored, bits, note, gap = _stored(x, fmt)
        if stored is None:
            rows.append((repr(fmt), note, "", "", "", ""))
            continue
        finite = np.isfinite(float(stored)) and not _is_special(x)
        text = exact_decimal(Fraction(stored)) if finite else str(float(stored))
        if note:
            text += f" ({note})"
        if finite:
            error = Fraction(stored) - _exact(x)
            sign = "+" if error > 0 else "-" if error < 0 else ""
            absolute = exact_decimal(abs(error))
            absolute = _scientific(abs(error), 6) if len(absolute) > 20 else absolute
            relative = f"{sign}{_short(abs(error) / abs(_exact(x)), 3)}" if x else "0"
            ulps = f"{sign}{_short(abs(error) / gap, 4)}" if gap and not note else ("0" if not error else "")
            rows.append((repr(fmt), text, bits, f"{sign}{absolute}", relative, ulps))
        else:
            rows.append((repr(fmt), text, bits, "", "", ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"{shown} in {len(formats)} formats:"]
    lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    return lines


def _formats_of(fmt) -> list:
    """A list of formats for a comma-separated name or a list/tuple, else None."""
    if isinstance(fmt, str) and "," in fmt:
        return [resolve_format(name.strip()) for name in fmt.split(",") if name.strip()]
    if isinstance(fmt, (list, tuple)):
        return [resolve_format(f) for f in fmt]
    return None


def explain(value, fmt: AnyFormat = "binary32") -> Explanation:
    """Explain how ``value`` is stored in ``fmt``: bit layout, fields, formula, class; for a
    value that is not representable, its neighbours, the guard, round and sticky bits (of the
    magnitude) and what each rounding mode picks; for a value beyond a fixed format's range,
    what each overflow mode gives.

    Parameters
    ----------
    value : number or str
        A number (decimal strings, fractions and big integers are read exactly), or a
        ``"0x..."`` / ``"0b..."`` string read as an encoding of ``fmt`` (raw two's complement
        bits for fixed-point formats).
    fmt : FloatFormat, FixedFormat, str, or a list of them
        Default ``"binary32"``. Several formats (a list, or names separated by commas) give
        one table: what each stores (nearest_even; saturating for fixed point) and the error.

    Returns
    -------
    Explanation

    Raises
    ------
    TypeError, ValueError
        A value that is neither a number nor an encoding, an encoding wider than the format,
        an unknown format.

    Examples
    --------
    >>> print(explain(1.75, "Q3.2"))
    Q(3,2): 5-bit signed two's complement, IL = 3 integer bits (sign included), FL = 2 fraction bits
      step 0.25, range [-4, 3.75]
      raw       7
      bits      001.11
      hex       0x07
      weights   -4  2  1  0.5  0.25
      value     1 + 0.5 + 0.25 = 1.75   (raw 7 x 2^-2)
      ulp       0.25 = 2^-2
      below     1.5  (raw 6), 0.25 away
      above     2  (raw 8), 0.25 away
    >>> print(explain("0.1", "binary16,bfloat16,Q4.12"))
    0.1 in 3 formats:
      format    stored (nearest_even)  bits    error             relative   ulps
      binary16  0.0999755859375        0x2e66  -0.0000244140625  -0.000244  -0.4
      bfloat16  0.10009765625          0x3dcd  +0.00009765625    +0.000977  +0.2
      Q(4,12)   0.10009765625          0x019a  +0.00009765625    +0.000977  +0.4
    """
    several = _formats_of(fmt)
    if several is not None:
        return Explanation(_side_by_side(value, several))
    fmt = resolve_format(fmt)
    kind, parsed = _parse_value(value)
    if isinstance(fmt, FloatFormat):
        return Explanation(_explain_float(kind, parsed, fmt))
    return Explanation(_explain_fixed(kind, parsed, fmt))
