"""Small helpers behind the teaching pages in docs/teaching: slope-and-bias tables and plots.

Examples
--------
>>> for row in slope_bias_table(3, slope=1.5, bias=10)[:3]:
...     print(row)
('000', 0, 10.0)
('001', 1, 11.5)
('010', 2, 13.0)
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from fixpt.convert.floating import round_to_format
from fixpt.convert.rng import Generator
from fixpt.fixed.arrays import array
from fixpt.formats import FloatFormat


def pyplot():
    """matplotlib.pyplot with the file-only Agg backend; RuntimeError naming the extra to
    install when matplotlib is missing.

    Returns
    -------
    module

    Raises
    ------
    RuntimeError
        matplotlib is not installed.

    Examples
    --------
    >>> plt = pyplot()          # doctest: +SKIP
    """
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise RuntimeError("pictures need matplotlib: pip install 'fixpt[plot]'") from error
    return plt


def slope_bias_table(bits: int, slope=1, bias=0, signed: bool = False) -> list:
    """Rows (bit pattern, stored integer q, real value s*q + z) of a slope-and-bias encoding.

    Parameters
    ----------
    bits : int
        1..16.
    slope, bias : int, float or Fraction
        The value is computed exactly and shown as the nearest float.
    signed : bool
        Two's complement q.

    Returns
    -------
    list of (str, int, float)

    Examples
    --------
    >>> slope_bias_table(2, slope=0.5, bias=-1, signed=True)
    [('00', 0, -1.0), ('01', 1, -0.5), ('10', -2, -2.0), ('11', -1, -1.5)]
    """
    if not 1 <= bits <= 16:
        raise ValueError(f"bits={bits} is outside the allowed range 1..16")
    rows = []
    for pattern in range(1 << bits):
        q = pattern - (1 << bits) if signed and pattern >> (bits - 1) else pattern
        value = Fraction(slope) * q + Fraction(bias)
        rows.append((format(pattern, f"0{bits}b"), q, float(value)))
    return rows


def expected_rounding(values: np.ndarray, fmt, rounding: str, samples: int = 1000, seed: int = 0):
    """The mean of ``samples`` roundings of each value into ``fmt``: for stochastic rounding this
    approaches the value itself, for nearest it is a staircase.

    Parameters
    ----------
    values : array_like
    fmt : FixedFormat or FloatFormat
    rounding : str
    samples : int
    seed : int

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> from fixpt import Q
    >>> expected_rounding([0.3], Q(4, 0), "nearest_even").tolist()
    [0.0]
    >>> bool(abs(expected_rounding([0.3], Q(4, 0), "stochastic", samples=4000)[0] - 0.3) < 0.05)
    True
    """
    values = np.asarray(values, dtype=np.float64)
    stacked = np.broadcast_to(values, (samples,) + values.shape)
    return rounded_values(stacked, fmt, rounding, Generator(seed)).mean(axis=0)


def rounded_values(values, fmt, rounding: str, seed=None) -> np.ndarray:
    """The float64 values of ``values`` rounded into a float or fixed-point format (saturating).

    Parameters
    ----------
    values : array_like
    fmt : FixedFormat or FloatFormat
    rounding : str
    seed : int, Generator or None

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> from fixpt import Q, binary16
    >>> rounded_values([0.3], Q(4, 2), "floor").tolist(), rounded_values([0.1], binary16, "ceil").tolist()
    ([0.25], [0.10003662109375])
    """
    if isinstance(fmt, FloatFormat):
        return round_to_format(values, fmt, rounding=rounding, seed=seed)
    return array(values, fmt, rounding=rounding, seed=seed).to_float()


def plot_rounding(fmt, lo: float, hi: float, path: str, samples: int = 2000) -> None:
    """Save a figure: the quantization staircase (nearest_even), stochastic rounding's expected
    value, and the error of each (needs the optional matplotlib extra).

    Parameters
    ----------
    fmt : FixedFormat or FloatFormat
    lo, hi : float
        The plotted range.
    path : str
        Where to save the PNG.
    samples : int
        Roundings averaged for the stochastic curve.

    Examples
    --------
    >>> from fixpt import Q
    >>> plot_rounding(Q(4, 2), -1, 1, "rounding.png")        # doctest: +SKIP
    """
    plt = pyplot()

    x = np.linspace(lo, hi, 801)
    nearest = expected_rounding(x, fmt, "nearest_even", samples=1)
    stochastic = expected_rounding(x, fmt, "stochastic", samples=samples)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    top.plot(x, x, "k:", label="exact")
    top.step(x, nearest, where="mid", label="nearest_even")
    top.plot(x, stochastic, label=f"stochastic, mean of {samples}")
    top.set_ylabel("rounded value")
    top.legend()
    bottom.plot(x, nearest - x, label="nearest_even error")
    bottom.plot(x, stochastic - x, label="stochastic: mean error")
    bottom.set_xlabel(f"value (format {fmt!r})")
    bottom.set_ylabel("error")
    bottom.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_lost_bits(report, path: str) -> None:
    """Save a histogram of the bits lost in a CancellationReport (needs matplotlib).

    Parameters
    ----------
    report : CancellationReport
    path : str

    Examples
    --------
    >>> import fixpt
    >>> report = fixpt.cancellation(np.array([1.0]), np.array([0.999]))
    >>> plot_lost_bits(report, "lost_bits.png")               # doctest: +SKIP
    """
    plt = pyplot()

    counts = report.histogram()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar(np.arange(counts.size), counts)
    ax.axvline(report.threshold_bits - 0.5, color="r", linestyle="--", label="threshold")
    ax.set_xlabel("bits lost")
    ax.set_ylabel("elements")
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
