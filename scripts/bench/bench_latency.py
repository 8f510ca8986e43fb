"""Benchmark: LogHistogram against numpy.percentile on the same data.

Adds N latency values (lognormal, seeded) to a LogHistogram(0.01) and computes p50, p90,
p99, p99.9, p99.99; compares time and answers with numpy.percentile(method="lower") on the
same array, and reports the histogram's memory (buckets and bytes) against the raw data.

    .venv/bin/python scripts/bench/bench_latency.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from otlpkb.performance.latency import LogHistogram


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 million values, not 10 million")
    args = parser.parse_args()
    n = 1_000_000 if args.quick else 10_000_000
    rng = np.random.default_rng(0)
    data = rng.lognormal(np.log(0.02), 1.0, n)
    qs = np.array([0.5, 0.9, 0.99, 0.999, 0.9999])

    t0 = time.perf_counter()
    h = LogHistogram(0.01)
    for chunk in np.array_split(data, 10):  # as if ten exporters' batches arrived
        h.add(chunk)
    est = h.quantile(qs)
    t_sketch = time.perf_counter() - t0

    t0 = time.perf_counter()
    exact = np.percentile(data, 100 * qs, method="lower")
    t_numpy = time.perf_counter() - t0

    rel = np.abs(est - exact) / exact
    print(f"{n:,} lognormal latencies; LogHistogram(relative_accuracy=0.01)")
    print(f"  LogHistogram add (10 chunks) + 5 quantiles: {t_sketch:.3f} s")
    print(f"  numpy.percentile (exact, lower):            {t_numpy:.3f} s")
    print(f"  time ratio LogHistogram / numpy: {t_sketch / t_numpy:.2f}")
    print(f"  max relative error over p50..p99.99: {rel.max():.4%} (bound 1%)")
    print(
        f"  memory: {h.num_buckets} buckets, {h.nbytes:,} bytes vs {data.nbytes:,} bytes of raw "
        f"data (ratio {data.nbytes / h.nbytes:,.0f}x)"
    )


if __name__ == "__main__":
    main()
