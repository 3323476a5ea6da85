"""Cancellation diagnostics, running error bounds and reduced-precision simulation."""
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fixpt


def exponent(x: float) -> int:
    """IEEE unbiased exponent floor(log2|x|), from math.frexp (m in [0.5, 1))."""
    return math.frexp(x)[1] - 1


finite = st.floats(allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=20), st.sampled_from(["add", "sub"]))
def test_lost_bits_match_exponent_oracle(pairs, op):
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    with np.errstate(over="ignore"):
        report = fixpt.cancellation(a, b, op=op, threshold_bits=5)
        expected_result = a + b if op == "add" else a - b
    np.testing.assert_array_equal(report.result, expected_result)
    for i, (x, y) in enumerate(pairs):
        r = expected_result[i]
        if x == 0 or y == 0 or not math.isfinite(r):
            assert report.not_applicable[i] and report.lost_bits[i] == 0
        elif r == 0:  # total cancellation: every significant bit lost, an event
            assert report.exact_zero[i] and report.lost_bits[i] == 53 and report.events[i]
        else:
            assert report.lost_bits[i] == max(exponent(x), exponent(y)) - exponent(r)
            assert report.events[i] == (report.lost_bits[i] >= 5)  # the boundary counts


def test_subnormals_and_specials():
    tiny = 5e-324
    r = fixpt.cancellation(np.array([2 * tiny, 1e-300, np.inf, np.nan, 1.0]),
                           np.array([tiny, 1e-300 * (1 - 2**-52), 1.0, 1.0, 0.0]))
    assert r.lost_bits.tolist()[:2] == [1, 52]
    assert r.not_applicable.tolist() == [False, False, True, True, True]


def test_report_summaries():
    a = np.array([1.0, 2.0, 8.0, 1.0, 5.0])
    b = np.array([1.0 - 2**-30, 2.0, 8.0 - 2**-20, 0.5, 1.0])
    r = fixpt.cancellation(a, b, threshold_bits=20)
    # 2 - 2 cancels totally: all 53 bits are lost, and it counts as an event
    assert r.lost_bits.tolist() == [30, 53, 23, 1, 0]
    assert r.n_events == 3 and r.first() == [(0,), (1,), (2,)] and r.worst == ((1,), 53)
    assert r.histogram()[[0, 1, 23, 30, 53]].tolist() == [1, 1, 1, 1, 1]
    text = str(r)
    assert "lost >= 20 bits = 6.0 decimal digits" in text and "worst: 53 bits" in text
    assert r.exact_zero.tolist() == [False, True, False, False, False]


def test_total_cancellation_is_reported():
    # regression: x - x (and a + b == 0 with a == -b) used to report lost_bits 0, no event
    r = fixpt.cancellation(np.array([3.0, 0.1]), np.array([3.0, -0.1]), op="add", threshold_bits=10)
    assert r.lost_bits.tolist() == [-1, 53] and r.exact_zero.tolist() == [False, True]
    noisy = fixpt.cancellation(np.array([0.1]), np.array([0.1]), error_ulps=1)
    assert noisy.catastrophic.tolist() == [True] and noisy.significant_bits.tolist() == [0]
    exact = fixpt.cancellation(np.array([0.1]), np.array([0.1]))
    assert exact.n_events == 1 and not exact.catastrophic.any() and exact.significant_bits.tolist() == [53]
    # the quadratic formula's small root in binary32: -b + sqrt(b^2 - 4ac) cancels totally
    with fixpt.watch_cancellation(threshold_bits=10) as watch:
        a, b, c = (fixpt.Simulated(v, "binary32") for v in (1.0, 3000.001, 0.003))
        d = (b * b - 4 * a * c).sqrt()
        root = (-b + d) / (2 * a)
    assert root.tolist() == 0.0 and root.shape == ()
    assert watch.n_events >= 1
    assert max(site.worst_bits for site in watch.sites.values()) == 24


def test_benign_versus_catastrophic():
    a, b = np.array([1.0, 3.0]), np.array([1.0 - 2**-40, 2.0])
    exact = fixpt.cancellation(a, b, threshold_bits=10)
    assert exact.n_events == 1 and not exact.catastrophic.any()
    assert exact.significant_bits.tolist() == [53, 53]
    noisy = fixpt.cancellation(a, b, threshold_bits=10, error_ulps=(2, 0))
    assert noisy.catastrophic.tolist() == [True, False]
    assert noisy.significant_bits.tolist() == [13, 52]


def test_float32_and_other_formats():
    a = np.float32([1.0, 1.5])
    b = np.float32([0.99999994, 1.0])
    r = fixpt.cancellation(a, b)
    assert r.format == fixpt.binary32 and r.lost_bits.tolist() == [24, 1]
    h = fixpt.round_to_format([1.0, 1.0009765625], "binary16")
    r16 = fixpt.cancellation(h[1:], h[:1], fmt="binary16")
    assert r16.lost_bits.tolist() == [10] and r16.result.tolist() == [2.0**-10]
    with pytest.raises(ValueError, match="not binary16 values"):
        fixpt.cancellation([0.1], [0.2], fmt="binary16")


