"""One test per equation of the NEMO report's integer arithmetic (fixpt.nemo)."""
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixpt.deploy import nemo

eps_values = st.floats(1e-6, 10.0)


@given(eps_values, eps_values, st.sampled_from([16, 256]))
def test_eq13_14_requantization_parameters(eps_in, eps_out, factor):
    m, d = nemo.requant_parameters(eps_in, eps_out, factor)
    assert d == nemo.requant_shift(eps_in, eps_out, factor) >= 0
    assert 2**d >= eps_out * factor / eps_in * (1 - 1e-12) or d == 0
    ratio = eps_in / eps_out
    assert m == math.floor(ratio * 2**d)
    if ratio * 2**d >= 1:  # Eq. 14 bounds the relative error of the multiplier by 1/factor
        assert (ratio - m / 2**d) / ratio <= 1 / factor + 1e-12


@given(st.lists(st.integers(-2**20, 2**20), min_size=1, max_size=30), st.integers(0, 2**10), st.integers(0, 30))
def test_eq13_requantize_image_is_floor_of_the_product(q, m, d):
    assert nemo.requantize_image(np.array(q), m, d).tolist() == [(m * v) >> d for v in q]
    # a result beyond 32 bits saturates, as in a 32-bit register
    assert nemo.requantize_image(np.array([2**40]), 2, 0).tolist() == [2**31 - 1]
    with pytest.raises(OverflowError, match="32-bit register"):
        nemo.requantize_image(np.array([2**40, 1]), 2, 0, overflow="raise")


def test_eq10_linear_quantization():
    t = np.array([-1.0, 0.0, 0.24, 0.25, 3.99, 4.0, 100.0])
    got = nemo.linear_quantize(t, eps=0.25, alpha=0.0, beta=4.0)
    want = [min(max(math.floor(Fraction(v) / Fraction(1, 4)), 0), 15) for v in t]
    assert got.tolist() == want


def test_eq11_integer_activation_approximates_pact():
    rng = np.random.default_rng(0)
    eps_in, eps_out, beta = 0.0013, 6.0 / 255, 6.0
    q_in = rng.integers(-2000, 6000, 5000)
    got = nemo.integer_activation(q_in, eps_in, eps_out, 0.0, beta)
    exact = np.clip(np.floor(q_in * eps_in / eps_out), 0, 254)
    # Eq. 14 bounds the multiplier's relative error by eta = 1/16: at most |exact|/16 + 1 levels
    assert np.all(np.abs(got - exact) <= np.abs(exact) / 16 + 1)
    m, d = nemo.requant_parameters(eps_in, eps_out)
    assert got.tolist() == np.clip((m * q_in) >> d, 0, 254).tolist()
    # a clip to [0, 2^k - 1] runs as a k-bit unsigned register's saturation: the same values,
    # also for inputs whose requantized value is beyond 32 bits
    q_wide = np.concatenate([q_in, [2**45, -2**45]])
    got = nemo.integer_activation(q_wide, eps_in, eps_out, 0.0, eps_out * 256)
    assert got.tolist() == [min(max((m * int(v)) >> d, 0), 255) for v in q_wide]


def test_eq18_bn_folding_matches_float_bn():
    rng = np.random.default_rng(1)
    w, b = rng.normal(size=(4, 6)), rng.normal(size=4)
    gamma, beta, mean, var = rng.uniform(0.5, 2, 4), rng.normal(size=4), rng.normal(size=4), rng.uniform(0.1, 3, 4)
    x = rng.normal(size=(10, 6))
    bn = gamma * ((x @ w.T + b) - mean) / np.sqrt(var + 1e-5) + beta
    w2, b2 = nemo.fold_bn(w, b, gamma, beta, mean, var)
    np.testing.assert_allclose(x @ w2.T + b2, bn, rtol=1e-12, atol=1e-12)
    w3, b3 = nemo.fold_bn(w, None, gamma, beta, mean, var)          # the report's Eq. 18 (b = 0)
    np.testing.assert_allclose(b3, beta - gamma / np.sqrt(var + 1e-5) * mean)


def test_eq19_20_thresholds_are_exact():
    gamma, beta, mu, sigma = Fraction(3, 2), Fraction(1, 4), Fraction(-5, 8), Fraction(5, 4)
    eps_phi, eps_y, levels = Fraction(1, 64), Fraction(1, 8), 16
    th = nemo.bn_thresholds(float(gamma), float(beta), float(mu), float(sigma), float(eps_phi), float(eps_y), levels)
    q_phi = np.arange(-400, 400)
    got = nemo.threshold_activation(q_phi, th)
    want = [min(max(math.floor((gamma / sigma * (eps_phi * q - mu) + beta) / eps_y), 0), levels - 1)
            for q in q_phi.tolist()]
    assert got.tolist() == want


def test_eq21_22_integer_bn():
    rng = np.random.default_rng(2)
    kappa, lam = rng.uniform(0.2, 3, 5), rng.normal(size=5)
    eps_phi = 0.01
    q_phi = rng.integers(-500, 500, (20, 5))
    q_kappa, eps_kappa, q_lambda, eps_out = nemo.bn_parameters(kappa, lam, eps_phi, bits=8)
    out = nemo.integer_bn(q_phi, q_kappa, q_lambda, axis=-1)
    real = kappa * (q_phi * eps_phi) + lam
    assert eps_kappa == 2 * kappa.max() / 255 and eps_out == eps_kappa * eps_phi
    bound = np.abs(q_phi * eps_phi) * eps_kappa / 2 + eps_out     # kappa rounding + lambda floor
    assert np.all(np.abs(out * eps_out - real) <= bound + 1e-12)
    assert q_kappa.tolist() == np.rint(kappa / eps_kappa).astype(int).tolist()
    assert out.tolist() == (q_phi * q_kappa + np.floor(lam / eps_out).astype(int)).tolist()


def test_eq24_integer_add():
    rng = np.random.default_rng(3)
    eps = [0.01, 0.0037, 0.05]
    images = [rng.integers(-1000, 1000, 50) for _ in eps]
    total, eps_s = nemo.integer_add(images, eps)
    assert eps_s == 0.01
    real = sum(q * e for q, e in zip(images, eps))
    # each requantized branch loses < 1 quantum (floor) plus its multiplier's relative error
    bound = sum(eps_s + np.abs(q * e) / 256 for q, e in zip(images[1:], eps[1:]))
    assert np.all(np.abs(total * eps_s - real) <= bound)


def test_eq25_integer_avgpool_and_maxpool():
    rng = np.random.default_rng(4)
    q = rng.integers(0, 256, (2, 3, 4, 6))
    got = nemo.integer_avgpool(q, 2, 3, d=16)
    sums = q.reshape(2, 3, 2, 2, 2, 3).sum(axis=(3, 5))
    assert got.tolist() == ((sums * (2**16 // 6)) >> 16).tolist()
    assert np.all(np.abs(got - np.floor(sums / 6)) <= 1)
    mx = nemo.integer_maxpool(q, 2, 2)
    assert mx.tolist() == q.reshape(2, 3, 2, 2, 3, 2).max(axis=(3, 5)).tolist()
