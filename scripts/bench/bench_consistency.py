"""Benchmark the linearizability checker (otlpkb.consistency) on the Jepsen etcd histories.

For every shipped history (the 102 of porcupine's test data listed in verdicts.txt): the
verdict (against verdicts.txt), the configurations explored and the time per check (median
of repeats) for

* ``memo+prune``: the default (Lowe's memoisation, pending writes that would be
  overwritten unobserved pruned);
* ``memo``: memoisation only (the plain Lowe / porcupine search);
* ``naive+prune`` and ``naive``: Wing and Gong's search without memoisation, capped at
  ``--cap`` configurations ("cap" in the table when it gave up).

A summary line follows (verdict agreement, median and slowest default check) with the
slowest few histories. Then the same on histories of a simulated atomic register, larger
than the Jepsen ones, to show how the default scales. Ratios are naive / default, in the same run.

    python scripts/bench/bench_consistency.py            # full
    python scripts/bench/bench_consistency.py --quick    # a few seconds
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time

from otlpkb import datasets
from otlpkb.consistency import (
    History,
    Operation,
    SearchLimitError,
    check_linearizability,
    parse_jepsen_log,
)

VARIANTS = {
    "memo+prune": dict(memoize=True, prune_pending=True),
    "memo": dict(memoize=True, prune_pending=False),
    "naive+prune": dict(memoize=False, prune_pending=True),
    "naive": dict(memoize=False, prune_pending=False),
}


def timed(history: History, repeats: int, cap: int, **kwargs: bool) -> tuple[object, int, float]:
    times = []
    result = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        try:
            result = check_linearizability(history, max_states=cap, **kwargs)
        except SearchLimitError:
            return "cap", cap, time.perf_counter() - t0
        times.append(time.perf_counter() - t0)
    assert result is not None
    return result.linearizable, result.states_explored, statistics.median(times)


def atomic_register(n_ops: int, n_proc: int, seed: int) -> History:
    """A simulated linearizable CAS register: effects at random instants in each interval."""
    rng = random.Random(seed)
    t = [0.0] * n_proc
    drafts = []
    for _ in range(n_ops):
        p = rng.randrange(n_proc)
        call = t[p] + rng.expovariate(1.0)
        lp = call + rng.expovariate(1.0)
        pending = rng.random() < 0.02
        ret = math.inf if pending else lp + rng.expovariate(1.0)
        t[p] = ret if not pending else call + 50  # a timed-out client gives up and goes on
        drafts.append(
            (
                lp,
                p,
                rng.choice(("read", "write", "cas")),
                call,
                ret,
                rng.randrange(5),
                rng.choice((None, 0, 1, 2, 3, 4)),
            )
        )
    state = None
    ops = []
    for _lp, p, kind, call, ret, value, expected in sorted(drafts):
        if kind == "read":
            ops.append(Operation(p, "read", call, ret, value=state))
        elif kind == "write":
            state = value
            ops.append(Operation(p, "write", call, ret, value=value))
        else:
            ok = state == expected
            state = value if ok else state
            if math.isinf(ret):
                ops.append(Operation(p, "cas", call, ret, value=value, expected=expected))
            else:
                ops.append(
                    Operation(p, "cas", call, ret, value=value, expected=expected, succeeded=ok)
                )
    return History(sorted(ops, key=lambda op: op.call))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller cap")
    parser.add_argument("--slowest", type=int, default=5, help="how many slowest to list")
    args = parser.parse_args()
    repeats = 3 if args.quick else 15
    cap = 50_000 if args.quick else 2_000_000

    verdicts = dict(
        line.split() for line in datasets.path("jepsen/verdicts.txt").read_text().splitlines()
    )
    header = f"{'history':>8} {'ops':>4} {'expected':>8}"
    for name in VARIANTS:
        header += f" | {name + ' states':>18} {'ms':>8}"
    print(header)
    ratios = []
    default_runs: dict[int, tuple[int, int, float]] = {}  # num -> (ops, states, seconds)
    agree = 0
    for num in sorted(int(n) for n in verdicts):
        h = parse_jepsen_log(datasets.path(f"jepsen/etcd_{num:03d}.log"))
        row = f"{num:>8} {len(h):>4} {verdicts[str(num)]:>8}"
        results = {}
        for name, kwargs in VARIANTS.items():
            verdict, states, seconds = timed(h, repeats, cap, **kwargs)
            results[name] = (verdict, states, seconds)
            if verdict != "cap":
                assert str(verdict).lower() == verdicts[str(num)], (num, name, verdict)
            shown = f"{states:,}" if verdict != "cap" else f">{cap:,}"
            row += f" | {shown:>18} {1000 * seconds:>8.2f}"
        verdict, states, seconds = results["memo+prune"]
        agree += str(verdict).lower() == verdicts[str(num)]
        default_runs[num] = (len(h), states, seconds)
        if results["naive+prune"][0] != "cap":
            ratios.append(results["naive+prune"][1] / results["memo+prune"][1])
        print(row)
    times = [seconds for _, _, seconds in default_runs.values()]
    print(
        f"\n{len(default_runs)} histories, {agree} of {len(verdicts)} verdicts agree;"
        f" default check median {1000 * statistics.median(times):.2f} ms,"
        f" slowest {1000 * max(times):.2f} ms (aim: < 1000 ms)"
    )
    print(f"slowest {args.slowest} default checks:")
    slowest = sorted(default_runs.items(), key=lambda item: -item[1][2])[: args.slowest]
    for num, (ops, states, seconds) in slowest:
        print(f"  etcd_{num:03d}: {ops} ops, {states:,} states, {1000 * seconds:.2f} ms")
    if ratios:
        print(
            f"states naive+prune / memo+prune: median {statistics.median(ratios):.1f}x,"
            f" max {max(ratios):.1f}x"
        )

    print("\nsimulated atomic register (linearizable by construction), default checker:")
    print(f"{'ops':>6} {'procs':>6} {'states':>10} {'ms':>10}")
    sizes = [(200, 5), (1000, 5)]
    if not args.quick:
        sizes += [(5000, 5), (20000, 5), (5000, 10), (20000, 10)]
    for n_ops, n_proc in sizes:
        h = atomic_register(n_ops, n_proc, seed=n_ops)
        verdict, states, seconds = timed(h, 1 if n_ops > 1000 else repeats, 10**8)
        assert verdict is True
        print(f"{n_ops:>6} {n_proc:>6} {states:>10,} {1000 * seconds:>10.1f}")


if __name__ == "__main__":
    main()
