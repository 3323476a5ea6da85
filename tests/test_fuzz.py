"""The differential fuzzer (tests/fuzz.py) against the exact oracles.

The normal suite runs a fixed seed with a bounded budget; ``pytest tests/test_fuzz.py
--fuzz-minutes N`` runs fresh seeds for N minutes and prints the seed of a failure.
"""
import os

import pytest

import fuzz


@pytest.mark.parametrize("check", fuzz.CHECKS, ids=lambda c: c.__name__)
def test_fuzz_fixed_seed(check):
    import numpy as np
    rng = np.random.default_rng(2026)
    for _ in range(400):
        check(rng)


def test_fuzz_for_minutes(request):
    minutes = request.config.getoption("--fuzz-minutes")
    if not minutes:
        pytest.skip("run with --fuzz-minutes N for a longer fuzzing session")
    seed = int.from_bytes(os.urandom(8), "little")
    print(f"fuzz seed {seed}")
    try:
        done = fuzz.run(seed, seconds=60 * minutes)
    except AssertionError as error:
        raise AssertionError(f"fuzz seed {seed}: {error}") from None
    print(f"{done} cases passed")
