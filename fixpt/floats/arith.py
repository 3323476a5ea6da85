"""Correctly rounded arithmetic in any binary float format, with the IEEE 754 flags.

Every operation computes the exact result of its operands (values of ``fmt``, held in
float64) in integers and rounds it **once** into ``fmt``, in any of the twelve rounding
modes.  Computing in float64 and then rounding rounds twice and is wrong in the directed
modes and for binary64 itself; these functions are not.

Examples
--------
>>> import numpy as np
>>> x = np.float64(1 + 2**-23)  # a binary32 value
>>> float(add(x, 2**-24 + 2**-47, "binary32", rounding="floor"))
1.0000001192092896
>>> float(subtract(1.0, 1.0, "binary32", rounding="floor"))
-0.0
>>> values, status = divide([1.0, 0.0], [0.0, 0.0], "binary16", return_status=True)
>>> values.tolist(), status.divide_by_zero.tolist(), status.invalid.tolist()
([inf, nan], [True, False], [False, True])
"""
from __future__ import annotations

import numpy as np

from fixpt import _binding
from fixpt.base.shapes import broadcast_arrays
from fixpt.base.status import FLAG_BITS
from fixpt.convert.floating import check_nan_free, check_tininess, float64_values, round_to_format
from fixpt.convert.rng import SeedLike, resolve_seed
from fixpt.formats import FloatFormat, FloatFormatLike, RoundLike, RoundMode, parse_float_format

__all__ = ["add", "subtract", "multiply", "divide", "sqrt", "fma", "convert", "is_value"]


def is_value(values, fmt: FloatFormatLike) -> np.ndarray:
    """Which elements are values of ``fmt`` (NaN counts where the format has NaN).

    Parameters
    ----------
    values : array_like
        float64 values.
    fmt : FloatFormat or str

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> is_value([0.1, 0.5, 448.0, 480.0, float("inf")], "e4m3fn").tolist()
    [False, True, True, False, False]
    """
    fmt = parse_float_format(fmt)
    x = float64_values(values)
    _, status = _binding.float_round(x, fmt, round_mode=RoundMode.NEAREST_EVEN, flags=True)
    lost = FLAG_BITS["inexact"] | FLAG_BITS["overflow"] | FLAG_BITS["invalid"]
    ok = (status.flags & lost) == 0
    if not fmt.has_inf:
        ok &= ~np.isinf(x)
    return ok


def _operands(names: tuple, operands: tuple) -> list:
    arrays = [float64_values(x, name) for name, x in zip(names, operands)]
    return broadcast_arrays(*arrays)


def _not_a_value(names: tuple, arrays: list, fmt: FloatFormat) -> ValueError:
    """The error naming the first operand element outside the format."""
    for name, x in zip(names, arrays):
        ok = is_value(x, fmt)
        if not ok.all():
            index = np.unravel_index(int(np.argmin(ok.ravel())), x.shape) if x.ndim else ()
            where = f"{name}[{', '.join(map(str, index))}]" if index else name
            return ValueError(
                f"{where} = {float(x[index])!r} is not a value of {fmt!r}; round the operands "
                f"into the format first (fixpt.round_to_format(x, {fmt!r}))")
    return ValueError(f"an operand is not a value of {fmt!r}")


def _run(op: str, names: tuple, operands: tuple, fmt: FloatFormatLike, rounding: RoundLike,
         seed: SeedLike, tininess: str, return_status: bool):
    fmt = parse_float_format(fmt)
    mode = RoundMode.parse(rounding, "rounding")
    before = check_tininess(tininess)
    arrays = _operands(names, operands)
    seed_value, stream = resolve_seed(seed) if mode.is_stochastic else (0, 0)
    try:
        values, status = _binding.float_arith(op, arrays, fmt, round_mode=mode, seed=seed_value,
                                              stream=stream, tininess_before=before,
                                              flags=return_status)
    except _binding.NotAValueError:
        raise _not_a_value(names, arrays, fmt) from None
    check_nan_free(status, fmt, f"{op} of these operands")
    if values.ndim == 0:
        values = values[()]
    return (values, status) if return_status else values


