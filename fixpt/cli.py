"""The ``fixpt`` command line: ``fixpt demo``, ``fixpt tour``, ``fixpt explain``."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

import numpy as np

import fixpt
from fixpt.demo import run as run_demo


def tour() -> None:
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
    demo_parser = sub.add_parser("demo", help="train networks on 8x8 digits and run them with integers only")
    demo_parser.add_argument("--plot", metavar="FILE", help="also save accuracy vs bit width (2..8) as a PNG "
                                                            "(needs matplotlib)")
    sub.add_parser("tour", help="a short demonstration of formats and rounding")
    explain_parser = sub.add_parser(
        "explain", help="show how a value is stored in a float or fixed-point format",
        description="Examples: fixpt explain 0x40C00000 --format binary32; "
                    "fixpt explain -0.5; fixpt explain 2.75 --format Q4.4; "
                    "fixpt explain 0.1 --format binary16,bfloat16,e4m3fn,Q4.12 (side by side)")
    explain_parser.add_argument("value", help="a number, or a 0x.../0b... encoding of the format")
    explain_parser.add_argument("--format", "-f", default="binary32",
                                help="binary16, binary32, binary64, bfloat16, tf32, e4m3fn, e5m2, "
                                     "E<e>M<m>, or a fixed-point format such as Q4.12 (default binary32); "
                                     "several, separated by commas, give one table")
    args = parser.parse_args(_negative_values_last(sys.argv[1:] if argv is None else list(argv)))
    try:
        _dispatch(parser, args)
    except BrokenPipeError:            # e.g. `fixpt demo | head`: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


def _negative_values_last(argv: list) -> list:
    """``fixpt explain -1e-5 ...``: argparse takes "-1e-5" for an option (it only knows
    negative numbers without an exponent); a negative number goes after ``--`` instead."""
    if not argv or argv[0] != "explain" or "--" in argv:
        return argv
    for i, token in enumerate(argv[1:], 1):
        if token.startswith("-") and argv[i - 1] not in ("--format", "-f"):
            try:
                float(token.replace("_", ""))
            except ValueError:
                continue
            return argv[:i] + argv[i + 1:] + ["--", token]
    return argv


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.command == "demo":
        try:
            run_demo(plot=args.plot)
        except RuntimeError as error:
            parser.exit(2, f"fixpt demo: {error}\n")
    elif args.command == "tour":
        tour()
    elif args.command == "explain":
        try:
            print(fixpt.explain(args.value, args.format))
        except (ValueError, TypeError) as error:
            parser.exit(2, f"fixpt explain: {error}\n")


if __name__ == "__main__":
    sys.exit(main())
