"""Training-side pieces in NumPy: fake quantization with the straight-through estimator,
PACT activations and DoReFa weights (forward values and backward masks/gradients).

Examples
--------
>>> import numpy as np
>>> y, grad_x, grad_alpha = pact(np.array([-1.0, 0.3, 2.5]), alpha=2.0, bits=2)
>>> y.tolist(), grad_x.tolist(), grad_alpha.tolist()
([0.0, 0.0, 2.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0])
"""
from __future__ import annotations

import numpy as np

from fixpt.quant.affine import QParams, dequantize, quantize


def fake_quantize(x, qparams: QParams, preset: str = "onnx") -> tuple[np.ndarray, np.ndarray]:
    """(dequantize(quantize(x)), straight-through mask): the gradient passes (mask 1) where x lies
    inside the clipping range [scale (qmin - zp), scale (qmax - zp)], else 0.

    Parameters
    ----------
    x : array_like
    qparams : QParams
    preset : str
        The quantization preset (see :func:`fixpt.quant.quantize`).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)

    Examples
    --------
    >>> from fixpt.quant import QParams
    >>> y, mask = fake_quantize(np.array([0.3, 5.0]), QParams(0.25, 0, bits=4))
    >>> y.tolist(), mask.tolist()
    ([0.25, 1.75], [1.0, 0.0])
    """
    x = np.asarray(x, dtype=np.float32)
    y = dequantize(quantize(x, qparams, preset=preset), qparams)
    lo = qparams._broadcast(x.shape, qparams.scale) * (qparams.qmin - qparams._broadcast(x.shape, qparams.zero_point))
    hi = qparams._broadcast(x.shape, qparams.scale) * (qparams.qmax - qparams._broadcast(x.shape, qparams.zero_point))
    return y, ((x >= lo) & (x <= hi)).astype(np.float32)


def pact(x, alpha: float, bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PACT: y = clip(x, 0, alpha) quantized to ``bits`` bits with eps = alpha / (2^bits - 1)
    (round to nearest, ties to even).

    Parameters
    ----------
    x : array_like
    alpha : float
        The learned clipping level (> 0).
    bits : int
        1..16.

    Returns
    -------
    (y, dy/dx, dy/dalpha)
        dy/dx is the straight-through 1 for 0 <= x < alpha; dy/dalpha is 1 where x >= alpha.

    Examples
    --------
    >>> y, grad_x, grad_alpha = pact(np.array([-1.0, 0.3, 2.5]), alpha=2.0, bits=2)
    >>> y.tolist(), grad_x.tolist(), grad_alpha.tolist()
    ([0.0, 0.0, 2.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0])
    """
    if alpha <= 0:
        raise ValueError(f"alpha={alpha} must be > 0")
    if not 1 <= bits <= 16:
        raise ValueError(f"bits={bits} is outside the allowed range 1..16")
    x = np.asarray(x, dtype=np.float64)
    eps = alpha / (2**bits - 1)
    y = np.rint(np.clip(x, 0.0, alpha) / eps) * eps
    return y, ((x >= 0) & (x < alpha)).astype(np.float64), (x >= alpha).astype(np.float64)


def dorefa_weights(w, bits: int) -> np.ndarray:
    """DoReFa-Net weights: 2 quantize_k(tanh(w) / (2 max|tanh(w)|) + 1/2) - 1, with
    quantize_k(r) = round((2^k - 1) r) / (2^k - 1).

    Parameters
    ----------
    w : array_like
    bits : int

    Returns
    -------
    numpy.ndarray
        Values in [-1, 1].

    Examples
    --------
    >>> dorefa_weights(np.array([-2.0, 0.1, 3.0]), 2).round(4).tolist()
    [-1.0, 0.3333, 1.0]
    """
    w = np.asarray(w, dtype=np.float64)
    t = np.tanh(w)
    r = t / (2 * np.max(np.abs(t))) + 0.5
    levels = 2**bits - 1
    return 2 * np.rint(levels * r) / levels - 1
