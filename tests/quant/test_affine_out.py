"""quantize/dequantize write into a caller's buffer (out=) with the same results, and refuse
buffers of another dtype or shape instead of casting into them."""
import numpy as np
import pytest

from fixpt import quant


@pytest.mark.parametrize("qparams", [quant.QParams(0.05, 3, bits=8),
                                     quant.QParams(np.linspace(0.01, 0.1, 4), np.arange(-2, 2), bits=8, axis=1)])
def test_out_gives_the_same_bits_contiguous_or_strided(qparams):
    x = np.random.default_rng(1).normal(scale=3, size=(5, 4)).astype(np.float32)
    want_q = quant.quantize(x, qparams)
    want_x = quant.dequantize(want_q, qparams)
    for buffer_q, buffer_x in [(np.empty((5, 4), np.int8), np.empty((5, 4), np.float32)),
                               (np.empty((5, 8), np.int8)[:, ::2], np.empty((4, 5), np.float32).T)]:
        got_q, clamped = quant.quantize(x, qparams, out=buffer_q, return_clamped=True)
        assert got_q is buffer_q and np.array_equal(buffer_q, want_q)
        assert clamped == quant.quantize(x, qparams, return_clamped=True)[1]
        assert quant.dequantize(want_q, qparams, out=buffer_x) is buffer_x
        assert np.array_equal(buffer_x, want_x)
    fmt_out = np.empty((5, 4), np.int8)
    assert quant.quantize(x / 8, "Q1.7", out=fmt_out) is fmt_out
    assert np.array_equal(fmt_out, quant.quantize(x / 8, "Q1.7"))


def test_out_of_another_dtype_or_shape_is_refused():
    p = quant.QParams(0.05, 0)
    x = np.zeros(3, np.float32)
    with pytest.raises(ValueError, match=r"out has dtype float64 and shape \(3,\); the result has dtype float32"):
        quant.dequantize(np.zeros(3, np.int8), p, out=np.empty(3))
    with pytest.raises(ValueError, match="shape"):
        quant.quantize(x, p, out=np.empty(4, np.int8))
    with pytest.raises(TypeError, match="out must be a NumPy array"):
        quant.quantize(x, p, out=[0, 0, 0])
    read_only = np.empty(3, np.int8)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        quant.quantize(x, p, out=read_only)
