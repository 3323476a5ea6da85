"""Quantize a signal larger than memory, chunk by chunk, with the bits of one call.

The input is a float64 .npy file on disk (created here, 8 bytes per sample: 400 MB with the
default size); dask reads it in chunks, fixpt converts each chunk to Q1.15 with stochastic
rounding (every sample's random word depends on its index in the whole signal, never on the
chunking), applies a gain of 0.75 exactly, sums everything exactly, and writes the raw int16
words to another .npy file. It also runs a first-order IIR low-pass over the whole signal,
chunk after chunk, each chunk starting from the filter state the one before it left. dask's progress bar shows the work; with a dask.distributed
cluster (``--workers 2``) the dashboard does too.

Run:  python examples/dask_large_array.py --samples 50000000 --chunk 2000000 [--workers 2]
"""
import argparse
import tempfile
from pathlib import Path

import dask
import dask.array as da
import numpy as np
from dask.diagnostics import ProgressBar

import fixpt
import fixpt.dask as fxd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=50_000_000)
    parser.add_argument("--chunk", type=int, default=2_000_000)
    parser.add_argument("--dir", default=None, help="where the .npy files go (default: a temporary directory)")
    parser.add_argument("--workers", type=int, default=0, help="run on a LocalCluster of this many processes")
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp())

    source = np.lib.format.open_memmap(folder / "signal.npy", mode="w+", dtype=np.float64, shape=(args.samples,))
    for start in range(0, args.samples, args.chunk):  # a test signal, written chunk by chunk
        t = np.arange(start, min(start + args.chunk, args.samples))
        source[start:start + t.size] = 0.9 * np.sin(2 * np.pi * t / 1000.0)
    source.flush()

    signal = da.from_array(np.load(folder / "signal.npy", mmap_mode="r"), chunks=args.chunk)
    quantized = fxd.array(signal, "Q1.15", rounding="stochastic", seed=2026)
    scaled = fxd.astype(quantized * 0.75, "Q1.15", rounding="nearest_even")  # exact product, one rounding
    total = fxd.sum(scaled)
    smoothed = fxd.lfilter([0.25, 0.25], [1.0, -0.5], quantized, out_format="Q2.14")
    peak = smoothed.max()
    target = np.lib.format.open_memmap(folder / "quantized_raw.npy", mode="w+", dtype=np.int16,
                                       shape=(args.samples,))
    raw_words = scaled.map_blocks(lambda block: fixpt.from_numpy(block).raw, dtype=np.int16)

    if args.workers:
        cluster = dask.distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1)
        client = dask.distributed.Client(cluster)
        print("dashboard:", client.dashboard_link)
    with ProgressBar():
        stored = da.store(raw_words, target, lock=True, compute=False)
        _, exact_total, smoothed_peak = dask.compute(stored, total, peak)
    target.flush()
    print(f"{args.samples} samples in chunks of {args.chunk}: wrote {folder / 'quantized_raw.npy'}")
    print(f"exact sum of the scaled samples: {exact_total!r}")
    print(f"largest low-passed sample: {smoothed_peak!r}")


if __name__ == "__main__":
    main()
