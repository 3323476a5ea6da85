"""Training with fixed-point weights: round-to-nearest vs stochastic rounding.

A reproduction, on the 8x8 digits shipped with fixpt, of the classic experiment of Gupta et
al. (2015, "Deep learning with limited numerical precision"): a fully connected network keeps
its weights in fixed point <IL, FL>, and every SGD update ``w - lr * g`` is rounded back into
that format. With round-to-nearest, updates smaller than half a step vanish and training stalls
at low FL; stochastic rounding keeps them in expectation and tracks float training.

Run: ``python examples/stochastic_rounding_training.py`` (``--plot out.png`` with matplotlib).
"""
from __future__ import annotations

import argparse

import numpy as np

import fixpt
from fixpt.demo import load_digits, split


def train(fl: int | None, rounding: str, epochs: int = 10, hidden: int = 32, lr: float = 0.1,
          batch: int = 32, il: int = 4, seed: int = 0) -> list:
    """Test error after each epoch; ``fl=None`` trains in float64."""
    x, y = load_digits()
    x_train, y_train, x_test, y_test = split(x, y)
    x_train, x_test = x_train / 16.0, x_test / 16.0
    rng = np.random.default_rng(seed)
    gen = fixpt.Generator(seed)
    fmt = fixpt.Q(il, fl) if fl is not None else None

    def store(w):
        return w if fmt is None else fixpt.array(w, fmt, rounding=rounding, seed=gen).to_float()

    w1 = store(rng.normal(scale=np.sqrt(2 / 64), size=(hidden, 64)))
    w2 = store(rng.normal(scale=np.sqrt(2 / hidden), size=(10, hidden)))
    onehot = np.eye(10)[y_train]
    errors = []
    for _ in range(epochs):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            h_pre = x_train[idx] @ w1.T
            h = np.maximum(h_pre, 0)
            logits = h @ w2.T
            p = np.exp(logits - logits.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            g = (p - onehot[idx]) / len(idx)
            g_w2 = g.T @ h
            g_w1 = ((g @ w2) * (h_pre > 0)).T @ x_train[idx]
            w1 = store(w1 - lr * g_w1)
            w2 = store(w2 - lr * g_w2)
        errors.append(float(np.mean((np.maximum(x_test @ w1.T, 0) @ w2.T).argmax(1) != y_test)))
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--plot", help="save a plot of test error vs epochs to this PNG file")
    args = parser.parse_args()
    runs = {"float": train(None, "nearest_even", args.epochs)}
    for fl in (6, 8, 10, 14):
        for rounding in ("nearest_even", "stochastic"):
            runs[f"Q(4,{fl}) {rounding}"] = train(fl, rounding, args.epochs)
    print(f"{'weights and updates':28s} " + " ".join(f"{e + 1:>5d}" for e in range(args.epochs)))
    for name, errors in runs.items():
        print(f"{name:28s} " + " ".join(f"{e:5.1%}" for e in errors))
    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(9, 4))
        for name, errors in runs.items():
            ax.plot(range(1, args.epochs + 1), errors, label=name,
                    linestyle="--" if "nearest" in name else "-")
        ax.set_xlabel("epoch")
        ax.set_ylabel("test error")
        ax.set_yscale("log")
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))  # beside the curves, never on them
        fig.tight_layout()
        fig.savefig(args.plot, dpi=100)


if __name__ == "__main__":
    main()
