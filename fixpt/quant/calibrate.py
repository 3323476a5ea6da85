"""Calibration: choosing clipping ranges (and so quantization parameters) from data.

Observers accumulate statistics over batches (``update``) and give ``QParams``; threshold
functions pick a symmetric clipping threshold from data: percentile, MSE search, KL
divergence (TensorRT's entropy calibration, with its variant knobs), ACIQ's analytic optimum,
and the dynamic fixed-point search of the fraction length.

Examples
--------
>>> import numpy as np
>>> x = np.random.default_rng(0).laplace(size=100_000)
>>> bool(0.5 < kl_threshold(x) / np.abs(x).max() < 1.0)    # clips the rare outliers
True
>>> round(aciq_alpha(4, "laplace"), 4), round(aciq_alpha(4, "gauss"), 4)
(5.0286, 2.5591)
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from fixpt.base.checks import check_int, normalize_axis
from fixpt.diagnostics.errors import error_stats
from fixpt.fixed.arrays import array
from fixpt.formats import FixedFormat
from fixpt.quant.affine import QParams, choose_qparams, dequantize, quantize


def _finite(x, dtype=np.float64) -> np.ndarray:
    """Calibration data as an array, refusing NaN and inf: a threshold derived from them would
    silently become NaN (or inf) in the quantization parameters."""
    arr = np.asarray(x, dtype=dtype)
    bad = ~np.isfinite(arr)
    if np.any(bad):
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"x: {int(np.count_nonzero(bad))} NaN or infinite element(s), first at "
                         f"index {first}; calibration needs finite data")
    return arr


def _reduce_axes(x: np.ndarray, axis: Optional[int]) -> Optional[tuple]:
    if axis is None:
        return None
    axis = normalize_axis(axis, x.ndim)
    return tuple(i for i in range(x.ndim) if i != axis)


class MinMaxObserver:
    """Running minimum and maximum over every batch seen (per channel along ``axis``).

    Parameters
    ----------
    axis : int, optional
        The channel axis; None observes the whole tensor.

    Examples
    --------
    >>> obs = MinMaxObserver().update(np.array([1.0, -2.0])).update(np.array([3.0]))
    >>> float(obs.min), float(obs.max), int(obs.qparams(8).zero_point)
    (-2.0, 3.0, -26)
    """

    def __init__(self, axis: Optional[int] = None) -> None:
        self.axis = axis
        self.min: Optional[np.ndarray] = None
        self.max: Optional[np.ndarray] = None

    def _batch(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        axes = _reduce_axes(x, self.axis)
        return np.min(x, axis=axes), np.max(x, axis=axes)

    def update(self, x) -> "MinMaxObserver":
        """Take one batch into the running minimum and maximum (finite values only).

        Parameters
        ----------
        x : array_like

        Returns
        -------
        MinMaxObserver
            self, for chaining.

        Raises
        ------
        ValueError
            NaN or infinite values.
        """
        lo, hi = self._batch(_finite(x))
        self.min = lo if self.min is None else np.minimum(self.min, lo)
        self.max = hi if self.max is None else np.maximum(self.max, hi)
        return self

    def qparams(self, bits: int = 8, **kwargs) -> QParams:
        """choose_qparams over the observed range (keyword arguments as there)."""
        if self.min is None:
            raise ValueError("no batch observed yet: call update(x) first")
        return choose_qparams(self.min, self.max, bits, axis=self.axis, **kwargs)


class MovingAverageMinMaxObserver(MinMaxObserver):
    """Exponential moving average of batch minima and maxima: ``min += c * (batch_min - min)``
    (PyTorch's averaging_constant, default 0.01).

    Parameters
    ----------
    averaging_constant : float
        In (0, 1].
    axis : int, optional

    Examples
    --------
    >>> obs = MovingAverageMinMaxObserver(0.5).update(np.array([0.0, 4.0])).update(np.array([0.0, 2.0]))
    >>> float(obs.max)
    3.0
    """

    def __init__(self, averaging_constant: float = 0.01, axis: Optional[int] = None) -> None:
        super().__init__(axis)
        if not 0 < averaging_constant <= 1:
            raise ValueError(f"averaging_constant={averaging_constant} must be in (0, 1]")
        self.averaging_constant = averaging_constant

    def update(self, x) -> "MovingAverageMinMaxObserver":
        """Move the averages toward one batch's minimum and maximum (the first batch sets them).

        Parameters
        ----------
        x : array_like

        Returns
        -------
        MovingAverageMinMaxObserver
        """
        lo, hi = self._batch(_finite(x))
        if self.min is None:
            self.min, self.max = lo, hi
        else:
            c = self.averaging_constant
            self.min = self.min + c * (lo - self.min)
            self.max = self.max + c * (hi - self.max)
        return self


def percentile_threshold(x, percentile: float = 99.99) -> float:
    """The ``percentile`` of |x| (inverted CDF: an observed value), as a symmetric threshold.

    Parameters
    ----------
    x : array_like
        Finite values.
    percentile : float
        In (0, 100].

    Returns
    -------
    float

    Examples
    --------
    >>> x = np.concatenate([np.linspace(-1, 1, 1001), [8.0]])     # one outlier
    >>> percentile_threshold(x, 99.0)
    0.992
    """
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile={percentile} must be in (0, 100]")
    return float(np.percentile(np.abs(_finite(x)), percentile, method="inverted_cdf"))


def quantization_mse(x, threshold: float, bits: int = 8, narrow_range: bool = True) -> float:
    """The mean squared error of quantizing x symmetrically with clipping threshold
    ``threshold`` (``choose_qparams(-t, t, bits, symmetric=True)``, ONNX arithmetic).

    Parameters
    ----------
    x : array_like
    threshold : float
        > 0.
    bits : int
    narrow_range : bool

    Returns
    -------
    float

    Examples
    --------
    >>> quantization_mse(np.array([0.5, 1.0, 3.0]), 1.0, bits=2)   # codes -1..1: 0.5 -> 0, 3 -> 1
    1.4166666666666667
    """
    x = _finite(x, np.float32).ravel()
    p = choose_qparams(-threshold, threshold, bits, symmetric=True, narrow_range=narrow_range)
    return float(np.mean((dequantize(quantize(x, p), p).astype(np.float64) - x) ** 2))


def mse_threshold(x, bits: int = 8, candidates: int = 200, narrow_range: bool = True) -> float:
    """The symmetric threshold among ``candidates`` fractions of max|x| whose fake quantization
    (onnx preset) has the smallest mean squared error.

    Parameters
    ----------
    x : array_like
    bits : int
    candidates : int
    narrow_range : bool

    Returns
    -------
    float

    Examples
    --------
    >>> x = np.concatenate([np.linspace(-1, 1, 1001), [8.0]])     # one outlier
    >>> mse_threshold(x, 4)
    3.08
    """
    x = _finite(x, np.float32).ravel()
    amax = float(np.max(np.abs(x)))
    if amax == 0:
        return 0.0
    best, best_err = amax, math.inf
    for t in amax * np.arange(1, candidates + 1) / candidates:
        err = quantization_mse(x, float(t), bits, narrow_range)
        if err < best_err:
            best, best_err = float(t), err
    return best


def expand_quantized(reference: np.ndarray, levels: int) -> np.ndarray:
    """TensorRT/MXNet expansion: merge ``reference`` into ``levels`` groups (the last group takes
    the remainder), then spread each group's total evenly over its non-empty bins.

    Parameters
    ----------
    reference : numpy.ndarray
        A histogram.
    levels : int

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> expand_quantized(np.array([1, 0, 2, 3, 5, 3, 1, 7.0]), 2).tolist()
    [2.0, 0.0, 2.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    """
    reference = np.asarray(reference, dtype=np.float64)
    n = reference.size
    levels = check_int("levels", levels, 1, max(n, 1))
    starts = np.arange(levels) * (n // levels)        # the last group runs to the end
    totals = np.add.reduceat(reference, starts)
    nonzero = reference != 0
    counts = np.add.reduceat(nonzero.astype(np.int64), starts)
    widths = np.diff(np.append(starts, n))
    per_bin = np.repeat(np.divide(totals, counts, out=np.zeros(levels), where=counts > 0), widths)
    return np.where(nonzero, per_bin, 0.0)


def _smooth(p: np.ndarray, eps: float) -> Optional[np.ndarray]:
    """MXNet's smoothing: zeros become eps, non-zeros give up eps*zeros/nonzeros."""
    zeros = p == 0
    n_zeros, n_nonzeros = int(zeros.sum()), int((~zeros).sum())
    if n_nonzeros == 0:
        return None
    take = eps * n_zeros / n_nonzeros
    if take >= 1:
        return None
    out = p.astype(np.float64).copy()
    out[zeros] = eps
    out[~zeros] -= take
    return out


ZERO_RULES = ("drop", "copy_next", "keep")


def kl_threshold(x=None, *, histogram: Optional[np.ndarray] = None, bin_width: Optional[float] = None,
                 num_bins: int = 2048, start_bin: int = 128, levels: int = 128,
                 smoothing: Optional[float] = 1e-4, edge: str = "mid", argmin: str = "first",
                 zeros: Optional[str] = None) -> float:
    """TensorRT entropy (KL) calibration of a symmetric threshold.

    A ``num_bins`` histogram of |x| over [0, max|x|]; for i = start_bin .. num_bins the
    reference P is bins[:i] with the outliers bins[i:] folded into its last bin, Q is P merged
    into ``levels`` groups and expanded back (:func:`expand_quantized`); the i with the smallest
    KL(P || Q) gives the threshold.

    Exact zeros (half of a ReLU's outputs, typically) are quantized without error at any
    threshold, but left in the first bin they make a spike that Q smears over its group, so the
    divergence favours thresholds with one bin per level: a threshold a quarter of the maximum
    at 8 bits on the demo CNN. By default they are left out of the histogram (``zeros``).

    Parameters
    ----------
    x : array_like, optional
        The data (or give ``histogram`` and ``bin_width``).
    histogram : numpy.ndarray, optional
    bin_width : float, optional
    num_bins, start_bin : int
        The histogram's bins and the first candidate (``levels <= start_bin <= num_bins``).
    levels : int
        Quantization levels over [0, threshold]: 128 for int8 symmetric (TensorRT), 255 for
        uint8 (then about 2 * 2048 bins keep TensorRT's 16 bins per level at the maximum).
    smoothing : float or None
        MXNet's eps for empty bins (None for none).
    edge : {"mid", "right"}
        Threshold ``(i + 0.5) * bin_width`` (the TensorRT slides) or ``i * bin_width``
        (MXNet/NVIDIA's tools).
    argmin : {"first", "last"}
        Which of equal minima.
    zeros : {"drop", "copy_next", "keep"}, optional
        Exact zeros of ``x`` left out of the histogram ("drop", the default with ``x``), the
        first bin replaced by the second (NVIDIA's pytorch-quantization), or counted as they
        are ("keep": the slides' pseudocode; the default with ``histogram``, where exact zeros
        cannot be told apart: build it without them).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Bins, levels or knobs out of range; ``zeros="drop"`` with a histogram.

    Examples
    --------
    >>> round(kl_threshold(np.random.default_rng(0).laplace(size=100_000)), 2)
    9.69
    >>> relu = np.maximum(np.random.default_rng(0).normal(size=100_000), 0)   # half exact zeros
    >>> round(kl_threshold(relu, levels=255, num_bins=4096, start_bin=255) / float(relu.max()), 2)
    0.81
    >>> round(kl_threshold(relu, levels=255, num_bins=4096, start_bin=255, zeros="keep") / float(relu.max()), 2)
    0.44
    """
    if edge not in ("mid", "right") or argmin not in ("first", "last"):
        raise ValueError("edge must be 'mid' or 'right', argmin 'first' or 'last'")
    zeros = zeros if zeros is not None else ("keep" if histogram is not None else "drop")
    if zeros not in ZERO_RULES:
        raise ValueError(f"zeros={zeros!r} is not one of: {', '.join(ZERO_RULES)}")
    if histogram is None:
        values = np.abs(_finite(x)).ravel()
        if zeros == "drop":
            values = values[values != 0]
        amax = float(values.max()) if values.size else 0.0
        if amax == 0:
            return 0.0
        num_bins = check_int("num_bins", num_bins, 1, 2**24)
        histogram, edges = np.histogram(values, bins=num_bins, range=(0.0, amax))
        bin_width = edges[1] - edges[0]
    elif bin_width is None:
        raise ValueError("histogram= needs bin_width=")
    elif zeros == "drop":
        raise ValueError("zeros='drop' needs the data x: leave exact zeros out of the histogram you pass "
                         "(or choose zeros='copy_next' or 'keep')")
    hist = np.asarray(histogram, dtype=np.float64).copy()
    start_bin = check_int("start_bin", start_bin, 1, hist.size)
    levels = check_int("levels", levels, 1, start_bin)
    if zeros == "copy_next" and hist.size > 1:
        hist[0] = hist[1]
    divergences = []
    for i in range(start_bin, hist.size + 1):
        p = hist[:i].copy()
        p[-1] += hist[i:].sum()
        q = expand_quantized(hist[:i], levels)
        if smoothing is not None:
            p, q = _smooth(p, smoothing), _smooth(q, smoothing)
            if p is None or q is None:
                divergences.append(math.inf)
                continue
        p, q = p / p.sum(), q / q.sum()
        mask = p > 0
        with np.errstate(divide="ignore"):
            kl = float(np.sum(p[mask] * np.log(p[mask] / q[mask]))) if np.all(q[mask] > 0) else math.inf
        divergences.append(kl)
    divergences = np.array(divergences)
    best = int(np.argmin(divergences)) if argmin == "first" else \
        int(divergences.size - 1 - np.argmin(divergences[::-1]))
    i = start_bin + best
    return float((i + 0.5) * bin_width if edge == "mid" else i * bin_width)


def _golden_min(f, lo: float, hi: float, tol: float = 1e-10) -> float:
    ratio = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    while b - a > tol:
        if f(c) < f(d):
            b, d = d, c
            c = b - ratio * (b - a)
        else:
            a, c = c, d
            d = a + ratio * (b - a)
    return (a + b) / 2


def aciq_alpha(bits: int, distribution: str = "laplace") -> float:
    """ACIQ's optimal clipping for ``bits``-bit quantization, in units of the Laplace scale b (or
    of sigma for a Gaussian): the alpha minimising clipping plus rounding noise.

    Parameters
    ----------
    bits : int
    distribution : {"laplace", "gauss"}

    Returns
    -------
    float

    Examples
    --------
    >>> round(aciq_alpha(2, "laplace"), 3), round(aciq_alpha(4, "gauss"), 4)
    (2.831, 2.5591)
    """
    if not 1 <= bits <= 16:
        raise ValueError(f"bits={bits} is outside the allowed range 1..16")
    levels = 4.0**bits
    if distribution == "laplace":
        def mse(a):
            return 2 * math.exp(-a) + a * a / (3 * levels)
    elif distribution == "gauss":
        def mse(a):
            return ((a * a + 1) * (1 - math.erf(a / math.sqrt(2)))
                    - math.sqrt(2 / math.pi) * a * math.exp(-a * a / 2) + a * a / (3 * levels))
    else:
        raise ValueError(f"distribution={distribution!r} is not one of: laplace, gauss")
    return _golden_min(mse, 0.0, 40.0)


def aciq_threshold(x, bits: int = 8, distribution: str = "laplace") -> float:
    """Symmetric ACIQ clipping ``|mean| + alpha`` with ``alpha = b * aciq_alpha`` (Laplace, b =
    mean|x - mean|) or ``sigma * aciq_alpha`` (Gauss).

    Parameters
    ----------
    x : array_like
    bits : int
    distribution : {"laplace", "gauss"}

    Returns
    -------
    float

    Examples
    --------
    >>> x = np.concatenate([np.linspace(-1, 1, 1001), [8.0]])     # one outlier
    >>> round(aciq_threshold(x, 4), 3)
    2.563
    """
    x = _finite(x).ravel()
    mean = float(np.mean(x))
    spread = float(np.mean(np.abs(x - mean))) if distribution == "laplace" else float(np.std(x))
    return abs(mean) + spread * aciq_alpha(bits, distribution)


def dynamic_fraction_length(w, word_length: int, candidates=None) -> int:
    """Dynamic fixed point: the fraction length fl minimising sum |w - Q(word_length - fl, fl)(w)|
    (round to nearest, saturate), over ``candidates`` (default -8 .. word_length + 16).

    Parameters
    ----------
    w : array_like
    word_length : int
    candidates : iterable of int, optional

    Returns
    -------
    int

    Examples
    --------
    >>> dynamic_fraction_length(np.array([0.3, -1.7, 0.05]), 8)     # Q2.6 holds -1.7
    6
    """
    w = _finite(w)
    candidates = range(-8, word_length + 17) if candidates is None else candidates
    best, best_err = None, math.inf
    for fl in candidates:
        fmt = FixedFormat(word_length - fl, fl, True)
        err = float(np.sum(np.abs(array(w, fmt).to_float() - w)))
        if err < best_err:
            best, best_err = fl, err
    return int(best)


def quantization_error(x, x_hat, axis: Optional[int] = None) -> dict:
    """SQNR (dB), max, mean and RMS error, per channel along ``axis`` (arrays) or overall: the
    fields of :func:`fixpt.diagnostics.error_stats` as a dict.

    Parameters
    ----------
    x, x_hat : array_like
    axis : int, optional

    Returns
    -------
    dict

    Examples
    --------
    >>> quantization_error(np.array([1.0, 2.0]), np.array([1.0, 2.5]))["max_abs"]
    0.5
    """
    stats = error_stats(x, x_hat, axis)
    return {"sqnr_db": stats.sqnr_db, "max_abs": stats.max_abs, "mean": stats.mean, "rms": stats.rms}
