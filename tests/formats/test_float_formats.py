"""Float formats: named formats, finfo constants, and refused descriptions."""
import numpy as np
import pytest
import fixpt
from fixpt import FloatFormat


@pytest.mark.parametrize("fmt, dtype", [(fixpt.binary16, np.float16), (fixpt.binary32, np.float32),
                                        (fixpt.binary64, np.float64)])
def test_finfo_matches_numpy(fmt, dtype):
    mine, ref = fmt.finfo(), np.finfo(dtype)
    for name in ("bits", "eps", "epsneg", "max", "min", "tiny", "smallest_subnormal", "maxexp",
                 "minexp", "machep", "negep", "nexp", "nmant", "precision", "resolution"):
        assert getattr(mine, name) == getattr(ref, name), name
    assert fmt.precision == ref.nmant + 1 and fmt.emax == ref.maxexp - 1


def test_named_formats():
    assert fixpt.e4m3fn.max == 448 and fixpt.e5m2.max == 57344 and fixpt.bfloat16.max == 3.3895313892515355e38
    assert fixpt.tf32.width == 19 and fixpt.tf32.container == np.uint32
    assert fixpt.e4m3fnuz.max == 240 and fixpt.e5m2fnuz.max == 57344
    assert fixpt.e4m3fn.min_subnormal == 2.0**-9
    assert fixpt.binary64.max == np.finfo(np.float64).max
    assert fixpt.parse_float_format("fp16") is fixpt.binary16
    x = np.random.default_rng(2).standard_normal(1000)
    assert np.array_equal(fixpt.round_to_format(x, "binary64"), x)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"exp_bits": 1, "man_bits": 3}, ValueError, "exp_bits=1 is outside the allowed range 2..11"),
    ({"exp_bits": 5, "man_bits": 53}, ValueError, "man_bits=53"),
    ({"exp_bits": 5, "man_bits": 2.0}, TypeError, "man_bits must be an integer"),
    ({"exp_bits": 5, "man_bits": 0}, ValueError, "needs man_bits >= 1"),
    ({"exp_bits": 4, "man_bits": 3, "inf_nan": "fn", "overflow": "inf"}, ValueError, "no inf"),
    ({"exp_bits": 4, "man_bits": 3, "inf_nan": "ocp"}, ValueError, "inf_nan='ocp'"),
    ({"exp_bits": 11, "man_bits": 52, "bias": 1000}, ValueError, "outside float64"),
])
def test_bad_float_formats(kwargs, error, words):
    with pytest.raises(error, match=words):
        FloatFormat(**kwargs)

