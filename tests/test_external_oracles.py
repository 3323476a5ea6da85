"""Bit-exact agreement with the ONNX reference implementation and PyTorch, where installed."""
import numpy as np
import pytest
from onnx_runner import run_onnx

from fixpt import quant


@pytest.mark.parametrize("dtype, bits, signed", [(np.int8, 8, True), (np.uint8, 8, False), (np.int16, 16, True)])
def test_onnx_quantize_dequantize_per_tensor(dtype, bits, signed):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(4, 6)) * 50).astype(np.float32)
    x[0, :3] = [0.5, 1.5, -2.5]  # ties
    scale, zp = np.float32(0.37), dtype(3 if not signed else -2)
    want = run_onnx("QuantizeLinear", {"x": x}, {"s": np.array(scale), "z": np.array(zp)})
    p = quant.QParams(scale, int(zp), bits, signed)
    assert np.array_equal(quant.quantize(x, p, preset="onnx"), want)
    back = run_onnx("DequantizeLinear", {"q": want}, {"s": np.array(scale), "z": np.array(zp)})
    assert np.array_equal(quant.dequantize(want, p), back)


@pytest.mark.parametrize("kind", ["int4", "uint4"])
def test_onnx_4_bit(kind):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = (np.random.default_rng(4).normal(size=(3, 8)) * 4).astype(np.float32)
    signed = kind == "int4"
    zp = np.array(1 if signed else 7, dtype=getattr(ml_dtypes, kind))
    want = run_onnx("QuantizeLinear", {"x": x}, {"s": np.array(np.float32(0.5)), "z": zp})
    got = quant.quantize(x, quant.QParams(0.5, int(zp.astype(np.int8)), bits=4, signed=signed))
    assert got.tolist() == want.astype(np.int8).tolist()


def test_onnx_per_axis_and_blocked():
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(3, 8)) * 20).astype(np.float32)
    scales = np.array([0.1, 0.25, 0.3], np.float32)
    zps = np.array([0, 5, -7], np.int8)
    want = run_onnx("QuantizeLinear", {"x": x}, {"s": scales, "z": zps}, {"axis": 0})
    got = quant.quantize(x, quant.QParams(scales, zps, axis=0), preset="onnx")
    assert np.array_equal(got, want)
    block_scales = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], np.float32)
    block_zps = np.zeros((3, 2), np.int8)
    want_b = run_onnx("QuantizeLinear", {"x": x}, {"s": block_scales, "z": block_zps},
                      {"axis": 1, "block_size": 4})
    # blocks of 4 along axis 1, per row: groups are (row, block) -> flatten as channels
    got_b = np.stack([quant.quantize(x[r], quant.QParams(block_scales[r], 0, axis=0, group_size=4))
                      for r in range(3)])
    assert np.array_equal(got_b, want_b)


def test_onnx_matmul_integer_and_qlinear_matmul():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 256, (5, 7), dtype=np.uint8)
    b = rng.integers(-128, 128, (7, 4), dtype=np.int8)
    azp, bzp = np.uint8(128), np.int8(3)
    want = run_onnx("MatMulInteger", {"a": a, "b": b}, {"az": np.array(azp), "bz": np.array(bzp)})
    from fixpt import FixedFormat, from_raw, matmul
    got = matmul(from_raw(a.astype(np.int32) - 128, FixedFormat(9, 0, True)),
                 from_raw(b.astype(np.int32) - 3, FixedFormat(9, 0, True)))
    assert np.array_equal(got.raw.astype(np.int32), want)
    s = {"as": np.array(np.float32(0.02)), "az": np.array(azp), "bs": np.array(np.float32(0.05)),
         "bz": np.array(bzp), "ys": np.array(np.float32(0.3)), "yz": np.array(np.uint8(100))}
    want_q = run_onnx("QLinearMatMul", {"a": a}, {"as": s["as"], "az": s["az"], "b": b, "bs": s["bs"],
                                                  "bz": s["bz"], "ys": s["ys"], "yz": s["yz"]})
    px = quant.QParams(0.02, 128, 8, False)
    pw = quant.QParams(0.05, 3, 8, True)
    py = quant.QParams(0.3, 100, 8, False)
    multiplier = np.float32(np.float32(0.02) * np.float32(0.05)) / np.float32(0.3)
    acc = got.raw.astype(np.int64)
    ours = quant.requantize(acc, multiplier, 0, 100, 8, signed=False, preset="onnx")
    assert np.array_equal(ours, want_q)
    layer = quant.linear(a, px, b.T, pw, out_qparams=py, preset="onnx")
    assert np.array_equal(layer, want_q)


