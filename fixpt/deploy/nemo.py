"""The integer arithmetic of the NEMO deployment report (shared/seeds, the spec of the coming
``fixpt.deploy``), one function per equation, on integer images and their quanta.

A quantized tensor is ``t_hat = eps * Q(t)``: an integer image Q and a quantum eps (Eq. 6).
These functions compute integer images only from integer images and integer parameters,
as an integer-only deployment does; the quanta are used once, offline, to derive the
integer parameters.

Examples
--------
>>> m, d = requant_parameters(eps_in=0.001, eps_out=0.05, factor=16)
>>> m, d                                     # floor(0.001 * 2^10 / 0.05) = 20, shift 10
(20, 10)
>>> requantize_image(np.array([1000, -1000]), m, d).tolist()   # 1000 * 0.001 / 0.05 = 20
[19, -20]
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Optional, Sequence

import numpy as np

from fixpt.convert.exact import integral_int64
from fixpt.quant.affine import requantize


def requant_shift(eps_in: float, eps_out: float, factor: float = 16) -> int:
    """Eq. 14: the smallest d >= 0 with 2^d >= eps_out / (eps_in * eta), eta = 1 / factor
    (NEMO's requantization_factor: 16 for activations, 256 for adds).

    Parameters
    ----------
    eps_in, eps_out : float
        The quanta before and after requantization (> 0).
    factor : float
        1 / eta (> 0).

    Returns
    -------
    int

    Examples
    --------
    >>> requant_shift(0.001, 0.05, 16)              # 2^10 = 1024 >= 0.05 * 16 / 0.001 = 800
    10
    """
    if eps_in <= 0 or eps_out <= 0 or factor <= 0:
        raise ValueError("quanta and factor must be > 0")
    return max(0, math.ceil(math.log2(eps_out * factor / eps_in)))


def requant_parameters(eps_in, eps_out, factor: float = 16):
    """Eq. 13: (multiplier floor(eps_in 2^d / eps_out), shift d) with d from Eq. 14.

    Parameters
    ----------
    eps_in, eps_out : float or array_like
        Quanta; arrays (per channel) give arrays of multipliers and shifts.
    factor : float
        1 / eta, see :func:`requant_shift`.

    Returns
    -------
    (int, int) or (numpy.ndarray, numpy.ndarray)

    Examples
    --------
    >>> requant_parameters(0.001, 0.05, 16)
    (20, 10)
    """
    if np.ndim(eps_in) or np.ndim(eps_out):
        pairs = [requant_parameters(float(a), float(b), factor)
                 for a, b in zip(*(x.ravel() for x in np.broadcast_arrays(eps_in, eps_out)))]
        return np.array([m for m, _ in pairs], np.int64), np.array([d for _, d in pairs], np.int64)
    d = requant_shift(eps_in, eps_out, factor)
    return int(math.floor(eps_in * 2**d / eps_out)), d


def requantize_image(q, multiplier, d, axis: Optional[int] = None, overflow: str = "saturate",
                     register: tuple[int, bool] = (32, True)) -> np.ndarray:
    """Eq. 13: RQ(Q_a) = (multiplier * Q_a) >> d (an arithmetic shift: floor), in C, exact.

    Parameters
    ----------
    q : array_like of int
        The integer image.
    multiplier, d : int or array_like
        From :func:`requant_parameters` (per channel along ``axis``).
    axis : int, optional
        The channel axis of per-channel parameters (default 1, of (N, C, ...) images).
    overflow : {"saturate", "raise"}
        Results beyond the register saturate (a clip: harmless before a clipping activation)
        or raise OverflowError.
    register : (int, bool)
        The output register's (bits, signed), 32-bit signed by default.

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> requantize_image(np.array([1000, -1000]), 20, 10).tolist()     # floor(20 000 / 1024)
    [19, -20]
    """
    if overflow not in ("saturate", "raise"):
        raise ValueError(f"overflow={overflow!r} is not one of: saturate, raise")
    q = np.asarray(q)
    if axis is None and (np.ndim(multiplier) or np.ndim(d)):
        axis = 1
    bits, signed = register
    out, clamped = requantize(q, multiplier, d, 0, bits, signed=signed, preset="nemo", axis=axis,
                              return_clamped=True)
    if overflow == "raise" and clamped:
        raise OverflowError(f"requantization: {int(clamped)} results exceed the {bits}-bit register")
    return out.astype(np.int64)


def linear_quantize(t, eps: float, alpha: float, beta: float) -> np.ndarray:
    """Eq. 10: LQ(t) = clip(floor(t / eps), alpha / eps, beta / eps - 1), the integer image of t
    in [alpha, beta) with quantum eps (alpha, beta multiples of eps).

    Parameters
    ----------
    t : array_like
    eps : float
    alpha, beta : float

    Returns
    -------
    numpy.ndarray of int64

    Raises
    ------
    ValueError
        NaN or infinite values (no integer image).

    Examples
    --------
    >>> linear_quantize([0.3, -2.0, 5.0], 0.25, 0.0, 2.0).tolist()
    [1, 0, 7]
    """
    lo, hi = round(alpha / eps), round(beta / eps) - 1
    return integral_int64(np.clip(np.floor(np.asarray(t, dtype=np.float64) / eps), lo, hi), "t")


def integer_activation(q_in, eps_in, eps_out: float, alpha: float, beta: float,
                       factor: float = 16) -> np.ndarray:
    """Eq. 11: the quantization/activation (e.g. PACT's clip to [0, beta)) applied to an integer
    image: clip(RQ(Q_in)) into [alpha / eps_out, beta / eps_out - 1].

    Parameters
    ----------
    q_in : array_like of int
    eps_in : float or array_like
        The input quantum (per channel along axis 1).
    eps_out : float
    alpha, beta : float
        The clipping range.
    factor : float
        1 / eta of the requantization.

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> integer_activation(np.array([-50, 100, 5000]), 0.01, 0.1, 0.0, 1.6).tolist()
    [0, 9, 15]
    """
    m, d = requant_parameters(eps_in, eps_out, factor)
    lo, hi = round(alpha / eps_out), round(beta / eps_out) - 1
    k = (hi + 1).bit_length() - 1
    if lo == 0 and hi + 1 == 2**k and 2 <= k <= 31:
        # clip to [0, 2^k - 1] is the saturation of a k-bit unsigned register: one C pass
        return requantize_image(q_in, m, d, register=(k, False))
    return np.clip(requantize_image(q_in, m, d), lo, hi)


def fold_bn(w, b, gamma, beta, mean, var, bn_eps: float = 1e-5, axis: int = 0):
    """Eq. 18, general form: fold y = gamma (phi - mean) / sigma + beta into the preceding linear
    layer: w' = (gamma / sigma) w, b' = (gamma / sigma)(b - mean) + beta, sigma =
    sqrt(var + bn_eps), per output channel along ``axis`` of w.  (The report writes
    b' = b + beta - gamma/sigma mean, the same for a layer without bias, b = 0.)

    Parameters
    ----------
    w : array_like
    b : array_like or None
    gamma, beta, mean, var : array_like
        One per output channel.
    bn_eps : float
    axis : int
        The output-channel axis of w.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The folded weight and bias.

    Examples
    --------
    >>> w, b = fold_bn(np.array([[1.0, 2.0]]), None, [2.0], [1.0], [0.5], [1.0], bn_eps=0.0)
    >>> w.tolist(), b.tolist()
    ([[2.0, 4.0]], [0.0])
    """
    w = np.asarray(w, dtype=np.float64)
    kappa = np.asarray(gamma, np.float64) / np.sqrt(np.asarray(var, np.float64) + bn_eps)
    shape = [1] * w.ndim
    shape[axis] = -1
    b = np.zeros_like(kappa) if b is None else np.asarray(b, np.float64)
    return w * kappa.reshape(shape), kappa * (b - np.asarray(mean, np.float64)) + np.asarray(beta, np.float64)


def bn_thresholds(gamma: float, beta: float, mean: float, sigma: float, eps_phi: float,
                  eps_y: float, levels: int) -> np.ndarray:
    """Eq. 19: integer thresholds TH_i = ceil((sigma/gamma * i * eps_y - beta sigma/gamma + mu)
    / eps_phi), i = 0..levels, that merge a BN (gamma > 0) with the following linear
    quantization into comparisons on the integer image (exact rational arithmetic).

    Parameters
    ----------
    gamma, beta, mean, sigma : float
        The BN parameters (gamma > 0, sigma > 0).
    eps_phi, eps_y : float
        The quanta of the BN input and of the quantized output.
    levels : int

    Returns
    -------
    numpy.ndarray of int64

    Raises
    ------
    ValueError
        gamma <= 0 or sigma <= 0 (flip the channel's sign first).

    Examples
    --------
    >>> bn_thresholds(1.0, 0.0, 0.0, 1.0, 0.5, 1.0, 3).tolist()
    [0, 2, 4, 6]
    """
    if gamma <= 0 or sigma <= 0:
        raise ValueError("bn_thresholds needs gamma > 0 and sigma > 0 (flip the channel otherwise)")
    # exact rational arithmetic on the parameters' values: a threshold that lands exactly on
    # an integer must not move by a float rounding
    g, b, m, s, ep, ey = (Fraction(v) for v in (gamma, beta, mean, sigma, eps_phi, eps_y))
    bound = 2**62   # a threshold beyond every int64 image acts as +-2^62 (a tiny gamma gives huge ones)
    return np.array([min(max(math.ceil((s / g * i * ey - b * s / g + m) / ep), -bound), bound)
                     for i in range(levels + 1)], dtype=np.int64)


def threshold_activation(q_phi, thresholds: np.ndarray) -> np.ndarray:
    """Eq. 20: Q_y = i where TH_i <= Q_phi < TH_(i+1), clipped to [0, levels - 1].

    Parameters
    ----------
    q_phi : array_like of int
    thresholds : numpy.ndarray
        From :func:`bn_thresholds`.

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> threshold_activation(np.array([-1, 0, 3, 9]), np.array([0, 2, 4, 6])).tolist()
    [0, 0, 1, 2]
    """
    q = np.asarray(q_phi)
    idx = np.searchsorted(thresholds, q, side="right") - 1
    return np.clip(idx, 0, thresholds.size - 2).astype(np.int64)


def bn_parameters(kappa, lam, eps_phi, bits: int = 8):
    """Eq. 21-22's integer parameters of a BN with slope kappa = gamma/sigma and offset
    lambda = beta - kappa mu: kappa quantized with a symmetric ``bits``-bit quantizer
    (eps_kappa = 2 max|kappa| / (2^bits - 1), round to nearest), lambda straight into the
    output quantum eps_kappa * eps_phi (floor, i.e. requantized with D = 1).

    Parameters
    ----------
    kappa, lam : array_like
        Per channel.
    eps_phi : float or array_like
        The input quantum (may be per channel).
    bits : int

    Returns
    -------
    (Q_kappa, eps_kappa, Q_phi(lambda), eps_out)

    Examples
    --------
    >>> q_kappa, eps_kappa, q_lambda, eps_out = bn_parameters([0.5, -1.0], [0.1, 0.0], 0.01, bits=4)
    >>> q_kappa.tolist(), q_lambda.tolist()     # -1 / (2/15) = -7.5 ties to even
    ([4, -8], [75, 0])
    """
    kappa = np.asarray(kappa, np.float64)
    top = float(np.max(np.abs(kappa), initial=0.0))
    eps_kappa = 2 * top / (2**bits - 1) if top > 0 else 1.0
    q_kappa = integral_int64(np.rint(kappa / eps_kappa), "kappa")
    eps_out = eps_kappa * np.asarray(eps_phi, np.float64)
    q_lambda = integral_int64(np.floor(np.asarray(lam, np.float64) / eps_out), "lambda")
    return q_kappa, eps_kappa, q_lambda, (float(eps_out) if eps_out.ndim == 0 else eps_out)


def integer_bn(q_phi, q_kappa, q_lambda, axis: int = 1) -> np.ndarray:
    """Eq. 22: Q_phi(phi) = Q_kappa * Q_phi + Q_phi(lambda), per channel along ``axis``.

    Parameters
    ----------
    q_phi : array_like of int
    q_kappa, q_lambda : array_like of int
        One per channel.
    axis : int

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> integer_bn(np.array([[1, 2], [3, 4]]), [2, -1], [10, 0]).tolist()
    [[12, -2], [16, -4]]
    """
    q = np.moveaxis(np.asarray(q_phi, np.int64), axis, -1)
    return np.moveaxis(q * np.asarray(q_kappa, np.int64) + np.asarray(q_lambda, np.int64), -1, axis)


def integer_add(images: Sequence, quanta: Sequence[float], factor: float = 256):
    """Eq. 24: add integer images of different quanta in the quantum of the first branch:
    Q_s = Q_b0 + sum_i RQ(b_i -> s)(Q_bi).

    Parameters
    ----------
    images : sequence of array_like of int
    quanta : sequence of float or array_like
        One per image; the other branches' may be per channel (axis 1), the first must be a
        scalar.
    factor : float
        1 / eta of the requantizations (NEMO: 256).

    Returns
    -------
    (numpy.ndarray, float)
        Q_s and eps_s.

    Raises
    ------
    ValueError
        Mismatched lists, or a per-channel first quantum.
    OverflowError
        A requantized branch beyond the 32-bit register.

    Examples
    --------
    >>> integer_add([np.array([10]), np.array([10])], [0.1, 0.2])[0].tolist()   # 10 + 20
    [30]
    """
    if len(images) != len(quanta) or not images:
        raise ValueError("integer_add needs as many quanta as images, at least one")
    if np.ndim(quanta[0]):
        raise ValueError("integer_add: the first branch's quantum (the sum's) must be a scalar")
    eps_s = float(quanta[0])
    total = np.asarray(images[0], np.int64)
    for q, eps in zip(images[1:], quanta[1:]):
        m, d = requant_parameters(eps, eps_s, factor)
        total = total + requantize_image(q, m, d, overflow="raise")
    return total, eps_s


def pool_reduce(x, k1: int, k2: int, ufunc=np.maximum) -> np.ndarray:
    """``ufunc`` (np.maximum, np.add) over the non-overlapping k1 x k2 windows of an (N, C, H, W)
    array (a trailing partial window is dropped), as k1 * k2 elementwise passes over strided
    views: much faster than a reduction over small inner axes.

    Parameters
    ----------
    x : array_like
        (N, C, H, W).
    k1, k2 : int
        The window.
    ufunc : numpy.ufunc

    Returns
    -------
    numpy.ndarray
        (N, C, H // k1, W // k2).

    Examples
    --------
    >>> pool_reduce(np.arange(16).reshape(1, 1, 4, 4), 2, 2).tolist()
    [[[[5, 7], [13, 15]]]]
    """
    x = np.asarray(x)
    h, w = x.shape[2] - x.shape[2] % k1, x.shape[3] - x.shape[3] % k2
    out = None
    for i in range(k1):
        for j in range(k2):
            tap = x[:, :, i:h:k1, j:w:k2]
            out = tap.copy() if out is None else ufunc(out, tap, out=out)
    return out


def window_sums(q, k1: int, k2: int) -> np.ndarray:
    """Sums of the non-overlapping k1 x k2 windows of an integer image, in int64.

    Parameters
    ----------
    q : array_like of int
        (N, C, H, W).
    k1, k2 : int

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> window_sums(np.arange(16).reshape(1, 1, 4, 4), 2, 2).tolist()
    [[[[10, 18], [42, 50]]]]
    """
    return pool_reduce(np.asarray(q, np.int64), k1, k2, np.add)


def integer_avgpool(q, k1: int, k2: int, d: int = 16) -> np.ndarray:
    """Eq. 25: average pooling of an integer image (N, C, H, W) with a k1 x k2 window (stride =
    window): (floor(2^d / (k1 k2)) * sum) >> d.

    Parameters
    ----------
    q : array_like of int
    k1, k2 : int
    d : int
        The shift of the division by k1 k2.

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> integer_avgpool(np.arange(16).reshape(1, 1, 4, 4), 2, 2).tolist()
    [[[[2, 4], [10, 12]]]]
    """
    return requantize_image(window_sums(q, k1, k2), (2**d) // (k1 * k2), d, overflow="raise")


def integer_maxpool(q, k1: int, k2: int) -> np.ndarray:
    """Max pooling on integer images, unchanged (quantization preserves order).

    Parameters
    ----------
    q : array_like of int
    k1, k2 : int

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> integer_maxpool(np.arange(16).reshape(1, 1, 4, 4), 2, 2).tolist()
    [[[[5, 7], [13, 15]]]]
    """
    return pool_reduce(q, k1, k2, np.maximum)
