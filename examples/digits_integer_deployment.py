"""The README's demo as a script: train an MLP on the 8x8 digits, quantize it to 8 and 4 bits,
and run it with integers only (see fixpt/demo.py and docs/deploy.md)."""
from fixpt.demo import run

if __name__ == "__main__":
    run()