def test_torch_fake_quantize_and_observers():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = (rng.normal(size=2000) * 3).astype(np.float32)
    x[:4] = [0.5, 1.5, 2.5, -0.5]
    for scale, zp in ((0.1, 0), (0.0371, 7), (1.0, -3)):
        want = torch.fake_quantize_per_tensor_affine(torch.from_numpy(x), scale, zp, -128, 127).numpy()
        p = quant.QParams(scale, zp)
        got = quant.dequantize(quant.quantize(x, p, preset="torch"), p)
        assert np.array_equal(got, want)
    w = (rng.normal(size=(4, 50)) * 2).astype(np.float32)
    scales = np.array([0.01, 0.02, 0.03, 0.05], np.float32)
    zps = np.array([0, 1, -1, 2], np.int32)
    want = torch.fake_quantize_per_channel_affine(torch.from_numpy(w), torch.from_numpy(scales),
                                                  torch.from_numpy(zps), 0, -128, 127).numpy()
    p = quant.QParams(scales, zps, axis=0)
    assert np.array_equal(quant.dequantize(quant.quantize(w, p, preset="torch"), p), want)
    obs = torch.ao.quantization.MinMaxObserver(dtype=torch.quint8, qscheme=torch.per_tensor_affine)
    obs(torch.from_numpy(x))
    scale_t, zp_t = obs.calculate_qparams()
    mine = quant.choose_qparams(float(x.min()), float(x.max()), 8, signed=False)
    assert abs(float(mine.scale) - float(scale_t)) <= np.spacing(np.float32(scale_t))
    assert int(mine.zero_point) == int(zp_t)


def test_torch_adapter_matches_numpy():
    torch = pytest.importorskip("torch")
    import fixpt.torch as ft
    from fixpt.quant import train
    x = torch.tensor([-1.0, 0.3, 1.0, 2.5], requires_grad=True)
    act = ft.PACT(alpha=2.0, bits=2)
    y = act(x)
    y.sum().backward()
    ref_y, ref_dx, ref_da = train.pact(x.detach().numpy(), 2.0, 2)
    assert np.allclose(y.detach().numpy(), ref_y)
    assert np.array_equal(x.grad.numpy(), ref_dx.astype(np.float32))
    assert float(act.alpha.grad) == float(ref_da.sum())
    p = quant.QParams(0.5, 0, bits=4)
    z = torch.tensor([-5.0, 0.26, 3.6], requires_grad=True)
    out = ft.FakeQuantize(p)(z)
    out.sum().backward()
    assert out.detach().tolist() == [-4.0, 0.5, 3.5] and z.grad.tolist() == [0.0, 1.0, 0.0]


def test_onnx_dynamic_quantize_linear_in_float32():
    onnx = pytest.importorskip("onnx")
    from onnx import helper
    from onnx.reference import ReferenceEvaluator
    node = helper.make_node("DynamicQuantizeLinear", ["x"], ["y", "s", "z"])
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info(n, onnx.TensorProto.UNDEFINED, None) for n in "ysz"])
    model = ReferenceEvaluator(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)]))
    rng = np.random.default_rng(12)
    tensors = [np.array([0, 2, -3, -2.5, 1.34, 0.5], np.float32), np.zeros(3, np.float32),
               np.full(4, 7.0, np.float32), np.full(4, -7.0, np.float32)]
    tensors += [(rng.normal(size=rng.integers(1, 40)) * 10.0 ** rng.integers(-4, 4)
                 + rng.normal() * rng.integers(0, 3)).astype(np.float32) for _ in range(400)]
    for x in tensors:
        want_y, want_s, want_z = model.run(None, {"x": x})
        y, scale, zero_point = quant.dynamic_quantize_linear(x)
        assert np.array_equal(y, want_y) and scale == want_s and zero_point == want_z, x
    with pytest.raises(ValueError, match="NaN at index"):
        quant.dynamic_quantize_linear([1.0, np.nan])
    with pytest.raises(ValueError, match="empty"):
        quant.dynamic_quantize_linear([])
