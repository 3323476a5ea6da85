"""Integer-only deployment of neural networks, after the NEMO report (shared/seeds):
FullPrecision (:mod:`fixpt.deploy.network`) -> FakeQuantized -> QuantizedDeployable ->
IntegerDeployable (:mod:`fixpt.deploy.pipeline`), layer by layer (:mod:`fixpt.deploy.layers`),
each equation of the report a function of :mod:`fixpt.deploy.nemo`.

Examples
--------
>>> import numpy as np
>>> from fixpt import deploy
>>> net = deploy.Network([deploy.Linear(np.eye(2), np.zeros(2)), deploy.Act()])
>>> fq = deploy.fake_quantize(net, np.array([[1.0, 2.0]]), input_eps=0.5)
>>> q, eps = deploy.integerize(fq).integer_run(np.array([[1.0, 2.0]]))
>>> q.tolist(), eps == 2.0 / 255                # the activation's quantum: alpha / (2^8 - 1)
([[127, 254]], True)
"""
from fixpt.deploy import nemo
from fixpt.deploy.layers import (
    Eps, IntegerContext, QuantAct, QuantAdd, QuantAvgPool, QuantBN, QuantLinear, QuantShape,
    QuantThreshold, quantize_weight,
)
from fixpt.deploy.network import (
    Act, Add, AvgPool, BatchNorm, Conv2d, Flatten, Linear, MaxPool, Network, add_input_bias,
    channel_shape, fold_bn, load_state_dict, patches, run_layers,
)
from fixpt.deploy.pipeline import (
    CALIBRATIONS, IntegerNetwork, QuantizedNetwork, fake_quantize, harden_weights, integerize,
    propagate_quanta,
)

__all__ = [
    "nemo", "Eps", "IntegerContext", "QuantAct", "QuantAdd", "QuantAvgPool", "QuantBN",
    "QuantLinear", "QuantShape", "QuantThreshold", "quantize_weight", "Act", "Add", "AvgPool",
    "BatchNorm", "Conv2d", "Flatten", "Linear", "MaxPool", "Network", "add_input_bias",
    "channel_shape", "fold_bn", "load_state_dict", "patches", "run_layers", "CALIBRATIONS",
    "IntegerNetwork", "QuantizedNetwork", "fake_quantize", "harden_weights", "integerize",
    "propagate_quanta",
]
