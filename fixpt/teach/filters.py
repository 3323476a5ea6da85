"""The data and figures of the fixed-point IIR teaching page (docs/teaching/iir.md): a
biquad's zero-input limit cycles under different rounding modes, overflow oscillation under
wrap vs saturate, and what quantizing the coefficients does to a filter's response.

Every function computes with the bit-exact :func:`fixpt.lfilter`; the ``plot_*`` functions
draw those numbers (the optional matplotlib extra, ``pip install fixpt[plot]``).

Examples
--------
>>> cycles = limit_cycles()
>>> [int(abs(cycles[mode][-20:]).max() * 128) for mode in ("nearest_even", "floor", "toward_zero")]
[2, 5, 0]
"""
from __future__ import annotations

import numpy as np

from fixpt.fixed.arrays import FixedArray, array, from_raw
from fixpt.fixed.iir import FilterState, lfilter, sosfilt
from fixpt.formats import FixedFormat, parse_format
from fixpt.teach.plots import pyplot

#: a resonant biquad (poles at radius 0.89, angle 0.14 pi), as a0, a1, a2 (exact in Q2.8)
RESONATOR = (1.0, -1.6015625, 0.80078125)


def limit_cycles(a=RESONATOR, out_format: str = "Q1.7", start: float = 0.5, samples: int = 200,
                 modes=("nearest_even", "floor", "toward_zero")) -> dict:
    """The zero-input response of a biquad started from rest at ``y[-1] = start``, for each
    rounding mode: float64 decays to 0, rounding keeps some modes ringing forever.

    Parameters
    ----------
    a : sequence of 3 floats
        The denominator (a0 = 1), read exactly in Q2.8.
    out_format : str
        The output (and state) format.
    start : float
        y[-1]; y[-2] = 0, x = 0.
    samples : int
    modes : sequence of str

    Returns
    -------
    dict
        Mode name -> float64 outputs; ``"exact"`` -> the float64 recursion.

    Examples
    --------
    >>> cycles = limit_cycles(samples=60)
    >>> bool(cycles["exact"][-1] != 0), float(cycles["toward_zero"][-1]), float(abs(cycles["nearest_even"][-8:]).max())
    (True, 0.0, 0.015625)
    """
    out = parse_format(out_format)
    a_fixed = array(list(a), "Q2.8")
    b = array([0.0], "Q2.8")
    x = array(np.zeros(samples), out)
    state = FilterState(FixedArray(np.zeros(0, np.int8), out), array([0.0, start], out))
    result = {mode: lfilter(b, a_fixed, x, out_format=out, rounding=mode, zi=state)[0].to_float()
              for mode in modes}
    exact = np.zeros(samples)
    a1, a2 = a_fixed.to_float()[1:]
    previous, before = start, 0.0
    for n in range(samples):
        exact[n] = -a1 * previous - a2 * before
        previous, before = exact[n], previous
    result["exact"] = exact
    return result


def overflow_oscillation(a=(1.0, -0.5, 0.9), samples: int = 200) -> dict:
    """A stable biquad (``|a1| + |a2| > 1``) kicked to full scale once: the response under
    ``overflow="wrap"`` and ``"saturate"`` (Q1.15 samples, Q2.14 coefficients).

    Parameters
    ----------
    a : sequence of 3 floats
    samples : int

    Returns
    -------
    dict
        ``"wrap"``, ``"saturate"`` -> float64 outputs.

    Examples
    --------
    >>> runs = overflow_oscillation()
    >>> bool(abs(runs["wrap"][-50:]).max() > 0.5), bool(abs(runs["saturate"][-50:]).max() < 0.01)
    (True, True)
    """
    b, a_fixed = array([1.0], "Q2.14"), array(list(a), "Q2.14")
    x = array([0.9, -0.9] + [0.0] * (samples - 2), "Q1.15")
    return {mode: lfilter(b, a_fixed, x, out_format="Q1.15", overflow=mode).to_float()
            for mode in ("wrap", "saturate")}


