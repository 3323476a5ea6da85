"""fixpt.deploy (first part: MLPs): the four representations and their exact relations."""
import numpy as np
import pytest

from fixpt import deploy, nemo


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
    with pytest.raises(ValueError, match="fold_bn"):
        deploy.fake_quantize(net, x, input_eps=1.0)


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
    assert [r for r in integer.report if r["layer"] == "act"][0]["multiplier"] == \
        nemo.requant_parameters(lin.eps_out, act.eps_out, 16)[0]


def test_layer_report_and_linear_chains():
    rng = np.random.default_rng(6)
    net = deploy.Network([deploy.Linear(rng.normal(size=(6, 5))), deploy.Linear(rng.normal(size=(4, 6))),
                          deploy.Act(), deploy.Linear(rng.normal(size=(2, 4)))])
    x = rng.integers(0, 16, (40, 5)).astype(float)
    fq = deploy.fake_quantize(net, x, input_eps=1.0)
    integer = deploy.integerize(fq)
    rows = integer.layer_report(net, x)
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
    rows = integer.layer_report(folded, x)
    assert [r["layer"] for r in rows] == ["linear", "act", "maxpool", "flatten", "linear"]
    fake = fq.run(x, "fake_quantized")
    assert np.mean(fake.argmax(1) == folded.run(x).argmax(1)) >= 0.75
