"""Benchmark of chapter 5.4: `otlpkb inspect` and `otlpkb spans --to parquet`, in one run.

Generates (from a seed, in a temp dir) a file-exporter archive of OTLP/JSON lines of about
--mb megabytes: traces of 4-12 spans over 8 services, interleaved as a gateway receives
them (each request line holds spans of many traces). Then measures on the same file:

* the plain `iter_trace_batches` loop (decode only): spans/s, the floor for both tools;
* `inspect_traces`: spans/s and its ratio to the floor (the cost of the analysis);
* `write_parquet`: spans/s and its ratio to the floor (the cost of the Arrow conversion);
* peak RSS (VmHWM) of `inspect_traces` (default window of 200,000 spans, and --window)
  and of a whole `read_traces`, each in a fresh subprocess, against a subprocess that only
  imports the modules. Inspection holds at most the window in Span records, so its RSS
  stops growing once the archive exceeds the window; the whole read keeps growing.

Usage: python scripts/bench/bench_inspect.py [--quick] [--mb 50] [--seed 1] [--repeat 3]
[--window 20000]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from otlpkb.diagnosis.inspect import inspect_traces, otlp_json_lines, write_parquet
from otlpkb.otlp import Span, iter_trace_batches

SERVICES = ["frontend", "cart", "checkout", "payment", "auth", "search", "ads", "db"]


def spans_of(rnd: random.Random, n_traces: int):
    """Spans of ``n_traces`` traces, interleaved: up to 64 traces are open at a time."""
    open_traces: list[list[Span]] = []
    made = 0
    while made < n_traces or open_traces:
        while made < n_traces and len(open_traces) < 64:
            tid = f"{rnd.getrandbits(128):032x}"
            start = 1_700_000_000_000_000_000 + made * 1_000_000
            spans = []
            for k in range(rnd.randint(4, 12)):
                parent = spans[rnd.randrange(k)].span_id if k else ""
                begin = start + k * 100_000
                spans.append(Span(tid, f"{rnd.getrandbits(64):016x}", parent,
                                  f"op{rnd.randrange(6)}", 2, begin,
                                  begin + int(rnd.expovariate(1 / 5e6)) + 1,
                                  2 if rnd.random() < 0.02 else 0,
                                  service_name=rnd.choice(SERVICES),
                                  attributes={"http.route": "/x", "n": k}))  # fmt: skip
            open_traces.append(spans)
            made += 1
        i = rnd.randrange(len(open_traces))
        yield open_traces[i].pop(0)
        if not open_traces[i]:
            open_traces.pop(i)


def generate(path: Path, megabytes: float, seed: int) -> int:
    rnd = random.Random(seed)
    target, written, n = megabytes * 2**20, 0, 0
    with path.open("w") as f:
        while written < target:
            for line in otlp_json_lines(spans_of(rnd, 2_000), per_line=500):
                f.write(line + "\n")
                written += len(line) + 1
            n += 1
    return n


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def peak_rss_mib(code: str) -> float:
    """VmHWM of a fresh interpreter running ``code`` (ru_maxrss would carry over the
    forking parent's peak, which Linux keeps across exec)."""
    script = code + "\nprint([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)  # fmt: skip
    return int(out.stdout.split()[-2]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 5 MB archive")
    parser.add_argument("--mb", type=float, default=50.0, help="archive size in MB")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best is kept")
    parser.add_argument("--window", type=int, default=20_000, help="a smaller window to try")
    args = parser.parse_args()
    mb = 5.0 if args.quick else args.mb
    args.repeat = 1 if args.quick else args.repeat
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "traces.json"
        generate(path, mb, args.seed)
        size = path.stat().st_size / 2**20
        best = {"read": float("inf"), "inspect": float("inf"), "parquet": float("inf")}
        for _ in range(args.repeat):  # interleaved rounds, best of each: a shared machine
            t, n = timed(lambda: sum(len(b) for b in iter_trace_batches(path)))
            best["read"] = min(best["read"], t)
            t, report = timed(lambda: inspect_traces([path]))
            best["inspect"] = min(best["inspect"], t)
            t, _ = timed(lambda: write_parquet([path], Path(tmp) / "spans.parquet"))
            best["parquet"] = min(best["parquet"], t)
        t_read, t_inspect, t_parquet = best["read"], best["inspect"], best["parquet"]
        assert report.spans == n and report.orphans == 0 and report.split_traces == 0
        imports = (
            "from otlpkb.diagnosis.inspect import inspect_traces\n"
            "from otlpkb.otlp import read_traces"
        )
        base = peak_rss_mib(imports)
        rss_inspect = peak_rss_mib(f"{imports}\ninspect_traces([{str(path)!r}])")
        rss_window = peak_rss_mib(
            f"{imports}\ninspect_traces([{str(path)!r}], window={args.window})"
        )
        rss_whole = peak_rss_mib(f"{imports}\nt = read_traces({str(path)!r})")
    rows = {
        "archive_mb": round(size, 1),
        "spans": n,
        "read_loop_spans_per_s": round(n / t_read),
        "inspect_spans_per_s": round(n / t_inspect),
        "inspect_vs_read_loop": round(t_inspect / t_read, 2),
        "parquet_spans_per_s": round(n / t_parquet),
        "parquet_vs_read_loop": round(t_parquet / t_read, 2),
        "rss_imports_mib": round(base, 1),
        "rss_inspect_default_window_mib": round(rss_inspect, 1),
        f"rss_inspect_window_{args.window}_mib": round(rss_window, 1),
        "rss_read_whole_mib": round(rss_whole, 1),
    }
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
