"""The end-to-end demo (``fixpt demo``): an MLP and a CNN trained in float on the 8x8
handwritten digits, quantized, and run with integers only.

The data (shipped in fixpt/data with its CC BY 4.0 licence) has integer pixel counts 0..16,
so the networks' input is naturally quantized with quantum 1.
"""
from __future__ import annotations

import time
from importlib import resources
from typing import Callable, Optional

import numpy as np

from fixpt import deploy
from fixpt.deploy.network import patches

BITS = (8, 4)
FACTORS = (16, 2**16)


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


def cross_entropy_gradient(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """d(mean cross-entropy)/d(logits)."""
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    return (p - targets) / len(logits)


def sgd_momentum(params: list, gradients: Callable, n: int, epochs: int, lr: float, batch: int, rng) -> None:
    """Minibatch SGD with momentum 0.9; ``gradients(index)`` returns one gradient per parameter."""
    velocity = [np.zeros_like(p) for p in params]
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch):
            for i, g in enumerate(gradients(order[start:start + batch])):
                velocity[i] = 0.9 * velocity[i] - lr * g
                params[i] += velocity[i]


def train_mlp(x: np.ndarray, y: np.ndarray, hidden: int = 64, epochs: int = 40, lr: float = 0.05,
              batch: int = 32, seed: int = 0) -> deploy.Network:
    """A 64-hidden-10 ReLU network trained on softmax cross-entropy (inputs scaled by 1/16
    during training; the scale is folded into the first layer, so the returned network takes
    raw pixel counts, shape (N, 64))."""
    rng = np.random.default_rng(seed)
    n_out = int(y.max()) + 1
    params = [rng.normal(scale=np.sqrt(2 / x.shape[1]), size=(hidden, x.shape[1])), np.zeros(hidden),
              rng.normal(scale=np.sqrt(2 / hidden), size=(n_out, hidden)), np.zeros(n_out)]
    xs, onehot = x / 16.0, np.eye(n_out)[y]

    def gradients(idx):
        w1, b1, w2, b2 = params
        h_pre = xs[idx] @ w1.T + b1
        h = np.maximum(h_pre, 0)
        g_logits = cross_entropy_gradient(h @ w2.T + b2, onehot[idx])
        g_h = (g_logits @ w2) * (h_pre > 0)
        return g_h.T @ xs[idx], g_h.sum(0), g_logits.T @ h, g_logits.sum(0)

    sgd_momentum(params, gradients, len(xs), epochs, lr, batch, rng)
    w1, b1, w2, b2 = params
    return deploy.Network([deploy.Linear(w1 / 16.0, b1), deploy.Act(), deploy.Linear(w2, b2)])


def train_cnn(x: np.ndarray, y: np.ndarray, channels: int = 16, epochs: int = 30, lr: float = 0.05,
              batch: int = 32, seed: int = 0) -> deploy.Network:
    """Conv 3x3 (``channels`` filters, padding 1) -> ReLU -> 2x2 max pooling -> Linear to 10,
    trained like ``train_mlp``; the returned network takes (N, 1, 8, 8) raw pixel counts."""
    rng = np.random.default_rng(seed)
    n, n_out = len(x), int(y.max()) + 1
    windows = patches(x.reshape(n, 1, 8, 8) / 16.0, 3, 3, 1, 1).reshape(n, 64, 9)
    features = channels * 16
    params = [rng.normal(scale=np.sqrt(2 / 9), size=(channels, 9)), np.zeros(channels),
              rng.normal(scale=np.sqrt(2 / features), size=(n_out, features)), np.zeros(n_out)]
    onehot = np.eye(n_out)[y]

    def gradients(idx):
        w_conv, b_conv, w_out, b_out = params
        m = len(idx)
        z = windows[idx] @ w_conv.T + b_conv                        # (m, 64, C): pixels x channels
        tiles = np.maximum(z, 0).reshape(m, 4, 2, 4, 2, channels)
        pooled = tiles.max(axis=(2, 4))                             # (m, 4, 4, C)
        flat = pooled.transpose(0, 3, 1, 2).reshape(m, features)    # NCHW flattening, as Flatten
        g_logits = cross_entropy_gradient(flat @ w_out.T + b_out, onehot[idx])
        g_pooled = (g_logits @ w_out).reshape(m, channels, 4, 4).transpose(0, 2, 3, 1)
        winner = tiles == pooled[:, :, None, :, None, :]
        g_z = (winner * g_pooled[:, :, None, :, None, :]).reshape(m, 64, channels) * (z > 0)
        return (g_z.reshape(-1, channels).T @ windows[idx].reshape(-1, 9), g_z.sum(axis=(0, 1)),
                g_logits.T @ flat, g_logits.sum(0))

    sgd_momentum(params, gradients, n, epochs, lr, batch, rng)
    w_conv, b_conv, w_out, b_out = params
    return deploy.Network([deploy.Conv2d(w_conv.reshape(channels, 1, 3, 3) / 16.0, b_conv, padding=1), deploy.Act(),
                           deploy.MaxPool(2), deploy.Flatten(), deploy.Linear(w_out, b_out)])


