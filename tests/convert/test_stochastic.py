"""Stochastic rounding: unbiased, proportional, reproducible, never touching exact values."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import fixpt
from fixpt import _binding
from fixpt.convert.spec import CastSpec


def test_unbiased_in_expectation():
    # 0.3 steps above the lower neighbour: the mean of n roundings is 0.3 with
    # standard deviation sqrt(0.21 / n); allow 6 sigma (fails with prob. ~1e-9)
    n = 200_000
    for value in (0.3, -0.3, 2.7, -5.125, 0.001):
        y = fixpt.array(np.full(n, value), "Q8.0", rounding="stochastic", seed=123).to_float()
        p = value - np.floor(value)
        assert abs(y.mean() - value) <= 6 * np.sqrt(p * (1 - p) / n)
        assert set(np.unique(y)) <= {np.floor(value), np.floor(value) + 1}


def test_probability_proportional_to_distance():
    n = 100_000
    for frac in (0.125, 0.5, 0.875):
        y = fixpt.to_raw(np.full(n, 3 + frac), "Q8.0", rounding="stochastic", seed=5)[0]
        p_up = (y == 4).mean()
        assert abs(p_up - frac) <= 6 * np.sqrt(frac * (1 - frac) / n)


def test_stochastic_equal_is_a_fair_coin_for_inexact_values():
    n = 100_000
    y = fixpt.to_raw(np.full(n, 3.1), "Q8.0", rounding="stochastic_equal", seed=5)[0]
    assert abs((y == 4).mean() - 0.5) <= 6 * np.sqrt(0.25 / n)


@given(st.lists(st.integers(-2000, 2000), min_size=1, max_size=50), st.integers(0, 2**64 - 1))
def test_exact_values_are_never_changed(raws, seed):
    x = np.array(raws) / 16.0
    for mode in ("stochastic", "stochastic_equal"):
        y, status = fixpt.to_raw(x, "Q8.4", rounding=mode, seed=seed)
        assert y.tolist() == raws and status.n_inexact == 0


def test_same_seed_same_result_and_independent_of_chunking():
    x = np.random.default_rng(0).uniform(-4, 4, 10_000)
    a = fixpt.to_raw(x, "Q4.4", rounding="stochastic", seed=42)[0]
    b = fixpt.to_raw(x, "Q4.4", rounding="stochastic", seed=42)[0]
    assert np.array_equal(a, b)
    assert not np.array_equal(a, fixpt.to_raw(x, "Q4.4", rounding="stochastic", seed=43)[0])
    # chunked calls with the matching element offsets reproduce the one-shot result
    pieces = []
    for start in range(0, x.size, 777):
        spec = CastSpec.resolve("Q4.4", "stochastic", seed=42)
        raw, _ = _binding.cast(x[start:start + 777], spec, 4, index_offset=start)
        pieces.append(raw)
    assert np.array_equal(np.concatenate(pieces), a)
    # element i depends only on element i: a prefix gives the same prefix
    assert np.array_equal(fixpt.to_raw(x[:3000], "Q4.4", rounding="stochastic", seed=42)[0], a[:3000])


def test_generator_hands_out_independent_streams():
    x = np.full(1000, 0.5)
    g1, g2 = fixpt.Generator(7), fixpt.Generator(7)
    first = fixpt.to_raw(x, "Q8.0", rounding="stochastic", seed=g1)[0]
    second = fixpt.to_raw(x, "Q8.0", rounding="stochastic", seed=g1)[0]
    assert not np.array_equal(first, second)
    assert np.array_equal(first, fixpt.to_raw(x, "Q8.0", rounding="stochastic", seed=g2)[0])
    assert g1.next_stream() == (7, 2)
    # seed=None draws fresh entropy
    a = fixpt.to_raw(x, "Q8.0", rounding="stochastic")[0]
    b = fixpt.to_raw(x, "Q8.0", rounding="stochastic")[0]
    assert not np.array_equal(a, b)


def test_random_words_look_uniform():
    words = np.array([_binding.random_word(1, 0, i) for i in range(20_000)], dtype=np.uint64)
    bits = np.unpackbits(words.view(np.uint8)).reshape(-1, 64).mean(axis=0)
    assert np.all(np.abs(bits - 0.5) < 6 * np.sqrt(0.25 / words.size))
    assert len(set(words.tolist())) == words.size
    # different streams give different words for the same index
    assert _binding.random_word(1, 0, 5) != _binding.random_word(1, 1, 5)


def test_c_generator_is_the_documented_formula():
    from oracle import random_word
    for seed, stream, index in [(0, 0, 0), (1, 0, 5), (2**64 - 1, 7, 2**63), (12345, 2**40, 999)]:
        assert _binding.random_word(seed, stream, index) == random_word(seed, stream, index)


def test_small_fractions_still_round_up_sometimes():
    # a value 2^-10 above an integer rounds up with probability exactly 2^-10 (the words
    # are known: the oracle's SplitMix64), and stochastic_equal goes either way half the time
    from oracle import random_word
    n = 40_000
    x = np.full(n, 1.0 + 2.0**-10)
    y = fixpt.to_raw(x, "Q8.0", rounding="stochastic", seed=1)[0]
    want = [2 if (random_word(1, 0, i) >> 12) < 2**42 else 1 for i in range(n)]
    assert y.tolist() == want and 0 < want.count(2) < 3 * n * 2.0**-10
    tiny = fixpt.to_raw(np.full(n, 1.0 + 2.0**-52), "Q8.0", rounding="stochastic_equal", seed=1)[0]
    assert set(np.unique(tiny)) == {1, 2}
    # an exact value never moves, whatever the word
    assert set(np.unique(fixpt.to_raw(np.full(n, 1.0), "Q8.0", rounding="stochastic", seed=1)[0])) == {1}