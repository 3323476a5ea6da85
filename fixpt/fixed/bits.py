"""Raw bits as text, for hardware test benches: hex/binary strings and .mem files.

Strings hold the WL-bit two's complement (or unsigned) pattern, zero-padded, without a
prefix, as Verilog's ``$readmemh`` / ``$readmemb`` read them.

Examples
--------
>>> import fixpt
>>> x = fixpt.array([1.0, -1.0, 0.5], "Q4.12")
>>> x.hex().tolist(), x.bin().tolist()[1]
(['1000', 'f000', '0800'], '1111000000000000')
>>> from_hex(["1000", "f000"], "Q4.12").tolist()
[1.0, -1.0]
"""
from __future__ import annotations

import os

import numpy as np

from fixpt.fixed.arrays import FixedArray, bit_strings, from_raw
from fixpt.formats import FixedFormat, FormatLike, parse_format


def _from_strings(strings, fmt: FormatLike, base: int):
    fmt = parse_format(fmt)
    arr = np.asarray(strings)
    patterns = []
    for text in arr.ravel().tolist():
        try:
            value = int(str(text).strip().replace("_", ""), base)
        except ValueError:
            raise ValueError(f"{text!r} is not a base-{base} bit pattern") from None
        if not 0 <= value < 1 << fmt.wl:
            raise ValueError(f"{text!r} does not fit the {fmt.wl} bits of {fmt!r}")
        if fmt.signed and value >> (fmt.wl - 1):
            value -= 1 << fmt.wl
        patterns.append(value)
    raw = np.array(patterns, dtype=fmt.container).reshape(arr.shape)
    return from_raw(raw, fmt)


def from_hex(strings, fmt: FormatLike):
    """A FixedArray from hex bit patterns (two's complement for signed formats).

    Parameters
    ----------
    strings : array_like of str
        Patterns of the word length (``_`` separators allowed, no prefix).
    fmt : FixedFormat or str

    Returns
    -------
    FixedArray

    Raises
    ------
    ValueError
        Text that is not a hex pattern, or a pattern wider than the format.

    Examples
    --------
    >>> from_hex(["7f", "80"], "Q1.7").tolist()
    [0.9921875, -1.0]
    """
    return _from_strings(strings, fmt, 16)


def from_bin(strings, fmt: FormatLike):
    """A FixedArray from binary bit patterns (two's complement for signed formats).

    Parameters
    ----------
    strings : array_like of str
    fmt : FixedFormat or str

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> from_bin(["0110", "1010"], "Q2.2").tolist()
    [1.5, -1.5]
    """
    return _from_strings(strings, fmt, 2)


def save_mem(path: str | os.PathLike, x, base: int = 16) -> None:
    """Write one word per line (flattened, C order) for ``$readmemh`` (base 16) / ``$readmemb`` (2).

    Parameters
    ----------
    path : str or os.PathLike
    x : FixedArray
    base : {16, 2}

    Examples
    --------
    >>> import fixpt, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "w.mem")
    >>> save_mem(path, fixpt.array([0.5, -0.5], "Q1.7"))
    >>> open(path).read().split()
    ['40', 'c0']
    """
    if base not in (2, 16):
        raise ValueError(f"base={base} must be 2 or 16")
    with open(path, "w", encoding="ascii") as handle:
        handle.writelines(word + "\n" for word in bit_strings(x.raw, x.format, base).ravel().tolist())


def load_mem(path: str | os.PathLike, fmt: FormatLike, base: int = 16):
    """Read a .mem/.hex file written by save_mem (comments with // and blank lines skipped).

    Parameters
    ----------
    path : str or os.PathLike
    fmt : FixedFormat or str
    base : {16, 2}

    Returns
    -------
    FixedArray

    Examples
    --------
    >>> import fixpt, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "w.mem")
    >>> save_mem(path, fixpt.array([0.5, -0.5], "Q1.7"))
    >>> load_mem(path, "Q1.7").tolist()
    [0.5, -0.5]
    """
    words = []
    with open(path, encoding="ascii") as handle:
        for line in handle:
            line = line.split("//")[0].strip()
            if line and not line.startswith("@"):
                words.extend(line.split())
    return _from_strings(words, fmt, base)


def save(file, x) -> None:
    """Save a FixedArray with its format in an ``.npz`` file (raw integers, word length,
    fraction length, signedness): :func:`load` gives back the same array, bit for bit.

    Parameters
    ----------
    file : str, path or file object
        As ``numpy.savez`` takes it (a ``.npz`` suffix is added to names without one).
    x : FixedArray

    Examples
    --------
    >>> import fixpt, io
    >>> buffer = io.BytesIO()
    >>> fixpt.save(buffer, fixpt.array([0.5, -2.25], "Q4.12")); _ = buffer.seek(0)
    >>> y = fixpt.load(buffer); y.format, y.tolist()
    (Q(4,12), [0.5, -2.25])
    """
    if not isinstance(x, FixedArray):
        raise TypeError(f"x must be a FixedArray, got {type(x).__name__}")
    fmt = x.format
    np.savez(file, raw=x.raw, word_length=fmt.wl, fraction_length=fmt.fl, signed=fmt.signed)


def load(file) -> FixedArray:
    """Load a FixedArray saved by :func:`save` (its raw integers checked against the format).

    Parameters
    ----------
    file : str, path or file object

    Returns
    -------
    FixedArray

    Raises
    ------
    ValueError
        A file that is not a fixpt ``.npz``.

    Examples
    --------
    >>> import fixpt, io
    >>> buffer = io.BytesIO()
    >>> fixpt.save(buffer, fixpt.from_raw([2**62 + 1], "Q64.0")); _ = buffer.seek(0)
    >>> fixpt.load(buffer).raw.tolist()
    [4611686018427387905]
    """
    with np.load(file, allow_pickle=False) as data:
        missing = {"raw", "word_length", "fraction_length", "signed"} - set(data.files)
        if missing:
            raise ValueError(f"{file!r} is not a file fixpt.save wrote (missing {sorted(missing)})")
        fl = int(data["fraction_length"])
        fmt = FixedFormat(int(data["word_length"]) - fl, fl, bool(data["signed"]))
        return from_raw(data["raw"], fmt)
