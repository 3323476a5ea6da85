"""FakeQuantized fine-tuning recovers low-bit accuracy (the NEMO report's FakeQuantized stage).

The demo's MLP is quantized after training (post-training quantization, PTQ) and, separately,
fine-tuned for a few epochs in its FakeQuantized form: the forward pass uses exactly the
quantizers of ``fixpt.deploy`` (symmetric per-layer weights, PACT activation with floor), the
backward pass the straight-through estimator, and PACT's alpha is learned. Both are then
deployed with integers only and evaluated on the test set.

Run: ``python examples/low_bit_finetuning.py`` (about 10 s).
"""
from __future__ import annotations

import numpy as np

from fixpt import deploy, demo


def finetune(net: deploy.Network, x: np.ndarray, y: np.ndarray, bits: int, epochs: int = 10,
             lr: float = 0.0002, batch: int = 32, seed: int = 0, percentile: float = 99.9) -> deploy.Network:
    """Fine-tune a Linear-Act-Linear network in FakeQuantized form at ``bits`` bits (weights and
    activation); returns the float network with the learned PACT alpha set on its Act."""
    first, _, last = net.layers
    start = deploy.fake_quantize(net, x, 1.0, bits, bits, percentile)
    params = [first.weight.copy(), first.bias.copy(), last.weight.copy(), last.bias.copy(),
              np.array(start.layers[1].alpha)]
    onehot = np.eye(last.weight.shape[0])[y]
    top = 2**bits - 1

    def fake_weight(w):
        q, eps = deploy.quantize_weight(w, bits)
        return q * eps

    def gradients(idx):
        w1, b1, w2, b2, alpha = params
        xb = x[idx]
        w1_hat, w2_hat = fake_weight(w1), fake_weight(w2)
        h = xb @ w1_hat.T + b1
        eps = float(alpha) / top
        a = np.clip(np.floor(h / eps), 0, top) * eps                     # QuantAct.fake
        g_logits = demo.cross_entropy_gradient(a @ w2_hat.T + b2, onehot[idx])
        g_a = g_logits @ w2_hat
        g_h = g_a * ((h >= 0) & (h < alpha))                              # straight-through inside
        g_alpha = np.sum(g_a * (h >= alpha))                              # PACT: d clip / d alpha
        return g_h.T @ xb, g_h.sum(0), g_logits.T @ a, g_logits.sum(0), g_alpha

    demo.sgd_momentum(params, gradients, len(x), epochs, lr, batch, np.random.default_rng(seed))
    w1, b1, w2, b2, alpha = params
    return deploy.Network([deploy.Linear(w1, b1), deploy.Act(float(alpha)), deploy.Linear(w2, b2)])


def integer_accuracy(net: deploy.Network, x_train, x_test, y_test, bits: int) -> float:
    """Test accuracy of the IntegerDeployable network at ``bits`` bits."""
    fq = deploy.fake_quantize(net, x_train, 1.0, bits, bits, percentile=99.9)
    return float(np.mean(deploy.integerize(fq).run(x_test).argmax(1) == y_test))


def main(bits_list=(2, 3, 4), epochs: int = 10) -> dict:
    x, y = demo.load_digits()
    x_train, y_train, x_test, y_test = demo.split(x, y)
    net = demo.train_mlp(x_train, y_train)
    float_acc = float(np.mean(net.run(x_test).argmax(1) == y_test))
    print(f"MLP 64-64-10, float accuracy {float_acc:.2%}; integer-deployable accuracy:")
    print(f"{'bits':>4s} {'post-training':>14s} {'fine-tuned':>11s}")
    results = {}
    for bits in bits_list:
        ptq = integer_accuracy(net, x_train, x_test, y_test, bits)
        qat = integer_accuracy(finetune(net, x_train, y_train, bits, epochs), x_train, x_test, y_test, bits)
        results[bits] = (ptq, qat)
        print(f"{bits:4d} {ptq:14.2%} {qat:11.2%}")
    return results


if __name__ == "__main__":
    main()
