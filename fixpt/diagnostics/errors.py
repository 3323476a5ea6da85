"""Error statistics of an approximation against a reference: the one implementation behind
``fixpt.error_stats``, ``fixpt.quant.calibrate.quantization_error`` and the SQNR column of
the deployment report.

Examples
--------
>>> import fixpt, numpy as np
>>> x = np.linspace(-1, 1 - 2**-7, 1001)       # inside the range of Q1.7
>>> e = error_stats(x, fixpt.array(x, "Q1.7"))
>>> e.max_abs <= 2**-8, round(e.sqnr_db)        # theory: 10 log10(4 * 2**14) = 48.2
(True, 48)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Union

import numpy as np

from fixpt.base.checks import normalize_axis

Stat = Union[float, np.ndarray]


@dataclass(frozen=True)
class ErrorStats:
    """Error of an approximation against a reference: max |e|, mean (bias), RMS, SQNR in dB.

    Floats overall; arrays (one value per channel) when computed along an axis.

    Examples
    --------
    >>> e = error_stats([1.0, 2.0], [1.0, 2.5])
    >>> e.max_abs, e.mean, round(e.sqnr_db, 2)
    (0.5, 0.25, 13.01)
    """

    max_abs: Stat
    mean: Stat
    rms: Stat
    sqnr_db: Stat

    def __str__(self) -> str:
        if np.ndim(self.sqnr_db):
            return (f"max |error| {self.max_abs}, mean (bias) {self.mean}, RMS {self.rms}, "
                    f"SQNR {self.sqnr_db} dB")
        return (f"max |error| {self.max_abs:.6g}, mean (bias) {self.mean:.6g}, "
                f"RMS {self.rms:.6g}, SQNR {self.sqnr_db:.2f} dB")


def sqnr_db(signal_power, noise_power) -> Stat:
    """10 log10(signal / noise): +inf without noise, -inf without signal (elementwise).

    Parameters
    ----------
    signal_power, noise_power : float or array_like

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> sqnr_db(1.0, 0.01), sqnr_db(0.0, 1.0), sqnr_db(1.0, 0.0)
    (20.0, -inf, inf)
    """
    signal = np.asarray(signal_power, dtype=np.float64)
    noise = np.asarray(noise_power, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = 10 * np.log10(signal / noise)
    out = np.where(noise == 0, math.inf, np.where(signal == 0, -math.inf, ratio))
    return float(out) if out.ndim == 0 else out


def error_stats(reference, approx, axis: Optional[int] = None) -> ErrorStats:
    """Quantization error statistics of ``approx`` (e.g. a FixedArray) against ``reference``:
    overall, or per channel along ``axis`` (reducing every other axis).

    Parameters
    ----------
    reference, approx : array_like
        The exact values and their approximation (same shape).
    axis : int, optional
        The channel axis; None for one set of statistics.

    Returns
    -------
    ErrorStats

    Examples
    --------
    >>> import numpy as np
    >>> error_stats(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2.0], [3.5, 4.0]]), axis=0).max_abs.tolist()
    [0.0, 0.5]
    """
    ref = np.asarray(reference, dtype=np.float64)
    err = np.asarray(approx, dtype=np.float64) - ref
    axes = None if axis is None else tuple(i for i in range(ref.ndim) if i != normalize_axis(axis, ref.ndim))
    noise = np.mean(err**2, axis=axes)
    signal = np.mean(ref**2, axis=axes)

    def stat(values):
        return float(values) if np.ndim(values) == 0 else values

    max_abs = np.max(np.abs(err), axis=axes) if err.size else 0.0
    return ErrorStats(stat(max_abs), stat(np.mean(err, axis=axes)), stat(np.sqrt(noise)),
                      sqnr_db(signal, noise))
