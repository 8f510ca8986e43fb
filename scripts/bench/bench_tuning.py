"""Benchmarks of section 6: change points vs Apache Otava, MVA vs a plain loop, codecs.

1. `change_points` and apache-otava 0.8.0 (in its own environment, `.venv-otava`, created
   on first use) on the same 10,000-point history; Otava's time is measured inside its
   process, without interpreter start-up. Answers are compared, and where they differ the
   Otava-artefact model of the tests (tests/tuning/otava_model.py) is checked to reproduce
   Otava's answer.
2. Exact MVA at N = 10,000 on 20 centres: `mva` (normalising constant, vectorised) against
   a plain Python loop of the textbook recursion and the numpy-per-step recursion.
3. Compression throughput per codec on OTLP/protobuf batches from the OpenTelemetry SDK:
   MB/s and CPU seconds per MB (timings: they vary by machine, and stay out of the pages).

    .venv/bin/python scripts/bench/bench_tuning.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import zlib
from pathlib import Path

import cramjam
import numpy as np
import zstandard

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "src" / "otlpkb" / "datasets" / "bench" / "compression-cpu.json"
sys.path.insert(0, str(ROOT / "tests"))

from bench_detectors import best_of  # noqa: E402

from otlpkb.tuning.mva import mva, mva_recursive, schweitzer  # noqa: E402
from otlpkb.tuning.optimizations import compress, cpu_seconds_per_mb  # noqa: E402
from otlpkb.tuning.regression import change_points  # noqa: E402
from tuning.otava_cases import generated, run_otava  # noqa: E402
from tuning.otava_model import model  # noqa: E402


def bench_change_points(n: int) -> None:
    series = generated(2024, n=n)
    t_ours = best_of(lambda: change_points(series), 3)
    ours = [c.index for c in change_points(series)]
    answers = run_otava(
        [{"series": series, "window": 50, "max_pvalue": 0.001, "min_magnitude": 0.0}] * 3
    )
    t_otava = min(a["seconds"] for a in answers)
    theirs = [c["index"] for c in answers[0]["change_points"]]
    print(f"change_points on {n:,} points (window 50, max p 0.001)")
    print(f"  otlpkb: {t_ours:.3f} s, {len(ours)} change points")
    print(f"  apache-otava 0.8.0: {t_otava:.3f} s, {len(theirs)} change points")
    print(f"  speed ratio (otava / otlpkb): {t_otava / t_ours:.1f}x")
    if ours == theirs:
        print("  answers: identical")
    else:
        extra = sorted(set(theirs) - set(ours))
        missing = sorted(set(ours) - set(theirs))
        explained = model(series)[0] == theirs
        print(
            f"  answers differ: Otava only {extra}, otlpkb only {missing}; "
            f"Otava's two artefacts reproduce its answer: {'yes' if explained else 'NO'}"
        )


def plain_mva(demands: list[float], n_max: int, think: float) -> tuple[list, list]:
    k = len(demands)
    queue = [0.0] * k
    xs, qs = [], []
    for n in range(1, n_max + 1):
        residence = [demands[i] * (1.0 + queue[i]) for i in range(k)]
        x = n / (think + sum(residence))
        queue = [x * r for r in residence]
        xs.append(x)
        qs.append(queue)
    return xs, qs


def bench_mva(n: int, k: int) -> None:
    demands = np.random.default_rng(7).uniform(0.005, 0.05, k)
    think = 1.0
    as_list = demands.tolist()
    t_plain = best_of(lambda: plain_mva(as_list, n, think), 3)
    t_step = best_of(lambda: mva_recursive(demands, n, think_time=think), 3)
    t_ours = best_of(lambda: mva(demands, n, think_time=think), 5)
    t_sch = best_of(lambda: schweitzer(demands, n, think_time=think), 2)
    x_plain, _ = plain_mva(as_list, n, think)
    err = float(np.max(np.abs(mva(demands, n, think_time=think).throughput / x_plain - 1)))
    print(f"exact MVA at N = {n:,} on {k} centres (all populations 1..N)")
    print(f"  plain Python loop: {t_plain * 1e3:.1f} ms")
    print(f"  numpy recursion, one step per population: {t_step * 1e3:.1f} ms")
    print(f"  otlpkb mva (normalising constant, blocked scans): {t_ours * 1e3:.1f} ms")
    print(
        f"  speed ratio (plain loop / mva): {t_plain / t_ours:.1f}x; "
        f"(numpy recursion / mva): {t_step / t_ours:.1f}x"
    )
    print(f"  largest relative difference in X(n): {err:.1e}")
    print(f"  Schweitzer (vectorised over populations): {t_sch * 1e3:.1f} ms")


def sdk_batches(batches: int) -> list[bytes]:
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    out = []
    for b in range(batches):
        memory = InMemorySpanExporter()
        provider = TracerProvider(resource=Resource.create({"service.name": f"svc-{b % 3}"}))
        provider.add_span_processor(SimpleSpanProcessor(memory))
        tracer = provider.get_tracer("bench")
        for i in range(512):
            with tracer.start_as_current_span("GET /api/cart") as span:
                span.set_attribute("http.route", "/api/cart")
                span.set_attribute("http.response.status_code", 200)
                span.set_attribute("user.id", f"user-{(i * 7 + b) % 211}")
        out.append(encode_spans(memory.get_finished_spans()).SerializeToString())
    return out


def bench_codecs(batches: int, seconds: float, record: bool) -> None:
    payloads = sdk_batches(batches)
    size = sum(len(p) for p in payloads)
    print(f"compression of {batches} SDK batches of 512 spans ({size / 1e6:.2f} MB)")
    rows = []
    for codec, level in (("gzip", 1), ("gzip", 6), ("zstd", 1), ("zstd", 3), ("snappy", None)):
        cpu = cpu_seconds_per_mb(payloads, codec, level=level, min_seconds=seconds)
        out = sum(len(compress(p, codec, level=level)) for p in payloads)
        rows.append({"codec": codec, "level": level, "cpu_ms_per_mb": round(cpu * 1e3, 3)})
        print(
            f"  {codec:6} level {level!s:4}: ratio {size / out:5.2f}, "
            f"{cpu * 1e3:6.2f} ms CPU per MB, {1 / cpu:7.0f} MB/s per core"
        )
    if record:
        versions = {
            "zlib": zlib.ZLIB_RUNTIME_VERSION,
            "zstandard": zstandard.__version__,
            "zstd": zstandard.ZSTD_VERSION,
            "cramjam": cramjam.__version__,
        }
        data = {
            "measured_by": "scripts/bench/bench_tuning.py --record",
            "date": time.strftime("%Y-%m-%d"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
            "python": platform.python_version(),
            "versions": versions,
            "payload": f"{batches} OTLP/protobuf batches of 512 spans from opentelemetry-sdk",
            "clock": "time.process_time: CPU seconds of the benchmark process",
            "results": rows,
        }
        RECORD.parent.mkdir(parents=True, exist_ok=True)
        RECORD.write_text(json.dumps(data, indent=1) + "\n")
        print(f"  recorded in {RECORD.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--record", action="store_true", help="write the codec table for 6.3")
    args = parser.parse_args()
    bench_change_points(2_000 if args.quick else 10_000)
    print()
    bench_mva(2_000 if args.quick else 10_000, 20)
    print()
    bench_codecs(4 if args.quick else 16, 0.1 if args.quick else 0.5, args.record)


if __name__ == "__main__":
    main()
