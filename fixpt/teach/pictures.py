"""Pictures of number formats for the teaching pages, each from a data function that the
tests check: the bit fields of one value, the representable values on a number line, where
each rounding mode sends a few inputs and the bias of its errors, and the transfer curve of
each overflow mode.

The ``plot_*`` functions need the optional matplotlib extra (``pip install fixpt[plot]``);
the data functions do not.

Examples
--------
>>> [(f["role"], f["bit"]) for f in bitfield(-1.5, "e2m1fn")]
[('sign', 1), ('exponent', 0), ('exponent', 1), ('fraction', 1)]
>>> number_line("Q2.1").tolist()
[-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5]
"""
from __future__ import annotations

from fractions import Fraction
from typing import Optional, Sequence

import numpy as np

from fixpt.convert.fixed import to_raw
from fixpt.convert.floating import decompose_bits, from_bits, to_bits
from fixpt.convert.rng import Generator
from fixpt.fixed.arrays import array
from fixpt.formats import FixedFormat, FloatFormat
from fixpt.teach.explanation import exact_decimal, resolve_format
from fixpt.teach.plots import pyplot, rounded_values

ROLE_COLOURS = {"sign": "#d62728", "exponent": "#1f77b4", "fraction": "#2ca02c", "integer": "#9467bd"}


def bitfield(value, fmt) -> list:
    """The bits of ``value`` stored in ``fmt`` (nearest_even), most significant first.

    Parameters
    ----------
    value : number or str
        Read exactly (decimal strings too).
    fmt : FloatFormat, FixedFormat or str

    Returns
    -------
    list of dict
        One per bit: ``bit`` (0/1), ``role`` ("sign", "exponent", "fraction" for floats;
        "sign", "integer", "fraction" for fixed point) and ``weight`` (a Fraction: what a 1
        there adds to the significand, the exponent field or the value; None for a float's sign).

    Examples
    --------
    >>> fields = bitfield(2.75, "Q4.4")
    >>> "".join(str(f["bit"]) for f in fields), [str(f["weight"]) for f in fields[:3]]
    ('00101100', ['-8', '4', '2'])
    >>> [str(f["weight"]) for f in bitfield(1.0, "binary16")[1:7]]    # exponent field, then 2^-1
    ['16', '8', '4', '2', '1', '1/2']
    """
    fmt = resolve_format(fmt)
    if isinstance(fmt, FloatFormat):
        bits = int(to_bits([value], fmt)[0])
        E, M = fmt.exp_bits, fmt.man_bits
        fields = [{"bit": (bits >> (fmt.width - 1)) & 1, "role": "sign", "weight": None}] if fmt.signed else []
        fields += [{"bit": (bits >> (M + j)) & 1, "role": "exponent", "weight": Fraction(2) ** j}
                   for j in reversed(range(E))]
        fields += [{"bit": (bits >> j) & 1, "role": "fraction", "weight": Fraction(1, 2 ** (M - j))}
                   for j in reversed(range(M))]
        return fields
    raw = int(to_raw([value], fmt)[0][0])
    pattern = raw & ((1 << fmt.wl) - 1)
    fields = []
    for j in reversed(range(fmt.wl)):
        power = j - fmt.fl
        signed_top = fmt.signed and j == fmt.wl - 1
        role = "sign" if signed_top else ("integer" if power >= 0 else "fraction")
        fields.append({"bit": (pattern >> j) & 1, "role": role,
                       "weight": -Fraction(2) ** power if signed_top else Fraction(2) ** power})
    return fields


def bitfield_caption(value, fmt) -> str:
    """The value of a stored ``value`` as the sum its bits make (fixed point) or as
    (-1)^s x significand x 2^e (floats).

    Parameters
    ----------
    value : number or str
    fmt : FloatFormat, FixedFormat or str

    Returns
    -------
    str

    Examples
    --------
    >>> bitfield_caption(2.75, "Q4.4")
    '2 + 0.5 + 0.25 = 2.75'
    >>> bitfield_caption(-0.1, "binary16")
    '(-1)^1 x 1.599609375 x 2^-4 = -0.0999755859375'
    """
    fmt = resolve_format(fmt)
    if isinstance(fmt, FloatFormat):
        bits = int(to_bits([value], fmt)[0])
        f = decompose_bits(bits, fmt)
        if str(f.class_names) not in ("zero", "subnormal", "normal"):
            return f"{str(f.class_names)}: {float(from_bits(bits, fmt))}"
        significand = Fraction(int(f.significand), 2 ** fmt.man_bits)
        exponent, sign = int(f.exponent), int(f.sign)
        total = (-1) ** sign * significand * Fraction(2) ** exponent
        return f"(-1)^{sign} x {exact_decimal(significand)} x 2^{exponent} = {exact_decimal(total)}"
    terms = [f["weight"] for f in bitfield(value, fmt) if f["bit"]]
    text = " + ".join(exact_decimal(t) for t in terms).replace("+ -", "- ") or "0"
    return f"{text} = {exact_decimal(sum(terms, Fraction(0)))}"


