"""fixpt.deploy: the four representations of a network and their exact relations."""
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from fixpt import deploy


def mlp(rng, sizes, scale=0.5):
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [deploy.Linear(rng.normal(scale=scale, size=(n_out, n_in)), rng.normal(scale=0.1, size=n_out)),
                   deploy.Act()]
    return deploy.Network(layers[:-1])


def test_fold_bn_matches_the_float_network():
    rng = np.random.default_rng(0)
    bn = deploy.BatchNorm(rng.uniform(0.5, 2, 6), rng.normal(size=6), rng.normal(size=6), rng.uniform(0.2, 2, 6))
    net = deploy.Network([deploy.Linear(rng.normal(size=(6, 4)), rng.normal(size=6)), bn, deploy.Act(),
                          deploy.Linear(rng.normal(size=(2, 6)))])
    folded = deploy.fold_bn(net)
    assert not any(isinstance(layer, deploy.BatchNorm) for layer in folded.layers)
    x = rng.normal(size=(20, 4))
    np.testing.assert_allclose(folded.run(x), net.run(x), rtol=1e-12, atol=1e-12)


def power_of_two_net(rng):
    """Quanta that are all powers of two, so Eq. 13's multiplier is exact."""
    w1 = rng.integers(-127, 128, (8, 5)) * 2.0**-5
    w1[0, 0] = 127 * 2.0**-5                    # max|w| = 127 eps_w, eps_w = 2^-5
    w2 = rng.integers(-127, 128, (3, 8)) * 2.0**-6
    w2[0, 0] = -127 * 2.0**-6
    return deploy.Network([deploy.Linear(w1, rng.integers(-50, 50, 8) * 2.0**-5), deploy.Act(alpha=255 / 8),
                           deploy.Linear(w2)])


def test_integer_network_equals_the_quantized_deployable_images_when_requantization_is_exact():
    rng = np.random.default_rng(1)
    net = power_of_two_net(rng)
    x = rng.integers(0, 16, (50, 5)).astype(float)
    fq = deploy.fake_quantize(net, x, input_eps=1.0, weight_bits=8, act_bits=8)
    assert [layer.eps_weight for layer in fq.layers if isinstance(layer, deploy.QuantLinear)] == [2.0**-5, 2.0**-6]
    integer = deploy.integerize(fq)
    q_int, eps = integer.integer_run(x)
    q_ref, eps_ref = fq.integer_images(x)
    assert eps == eps_ref and q_int.tolist() == q_ref.tolist()
    # and the fake-quantized float view computes the same values
    np.testing.assert_allclose(fq.run(x, "fake_quantized"), q_ref * eps_ref, rtol=0, atol=1e-9)
    acts = [r for r in integer.report if r["layer"] == "act"]
    assert acts and all(r["multiplier"] * 2.0 ** -r["d"] == 2.0**-5 / 0.125 for r in acts)


def test_integer_activation_within_the_eq14_bound_for_general_quanta():
    rng = np.random.default_rng(2)
    net = deploy.Network([deploy.Linear(rng.normal(size=(16, 6)), rng.normal(size=16)), deploy.Act()])
    x = rng.integers(0, 16, (200, 6)).astype(float)
    fq = deploy.fake_quantize(net, x, input_eps=1.0, weight_bits=8, act_bits=8, percentile=99)
    q_int, _ = deploy.integerize(fq, factor=16).integer_run(x)
    q_ref, _ = fq.integer_images(x)
    assert np.all(np.abs(q_int - q_ref) <= np.abs(q_ref) / 16 + 1)
    assert np.mean(q_int == q_ref) > 0.5


def test_accumulators_are_exact_and_reported():
    rng = np.random.default_rng(3)
    net = mlp(rng, [10, 12, 4])
    x = rng.integers(0, 16, (30, 10)).astype(float)
    fq = deploy.fake_quantize(net, x, input_eps=1.0)
    integer = deploy.integerize(fq)
    integer.integer_run(x)
    linears = [r for r in integer.report if r["layer"] == "linear"]
    assert len(linears) == 2
    assert all(r["acc_bits_used"] <= r["acc_bits"] for r in linears)


