"""fixpt from several Python threads at once (cffi releases the GIL during each C call): every
result is the single-threaded one, and a shared Generator hands out each stream once."""
import multiprocessing
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import fixpt


def test_concurrent_calls_give_the_single_threaded_results():
    rng = np.random.default_rng(3)
    x = rng.normal(scale=4, size=200_000)
    a, b = fixpt.array(x, "Q6.10"), fixpt.array(x[::-1].copy(), "Q6.10")
    jobs = {
        "cast": lambda: fixpt.to_raw(x, "Q4.12", rounding="stochastic", seed=11)[0],
        "float": lambda: fixpt.to_bits(x, "bfloat16", rounding="stochastic", seed=11),
        "mul": lambda: fixpt.multiply(a, b, "Q6.10", rounding="nearest_away").raw,
        "mac": lambda: fixpt.matmul(a[:4096].reshape(64, 64), b[:4096].reshape(64, 64),
                                    acc_format=fixpt.AccumulatorFormat(40, 20), out_format="Q12.8").raw,
        "fir": lambda: fixpt.convolve(a[:20_000], b[:33], out_format="Q10.10").raw,
    }
    expected = {name: job() for name, job in jobs.items()}
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [(name, pool.submit(job)) for _ in range(6) for name, job in jobs.items()]
        for name, future in futures:
            assert np.array_equal(future.result(), expected[name]), name


def test_a_shared_generator_hands_out_each_stream_once():
    gen = fixpt.Generator(5)
    with ThreadPoolExecutor(max_workers=8) as pool:
        streams = list(pool.map(lambda _: gen.next_stream(), range(2000)))
    assert sorted(s for _, s in streams) == list(range(2000))


def _everything(x, y):
    """Results, flags, first indices and masks of every threaded kernel family."""
    a, b = fixpt.array(x, "Q6.10"), fixpt.array(y, "Q6.10")
    out = {}
    for mode in ("nearest_even", "floor", "stochastic", "stochastic_equal"):
        raw, st = fixpt.to_raw(x * 300, "Q4.12", rounding=mode, seed=3, overflow="saturate", mask=True)
        out[f"cast {mode}"] = (raw, st.n_overflow, st.first_overflow, st.n_inexact, st.overflow_mask)
        with_nan = x * 1e4
        with_nan[[200_000, 70_000]] = np.nan
        bits, fst = fixpt.to_bits(with_nan, "e5m2", rounding=mode, seed=3, return_status=True)
        assert fst.first_nan == (70_000,)
        out[f"float {mode}"] = (bits, fst.n_inexact, fst.n_overflow, fst.inexact, fst.overflow)
        values, ast = fixpt.floats.add(fixpt.round_to_format(x, "binary16"),
                                       fixpt.round_to_format(y, "binary16"), "binary16",
                                       rounding=mode, seed=3, return_status=True)
        out[f"add {mode}"] = (values, ast.n_inexact, ast.inexact, ast.underflow)
        product, mst = fixpt.multiply(a, b, "Q2.10", rounding=mode, seed=3, overflow="saturate",
                                      return_status=True)
        out[f"mul {mode}"] = (product.raw, mst.n_overflow, mst.first_overflow)
    return out


def _same(one, other):
    for key in one:
        for u, v in zip(one[key], other[key]):
            if isinstance(u, np.ndarray):
                assert np.array_equal(u, v, equal_nan=True), key
            else:
                assert u == v, key


