"""fixpt from several Python threads at once (cffi releases the GIL during each C call): every
result is the single-threaded one, and a shared Generator hands out each stream once."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

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
