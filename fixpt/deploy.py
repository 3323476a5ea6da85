"""Integer-only deployment of a sequential network, after the NEMO report (shared/seeds):
FullPrecision -> FakeQuantized -> QuantizedDeployable -> IntegerDeployable.

This first part covers sequential networks of ``Linear``, ``Conv2d``, ``BatchNorm``, ``Act``
(ReLU / PACT clipping), ``MaxPool`` and ``Flatten`` layers; ``fold_bn``; ``fake_quantize`` (symmetric weights,
PACT activations calibrated on data); and ``integerize``, whose network runs on integer
images only (fixpt's exact MAC kernel, then the requantizing activation of Eq. 11).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> net = Network([Linear(rng.normal(size=(8, 4)), np.zeros(8)), Act(), Linear(rng.normal(size=(3, 8)))])
>>> x = rng.integers(0, 16, (5, 4)).astype(float)
>>> fq = fake_quantize(net, x, input_eps=1.0, weight_bits=8, act_bits=8)
>>> integer = integerize(fq)
>>> q_int, eps = integer.integer_run(x)
>>> q_ref, eps_ref = fq.integer_images(x)
>>> eps == eps_ref, bool(np.all(np.abs(q_int - q_ref) <= np.abs(q_ref) // 8 + 64))
(True, True)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Optional

import numpy as np

from fixpt import nemo
from fixpt.array import from_raw
from fixpt.formats import AccumulatorFormat, FixedFormat
from fixpt.mac import accumulator_bits, matmul


@dataclass
class Linear:
    """y = x @ weight.T + bias; weight is (out, in)."""

    weight: np.ndarray
    bias: Optional[np.ndarray] = None


@dataclass
class BatchNorm:
    """y = gamma (x - mean) / sqrt(var + eps) + beta, per feature."""

    gamma: np.ndarray
    beta: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    eps: float = 1e-5


@dataclass
class Act:
    """ReLU, or PACT's clip(x, 0, alpha) when alpha is set (fake_quantize calibrates it)."""

    alpha: Optional[float] = None


@dataclass
class Flatten:
    """Flattens all but the batch axis."""


@dataclass
class Conv2d:
    """2-D convolution (cross-correlation) of NCHW inputs; weight is (O, C, KH, KW)."""

    weight: np.ndarray
    bias: Optional[np.ndarray] = None
    stride: int = 1
    padding: int = 0


@dataclass
class MaxPool:
    """k x k max pooling with stride k (unchanged by quantization: it preserves order)."""

    k: int = 2


def _patches(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    """(N, OH, OW, C*KH*KW) windows of an NCHW array, in (c, kh, kw) order."""
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]
    n, c, oh, ow = windows.shape[:4]
    return np.ascontiguousarray(windows.transpose(0, 2, 3, 1, 4, 5)).reshape(n, oh, ow, c * kh * kw)


