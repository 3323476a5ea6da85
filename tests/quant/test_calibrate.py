"""Calibration and training-side pieces against published values and direct computation."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixpt import quant

from fixpt.quant import calibrate, train


def test_aciq_reproduces_the_published_optima():
    laplace = [2.83068299, 3.89722946, 5.02864014, 6.20476633, 7.41312622, 8.64561995, 9.89675982]
    gauss = [1.71063519, 2.15159277, 2.55913646, 2.93620062, 3.28691474, 3.6151146, 3.92403714]
    for bits, want in zip(range(2, 9), laplace):
        assert abs(calibrate.aciq_alpha(bits, "laplace") - want) < 1e-6
    for bits, want in zip(range(2, 9), gauss):
        assert abs(calibrate.aciq_alpha(bits, "gauss") - want) < 1e-5
    x = np.random.default_rng(0).laplace(scale=2.0, size=200_000)
    t = calibrate.aciq_threshold(x, 4, "laplace")
    assert abs(t - 2.0 * 5.02864014) < 0.1


def test_kl_expansion_and_smoothing_rules():
    q = calibrate.expand_quantized(np.array([1, 0, 2, 3, 5, 3, 1, 7.0]), 2)
    assert q.tolist() == [2, 0, 2, 2, 4, 4, 4, 4]
    smoothed = calibrate._smooth(q, 1e-4)
    assert smoothed[1] == 1e-4 and math.isclose(smoothed[0], 2 - 1e-4 / 7)


def expand_reference(reference, levels):
    """The MXNet/TVM expansion rule written out element by element."""
    n, merged = len(reference), len(reference) // levels
    out = [0.0] * n
    for j in range(levels):
        group = range(j * merged, n if j == levels - 1 else (j + 1) * merged)
        nonzero = [k for k in group if reference[k] != 0]
        for k in nonzero:
            out[k] = sum(reference[k] for k in group) / len(nonzero)
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=60), st.data())
def test_kl_expansion_matches_the_rule_written_out(counts, data):
    levels = data.draw(st.integers(1, len(counts)))
    got = calibrate.expand_quantized(np.array(counts, dtype=float), levels)
    assert np.allclose(got, expand_reference(counts, levels), rtol=1e-15, atol=0)


def test_kl_leaves_exact_zeros_out():
    """A ReLU's exact zeros are quantized exactly at any threshold; counted in the first bin
    they pulled the 8-bit threshold far below the distribution's bulk."""
    relu = np.maximum(np.random.default_rng(3).normal(size=50_000), 0)
    nonzero = relu[relu > 0]
    kw = dict(levels=255, num_bins=4096, start_bin=256)
    assert calibrate.kl_threshold(relu, **kw) == calibrate.kl_threshold(nonzero, **kw)
    assert calibrate.kl_threshold(relu, **kw) > 0.7 * relu.max()
    assert calibrate.kl_threshold(relu, zeros="keep", **kw) < 0.5 * relu.max()        # the old behaviour
    hist, edges = np.histogram(relu, bins=2048, range=(0, relu.max()))
    copied = calibrate.kl_threshold(histogram=hist, bin_width=edges[1], zeros="copy_next")
    assert copied > 0.7 * relu.max()
    with pytest.raises(ValueError, match="zeros='drop' needs the data"):
        calibrate.kl_threshold(histogram=hist, bin_width=edges[1], zeros="drop")
    with pytest.raises(ValueError, match="zeros="):
        calibrate.kl_threshold(relu, zeros="ignore")
    with pytest.raises(ValueError, match="levels"):
        calibrate.kl_threshold(relu, levels=255, start_bin=128)


