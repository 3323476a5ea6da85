"""The quantized layers of an integer deployment (after the NEMO report, shared/seeds), one
class per layer kind, each with three views of the same layer: ``fake`` (float, quantized
values), ``exact`` (the QuantizedDeployable integer image, every requantization an exact floor)
and ``integer`` (the IntegerDeployable arithmetic on integer arrays only), and
``propagate(eps_in)`` deriving its quanta.  :mod:`fixpt.deploy.pipeline` builds networks of them.

Examples
--------
>>> q, eps = quantize_weight(np.array([[0.5, -1.0], [0.25, 0.125]]), bits=4)
>>> q.tolist(), eps
([[4, -7], [2, 1]], 0.14285714285714285)
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Optional, Sequence, Union

import numpy as np

from fixpt.base.checks import check_int
from fixpt.convert.exact import integral_int64
from fixpt.deploy import nemo
from fixpt.deploy.network import AvgPool, BatchNorm, Flatten, MaxPool, _pair, channel_shape, patches
from fixpt.fixed.arrays import from_raw
from fixpt.fixed.mac import accumulator_bits, matmul
from fixpt.formats import AccumulatorFormat, FixedFormat

Eps = Union[float, np.ndarray]
"""A quantum: a scalar, or one per channel (axis 1 of the tensor)."""


def quantize_weight(weight, bits: int = 8, per_channel: bool = False) -> tuple[np.ndarray, Eps]:
    """Symmetric integer weights Q_w and their quantum eps_w = max|w| / (2^(bits-1) - 1), per
    layer or per output channel (axis 0), rounded to nearest (Eq. 15-16).

    Parameters
    ----------
    weight : array_like
    bits : int
        2..32.
    per_channel : bool

    Returns
    -------
    (numpy.ndarray of int64, float or numpy.ndarray)

    Raises
    ------
    ValueError
        NaN or infinite weights.

    Examples
    --------
    >>> q, eps = quantize_weight(np.array([[0.5, -1.0], [0.25, 0.125]]), bits=4)
    >>> q.tolist(), eps
    ([[4, -7], [2, 1]], 0.14285714285714285)
    """
    bits = check_int("weight_bits", bits, 2, 32)
    w = np.asarray(weight, np.float64)
    top = 2 ** (bits - 1) - 1
    rows = np.abs(w.reshape(w.shape[0], -1))
    peak = rows.max(axis=1) if per_channel else np.max(rows, initial=0.0)
    eps = np.where(peak > 0, peak / top, 1.0)
    eps = eps if per_channel else float(eps)
    return integral_int64(np.clip(np.rint(w / _per_row(eps, w.ndim)), -top, top), "weight"), eps


def _per_row(eps: Eps, ndim: int) -> Eps:
    """A per-output-channel quantum shaped to scale the rows (axis 0) of an ndim-D weight."""
    return np.reshape(eps, (-1,) + (1,) * (ndim - 1)) if np.ndim(eps) else eps


def _floor_ratio(q: np.ndarray, eps_in: Eps, eps_out: Eps) -> np.ndarray:
    """floor(q * eps_in / eps_out) exactly (rational arithmetic on the quanta's float values),
    per channel (axis 1) when a quantum is per channel.

    Three paths, each exact: int64 when max|q| * numerator < 2^63; otherwise float64, where
    t = q * fl(ratio) is within |t| 2^-51 of the exact product (q exact below 2^53, two
    roundings of 2^-53), so floor(t) is exact wherever [t - |t| 2^-50, t + |t| 2^-50] holds no
    integer; the few elements near an integer (and every element when |q| >= 2^53) in Python
    integers."""
    pairs = np.broadcast_arrays(np.asarray(eps_in, np.float64), np.asarray(eps_out, np.float64))
    ratios = [Fraction(float(a)) / Fraction(float(b)) for a, b in zip(pairs[0].ravel(), pairs[1].ravel())]
    per_channel = pairs[0].ndim > 0
    q = np.asarray(q, np.int64)
    top = int(np.max(np.abs(q), initial=0))

    def shaped(values, dtype):
        array = np.array(values, dtype)
        return channel_shape(array, q.ndim) if per_channel else array[0]

    if max(top, 1) * max(r.numerator for r in ratios) < 2**63 and max(r.denominator for r in ratios) < 2**63:
        return q * shaped([r.numerator for r in ratios], np.int64) // shaped([r.denominator for r in ratios],
                                                                             np.int64)
    unsure = np.ones(q.shape, bool)
    out = np.zeros(q.shape, np.int64)
    if top < 2**53:
        t = q * shaped([float(r) for r in ratios], np.float64)
        margin = np.abs(t) * 2.0**-50
        low, high = np.floor(t - margin), np.floor(t + margin)
        unsure = (low != high) | (np.abs(high) >= 2.0**62)
        out = np.where(unsure, 0, high).astype(np.int64)
    for index in zip(*np.nonzero(unsure)):
        ratio = ratios[index[1] if per_channel else 0]
        value = int(q[index]) * ratio.numerator // ratio.denominator
        if not -2**63 <= value < 2**63:
            raise OverflowError(f"requantized image value {value} does not fit an int64 image")
        out[index] = value
    return out


def _exact_product(x: np.ndarray, w: np.ndarray, bias: Optional[np.ndarray]) -> np.ndarray:
    """x @ w.T + bias on integers, exactly (Eq. 16): in int64 when the bound
    k * max|x| * max|w| + max|bias| proves no partial sum reaches 2^63, else in Python ints."""
    def top(a):
        return int(np.max(np.abs(a), initial=0)) if a is not None else 0
    if x.shape[-1] * top(x) * top(w) + top(bias) < 2**63:
        y = x.astype(np.int64) @ w.T.astype(np.int64)
        return y if bias is None else y + bias
    y = x.astype(object) @ w.T.astype(object)
    return (y if bias is None else y + bias.astype(object)).astype(np.int64)


def _bits_of(values) -> int:
    """Signed bits that hold every value of an integer array (at least 1)."""
    return int(np.max(np.abs(values), initial=0)).bit_length() + 1


@dataclass
class IntegerContext:
    """The IntegerDeployable settings: 1/eta of activations (``factor``) and of adds
    (``add_factor``), Eq. 14; the shift d of average pooling, Eq. 25.

    Examples
    --------
    >>> IntegerContext()
    IntegerContext(factor=16, add_factor=256, pool_shift=16)
    """

    factor: float = 16
    add_factor: float = 256
    pool_shift: int = 16


@dataclass
class QuantLinear:
    """A Linear or Conv2d layer in quantized form: integer weights Q_w (out, in) with quantum
    eps_w (scalar or per output channel), the bias quantized to eps_w * eps_in (Eq. 16).

    Examples
    --------
    >>> q, eps = quantize_weight(np.array([[0.5, -1.0]]), 4)
    >>> layer = QuantLinear(q, eps, np.array([0.25]), 4).propagate(0.5)
    >>> layer.q_bias.tolist(), layer.exact(np.array([[2, 1]])).tolist()      # 4*2 - 7*1 + 4
    ([4], [[5]])
    """

    q_weight: np.ndarray
    eps_weight: Eps
    bias: Optional[np.ndarray]
    weight_bits: int
    conv: Optional[tuple] = None  # (kh, kw, stride, padding) for a convolution
    source: list = field(default_factory=list)
    eps_in: float = 1.0
    q_bias: Optional[np.ndarray] = None

    @property
    def kind(self) -> str:
        """The layer's kind in the per-layer report: conv or linear."""
        return "conv" if self.conv else "linear"

    def propagate(self, eps_in: Eps) -> "QuantLinear":
        """This layer with its quanta derived from the input quantum ``eps_in`` (NEMO's propagation)."""
        if np.ndim(eps_in):
            raise ValueError(f"a {self.kind} layer needs a scalar input quantum, got one per channel: "
                             f"put an Act (or use per_channel=False) before it")
        q_bias = None if self.bias is None else np.rint(np.asarray(self.bias) / (self.eps_weight * eps_in))
        return replace(self, eps_in=float(eps_in),
                       q_bias=None if q_bias is None else integral_int64(q_bias, "bias"))

    @property
    def eps_out(self) -> Eps:
        """Eq. 16: the quantum of the accumulator, eps_w * eps_x."""
        return self.eps_weight * self.eps_in

    def _operand(self, x: np.ndarray) -> tuple[np.ndarray, Optional[tuple]]:
        """The 2-D operand of the product (x, or its convolution windows) and the (N, OH, OW)
        to restore afterwards."""
        if self.conv is None:
            return x, None
        windows = patches(x, *self.conv)
        return windows.reshape(-1, windows.shape[-1]), windows.shape[:3]

    @staticmethod
    def _restore(y: np.ndarray, spatial: Optional[tuple]) -> np.ndarray:
        """Back from the 2-D product to the layer's output shape (NCHW for convolutions)."""
        if spatial is None:
            return y
        return np.ascontiguousarray(y.reshape(*spatial, -1).transpose(0, 3, 1, 2))

    def fake(self, y: np.ndarray) -> np.ndarray:
        """The FakeQuantized view: float inputs to float outputs, with quantized weights and activations."""
        operand, spatial = self._operand(y)
        z = operand @ (self.q_weight * _per_row(self.eps_weight, 2)).T
        return self._restore(z if self.q_bias is None else z + self.q_bias * self.eps_out, spatial)

    def exact(self, q: np.ndarray) -> np.ndarray:
        """The QuantizedDeployable view: the exact integer image of the output (every requantization an exact floor)."""
        operand, spatial = self._operand(q)
        return self._restore(_exact_product(operand, self.q_weight, self.q_bias), spatial)

    def integer(self, q: np.ndarray, bits: int, ctx: IntegerContext):
        """The IntegerDeployable view on integer images only: (output image, its bits, report fields)."""
        x_fmt = FixedFormat(bits, 0, True)
        w_fmt = FixedFormat(self.weight_bits, 0, True)
        acc_bits = accumulator_bits(x_fmt, w_fmt, self.q_weight.shape[1])
        out_bits = acc_bits if self.q_bias is None else max(acc_bits, _bits_of(self.q_bias)) + 1
        if out_bits > 64:
            raise ValueError(f"{self.kind}: its output image needs {out_bits} bits by the accumulator bound, "
                             f"above the 64 of an int64 image (requantize with an Act before it)")
        operand, spatial = self._operand(q)
        result, status = matmul(from_raw(operand, x_fmt), from_raw(np.ascontiguousarray(self.q_weight.T), w_fmt),
                                acc_format=AccumulatorFormat(acc_bits, 0, True), acc_overflow="raise",
                                out_format=FixedFormat(64, 0, True), overflow="raise", return_status=True)
        y = result.raw                                      # int64: the image container
        if self.q_bias is not None:
            y += self.q_bias
        y = self._restore(y, spatial)
        return y, out_bits, {"acc_bits": acc_bits, "acc_bits_used": status.max_acc_bits + 1}


@dataclass
class QuantAct:
    """PACT activation quantized to ``bits`` unsigned bits: eps_out = alpha / (2^bits - 1); the
    integer network requantizes with Eq. 11 (per channel if eps_in is).

    Examples
    --------
    >>> act = QuantAct(alpha=1.5, bits=2).propagate(0.1)
    >>> act.eps_out, act.exact(np.array([-3, 7, 100])).tolist()     # floor(q * 0.1 / 0.5), clipped
    (0.5, [0, 1, 3])
    """

    alpha: float
    bits: int
    source: list = field(default_factory=list)
    eps_in: Eps = 1.0
    kind = "act"

    def propagate(self, eps_in: Eps) -> "QuantAct":
        """This layer with its quanta derived from the input quantum ``eps_in`` (NEMO's propagation)."""
        return replace(self, eps_in=eps_in)

    @property
    def eps_out(self) -> float:
        """The quantum of the output."""
        return self.alpha / (2**self.bits - 1)

    def fake(self, y: np.ndarray) -> np.ndarray:
        """The FakeQuantized view: float inputs to float outputs, with quantized weights and activations."""
        return np.clip(np.floor(y / self.eps_out), 0, 2**self.bits - 1) * self.eps_out

    def exact(self, q: np.ndarray) -> np.ndarray:
        """The QuantizedDeployable view: the exact integer image of the output (every requantization an exact floor)."""
        return np.clip(_floor_ratio(q, self.eps_in, self.eps_out), 0, 2**self.bits - 1)   # Eq. 10

    def integer(self, q: np.ndarray, bits: int, ctx: IntegerContext):
        """The IntegerDeployable view on integer images only: (output image, its bits, report fields)."""
        beta = self.eps_out * 2**self.bits
        y = nemo.integer_activation(q, self.eps_in, self.eps_out, 0.0, beta, ctx.factor)
        m, d = nemo.requant_parameters(self.eps_in, self.eps_out, ctx.factor)
        return y, self.bits + 1, {"multiplier": m, "d": d}


@dataclass
class QuantBN:
    """Integer BN (Eq. 21-22): Q_phi = Q_kappa * Q_in + Q_phi(lambda), eps_out = eps_kappa * eps_in,
    kappa and lambda quantized with ``bits`` bits.

    Examples
    --------
    >>> from fixpt.deploy.network import BatchNorm
    >>> bn = BatchNorm(np.array([2.0]), np.array([0.5]), np.array([0.0]), np.array([1.0]), eps=0.0)
    >>> layer = QuantBN(bn, 8).propagate(0.25)
    >>> layer.q_kappa.tolist(), layer.q_lambda.tolist(), layer.exact(np.array([[4]])).tolist()
    ([128], [127], [[639]])
    """

    bn: BatchNorm
    bits: int
    source: list = field(default_factory=list)
    eps_in: Eps = 1.0
    q_kappa: Optional[np.ndarray] = None
    eps_kappa: float = 1.0
    q_lambda: Optional[np.ndarray] = None
    eps_out: Eps = 1.0
    kind = "bn"

    def propagate(self, eps_in: Eps) -> "QuantBN":
        """This layer with its quanta derived from the input quantum ``eps_in`` (NEMO's propagation)."""
        q_kappa, eps_kappa, q_lambda, eps_out = nemo.bn_parameters(self.bn.kappa, self.bn.lam, eps_in, self.bits)
        return replace(self, eps_in=eps_in, q_kappa=q_kappa, eps_kappa=eps_kappa, q_lambda=q_lambda,
                       eps_out=eps_out)

    def fake(self, y: np.ndarray) -> np.ndarray:
        """The FakeQuantized view: float inputs to float outputs, with quantized weights and activations."""
        return (channel_shape(self.q_kappa * self.eps_kappa, y.ndim) * y
                + channel_shape(self.q_lambda * self.eps_out, y.ndim))

    def exact(self, q: np.ndarray) -> np.ndarray:
        """The QuantizedDeployable view: the exact integer image of the output (every requantization an exact floor)."""
        return nemo.integer_bn(q, self.q_kappa, self.q_lambda)

    def integer(self, q: np.ndarray, bits: int, ctx: IntegerContext):
        """The IntegerDeployable view on integer images only: (output image, its bits, report fields)."""
        out_bits = max(bits + _bits_of(self.q_kappa) - 1, _bits_of(self.q_lambda)) + 1
        return nemo.integer_bn(q, self.q_kappa, self.q_lambda), out_bits, {"kappa_bits": _bits_of(self.q_kappa)}


@dataclass
class QuantThreshold:
    """A BatchNorm merged with the next PACT activation into integer thresholds (Eq. 19-20):
    exact, no approximation; 2^bits + 1 thresholds per channel.  A channel with gamma < 0
    compares -Q_in (Eq. 19 with gamma, mu negated), one with gamma = 0 is a constant.

    Examples
    --------
    >>> from fixpt.deploy.network import BatchNorm
    >>> bn = BatchNorm(np.array([2.0]), np.array([0.5]), np.array([0.0]), np.array([1.0]), eps=0.0)
    >>> layer = QuantThreshold(bn, alpha=1.5, bits=2).propagate(0.25)
    >>> layer.thresholds.tolist(), layer.exact(np.array([[-1], [1], [4]])).tolist()
    ([[-1, 0, 1, 2, 3]], [[0], [2], [3]])
    """

    bn: BatchNorm
    alpha: float
    bits: int
    source: list = field(default_factory=list)
    eps_in: Eps = 1.0
    thresholds: Optional[np.ndarray] = None  # (C, 2^bits + 1)
    signs: Optional[np.ndarray] = None       # (C,) in {-1, 0, 1}
    kind = "bn+act"

    @property
    def eps_out(self) -> float:
        """The quantum of the output."""
        return self.alpha / (2**self.bits - 1)

    def propagate(self, eps_in: Eps) -> "QuantThreshold":
        """This layer with its quanta derived from the input quantum ``eps_in`` (NEMO's propagation)."""
        levels = 2**self.bits
        gamma, beta, mean = (np.asarray(v, np.float64) for v in (self.bn.gamma, self.bn.beta, self.bn.mean))
        sigma = self.bn.sigma
        eps_phi = np.broadcast_to(np.asarray(eps_in, np.float64), gamma.shape)
        rows, signs = [], np.sign(gamma).astype(np.int64)
        for c in range(gamma.size):
            if signs[c] == 0:   # y = beta: every threshold at or below 0 up to floor(beta / eps_y)
                rows.append([0 if i * Fraction(self.eps_out) <= Fraction(float(beta[c])) else 1
                             for i in range(levels + 1)])
            else:
                rows.append(nemo.bn_thresholds(abs(gamma[c]), beta[c], signs[c] * mean[c], sigma[c],
                                               eps_phi[c], self.eps_out, levels))
        thresholds = np.array(rows, np.int64)
        return replace(self, eps_in=eps_in, thresholds=thresholds, signs=signs)

    def fake(self, y: np.ndarray) -> np.ndarray:
        """The FakeQuantized view: float inputs to float outputs, with quantized weights and activations."""
        return np.clip(np.floor(self.bn.forward(y) / self.eps_out), 0, 2**self.bits - 1) * self.eps_out

    def exact(self, q: np.ndarray) -> np.ndarray:
        """The QuantizedDeployable view: the exact integer image of the output (every requantization an exact floor)."""
        q = np.asarray(q, np.int64)
        out = np.empty_like(q)
        for c in range(q.shape[1]):
            out[:, c] = nemo.threshold_activation(self.signs[c] * q[:, c], self.thresholds[c])
        return out

    def integer(self, q: np.ndarray, bits: int, ctx: IntegerContext):
        """The IntegerDeployable view on integer images only: (output image, its bits, report fields)."""
        return self.exact(q), self.bits + 1, {"thresholds": self.thresholds.shape[1]}


@dataclass
class QuantAvgPool:
    """Average pooling: the exact image is floor(sum / K); the integer network computes
    (floor(2^d / K) * sum) >> d (Eq. 25), equal when K is a power of two.

    Examples
    --------
    >>> QuantAvgPool(2).propagate(0.5).exact(np.arange(16).reshape(1, 1, 4, 4)).tolist()
    [[[[2, 4], [10, 12]]]]
    """

    k: Union[int, tuple]
    source: list = field(default_factory=list)
    eps_in: Eps = 1.0
    kind = "avgpool"

    def propagate(self, eps_in: Eps) -> "QuantAvgPool":
        """This layer with its quanta derived from the input quantum ``eps_in`` (NEMO's propagation)."""
        return replace(self, eps_in=eps_in)

    @property
    def eps_out(self) -> Eps:
        """The output's quantum: the input's (the layer does not rescale)."""
        return self.eps_in

    def fake(self, y: np.ndarray) -> np.ndarray:
        """The FakeQuantized view: float inputs to float outputs, with quantized weights and activations."""
        return AvgPool(self.k).forward(y)

    def exact(self, q: np.ndarray) -> np.ndarray:
        """The QuantizedDeployable view: the exact integer image of the output (every requantization an exact floor)."""
        kh, kw = _pair(self.k)
        return np.floor_divide(nemo.window_sums(q, kh, kw), kh * kw)

    def integer(self, q: np.ndarray, bits: int, ctx: IntegerContext):
        """The IntegerDeployable view on integer images only: (output image, its bits, report fields)."""
        kh, kw = _pair(self.k)
        return nemo.integer_avgpool(q, kh, kw, ctx.pool_shift), bits, {"multiplier": 2**ctx.pool_shift // (kh * kw),
                                                                       "d": ctx.pool_shift}


@dataclass
class QuantShape:
    """MaxPool or Flatten: the same on floats and integer images; the quantum passes.

    Examples
    --------
    >>> from fixpt.deploy.network import Flatten
    >>> layer = QuantShape(Flatten()).propagate(0.5)
    >>> layer.kind, layer.eps_out, layer.exact(np.zeros((2, 1, 2, 2), np.int64)).shape
    ('flatten', 0.5, (2, 4))
    """

    layer: Union[MaxPool, Flatten]
    source: list = field(default_factory=list)
    eps_in: Eps = 1.0

    @property
    def kind(self) -> str:
        """The layer's kind in the per-layer report: maxpool or flatten."""
        return type(self.layer).__name__.lower()

    def propagate(self, eps_in: Eps) -> "QuantShape":
        """This layer with its quanta derived from the input quantum ``eps_in`` (NEMO's propagation)."""
        if np.ndim(eps_in) and isinstance(self.layer, Flatten):
            raise ValueError("Flatten needs a scalar quantum, got one per channel: put an Act before it")
        return replace(self, eps_in=eps_in)

    @property
    def eps_out(self) -> Eps:
        """The output's quantum: the input's (the layer does not rescale)."""
        return self.eps_in

    def fake(self, y: np.ndarray) -> np.ndarray:
        """The FakeQuantized view: float inputs to float outputs, with quantized weights and activations."""
        return self.layer.forward(y)

    def exact(self, q: np.ndarray) -> np.ndarray:
        """The QuantizedDeployable view: the exact integer image of the output (every requantization an exact floor)."""
        return self.layer.forward(q)

    def integer(self, q: np.ndarray, bits: int, ctx: IntegerContext):
        """The IntegerDeployable view on integer images only: (output image, its bits, report fields)."""
        return self.layer.forward(q), bits, {}


def _run(layers: Sequence, x: np.ndarray, view: str) -> np.ndarray:
    for layer in layers:
        x = getattr(layer, view)(x)
    return x


def _propagate(layers: Sequence, eps: Eps) -> list:
    """The layers with quanta derived from ``eps``, each from its predecessor's output."""
    out = []
    for layer in layers:
        out.append(layer.propagate(eps))
        eps = out[-1].eps_out
    return out


@dataclass
class QuantAdd:
    """An Add node: the sum lives in the quantum of branch 0; every other branch is requantized
    into it (Eq. 24; exact floor in the QuantizedDeployable image).

    Examples
    --------
    >>> add = QuantAdd([[], []]).propagate(0.5)       # x + x, both in the input's quantum
    >>> add.eps_out, add.exact(np.array([3])).tolist()
    (0.5, [6])
    """

    branches: list
    source: list = field(default_factory=list)
    eps_in: Eps = 1.0
    kind = "add"

    def propagate(self, eps_in: Eps) -> "QuantAdd":
        """This layer with its quanta derived from the input quantum ``eps_in`` (NEMO's propagation)."""
        added = replace(self, eps_in=eps_in, branches=[_propagate(branch, eps_in) for branch in self.branches])
        if np.ndim(added.eps_out):
            raise ValueError("Add: the first branch must end with a scalar quantum (an Act, or per_channel=False)")
        return added

    @property
    def branch_eps(self) -> list:
        """The quantum of each branch's output (the Add's input for an identity branch)."""
        return [branch[-1].eps_out if branch else self.eps_in for branch in self.branches]

    @property
    def eps_out(self) -> Eps:
        """The sum's quantum: the first branch's."""
        return self.branch_eps[0]

    def fake(self, y: np.ndarray) -> np.ndarray:
        """The FakeQuantized view: float inputs to float outputs, with quantized weights and activations."""
        return sum(_run(branch, y, "fake") for branch in self.branches)

    def exact(self, q: np.ndarray) -> np.ndarray:
        """The QuantizedDeployable view: the exact integer image of the output (every requantization an exact floor)."""
        images = [_run(branch, q, "exact") for branch in self.branches]
        return images[0] + sum(_floor_ratio(image, eps, self.eps_out)
                               for image, eps in zip(images[1:], self.branch_eps[1:]))
