"""A small network description in NumPy, run in full precision (float64): the FullPrecision
representation that ``fixpt.deploy`` quantizes and integerizes.

Layers: ``Linear``, ``Conv2d`` (NCHW), ``BatchNorm``, ``Act`` (ReLU / PACT clipping),
``MaxPool``, ``AvgPool``, ``Flatten`` and ``Add`` (a DAG node: the sum of several branches fed
by the same input, an empty branch being the identity, as in a residual block).

Examples
--------
>>> import numpy as np
>>> block = Add([[Linear(np.eye(2) * 2)], []])            # 2x + x
>>> Network([block, Act()]).run(np.array([[1.0, -1.0]])).tolist()
[[3.0, 0.0]]
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Optional, Sequence, Union

import numpy as np

from fixpt.deploy import nemo


def patches(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    """(N, OH, OW, C*KH*KW) windows of an NCHW array, in (c, kh, kw) order.

    Parameters
    ----------
    x : numpy.ndarray
        (N, C, H, W).
    kh, kw : int
        The kernel.
    stride, padding : int

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> patches(np.arange(9.0).reshape(1, 1, 3, 3), 2, 2, 1, 0)[0, 0, 0].tolist()
    [0.0, 1.0, 3.0, 4.0]
    """
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]
    n, c, oh, ow = windows.shape[:4]
    return np.ascontiguousarray(windows.transpose(0, 2, 3, 1, 4, 5)).reshape(n, oh, ow, c * kh * kw)


def channel_shape(values, ndim: int):
    """A per-channel vector shaped to broadcast along axis 1 of an ndim-D tensor (scalars pass).

    Parameters
    ----------
    values : float or array_like
    ndim : int

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> channel_shape(np.array([1.0, 2.0]), 4).shape
    (1, 2, 1, 1)
    """
    if np.ndim(values) == 0:
        return values
    return np.reshape(values, (1, -1) + (1,) * (ndim - 2))


@dataclass
class Linear:
    """y = x @ weight.T + bias; weight is (out, in).

    Examples
    --------
    >>> Linear(np.array([[1.0, -1.0]]), np.array([0.5])).forward(np.array([[3.0, 1.0]])).tolist()
    [[2.5]]
    """

    weight: np.ndarray
    bias: Optional[np.ndarray] = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The layer on float64 inputs (a batch along axis 0)."""
        y = x @ np.asarray(self.weight, np.float64).T
        return y if self.bias is None else y + self.bias


@dataclass
class Conv2d:
    """2-D convolution (cross-correlation) of NCHW inputs; weight is (O, C, KH, KW).

    Examples
    --------
    >>> Conv2d(np.ones((1, 1, 2, 2))).forward(np.arange(9.0).reshape(1, 1, 3, 3)).tolist()
    [[[[8.0, 12.0], [20.0, 24.0]]]]
    """

    weight: np.ndarray
    bias: Optional[np.ndarray] = None
    stride: int = 1
    padding: int = 0

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The layer on float64 inputs (a batch along axis 0)."""
        w = np.asarray(self.weight, np.float64)
        y = patches(x, w.shape[2], w.shape[3], self.stride, self.padding) @ w.reshape(w.shape[0], -1).T
        y = y if self.bias is None else y + self.bias
        return np.ascontiguousarray(y.transpose(0, 3, 1, 2))


@dataclass
class BatchNorm:
    """y = gamma (x - mean) / sqrt(var + eps) + beta, per channel (axis 1).

    Examples
    --------
    >>> bn = BatchNorm(np.array([2.0]), np.array([1.0]), np.array([0.5]), np.array([1.0]), eps=0.0)
    >>> bn.forward(np.array([[1.5]])).tolist(), float(bn.kappa[0]), float(bn.lam[0])
    ([[3.0]], 2.0, 0.0)
    """

    gamma: np.ndarray
    beta: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    eps: float = 1e-5

    @property
    def sigma(self) -> np.ndarray:
        """sqrt(var + eps), the per-channel standard deviation."""
        return np.sqrt(np.asarray(self.var, np.float64) + self.eps)

    @property
    def kappa(self) -> np.ndarray:
        """gamma / sigma, the BN's per-channel slope (Eq. 21)."""
        return np.asarray(self.gamma, np.float64) / self.sigma

    @property
    def lam(self) -> np.ndarray:
        """beta - kappa * mean, the BN's per-channel offset (Eq. 21)."""
        return np.asarray(self.beta, np.float64) - self.kappa * np.asarray(self.mean, np.float64)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The layer on float64 inputs (a batch along axis 0)."""
        return channel_shape(self.kappa, x.ndim) * x + channel_shape(self.lam, x.ndim)


@dataclass
class Act:
    """ReLU, or PACT's clip(x, 0, alpha) when alpha is set (fake_quantize calibrates it).

    Examples
    --------
    >>> Act().forward(np.array([-1.0, 2.0])).tolist(), Act(1.5).forward(np.array([-1.0, 2.0])).tolist()
    ([0.0, 2.0], [0.0, 1.5])
    """

    alpha: Optional[float] = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The layer on float64 inputs (a batch along axis 0)."""
        return np.maximum(x, 0.0) if self.alpha is None else np.clip(x, 0.0, self.alpha)


