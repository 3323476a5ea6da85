"""ONNX quantization operators as one call, bit for bit with the onnx reference and ONNX Runtime."""
import numpy as np
import pytest
from onnx_runner import codes, run_onnx

from fixpt import quant

ml_dtypes = pytest.importorskip("ml_dtypes")
RUNTIMES = ["reference", "ort"]
FLOAT8 = ["float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz"]


def awkward_floats(rng, shape, spread=60.0):
    """Normal values over many binades, with ties, zeros, -0, huge values, inf and subnormals."""
    x = (rng.standard_normal(shape) * np.exp2(rng.uniform(-20, 12, shape))).astype(np.float32).ravel()
    specials = np.array([0.5, 1.5, 2.5, -2.5, 0.0, -0.0, 1e30, -1e30, 3e-39, -3e-39, 127.5, -128.5,
                         np.inf, -np.inf], np.float32)
    x[:min(len(specials), x.size)] = specials[:x.size]
    return rng.permutation(x).reshape(shape) * np.float32(spread / 60.0)


def zero_point_of(name, value=0):
    return np.array(value, dtype=getattr(ml_dtypes, name) if not hasattr(np, name) else getattr(np, name))


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("name", FLOAT8)
@pytest.mark.parametrize("saturate", [0, 1])
def test_float8_quantize_linear(runtime, name, saturate):
    if runtime == "ort" and name != "float8_e4m3fn":
        pytest.skip("ONNX Runtime's Python binding passes no float8 tensors but e4m3fn ones")
    rng = np.random.default_rng(7)
    x = awkward_floats(rng, (6, 40))
    x[0, :2] = np.nan
    scale = np.array(np.float32(0.37))
    want = run_onnx("QuantizeLinear", {"x": x}, {"s": scale, "z": zero_point_of(name)},
                    {"saturate": saturate}, runtime=runtime)
    got = quant.quantize_linear(x, scale, zero_point_of(name), saturate=saturate)
    assert np.array_equal(got, codes(want))
    assert np.array_equal(got, quant.quantize_linear(x, scale, output_dtype=name, saturate=bool(saturate)))


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("name", FLOAT8 + ["float4_e2m1"])
def test_dequantize_linear_of_float_types(runtime, name):
    if runtime == "ort":
        pytest.skip("ONNX Runtime's Python binding takes no ml_dtypes inputs")
    everything = np.arange(256 if name != "float4_e2m1" else 16, dtype=np.uint8)
    q = everything.view(getattr(ml_dtypes, name)) if name != "float4_e2m1" else \
        everything.astype(np.float32).astype(ml_dtypes.float4_e2m1fn)
    if name == "float4_e2m1":  # ml_dtypes holds float4 as one byte per value; rebuild from codes
        q = np.array([ml_dtypes.float4_e2m1fn(v) for v in
                      [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6]],
                     dtype=ml_dtypes.float4_e2m1fn)
    scale = np.array([0.5, 3.0], np.float32)
    x = np.stack([q, q])
    want = run_onnx("DequantizeLinear", {"q": x}, {"s": scale}, {"axis": 0}, opset=23, runtime=runtime)
    got = quant.dequantize_linear(x, scale, axis=0)
    assert got.dtype == np.float32
    assert np.array_equal(got, want, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("name", ["float4_e2m1", "float6_e2m3", "float6_e3m2"])
def test_float4_and_float6_quantize_linear_saturate(name):
    if not hasattr(ml_dtypes, name + "fn"):
        pytest.skip(f"ml_dtypes has no {name}fn")
    rng = np.random.default_rng(2)
    x = awkward_floats(rng, (4, 30))
    x = np.where(np.isinf(x), np.float32(1e6), x)  # the reference's cast of inf is ml_dtypes'
    scale = np.array(np.float32(0.25))
    zp = np.array(0, dtype=getattr(ml_dtypes, name + "fn"))
    try:
        want = run_onnx("QuantizeLinear", {"x": x}, {"s": scale, "z": zp}, opset=23)
    except Exception as error:  # noqa: BLE001 - older onnx without these types
        pytest.skip(f"the onnx reference has no {name} QuantizeLinear: {error}")
    got = quant.quantize_linear(x, scale, zp)
    assert np.array_equal(got, codes(want))


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("dtype", ["uint8", "int8", "uint16", "int16", "int4", "uint4"])
def test_integer_quantize_per_tensor_and_axis(runtime, dtype):
    if runtime == "ort" and dtype.endswith("4"):
        pytest.skip("ONNX Runtime's Python binding returns no 4-bit tensors")
    rng = np.random.default_rng(11)
    x = awkward_floats(rng, (3, 5, 8), spread=40.0)
    x = np.where(np.isfinite(x), x, np.float32(1e4))
    if runtime == "reference":  # its int32 cast of quotients beyond int32 is undefined
        x = np.clip(x, np.float32(-1e6), np.float32(1e6))
    info = {"uint8": (0, 255), "int8": (-128, 127), "uint16": (0, 65535), "int16": (-32768, 32767),
            "int4": (-8, 7), "uint4": (0, 15)}[dtype]
    scales = rng.uniform(0.01, 2.0, 5).astype(np.float32)
    zps = zero_point_of(dtype, rng.integers(info[0], info[1] + 1, 5))
    want = run_onnx("QuantizeLinear", {"x": x}, {"s": scales, "z": zps}, {"axis": 1}, runtime=runtime,
                    out_type=zps.dtype)
    assert np.array_equal(quant.quantize_linear(x, scales, zps, axis=1), codes(want))
    back = run_onnx("DequantizeLinear", {"q": want}, {"s": scales, "z": zps}, {"axis": 1}, runtime=runtime,
                    out_type=np.float32)
    assert np.array_equal(quant.dequantize_linear(want, scales, zps, axis=1), back)
    one = run_onnx("QuantizeLinear", {"x": x}, {"s": scales[:1].reshape(()), "z": zps[:1].reshape(())},
                   runtime=runtime, out_type=zps.dtype)
    assert np.array_equal(quant.quantize_linear(x, scales[0], zps[0]), codes(one))


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("axis, block_size", [(0, 2), (1, 3), (2, 4), (2, 3), (-1, 8)])
def test_blocked_quantization_full_rank_scales_ragged_blocks(runtime, axis, block_size):
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((4, 7, 10)) * 30).astype(np.float32)
    shape = list(x.shape)
    shape[axis] = -(-shape[axis] // block_size)
    scales = rng.uniform(0.05, 1.5, shape).astype(np.float32)  # vary along every axis
    zps = rng.integers(-20, 20, shape).astype(np.int8)
    attrs = {"axis": axis, "block_size": block_size}
    try:
        want = run_onnx("QuantizeLinear", {"x": x}, {"s": scales, "z": zps}, attrs, runtime=runtime)
        back = run_onnx("DequantizeLinear", {"q": want}, {"s": scales, "z": zps}, attrs, runtime=runtime)
    except Exception as error:
        if runtime == "ort":
            pytest.skip(f"ONNX Runtime refuses this blocked layout: {str(error)[:120]}")
        raise
    got = quant.quantize_linear(x, scales, zps, **attrs)
    assert np.array_equal(got, want)
    assert np.array_equal(quant.dequantize_linear(want, scales, zps, **attrs), back)


def test_blocked_float8_with_ragged_block():
    rng = np.random.default_rng(8)
    x = (rng.standard_normal((3, 10)) * 500).astype(np.float32)
    scales = rng.uniform(0.1, 2, (3, 3)).astype(np.float32)
    zps = np.zeros((3, 3), ml_dtypes.float8_e5m2)
    want = run_onnx("QuantizeLinear", {"x": x}, {"s": scales, "z": zps}, {"axis": 1, "block_size": 4})
    assert np.array_equal(quant.quantize_linear(x, scales, zps, axis=1, block_size=4), codes(want))


def test_float16_inputs_divide_in_float16():
    rng = np.random.default_rng(9)
    x = (rng.standard_normal(500) * 100).astype(np.float16)
    scale = np.array(np.float16(0.3))
    want = run_onnx("QuantizeLinear", {"x": x}, {"s": scale, "z": np.array(np.int8(3))})
    assert np.array_equal(quant.quantize_linear(x, scale, np.int8(3)), want)


def test_errors_name_the_argument():
    x = np.ones((2, 4), np.float32)
    with pytest.raises(ValueError, match="y_scale of shape"):
        quant.quantize_linear(x, np.ones(3, np.float32), axis=1)
    with pytest.raises(ValueError, match=r"need shape \(2, 2\)"):
        quant.quantize_linear(x, np.ones((2, 3), np.float32), axis=1, block_size=2)
    with pytest.raises(ValueError, match="must be zero"):
        quant.quantize_linear(x, np.float32(1), np.array(1.0, ml_dtypes.float8_e4m3fn))
    with pytest.raises(ValueError, match="not an ONNX quantized type"):
        quant.quantize_linear(x, np.float32(1), output_dtype="int32")
    with pytest.raises(ValueError, match="finite and > 0"):
        quant.quantize_linear(x, np.float32(0))
    with pytest.raises(ValueError, match="range"):
        quant.quantize_linear(x, np.float32(1), np.int16(300), output_dtype="int8")
    with pytest.raises(ValueError, match="NaN"):
        quant.quantize_linear(np.array([np.nan], np.float32), np.float32(1))
    assert quant.quantize_linear(np.array([np.nan], np.float32), np.float32(1), np.uint8(7),
                                 nan="zero").tolist() == [7]
    with pytest.raises(ValueError, match="no NaN"):
        quant.quantize_linear(np.array([np.nan], np.float32), np.float32(1), output_dtype="float4_e2m1")
    with pytest.raises(ValueError, match="saturate"):
        quant.quantize_linear(x, np.float32(1), saturate=2)


def test_float_multiplier_is_the_runtimes_float32_formula():
    rng = np.random.default_rng(0)
    found = 0
    for _ in range(2000):
        sa, sb, sy = rng.uniform(1e-3, 1, 3).astype(np.float32)
        m = quant.float_multiplier(sa, sb, sy)
        assert m == np.float32(np.float32(sa * sb) / sy)
        found += np.float32(np.float64(sa) * np.float64(sb) / np.float64(sy)) != m
    assert found > 0  # the float64 formula really differs sometimes


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_qlinear_matmul(runtime):
    rng = np.random.default_rng(3)
    mismatched_multipliers = 0
    for trial in range(40):
        a = rng.integers(0, 256, (2, 5, 7), dtype=np.uint8)
        b = rng.integers(-128, 128, (7, 6), dtype=np.int8)
        sa, sb, sy = (np.array(v, np.float32) for v in rng.uniform(1e-3, 0.1, 3))
        az, bz, yz = np.array(np.uint8(rng.integers(0, 256))), np.array(np.int8(rng.integers(-128, 128))), \
            np.array(np.uint8(rng.integers(0, 256)))  # ONNX Runtime's kernels: y has a's type
        want = run_onnx("QLinearMatMul", {"a": a}, {"as": sa, "az": az, "b": b, "bs": sb, "bz": bz,
                                                    "ys": sy, "yz": yz}, runtime=runtime)
        preset = "onnx" if runtime == "reference" else "float"
        got = quant.qlinear_matmul(a, sa, az, b, sb, bz, sy, yz, preset=preset)
        assert np.array_equal(got, want), trial
        mismatched_multipliers += quant.float_multiplier(sa, sb, sy) != np.float32(
            np.float64(sa) * np.float64(sb) / np.float64(sy))
        px, pw = quant.QParams(sa, int(az), 8, False), quant.QParams(sb, int(bz), 8, True)
        py = quant.QParams(sy, int(yz), 8, False)
        layer = quant.linear(a.reshape(-1, 7), px, b.T, pw, out_qparams=py, preset=preset)
        assert np.array_equal(layer, want.reshape(-1, 6))


def conv_case(rng, n, c, spatial, m, kernel, group, x_type=np.uint8, per_channel=False):
    lo, hi = (0, 256) if x_type == np.uint8 else (-128, 128)
    x = rng.integers(lo, hi, (n, c) + spatial).astype(x_type)
    w = rng.integers(-128, 128, (m, c // group) + kernel).astype(np.int8)
    ws = rng.uniform(1e-3, 0.05, m).astype(np.float32) if per_channel else np.array(np.float32(0.02))
    wz = np.zeros(m, np.int8) if per_channel else np.array(np.int8(rng.integers(-5, 5)))
    return x, w, ws, wz


CONV_CASES = [
    {"spatial": (7, 6), "kernel": (3, 3), "group": 1, "attrs": {"pads": [1, 0, 2, 1], "strides": [2, 1]}},
    {"spatial": (8, 9), "kernel": (3, 2), "group": 2, "attrs": {"dilations": [2, 1], "pads": [0, 1, 1, 0]}},
    {"spatial": (9, 9), "kernel": (3, 3), "group": 4, "attrs": {"auto_pad": "SAME_UPPER", "strides": [2, 2]}},
    {"spatial": (9, 8), "kernel": (2, 3), "group": 1, "attrs": {"auto_pad": "SAME_LOWER", "strides": [1, 3]}},
    {"spatial": (9, 8), "kernel": (2, 3), "group": 2, "attrs": {"dilations": [3, 2], "pads": [2, 0, 0, 3],
                                                        "strides": [2, 1]}},
    {"spatial": (10,), "kernel": (3,), "group": 2, "attrs": {"pads": [2, 1], "strides": [3]}},
    {"spatial": (5, 5, 4), "kernel": (2, 2, 2), "group": 1, "attrs": {"auto_pad": "VALID"}},
]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("case", range(len(CONV_CASES)))
@pytest.mark.parametrize("per_channel, x_type", [(False, np.uint8), (True, np.uint8), (True, np.int8)])
def test_qlinear_conv(runtime, case, per_channel, x_type):
    spec = CONV_CASES[case]
    if runtime == "reference" and per_channel and len(spec["spatial"]) != 2:
        pytest.skip("the onnx reference expands per-channel scales for 2-D convolutions only")
    rng = np.random.default_rng(case)
    c, m = 4, 8
    x, w, ws, wz = conv_case(rng, 2, c, spec["spatial"], m, spec["kernel"], spec["group"], x_type, per_channel)
    xs, ys = np.array(np.float32(0.05)), np.array(np.float32(0.4))
    xz = np.array(x_type(3 if x_type == np.uint8 else -3))
    yz = np.array(x_type(128 if x_type == np.uint8 else 5))
    bias = rng.integers(-2000, 2000, m).astype(np.int32)
    attrs = dict(spec["attrs"], group=spec["group"])
    inputs = {"x": x}
    init = {"xs": xs, "xz": xz, "w": w, "ws": ws, "wz": wz, "ys": ys, "yz": yz, "B": bias}
    try:
        want = run_onnx("QLinearConv", inputs, init, attrs, runtime=runtime, out_type=x_type)
    except Exception as error:
        if runtime == "ort":
            pytest.skip(f"ONNX Runtime refuses this QLinearConv: {str(error)[:120]}")
        raise
    preset = "onnx" if runtime == "reference" else "float"
    got = quant.qlinear_conv(x, xs, xz, w, ws, wz, ys, yz, bias, preset=preset, **attrs)
    assert got.dtype == want.dtype and np.array_equal(got, want)


def test_qlinear_conv_errors():
    x = np.zeros((1, 4, 5, 5), np.uint8)
    w = np.zeros((6, 2, 3, 3), np.int8)
    args = (np.float32(1), np.uint8(0), w, np.float32(1), np.int8(0), np.float32(1), np.uint8(0))
    with pytest.raises(ValueError, match="group=3"):
        quant.qlinear_conv(x, args[0], args[1], *args[2:], group=3)
    with pytest.raises(ValueError, match="pads needs 4"):
        quant.qlinear_conv(x, *args, group=2, pads=[1, 1])
    with pytest.raises(ValueError, match="auto_pad"):
        quant.qlinear_conv(x, *args, group=2, auto_pad="SAME")
    with pytest.raises(ValueError, match="does not fit"):
        quant.qlinear_conv(x, *args, group=2, dilations=[3, 3])
    with pytest.raises(ValueError, match="preset"):
        quant.qlinear_conv(x, *args, group=2, preset="tflite")


def test_linear_float_presets_use_the_runtimes_multiplier():
    # accumulators where float32(s_x*s_w/s_y) (the float64 formula) and the runtimes'
    # float32(float32(s_x*s_w)/s_y) round a product to different integers
    rng = np.random.default_rng(12)
    cases = []
    while len(cases) < 3:
        sx, sw, sy = rng.uniform(0.05, 0.2, 3).astype(np.float32)
        m32 = float(quant.float_multiplier(sx, sw, sy))
        m64 = float(np.float32(np.float64(sx) * np.float64(sw) / np.float64(sy)))
        if m32 == m64:
            continue
        for acc in range(1, 32767):
            if np.rint(acc * m32) != np.rint(acc * m64):
                cases.append((sx, sw, sy, acc, m32))
                break
    for sx, sw, sy, acc, m32 in cases:
        px, pw = quant.QParams(sx, 0, 16, True), quant.QParams(sw, 0, 16, True)
        py = quant.QParams(sy, 0, 16, True)
        got = quant.linear(np.array([[acc]]), px, np.array([[1]]), pw, out_qparams=py, preset="onnx")
        assert got.tolist() == [[int(np.rint(acc * m32))]]
