"""Pictures of quantization for the teaching pages, each from a data function that the tests
check: the affine mapping float -> integer code -> float, an activation histogram with the
clipping thresholds of each calibration method and the MSE against the threshold, and PACT's
clipped activation with its gradients.

The ``plot_*`` functions need the optional matplotlib extra.

Examples
--------
>>> from fixpt import quant
>>> codes, back = affine_mapping([-1.0, 0.0, 0.26], quant.QParams(0.125, 3, bits=4))
>>> codes.tolist(), back.tolist()
([-5, 3, 5], [-1.0, 0.0, 0.25])
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from fixpt.quant import calibrate
from fixpt.quant.affine import QParams, dequantize, quantize
from fixpt.quant.train import pact
from fixpt.teach.plots import pyplot


def affine_mapping(x, qparams: QParams) -> tuple:
    """Codes ``clamp(round(x / scale) + zero_point)`` and their values
    ``scale * (code - zero_point)`` (ONNX arithmetic).

    Parameters
    ----------
    x : array_like
    qparams : QParams

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The integer codes, and the dequantized float32 values.

    Examples
    --------
    >>> from fixpt import quant
    >>> affine_mapping([1.0, 9.0], quant.QParams(0.5, -2, bits=4))[0].tolist()    # 9.0 clamps at 7
    [0, 7]
    """
    codes = quantize(np.asarray(x, dtype=np.float32), qparams)
    return codes, dequantize(codes, qparams)


def calibration_thresholds(x, bits: int = 8, percentile: float = 99.99) -> dict:
    """The symmetric clipping threshold each calibration method picks for the data x.

    Parameters
    ----------
    x : array_like
    bits : int
        Of the signed symmetric quantizer.
    percentile : float

    Returns
    -------
    dict
        "max", "percentile", "mse", "kl" (TensorRT's entropy calibration with 2^(bits-1)
        levels), "aciq" (Laplace prior) -> threshold.

    Examples
    --------
    >>> x = np.random.default_rng(0).laplace(size=20_000)
    >>> t = calibration_thresholds(x, bits=4)
    >>> t["max"] == float(np.abs(x).max()), t["mse"] < t["max"], t["aciq"] < t["max"]
    (True, True, True)
    """
    x = np.asarray(x, dtype=np.float64)
    levels = 2 ** (bits - 1)
    return {
        "max": float(np.max(np.abs(x))),
        "percentile": calibrate.percentile_threshold(x, percentile),
        "mse": calibrate.mse_threshold(x, bits),
        "kl": calibrate.kl_threshold(x, levels=levels, start_bin=max(128, levels)),
        "aciq": calibrate.aciq_threshold(x, bits, "laplace"),
    }


def mse_curve(x, bits: int = 8, points: int = 100) -> tuple:
    """The quantization MSE against the clipping threshold (what ``mse_threshold`` minimises).

    Parameters
    ----------
    x : array_like
    bits : int
    points : int
        Thresholds evenly spaced up to max |x|.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Thresholds and MSEs.

    Examples
    --------
    >>> x = np.concatenate([np.linspace(-1, 1, 1001), [8.0]])
    >>> t, mse = mse_curve(x, bits=4, points=8)
    >>> float(t[int(np.argmin(mse))])                        # clipping the outlier pays off
    3.0
    """
    x = np.asarray(x, dtype=np.float64)
    thresholds = float(np.max(np.abs(x))) * np.arange(1, points + 1) / points
    return thresholds, np.array([calibrate.quantization_mse(x, float(t), bits) for t in thresholds])


def pact_curves(x, alpha: float = 2.0, bits: int = 2) -> dict:
    """PACT's activation ``y = quantize(clip(x, 0, alpha))`` with its straight-through
    gradients ``dy/dx`` (1 inside the clip) and ``dy/dalpha`` (1 above it).

    Parameters
    ----------
    x : array_like
    alpha : float
    bits : int

    Returns
    -------
    dict
        "x", "y", "dy_dx", "dy_dalpha" -> numpy.ndarray.

    Examples
    --------
    >>> c = pact_curves([-1.0, 0.5, 3.0], alpha=2.0, bits=2)
    >>> c["y"].tolist(), c["dy_dx"].tolist(), c["dy_dalpha"].tolist()
    ([0.0, 0.6666666666666666, 2.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0])
    """
    x = np.asarray(x, dtype=np.float64)
    y, dx, dalpha = pact(x, alpha, bits)
    return {"x": x, "y": np.asarray(y, dtype=np.float64), "dy_dx": dx, "dy_dalpha": dalpha}


# ---- the pictures ----

def plot_affine_mapping(qparams: QParams, lo: float, hi: float, path: str) -> None:
    """Save the affine mapping: codes against x (the staircase, with the zero point and the
    clamping marked) and the dequantized values against x.

    Parameters
    ----------
    qparams : QParams
    lo, hi : float
    path : str

    Examples
    --------
    >>> from fixpt import quant
    >>> plot_affine_mapping(quant.QParams(0.25, -3, bits=4), -2, 3, "affine.png")   # doctest: +SKIP
    """
    plt = pyplot()
    x = np.linspace(lo, hi, 1201)
    codes, back = affine_mapping(x, qparams)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    left.step(x, codes, where="mid")
    left.axhline(int(np.ravel(qparams.zero_point)[0]), color="r", ls=":", label="zero point (code of 0.0)")
    left.axhline(qparams.qmin, color="0.5", ls="--", lw=0.8, label=f"qmin {qparams.qmin}, qmax {qparams.qmax}")
    left.axhline(qparams.qmax, color="0.5", ls="--", lw=0.8)
    left.set_xlabel("real value x")
    left.set_ylabel("code q = round(x / scale) + zp")
    left.legend(fontsize=7)
    right.plot(x, x, "k:", lw=0.8, label="x")
    right.plot(x, back, label="scale * (q - zp)")
    right.set_xlabel("real value x")
    right.legend(fontsize=7)
    fig.suptitle(f"scale {float(np.ravel(qparams.scale)[0]):g}, zero point {int(np.ravel(qparams.zero_point)[0])}, "
                 f"{qparams.bits} bits", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_calibration(x, bits: int, path: str, methods: Sequence[str] = ("max", "percentile", "mse", "kl", "aciq")) -> None:
    """Save an activation histogram with each calibration method's threshold, and the MSE
    against the threshold below it.

    Parameters
    ----------
    x : array_like
    bits : int
    path : str
    methods : sequence of str

    Examples
    --------
    >>> plot_calibration(np.random.default_rng(0).laplace(size=10_000), 4, "calib.png")   # doctest: +SKIP
    """
    plt = pyplot()
    x = np.asarray(x, dtype=np.float64)
    thresholds = calibration_thresholds(x, bits)
    t, mse = mse_curve(x, bits)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True)
    top.hist(np.abs(x), bins=200, color="0.6")
    top.set_yscale("log")
    top.set_ylabel("count of |x|")
    colours = dict(zip(("max", "percentile", "mse", "kl", "aciq"), ("k", "tab:orange", "tab:green", "tab:red",
                                                                    "tab:purple")))
    for method in methods:
        top.axvline(thresholds[method], color=colours.get(method, "b"), label=f"{method} {thresholds[method]:.3g}")
    top.legend(fontsize=8, loc="upper right")
    bottom.plot(t, mse)
    bottom.set_yscale("log")
    bottom.axvline(thresholds["mse"], color=colours["mse"], ls="--")
    bottom.set_xlabel("clipping threshold")
    bottom.set_ylabel(f"MSE, {bits}-bit symmetric")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_pact(path: str, alpha: float = 2.0, bits: int = 2) -> None:
    """Save PACT's clipped, quantized activation and its two gradients.

    Parameters
    ----------
    path : str
    alpha : float
    bits : int

    Examples
    --------
    >>> plot_pact("pact.png")      # doctest: +SKIP
    """
    plt = pyplot()
    c = pact_curves(np.linspace(-1, alpha + 1.5, 901), alpha, bits)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    left.plot(c["x"], np.clip(c["x"], 0, alpha), "k:", lw=0.8, label="clip(x, 0, alpha)")
    left.step(c["x"], c["y"], where="post", label=f"PACT, {bits} bits")
    left.axvline(alpha, color="r", ls="--", lw=0.8, label=f"alpha = {alpha:g}")
    left.set_xlabel("x")
    left.legend(fontsize=7)
    right.plot(c["x"], c["dy_dx"], label="dy/dx (straight through)")
    right.plot(c["x"], c["dy_dalpha"], "--", label="dy/dalpha")
    right.set_xlabel("x")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
