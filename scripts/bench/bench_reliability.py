"""Benchmark: exact fault-tree probability with the BDD vs brute-force enumeration.

1. A random fault tree of 200 basic events (``--events``) with shared events: time of the
   exact top-event probability through otlpkb's BDD.
2. On the largest tree enumeration can do (``--brute-events``, 20 by default: 2^20 states,
   vectorised with numpy), both methods on the same tree in the same run: the ratio of
   the times and the difference of the results.

Usage: python scripts/bench/bench_reliability.py [--quick]
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np

from otlpkb.fault_tolerance.reliability import And, AtLeast, Event, FaultTree, Or


def random_tree(n_events: int, seed: int, fan_in: int = 4) -> FaultTree:
    """A layered random tree; every event appears once, plus ~30 % repeats (shared events)."""
    rng = random.Random(seed)
    events = [Event(f"e{i}", rng.uniform(1e-3, 0.05)) for i in range(n_events)]
    pool: list = list(events)
    rng.shuffle(pool)
    for _ in range(max(1, int(0.3 * n_events))):  # shared events: reused nearby (a common
        i = rng.randrange(len(pool))  # support system appearing in several trains)
        pool.insert(min(len(pool), i + rng.randrange(1, 3 * fan_in)), pool[i])
    layer = pool
    while len(layer) > 1:
        nxt = []
        for i in range(0, len(layer), fan_in):
            kids = layer[i : i + fan_in]
            if len(kids) == 1:
                nxt.append(kids[0])
                continue
            kind = rng.random()
            if kind < 0.6:
                nxt.append(Or(*kids))
            elif kind < 0.9:
                nxt.append(And(*kids))
            else:
                nxt.append(AtLeast(max(1, len(kids) // 2), *kids))
        layer = nxt
    return FaultTree(layer[0])


def brute_force(ft: FaultTree) -> float:
    """Enumerate all 2^n event states (numpy, in chunks) and sum the failing ones."""
    names = sorted(ft.events)
    n = len(names)
    col = {name: i for i, name in enumerate(names)}
    p = np.array([ft.events[x] for x in names])
    total = 0.0
    chunk = 1 << min(n, 18)
    for start in range(0, 1 << n, chunk):
        states = np.arange(start, start + chunk, dtype=np.int64)
        bits = ((states[:, None] >> np.arange(n)) & 1).astype(bool)
        memo: dict[int, np.ndarray] = {}

        def value(x, bits=bits, memo=memo):
            if isinstance(x, Event):
                return bits[:, col[x.name]]
            if id(x) not in memo:
                votes = sum(value(c).astype(np.int8) for c in x.children)
                memo[id(x)] = votes >= x.k
            return memo[id(x)]

        top = value(ft.top)
        logw = np.where(bits, np.log(p), np.log1p(-p)).sum(axis=1)
        total += float(np.exp(logw[top]).sum())
    return total


def timed(fn, repeat: int = 3):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--brute-events", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    big_n = 60 if args.quick else args.events
    small_n = 12 if args.quick else args.brute_events

    # fresh FaultTree per run so the BDD is rebuilt (no cached result)
    big_time, (big_p, size) = timed(
        lambda: (lambda ft: (ft.probability(), ft.bdd_size))(random_tree(big_n, args.seed))
    )
    print(
        f"{big_n}-event tree: exact P(top) = {big_p:.6e}, BDD nodes = {size}, "
        f"time = {big_time * 1e3:.1f} ms"
    )

    tree = random_tree(small_n, args.seed)
    bdd_time, bdd_p = timed(lambda: FaultTree(tree.top).probability())
    brute_time, brute_p = timed(lambda: brute_force(tree), repeat=1)
    print(
        f"{small_n}-event tree: BDD {bdd_p:.12e} in {bdd_time * 1e3:.2f} ms; "
        f"enumeration {brute_p:.12e} in {brute_time * 1e3:.1f} ms"
    )
    print(
        f"ratio enumeration/BDD time = {brute_time / bdd_time:.0f}x; "
        f"|difference| = {abs(bdd_p - brute_p):.1e}"
    )
    print(f"ratio {big_n}-event BDD time / {small_n}-event BDD time = {big_time / bdd_time:.1f}x")


if __name__ == "__main__":
    main()
