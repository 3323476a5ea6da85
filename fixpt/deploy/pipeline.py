"""Integer-only deployment of a network, after the NEMO report (shared/seeds): FullPrecision
(``fixpt.deploy.network``) -> FakeQuantized -> QuantizedDeployable -> IntegerDeployable.

``fake_quantize`` turns a float network into a ``QuantizedNetwork``: weights quantized
symmetrically (per layer or per output channel), activations clipped and quantized as PACT
with alpha calibrated on data, BatchNorm kept as integer BN (Eq. 21-22) or merged with the next
activation into integer thresholds (Eq. 19-20), Add nodes requantizing their branches
(Eq. 24), average pooling as Eq. 25. ``propagate_quanta`` derives every tensor's quantum eps
from the input's. ``integerize`` gives the ``IntegerNetwork``, which runs on integer arrays only:
fixpt's exact MAC kernel with an accumulator of the proven width, requantization by a
multiplier and a right shift (Eq. 11-14).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> net = Network([Linear(rng.normal(size=(8, 4)), np.zeros(8)), Act(), Linear(rng.normal(size=(3, 8)))])
>>> x = rng.integers(0, 16, (5, 4)).astype(float)
>>> fq = fake_quantize(net, x, input_eps=1.0, weight_bits=8, act_bits=8)
>>> q_int, eps = integerize(fq).integer_run(x)
>>> q_ref, eps_ref = fq.integer_images(x)
>>> eps == eps_ref, bool(np.all(np.abs(q_int - q_ref) <= np.abs(q_ref) // 8 + 64))
(True, True)
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional, Sequence

import numpy as np

from fixpt.base.checks import check_int
from fixpt.convert.exact import integral_int64
from fixpt.deploy import nemo
from fixpt.deploy.layers import (Eps, IntegerContext, QuantAct, QuantAdd, QuantAvgPool, QuantBN,
                                 QuantLinear, QuantShape, QuantThreshold, _bits_of, _per_row, _propagate,
                                 _run, quantize_weight)
from fixpt.deploy.network import (Act, Add, AvgPool, BatchNorm, Conv2d, Flatten, Linear, MaxPool, Network,
                                  _map_layers, add_input_bias, channel_shape, run_layers)
from fixpt.diagnostics.errors import error_stats
from fixpt.formats import FixedFormat
from fixpt.quant import calibrate

def harden_weights(net: Network, weight_bits: int = 8, per_channel: bool = False) -> Network:
    """A float network whose Linear and Conv2d weights are replaced by their quantized values
    eps_w * Q_w (NEMO's ``harden_weights``), branches included.

    Parameters
    ----------
    net : Network
    weight_bits : int
    per_channel : bool
        Quanta per output channel instead of per layer.

    Returns
    -------
    Network

    Examples
    --------
    >>> from fixpt.deploy import Network, Linear, Act
    >>> net = Network([Linear(np.array([[0.5, -0.25]]), np.array([0.125])), Act()])
    >>> x = np.array([[4.0, 2.0], [1.0, 6.0]])
    >>> harden_weights(net, weight_bits=2).layers[0].weight.tolist()     # eps_w = 0.5
    [[0.5, 0.0]]
    """
    def harden(layers):
        out = []
        for layer in layers:
            if isinstance(layer, (Linear, Conv2d)):
                q, eps = quantize_weight(layer.weight, weight_bits, per_channel)
                layer = replace(layer, weight=q * _per_row(eps, q.ndim))
            out.append(layer)
        return out
    return Network(_map_layers(net.layers, harden))


@dataclass
class QuantizedNetwork:
    """The quantized network in two views.

    ``run(x, "fake_quantized")`` computes in float with quantized weights and activations (the
    training-time view); the default ``"quantized_deployable"`` computes the exact integer
    images (``integer_images``), every requantization an exact floor: the reference an integer
    deployment is checked against.  Inputs are quantized as Q = floor((x - input_offset) /
    input_eps) (Eq. 10).

    Examples
    --------
    >>> from fixpt.deploy import Network, Linear, Act
    >>> net = Network([Linear(np.array([[0.5, -0.25]]), np.array([0.125])), Act()])
    >>> x = np.array([[4.0, 2.0], [1.0, 6.0]])
    >>> fq = fake_quantize(net, x, input_eps=1.0)
    >>> q, eps = fq.integer_images(x)
    >>> q.tolist(), eps == 1.625 / 255                # the activation's quantum alpha / (2^8 - 1)
    ([[254], [0]], True)
    """

    layers: list
    input_eps: float
    input_offset: float = 0.0

    def quantize_input(self, x) -> np.ndarray:
        """The natural integer image of the input."""
        return integral_int64(np.floor((np.asarray(x, np.float64) - self.input_offset) / self.input_eps), "x")

    @property
    def eps_out(self) -> Eps:
        """The output's quantum (the last layer's, or the input's for an empty network)."""
        return self.layers[-1].eps_out if self.layers else self.input_eps

    def integer_images(self, x) -> tuple[np.ndarray, Eps]:
        """Exact integer image of the output, and its quantum."""
        return _run(self.layers, self.quantize_input(x), "exact"), self.eps_out

    def run(self, x, representation: str = "quantized_deployable") -> np.ndarray:
        """The output values of one representation.

        Parameters
        ----------
        x : array_like
            Float inputs (quantized by ``quantize_input``).
        representation : {"quantized_deployable", "fake_quantized"}

        Returns
        -------
        numpy.ndarray
        """
        if representation == "quantized_deployable":
            q, eps = self.integer_images(x)
            return q * channel_shape(eps, q.ndim)
        if representation != "fake_quantized":
            raise ValueError(f"representation={representation!r} is not one of: fake_quantized, "
                             f"quantized_deployable")
        return _run(self.layers, self.quantize_input(x) * self.input_eps, "fake")


def propagate_quanta(quantized: QuantizedNetwork, input_eps: Optional[float] = None) -> QuantizedNetwork:
    """A new network with every tensor's quantum derived from the input's (Eq. 16 after linear
    layers, alpha / (2^bits - 1) after activations, eps_kappa * eps_in after integer BN, branch
    0's after an Add, unchanged by pooling) and the parameters that depend on them (biases,
    lambda, thresholds) requantized.

    Parameters
    ----------
    quantized : QuantizedNetwork
    input_eps : float, optional
        A new input quantum (default: the network's).

    Returns
    -------
    QuantizedNetwork

    Raises
    ------
    ValueError
        A quantum that is not > 0.

    Examples
    --------
    >>> from fixpt.deploy import Network, Linear, Act
    >>> net = Network([Linear(np.array([[0.5, -0.25]]), np.array([0.125])), Act()])
    >>> x = np.array([[4.0, 2.0], [1.0, 6.0]])
    >>> fq = fake_quantize(net, x, input_eps=1.0)
    >>> propagate_quanta(fq, 0.5).layers[0].eps_out == fq.layers[0].eps_out / 2
    True
    """
    eps = quantized.input_eps if input_eps is None else float(input_eps)
    if not eps > 0:
        raise ValueError(f"input_eps={input_eps!r} must be > 0")
    return replace(quantized, layers=_propagate(quantized.layers, eps), input_eps=eps)


CALIBRATIONS = ("percentile", "max", "mse", "kl")
KL_MAX_BITS = 10


def _calibrate_alpha(out: np.ndarray, settings: dict) -> float:
    """PACT's clipping alpha for a (non-negative) activation from its float values: a
    percentile, the maximum, the MSE-optimal or the KL (TensorRT entropy) threshold of a
    ``act_bits``-bit unsigned quantizer."""
    method, levels = settings["calibration"], 2 ** settings["act_bits"] - 1
    if method == "percentile":
        return calibrate.percentile_threshold(out, settings["percentile"])
    if method == "max":
        return float(np.max(out, initial=0.0))
    if method == "mse":   # round-to-nearest MSE; an unsigned b-bit grid is half a (b+1)-bit symmetric one
        return calibrate.mse_threshold(out, settings["act_bits"] + 1)
    # TensorRT's 8-bit proportions (2048 bins, 128 levels, candidates from bin 128), scaled with
    # the levels so that the first candidate still has a bin per level and the maximum 16
    scale = -(-levels // 128)
    return calibrate.kl_threshold(out, levels=levels, num_bins=2048 * scale, start_bin=128 * scale)


def _quantize_layers(layers: Sequence, y: np.ndarray, settings: dict) -> tuple[list, np.ndarray]:
    """Quantized layers for a float layer list, with y the float input for calibration."""
    def alpha_of(act: Act, out: np.ndarray) -> float:
        return max(act.alpha if act.alpha is not None else _calibrate_alpha(out, settings), 1e-12)

    out, i = [], 0
    while i < len(layers):
        layer = layers[i]
        following = layers[i + 1] if i + 1 < len(layers) else None
        if isinstance(layer, (Linear, Conv2d)):
            q, eps = quantize_weight(layer.weight, settings["weight_bits"], settings["per_channel"])
            conv = (q.shape[2], q.shape[3], layer.stride, layer.padding) if isinstance(layer, Conv2d) else None
            out.append(QuantLinear(q.reshape(q.shape[0], -1), eps, layer.bias, settings["weight_bits"], conv, [layer]))
        elif isinstance(layer, BatchNorm) and settings["thresholds"] and isinstance(following, Act):
            y = layer.forward(y)
            y_act = following.forward(y)
            out.append(QuantThreshold(layer, alpha_of(following, y_act), settings["act_bits"], [layer, following]))
            y, i = y_act, i + 2
            continue
        elif isinstance(layer, BatchNorm):
            if settings["bn"] == "thresholds":
                raise ValueError("bn='thresholds' needs an Act right after every BatchNorm")
            out.append(QuantBN(layer, settings["bn_bits"], [layer]))
        elif isinstance(layer, Act):
            out.append(QuantAct(alpha_of(layer, layer.forward(y)), settings["act_bits"], [layer]))
        elif isinstance(layer, Add):
            branches, outputs = zip(*(_quantize_layers(branch, y, settings) for branch in layer.branches))
            out.append(QuantAdd(list(branches), [layer]))
            y, i = sum(outputs), i + 1
            continue
        elif isinstance(layer, AvgPool):
            out.append(QuantAvgPool(layer.k, [layer]))
        elif isinstance(layer, (MaxPool, Flatten)):
            out.append(QuantShape(layer, [layer]))
        else:
            raise TypeError(f"unsupported layer {layer!r}")
        y, i = layer.forward(y), i + 1
    return out, y


def fake_quantize(net: Network, calibration_x, input_eps: float, weight_bits: int = 8, act_bits: int = 8,
                  percentile: float = 100.0, *, calibration: str = "percentile", input_offset: float = 0.0,
                  per_channel: bool = False, bn: str = "auto", bn_bits: int = 8) -> QuantizedNetwork:
    """Quantize a float network (FullPrecision -> FakeQuantized / QuantizedDeployable).

    Weights are symmetric (:func:`quantize_weight`, per layer or per output channel), biases
    go to eps_w * eps_x, and each activation's PACT alpha (unless the Act sets one) is
    calibrated on its float outputs for ``calibration_x``; then eps_y = alpha / (2^act_bits - 1).
    A BatchNorm left in the network (``fold_bn`` folds them) becomes integer BN or is merged
    with the next Act into integer thresholds.

    Parameters
    ----------
    net : Network
    calibration_x : array_like
        Float inputs for calibration.
    input_eps : float
        The input quantum (> 0): x = input_offset + input_eps * Q.
    weight_bits, act_bits : int
        2..32 and 1..16.
    percentile : float
        The percentile of ``calibration="percentile"`` (100: the maximum).
    calibration : ('percentile', 'max', 'mse', 'kl')
        How alphas are chosen (:mod:`fixpt.quant.calibrate`).
    input_offset : float
        A natural input offset (Sec. 3.7: :func:`add_input_bias`).
    per_channel : bool
        Weight quanta per output channel.
    bn : ('auto', 'integer', 'thresholds')
        Integer BN (Eq. 21-22) or thresholds (Eq. 19-20); "auto": thresholds when
        act_bits <= 4.
    bn_bits : int
        Bits of kappa and lambda in integer BN.

    Returns
    -------
    QuantizedNetwork

    Raises
    ------
    ValueError
        Arguments out of range, or a structure the representations do not support.

    Examples
    --------
    >>> from fixpt.deploy import Network, Linear, Act
    >>> net = Network([Linear(np.array([[0.5, -0.25]]), np.array([0.125])), Act()])
    >>> x = np.array([[4.0, 2.0], [1.0, 6.0]])
    >>> fq = fake_quantize(net, x, input_eps=1.0, weight_bits=8, act_bits=4)
    >>> fq.run(x, "fake_quantized").round(3).tolist(), net.run(x).tolist()   # 14 steps of 1.625/15
    ([[1.517], [0.0]], [[1.625], [0.0]])
    """
    weight_bits = check_int("weight_bits", weight_bits, 2, 32)
    act_bits = check_int("act_bits", act_bits, 1, 16)
    bn_bits = check_int("bn_bits", bn_bits, 2, 32)
    if bn not in ("auto", "integer", "thresholds"):
        raise ValueError(f"bn={bn!r} is not one of: auto, integer, thresholds")
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile={percentile!r} is outside the allowed range (0, 100]")
    if calibration not in CALIBRATIONS:
        raise ValueError(f"calibration={calibration!r} is not one of: {', '.join(CALIBRATIONS)}")
    if not input_eps > 0:
        raise ValueError(f"input_eps={input_eps!r} must be > 0")
    if calibration == "kl" and act_bits > KL_MAX_BITS:
        raise ValueError(f"calibration='kl' takes act_bits up to {KL_MAX_BITS} (its histogram needs 16 bins per "
                         f"level), got act_bits={act_bits}; use calibration='mse' or 'percentile'")
    if input_offset:
        net = add_input_bias(net, input_offset)
    settings = dict(weight_bits=weight_bits, act_bits=act_bits, percentile=percentile, calibration=calibration,
                    per_channel=per_channel,
                    bn=bn, bn_bits=bn_bits, thresholds=bn == "thresholds" or (bn == "auto" and act_bits <= 4))
    layers, _ = _quantize_layers(net.layers, np.asarray(calibration_x, np.float64) - input_offset, settings)
    return propagate_quanta(QuantizedNetwork(layers, float(input_eps), float(input_offset)))


@dataclass
class IntegerNetwork:
    """IntegerDeployable: integer images only.

    Linear layers accumulate exactly in an accumulator of the proven width (fixpt MAC kernel,
    overflow raises); activations and adds requantize by multiplier and shift (Eq. 11-14, 24);
    average pooling by Eq. 25; BN as integer BN or thresholds.  ``report`` holds one row per
    layer after each run.

    Examples
    --------
    >>> from fixpt.deploy import Network, Linear, Act
    >>> net = Network([Linear(np.array([[0.5, -0.25]]), np.array([0.125])), Act()])
    >>> x = np.array([[4.0, 2.0], [1.0, 6.0]])
    >>> integer = integerize(fake_quantize(net, x, input_eps=1.0))
    >>> q, eps = integer.integer_run(x)
    >>> q.tolist(), [row["layer"] for row in integer.report]   # 254 exactly; 1/eta = 16 errs low
    ([[244], [0]], ['linear', 'act'])
    """

    quantized: QuantizedNetwork
    context: IntegerContext = field(default_factory=IntegerContext)
    report: list = field(default_factory=list)

    def _walk(self, layers, q, eps, bits, y_float, rows, prefix):
        for index, layer in enumerate(layers):
            path = f"{prefix}{index}"
            if isinstance(layer, QuantAdd):
                results = [self._walk(branch, q, eps, bits, y_float, rows, f"{path}.{b}.")
                           for b, branch in enumerate(layer.branches)]
                q, _ = nemo.integer_add([r[0] for r in results], layer.branch_eps, self.context.add_factor)
                requant = [nemo.requant_parameters(e, layer.eps_out, self.context.add_factor)
                           for e in layer.branch_eps[1:]]
                # |RQ(Q)| <= |Q| m / 2^d: a requantized branch grows by at most bits(m) - d bits
                grown = [r[2] + max(0, int(np.max(m)).bit_length() - int(np.min(d)))
                         for r, (m, d) in zip(results[1:], requant)]
                bits = max([results[0][2]] + grown) + (len(results) - 1).bit_length()
                row = {"multiplier": [m for m, _ in requant], "d": [d for _, d in requant]}
                y_float = None if y_float is None else sum(r[3] for r in results)
            else:
                q, bits, row = layer.integer(q, bits, self.context)
                y_float = None if y_float is None else run_layers(layer.source, y_float)
            eps = layer.eps_out
            image_format = str(FixedFormat(bits, 0, True)) if bits <= 64 else f"{bits}-bit integers"
            row = {"layer": layer.kind, "path": path, "eps": eps, "bits": bits, "format": image_format, **row}
            if y_float is not None:
                row["sqnr_db"] = error_stats(y_float, q * channel_shape(eps, q.ndim)).sqnr_db
            rows.append(row)
        return q, eps, bits, y_float

    def run_integer(self, q_in: np.ndarray, y_float: Optional[np.ndarray] = None) -> tuple[np.ndarray, Eps]:
        """The network on an integer input image (an integer array; floats are refused).
        Returns the output image and its quantum; ``report`` is refreshed."""
        q_in = np.asarray(q_in)
        if q_in.dtype.kind not in "iu":
            raise TypeError(f"q_in must be an integer array (the input's integer image), got dtype {q_in.dtype}")
        rows: list = []
        q, eps, _, _ = self._walk(self.quantized.layers, q_in.astype(np.int64), self.quantized.input_eps,
                                  _bits_of(q_in), y_float, rows, "")
        self.report = rows
        return q, eps

    def integer_run(self, x) -> tuple[np.ndarray, Eps]:
        """Quantize the input (its natural integer image) and run on integers."""
        return self.run_integer(self.quantized.quantize_input(x))

    def run(self, x) -> np.ndarray:
        """The output values, eps * Q (for comparison with the other representations)."""
        q, eps = self.integer_run(x)
        return q * channel_shape(eps, q.ndim)

    def layer_report(self, x) -> list:
        """Per layer (``path`` numbers nested branches): kind, quantum, output bits and format
        (values are eps * Q, Q in that format), accumulator bits needed vs used, requantization
        (m, d), and the SQNR (dB) of eps * Q against the float network's value at that point."""
        q_in = self.quantized.quantize_input(x)
        self.run_integer(q_in, np.asarray(x, np.float64) - self.quantized.input_offset)
        return self.report


def integerize(quantized: QuantizedNetwork, factor: float = 16, add_factor: float = 256,
               pool_shift: int = 16) -> IntegerNetwork:
    """The IntegerDeployable network of a quantized one.

    Parameters
    ----------
    quantized : QuantizedNetwork
    factor, add_factor : float
        1/eta of Eq. 14 for activations and adds (NEMO's defaults 16 and 256).
    pool_shift : int
        The d of Eq. 25 (average pooling), 0..30.

    Returns
    -------
    IntegerNetwork

    Examples
    --------
    >>> from fixpt.deploy import Network, Linear, Act
    >>> net = Network([Linear(np.array([[0.5, -0.25]]), np.array([0.125])), Act()])
    >>> x = np.array([[4.0, 2.0], [1.0, 6.0]])
    >>> integerize(fake_quantize(net, x, input_eps=1.0), factor=2**16).run(x).round(3).tolist()
    [[1.619], [0.0]]
    """
    if not factor > 0 or not add_factor > 0:
        raise ValueError(f"factor={factor!r} and add_factor={add_factor!r} must be > 0")
    check_int("pool_shift", pool_shift, 0, 30)
    return IntegerNetwork(quantized, IntegerContext(factor, add_factor, pool_shift))