def test_fake_quantized_tracks_float_at_8_bits():
    rng = np.random.default_rng(4)
    net = mlp(rng, [8, 32, 32, 5])
    x = rng.integers(0, 16, (500, 8)).astype(float)
    fq = deploy.fake_quantize(net, x, input_eps=1.0, weight_bits=8, act_bits=8)
    ref = net.run(x)
    err = fq.run(x, "fake_quantized") - ref
    sqnr = 10 * np.log10(np.mean(ref**2) / np.mean(err**2))
    assert sqnr > 25
    assert np.mean(fq.run(x, "fake_quantized").argmax(1) == ref.argmax(1)) > 0.9
    with pytest.raises(ValueError, match="representation"):
        fq.run(x, "integer")


def test_requantization_parameters_used_follow_eq13_14():
    rng = np.random.default_rng(5)
    net = mlp(rng, [4, 6, 2])
    x = rng.integers(0, 16, (20, 4)).astype(float)
    fq = deploy.fake_quantize(net, x, input_eps=1.0)
    integer = deploy.integerize(fq, factor=16)
    integer.integer_run(x)
    lin, act = fq.layers[0], fq.layers[1]
    row = [r for r in integer.report if r["layer"] == "act"][0]
    # Eq. 14 and 13 in rationals: the smallest d >= 0 with 2^d >= eps_out * 16 / eps_in, then
    # m = floor(eps_in * 2^d / eps_out)
    eps_in, eps_out = Fraction(float(lin.eps_out)), Fraction(float(act.eps_out))
    d = 0
    while 2**d < eps_out * 16 / eps_in:
        d += 1
    assert row["multiplier"] == math.floor(eps_in * 2**d / eps_out)
    assert row["d"] == d


def test_layer_report_and_linear_chains():
    rng = np.random.default_rng(6)
    net = deploy.Network([deploy.Linear(rng.normal(size=(6, 5))), deploy.Linear(rng.normal(size=(4, 6))),
                          deploy.Act(), deploy.Linear(rng.normal(size=(2, 4)))])
    x = rng.integers(0, 16, (40, 5)).astype(float)
    fq = deploy.fake_quantize(net, x, input_eps=1.0)
    integer = deploy.integerize(fq)
    rows = integer.layer_report(x)
    assert [r["layer"] for r in rows] == ["linear", "linear", "act", "linear"]
    assert all(r["sqnr_db"] > 20 for r in rows)
    assert all(r["acc_bits_used"] <= r["acc_bits"] for r in rows if r["layer"] == "linear")
    q_int, _ = integer.integer_run(x)
    q_ref, _ = fq.integer_images(x)
    assert np.all(np.abs(q_int - q_ref) <= np.abs(q_ref) / 8 + 2 ** 12)   # requantized once, bounded


def cnn(rng):
    return deploy.Network([
        deploy.Conv2d(rng.normal(scale=0.3, size=(4, 1, 3, 3)), rng.normal(scale=0.1, size=4), padding=1),
        deploy.BatchNorm(rng.uniform(0.5, 2, 4), rng.normal(size=4), rng.normal(size=4), rng.uniform(0.2, 2, 4)),
        deploy.Act(), deploy.MaxPool(2), deploy.Flatten(), deploy.Linear(rng.normal(scale=0.2, size=(3, 64)))])


def test_convolutional_networks_fold_quantize_and_integerize():
    rng = np.random.default_rng(7)
    net = cnn(rng)
    x = rng.integers(0, 16, (12, 1, 8, 8)).astype(float)
    folded = deploy.fold_bn(net)
    np.testing.assert_allclose(folded.run(x), net.run(x), rtol=1e-10, atol=1e-10)
    # the float convolution against a direct loop
    conv = folded.layers[0]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    direct = np.zeros((12, 4, 8, 8))
    for i in range(8):
        for j in range(8):
            direct[:, :, i, j] = np.einsum("nchw,ochw->no", xp[:, :, i:i + 3, j:j + 3], conv.weight) + conv.bias
    np.testing.assert_allclose(folded.activations(x)[0], direct, rtol=1e-12, atol=1e-12)
    fq = deploy.fake_quantize(folded, x, input_eps=1.0)
    integer = deploy.integerize(fq, factor=2**16)
    q_int, eps = integer.integer_run(x)
    q_ref, eps_ref = fq.integer_images(x)
    assert eps == eps_ref and q_int.shape == (12, 3)
    assert np.all(np.abs(q_int - q_ref) <= np.abs(q_ref) / 2**12 + 2**8)
    rows = integer.layer_report(x)
    assert [r["layer"] for r in rows] == ["conv", "act", "maxpool", "flatten", "linear"]
    fake = fq.run(x, "fake_quantized")
    assert np.mean(fake.argmax(1) == folded.run(x).argmax(1)) >= 0.75


