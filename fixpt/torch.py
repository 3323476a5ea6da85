"""PyTorch adapters (optional extra ``torch``): fake quantization with the straight-through
estimator and the PACT activation as autograd functions and modules, computed by fixpt's
kernels (so forward values match ``fixpt.quant`` bit for bit).

Example::

    import torch, fixpt.torch as ft
    act = ft.PACT(alpha=6.0, bits=4)          # learnable alpha
    y = act(torch.randn(8, requires_grad=True))
    y.sum().backward()                         # gradients for x and alpha
"""
from __future__ import annotations

import numpy as np
import torch

from fixpt import quant
from fixpt.deploy import network
from fixpt.quant import train


class FakeQuantizeSTE(torch.autograd.Function):
    """Forward: dequantize(quantize(x)) with fixpt's ``torch`` preset; backward: the
    straight-through estimator (gradient passes inside the clipping range)."""

    @staticmethod
    def forward(ctx, x, qparams: quant.QParams):
        values, mask = train.fake_quantize(x.detach().cpu().numpy(), qparams, preset="torch")
        ctx.save_for_backward(torch.from_numpy(mask).to(x.device))
        return torch.from_numpy(values).to(x.device, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return grad * mask.to(grad.dtype), None


class PACTFunction(torch.autograd.Function):
    """PACT forward (fixpt.quant.train.pact) with its gradients for x and alpha."""

    @staticmethod
    def forward(ctx, x, alpha, bits: int):
        y, grad_x, grad_alpha = train.pact(x.detach().cpu().numpy(), float(alpha), bits)
        ctx.save_for_backward(torch.from_numpy(grad_x), torch.from_numpy(grad_alpha))
        return torch.from_numpy(y).to(x.device, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        grad_x, grad_alpha = ctx.saved_tensors
        return (grad * grad_x.to(grad.dtype), (grad * grad_alpha.to(grad.dtype)).sum().reshape(()), None)


class FakeQuantize(torch.nn.Module):
    """Module form of FakeQuantizeSTE with fixed QParams."""

    def __init__(self, qparams: quant.QParams) -> None:
        super().__init__()
        self.qparams = qparams

    def forward(self, x):
        return FakeQuantizeSTE.apply(x, self.qparams)


class PACT(torch.nn.Module):
    """PACT activation with a learnable clipping level alpha."""

    def __init__(self, alpha: float = 6.0, bits: int = 4) -> None:
        super().__init__()
        self.alpha = torch.nn.Parameter(torch.tensor(float(alpha)))
        self.bits = bits

    def forward(self, x):
        return PACTFunction.apply(x, self.alpha, self.bits)


def _int_pair(value, name: str, module) -> int:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(set(pair)) != 1 or not isinstance(pair[0], int):
        raise TypeError(f"to_network: {module!r} has {name}={value!r}; only equal integer values are supported")
    return pair[0]


def to_network(model: torch.nn.Module) -> network.Network:
    """A ``fixpt.deploy.Network`` (FullPrecision, float64) from a ``torch.nn.Sequential``
    (nested ones flattened) of Linear, Conv2d (no groups or dilation), BatchNorm1d/2d (running
    statistics), ReLU, PACT (``Act(alpha)``), MaxPool2d/AvgPool2d (stride = kernel, no padding)
    and Flatten (from dim 1). Residual networks: describe them with ``Add`` and fill them
    with ``network.load_state_dict``."""
    def array(t):
        return None if t is None else t.detach().cpu().numpy().astype(np.float64)

    layers: list = []
    modules = model if isinstance(model, torch.nn.Sequential) else [model]
    for module in modules:
        nn = torch.nn
        if isinstance(module, nn.Sequential):
            layers += to_network(module).layers
        elif isinstance(module, nn.Linear):
            layers.append(network.Linear(array(module.weight), array(module.bias)))
        elif isinstance(module, nn.Conv2d):
            if module.groups != 1 or _int_pair(module.dilation, "dilation", module) != 1 \
                    or module.padding_mode != "zeros":
                raise TypeError(f"to_network: {module!r}: groups, dilation and non-zero padding are not supported")
            layers.append(network.Conv2d(array(module.weight), array(module.bias),
                                         _int_pair(module.stride, "stride", module),
                                         _int_pair(module.padding, "padding", module)))
        elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            gamma = array(module.weight) if module.affine else np.ones(module.num_features)
            beta = array(module.bias) if module.affine else np.zeros(module.num_features)
            layers.append(network.BatchNorm(gamma, beta, array(module.running_mean), array(module.running_var),
                                            module.eps))
        elif isinstance(module, nn.ReLU):
            layers.append(network.Act())
        elif isinstance(module, PACT):
            layers.append(network.Act(float(module.alpha.detach())))
        elif isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
            k = _int_pair(module.kernel_size, "kernel_size", module)
            if _int_pair(module.stride, "stride", module) != k or _int_pair(module.padding, "padding", module) \
                    or module.ceil_mode or _int_pair(getattr(module, "dilation", 1), "dilation", module) != 1 \
                    or getattr(module, "divisor_override", None):
                raise TypeError(f"to_network: {module!r}: pooling needs stride = kernel_size, no padding, "
                                f"dilation, ceil_mode or divisor_override")
            layers.append(network.MaxPool(k) if isinstance(module, nn.MaxPool2d) else network.AvgPool(k))
        elif isinstance(module, nn.Flatten) and module.start_dim == 1 and module.end_dim == -1:
            layers.append(network.Flatten())
        else:
            raise TypeError(f"to_network: unsupported module {module!r}")
    return network.Network(layers)


__all__ = ["FakeQuantize", "FakeQuantizeSTE", "PACT", "PACTFunction", "np", "to_network"]
