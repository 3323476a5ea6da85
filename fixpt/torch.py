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

from fixpt import quant, train


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
    """PACT forward (fixpt.train.pact) with its gradients for x and alpha."""

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


__all__ = ["FakeQuantize", "FakeQuantizeSTE", "PACT", "PACTFunction", "np"]