# --- BatchNorm kept in the network: thresholds (Eq. 19-20) and integer BN (Eq. 21-22) ---

def bn_net(rng, gamma):
    c = gamma.size
    return deploy.Network([
        deploy.Linear(rng.normal(size=(c, 5)), rng.normal(size=c)),
        deploy.BatchNorm(gamma, rng.normal(size=c), rng.normal(size=c), rng.uniform(0.2, 2, c)),
        deploy.Act(), deploy.Linear(rng.normal(size=(3, c)))])


@pytest.mark.parametrize("per_channel", [False, True])
def test_thresholds_equal_float_bn_then_quantization_in_rationals(per_channel):
    rng = np.random.default_rng(8)
    gamma = np.array([1.5, -0.7, 0.0, 2.0, -3.0, 0.4])       # negative and zero gammas included
    net = bn_net(rng, gamma)
    x = rng.integers(0, 16, (60, 5)).astype(float)
    fq = deploy.fake_quantize(net, x, input_eps=1.0, weight_bits=6, act_bits=3, per_channel=per_channel)
    lin, th = fq.layers[0], fq.layers[1]
    assert isinstance(th, deploy.QuantThreshold) and th.thresholds.shape == (6, 9)
    q_phi = lin.exact(fq.quantize_input(x))
    got = th.exact(q_phi)
    bn = net.layers[1]
    sigma = np.sqrt(bn.var + bn.eps)
    eps_phi = np.broadcast_to(lin.eps_out, (6,))
    want = np.zeros_like(got)
    for c in range(6):       # the float BN on the exact accumulator value, quantized, in rationals
        g, b, m, s = (Fraction(float(v)) for v in (bn.gamma[c], bn.beta[c], bn.mean[c], sigma[c]))
        for n in range(60):
            phi = Fraction(float(eps_phi[c])) * int(q_phi[n, c])
            y = g / s * (phi - m) + b
            want[n, c] = min(max(math.floor(y / Fraction(th.eps_out)), 0), 7)
    assert got.tolist() == want.tolist()
    assert len(set(got[:, 2].tolist())) == 1                    # gamma = 0: a constant channel
    q_int, _ = deploy.integerize(fq).integer_run(x)              # thresholds need no requantization
    q_ref, _ = fq.integer_images(x)
    assert q_int.tolist() == q_ref.tolist()


def test_integer_bn_images_and_bounds():
    rng = np.random.default_rng(9)
    net = bn_net(rng, rng.uniform(0.5, 2, 8))
    x = rng.integers(0, 16, (80, 5)).astype(float)
    fq = deploy.fake_quantize(net, x, input_eps=1.0, bn="integer", bn_bits=8)
    lin, bn = fq.layers[0], fq.layers[1]
    assert isinstance(bn, deploy.QuantBN)
    assert bn.eps_out == bn.eps_kappa * lin.eps_out                       # Eq. 23's quantum
    q_phi = lin.exact(fq.quantize_input(x))
    assert bn.exact(q_phi).tolist() == (q_phi * bn.q_kappa + bn.q_lambda).tolist()   # Eq. 22
    # the integer BN approximates the float BN within its parameters' quantization errors
    real = net.layers[1].forward(q_phi * lin.eps_out)
    bound = np.abs(q_phi * lin.eps_out) * bn.eps_kappa / 2 + bn.eps_out
    assert np.all(np.abs(bn.exact(q_phi) * bn.eps_out - real) <= bound + 1e-9)
    q_int, _ = deploy.integerize(fq, factor=2**20).integer_run(x)
    q_ref, _ = fq.integer_images(x)
    assert np.all(np.abs(q_int - q_ref) <= np.abs(q_ref) / 2**12 + 2**10)
    np.testing.assert_allclose(fq.run(x, "fake_quantized"), fq.run(x), atol=1e-6 + 0.02 * np.abs(fq.run(x)).max())
    with pytest.raises(ValueError, match="thresholds"):
        deploy.fake_quantize(deploy.Network(net.layers[:2]), x, input_eps=1.0, bn="thresholds")


