"""fixpt.dask: the same bits as the single-array functions for any chunking and any
scheduler (threads, processes, a dask.distributed LocalCluster with two worker processes),
stochastic rounding included."""
import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="the dask extra: pip install fixpt[dask]")
distributed = pytest.importorskip("distributed", reason="the dask extra: pip install fixpt[dask]")

import fixpt  # noqa: E402
import fixpt.dask as fxd  # noqa: E402

CHUNKINGS_2D = [(40, 30), (7, 30), (13, 4), (1, 1)]
SOS = [[0.25, 0.5, 0.25, 1.0, -0.75, 0.25], [0.5, -0.25, 0.125, 1.0, 0.5, 0.125]]  # two stable biquads


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(21)
    return rng.uniform(-3, 3, (40, 30)), rng.uniform(-1, 1, (30, 12))


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def whole(x, data):
    values, weights = data
    q = fixpt.array(values, "Q3.9", rounding="stochastic", seed=4)
    w = fixpt.array(weights, "Q1.11", rounding="nearest_even")
    narrow = q.astype("Q3.5", rounding="stochastic", seed=9)
    return {
        "convert": q.raw, "astype": narrow.raw, "sum": fixpt.sum(q * 3 + 1).raw,
        "sum_axis": fixpt.sum(q, axis=0).raw, "matmul": fixpt.matmul(q, w).raw,
        "lfilter": fixpt.lfilter([0.5, 0.25], [1.0, -0.5], narrow, out_format="Q4.8", rounding="stochastic",
                                 seed=6, axis=1).raw,
        "lfilter_axis0": fixpt.lfilter([0.5, 0.25], [1.0, -0.5], narrow, out_format="Q4.8", rounding="stochastic",
                                       seed=6, axis=0).raw,
        "sosfilt": fixpt.sosfilt(SOS, narrow, section_format="Q4.10", out_format="Q5.7", rounding="stochastic",
                                 seed=8, axis=1).raw,
        "sosfilt_df2t": fixpt.sosfilt(SOS, narrow, section_format="Q4.10", out_format="Q5.7", rounding="stochastic",
                                      seed=8, axis=0, structure="df2t", state_format="Q6.12").raw,
    }


def chunked(values, weights, chunks):
    q = fxd.array(da.from_array(values, chunks=chunks), "Q3.9", rounding="stochastic", seed=4)
    w = fxd.array(da.from_array(weights, chunks=(chunks[1], 5)), "Q1.11")
    narrow = fxd.astype(q, "Q3.5", rounding="stochastic", seed=9)
    return {
        "convert": q, "astype": narrow, "sum": fxd.sum(q * 3 + 1), "sum_axis": fxd.sum(q, axis=0),
        "matmul": fxd.matmul(q, w),
        "lfilter": fxd.lfilter([0.5, 0.25], [1.0, -0.5], narrow, out_format="Q4.8", rounding="stochastic", seed=6,
                               axis=1),
        "lfilter_axis0": fxd.lfilter([0.5, 0.25], [1.0, -0.5], narrow, out_format="Q4.8", rounding="stochastic",
                                     seed=6, axis=0),
        "sosfilt": fxd.sosfilt(SOS, narrow, section_format="Q4.10", out_format="Q5.7", rounding="stochastic",
                               seed=8, axis=1),
        "sosfilt_df2t": fxd.sosfilt(SOS, narrow, section_format="Q4.10", out_format="Q5.7", rounding="stochastic",
                                    seed=8, axis=0, structure="df2t", state_format="Q6.12"),
    }


@pytest.mark.parametrize("chunks", CHUNKINGS_2D)
@pytest.mark.parametrize("scheduler", ["threads", "synchronous"])
def test_any_chunking_gives_the_bits_of_one_array(data, chunks, scheduler):
    want = whole(None, data)
    got = chunked(*data, chunks)
    for name, array in got.items():
        result = fxd.compute(array, scheduler=scheduler)
        assert np.array_equal(result.raw, want[name]), (name, chunks)
        assert array.dtype == result.format.dtype