def _response_db(b: np.ndarray, a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """|H(e^jw)| in dB, clipped to [-240, 240] (a pole on the unit circle is +240)."""
    z = np.exp(-1j * w)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.abs(np.polyval(b[::-1], z) / np.polyval(a[::-1], z))
    return 20 * np.log10(np.clip(np.nan_to_num(h, nan=1e12, posinf=1e12), 1e-12, 1e12))


def _pole_radius(a: np.ndarray) -> float:
    """The largest |pole| (1 or more: not stable)."""
    return float(np.max(np.abs(np.roots(a)))) if a.size > 1 else 0.0


def _round_feedback(sections: np.ndarray, bits: int) -> np.ndarray:
    """The sections with a1, a2 rounded (nearest_even) to ``bits - 3`` fraction bits (Q3 words)."""
    rounded = sections.copy()
    rounded[:, 4:] = array(sections[:, 4:], f"Q3.{bits - 3}").to_float()
    return rounded


def _cascade(sections: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    b, a = np.array([1.0]), np.array([1.0])
    for row in sections:
        b, a = np.convolve(b, row[:3]), np.convolve(a, row[3:])
    return b, a


def quantized_response(sections, coefficient_bits=(16, 10, 8), points: int = 512, samples: int = 256) -> dict:
    """A filter given as second-order sections (rows ``b0 b1 b2 1 a1 a2``) with its feedback
    coefficients (the poles) rounded to ``bits - 3`` fraction bits: the magnitude response in
    dB as a cascade of biquads, and as one direct-form polynomial whose coefficients are rounded
    to the same fraction bits (with the integer bits they need).

    Parameters
    ----------
    sections : array_like, shape (n_sections, 6)
    coefficient_bits : sequence of int
        Word lengths of the rounded cascade coefficients (3 integer bits, sign included).
    points : int
        Frequencies from 0 to pi.
    samples : int
        Length of the measured impulse response.

    Returns
    -------
    dict
        ``"w"`` -> frequencies; ``"exact"`` -> the float64 response; ``("cascade", bits)``
        and ``("direct", bits)`` -> responses in dB with rounded coefficients (clipped to
        +-240 dB); ``("pole_radius", form, bits)`` -> the largest |pole| (1 or more: not
        stable); ``("measured", bits)`` -> the rounded cascade's impulse response, filtered
        bit-exactly by sosfilt.

    Examples
    --------
    >>> sos = [[0.0201, 0.0402, 0.0201, 1.0, -1.5610, 0.6414], [1.0, 2.0, 1.0, 1.0, -1.7250, 0.8062]]
    >>> r = quantized_response(sos, coefficient_bits=(8,))
    >>> err = lambda key: float(np.max(np.abs(r[key] - r["exact"])[:100]))
    >>> err(("cascade", 8)) < err(("direct", 8))
    True
    """
    sections = np.asarray(sections, dtype=np.float64)
    w = np.linspace(0, np.pi, points)
    b_total, a_total = _cascade(sections)
    result = {"w": w, "exact": _response_db(b_total, a_total, w)}
    impulse = from_raw(np.eye(1, samples, dtype=np.int64)[0] << 36, FixedFormat(12, 36, True))
    for bits in coefficient_bits:
        rounded = _round_feedback(sections, bits)
        cascade_b, cascade_a = _cascade(rounded)
        result[("cascade", bits)] = _response_db(cascade_b, cascade_a, w)
        integer_bits = max(3, int(np.ceil(np.log2(np.max(np.abs(a_total)) + 1))) + 1)
        direct_a = array(a_total, f"Q{integer_bits}.{bits - 3}").to_float()
        result[("direct", bits)] = _response_db(b_total, direct_a, w)
        result[("pole_radius", "cascade", bits)] = _pole_radius(cascade_a)
        result[("pole_radius", "direct", bits)] = _pole_radius(direct_a)
        result[("measured", bits)] = sosfilt(array(rounded, "Q3.40"), impulse, section_format="Q12.36",
                                             out_format="Q12.36").to_float()
    return result


def plot_limit_cycles(path: str, **kwargs) -> None:
    """Save the figure of :func:`limit_cycles` (needs matplotlib).

    Examples
    --------
    >>> plot_limit_cycles("limit_cycles.png")          # doctest: +SKIP
    """
    plt = pyplot()

    cycles = limit_cycles(**kwargs)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5.5), sharex=True)
    top.plot(cycles["exact"], "k:", label="float64 (decays)")
    for mode in (m for m in cycles if m != "exact"):
        n = np.arange(cycles[mode].size)
        top.step(n, cycles[mode], where="post", label=mode)
        bottom.step(n, cycles[mode] * 128, where="post", label=mode)
    bottom.plot(cycles["exact"] * 128, "k:")
    top.set_ylabel("y[n], zero input")
    top.legend(loc="upper right", fontsize="small")
    bottom.set_ylim(-8, 8)
    bottom.set_ylabel("y[n] in LSBs (zoom)")
    bottom.set_xlabel("sample n")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_overflow_oscillation(path: str, **kwargs) -> None:
    """Save the figure of :func:`overflow_oscillation` (needs matplotlib).

    Examples
    --------
    >>> plot_overflow_oscillation("overflow.png")      # doctest: +SKIP
    """
    plt = pyplot()

    runs = overflow_oscillation(**kwargs)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for mode, values in runs.items():
        ax.plot(values, label=f'overflow="{mode}"')
    ax.set_xlabel("sample n")
    ax.set_ylabel("y[n] (Q1.15)")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_quantized_response(path: str, sections, coefficient_bits=(16, 10, 8)) -> None:
    """Save the figure of :func:`quantized_response` (needs matplotlib).

    Examples
    --------
    >>> plot_quantized_response("response.png", [[0.02, 0.04, 0.02, 1.0, -1.56, 0.64]])  # doctest: +SKIP
    """
    plt = pyplot()

    r = quantized_response(sections, coefficient_bits)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, form in ((left, "cascade"), (right, "direct")):
        ax.plot(r["w"] / np.pi, r["exact"], "k:", label="float64 coefficients")
        for bits in coefficient_bits:
            ax.plot(r["w"] / np.pi, r[(form, bits)], label=f"{bits}-bit coefficients")
        ax.set_title("cascade of biquads" if form == "cascade" else "one direct-form polynomial")
        ax.set_xlabel("frequency (x pi rad/sample)")
        ax.set_ylim(-80, 10)
        ax.legend(loc="lower left", fontsize="small")
    left.set_ylabel("magnitude (dB)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