def number_line(fmt, lo: Optional[float] = None, hi: Optional[float] = None) -> np.ndarray:
    """Every finite value of a small format (at most 16 bits), sorted, optionally within
    [lo, hi].

    Parameters
    ----------
    fmt : FloatFormat, FixedFormat or str
    lo, hi : float, optional

    Returns
    -------
    numpy.ndarray of float64

    Raises
    ------
    ValueError
        A format wider than 16 bits.

    Examples
    --------
    >>> number_line("e2m1fn", 0, 6).tolist()
    [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]
    """
    fmt = resolve_format(fmt)
    width = fmt.width if isinstance(fmt, FloatFormat) else fmt.wl
    if width > 16:
        raise ValueError(f"fmt={fmt!r} has {width} bits; a number line shows formats of at most 16")
    if isinstance(fmt, FloatFormat):
        values = from_bits(np.arange(1 << width, dtype=np.uint64), fmt)
        values = np.unique(values[np.isfinite(values)])
    else:
        values = np.arange(fmt.raw_min, fmt.raw_max + 1, dtype=np.float64) * 2.0 ** -fmt.fl
    keep = np.ones(values.size, bool)
    if lo is not None:
        keep &= values >= lo
    if hi is not None:
        keep &= values <= hi
    return values[keep] + 0.0  # -0.0 and 0.0 are one point on the line


def rounding_destinations(inputs, fmt, modes: Sequence[str] = ("nearest_even", "floor", "ceil", "toward_zero",
                                                                "stochastic"), seed: int = 0) -> dict:
    """Where each rounding mode sends each input (one draw for the stochastic modes).

    Parameters
    ----------
    inputs : array_like
    fmt : FloatFormat, FixedFormat or str
    modes : sequence of str
    seed : int

    Returns
    -------
    dict
        mode -> numpy.ndarray of the rounded values.

    Examples
    --------
    >>> d = rounding_destinations([0.3, -0.3], "Q2.1", ("floor", "nearest_even", "toward_zero"))
    >>> {mode: v.tolist() for mode, v in d.items()}
    {'floor': [0.0, -0.5], 'nearest_even': [0.5, -0.5], 'toward_zero': [0.0, 0.0]}
    """
    fmt = resolve_format(fmt)
    x = np.asarray(inputs, dtype=np.float64)
    return {mode: rounded_values(x, fmt, mode, Generator(seed)) for mode in modes}


def rounding_errors(fmt, modes: Sequence[str] = ("nearest_even", "floor", "toward_zero", "stochastic"),
                    lo: float = -1.0, hi: float = 1.0, n: int = 100_000, seed: int = 0) -> dict:
    """Errors (rounded - exact) of each mode on ``n`` values drawn uniformly from [lo, hi]:
    their histogram shows the bias (floor: half a step down; nearest and stochastic: none).

    Parameters
    ----------
    fmt : FloatFormat, FixedFormat or str
    modes : sequence of str
    lo, hi : float
    n, seed : int

    Returns
    -------
    dict
        mode -> numpy.ndarray of errors.

    Examples
    --------
    >>> errors = rounding_errors("Q4.4", ("floor", "nearest_even"), n=20_000)
    >>> [round(float(e.mean()) / 2**-4, 1) for e in errors.values()]          # in steps
    [-0.5, 0.0]
    """
    fmt = resolve_format(fmt)
    x = np.random.default_rng(seed).uniform(lo, hi, n)
    return {mode: rounded_values(x, fmt, mode, Generator(seed)) - x for mode in modes}


OVERFLOWS = ("saturate", "wrap", "saturate_symmetric", "saturate_zero")


