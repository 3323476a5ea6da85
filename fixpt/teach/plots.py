"""Small helpers behind the teaching pages in docs/teaching: slope-and-bias tables and plots.

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


def slope_bias_table(bits: int, slope=1, bias=0, signed: bool = False) -> list:
    """Rows (bit pattern, stored integer q, real value s*q + z) of a slope-and-bias encoding.

    ``slope`` and ``bias`` may be ints, floats or Fractions; the value is computed exactly
    and shown as the nearest float.
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
    """The mean of ``samples`` roundings of each value into ``fmt`` (a FixedFormat or
    FloatFormat): for stochastic rounding this is the value itself, for nearest a staircase."""
    values = np.asarray(values, dtype=np.float64)
    stacked = np.broadcast_to(values, (samples,) + values.shape)
    gen = Generator(seed)
    if isinstance(fmt, FloatFormat):
        rounded = round_to_format(stacked, fmt, rounding=rounding, seed=gen)
    else:
        rounded = array(stacked, fmt, rounding=rounding, seed=gen).to_float()
    return rounded.mean(axis=0)


def plot_rounding(fmt, lo: float, hi: float, path: str, samples: int = 2000) -> None:
    """Save a figure: quantization staircase (nearest_even), stochastic rounding's expected
    value, and the error of each (needs the optional matplotlib extra)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    """Save a histogram of the bits lost in a CancellationReport (needs matplotlib)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
