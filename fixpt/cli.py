"""The ``fixpt`` command line: ``fixpt demo``."""
from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

import numpy as np

import fixpt


def demo() -> None:
    """A short tour: formats, exact rounding modes, saturation, stochastic rounding."""
    q15 = fixpt.Q(1, 15)
    print(f"Format {q15!r}: word length {q15.wl}, range [{q15.min}, {q15.max}], step {q15.eps}")
    x = fixpt.array([0.1, -0.5, 0.999], q15)
    print("0.1, -0.5, 0.999 in Q(1,15):")
    print(x)
    print()
    print("Rounding 2.5 and -2.5 to integers (Q8.0) under each mode:")
    for mode in fixpt.RoundMode:
        if mode.is_stochastic:
            continue
        raw, _ = fixpt.to_raw([2.5, -2.5], "Q8.0", rounding=mode)
        print(f"  {mode.name.lower():16s} {raw.tolist()}")
    print()
    values = np.linspace(-12, 12, 9)
    for overflow in ("saturate", "saturate_symmetric", "saturate_zero", "wrap"):
        y, status = fixpt.array(values, "Q4.4", overflow=overflow, return_status=True)
        print(f"{overflow:18s} {y.tolist()}  ({status.n_overflow} overflowed)")
    print()
    n = 1_000_000
    small = np.full(n, 0.3)
    sr = fixpt.array(small, "Q4.0", rounding="stochastic", seed=2026)
    rn = fixpt.array(small, "Q4.0", rounding="nearest_even")
    print(f"Mean of 0.3 rounded to integers, {n} times: nearest_even {rn.to_float().mean():.4f}, "
          f"stochastic {sr.to_float().mean():.4f} (unbiased; seed 2026 reproduces it)")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="fixpt", description="Bit-accurate fixed-point arithmetic")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="a short demonstration of formats and rounding")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
