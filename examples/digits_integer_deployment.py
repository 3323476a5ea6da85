"""The README's demo as a script: train an MLP and a CNN on the 8x8 digits, quantize them to
8 and 4 bits, and run them with integers only (see fixpt/demo.py and docs/deploy.md).
``python examples/digits_integer_deployment.py accuracy.png`` also saves accuracy vs bit width."""
import sys

from fixpt.demo import run

if __name__ == "__main__":
    run(plot=sys.argv[1] if len(sys.argv) > 1 else None)