def test_kl_threshold_knobs_and_behaviour():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(size=100_000), [60.0]])  # one far outlier
    amax = 60.0
    mid = calibrate.kl_threshold(x)
    right = calibrate.kl_threshold(x, edge="right")
    assert 2.0 < mid < 0.2 * amax and math.isclose(mid - right, amax / 2048 / 2, rel_tol=1e-9)
    # a uniform histogram: nothing to clip, so the full range wins
    hist = np.ones(2048)
    t = calibrate.kl_threshold(histogram=hist, bin_width=1.0, smoothing=None)
    assert t >= 2000


def test_percentile_mse_and_observers():
    rng = np.random.default_rng(2)
    x = rng.normal(size=10_000)
    assert calibrate.percentile_threshold(x, 100) == np.abs(x).max()
    assert calibrate.percentile_threshold(x, 50) in np.abs(x)
    t = calibrate.mse_threshold(x, bits=4)
    assert 1.0 < t < np.abs(x).max()          # 4 bits: clipping pays off
    obs = calibrate.MinMaxObserver()
    for batch in np.array_split(x, 7):
        obs.update(batch)
    assert (obs.min, obs.max) == (x.min(), x.max())
    p = obs.qparams(8, symmetric=True)
    assert float(p.scale) == np.float32(max(-x.min(), x.max()) / 128)
    ma = calibrate.MovingAverageMinMaxObserver(0.5)
    ma.update(np.array([0.0, 4.0])).update(np.array([-2.0, 2.0]))
    assert (float(ma.min), float(ma.max)) == (-1.0, 3.0)
    per_channel = calibrate.MinMaxObserver(axis=0).update(np.array([[1.0, -3.0], [2.0, 5.0]]))
    assert per_channel.min.tolist() == [-3.0, 2.0]
    with pytest.raises(ValueError, match="update"):
        calibrate.MinMaxObserver().qparams()


def test_dynamic_fraction_length():
    w = np.random.default_rng(3).normal(scale=0.1, size=1000)
    fl = calibrate.dynamic_fraction_length(w, 8)
    errors = {f: np.abs(np.rint(np.clip(w * 2**f, -128, 127)) / 2**f - w).sum() for f in range(-8, 25)}
    assert fl == min(errors, key=errors.get)


def test_quantization_error_per_channel():
    x = np.stack([np.linspace(-1, 1, 100), np.linspace(-4, 4, 100)])
    p = quant.choose_qparams(np.array([-1.0, -4.0]), np.array([1.0, 4.0]), axis=0, symmetric=True, narrow_range=True)
    stats = calibrate.quantization_error(x, quant.dequantize(quant.quantize(x, p), p), axis=0)
    assert stats["sqnr_db"].shape == (2,) and np.all(stats["max_abs"] <= np.array([1, 4]) / 127 / 2 * 1.0001)


def test_fake_quantize_ste_mask():
    p = quant.QParams(0.5, 0, bits=4)       # range [-4, 3.5]
    y, mask = train.fake_quantize(np.array([-5.0, -4.0, 0.26, 3.5, 3.6]), p)
    assert y.tolist() == [-4.0, -4.0, 0.5, 3.5, 3.5]
    assert mask.tolist() == [0, 1, 1, 1, 0]


def test_pact_and_dorefa():
    x = np.array([-1.0, 0.0, 0.4, 1.0, 1.9, 2.0, 3.0])
    y, dx, da = train.pact(x, alpha=2.0, bits=2)     # eps = 2/3
    assert np.allclose(y, [0, 0, 2 / 3, 4 / 3, 2.0, 2.0, 2.0])   # 1.0 / (2/3) = 1.5 ties to 2
    assert dx.tolist() == [0, 1, 1, 1, 1, 0, 0] and da.tolist() == [0, 0, 0, 0, 0, 1, 1]
    w = np.array([-2.0, -0.1, 0.0, 0.3, 5.0])
    q = train.dorefa_weights(w, 2)
    levels = np.array([-1.0, -1 / 3, 1 / 3, 1.0])
    assert np.all(np.min(np.abs(q[:, None] - levels[None, :]), axis=1) < 1e-12)
    assert q[0] == -1.0 and q[-1] == 1.0
