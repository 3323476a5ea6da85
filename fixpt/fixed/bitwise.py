"""Bitwise operations on the raw words: ``~x``, ``x & m``, ``x | m``, ``x ^ m``.

A fixed-point value is its word of WL bits (two's complement when signed), and these act on
the words themselves, as the logic of a datapath does: the result has the operands' format,
exactly (no rounding, nothing can overflow). Both operands must be in one format (a mask
is built with :func:`fixpt.from_raw` or :func:`fixpt.from_hex`); a Python number is refused,
because "``x & 3``" could mean the raw bits 0b11 or the value 3.

This is how a teaching page shows "complement and add one": ``-x`` is ``~x`` plus one step.

Examples
--------
>>> import fixpt
>>> x = fixpt.array([1.25, -0.5], "Q4.4")
>>> (~x).tolist()                                # raw 20 -> -21, raw -8 -> 7
[-1.3125, 0.4375]
>>> ((~x).raw + 1).tolist() == (-x).raw.tolist()  # two's complement: invert, add one
True
>>> fraction_bits = fixpt.from_hex(["0f", "0f"], "Q4.4")
>>> (x & fraction_bits).tolist(), (x ^ x).tolist()
([0.25, 0.5], [0.0, 0.0])
"""
from __future__ import annotations

import numpy as np

from fixpt.fixed.arrays import FixedArray, dtype_format, from_numpy


def _operand(x, name: str, what: str) -> FixedArray:
    if isinstance(x, FixedArray):
        return x
    if isinstance(x, np.ndarray) and dtype_format(x.dtype) is not None:
        return from_numpy(x)
    raise TypeError(f"fixpt: {what} acts on the raw words of two FixedArrays in one format; {name} is "
                    f"{type(x).__name__} (build a mask with fixpt.from_raw(bits, x.format) or fixpt.from_hex)")


def _pair(a, b, what: str) -> tuple[FixedArray, FixedArray]:
    a, b = _operand(a, "the first operand", what), _operand(b, "the second operand", what)
    if a.format != b.format:
        raise TypeError(f"fixpt: {what} needs both operands in one format, got {a.format!r} and {b.format!r}; "
                        f"cast one first (.astype(...)), since the words' bits weigh differently")
    return a, b


def _word(raw: np.ndarray, fmt) -> np.ndarray:
    """raw reduced to the format's WL bits (sign-extended when signed) in its container."""
    if fmt.signed:
        return raw  # the operations below keep a sign-extended word sign-extended
    return raw & np.array((1 << fmt.wl) - 1, dtype=raw.dtype)  # unsigned containers hold it


def _combining(ufunc: np.ufunc, name: str, what: str, symbol: str, example: str):
    """A bitwise operation of two words (AND, OR, XOR), with its documentation."""
    def operation(a, b) -> FixedArray:
        a, b = _pair(a, b, name)
        return FixedArray(ufunc(a.raw, b.raw), a.format)

    operation.__name__ = operation.__qualname__ = name
    operation.__doc__ = f"""The words' {what}, in their format (``a {symbol} b``).

    Parameters
    ----------
    a, b : FixedArray
        In one format (broadcast together).

    Returns
    -------
    FixedArray

    Raises
    ------
    TypeError
        Operands in different formats, or not FixedArrays.

    Examples
    --------
    >>> import fixpt
    >>> {name}(fixpt.array([0.75], "UQ2.2"), fixpt.from_raw([0b0010], "UQ2.2")).tolist()
    {example}
    """
    return operation


bitwise_and = _combining(np.bitwise_and, "bitwise_and", "AND", "&", "[0.5]")
bitwise_or = _combining(np.bitwise_or, "bitwise_or", "OR", "|", "[0.75]")
bitwise_xor = _combining(np.bitwise_xor, "bitwise_xor", "exclusive OR", "^", "[0.25]")


def invert(a) -> FixedArray:
    """Every bit of the words flipped, in their format (``~a``): ``-1 - a`` in steps when
    signed, ``(2^WL - 1) - a`` in steps when unsigned.

    Parameters
    ----------
    a : FixedArray

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> import fixpt
    >>> invert(fixpt.from_raw([0, 5], "UQ3.0")).raw.tolist(), invert(fixpt.from_raw([0, 3], "Q3.0")).raw.tolist()
    ([7, 2], [-1, -4])
    """
    a = _operand(a, "the operand", "invert")
    return FixedArray(_word(np.invert(a.raw), a.format), a.format)
