"""Benchmark of chapter 5.4: `otlpkb inspect` and `otlpkb spans --to parquet`, in one run.

Generates (from a seed, in a temp dir) two archives of about --mb megabytes each from the
same traffic: traces of 4-12 spans over 8 services, interleaved as a gateway receives them
(each request holds spans of many traces). One is OTLP/JSON lines, the other the file
exporter's ``format: proto`` (length-prefixed binary requests). Then measures on each:

* the plain `iter_trace_batches` loop (decode into span tables): spans/s;
* `inspect_traces`: spans/s and its ratio to the read loop;
* `write_parquet`: spans/s and its ratio to the read loop;
* for the protobuf archive also the parse floor, ``ParseFromString`` of every frame and
  nothing else, and every figure above as a multiple of it (issue 11 asks for inspect
  and the Parquet export within 4x of it);
* peak RSS (VmHWM) of `inspect_traces` (default window of 200,000 spans, and --window)
  and of a whole `read_traces`, each in a fresh subprocess, against a subprocess that only
  imports the modules. Inspection holds at most the window in row tuples, so its RSS
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

from opentelemetry.proto.trace.v1 import trace_pb2

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


def proto_request(spans: list[Span]) -> bytes:
    """One binary request (opentelemetry-proto), a ResourceSpans per service."""
    msg = trace_pb2.TracesData()
    scopes = {}
    for s in spans:
        if s.service_name not in scopes:
            rs = msg.resource_spans.add()
            kv = rs.resource.attributes.add()
            kv.key, kv.value.string_value = "service.name", s.service_name
            scopes[s.service_name] = rs.scope_spans.add()
        p = scopes[s.service_name].spans.add()
        p.trace_id, p.span_id = bytes.fromhex(s.trace_id), bytes.fromhex(s.span_id)
        p.parent_span_id = bytes.fromhex(s.parent_span_id)
        p.name, p.kind, p.status.code = s.name, s.kind, s.status_code
        p.start_time_unix_nano, p.end_time_unix_nano = s.start_time_unix_nano, s.end_time_unix_nano
        for key, value in s.attributes.items():
            attr = p.attributes.add()
            attr.key = key
            if isinstance(value, int):
                attr.value.int_value = value
            else:
                attr.value.string_value = str(value)
    return msg.SerializeToString()


def generate_proto(path: Path, megabytes: float, seed: int) -> None:
    """The same traffic as `generate`, as length-prefixed binary requests of 500 spans."""
    rnd = random.Random(seed)
    target, written = megabytes * 2**20, 0
    with path.open("wb") as f:
        while written < target:
            spans = list(spans_of(rnd, 2_000))
            for i in range(0, len(spans), 500):
                body = proto_request(spans[i : i + 500])
                f.write(len(body).to_bytes(4, "big") + body)
                written += 4 + len(body)


def parse_floor(path: Path) -> int:
    """``ParseFromString`` of every frame and nothing else; the spans counted after."""
    messages = []
    with path.open("rb") as f:
        while header := f.read(4):
            msg = trace_pb2.TracesData()
            msg.ParseFromString(f.read(int.from_bytes(header, "big")))
            messages.append(msg)
    return sum(len(ss.spans) for m in messages for rs in m.resource_spans for ss in rs.scope_spans)


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
        rows: dict[str, object] = {}
        for kind, path in (("jsonl", Path(tmp) / "traces.json"), ("proto", Path(tmp) / "t.pb")):
            (generate if kind == "jsonl" else generate_proto)(path, mb, args.seed)
            rows[kind] = measure(path, Path(tmp) / "spans.parquet", args, floor=kind == "proto")
    print(json.dumps(rows, indent=2))


def measure(path: Path, parquet: Path, args: argparse.Namespace, *, floor: bool) -> dict:
    """Speeds of the read loop, inspect and the Parquet export on ``path``; peak RSS."""
    best = dict.fromkeys(("parse", "read", "inspect", "parquet"), float("inf"))
    for _ in range(args.repeat):  # interleaved rounds, best of each: a shared machine
        if floor:
            t, _ = timed(lambda: parse_floor(path))
            best["parse"] = min(best["parse"], t)
        t, n = timed(lambda: sum(len(b) for b in iter_trace_batches(path)))
        best["read"] = min(best["read"], t)
        t, report = timed(lambda: inspect_traces([path]))
        best["inspect"] = min(best["inspect"], t)
        t, _ = timed(lambda: write_parquet([path], parquet))
        best["parquet"] = min(best["parquet"], t)
    assert report.spans == n and report.orphans == 0 and report.split_traces == 0
    imports = (
        "from otlpkb.diagnosis.inspect import inspect_traces\nfrom otlpkb.otlp import read_traces"
    )
    base = peak_rss_mib(imports)
    rss_inspect = peak_rss_mib(f"{imports}\ninspect_traces([{str(path)!r}])")
    rss_window = peak_rss_mib(f"{imports}\ninspect_traces([{str(path)!r}], window={args.window})")
    rss_whole = peak_rss_mib(f"{imports}\nt = read_traces({str(path)!r})")
    row: dict[str, object] = {"archive_mib": round(path.stat().st_size / 2**20, 1), "spans": n}
    if floor:
        row["parse_floor_spans_per_s"] = round(n / best["parse"])
    for name in ("read", "inspect", "parquet"):
        row[f"{name}_spans_per_s"] = round(n / best[name])
    row["inspect_vs_read_loop"] = round(best["inspect"] / best["read"], 2)
    row["parquet_vs_read_loop"] = round(best["parquet"] / best["read"], 2)
    if floor:
        for name in ("read", "inspect", "parquet"):
            row[f"{name}_vs_parse_floor"] = round(best[name] / best["parse"], 2)
    row |= {
        "rss_imports_mib": round(base, 1),
        "rss_inspect_default_window_mib": round(rss_inspect, 1),
        f"rss_inspect_window_{args.window}_mib": round(rss_window, 1),
        "rss_read_whole_mib": round(rss_whole, 1),
    }
    return row


if __name__ == "__main__":
    main()