def overflow_transfer(fmt, lo: float, hi: float, n: int = 801,
                      modes: Sequence[str] = OVERFLOWS) -> tuple:
    """The stored value against the input across (and beyond) a fixed format's range, for
    each overflow mode (rounding nearest_even).

    Parameters
    ----------
    fmt : FixedFormat or str
    lo, hi : float
        The inputs, evenly spaced.
    n : int
    modes : sequence of str

    Returns
    -------
    (numpy.ndarray, dict)
        The inputs, and mode -> stored values.

    Examples
    --------
    >>> x, out = overflow_transfer("Q2.0", -3, 3, n=7)
    >>> x.tolist(), out["saturate"].tolist(), out["wrap"].tolist()
    ([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0], [-2.0, -2.0, -1.0, 0.0, 1.0, 1.0, 1.0], [1.0, -2.0, -1.0, 0.0, 1.0, -2.0, -1.0])
    """
    fmt = resolve_format(fmt)
    if not isinstance(fmt, FixedFormat):
        raise TypeError(f"fmt must be a fixed-point format, got {fmt!r}")
    x = np.linspace(lo, hi, n)
    return x, {mode: array(x, fmt, overflow=mode).to_float() for mode in modes}


# ---- the pictures ----

def plot_bitfield(value, fmt, path: str) -> None:
    """Save the bit-field diagram of ``value`` in ``fmt``: one box per bit coloured by its
    role, its weight under it, the value's terms as the caption (needs matplotlib).

    Parameters
    ----------
    value : number or str
    fmt : FloatFormat, FixedFormat or str
    path : str

    Examples
    --------
    >>> plot_bitfield(-0.1, "binary16", "bits.png")      # doctest: +SKIP
    """
    plt = pyplot()
    fmt = resolve_format(fmt)
    fields = bitfield(value, fmt)
    fig, ax = plt.subplots(figsize=(max(4.0, 0.55 * len(fields) + 1), 1.9))
    for i, f in enumerate(fields):
        ax.add_patch(plt.Rectangle((i, 0), 1, 1, facecolor=ROLE_COLOURS[f["role"]], alpha=0.35, edgecolor="k"))
        ax.text(i + 0.5, 0.5, str(f["bit"]), ha="center", va="center", fontsize=13, family="monospace")
        if f["weight"] is not None and len(fields) <= 24:
            w = f["weight"]
            label = exact_decimal(w) if abs(w) >= Fraction(1, 8) and abs(w) <= 64 else \
                f"{'-' if w < 0 else ''}2^{abs(w).numerator.bit_length() - abs(w).denominator.bit_length()}"
            ax.text(i + 0.5, -0.25, label, ha="center", va="center", fontsize=7)
    roles = list(dict.fromkeys(f["role"] for f in fields))
    handles = [plt.Rectangle((0, 0), 1, 1, facecolor=ROLE_COLOURS[r], alpha=0.35, edgecolor="k") for r in roles]
    ax.legend(handles, roles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(roles), fontsize=8,
              frameon=False)
    ax.set_title(f"{value} in {fmt!r}:  {bitfield_caption(value, fmt)}", fontsize=9, pad=22)
    ax.set_xlim(-0.2, len(fields) + 0.2)
    ax.set_ylim(-0.5, 1.1)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_number_lines(formats, path: str, lo: Optional[float] = None, hi: Optional[float] = None) -> None:
    """Save the representable values of small formats on number lines, one row each: the
    uneven spacing of floats (subnormals shaded) against the even grid of fixed point.

    Parameters
    ----------
    formats : sequence of formats or names
    path : str
    lo, hi : float, optional

    Examples
    --------
    >>> plot_number_lines(["e3m2", "Q3.2"], "lines.png", 0, 4)    # doctest: +SKIP
    """
    plt = pyplot()
    formats = [resolve_format(f) for f in formats]
    fig, ax = plt.subplots(figsize=(8, 0.8 + 0.7 * len(formats)))
    for row, fmt in enumerate(formats):
        y = len(formats) - 1 - row
        values = number_line(fmt, lo, hi)
        ax.plot(values, np.full(values.size, y), "|", markersize=16, color="k")
        if isinstance(fmt, FloatFormat) and fmt.subnormals:
            ax.axvspan(-fmt.min_normal, fmt.min_normal, ymin=(y + 0.25) / len(formats), ymax=(y + 0.75) / len(formats),
                       color="orange", alpha=0.3, label="subnormals" if row == 0 else None)
    ax.set_yticks(range(len(formats)))
    ax.set_yticklabels([repr(f) for f in reversed(formats)])
    ax.set_ylim(-0.5, len(formats) - 0.5)
    ax.set_xlabel("value")
    if any(isinstance(f, FloatFormat) for f in formats):
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_rounding_modes(inputs, fmt, path: str, modes: Sequence[str] = ("nearest_even", "floor", "ceil",
                                                                         "toward_zero", "stochastic")) -> None:
    """Save where each mode sends a few inputs: one row per mode, an arrow from each input to
    its rounded value, the format's values as ticks.

    Parameters
    ----------
    inputs : array_like
    fmt : FloatFormat, FixedFormat or str
    path : str
    modes : sequence of str

    Examples
    --------
    >>> plot_rounding_modes([-0.7, -0.2, 0.3, 0.75], "Q2.1", "modes.png")    # doctest: +SKIP
    """
    plt = pyplot()
    fmt = resolve_format(fmt)
    x = np.asarray(inputs, dtype=np.float64)
    destinations = rounding_destinations(x, fmt, modes)
    grid = number_line(fmt, x.min() - 1, x.max() + 1) if (fmt.width if isinstance(fmt, FloatFormat) else fmt.wl) <= 16 \
        else np.array([])
    fig, ax = plt.subplots(figsize=(8, 0.6 + 0.55 * len(modes)))
    for row, (mode, rounded) in enumerate(destinations.items()):
        y = len(modes) - 1 - row
        ax.plot(grid, np.full(grid.size, y), "|", color="0.6", markersize=12)
        for start, end in zip(x, rounded):
            ax.annotate("", xy=(end, y), xytext=(start, y + 0.3),
                        arrowprops=dict(arrowstyle="->", color="tab:blue"))
            ax.plot(start, y + 0.3, "o", color="tab:blue", markersize=3)
    ax.set_yticks(range(len(modes)))
    ax.set_yticklabels(list(reversed(list(destinations))))
    ax.set_ylim(-0.5, len(modes) - 0.2)
    ax.set_xlabel(f"value ({fmt!r}); dots: inputs, ticks: representable values")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_rounding_errors(fmt, path: str, **kwargs) -> None:
    """Save histograms of :func:`rounding_errors`, one per mode, with each mean (the bias).

    Parameters
    ----------
    fmt : FloatFormat, FixedFormat or str
    path : str
    **kwargs
        Passed to :func:`rounding_errors`.

    Examples
    --------
    >>> plot_rounding_errors("Q4.4", "errors.png")    # doctest: +SKIP
    """
    plt = pyplot()
    errors = rounding_errors(fmt, **kwargs)
    fig, axes = plt.subplots(1, len(errors), figsize=(2.6 * len(errors), 2.6), sharey=True)
    for ax, (mode, e) in zip(np.atleast_1d(axes), errors.items()):
        ax.hist(e, bins=41, color="tab:blue", alpha=0.7)
        ax.axvline(e.mean(), color="r", label=f"mean {e.mean():+.2g}")
        ax.set_title(mode, fontsize=9)
        ax.legend(fontsize=7, loc="lower center")
        ax.tick_params(labelsize=7)
    np.atleast_1d(axes)[0].set_ylabel("inputs")
    fig.supxlabel(f"rounding error in {resolve_format(fmt)!r}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_overflow_transfer(fmt, lo: float, hi: float, path: str) -> None:
    """Save the transfer curve of each overflow mode (see :func:`overflow_transfer`).

    Parameters
    ----------
    fmt : FixedFormat or str
    lo, hi : float
    path : str

    Examples
    --------
    >>> plot_overflow_transfer("Q3.4", -10, 10, "overflow.png")    # doctest: +SKIP
    """
    plt = pyplot()
    x, outputs = overflow_transfer(fmt, lo, hi)
    fig, axes = plt.subplots(1, len(outputs), figsize=(2.7 * len(outputs), 2.8), sharey=True)
    for ax, (mode, y) in zip(axes, outputs.items()):
        ax.plot(x, x, "k:", lw=0.8)
        ax.plot(x, y, lw=1.5)
        ax.set_title(mode, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_ylim(lo / 2, hi / 2)
    axes[0].set_ylabel("stored value")
    fig.supxlabel(f"input (format {resolve_format(fmt)!r})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
