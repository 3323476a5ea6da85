"""Error statistics of an approximation."""
import numpy as np
import fixpt


def test_error_stats():
    x = np.linspace(-1, 1 - 2**-7, 4097)
    e = fixpt.error_stats(x, fixpt.array(x, "Q1.7"))
    assert e.max_abs <= 2**-8 and abs(e.mean) < 1e-4
    assert abs(e.rms - 2**-7 / np.sqrt(12)) < 2e-4
    assert abs(e.sqnr_db - 10 * np.log10((1 / 3) / (2**-14 / 12))) < 0.3

