"""Draw every figure of the documentation (they are build outputs, not kept in git).

Each figure is drawn by a function of ``fixpt.teach`` (or the demo, or an example) whose data
the test suite checks; this script only calls them with the docs' arguments. CI runs it before
``mkdocs build``; run it yourself before ``mkdocs serve``:

    python scripts/docs_figures.py            # all figures into docs/
    python scripts/docs_figures.py --list     # the figures and the pages that show them

tests/teach/test_figures.py checks that every image a page links to is drawn here.
"""
from __future__ import annotations

import argparse
import runpy
import sys
import time
from pathlib import Path

import numpy as np

import fixpt
from fixpt import demo, quant
from fixpt.teach import filters, pictures, plot_lost_bits, plot_rounding, quantization

ROOT = Path(__file__).resolve().parents[1]
BUTTERWORTH = [[0.018775, 0.03755, 0.018775, 1.0, -1.4597, 0.5348],
               [0.019475, 0.03895, 0.019475, 1.0, -1.5133, 0.5912],
               [0.020875, 0.04175, 0.020875, 1.0, -1.6234, 0.7069],
               [0.023075, 0.04615, 0.023075, 1.0, -1.7940, 0.8863]]


def lost_bits(path: str) -> None:
    rng = np.random.default_rng(0)
    a = rng.uniform(1, 2, 100_000)
    b = a * (1 + rng.uniform(-1e-6, 1e-6, a.size))   # agree to about 6 decimal digits
    plot_lost_bits(fixpt.cancellation(a, b, threshold_bits=20), path)


def sr_training(path: str) -> None:
    argv = sys.argv
    sys.argv = ["stochastic_rounding_training.py", "--plot", path]
    try:
        runpy.run_path(str(ROOT / "examples" / "stochastic_rounding_training.py"), run_name="__main__")
    finally:
        sys.argv = argv


def activations() -> np.ndarray:
    """A heavy-tailed activation sample (Laplace), as calibration sees it."""
    return np.random.default_rng(0).laplace(size=50_000)


#: docs-relative path -> (function drawing it into a path)
FIGURES = {
    "img/demo_accuracy_bits.png": lambda p: demo.run(out=lambda *a: None, plot=p),
    "img/bitfield_binary16.png": lambda p: pictures.plot_bitfield(-0.1, "binary16", p),
    "img/bitfield_q4_4.png": lambda p: pictures.plot_bitfield(-2.75, "Q4.4", p),
    "teaching/img/number_lines.png": lambda p: pictures.plot_number_lines(["e3m2", "Q3.2", "Q2.3"], p, -4, 4),
    "teaching/img/rounding.png": lambda p: plot_rounding(fixpt.Q(4, 2), -1, 1, p),
    "teaching/img/rounding_modes.png": lambda p: pictures.plot_rounding_modes([-0.7, -0.25, 0.1, 0.3, 0.75],
                                                                              "Q2.1", p),
    "teaching/img/rounding_errors.png": lambda p: pictures.plot_rounding_errors("Q4.4", p),
    "teaching/img/overflow_transfer.png": lambda p: pictures.plot_overflow_transfer("Q3.4", -10, 10, p),
    "teaching/img/lost_bits.png": lost_bits,
    "teaching/img/sr_training.png": sr_training,
    "teaching/img/limit_cycles.png": filters.plot_limit_cycles,
    "teaching/img/overflow_oscillation.png": filters.plot_overflow_oscillation,
    "teaching/img/quantized_response.png": lambda p: filters.plot_quantized_response(p, BUTTERWORTH),
    "teaching/img/affine_mapping.png": lambda p: quantization.plot_affine_mapping(
        quant.QParams(0.25, -3, bits=4), -2, 3, p),
    "teaching/img/calibration.png": lambda p: quantization.plot_calibration(activations(), 4, p),
    "teaching/img/pact.png": lambda p: quantization.plot_pact(p),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", default=str(ROOT / "docs"), help="the docs directory (default: docs/)")
    parser.add_argument("--list", action="store_true", help="list the figures and stop")
    args = parser.parse_args(argv)
    for name, draw in FIGURES.items():
        if args.list:
            print(name)
            continue
        target = Path(args.docs) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        draw(str(target))
        print(f"{name}: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