def test_bn_auto_picks_thresholds_for_low_bit_outputs():
    rng = np.random.default_rng(10)
    net = bn_net(rng, rng.uniform(0.5, 2, 4))
    x = rng.integers(0, 16, (20, 5)).astype(float)
    kinds = [type(deploy.fake_quantize(net, x, 1.0, act_bits=bits).layers[1]) for bits in (4, 8)]
    assert kinds == [deploy.QuantThreshold, deploy.QuantBN]


# --- residual (Add) and average pooling ---

def residual_cnn(rng, power_of_two=True):
    """conv -> act -> Add([conv -> act], identity) -> avgpool 2x2 -> flatten -> linear; with
    power_of_two every quantum is a power of two, so every requantization is exact."""
    def weight(shape, k):
        w = rng.integers(-127, 128, shape) * 2.0**-k
        w.flat[0] = 127 * 2.0**-k
        return w if power_of_two else w + rng.normal(scale=2.0**-k, size=shape)
    return deploy.Network([
        deploy.Conv2d(weight((4, 1, 3, 3), 6), padding=1), deploy.Act(alpha=255 / 8),
        deploy.Add([[deploy.Conv2d(weight((4, 4, 3, 3), 7), padding=1), deploy.Act(alpha=255 / 16)], []]),
        deploy.AvgPool(2), deploy.Flatten(), deploy.Linear(weight((3, 64), 6))])


def test_residual_network_with_exact_requantizations_equals_the_deployable_images():
    rng = np.random.default_rng(11)
    net = residual_cnn(rng)
    x = rng.integers(0, 16, (10, 1, 8, 8)).astype(float)
    fq = deploy.fake_quantize(net, x, input_eps=1.0)
    add = fq.layers[2]
    assert isinstance(add, deploy.QuantAdd) and add.branch_eps == [1 / 16, 1 / 8] and add.eps_out == 1 / 16
    integer = deploy.integerize(fq)
    q_int, eps = integer.integer_run(x)
    q_ref, eps_ref = fq.integer_images(x)
    assert eps == eps_ref and q_int.tolist() == q_ref.tolist()
    # the fake-quantized view computes the same values up to the add (its pooling is a float mean)
    head = deploy.QuantizedNetwork(fq.layers[:3], 1.0)
    np.testing.assert_allclose(head.run(x, "fake_quantized"), head.run(x), rtol=0, atol=1e-9)
    paths = [r["path"] for r in integer.report]
    assert paths == ["0", "1", "2.0.0", "2.0.1", "2", "3", "4", "5"]
    assert [r["layer"] for r in integer.report][2:6] == ["conv", "act", "add", "avgpool"]
    assert all(r["format"] == f"Q{r['bits']}.0" for r in integer.report)
    # the add's image is Eq. 24 on the branch images
    q1 = fq.layers[1].exact(fq.layers[0].exact(fq.quantize_input(x)))
    branch = deploy.QuantizedNetwork(add.branches[0], 1.0)
    q_b0 = deploy.layers._run(branch.layers, q1, "exact")
    assert add.exact(q1).tolist() == (q_b0 + 2 * q1).tolist()


def test_residual_network_general_quanta_within_bounds():
    rng = np.random.default_rng(12)
    net = residual_cnn(rng, power_of_two=False)
    net.layers[3] = deploy.AvgPool(3)                          # K = 9: Eq. 25 is approximate
    net.layers[5] = deploy.Linear(rng.normal(scale=0.05, size=(3, 16)))
    x = rng.integers(0, 16, (10, 1, 8, 8)).astype(float)
    fq = deploy.fake_quantize(net, x, input_eps=1.0, percentile=99)
    q_int, _ = deploy.integerize(fq, factor=2**16, add_factor=2**16).integer_run(x)
    q_ref, _ = fq.integer_images(x)
    assert np.all(np.abs(q_int - q_ref) <= np.abs(q_ref) / 2**8 + 2**9)
    rows = deploy.integerize(fq).layer_report(x)
    assert all(r["sqnr_db"] > 10 for r in rows)