def test_results_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(4)
    n = 65_536 * 5 + 12_345  # several workers, ragged last range
    x, y = rng.normal(scale=4, size=n), rng.normal(scale=4, size=n)
    x[[7, n // 2, n - 3]] = [1e300, -1e300, 2.0**-30]
    y[[7, n // 2, n - 3]] = [0.0, -0.0, 5e-324]
    with fixpt.num_threads(1):
        one = _everything(x, y)
    for threads in (2, 3, 8):
        with fixpt.num_threads(threads):
            _same(one, _everything(x, y))
    strided = np.repeat(x, 2)[::2]
    with fixpt.num_threads(4):
        assert np.array_equal(fixpt.to_raw(strided, "Q8.8", rounding="stochastic", seed=1)[0],
                              fixpt.to_raw(x, "Q8.8", rounding="stochastic", seed=1)[0])


def _mac_record(result, status):
    output = status.output
    return (result.raw, status.n_acc_overflow, status.first_acc_overflow, status.n_product_overflow,
            status.max_acc_bits, output.n_overflow, output.first_overflow, output.n_inexact)


def _mac_everything(rng_seed: int) -> dict:
    """The MAC kernels on sizes that split between workers: matmul rows (stepwise, with
    narrowed stochastic products and a wrapping accumulator), FIR output tiles (the double
    path and the stepwise one), the signals of a batch through lfilter and sosfilt."""
    rng = np.random.default_rng(rng_seed)
    a = fixpt.from_raw(rng.integers(-128, 128, (2, 70, 60), dtype=np.int8), "Q1.7")
    b = fixpt.from_raw(rng.integers(-128, 128, (60, 90), dtype=np.int8), "Q1.7")
    out = {}
    for mode in ("nearest_even", "stochastic"):
        out[f"matmul {mode}"] = _mac_record(*fixpt.matmul(
            a, b, acc_format="Q4.10", acc_overflow="wrap", product_format="Q2.8", product_rounding=mode,
            out_format="Q2.6", rounding=mode, seed=5, return_status=True))
    x = fixpt.from_raw(rng.integers(-2**15, 2**15, 300_000, dtype=np.int16), "Q1.15")
    h = fixpt.array(rng.uniform(-0.3, 0.3, 9), "Q1.15")
    out["fir exact"] = _mac_record(*fixpt.convolve(x, h, "valid", out_format="Q1.15", rounding="stochastic",
                                                   seed=2, return_status=True))
    out["fir stepwise"] = _mac_record(*fixpt.convolve(x, h, "valid", acc_format="Q2.30", acc_overflow="saturate",
                                                      out_format="Q1.15", return_status=True))
    signals = fixpt.from_raw(rng.integers(-2**14, 2**14, (9, 40_000), dtype=np.int16), "Q1.15")
    bq, aq = fixpt.array([0.2, 0.4, 0.2], "Q2.14"), fixpt.array([1.0, -0.5, 0.25], "Q2.14")
    for acc in (None, "Q6.40"):  # the exact 64-bit path and the stepwise 128-bit one
        y, st = fixpt.lfilter(bq, aq, signals, out_format="Q2.14", acc_format=acc, rounding="stochastic",
                              seed=4, return_status=True)
        out[f"lfilter {acc}"] = _mac_record(y, st)
    sos = np.array([[0.2, 0.4, 0.2, 1.0, -0.5, 0.25], [0.5, 0.0, -0.5, 1.0, 0.1, 0.3]])
    for structure in ("df1", "df2t"):
        state = "Q4.20" if structure == "df2t" else None
        out[f"sosfilt {structure}"] = (fixpt.sosfilt(sos, signals, section_format="Q3.13", out_format="Q3.13",
                                                     rounding="stochastic", seed=9, structure=structure,
                                                     state_format=state).raw,)
    return out


def test_mac_kernels_do_not_depend_on_the_thread_count():
    with fixpt.num_threads(1):
        one = _mac_everything(6)
    for threads in (2, 3, 8):
        with fixpt.num_threads(threads):
            _same(one, _mac_everything(6))


def test_the_first_bad_operand_is_the_first_whatever_the_threads():
    n = 65_536 * 4
    x = np.ones(n)
    x[[n - 5, 70_000, 200_000]] = 1.1  # not binary16 values; the first is at 70000
    for threads in (1, 2, 4):
        with fixpt.num_threads(threads):
            with pytest.raises(ValueError, match=r"x\[70000\]"):
                fixpt.floats.add(x, x, "binary16")


def test_thread_setting():
    before = fixpt.get_num_threads()
    with fixpt.num_threads(3):
        assert fixpt.get_num_threads() == 3
    assert fixpt.get_num_threads() == before
    with pytest.raises(ValueError, match="n=0"):
        fixpt.set_num_threads(0)
    with pytest.raises(ValueError, match="n=65"):
        fixpt.set_num_threads(65)
    with pytest.raises(TypeError):
        fixpt.set_num_threads(2.0)


def _threaded_cast(n: int) -> list:
    x = np.random.default_rng(12).normal(size=n)
    with fixpt.num_threads(4):
        return fixpt.to_raw(x, "Q4.12", rounding="stochastic", seed=2)[0].tolist()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_gets_a_working_thread_pool():
    """The pool's threads do not survive fork(): the child starts its own (a child that reused
    the parent's would wait for threads that do not exist)."""
    n = 65_536 * 4
    expected = _threaded_cast(n)  # the parent's pool is running now
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply_async(_threaded_cast, (n,)).get(timeout=120) == expected


def test_back_to_back_calls_from_several_threads_share_the_pool_safely():
    """Calls from Python threads at once: one uses the pool, the others start threads of their
    own; every result is the single-threaded one."""
    rng = np.random.default_rng(13)
    x = rng.normal(scale=4, size=65_536 * 3)
    with fixpt.num_threads(1):
        want = fixpt.to_raw(x, "Q6.10", rounding="stochastic", seed=1)[0]
    with fixpt.num_threads(3), ThreadPoolExecutor(4) as executor:
        results = list(executor.map(lambda _: fixpt.to_raw(x, "Q6.10", rounding="stochastic", seed=1)[0],
                                    range(40)))
    assert all(np.array_equal(r, want) for r in results)


def test_threadpoolctl_sees_and_limits_fixpt_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl", minversion="3.5")
    with fixpt.num_threads(2):
        found = [lib for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "fixpt"]
        assert len(found) == 1 and found[0]["num_threads"] == 2
        assert "_libfixpt" in found[0]["filepath"]
        with threadpoolctl.threadpool_limits(limits=1, user_api="fixpt"):
            assert fixpt.get_num_threads() == 1
        assert fixpt.get_num_threads() == 2
        with threadpoolctl.threadpool_limits(limits=1000):  # beyond fixpt's 64: its most
            assert fixpt.get_num_threads() == 64
        assert fixpt.get_num_threads() == 2


def test_default_thread_count_from_the_environment(monkeypatch):
    from fixpt.base.threads import default_num_threads
    monkeypatch.setenv("FIXPT_NUM_THREADS", "3")
    assert default_num_threads() == 3
    monkeypatch.delenv("FIXPT_NUM_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "2,1")
    assert default_num_threads() == 2
    monkeypatch.setenv("OMP_NUM_THREADS", "many")
    with pytest.raises(ValueError, match="OMP_NUM_THREADS='many'"):
        default_num_threads()
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert 1 <= default_num_threads() <= 64


def test_quantize_and_dequantize_do_not_depend_on_the_thread_count():
    from fixpt import quant
    rng = np.random.default_rng(6)
    x = (rng.normal(size=(7, 50_001)) * 3).astype(np.float32)
    x[3, 17] = np.nan
    per_row = quant.QParams(rng.uniform(0.01, 0.1, 7).astype(np.float32), rng.integers(-5, 5, 7), axis=0)
    per_tensor = quant.QParams(0.02, 3)
    results = []
    for threads in (1, 2, 5):
        with fixpt.num_threads(threads):
            q, clamped = quant.quantize(x, per_row, nan="zero", return_clamped=True)
            q16 = quant.quantize(x, quant.QParams(0.001, -7, bits=16), nan="zero")
            results.append((q, clamped, q16, quant.dequantize(q, per_row), quant.dequantize(q, per_tensor),
                            quant.dequantize(q16.astype(np.int32)[:, ::-1], quant.QParams(0.001, -7, bits=16))))
    for other in results[1:]:
        for u, v in zip(results[0], other):
            assert np.array_equal(u, v)
    q = results[0][0]
    want = (q.astype(np.float32) - per_row.zero_point[:, None].astype(np.float32)) * per_row.scale[:, None]
    assert np.array_equal(results[0][3], want)
