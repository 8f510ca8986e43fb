"""Benchmark: otlpkb erlang_c and mmck against mpmath direct evaluation.

Evaluates erlang_c at SERVERS servers over LOADS offered loads in one vectorised call and
compares accuracy and speed with a direct arbitrary-precision (mpmath, 40 digits) evaluation
of the factorial-sum formula. mpmath is run on an evenly spaced SUBSET of the loads and its
time is extrapolated per call to all loads (said so in the output). Then the M/M/c/K
refusal probability of a Collector sending queue (10 consumers, QUEUE slots) at several
utilizations, against the stationary distribution summed term by term in mpmath.

    .venv/bin/python scripts/bench/bench_queueing.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import mpmath
import numpy as np

from otlpkb.performance.queueing import erlang_c, mmck


def mp_erlang_c(c: int, a: float) -> mpmath.mpf:
    with mpmath.workdps(40):
        a_mp = mpmath.mpf(a)
        term = mpmath.mpf(1)
        total = mpmath.mpf(1)
        for k in range(1, c):
            term = term * a_mp / k
            total += term
        top = term * a_mp / c * c / (c - a_mp)
        return top / (total + top)


def mp_block(lam: float, mu: float, c: int, k: int) -> float:
    with mpmath.workdps(40):
        a = mpmath.mpf(lam) / mu
        terms, t = [mpmath.mpf(1)], mpmath.mpf(1)
        for n in range(1, k + 1):
            t *= a / n if n <= c else a / c
            terms.append(t)
        return float(terms[-1] / mpmath.fsum(terms))


def bench_mmck(queue: int) -> None:
    utilizations = (0.9, 0.99, 0.999, 1.0, 1.1, 2.0)
    t0 = time.perf_counter()
    ours = [mmck(200.0 * u, 20.0, 10, 10 + queue).p_block for u in utilizations]
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = [mp_block(200.0 * u, 20.0, 10, 10 + queue) for u in utilizations]
    t_mp = time.perf_counter() - t0
    rel = max(abs(o - r) / r for o, r in zip(ours, ref, strict=True) if r > 0)
    print(f"mmck P(refused), 10 consumers, queue_size {queue:,}, {len(utilizations)} loads")
    print(
        f"  otlpkb: {t_ours * 1e3:.1f} ms; mpmath term by term: {t_mp * 1e3:.1f} ms; "
        f"speed ratio {t_mp / t_ours:,.0f}x; max relative error {rel:.1e}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 servers, 1,000 loads")
    args = parser.parse_args()
    servers, n_loads, subset = (1_000, 1_000, 10) if args.quick else (10_000, 10_000, 20)
    # Loads from 90 % to 99.99 % utilization: where C is not vanishingly small.
    loads = np.linspace(0.90 * servers, 0.9999 * servers, n_loads)

    t0 = time.perf_counter()
    ours = erlang_c(servers, loads)
    t_ours = time.perf_counter() - t0

    pick = np.linspace(0, n_loads - 1, subset).astype(int)
    t0 = time.perf_counter()
    ref = np.array([float(mp_erlang_c(servers, float(loads[i]))) for i in pick])
    t_mp_subset = time.perf_counter() - t0
    t_mp_all = t_mp_subset / subset * n_loads  # extrapolated per call

    rel = np.abs(ours[pick] - ref) / ref
    print(f"erlang_c at {servers:,} servers over {n_loads:,} loads (utilization 0.90-0.9999)")
    print(f"  otlpkb (numpy recursion, all loads in one call): {t_ours:.3f} s")
    print(
        f"  mpmath direct, 40 digits: {t_mp_subset:.3f} s for {subset} loads "
        f"({t_mp_subset / subset * 1e3:.1f} ms per call), extrapolated to {n_loads:,} loads: "
        f"{t_mp_all:.1f} s"
    )
    print(f"  speed ratio (mpmath extrapolated / otlpkb): {t_mp_all / t_ours:,.0f}x")
    print(f"  max relative error on the {subset}-load subset: {rel.max():.2e}")
    bench_mmck(1_000 if args.quick else 10_000)


if __name__ == "__main__":
    main()
