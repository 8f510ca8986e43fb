"""Benchmarks of section 8: the rule linter against promtool, HyperLogLog against a set.

1. `lint_rules` (and `load_rules`) on a generated file of 10,000 rules, in rules per second,
   next to `promtool check rules` on the same file (Prometheus's own validator: it parses
   and checks structure and templates, not the meaning checks of the linter), measured as a
   subprocess including its start-up.
2. Distinct values of 10^7 integer ids (about 3.2 million distinct): an exact Python `set`
   against a `HyperLogLog` (p = 14) fed the same ids hashed with splitmix64 in numpy (the
   sketch needs uniformly distributed hashes); time, memory (peak traced allocation for the
   set, the registers for the sketch) and the sketch's error.

    .venv/bin/python scripts/bench/bench_monitoring.py [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "bench"))

from bench_detectors import best_of  # noqa: E402

from otlpkb.monitoring.lint import HyperLogLog  # noqa: E402
from otlpkb.monitoring.rules import (  # noqa: E402
    AlertingRule,
    RecordingRule,
    RuleGroup,
    dump_rules,
    lint_rules,
    load_rules,
)


def rule_file(n: int) -> list[RuleGroup]:
    rng = np.random.default_rng(8)
    groups = []
    for g in range(n // 50):
        rules: list[AlertingRule | RecordingRule] = []
        for i in range(50):
            metric = f"svc{g}_m{i}"
            if rng.random() < 0.5:
                rules.append(
                    RecordingRule(
                        f"job:{metric}:rate5m", f"sum by (job) (rate({metric}_total[5m]))"
                    )
                )
            else:
                rules.append(
                    AlertingRule(
                        f"Alert{g}x{i}",
                        f'sum by (job, instance) (rate({metric}_total{{code=~"5.."}}[5m]))'
                        f" / sum by (job, instance) (rate({metric}_total[5m])) > 0.05",
                        timedelta(minutes=int(rng.integers(0, 15))),
                        {"severity": "warning"},
                        {"summary": "errors", "runbook_url": "https://r.example.com/x"},
                    )
                )
        groups.append(RuleGroup(f"group{g}", tuple(rules)))
    return groups


def bench_linter(n: int) -> None:
    groups = rule_file(n)
    text = dump_rules(groups)
    # one cold run each: the module caches parsed expressions, so repeats would be free
    t_load = best_of(lambda: load_rules(text), 1)
    t0 = time.perf_counter()
    findings = len(lint_rules(groups))
    t_lint = time.perf_counter() - t0
    print(f"rule linter on {n:,} rules ({len(text) / 1e6:.1f} MB of YAML)")
    print(f"  load_rules: {t_load:.2f} s ({n / t_load:,.0f} rules/s)")
    print(f"  lint_rules: {t_lint:.2f} s ({n / t_lint:,.0f} rules/s), {findings} findings")
    promtool = shutil.which("promtool")
    if promtool is None:
        print("  promtool: not installed (Debian package prometheus)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rules.yaml"
        path.write_text(text)

        def check() -> None:
            subprocess.run([promtool, "check", "rules", str(path)], check=True, capture_output=True)

        t_promtool = best_of(check, 3)
    print(f"  promtool check rules: {t_promtool:.2f} s ({n / t_promtool:,.0f} rules/s)")
    print(f"  ratio (load + lint) / promtool: {(t_load + t_lint) / t_promtool:.1f}x")


def splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finalizer: a well-mixed 64-bit hash of 64-bit integers."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def bench_cardinality(n: int) -> None:
    rng = np.random.default_rng(1)
    values = rng.integers(0, n // 3, n, dtype=np.uint64)  # ids with repeats, as in spans
    t0 = time.perf_counter()
    tracemalloc.start()
    exact = set(values.tolist())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    t_set = time.perf_counter() - t0
    hll = HyperLogLog(14)
    t_hll = best_of(lambda: HyperLogLog(14).add_hashes(splitmix64(values)), 1)
    hll.add_hashes(splitmix64(values))
    error = hll.estimate() / len(exact) - 1
    print(f"distinct values of {n:,} values ({len(exact):,} distinct)")
    print(f"  exact set: {t_set:.2f} s, {peak / 1e6:,.0f} MB peak")
    print(
        f"  HyperLogLog p=14: {t_hll:.2f} s, {hll.registers.nbytes / 1e3:.0f} kB, "
        f"error {error:+.2%} (standard error {1.04 / 128:.2%})"
    )
    print(
        f"  ratios set / sketch: time {t_set / t_hll:.1f}x, "
        f"memory {peak / hll.registers.nbytes:,.0f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    args = parser.parse_args()
    bench_linter(1_000 if args.quick else 10_000)
    bench_cardinality(10**6 if args.quick else 10**7)


if __name__ == "__main__":
    main()
