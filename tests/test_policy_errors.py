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
    (np.array(["1.0x"]), ValueError),
    (["0x10"], ValueError),
    (np.array([1 + 2j]), TypeError),
    (np.array([None, 1.0], dtype=object), TypeError),
    ([1.0, "abc"], ValueError),
    ({"a": 1}, TypeError),
])
def test_bad_values(values, error):
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
    from types import SimpleNamespace

    from fixpt import _binding

    def spec(wl, container, round_mode=0):
        fmt = SimpleNamespace(wl=wl, signed=True, container=np.dtype(container))
        return SimpleNamespace(format=fmt, round_mode=round_mode, overflow_mode=0, seed=0, stream=0)

    with pytest.raises(ValueError, match="word length must be between 1 and 64"):
        _binding.cast(np.zeros(2), spec(65, np.int64), 0)
    with pytest.raises(ValueError, match="unknown rounding mode"):
        _binding.cast(np.zeros(2), spec(8, np.int8, round_mode=99), 0)
    with pytest.raises(ValueError, match="container"):
        _binding.cast(np.zeros(2), spec(9, np.int8), 0)


def test_every_c_status_code_has_its_own_message():
    from fixpt import _binding
    codes = {name: value for name, value in _binding.enum_values("fixpt_error").items() if name != "OK"}
    assert set(codes.values()) == set(_binding._ERRORS)
    messages = [message for _, message in _binding._ERRORS.values()]
    assert len(set(messages)) == len(messages)


def _raises(error, words, call):
    with pytest.raises(error, match=words):
        call()


def test_unclear_errors_became_clear():
    from fixpt import quant
    AxisError = np.exceptions.AxisError
    per_channel = quant.choose_qparams(np.array([-1.0, -1.0]), np.array([1.0, 1.0]), axis=0)
    x = fixpt.zeros((2, 3), "Q4.4")
    cases = [
        (ValueError, "need an array with at least one dimension", lambda: quant.quantize(np.float32(1), per_channel)),
        (ValueError, "2 scales for axis 0 of length 0", lambda: quant.quantize(np.ones((0, 2)), per_channel)),
        (AxisError, "axis 2 is out of bounds for array of dimension 2", lambda: x.sum(axis=2)),
        (AxisError, "axis -3 is out of bounds", lambda: fixpt.cumsum(x, axis=-3)),
        (AxisError, "axis 5 is out of bounds", lambda: x.mean(axis=5)),
        (AxisError, "axis 2 is out of bounds", lambda: x.prod(axis=2)),
        (ValueError, "repeats an axis", lambda: x.sum(axis=(0, 0))),
        (ValueError, "mean of an empty array", lambda: fixpt.zeros(0, "Q4.4").mean()),
        (ValueError, "mean of an empty array", lambda: fixpt.zeros((0, 3), "Q4.4").mean(axis=0)),
        (TypeError, "qparams must be a QParams", lambda: quant.quantize([1.0], None)),
        (ValueError, r"stride=0 is outside allowed only >= 1",
         lambda: fixpt.conv2d(fixpt.zeros((1, 1, 3, 3), "Q4.4"), fixpt.zeros((1, 1, 2, 2), "Q4.4"), stride=0)),
        (TypeError, "stride must be an integer",
         lambda: fixpt.conv2d(fixpt.zeros((1, 1, 3, 3), "Q4.4"), fixpt.zeros((1, 1, 2, 2), "Q4.4"), stride=1.5)),
        (ValueError, r"padding=-1 is outside",
         lambda: fixpt.conv2d(fixpt.zeros((1, 1, 3, 3), "Q4.4"), fixpt.zeros((1, 1, 2, 2), "Q4.4"), padding=-1)),
        (ValueError, r"kernel \(5, 2\) must be non-empty and fit the padded input \(3, 3\)",
         lambda: fixpt.conv2d(fixpt.zeros((1, 1, 3, 3), "Q4.4"), fixpt.zeros((1, 1, 5, 2), "Q4.4"))),
        (ValueError, "not a valid 0x", lambda: fixpt.explain("0x", "Q4.4")),
        (ValueError, "not a valid 0x", lambda: fixpt.explain("0b102", "binary16")),
    ]
    for error, words, call in cases:
        _raises(error, words, call)
    # and the cases that now simply work
    assert quant.dequantize(np.ones((0,), np.int8), quant.choose_qparams(-1, 1)).shape == (0,)
    assert quant.dequantize(np.ones((2, 0), np.int8), per_channel).shape == (2, 0)
    assert fixpt.prod(fixpt.zeros(0, "Q4.4")).tolist() == 1.0
    seeded = fixpt.array([0.5] * 8, "Q4.0", rounding="stochastic", seed=np.int64(3))
    assert seeded.tolist() == fixpt.array([0.5] * 8, "Q4.0", rounding="stochastic", seed=3).tolist()


@pytest.mark.parametrize("value, fmt, words", [
    (8, "Q4.4", "8 is outside the range of Q(4,4)"),
    (7.97, "Q4.4", "above     8  (raw 128, outside the range)"),
    (float("inf"), "Q4.4", "inf is outside the range"),
    (float("-inf"), "UQ4.4", "-inf is outside the range"),
    (float("nan"), "Q4.4", "NaN has no fixed-point value"),
    (2**2000, "Q4.4", "exactly 2^2000) is outside the range"),
    (2**2000, "binary32", "is not a binary32 value"),
    ("1e5000", "binary16", "is not a binary16 value"),
    ("-1e-5000", "Q4.4", "is not a Q"),
    (float("inf"), "e4m3fn", "e4m3fn has no inf"),
])
def test_explain_never_ends_in_a_traceback(value, fmt, words):
    assert words in str(fixpt.explain(value, fmt))