def _shape_op(layer, x: np.ndarray) -> np.ndarray:
    """Layers that only move or select values act alike on floats and integer images."""
    if isinstance(layer, Flatten):
        return x.reshape(x.shape[0], -1)
    if isinstance(layer, MaxPool):
        return nemo.integer_maxpool(x, layer.k, layer.k) if x.dtype.kind in "iu" else \
            x[:, :, :x.shape[2] - x.shape[2] % layer.k, :x.shape[3] - x.shape[3] % layer.k].reshape(
                x.shape[0], x.shape[1], x.shape[2] // layer.k, layer.k, x.shape[3] // layer.k, layer.k).max(axis=(3, 5))
    raise TypeError(f"unsupported layer {layer!r}")


def _conv_matrix(layer) -> np.ndarray:
    w = np.asarray(layer.weight)
    return w.reshape(w.shape[0], -1)


def _float_forward(layer, x: np.ndarray) -> np.ndarray:
    if isinstance(layer, Linear):
        y = x @ np.asarray(layer.weight, np.float64).T
        return y if layer.bias is None else y + layer.bias
    if isinstance(layer, Conv2d):
        kh, kw = layer.weight.shape[2:]
        y = _patches(x, kh, kw, layer.stride, layer.padding) @ _conv_matrix(layer).T
        y = y if layer.bias is None else y + layer.bias
        return np.ascontiguousarray(y.transpose(0, 3, 1, 2))
    if isinstance(layer, BatchNorm):
        shape = (1, -1, 1, 1) if x.ndim == 4 else (1, -1)
        return (np.reshape(layer.gamma, shape) * (x - np.reshape(layer.mean, shape))
                / np.sqrt(np.reshape(layer.var, shape) + layer.eps) + np.reshape(layer.beta, shape))
    if isinstance(layer, Act):
        return np.maximum(x, 0.0) if layer.alpha is None else np.clip(x, 0.0, layer.alpha)
    return _shape_op(layer, x)


@dataclass
class Network:
    """A sequence of layers, run in full precision (float64)."""

    layers: list

    def run(self, x) -> np.ndarray:
        y = np.asarray(x, np.float64)
        for layer in self.layers:
            y = _float_forward(layer, y)
        return y

    def activations(self, x) -> list:
        """The output of every layer, in order (for calibration and reports)."""
        out, y = [], np.asarray(x, np.float64)
        for layer in self.layers:
            y = _float_forward(layer, y)
            out.append(y)
        return out


def fold_bn(net: Network) -> Network:
    """A new network with every BatchNorm that follows a Linear folded into it (Eq. 18)."""
    layers: list = []
    for layer in net.layers:
        if isinstance(layer, BatchNorm) and layers and isinstance(layers[-1], (Linear, Conv2d)):
            prev = layers.pop()
            w, b = nemo.fold_bn(prev.weight, prev.bias, layer.gamma, layer.beta, layer.mean,
                                layer.var, layer.eps)
            layers.append(Linear(w, b) if isinstance(prev, Linear) else Conv2d(w, b, prev.stride, prev.padding))
        else:
            layers.append(layer)
    return Network(layers)


@dataclass
class QuantLinear:
    """A linear layer in quantized form: integer weight and bias images and their quanta."""

    q_weight: np.ndarray
    eps_weight: float
    q_bias: Optional[np.ndarray]
    eps_in: float
    weight_bits: int
    conv: Optional[tuple] = None  # (kh, kw, stride, padding) for a convolution

    def patches(self, q: np.ndarray) -> tuple[np.ndarray, Optional[tuple]]:
        """The 2-D operand of the product (q itself, or its convolution windows) and the
        (N, OH, OW) to restore afterwards."""
        if self.conv is None:
            return q, None
        kh, kw, stride, padding = self.conv
        p = _patches(q, kh, kw, stride, padding)
        return p.reshape(-1, p.shape[-1]), p.shape[:3]

    @staticmethod
    def unpatch(y: np.ndarray, spatial: Optional[tuple]) -> np.ndarray:
        """Back from the 2-D product to the layer's output shape (NCHW for convolutions)."""
        if spatial is None:
            return y
        n, oh, ow = spatial
        return np.ascontiguousarray(y.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2))

    @property
    def eps_out(self) -> float:
        """Eq. 16: the quantum of the accumulator, eps_w * eps_x."""
        return self.eps_weight * self.eps_in


@dataclass
class QuantAct:
    """PACT activation quantized to ``bits`` unsigned bits: eps = alpha / (2^bits - 1)."""

    alpha: float
    bits: int
    eps_in: float

    @property
    def eps_out(self) -> float:
        return self.alpha / (2**self.bits - 1)


def _floor_ratio(q: np.ndarray, eps_in: float, eps_out: float) -> np.ndarray:
    """floor(q * eps_in / eps_out) exactly (rational arithmetic on the quanta's values)."""
    ratio = Fraction(eps_in) / Fraction(eps_out)
    q = np.asarray(q)
    if int(np.max(np.abs(q), initial=0)) * ratio.numerator < 2**63 and ratio.denominator < 2**63:
        return np.floor_divide(q.astype(np.int64) * ratio.numerator, ratio.denominator)  # proven in int64
    exact = (q.astype(object) * ratio.numerator) // ratio.denominator
    return exact.astype(np.int64)


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


