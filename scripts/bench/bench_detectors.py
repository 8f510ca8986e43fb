"""Benchmark of otlpkb.fault_tolerance.detectors (chapter 2.2, Failure detection).

1. ``phi`` over N monitored nodes in one numpy call, against a per-node Python loop of the
   same logistic formula written with the math module (Akka's expression), in the same run.
2. Heartbeat throughput of ``PhiAccrualDetector`` (heartbeat + is_available per arrival),
   against the same loop with ``FixedTimeoutDetector`` as a floor.

Usage: python scripts/bench/bench_detectors.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from otlpkb.fault_tolerance.detectors import FixedTimeoutDetector, PhiAccrualDetector, phi


def akka_phi_loop(elapsed: list[float], mean: list[float], std: list[float]) -> list[float]:
    """Akka's PhiAccrualFailureDetector.phi, node by node, with the math module."""
    out = []
    for t, m, s in zip(elapsed, mean, std, strict=True):
        y = (t - m) / s
        z = -y * (1.5976 + 0.070566 * y * y)
        e = math.exp(z) if z < 709.0 else math.inf
        if t > m:
            out.append(-math.log10(e / (1.0 + e)) if e > 0 else math.inf)
        else:
            out.append(-math.log10(1.0 - 1.0 / (1.0 + e)))
    return out


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    beats = 20_000 if args.quick else 200_000
    repeat = 3

    rng = np.random.default_rng(0)
    mean = rng.uniform(0.5, 2.0, n)
    std = rng.uniform(0.05, 0.5, n)
    elapsed = mean + rng.normal(0.0, 1.0, n) * std * 3
    elapsed = np.abs(elapsed)
    el, mu, sd = elapsed.tolist(), mean.tolist(), std.tolist()

    t_np = best_of(lambda: phi(elapsed, mean, std), repeat)
    t_py = best_of(lambda: akka_phi_loop(el, mu, sd), 1 if not args.quick else repeat)
    ours = phi(elapsed, mean, std)
    ref = np.array(akka_phi_loop(el, mu, sd))
    finite = np.isfinite(ref)
    err = float(np.max(np.abs(ours[finite] - ref[finite]) / np.maximum(1.0, ref[finite])))
    print(
        f"phi over {n:,} nodes: numpy {t_np * 1e3:.1f} ms, Python loop {t_py * 1e3:.1f} ms, "
        f"ratio {t_py / t_np:.1f}x (max rel. difference {err:.1e})"
    )

    arrivals = np.cumsum(rng.gamma(50.0, 0.02, beats)).tolist()

    def run(make):
        d = make()
        for a in arrivals:
            d.is_available(a)
            d.heartbeat(a)

    t_phi = best_of(lambda: run(PhiAccrualDetector), repeat)
    t_fix = best_of(lambda: run(FixedTimeoutDetector), repeat)
    print(
        f"PhiAccrualDetector: {beats / t_phi:,.0f} heartbeats/s "
        f"(FixedTimeoutDetector {beats / t_fix:,.0f}/s, ratio {t_phi / t_fix:.1f}x slower)"
    )


if __name__ == "__main__":
    main()