def test_tracked_bounds_hold():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 2, 50)
    y = x * (1 + rng.uniform(-1e-6, 1e-6, 50))
    tx = fixpt.Tracked(x, error_ulps=4)
    ty = fixpt.Tracked(y)
    z = (tx - ty) * tx + ty
    # the true values lie within the bounds: perturb x by its full error and recompute exactly
    ulps = fixpt.ulp(x, "binary64")
    for sign in (-1, 1):
        xs = [Fraction(v) + sign * 4 * Fraction(u) for v, u in zip(x, ulps)]
        exact = [(xv - Fraction(yv)) * xv + Fraction(yv) for xv, yv in zip(xs, y)]
        err = np.array([abs(float(Fraction(zv) - e)) for zv, e in zip(z.values, exact)])
        assert np.all(err <= z.error)
    assert np.all(z.relative_error_bound < 1e-9)
    assert fixpt.Tracked([0.5]).error.tolist() == [0.0]
    with pytest.raises(ValueError, match=">= 0"):
        fixpt.Tracked([1.0], error=[-1.0])


def test_watch_records_call_sites_and_catastrophic_events():
    with fixpt.watch_cancellation(threshold_bits=20) as w:
        a = fixpt.Tracked([1.0, 2.0], error_ulps=1)
        b = fixpt.Tracked([1.0 - 2**-30, 1.0])
        _ = a - b                                             # this line: 1 catastrophic event
        _ = fixpt.cancellation(np.array([1.0]), np.array([1.0 - 2**-25]))
    assert w.n_events == 2
    sites = sorted(w.sites.values(), key=lambda s: s.line)
    assert all(site.file == __file__ for site in sites)
    assert sites[0].catastrophic == 1 and sites[1].catastrophic == 0
    assert "test_cancellation.py" in str(w) and "worst" in str(w)
    _ = fixpt.cancellation(np.array([1.0]), np.array([1.0 - 2**-25]))
    assert w.n_events == 2  # nothing recorded after the block


@given(st.lists(st.floats(-100, 100, allow_nan=False), min_size=3, max_size=3),
       st.sampled_from(["binary16", "bfloat16", "e5m2", "binary32"]))
def test_simulated_rounds_after_every_operation(values, fmt):
    a, b, c = (fixpt.Simulated(v, fmt) for v in values)
    r = (a * b - c) / (a + 7.0)
    ra, rb, rc = (fixpt.round_to_format(v, fmt) for v in values)
    step = lambda v: fixpt.round_to_format(v, fmt)  # noqa: E731
    with np.errstate(all="ignore"):
        want = step(step(step(ra * rb) - rc) / step(ra + 7.0))
    np.testing.assert_array_equal(r.values, np.atleast_1d(want))



def test_plots_are_written(tmp_path):
    pytest.importorskip("matplotlib")
    from fixpt.teach import plots as teaching
    teaching.plot_rounding(fixpt.Q(4, 2), -1, 1, str(tmp_path / "rounding.png"), samples=200)
    report = fixpt.cancellation(np.random.default_rng(0).uniform(1, 2, 1000),
                                np.random.default_rng(1).uniform(1, 2, 1000))
    teaching.plot_lost_bits(report, str(tmp_path / "lost.png"))
    assert (tmp_path / "rounding.png").stat().st_size > 1000 and (tmp_path / "lost.png").stat().st_size > 1000


def test_large_arrays_split_over_threads_match_frexp():
    """The kernel runs in blocks over threads: every element's lost bits and class agree with
    math.frexp element by element, for any thread count (exact zeros, inf and subnormals in
    the mix)."""
    import math
    rng = np.random.default_rng(30)
    n = 300_000
    a = rng.uniform(1, 2, n) * 2.0 ** rng.integers(-1074, 1000, n)
    b = a * (1 + rng.uniform(-1e-9, 1e-9, n))
    b[::7] = a[::7]                      # exact zeros
    b[::11] = np.inf
    a[::13] = 5e-324
    reports = []
    for threads in (1, 2):
        with fixpt.num_threads(threads):
            reports.append(fixpt.cancellation(a, b))
    first, second = reports
    assert np.array_equal(first.lost_bits, second.lost_bits) and np.array_equal(first.classes, second.classes)
    for i in range(0, n, 37):
        x, y = float(a[i]), float(b[i])
        r = x - y
        if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(r)) or x == 0 or y == 0:
            assert first.classes[i] == 2
        elif r == 0:
            assert first.classes[i] == 1 and first.lost_bits[i] == 53
        else:
            want = max(math.frexp(x)[1], math.frexp(y)[1]) - math.frexp(r)[1]
            assert first.classes[i] == 0 and first.lost_bits[i] == want, (x, y)
    assert first.n_events == second.n_events
