"""Benchmark otlpkb.sim against ciw on the same M/M/c model, and a 10,000 spans/s pipeline.

Run from the repository root:

    .venv/bin/python scripts/bench/bench_sim.py            # full sizes
    .venv/bin/python scripts/bench/bench_sim.py --quick    # small sizes

Prints, for an M/M/c queue (lambda = 8, mu = 1, c = 10), the customers simulated per wall
second by ``otlpkb.sim.simulate_mmc`` (SimPy) and by ciw, and their ratio (ours / ciw);
then the simulated seconds per wall second of a Collector pipeline fed 10,000 spans/s
(Poisson requests of 100 spans, and of 1 span), with the default batch processor,
sending queue and retry settings.
"""

from __future__ import annotations

import argparse
import time

import ciw

from otlpkb.sim import (
    BackendConfig,
    Pipeline,
    PipelineConfig,
    PoissonSource,
    ServiceTime,
    simulate_mmc,
)


def bench_mmc(until: float, reps: int) -> None:
    lam, mu, c = 8.0, 1.0, 10
    ours_rate, theirs_rate = [], []
    for seed in range(reps):
        t0 = time.perf_counter()
        r = simulate_mmc(lam, mu, c, until=until, seed=seed)
        dt = time.perf_counter() - t0
        ours_rate.append(r.served / dt)
        ours_events = r.events / dt

        ciw.seed(seed)
        net = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(lam)],
            service_distributions=[ciw.dists.Exponential(mu)],
            number_of_servers=[c],
        )
        t0 = time.perf_counter()
        q = ciw.Simulation(net)
        q.simulate_until_max_time(until)
        dt = time.perf_counter() - t0
        theirs_rate.append(len(q.get_all_records()) / dt)
    ours, theirs = max(ours_rate), max(theirs_rate)
    print(f"M/M/c (lambda={lam}, mu={mu}, c={c}, until={until:g}, best of {reps})")
    print(f"  otlpkb.sim (SimPy): {ours:12,.0f} customers/s  ({ours_events:,.0f} events/s)")
    print(f"  ciw               : {theirs:12,.0f} customers/s")
    print(f"  ratio otlpkb/ciw  : {ours / theirs:12.2f}")


def bench_pipeline(until: float, items_per_request: int) -> None:
    rate = 10_000.0 / items_per_request
    cfg = PipelineConfig(
        sources=(PoissonSource(rate=rate, items_per_request=items_per_request),),
        backend=BackendConfig(service=ServiceTime(mean=0.05), network_latency=0.02),
    )
    t0 = time.perf_counter()
    r = Pipeline(cfg).run(until=until, seed=1)
    dt = time.perf_counter() - t0
    print(
        f"pipeline 10,000 spans/s as {rate:,.0f} req/s x {items_per_request} spans: "
        f"{until / dt:8.1f} simulated s per wall s "
        f"(sent {r.metrics['otelcol_exporter_sent_spans']:,.0f} spans in {dt:.2f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    args = parser.parse_args()
    until, reps, horizon = (500.0, 2, 20.0) if args.quick else (5000.0, 3, 120.0)
    bench_mmc(until, reps)
    bench_pipeline(horizon, 100)
    bench_pipeline(horizon / 4, 1)


if __name__ == "__main__":
    main()