def test_a_local_cluster_of_two_processes_gives_the_same_bits(data, client):
    want = whole(None, data)
    for chunks in CHUNKINGS_2D[:3]:
        got = chunked(*data, chunks)
        results = client.compute(list(got.values()), sync=True)
        for name, result in zip(got, results):
            result = result if isinstance(result, fixpt.FixedArray) else fixpt.from_numpy(np.asarray(result))
            assert np.array_equal(result.raw, want[name]), (name, chunks)
    assert len(client.scheduler_info()["workers"]) == 2


def test_one_long_signal_is_filtered_in_pieces():
    """A signal cut into time blocks is filtered by a chain of tasks, each block starting
    from the state the one before it returned: no block holds the whole signal."""
    signal = np.sin(np.arange(5000) / 7.0) * 0.9
    x = fxd.array(da.from_array(signal, chunks=700), "Q1.15")
    y = fxd.lfilter([0.25, 0.25], [1.0, -0.5], x, out_format="Q2.14", rounding="stochastic", seed=3)
    assert max(c for c in y.chunks[0]) == 700
    want = fixpt.lfilter([0.25, 0.25], [1.0, -0.5], fixpt.array(signal, "Q1.15"), out_format="Q2.14",
                         rounding="stochastic", seed=3)
    assert np.array_equal(fxd.compute(y).raw, want.raw)
    empty = fxd.array(da.zeros((3, 0), chunks=(1, 1)), "Q2.6")
    assert fxd.compute(fxd.lfilter([1.0], [1.0, -0.5], empty, out_format="Q2.6")).shape == (3, 0)


def test_quantization_blocks(data):
    values, _ = data
    p = fixpt.quant.QParams(scale=0.05, zero_point=3, bits=8)
    x = da.from_array(values.astype(np.float32), chunks=(7, 9))
    q = fxd.quantize(x, p).compute()
    assert np.array_equal(q, fixpt.quant.quantize(values.astype(np.float32), p))
    assert np.array_equal(fxd.dequantize(da.from_array(q, chunks=5), p).compute(), fixpt.quant.dequantize(q, p))
    per_channel = fixpt.quant.QParams(scale=np.linspace(0.01, 0.1, 30), zero_point=0, bits=8, axis=1)
    assert np.array_equal(fxd.quantize(x, per_channel).compute(),
                          fixpt.quant.quantize(values.astype(np.float32), per_channel))
    acc = da.from_array(np.arange(-5000, 5000, 7, dtype=np.int32), chunks=100)
    m, s = fixpt.quant.quantize_multiplier(0.0123)
    assert np.array_equal(fxd.requantize(acc, m, s).compute(), fixpt.quant.requantize(acc.compute(), m, s))


def test_errors():
    x = fxd.array(da.from_array(np.zeros(4), chunks=2), "Q2.6")
    with pytest.raises(TypeError, match="fixed-point format"):
        fxd.array(da.zeros(3), fixpt.binary16)
    with pytest.raises(ValueError, match="bits"):
        fxd.sum(fxd.array(da.zeros(4, chunks=2), "Q32.31"))
    with pytest.raises(TypeError, match="out_format"):
        fxd.lfilter([1.0], [1.0], x)
    with pytest.raises(ValueError, match="zi"):
        fxd.lfilter([1.0], [1.0], x, out_format="Q2.6", zi="zeros")
    with pytest.raises(TypeError, match="out_format"):
        fxd.sosfilt(SOS, x, section_format="Q2.6")


def test_the_example_script_runs(tmp_path):
    import runpy
    import sys
    from pathlib import Path
    script = Path(__file__).resolve().parents[1] / "examples" / "dask_large_array.py"
    argv = sys.argv
    sys.argv = [str(script), "--samples", "200000", "--chunk", "50000", "--dir", str(tmp_path)]
    try:
        runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = argv
    out = np.load(tmp_path / "quantized_raw.npy", mmap_mode="r")
    assert out.shape == (200000,) and out.dtype == np.int16
