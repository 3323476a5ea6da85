"""The end-to-end demo: a network trained in float on the 8x8 handwritten digits, quantized,
and run with integers only (``fixpt demo``).

The data (shipped in fixpt/data with its CC BY 4.0 licence) has integer pixel counts 0..16,
so the network's input is naturally quantized with quantum 1.
"""
from __future__ import annotations

import time
from importlib import resources

import numpy as np

from fixpt import deploy


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """(images as float64 (1797, 64) with values 0..16, labels (1797,))."""
    with resources.files("fixpt").joinpath("data/digits.npz").open("rb") as handle:
        data = np.load(handle)
        return data["images"].astype(np.float64), data["labels"].astype(np.int64)


def split(x: np.ndarray, y: np.ndarray, test_fraction: float = 0.3, seed: int = 0):
    """A fixed shuffled train/test split."""
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(len(x) * (1 - test_fraction))
    return x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]


def train_mlp(x: np.ndarray, y: np.ndarray, hidden: int = 64, epochs: int = 40, lr: float = 0.05,
              batch: int = 32, seed: int = 0) -> deploy.Network:
    """A 64-hidden-10 ReLU network trained with SGD + momentum on softmax cross-entropy
    (inputs scaled by 1/16 during training; the scale is folded into the first layer, so the
    returned network takes raw pixel counts)."""
    rng = np.random.default_rng(seed)
    n_in, n_out = x.shape[1], int(y.max()) + 1
    w1 = rng.normal(scale=np.sqrt(2 / n_in), size=(hidden, n_in))
    b1 = np.zeros(hidden)
    w2 = rng.normal(scale=np.sqrt(2 / hidden), size=(n_out, hidden))
    b2 = np.zeros(n_out)
    params = [w1, b1, w2, b2]
    velocity = [np.zeros_like(p) for p in params]
    xs = x / 16.0
    onehot = np.eye(n_out)[y]
    for _ in range(epochs):
        order = rng.permutation(len(xs))
        for start in range(0, len(xs), batch):
            idx = order[start:start + batch]
            xb, tb = xs[idx], onehot[idx]
            h_pre = xb @ w1.T + b1
            h = np.maximum(h_pre, 0)
            logits = h @ w2.T + b2
            p = np.exp(logits - logits.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            g_logits = (p - tb) / len(idx)
            g_w2, g_b2 = g_logits.T @ h, g_logits.sum(0)
            g_h = (g_logits @ w2) * (h_pre > 0)
            g_w1, g_b1 = g_h.T @ xb, g_h.sum(0)
            for i, g in enumerate((g_w1, g_b1, g_w2, g_b2)):
                velocity[i] = 0.9 * velocity[i] - lr * g
                params[i] += velocity[i]
    return deploy.Network([deploy.Linear(w1 / 16.0, b1), deploy.Act(), deploy.Linear(w2, b2)])


def evaluate(net: deploy.Network, x_train, x_test, y_test, bits: int,
             factors=(16, 65536)) -> dict:
    """Accuracies of the fake-quantized and integer networks at ``bits`` bits, and for each
    requantization factor 1/eta (Eq. 14) the fraction of test inputs whose integer outputs
    equal the QuantizedDeployable integer images exactly."""
    fq = deploy.fake_quantize(net, x_train, input_eps=1.0, weight_bits=bits, act_bits=bits,
                              percentile=99.9)
    q_ref, _ = fq.integer_images(x_test)
    result = {"fake_quantized": float(np.mean(fq.run(x_test, "fake_quantized").argmax(1) == y_test)),
              "exact_match": {}, "quantized": fq}
    for factor in factors:
        q_int, _ = deploy.integerize(fq, factor=factor).integer_run(x_test)
        result["exact_match"][factor] = float(np.mean(np.all(q_int == q_ref, axis=1)))
        if factor == factors[0]:
            result["integer"] = float(np.mean(q_int.argmax(1) == y_test))
    return result


def run(out=print) -> dict:
    """Train, quantize and deploy; print the table; return the numbers."""
    start = time.perf_counter()
    x, y = load_digits()
    x_train, y_train, x_test, y_test = split(x, y)
    net = train_mlp(x_train, y_train)
    float_acc = float(np.mean(net.run(x_test).argmax(1) == y_test))
    results = {"float": float_acc}
    out(f"8x8 digits: {len(x_train)} training and {len(x_test)} test images; MLP 64-64-10 trained in float")
    out(f"{'representation':30s} {'accuracy':>9s}   integer == deployable image, 1/eta = 16 | 65536")
    out(f"{'full precision (float64)':30s} {float_acc:9.2%}")
    for bits in (8, 4):
        r = evaluate(net, x_train, x_test, y_test, bits)
        results[bits] = r
        match = r["exact_match"]
        out(f"{f'fake-quantized, {bits}-bit':30s} {r['fake_quantized']:9.2%}")
        out(f"{f'integer-deployable, {bits}-bit':30s} {r['integer']:9.2%}   {match[16]:37.1%} | {match[65536]:.1%}")
    out("8-bit integer network, per layer (1/eta = 16):")
    for row in deploy.integerize(results[8]["quantized"]).layer_report(x_test):
        detail = (f"accumulator {row['acc_bits_used']}/{row['acc_bits']} bits used" if "acc_bits" in row
                  else f"requantize (x {row['multiplier']}) >> {row['d']}")
        out(f"  {row['layer']:8s} eps {row['eps']:.3g}  {detail:32s} SQNR vs float {row['sqnr_db']:.1f} dB")
    out(f"({time.perf_counter() - start:.1f} s)")
    return results
