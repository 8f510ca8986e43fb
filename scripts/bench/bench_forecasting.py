"""Benchmark: otlpkb holt_winters with estimation against statsmodels' ExponentialSmoothing.

Fits Holt-Winters (additive trend; additive and multiplicative daily seasonality, m = 24)
with every parameter and initial state estimated, on an hourly span rate of simulated
Collector metrics (otlpkb.sim.workload), in both libraries in the same run. Prints the
time ratio and the SSE each reached (relative difference; negative means otlpkb found a
lower SSE). statsmodels runs with initialization_method="estimated" and its defaults.

    .venv/bin/python scripts/bench/bench_forecasting.py [--quick]
"""

from __future__ import annotations

import argparse
import time
import warnings

from statsmodels.tsa.holtwinters import ExponentialSmoothing

from otlpkb.capacity.forecasting import holt_winters
from otlpkb.sim.workload import SIGNAL_METRICS, collector_metrics, counter_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 points instead of 10,000")
    args = parser.parse_args()
    n = 2_000 if args.quick else 10_000
    m = collector_metrics(days=n / 24 + 1, step=3600.0, seed=5)
    y = counter_rate(m[SIGNAL_METRICS["spans"]], 3600.0)[:n]
    print(f"holt_winters with estimation, {n:,} hourly points, period 24")
    for seasonal in ("add", "mul"):
        t0 = time.perf_counter()
        ours = holt_winters(y, trend="add", seasonal=seasonal, period=24)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sm = ExponentialSmoothing(
                y,
                trend="add",
                seasonal=seasonal,
                seasonal_periods=24,
                initialization_method="estimated",
            ).fit()
        t_sm = time.perf_counter() - t0
        rel = (ours.sse - sm.sse) / sm.sse
        print(
            f"  trend add, seasonal {seasonal}: otlpkb {t_ours:.2f} s, statsmodels "
            f"{t_sm:.2f} s, time ratio otlpkb/statsmodels {t_ours / t_sm:.2f}; "
            f"SSE otlpkb {ours.sse:.6e}, statsmodels {sm.sse:.6e}, relative "
            f"difference {rel:+.2e} ({'equal to 1e-6' if abs(rel) <= 1e-6 else 'differs'})"
        )
        p = ours.params
        replay = ExponentialSmoothing(
            y,
            trend="add",
            seasonal=seasonal,
            seasonal_periods=24,
            initialization_method="known",
            initial_level=p["initial_level"],
            initial_trend=p["initial_trend"],
            initial_seasonal=list(p["initial_seasonal"]),
        ).fit(
            smoothing_level=p["alpha"],
            smoothing_trend=p["beta"],
            smoothing_seasonal=p["gamma"],
            optimized=False,
        )
        same = abs(replay.sse - ours.sse) / ours.sse
        print(
            f"    statsmodels' SSE at otlpkb's estimates: {replay.sse:.6e} (relative "
            f"difference {same:.1e}: {'equal' if same <= 1e-6 else 'NOT equal'} to 1e-6)"
        )
        print(
            f"    alpha {ours.params['alpha']:.4f} / {sm.params['smoothing_level']:.4f}, "
            f"beta {ours.params['beta']:.4f} / {sm.params['smoothing_trend']:.4f}, "
            f"gamma {ours.params['gamma']:.4f} / {sm.params['smoothing_seasonal']:.4f}"
        )


if __name__ == "__main__":
    main()