def evaluate(net: deploy.Network, x_train, x_test, y_test, bits: int, factors=FACTORS) -> dict:
    """Accuracies of the fake-quantized and integer networks at ``bits`` bits (weights and
    activations), and for each requantization factor 1/eta (Eq. 14) the fraction of test inputs
    whose integer outputs equal the QuantizedDeployable integer images exactly."""
    fq = deploy.fake_quantize(net, x_train, input_eps=1.0, weight_bits=bits, act_bits=bits, percentile=99.9)
    q_ref, _ = fq.integer_images(x_test)
    result = {"fake_quantized": float(np.mean(fq.run(x_test, "fake_quantized").argmax(1) == y_test)),
              "exact_match": {}, "quantized": fq}
    for factor in factors:
        q_int, _ = deploy.integerize(fq, factor=factor).integer_run(x_test)
        result["exact_match"][factor] = float(np.mean(np.all(q_int == q_ref, axis=1)))
        if factor == factors[0]:
            result["integer"] = float(np.mean(q_int.argmax(1) == y_test))
    return result


def _format_report_row(row: dict) -> str:
    if "acc_bits" in row:
        detail = f"accumulator {row['acc_bits_used']}/{row['acc_bits']} bits used"
    elif row["layer"] == "act":
        m, d = row["multiplier"], row["d"]
        detail = f"requantize (x {m}) >> {d}" if np.ndim(m) == 0 else "requantize per channel"
    else:
        detail = f"image {row['format']}"
    return f"  {row['layer']:8s} eps {np.max(row['eps']):<10.3g} {detail:32s} SQNR vs float {row['sqnr_db']:5.1f} dB"


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise RuntimeError("the plot needs matplotlib: pip install 'fixpt[plot]'") from error
    return plt


def plot_accuracy(results: dict, bits: list, path: str) -> None:
    """Save test accuracy vs bit width of each network's integer deployment (needs matplotlib)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, r in results.items():
        line, = ax.plot(bits, [100 * r["sweep"][b]["integer"] for b in bits], "o-", label=f"{name}, integer")
        ax.plot(bits, [100 * r["sweep"][b]["fake_quantized"] for b in bits], "x--", color=line.get_color(),
                label=f"{name}, fake-quantized")
        ax.axhline(100 * r["float"], color=line.get_color(), lw=0.8, ls=":")
    ax.set_xlabel("bits (weights and activations)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("8x8 digits: integer-only deployment vs bit width (dotted: float)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run(out=print, plot: Optional[str] = None, plot_bits=range(2, 9)) -> dict:
    """Train, quantize and deploy both networks; print the table; optionally save the plot of
    accuracy vs bit width to ``plot``; return the numbers."""
    start = time.perf_counter()
    if plot:
        _pyplot()           # fail before the work, not after it
    x, y = load_digits()
    x_train, y_train, x_test, y_test = split(x, y)
    images = {"MLP 64-64-10": (x_train, x_test, train_mlp(x_train, y_train)),
              "CNN c16-pool-10": (x_train.reshape(-1, 1, 8, 8), x_test.reshape(-1, 1, 8, 8),
                                  train_cnn(x_train, y_train))}
    results: dict = {}
    for name, (train, test, net) in images.items():
        results[name] = {"float": float(np.mean(net.run(test).argmax(1) == y_test)), "net": net}
        bits_needed = sorted(set(BITS) | (set(plot_bits) if plot else set()), reverse=True)
        results[name]["sweep"] = {b: evaluate(net, train, test, y_test, b) for b in bits_needed}
        results[name].update({b: results[name]["sweep"][b] for b in BITS})
    names = list(results)
    out(f"8x8 digits: {len(x_train)} training and {len(x_test)} test images; networks trained in float")
    out(f"{'test accuracy':34s}" + "".join(f"{n:>18s}" for n in names))
    out(f"{'full precision (float64)':34s}" + "".join(f"{results[n]['float']:18.2%}" for n in names))
    for bits in BITS:
        for label, key in (("fake-quantized", "fake_quantized"), ("integer-deployable", "integer")):
            out(f"{f'{label}, {bits}-bit':34s}" + "".join(f"{results[n][bits][key]:18.2%}" for n in names))
    out("integer outputs == deployable images:")
    for bits in BITS:
        for factor in FACTORS:
            label = f"  {bits}-bit, 1/eta = {factor}"
            out(f"{label:34s}" + "".join(f"{results[n][bits]['exact_match'][factor]:18.1%}" for n in names))
    for name in names:
        out(f"{name}, 8-bit integer network, per layer (1/eta = 16):")
        for row in deploy.integerize(results[name][8]["quantized"]).layer_report(images[name][1]):
            out(_format_report_row(row))
    if plot:
        plot_accuracy(results, list(plot_bits), plot)
        out(f"accuracy vs bit width saved to {plot}")
    out(f"({time.perf_counter() - start:.1f} s)")
    return results