@dataclass
class QuantizedNetwork:
    """The quantized network in two views. ``run(x, "fake_quantized")`` computes in float
    with quantized weights and activations (the training-time view); the default
    ``"quantized_deployable"`` computes exact integer images (``integer_images``) with the
    linear quantization of Eq. 10 applied exactly: the reference an integer deployment is
    checked against."""

    layers: list
    input_eps: float

    def quantize_input(self, x) -> np.ndarray:
        """The natural integer image of the input: floor(x / input_eps) (Eq. 10)."""
        return np.floor(np.asarray(x, np.float64) / self.input_eps).astype(np.int64)

    def integer_images(self, x) -> tuple[np.ndarray, float]:
        """Exact integer image of the output, and its quantum."""
        q, eps = self.quantize_input(x), self.input_eps
        for layer in self.layers:
            if isinstance(layer, QuantLinear):
                operand, spatial = layer.patches(q)
                q = layer.unpatch(_exact_product(operand, layer.q_weight, layer.q_bias), spatial)
                eps = layer.eps_out
            elif isinstance(layer, QuantAct):
                q = np.clip(_floor_ratio(q, eps, layer.eps_out), 0, 2**layer.bits - 1)  # Eq. 10
                eps = layer.eps_out
            else:
                q = _shape_op(layer, q)
        return q, eps

    def run(self, x, representation: str = "quantized_deployable") -> np.ndarray:
        if representation == "quantized_deployable":
            q, eps = self.integer_images(x)
            return q * eps
        if representation != "fake_quantized":
            raise ValueError(f"representation={representation!r} is not one of: fake_quantized, "
                             f"quantized_deployable")
        y = self.quantize_input(x) * self.input_eps
        for layer in self.layers:
            if isinstance(layer, QuantLinear):
                operand, spatial = layer.patches(y)
                z = operand @ (layer.q_weight * layer.eps_weight).T
                if layer.q_bias is not None:
                    z = z + layer.q_bias * layer.eps_out
                y = layer.unpatch(z, spatial)
            elif isinstance(layer, QuantAct):
                y = np.clip(np.floor(y / layer.eps_out), 0, 2**layer.bits - 1) * layer.eps_out
            else:
                y = _shape_op(layer, y)
        return y


def fake_quantize(net: Network, calibration_x, input_eps: float, weight_bits: int = 8,
                  act_bits: int = 8, percentile: float = 100.0) -> QuantizedNetwork:
    """Quantize a (BN-folded) network: weights symmetric per layer, eps_w = max|w| / (2^(b-1)
    - 1), round to nearest; biases to eps_w * eps_x; each activation's PACT alpha from the
    ``percentile`` of its calibration outputs, eps_y = alpha / (2^act_bits - 1)."""
    if any(isinstance(layer, BatchNorm) for layer in net.layers):
        raise ValueError("fold_bn(net) first: fake_quantize expects no BatchNorm layers")
    outputs = net.activations(calibration_x)
    layers, eps = [], float(input_eps)
    for layer, out in zip(net.layers, outputs):
        if isinstance(layer, (Linear, Conv2d)):
            w = np.asarray(layer.weight, np.float64)
            conv = None
            if isinstance(layer, Conv2d):
                conv = (w.shape[2], w.shape[3], layer.stride, layer.padding)
                w = w.reshape(w.shape[0], -1)
            top = 2 ** (weight_bits - 1) - 1
            eps_w = float(np.max(np.abs(w))) / top if np.any(w) else 1.0
            q_w = np.clip(np.rint(w / eps_w), -top, top).astype(np.int64)
            q_b = None if layer.bias is None else np.rint(np.asarray(layer.bias) / (eps_w * eps)).astype(np.int64)
            ql = QuantLinear(q_w, eps_w, q_b, eps, weight_bits, conv)
            layers.append(ql)
            eps = ql.eps_out
        elif isinstance(layer, Act):
            alpha = layer.alpha if layer.alpha is not None else float(np.percentile(out, percentile))
            qa = QuantAct(max(alpha, 1e-12), act_bits, eps)
            layers.append(qa)
            eps = qa.eps_out
        elif isinstance(layer, (Flatten, MaxPool)):
            layers.append(layer)
        else:
            raise TypeError(f"unsupported layer {layer!r}")
    return QuantizedNetwork(layers, float(input_eps))


