"""Benchmarks of section 5: `otlpkb diagnose` on a large dump, and root-cause ranking.

1. A 10,000-series exposition (2,000 exporters and 500 receivers, the documented names):
   parse it, compute the indicators, walk the decision tree and match the handbook, two
   scrapes as `otlpkb diagnose` does, against prometheus_client's parser alone (the
   floor). The issue's target: the whole diagnosis under one second.
2. Root-cause ranking of two windows against chapter 6.1's `hotspots` alone on the same
   spans (the ranking calls it once per window).

    .venv/bin/python scripts/bench/bench_diagnosis.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from bench_detectors import best_of  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from otlpkb.diagnosis.decision_tree import DEFAULT_TREE, evaluate  # noqa: E402
from otlpkb.diagnosis.handbook import HANDBOOK, match  # noqa: E402
from otlpkb.diagnosis.root_cause import rank_root_causes  # noqa: E402
from otlpkb.diagnosis.scenarios import make_scenario  # noqa: E402
from otlpkb.diagnosis.telemetry import parse_exposition  # noqa: E402
from otlpkb.tuning.hotspots import hotspots  # noqa: E402


def big_dump(exporters: int, receivers: int, uptime: float) -> str:
    lines = [f"otelcol_process_uptime {uptime}"]
    for k in range(exporters):
        e = f'exporter="otlp/{k}"'
        lines += [
            f"otelcol_exporter_sent_spans{{{e}}} {1000 * uptime + k}",
            f"otelcol_exporter_send_failed_spans{{{e}}} {k % 7}",
            f"otelcol_exporter_enqueue_failed_spans{{{e}}} 0",
            f"otelcol_exporter_queue_size{{{e}}} {k % 50}",
            f"otelcol_exporter_queue_capacity{{{e}}} 1000",
        ]
    for k in range(receivers):
        r = f'receiver="otlp/{k}",transport="grpc"'
        lines += [
            f"otelcol_receiver_accepted_spans{{{r}}} {4000 * uptime + k}",
            f"otelcol_receiver_refused_spans{{{r}}} 0",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    exporters, receivers = (400, 100) if args.quick else (1900, 250)
    t0, t1 = big_dump(exporters, receivers, 600.0), big_dump(exporters, receivers, 660.0)
    series = sum(1 for line in t1.splitlines() if not line.startswith("#"))

    def floor() -> None:
        for text in (t0, t1):
            for family in text_string_to_metric_families(text):
                for _ in family.samples:
                    pass

    def diagnose() -> None:
        snaps = [parse_exposition(t0), parse_exposition(t1)]
        evaluate(DEFAULT_TREE, snaps)
        match(HANDBOOK, snaps)

    parse_s = best_of(floor, repeat=3)
    diag_s = best_of(diagnose, repeat=3)
    print(f"1. diagnose, two scrapes of {series:,} series each")
    print(f"   prometheus_client parser alone: {parse_s:.3f} s")
    print(
        f"   parse + indicators + tree + handbook: {diag_s:.3f} s "
        f"({diag_s / parse_s:.2f}x the parser; target < 1 s: "
        f"{'met' if diag_s < 1.0 else 'MISSED'})"
    )

    s = make_scenario(1, "retry_storm", n_traces=100 if args.quick else 400)
    spans = len(s.baseline) + len(s.anomalous)

    def ranking() -> None:
        rank_root_causes(s.baseline, s.anomalous)

    def hotspots_only() -> None:
        hotspots(s.baseline, by="service")
        hotspots(s.anomalous, by="service")

    rank_s = best_of(ranking, repeat=3)
    hot_s = best_of(hotspots_only, repeat=3)
    print(f"2. root-cause ranking of two windows, {spans:,} spans")
    print(
        f"   hotspots alone: {hot_s:.3f} s; ranking: {rank_s:.3f} s "
        f"({rank_s / hot_s:.2f}x; {spans / rank_s:,.0f} spans/s)"
    )


if __name__ == "__main__":
    main()
