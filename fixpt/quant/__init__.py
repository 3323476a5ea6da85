"""Quantization as inference runtimes compute it: affine quantize / dequantize / requantize
bit for bit as ONNX, PyTorch, TFLite/gemmlowp, NEMO and FBGEMM (:mod:`fixpt.quant.affine`),
calibration of clipping ranges (:mod:`fixpt.quant.calibrate`), and the training-side pieces:
fake quantization with the straight-through estimator, PACT, DoReFa (:mod:`fixpt.quant.train`).

Examples
--------
>>> import numpy as np
>>> from fixpt import quant
>>> p = quant.choose_qparams(-1.0, 1.0, bits=8, symmetric=True)
>>> quant.quantize(np.array([0.5, -1.0]), p).tolist()
[64, -128]
"""
from fixpt.quant import calibrate, mx, operators, train
from fixpt.quant.affine import (
    QUANT_PRESETS, REQUANT_PRESETS, QParams, choose_qparams, dequantize, dynamic_quantize_linear,
    integer_range, linear, nemo_multiplier, quantize, quantize_multiplier, requantize,
)
from fixpt.quant.mx import MXArray, mx_dequantize, mx_quantize
from fixpt.quant.operators import (
    dequantize_linear, float_multiplier, qlinear_conv, qlinear_matmul, quantize_linear,
)

__all__ = [
    "calibrate", "mx", "operators", "train", "dequantize_linear", "float_multiplier",
    "qlinear_conv", "qlinear_matmul", "quantize_linear", "MXArray", "mx_dequantize", "mx_quantize", "QUANT_PRESETS", "REQUANT_PRESETS", "QParams", "choose_qparams",
    "dequantize", "dynamic_quantize_linear", "integer_range", "linear", "nemo_multiplier", "quantize", "quantize_multiplier",
    "requantize",
]