def test_avgpool_exact_image_and_eq25():
    rng = np.random.default_rng(13)
    q = rng.integers(0, 256, (2, 3, 6, 6))
    pool = deploy.QuantAvgPool(3).propagate(0.5)
    sums = q.reshape(2, 3, 2, 3, 2, 3).sum(axis=(3, 5))
    assert pool.exact(q).tolist() == (sums // 9).tolist() and pool.eps_out == 0.5
    got, _, row = pool.integer(q, 9, deploy.IntegerContext(pool_shift=16))
    assert got.tolist() == ((sums * (2**16 // 9)) >> 16).tolist() and row["multiplier"] == 2**16 // 9
    assert np.all((pool.exact(q) - got >= 0) & (pool.exact(q) - got <= 1))


# --- per-channel weights, input bias, quanta, hardening, loading ---

def test_per_channel_weights_follow_each_row_and_requantize_per_channel():
    rng = np.random.default_rng(14)
    w = rng.normal(size=(6, 5)) * np.array([[100.0], [1], [0.01], [1], [10], [0.1]])
    net = deploy.Network([deploy.Linear(w, rng.normal(size=6)), deploy.Act(), deploy.Linear(rng.normal(size=(2, 6)))])
    x = rng.integers(0, 16, (100, 5)).astype(float)
    per_layer = deploy.fake_quantize(net, x, 1.0, weight_bits=4)
    per_channel = deploy.fake_quantize(net, x, 1.0, weight_bits=4, per_channel=True)
    lin = per_channel.layers[0]
    np.testing.assert_array_equal(lin.eps_weight, np.abs(w).max(axis=1) / 7)
    assert np.all(np.abs(lin.q_weight).max(axis=1) == 7)
    err = [np.abs(q.layers[0].fake(x) - net.layers[0].forward(x)).mean(axis=0) for q in (per_layer, per_channel)]
    assert err[1][2] < err[0][2] / 10                          # the small row keeps its precision
    integer = deploy.integerize(per_channel, factor=2**16)
    q_int, _ = integer.integer_run(x)
    q_ref, _ = per_channel.integer_images(x)
    assert np.all(np.abs(q_int - q_ref) <= np.abs(q_ref) / 2**12 + 2**9)
    act = [r for r in integer.report if r["layer"] == "act"][0]
    assert np.shape(act["multiplier"]) == (6,)
    with pytest.raises(ValueError, match="scalar input quantum"):
        deploy.fake_quantize(deploy.Network([deploy.Linear(w), deploy.Linear(rng.normal(size=(2, 6)))]), x, 1.0,
                             per_channel=True)


def test_input_bias_for_inputs_with_an_offset():
    rng = np.random.default_rng(15)
    net = mlp(rng, [6, 8, 3])
    x = rng.integers(-8, 8, (50, 6)).astype(float)            # natural representation: -8 + 1 * Q, Q in 0..15
    biased = deploy.add_input_bias(net, -8.0)
    np.testing.assert_allclose(biased.run(x + 8.0), net.run(x), rtol=1e-12, atol=1e-12)
    fq = deploy.fake_quantize(net, x, input_eps=1.0, input_offset=-8.0)
    q_in = fq.quantize_input(x)
    assert q_in.min() >= 0 and q_in.max() <= 15 and q_in.tolist() == (x + 8).astype(int).tolist()
    q_int, _ = deploy.integerize(fq, factor=2**16).integer_run(x)
    q_ref, eps = fq.integer_images(x)
    assert np.all(np.abs(q_int - q_ref) <= np.abs(q_ref) / 2**12 + 2**8)
    ref = net.run(x)
    assert 10 * np.log10(np.mean(ref**2) / np.mean((q_ref * eps - ref) ** 2)) > 25
    with pytest.raises(ValueError, match="padding"):
        deploy.add_input_bias(deploy.Network([deploy.Conv2d(np.ones((1, 1, 3, 3)), padding=1)]), 1.0)


def test_propagate_quanta_follows_the_rules():
    rng = np.random.default_rng(16)
    net = bn_net(rng, rng.uniform(0.5, 2, 4))
    x = rng.integers(0, 16, (30, 5)).astype(float)
    fq = deploy.fake_quantize(net, x, input_eps=1.0, bn="integer")
    moved = deploy.propagate_quanta(fq, 0.25)
    lin, bn, act, out = moved.layers
    assert moved.input_eps == lin.eps_in == 0.25
    assert lin.eps_out == lin.eps_weight * 0.25
    assert bn.eps_in == lin.eps_out and bn.eps_out == bn.eps_kappa * lin.eps_out
    assert act.eps_in == bn.eps_out and act.eps_out == act.alpha / 255
    assert out.eps_out == out.eps_weight * act.eps_out
    assert lin.q_bias.tolist() == np.rint(net.layers[0].bias / lin.eps_out).astype(int).tolist()
    assert fq.layers[0].eps_in == 1.0                                   # a new network
    with pytest.raises(ValueError, match="input_eps"):
        deploy.propagate_quanta(fq, 0.0)


def test_harden_weights_puts_weights_on_the_grid():
    rng = np.random.default_rng(17)
    net = deploy.Network([deploy.Conv2d(rng.normal(size=(3, 2, 3, 3))), deploy.Add([[deploy.Act()], []]),
                          deploy.Flatten(), deploy.Linear(rng.normal(size=(2, 108)))])
    hard = deploy.harden_weights(net, weight_bits=5, per_channel=True)
    for layer, orig in ((hard.layers[0], net.layers[0]), (hard.layers[3], net.layers[3])):
        q, eps = deploy.quantize_weight(orig.weight, 5, per_channel=True)
        np.testing.assert_array_equal(layer.weight, q * eps.reshape((-1,) + (1,) * (q.ndim - 1)))
        assert np.all(np.abs(layer.weight - orig.weight) <= eps.reshape((-1,) + (1,) * (q.ndim - 1)) / 2 + 1e-15)
        assert deploy.quantize_weight(layer.weight, 5, per_channel=True)[0].tolist() == q.tolist()


def test_load_state_dict_from_arrays_in_module_order():
    rng = np.random.default_rng(18)
    template = deploy.Network([deploy.Conv2d(np.zeros((2, 1, 3, 3)), np.zeros(2)), deploy.BatchNorm(*np.ones((4, 2))),
                               deploy.Act(), deploy.Flatten(), deploy.Linear(np.zeros((3, 72)))])
    state = {"features.0.weight": rng.normal(size=(2, 1, 3, 3)), "features.0.bias": rng.normal(size=2),
             "features.1.weight": rng.uniform(1, 2, 2), "features.1.bias": rng.normal(size=2),
             "features.1.running_mean": rng.normal(size=2), "features.1.running_var": rng.uniform(1, 2, 2),
             "features.1.num_batches_tracked": np.array(3), "head.weight": rng.normal(size=(3, 72))}
    net = deploy.load_state_dict(template, state)
    np.testing.assert_array_equal(net.layers[0].weight, state["features.0.weight"])
    np.testing.assert_array_equal(net.layers[1].var, state["features.1.running_var"])
    assert net.layers[4].bias is None and template.layers[0].weight.max() == 0
    with pytest.raises(ValueError, match="shape"):
        deploy.load_state_dict(template, {**state, "head.weight": np.zeros((3, 70))})
    with pytest.raises(ValueError, match="parametrized modules"):
        deploy.load_state_dict(template, {"head.weight": np.zeros((3, 72))})


def test_load_state_dict_from_pytorch_matches_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3, padding=1), torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
                                torch.nn.AvgPool2d(2), torch.nn.Flatten(), torch.nn.Linear(48, 4))
    model[1].running_mean.uniform_(-1, 1)
    model[1].running_var.uniform_(0.5, 2)
    model.eval()
    template = deploy.Network([deploy.Conv2d(np.zeros((3, 1, 3, 3)), np.zeros(3), padding=1),
                               deploy.BatchNorm(*np.ones((4, 3))), deploy.Act(), deploy.AvgPool(2), deploy.Flatten(),
                               deploy.Linear(np.zeros((4, 48)), np.zeros(4))])
    net = deploy.load_state_dict(template, model.state_dict())
    x = np.random.default_rng(19).normal(size=(5, 1, 8, 8))
    with torch.no_grad():
        want = model(torch.tensor(x, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(net.run(x), want, rtol=1e-5, atol=1e-5)


def test_activation_calibration_methods():
    rng = np.random.default_rng(21)
    w = rng.normal(size=(16, 6))
    net = deploy.Network([deploy.Linear(w), deploy.Act(), deploy.Linear(rng.normal(size=(2, 16)))])
    x = rng.integers(0, 16, (400, 6)).astype(float)
    x[0] *= 20                                                  # one outlier input
    relu = np.maximum(x @ w.T, 0)
    alphas = {method: deploy.fake_quantize(net, x, 1.0, act_bits=4, calibration=method).layers[1].alpha
              for method in deploy.CALIBRATIONS}
    assert alphas["max"] == relu.max() == deploy.fake_quantize(net, x, 1.0, percentile=100).layers[1].alpha
    assert alphas["percentile"] == relu.max()                  # the default percentile is 100
    assert alphas["kl"] < relu.max() / 4 and alphas["mse"] < relu.max()   # both clip the outlier row
    q = deploy.fake_quantize(net, x, 1.0, act_bits=4, calibration="mse").layers[1]
    def mse(alpha):
        eps = alpha / 15
        return np.mean((np.clip(np.floor(relu / eps + 0.5), 0, 15) * eps - relu) ** 2)
    assert mse(q.alpha) < mse(relu.max())
    set_alpha = deploy.Network([net.layers[0], deploy.Act(alpha=3.0), net.layers[2]])
    assert deploy.fake_quantize(set_alpha, x, 1.0, calibration="kl").layers[1].alpha == 3.0


def test_bad_arguments_name_themselves():
    rng = np.random.default_rng(20)
    net = mlp(rng, [4, 5, 2])
    x = rng.integers(0, 16, (10, 4)).astype(float)
    for kwargs, match in [({"weight_bits": 1}, "weight_bits=1"), ({"act_bits": 17}, "act_bits=17"),
                          ({"bn": "fold"}, "bn='fold'"), ({"percentile": 101}, "percentile=101"),
                          ({"calibration": "entropy"}, "calibration='entropy'"),
                          ({"calibration": "kl", "act_bits": 12}, "act_bits=12; use calibration='mse'"),
                          ({"input_eps": 0}, "input_eps=0")]:
        with pytest.raises(ValueError, match=match):
            deploy.fake_quantize(net, x, **{"input_eps": 1.0, **kwargs})
    fq = deploy.fake_quantize(net, x, 1.0)
    with pytest.raises(TypeError, match="q_in must be an integer array"):
        deploy.integerize(fq).run_integer(x)
    with pytest.raises(ValueError, match="pool_shift"):
        deploy.integerize(fq, pool_shift=40)
    with pytest.raises(TypeError, match="unsupported layer"):
        deploy.fake_quantize(deploy.Network([object()]), x, 1.0)


def test_images_wider_than_64_bits_are_refused_not_wrapped():
    rng = np.random.default_rng(22)
    layers = [deploy.Linear(rng.normal(size=(4, 4))) for _ in range(4)]    # no activation: bits grow
    x = rng.integers(0, 16, (3, 4)).astype(float)
    fq = deploy.fake_quantize(deploy.Network(layers), x, 1.0, weight_bits=16)
    with pytest.raises(ValueError, match="64"):
        deploy.integerize(fq).integer_run(x)


@settings(deadline=None)
@given(st.lists(st.tuples(st.floats(-3, 3), st.floats(-2, 2), st.floats(-2, 2), st.floats(0.05, 4)),
                min_size=1, max_size=4),
       st.sampled_from([2.0**-6, 0.013, 0.1]), st.integers(1, 4), st.floats(0.5, 8))
def test_thresholds_equal_the_rational_oracle_for_any_bn(channels, eps_phi, bits, alpha):
    gamma, beta, mean, var = (np.array(v) for v in zip(*channels))
    bn = deploy.BatchNorm(gamma, beta, mean, var, eps=0.0)
    layer = deploy.QuantThreshold(bn, alpha, bits).propagate(eps_phi)
    q = np.arange(-300, 300).reshape(-1, 1).repeat(len(channels), axis=1)
    got = layer.exact(q)
    eps_y = Fraction(layer.eps_out)
    for c, (g, b, m, v) in enumerate(channels):
        s = Fraction(float(np.sqrt(v)))
        want = [min(max(math.floor((Fraction(g) / s * (Fraction(eps_phi) * int(k) - Fraction(m)) + Fraction(b))
                                   / eps_y), 0), 2**bits - 1) for k in q[:, c]]
        assert got[:, c].tolist() == want


def test_torch_sequential_converts_to_a_network():
    torch = pytest.importorskip("torch")
    from fixpt.torch import PACT, to_network
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, stride=1, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU()),
        torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 4, 3, padding=1, bias=False), torch.nn.BatchNorm2d(4),
        PACT(alpha=2.0, bits=8), torch.nn.AvgPool2d(2), torch.nn.Flatten(), torch.nn.Linear(16, 3))
    for bn in (model[0][1], model[3]):
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
    model.eval()
    net = to_network(model)
    assert [type(layer).__name__ for layer in net.layers] == [
        "Conv2d", "BatchNorm", "Act", "MaxPool", "Conv2d", "BatchNorm", "Act", "AvgPool", "Flatten", "Linear"]
    x = np.random.default_rng(23).normal(size=(4, 1, 8, 8))
    float_model = torch.nn.Sequential(*list(model)[:4], torch.nn.Hardtanh(0.0, 2.0), *list(model)[5:])
    with torch.no_grad():
        want = float_model(torch.tensor(x, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(net.run(x), want, rtol=1e-4, atol=1e-4)
    with pytest.raises(TypeError, match="unsupported module"):
        to_network(torch.nn.Sequential(torch.nn.Sigmoid()))
    with pytest.raises(TypeError, match="stride = kernel_size"):
        to_network(torch.nn.MaxPool2d(3, stride=1))


def test_every_image_fits_the_bits_its_row_declares():
    """The static bounds the integer network carries (the MAC's input formats come from them)
    hold on data, also for an Add whose requantized branch grows (eps_b1 > eps_s)."""
    rng = np.random.default_rng(24)
    net = deploy.Network([
        deploy.Conv2d(rng.normal(size=(3, 1, 3, 3)), rng.normal(size=3), padding=1), deploy.Act(alpha=20.0),
        deploy.Add([[deploy.Conv2d(rng.normal(scale=0.1, size=(3, 3, 3, 3)), padding=1), deploy.Act(alpha=0.5)],
                    []]),
        deploy.BatchNorm(rng.uniform(0.5, 2, 3), rng.normal(size=3), rng.normal(size=3), rng.uniform(0.5, 2, 3)),
        deploy.Act(), deploy.AvgPool(2), deploy.Flatten(), deploy.Linear(rng.normal(size=(2, 48)))])
    x = rng.integers(0, 256, (16, 1, 8, 8)).astype(float)
    fq = deploy.fake_quantize(net, x, input_eps=1.0, bn="integer")
    assert fq.layers[2].branch_eps[1] > fq.layers[2].eps_out
    for k in range(1, len(fq.layers) + 1):
        head = deploy.integerize(deploy.QuantizedNetwork(fq.layers[:k], 1.0), add_factor=2**12)
        q, _ = head.integer_run(x)
        row = head.report[-1]
        assert int(np.abs(q).max()) < 2 ** (row["bits"] - 1), row


@settings(deadline=None)
@given(st.lists(st.integers(-2**62, 2**62), min_size=1, max_size=40), st.integers(0, 62),
       st.lists(st.floats(1e-6, 1e3), min_size=1, max_size=3), st.floats(1e-6, 1e3))
def test_floor_ratio_equals_the_rational_oracle(values, bits, eps_in, eps_out):
    """The exact requantization floor behind every deployable image, on all three of its paths
    (int64, float64 with its error margin, Python integers), per channel too."""
    q = np.array(values, np.int64) >> (62 - bits)             # magnitudes from 1 bit to 62 bits
    channels = len(eps_in)
    image = np.resize(q, (len(values), channels))
    quantum = np.array(eps_in) if channels > 1 else eps_in[0]
    want = [[int(v) * (Fraction(eps_in[c]) / Fraction(eps_out)) for v in image[:, c]] for c in range(channels)]
    if any(not -2**63 <= math.floor(w) < 2**63 for row in want for w in row):
        with pytest.raises(OverflowError, match="int64"):       # refused, never wrapped
            deploy.layers._floor_ratio(image, quantum, eps_out)
        return
    got = deploy.layers._floor_ratio(image, quantum, eps_out)
    for c in range(channels):
        assert got[:, c].tolist() == [math.floor(w) for w in want[c]]
    # products that are exactly integers sit on the float path's boundaries
    third = deploy.layers._floor_ratio(np.array([3, -3, 3 * 2**40, 2**55]), 0.1, 0.3)
    ratio = Fraction(0.1) / Fraction(0.3)
    assert third.tolist() == [v * ratio.numerator // ratio.denominator for v in (3, -3, 3 * 2**40, 2**55)]
