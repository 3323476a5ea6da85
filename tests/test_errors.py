"""Bad input gets a clear error that names the argument, and loses nothing."""
import numpy as np
import pytest

import fixpt


def test_nan_raises_by_default_and_names_the_index():
    x = np.zeros((2, 3))
    x[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"1 NaN element\(s\), first at index \(1, 2\)"):
        fixpt.array(x, "Q4.4")
    y, status = fixpt.array(x, "Q4.4", nan="zero", return_status=True)
    assert y.raw[1, 2] == 0 and status.n_nan == 1


def test_inf_policy():
    x = np.array([np.inf, -np.inf, 1.0])
    for mode in ("saturate", "saturate_symmetric"):
        raw, status = fixpt.to_raw(x, "Q4.4", overflow=mode)
        assert raw.tolist() == [127, -127 if mode == "saturate_symmetric" else -128, 16]
        assert status.n_inf == 2 and status.n_overflow == 2
    assert fixpt.to_raw(x, "Q4.4", overflow="saturate_zero")[0].tolist() == [0, 0, 16]
    with pytest.raises(ValueError, match="cannot wrap"):
        fixpt.to_raw(x, "Q4.4", overflow="wrap")
    with pytest.raises(OverflowError, match="2 of 3"):
        fixpt.to_raw(x, "Q4.4", overflow="raise")


def test_raise_mode_names_count_and_first_index():
    x = np.array([[0.0, 1.0], [100.0, -200.0]])
    with pytest.raises(OverflowError, match=r"2 of 4 element\(s\).*Q\(4,4\).*index \(1, 0\).*100\.0"):
        fixpt.to_raw(x, "Q4.4", overflow="raise")
    # in range: no error, exact result
    assert fixpt.to_raw([7.9375, -8.0], "Q4.4", overflow="raise")[0].tolist() == [127, -128]


@pytest.mark.parametrize("kwargs, words", [
    ({"rounding": "nearest"}, "rounding='nearest' is not one of: nearest_even"),
    ({"rounding": 3}, "rounding=3"),
    ({"overflow": "clip"}, "overflow='clip' is not one of: saturate"),
    ({"nan": "ignore"}, "nan='ignore' is not one of: raise, zero"),
])
def test_bad_mode_names(kwargs, words):
    with pytest.raises(ValueError, match=words):
        fixpt.to_raw([1.0], "Q4.4", **kwargs)


@pytest.mark.parametrize("values, error", [
    (np.array(["1.0"]), TypeError),
    (np.array([1 + 2j]), TypeError),
    (np.array([1.0], dtype=np.longdouble) if np.dtype(np.longdouble).itemsize > 8 else None, TypeError),
    (2**70, OverflowError),
    ([2**70, 1], OverflowError),
    (np.array([None, 1.0], dtype=object), TypeError),
])
def test_bad_values(values, error):
    if values is None:
        pytest.skip("longdouble is float64 here")
    with pytest.raises(error, match="values"):
        fixpt.to_raw(values, "Q4.4")


def test_bad_seed():
    with pytest.raises(TypeError, match="seed"):
        fixpt.to_raw([0.5], "Q4.4", rounding="stochastic", seed=1.5)
    with pytest.raises(ValueError, match="seed"):
        fixpt.to_raw([0.5], "Q4.4", rounding="stochastic", seed=-1)


def test_from_raw_checks_the_range():
    with pytest.raises(OverflowError, match=r"raw value 128 is outside the raw range \[-128, 127\]"):
        fixpt.from_raw([0, 128], "Q1.7")
    with pytest.raises(TypeError, match="raw must hold integers"):
        fixpt.from_raw([0.5], "Q1.7")
    x = fixpt.from_raw(np.array([-128, 127], dtype=np.int64), "Q1.7")
    assert x.raw.dtype == np.int8 and x.tolist() == [-1.0, 127 / 128]


def test_c_core_rejects_bad_parameters_with_a_status():
    from fixpt import _binding
    with pytest.raises(ValueError, match="word length must be between 1 and 64"):
        _binding.cast(np.zeros(2), np.dtype(np.int64), word_length=65, signed=True, shift=0,
                      round_code=0, overflow_code=0)
    with pytest.raises(ValueError, match="unknown rounding mode"):
        _binding.cast(np.zeros(2), np.dtype(np.int8), word_length=8, signed=True, shift=0,
                      round_code=99, overflow_code=0)
    with pytest.raises(ValueError, match="container"):
        _binding.cast(np.zeros(2), np.dtype(np.int8), word_length=9, signed=True, shift=0,
                      round_code=0, overflow_code=0)