@dataclass
class IntegerNetwork:
    """IntegerDeployable: integer images only. Linear layers accumulate exactly in an
    accumulator of the exact width (fixpt MAC kernel, overflow raises), activations
    requantize with Eq. 11 (multiplier and right shift d from Eq. 13-14)."""

    quantized: QuantizedNetwork
    factor: float = 16
    report: list = field(default_factory=list)

    def _step(self, layer, q: np.ndarray, eps: float, bits_in: int):
        """One layer on an integer image: (image, quantum, bits of the image, report row)."""
        if isinstance(layer, QuantLinear):
            k = layer.q_weight.shape[1]
            x_fmt = FixedFormat(bits_in, 0, True)
            w_fmt = FixedFormat(layer.weight_bits, 0, True)
            acc_bits = accumulator_bits(x_fmt, w_fmt, k)
            operand, spatial = layer.patches(q)
            result, status = matmul(from_raw(operand, x_fmt), from_raw(np.ascontiguousarray(layer.q_weight.T), w_fmt),
                                    acc_format=AccumulatorFormat(acc_bits, 0, True), acc_overflow="raise",
                                    out_format=FixedFormat(min(64, acc_bits + 1), 0, True), return_status=True)
            y = result.raw.astype(np.int64)
            if layer.q_bias is not None:
                y = y + layer.q_bias
            q = layer.unpatch(y, spatial)
            bits_in = max(1, int(np.max(np.abs(q), initial=0)).bit_length() + 1)
            return q, layer.eps_out, bits_in, {"layer": "linear", "eps": layer.eps_out, "acc_bits": acc_bits,
                                               "acc_bits_used": status.max_acc_bits + 1}
        if isinstance(layer, QuantAct):
            top = 2**layer.bits - 1
            q = nemo.integer_activation(q, eps, layer.eps_out, 0.0, layer.eps_out * (top + 1), self.factor)
            m, d = nemo.requant_parameters(eps, layer.eps_out, self.factor)
            return q, layer.eps_out, layer.bits + 1, {"layer": "act", "eps": layer.eps_out,
                                                     "multiplier": m, "d": d}
        kind = "flatten" if isinstance(layer, Flatten) else "maxpool"
        return _shape_op(layer, q), eps, bits_in, {"layer": kind, "eps": eps}

    def integer_run(self, x) -> tuple[np.ndarray, float]:
        """The integer image of the output and its quantum (``report`` is refreshed)."""
        q, eps = self.quantized.quantize_input(x), self.quantized.input_eps
        bits_in = max(1, int(np.max(np.abs(q), initial=0)).bit_length() + 1)
        self.report = []
        for layer in self.quantized.layers:
            q, eps, bits_in, row = self._step(layer, q, eps, bits_in)
            if row["layer"] not in ("flatten", "maxpool"):
                self.report.append(row)
        return q, eps

    def run(self, x) -> np.ndarray:
        """The output values, eps * Q (for comparison with the other representations)."""
        q, eps = self.integer_run(x)
        return q * eps

    def layer_report(self, float_net: Network, x) -> list:
        """Per layer: kind, quantum, accumulator bits needed vs used or requantization (m, d),
        and the SQNR (dB) of the integer layer's values eps * Q against the float network's."""
        q, eps = self.quantized.quantize_input(x), self.quantized.input_eps
        bits_in = max(1, int(np.max(np.abs(q), initial=0)).bit_length() + 1)
        rows = []
        for layer, ref in zip(self.quantized.layers, float_net.activations(x)):
            q, eps, bits_in, row = self._step(layer, q, eps, bits_in)
            noise = float(np.mean((q * eps - ref) ** 2))
            row["sqnr_db"] = math.inf if noise == 0 else float(10 * np.log10(np.mean(ref**2) / noise))
            rows.append(row)
        return rows


def integerize(quantized: QuantizedNetwork, factor: float = 16) -> IntegerNetwork:
    """The IntegerDeployable network of a quantized one (``factor`` = 1/eta of Eq. 14)."""
    return IntegerNetwork(quantized, factor)


__all__ = ["Act", "BatchNorm", "Conv2d", "Flatten", "MaxPool", "IntegerNetwork", "Linear", "Network", "QuantAct",
           "QuantLinear", "QuantizedNetwork", "fake_quantize", "fold_bn", "integerize"]