def add(x, y, fmt: FloatFormatLike, *, rounding: RoundLike = "nearest_even", seed: SeedLike = None,
        tininess: str = "after", return_status: bool = False):
    """x + y, exact, rounded once into ``fmt``.

    Parameters
    ----------
    x, y : array_like
        Values of ``fmt`` (float64; a clear error otherwise), broadcast like NumPy.
    fmt : FloatFormat or str
        The float format (any :class:`FloatFormat` up to binary64).
    rounding : str or RoundMode
        One of the twelve modes; an exact zero sum is +0, or -0 under ``"floor"`` (IEEE 754).
    seed : int, Generator or None
        The random stream of the stochastic modes (keyed by element index).
    tininess : {"after", "before"}
        When a tiny result counts for the underflow flag (IEEE 754 default: after rounding).
    return_status : bool
        Also return the :class:`CastStatus`: flag counts (``n_inexact``, ``n_underflow``,
        ``n_overflow``, ``n_invalid``, ``n_divide_by_zero``) and per-element masks.

    Returns
    -------
    numpy.ndarray (or a float64 scalar for scalar operands), or (values, CastStatus)
        The correctly rounded results, each a value of ``fmt``.

    Raises
    ------
    ValueError
        An operand that is not a value of ``fmt``; a NaN result in a format without NaN.

    Examples
    --------
    >>> add([1.0, 65504.0], [2.0**-11, 32.0], "binary16").tolist()
    [1.0, inf]
    >>> add(1.0, 2.0**-11, "binary16", rounding="ceil").item()
    1.0009765625
    """
    return _run("add", ("x", "y"), (x, y), fmt, rounding, seed, tininess, return_status)


def subtract(x, y, fmt: FloatFormatLike, *, rounding: RoundLike = "nearest_even",
             seed: SeedLike = None, tininess: str = "after", return_status: bool = False):
    """x - y, exact, rounded once into ``fmt`` (parameters as in :func:`add`).

    Parameters
    ----------
    x, y : array_like
        Values of ``fmt``, broadcast like NumPy.
    fmt : FloatFormat or str
    rounding : str or RoundMode
    seed : int, Generator or None
    tininess : {"after", "before"}
    return_status : bool

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, CastStatus)

    Examples
    --------
    >>> subtract([1.0, 2.0], [1.0, 2.0**-24], "binary32", rounding="floor").tolist()
    [-0.0, 1.9999998807907104]
    """
    return _run("sub", ("x", "y"), (x, y), fmt, rounding, seed, tininess, return_status)


def multiply(x, y, fmt: FloatFormatLike, *, rounding: RoundLike = "nearest_even",
             seed: SeedLike = None, tininess: str = "after", return_status: bool = False):
    """x * y, exact, rounded once into ``fmt`` (parameters as in :func:`add`).

    Parameters
    ----------
    x, y : array_like
        Values of ``fmt``, broadcast like NumPy.
    fmt : FloatFormat or str
    rounding : str or RoundMode
    seed : int, Generator or None
    tininess : {"after", "before"}
    return_status : bool

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, CastStatus)

    Examples
    --------
    >>> multiply(1 + 2.0**-52, 1 + 2.0**-52, "binary64", rounding="ceil").item() == 1 + 2.0**-51 + 2.0**-52
    True
    >>> multiply(448.0, 2.0, "e4m3fn").item()
    nan
    """
    return _run("mul", ("x", "y"), (x, y), fmt, rounding, seed, tininess, return_status)


