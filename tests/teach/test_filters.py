"""The data behind the IIR teaching page's figures (limit cycles, overflow oscillation,
coefficient quantization), and the figures themselves when matplotlib is installed."""
import numpy as np
import pytest

import fixpt
from fixpt.teach import filters

SOS = [[0.018775, 0.03755, 0.018775, 1.0, -1.4597, 0.5348], [0.019475, 0.03895, 0.019475, 1.0, -1.5133, 0.5912],
       [0.020875, 0.04175, 0.020875, 1.0, -1.6234, 0.7069], [0.023075, 0.04615, 0.023075, 1.0, -1.7940, 0.8863]]


def test_limit_cycles_persist_except_under_magnitude_truncation():
    cycles = filters.limit_cycles(samples=300)
    tail = {mode: values[-100:] for mode, values in cycles.items()}
    assert abs(tail["exact"]).max() < 1e-9                       # float64 decays
    assert abs(tail["nearest_even"]).min() >= 1 / 128              # stuck, never 0
    assert abs(tail["floor"]).min() >= 1 / 128
    assert not tail["toward_zero"].any()
    # the recursion itself, step by step in Python ints (Q1.7 samples, Q2.8 coefficients)
    y1, y2, want = 64, 0, []
    for _ in range(300):
        acc = 410 * y1 - 205 * y2                                  # -a1 y[n-1] - a2 y[n-2], scaled by 2^8
        q, r = divmod(acc, 256)
        q += (r > 128) or (r == 128 and q % 2 == 1)                # nearest_even
        want.append(max(-128, min(127, q)))
        y1, y2 = want[-1], y1
    assert (cycles["nearest_even"] * 128).astype(int).tolist() == want


def test_overflow_oscillation_needs_wrap():
    runs = filters.overflow_oscillation(samples=400)
    assert abs(runs["wrap"][-100:]).max() > 0.9
    assert abs(runs["saturate"][-100:]).max() <= 2.0 ** -15  # at most a 1-LSB limit cycle remains


def test_the_cascade_survives_coefficient_rounding_and_the_direct_form_does_not():
    r = filters.quantized_response(SOS, coefficient_bits=(16, 8))
    for bits in (16, 8):
        assert r[("pole_radius", "cascade", bits)] < 1 <= r[("pole_radius", "direct", bits)]
    assert np.max(np.abs(r[("cascade", 16)] - r["exact"])[:40]) < 0.1
    # the bit-exact impulse response of the rounded cascade matches its float64 recursion
    rounded = filters._round_feedback(np.array(SOS), 8)
    b, a = filters._cascade(rounded)
    impulse = np.zeros(256)
    impulse[0] = 1.0
    reference = np.zeros(256)
    for n in range(256):
        reference[n] = sum(b[k] * impulse[n - k] for k in range(len(b)) if n >= k) - \
            sum(a[k] * reference[n - k] for k in range(1, len(a)) if n >= k)
    assert np.max(np.abs(r[("measured", 8)] - reference)) < 1e-8


@pytest.mark.parametrize("plot, args", [(filters.plot_limit_cycles, ()), (filters.plot_overflow_oscillation, ()),
                                        (filters.plot_quantized_response, (SOS,))])
def test_figures_are_drawn(plot, args, tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra: pip install fixpt[plot]")
    path = tmp_path / "figure.png"
    plot(str(path), *args)
    assert path.stat().st_size > 10_000


def test_lfilter_is_reachable_from_the_teaching_module():
    assert filters.lfilter is fixpt.lfilter and filters.sosfilt is fixpt.sosfilt
