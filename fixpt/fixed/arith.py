"""Exact elementwise arithmetic on raw integers: result formats and one-pass casts.

Full precision by default (no information lost):

* ``a + b``, ``a - b``: ``Q(max(IL) + 1, max(FL))`` (an unsigned operand counts one more
  integer bit when the result is signed; a difference is always signed);
* ``a * b``: ``Q(ILa + ILb, FLa + FLb)`` (unsigned only when both are unsigned);
* ``-a``, ``abs(a)``: one more integer bit, signed.

With ``out_format=`` the exact result (up to 128 bits wide) is rounded and overflow-handled
once, in the same C loop.

Examples
--------
>>> from fixpt.formats import Q, UQ
>>> sum_format(Q(4, 12), Q(2, 14)), sum_format(UQ(4, 4), Q(4, 4)), product_format(Q(4, 12), Q(4, 12))
(Q(5,14), Q(6,4), Q(8,24))
"""
from __future__ import annotations

from typing import Optional

import numpy as np


from fixpt import _binding
from fixpt.base.shapes import broadcast_arrays
from fixpt.base.status import CastStatus
from fixpt.convert.fixed import apply_policies
from fixpt.convert.rng import SeedLike
from fixpt.convert.spec import CastSpec
from fixpt.formats import FixedFormat, FormatLike, OverflowLike, RoundLike, parse_format

MAX_ALIGN = 63


def sum_format_parts(fa: FixedFormat, fb: FixedFormat, subtract: bool = False):
    signed = fa.signed or fb.signed or subtract
    if signed:
        il = max(fa.il + (not fa.signed), fb.il + (not fb.signed)) + 1
    else:
        il = max(fa.il, fb.il) + 1
    return il, max(fa.fl, fb.fl), signed


def product_format_parts(fa: FixedFormat, fb: FixedFormat):
    return fa.il + fb.il, fa.fl + fb.fl, fa.signed or fb.signed


def unary_format_parts(fa: FixedFormat, op: str):
    if op == "abs" and not fa.signed:
        return fa.il, fa.fl, False
    return fa.il + 1, fa.fl, True


def to_format(parts, what: str) -> FixedFormat:
    """The full-precision format, or a clear error when it needs more than 64 bits."""
    il, fl, signed = parts
    if il + fl > 64:
        raise ValueError(
            f"the exact result of {what} needs {'Q' if signed else 'UQ'}({il},{fl}), "
            f"{il + fl} bits, more than the 64 a FixedArray holds; pass out_format= to round it "
            f"into a narrower format in the same pass"
        )
    return FixedFormat(il, fl, signed)


def sum_format(fa: FixedFormat, fb: FixedFormat, subtract: bool = False) -> FixedFormat:
    """Full-precision format of a + b (or a - b)."""
    return to_format(sum_format_parts(fa, fb, subtract), "a - b" if subtract else "a + b")


def product_format(fa: FixedFormat, fb: FixedFormat) -> FixedFormat:
    """Full-precision format of a * b."""
    return to_format(product_format_parts(fa, fb), "a * b")


def run(op: str, a_raw: np.ndarray, a_fmt: FixedFormat, b_raw: Optional[np.ndarray],
        b_fmt: Optional[FixedFormat], out_format: Optional[FormatLike] = None, *,
        rounding: RoundLike = "nearest_even", overflow: OverflowLike = "saturate",
        seed: SeedLike = None, mask: bool = False) -> tuple[np.ndarray, FixedFormat, CastStatus]:
    """Compute ``cast(a op b)`` in C; returns (raw, format, status); the status counts divisions
    by zero."""
    if op in ("add", "sub"):
        parts = sum_format_parts(a_fmt, b_fmt, op == "sub")
        exact_fl = parts[1]
        a_align, b_align = exact_fl - a_fmt.fl, exact_fl - b_fmt.fl
    elif op == "mul":
        parts = product_format_parts(a_fmt, b_fmt)
        exact_fl, a_align, b_align = parts[1], 0, 0
    elif op in ("neg", "abs"):
        parts = unary_format_parts(a_fmt, op)
        exact_fl, a_align, b_align = a_fmt.fl, 0, 0
    elif op == "copy":
        parts = (a_fmt.il, a_fmt.fl, a_fmt.signed)
        exact_fl, a_align, b_align = a_fmt.fl, 0, 0
    elif op == "div":
        if out_format is None:
            raise TypeError("fixpt.divide needs out_format=: a quotient has no finite exact format")
        out = parse_format(out_format)
        s = out.fl - a_fmt.fl + b_fmt.fl
        parts, exact_fl = None, out.fl
        a_align, b_align = max(s, 0), max(-s, 0)
    else:
        raise ValueError(f"unknown operation {op!r}")
    fmt = parse_format(out_format) if out_format is not None else to_format(parts, f"a {op} b")
    if max(a_align, b_align) > MAX_ALIGN:
        raise ValueError(
            f"the binary points of {a_fmt!r} and {b_fmt!r} are {max(a_align, b_align)} bits apart "
            f"for {op}; at most {MAX_ALIGN} are supported"
        )
    spec = CastSpec.resolve(fmt, rounding, overflow, seed)
    if out_format is None:
        # the exact format holds every result: no overflow mode may touch it (saturate_symmetric
        # would otherwise clamp the format's most negative value, which is a valid result)
        spec = spec.exact()
    if b_raw is not None:
        a_raw, b_raw = broadcast_arrays(a_raw, b_raw)
    raw, status = _binding.elementwise(op, a_raw, b_raw, spec, fmt.fl - exact_fl, a_align=a_align,
                                       b_align=b_align, mask=mask)
    apply_policies(status, spec.overflow_mode)
    return raw, fmt, status


def compare_sign(a_raw: np.ndarray, a_fmt: FixedFormat, b_raw: np.ndarray,
                 b_fmt: FixedFormat) -> np.ndarray:
    """Sign (-1, 0, 1) of the exact difference a - b, for any two formats.

    Round-to-odd keeps every nonzero difference nonzero, and saturating into Q(2, 0)
    keeps its sign, so the result is exact whatever the widths.
    """
    raw, _, _ = run("sub", a_raw, a_fmt, b_raw, b_fmt, FixedFormat(2, 0, True),
                    rounding="odd", overflow="saturate")
    return np.sign(raw)
