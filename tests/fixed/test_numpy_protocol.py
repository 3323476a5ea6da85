"""FixedArray as a NumPy citizen: indexing and views, joins, the protocol, constructors."""
import numpy as np
import pytest
import fixpt
from fixpt import FixedFormat


def test_indexing_views_and_assignment():
    x = fixpt.array(np.arange(6.0).reshape(2, 3) / 4, "Q4.4")
    row = x[1]
    assert row.tolist() == [0.75, 1.0, 1.25] and np.shares_memory(row.raw, x.raw)
    x[0, 1] = 7.9
    assert x[0, 1].tolist() == 7.875
    x[x.raw > 16] = fixpt.array(-1.0, "Q2.2")
    assert x.tolist() == [[0.0, -1.0, 0.5], [0.75, 1.0, -1.0]]
    assert x.T.shape == (3, 2) and x.reshape(3, 2).shape == (3, 2) and x.ravel().shape == (6,)
    assert [v.tolist() for v in x[0]] == [0.0, -1.0, 0.5] and len(x) == 2
    assert x[[0, 1], [2, 0]].tolist() == [0.5, 0.75]


def test_join_in_common_format():
    a = fixpt.array([1.5], "Q4.4")
    b = fixpt.array([0.125, 3.0], "UQ2.8")
    c = fixpt.concatenate([a, b])
    assert c.format == fixpt.Q(4, 8) and c.tolist() == [1.5, 0.125, 3.0]
    assert fixpt.stack([a, a]).shape == (2, 1)
    w = fixpt.where([True, False], fixpt.array([1.0, 2.0], "Q4.4"), fixpt.array([5.5, 6.5], "Q4.2"))
    assert w.tolist() == [1.0, 6.5] and w.format == fixpt.Q(4, 4)


def test_numpy_protocol_is_exact_or_refuses():
    x = fixpt.array([0.5, -1.25], "Q4.4")
    assert np.add(x, x).format == fixpt.Q(5, 4) and np.multiply(x, 2).tolist() == [1.0, -2.5]
    assert np.negative(x).tolist() == [-0.5, 1.25] and np.abs(x).tolist() == [0.5, 1.25]
    assert np.less(x, 0).tolist() == [False, True]
    assert np.sum(x).tolist() == -0.75 and np.add.reduce(x).tolist() == -0.75
    assert np.concatenate([x, x]).shape == (4,) and np.reshape(x, (2, 1)).shape == (2, 1)
    assert np.where([True, False], x, x).tolist() == [0.5, -1.25]
    assert np.maximum(x, 0).tolist() == [0.5, 0.0]
    assert np.array_equal(x, fixpt.array([0.5, -1.25], "Q8.8"))
    np.testing.assert_array_equal(np.asarray(x), [0.5, -1.25])
    for call in (lambda: np.sin(x), lambda: np.sqrt(x), lambda: np.divide(x, x),
                 lambda: np.fft.fft(x), lambda: np.median(x), lambda: np.cross(x, x),
                 lambda: np.add(x, x, out=np.empty(2))):
        with pytest.raises(TypeError, match="fixpt"):
            call()


def test_constructors_and_containers():
    assert fixpt.zeros((2, 2), "Q4.4").raw.dtype == np.int8
    assert fixpt.ones(3, "UQ9.0").raw.dtype == np.uint16 and fixpt.ones(3, "UQ9.0").tolist() == [1.0] * 3
    assert fixpt.full(2, -0.5, "Q1.15").raw.tolist() == [-16384, -16384]
    assert fixpt.arange(0, 1, 0.25, fmt="Q2.2").tolist() == [0.0, 0.25, 0.5, 0.75]
    for wl, dtype in ((1, np.int8), (8, np.int8), (9, np.int16), (17, np.int32), (33, np.int64)):
        assert fixpt.zeros(1, FixedFormat(wl, 0, True)).raw.dtype == dtype