@dataclass
class Flatten:
    """Flattens all but the batch axis.

    Examples
    --------
    >>> Flatten().forward(np.zeros((2, 3, 4))).shape
    (2, 12)
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The layer on float64 inputs (a batch along axis 0)."""
        return x.reshape(x.shape[0], -1)


def _pair(k) -> tuple[int, int]:
    return (int(k), int(k)) if np.ndim(k) == 0 else (int(k[0]), int(k[1]))


@dataclass
class MaxPool:
    """k x k (or kh x kw) max pooling with stride = window.  The same on floats and integer
    images, as quantization preserves order.

    Examples
    --------
    >>> MaxPool(2).forward(np.arange(16.0).reshape(1, 1, 4, 4)).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    """

    k: Union[int, tuple] = 2

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The layer on float64 inputs (a batch along axis 0)."""
        return nemo.pool_reduce(x, *_pair(self.k), np.maximum)


@dataclass
class AvgPool:
    """k x k (or kh x kw) average pooling with stride = window; ``AvgPool((H, W))`` is global.

    Examples
    --------
    >>> AvgPool(2).forward(np.arange(16.0).reshape(1, 1, 4, 4)).tolist()
    [[[[2.5, 4.5], [10.5, 12.5]]]]
    """

    k: Union[int, tuple] = 2

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The layer on float64 inputs (a batch along axis 0)."""
        kh, kw = _pair(self.k)
        return nemo.pool_reduce(np.asarray(x, np.float64), kh, kw, np.add) / (kh * kw)


@dataclass
class Add:
    """The sum of ``branches``, each a list of layers applied to this node's input (``[]`` is the
    identity): a residual block is ``Add([[conv, bn, act, conv], []])``.

    Examples
    --------
    >>> Add([[Linear(np.array([[2.0]]))], []]).forward(np.array([[3.0]])).tolist()     # 2x + x
    [[9.0]]
    """

    branches: list

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The layer on float64 inputs (a batch along axis 0)."""
        return sum(run_layers(branch, x) for branch in self.branches)


def run_layers(layers: Sequence, x: np.ndarray) -> np.ndarray:
    """Run a list of layers in order.

    Parameters
    ----------
    layers : sequence of layers
    x : numpy.ndarray

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> run_layers([Linear(np.array([[1.0, 1.0]])), Act()], np.array([[1.0, -3.0]])).tolist()
    [[0.0]]
    """
    for layer in layers:
        x = layer.forward(x)
    return x


@dataclass
class Network:
    """A sequence of layers, run in full precision (float64): FullPrecision in NEMO's terms.

    Examples
    --------
    >>> net = Network([Linear(np.array([[1.0, 1.0]])), Act()])
    >>> net.run([[1.0, 2.0], [-1.0, -2.0]]).tolist()
    [[3.0], [0.0]]
    """

    layers: list

    def run(self, x) -> np.ndarray:
        """The network's output for inputs ``x`` (float64)."""
        return run_layers(self.layers, np.asarray(x, np.float64))

    def activations(self, x) -> list:
        """The output of every top-level layer, in order."""
        out, y = [], np.asarray(x, np.float64)
        for layer in self.layers:
            y = layer.forward(y)
            out.append(y)
        return out


def _map_layers(layers: Sequence, transform) -> list:
    """Apply ``transform(layers) -> layers`` to a layer list and, recursively, to every branch."""
    nested = [Add([_map_layers(b, transform) for b in layer.branches]) if isinstance(layer, Add) else layer
              for layer in layers]
    return transform(nested)


def fold_bn(net: Network) -> Network:
    """A new network with every BatchNorm that follows a Linear or Conv2d folded into it (Eq.
    18), also inside ``Add`` branches.

    Parameters
    ----------
    net : Network

    Returns
    -------
    Network

    Examples
    --------
    >>> bn = BatchNorm(np.array([2.0]), np.array([1.0]), np.array([0.0]), np.array([1.0]), eps=0.0)
    >>> folded = fold_bn(Network([Linear(np.array([[1.0]])), bn]))
    >>> len(folded.layers), folded.run([[3.0]]).tolist()
    (1, [[7.0]])
    """
    def fold(layers):
        out: list = []
        for layer in layers:
            if isinstance(layer, BatchNorm) and out and isinstance(out[-1], (Linear, Conv2d)):
                prev = out.pop()
                w, b = nemo.fold_bn(prev.weight, prev.bias, layer.gamma, layer.beta, layer.mean, layer.var,
                                    layer.eps)
                out.append(replace(prev, weight=w, bias=b))
            else:
                out.append(layer)
        return out
    return Network(_map_layers(net.layers, fold))