def divide(x, y, fmt: FloatFormatLike, *, rounding: RoundLike = "nearest_even",
           seed: SeedLike = None, tininess: str = "after", return_status: bool = False):
    """x / y, exact, rounded once into ``fmt`` (parameters as in :func:`add`).

    ``x / 0`` is an infinity with the divide-by-zero flag (in a format without inf: what its
    overflow policy makes of inf); ``0 / 0`` and ``inf / inf`` are invalid (NaN).

    Parameters
    ----------
    x, y : array_like
        Values of ``fmt``, broadcast like NumPy.
    fmt : FloatFormat or str
    rounding : str or RoundMode
    seed : int, Generator or None
    tininess : {"after", "before"}
    return_status : bool

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, CastStatus)

    Examples
    --------
    >>> divide(1.0, [3.0, -3.0], "bfloat16", rounding="toward_zero").tolist()
    [0.33203125, -0.33203125]
    """
    return _run("div", ("x", "y"), (x, y), fmt, rounding, seed, tininess, return_status)


def sqrt(x, fmt: FloatFormatLike, *, rounding: RoundLike = "nearest_even", seed: SeedLike = None,
         tininess: str = "after", return_status: bool = False):
    """The square root of x, exact, rounded once into ``fmt``; sqrt(-0) = -0, a negative x is
    invalid (NaN).

    Parameters
    ----------
    x : array_like
        Values of ``fmt``.
    fmt : FloatFormat or str
    rounding : str or RoundMode
    seed : int, Generator or None
    tininess : {"after", "before"}
    return_status : bool

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, CastStatus)

    Examples
    --------
    >>> sqrt([2.0, 4.0], "binary16", rounding="floor").tolist()
    [1.4140625, 2.0]
    """
    return _run("sqrt", ("x",), (x,), fmt, rounding, seed, tininess, return_status)


def fma(x, y, z, fmt: FloatFormatLike, *, rounding: RoundLike = "nearest_even",
        seed: SeedLike = None, tininess: str = "after", return_status: bool = False):
    """x * y + z with one rounding (IEEE 754 fusedMultiplyAdd); ``0 * inf + z`` is invalid even
    when z is a quiet NaN.

    Parameters
    ----------
    x, y, z : array_like
        Values of ``fmt``, broadcast like NumPy.
    fmt : FloatFormat or str
    rounding : str or RoundMode
    seed : int, Generator or None
    tininess : {"after", "before"}
    return_status : bool

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, CastStatus)

    Examples
    --------
    >>> a = 1 + 2.0**-9  # a * a = 1 + 2**-8 + 2**-18 exactly
    >>> fma(a, a, -1.0, "binary16").item(), add(multiply(a, a, "binary16"), -1.0, "binary16").item()
    (0.003910064697265625, 0.00390625)
    """
    return _run("fma", ("x", "y", "z"), (x, y, z), fmt, rounding, seed, tininess, return_status)


def convert(values, from_fmt: FloatFormatLike, to_fmt: FloatFormatLike, *,
            rounding: RoundLike = "nearest_even", seed: SeedLike = None, saturate=None,
            tininess: str = "after", return_status: bool = False):
    """Values of ``from_fmt`` rounded once into ``to_fmt`` (IEEE 754 convertFormat).

    Parameters
    ----------
    values : array_like
        Values of ``from_fmt`` (a clear error otherwise).
    from_fmt, to_fmt : FloatFormat or str
    rounding : str or RoundMode
    seed : int, Generator or None
    saturate : bool or None
        The overflow policy of this call, as in :func:`fixpt.to_bits` (ONNX ``Cast``).
    tininess : {"after", "before"}
    return_status : bool
        Also return the :class:`CastStatus` with the IEEE flags.

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, CastStatus)

    Examples
    --------
    >>> convert([1.0009765625, 65504.0], "binary16", "e5m2", saturate=True).tolist()
    [1.0, 57344.0]
    """
    from_fmt, to_fmt = parse_float_format(from_fmt), parse_float_format(to_fmt)
    x = float64_values(values)
    ok = is_value(x, from_fmt)
    if not ok.all():
        raise _not_a_value(("values",), [x], from_fmt)
    result = round_to_format(x, to_fmt, rounding=rounding, seed=seed, saturate=saturate,
                             tininess=tininess, return_status=return_status)
    rounded = result[0] if return_status else result
    if rounded.ndim == 0:
        rounded = rounded[()]
    return (rounded, result[1]) if return_status else rounded