def add_input_bias(net: Network, offset: float) -> Network:
    """The network for inputs ``x - offset`` (Sec. 3.7): an input whose natural representation
    has an offset (``x = offset + eps * Q`` with Q >= 0) is fed as ``eps * Q`` and the first
    layer's bias absorbs ``weight @ offset``.

    Parameters
    ----------
    net : Network
        Its first layer must be a Linear, or a Conv2d without padding (a zero-padded border
        would move by the offset).
    offset : float

    Returns
    -------
    Network

    Raises
    ------
    ValueError
        Another first layer, or a padded first Conv2d.

    Examples
    --------
    >>> net = Network([Linear(np.array([[1.0, 2.0]]))])
    >>> add_input_bias(net, 0.5).run([[0.5, 0.5]]).tolist() == net.run([[1.0, 1.0]]).tolist()
    True
    """
    if not net.layers or not isinstance(net.layers[0], (Linear, Conv2d)):
        raise ValueError("add_input_bias needs a Linear or Conv2d first layer")
    first = net.layers[0]
    w = np.asarray(first.weight, np.float64)
    if isinstance(first, Conv2d) and first.padding:
        raise ValueError(f"add_input_bias: the first Conv2d has padding={first.padding}; zero padding of "
                         f"x - offset is not zero padding of x (use padding=0)")
    shift = offset * w.reshape(w.shape[0], -1).sum(axis=1)
    bias = shift if first.bias is None else np.asarray(first.bias, np.float64) + shift
    return Network([replace(first, bias=bias)] + list(net.layers[1:]))


_PARAMETERS = {Linear: ("weight", "bias"), Conv2d: ("weight", "bias"),
               BatchNorm: ("gamma", "beta", "mean", "var")}
_STATE_NAMES = {"weight": "weight", "bias": "bias", "gamma": "weight", "beta": "bias",
                "mean": "running_mean", "var": "running_var"}


def _parametrized(layers: Sequence) -> list:
    """Linear, Conv2d and BatchNorm layers in definition order, branches included."""
    found = []
    for layer in layers:
        if isinstance(layer, Add):
            for branch in layer.branches:
                found += _parametrized(branch)
        elif type(layer) in _PARAMETERS:
            found.append(layer)
    return found


def load_state_dict(net: Network, state_dict: Mapping) -> Network:
    """A copy of ``net`` with the parameters of a PyTorch ``state_dict`` (tensors or NumPy arrays).

    Modules are matched in order: the i-th group of keys (keys sharing the prefix before their
    last dot, ``num_batches_tracked`` ignored) fills the i-th Linear, Conv2d or BatchNorm of
    ``net``, branches in order; names and shapes are checked.

    Parameters
    ----------
    net : Network
    state_dict : mapping of str to array

    Returns
    -------
    Network

    Raises
    ------
    ValueError
        A different number of modules, a missing name, or a shape that does not match.

    Examples
    --------
    >>> net = Network([Linear(np.zeros((1, 2)))])
    >>> load_state_dict(net, {"0.weight": np.array([[1.0, 2.0]]), "0.bias": np.array([3.0])}).run([[1.0, 1.0]]).tolist()
    [[6.0]]
    """
    groups: dict = {}
    for key, value in state_dict.items():
        prefix, _, name = key.rpartition(".")
        if name != "num_batches_tracked":
            value = value.detach().cpu().numpy() if hasattr(value, "detach") else value
            groups.setdefault(prefix, {})[name] = np.asarray(value, np.float64)
    targets = _parametrized(net.layers)
    if len(groups) != len(targets):
        raise ValueError(f"state_dict has {len(groups)} parametrized modules ({', '.join(groups)}), "
                         f"the network {len(targets)}")
    loaded = {}
    for (prefix, group), layer in zip(groups.items(), targets):
        values = {}
        for field in _PARAMETERS[type(layer)]:
            name = _STATE_NAMES[field]
            if name not in group:
                if field == "bias":
                    values[field] = None
                    continue
                raise ValueError(f"state_dict module {prefix!r} has no {name!r} for {type(layer).__name__}")
            old = getattr(layer, field)
            if old is not None and np.shape(old) != group[name].shape:
                raise ValueError(f"state_dict {prefix}.{name} has shape {group[name].shape}, "
                                 f"{type(layer).__name__}.{field} {np.shape(old)}")
            values[field] = group[name]
        loaded[id(layer)] = replace(layer, **values)
    return Network(_map_layers(net.layers, lambda layers: [loaded.get(id(layer), layer) for layer in layers]))


__all__ = ["Act", "Add", "AvgPool", "BatchNorm", "Conv2d", "Flatten", "Linear", "MaxPool", "Network",
           "add_input_bias", "fold_bn", "load_state_dict", "patches", "run_layers"]
