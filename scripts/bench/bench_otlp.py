"""Benchmark otlpkb.otlp.read_traces against the obvious alternatives, in one run.

Generates (from a seed, in a temp dir) an OTLP/JSON file of about --mb megabytes and its
protobuf twin, plus the Collector file-exporter shapes (JSON lines, length-prefixed protobuf).
Then measures, on the same bytes:

* read_traces (JSON)                 -> spans/s
* json.loads                         -> the floor: parsing JSON without any OTLP work
* json.loads + hex fix + json_format.ParseDict (opentelemetry-proto), the usual alternative;
  note it only builds the protobuf message, not span records
* read_traces (protobuf) vs TracesData.ParseFromString (the protobuf floor)
* peak RSS of streaming iter_trace_batches vs read_traces whole, each in a fresh subprocess,
  for the single OTLP/JSON document (streamed one resourceSpans element at a time), JSON
  lines and length-prefixed protobuf

Usage: python scripts/bench/bench_otlp.py [--quick] [--mb 100] [--seed 1]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from google.protobuf import json_format
from opentelemetry.proto.trace.v1 import trace_pb2

from otlpkb.otlp import read_traces

SPANS_PER_REQUEST = 1000


def make_request(rnd: random.Random, n: int) -> trace_pb2.TracesData:
    msg = trace_pb2.TracesData()
    rs = msg.resource_spans.add()
    for key, value in (("service.name", f"svc-{rnd.randrange(20)}"), ("host.name", "node-7")):
        kv = rs.resource.attributes.add()
        kv.key, kv.value.string_value = key, value
    ss = rs.scope_spans.add()
    ss.scope.name, ss.scope.version = "bench", "1.0"
    for _ in range(n // 10):
        trace_id = rnd.randbytes(16)
        parent = b""
        t0 = 1_700_000_000_000_000_000 + rnd.randrange(10**12)
        for _ in range(10):
            sp = ss.spans.add()
            sp.trace_id, sp.span_id = trace_id, rnd.randbytes(8)
            sp.parent_span_id = parent
            parent = sp.span_id
            sp.name = rnd.choice(["GET /api", "SELECT", "publish", "render", "auth"])
            sp.kind = rnd.randrange(1, 6)
            sp.start_time_unix_nano = t0
            sp.end_time_unix_nano = t0 + rnd.randrange(10**6, 10**8)
            sp.status.code = rnd.choice([0, 0, 0, 2])
            for k in range(4):
                kv = sp.attributes.add()
                kv.key = f"attr.{k}"
                if k % 2:
                    kv.value.int_value = rnd.randrange(10**6)
                else:
                    kv.value.string_value = f"value-{rnd.randrange(10**6)}"
            if rnd.random() < 0.2:
                ev = sp.events.add()
                ev.name, ev.time_unix_nano = "exception", t0 + 5
    return msg


def to_json_dict(msg: trace_pb2.TracesData) -> dict:
    doc = json_format.MessageToDict(msg, use_integers_for_enums=True)
    for rs in doc.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for sp in ss.get("spans", []):
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in sp:
                        sp[key] = base64.b64decode(sp[key]).hex()
    return doc


def hex_to_base64(doc: dict) -> dict:
    for rs in doc.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for sp in ss.get("spans", []):
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in sp:
                        sp[key] = base64.b64encode(bytes.fromhex(sp[key])).decode()
    return doc


def generate(directory: Path, megabytes: float, seed: int) -> tuple[Path, Path, Path, Path, int]:
    """Write the four files request by request (never holding the whole data set)."""
    rnd = random.Random(seed)
    target = megabytes * 1e6
    size, spans = 0, 0
    paths = [directory / n for n in ("t.json", "t.binpb", "t.jsonl", "t.binpb.framed")]
    with (
        open(paths[0], "wb") as doc,
        open(paths[1], "wb") as pb,
        open(paths[2], "wb") as jl,
        open(paths[3], "wb") as fr,
    ):
        doc.write(b'{"resourceSpans":[')
        while size < target:
            msg = make_request(rnd, SPANS_PER_REQUEST)
            body = to_json_dict(msg)
            line = json.dumps(body, separators=(",", ":")).encode()
            jl.write(line + b"\n")
            pieces = [json.dumps(rs, separators=(",", ":")) for rs in body["resourceSpans"]]
            doc.write((b"," if size else b"") + ",".join(pieces).encode())
            binary = msg.SerializeToString()
            pb.write(binary)  # concatenated TracesData messages merge into one message
            fr.write(len(binary).to_bytes(4, "big") + binary)
            size += len(line)
            spans += SPANS_PER_REQUEST
        doc.write(b"]}")
    return paths[0], paths[1], paths[2], paths[3], spans


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


PEAK = """
import sys
from otlpkb.otlp import iter_trace_batches, read_traces
path, mode = sys.argv[1], sys.argv[2]
if mode == "stream":
    n = sum(len(b) for b in iter_trace_batches(path, batch_size=1_000))
elif mode == "none":
    n = 0
else:
    n = len(read_traces(path))
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork + exec
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0]
print(n, int(hwm.split()[1]))
"""


def peak_rss_kib(path: Path, mode: str) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, "-c", PEAK, str(path), mode], check=True, capture_output=True, text=True
    ).stdout.split()
    return int(out[0]), int(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 5 MB instead of 100 MB")
    parser.add_argument("--mb", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    megabytes = 5.0 if args.quick else args.mb
    with tempfile.TemporaryDirectory() as tmp:
        json_path, pb_path, jsonl_path, framed_path, spans = generate(
            Path(tmp), megabytes, args.seed
        )
        raw_json = json_path.read_bytes()
        raw_pb = pb_path.read_bytes()
        print(
            f"{spans:,} spans; OTLP/JSON {len(raw_json) / 1e6:.1f} MB, "
            f"protobuf {len(raw_pb) / 1e6:.1f} MB"
        )
        assert len(read_traces(raw_json)) == spans

        def via_json_format() -> None:
            json_format.ParseDict(
                hex_to_base64(json.loads(raw_json)),
                trace_pb2.TracesData(),
                ignore_unknown_fields=True,
            )

        results = {
            "read_traces(JSON)": best_of(lambda: read_traces(raw_json, format="json"), args.repeat),
            "json.loads (floor)": best_of(lambda: json.loads(raw_json), args.repeat),
            "json.loads+hexfix+json_format.ParseDict": best_of(via_json_format, args.repeat),
            "read_traces(protobuf)": best_of(
                lambda: read_traces(raw_pb, format="protobuf"), args.repeat
            ),
            "TracesData.ParseFromString (floor)": best_of(
                lambda: trace_pb2.TracesData.FromString(raw_pb), args.repeat
            ),
        }
        print(f"\n{'method':45s} {'seconds':>9s} {'spans/s':>12s}")
        for name, seconds in results.items():
            print(f"{name:45s} {seconds:9.3f} {spans / seconds:12,.0f}")
        ours = results["read_traces(JSON)"]
        print("\nratios (time / read_traces time, >1 means read_traces is faster):")
        print(
            f"  json_format path / read_traces(JSON)  = "
            f"{results['json.loads+hexfix+json_format.ParseDict'] / ours:.2f}"
        )
        print(
            f"  json.loads floor / read_traces(JSON)  = {results['json.loads (floor)'] / ours:.2f}"
        )
        floor_pb = results["TracesData.ParseFromString (floor)"]
        ours_pb = results["read_traces(protobuf)"]
        print(f"  ParseFromString / read_traces(proto)  = {floor_pb / ours_pb:.2f}")
        _, base = peak_rss_kib(jsonl_path, "none")
        print(f"\npeak RSS (fresh subprocess each; imports alone: {base / 1024:.1f} MiB):")
        for label, path in (
            ("single JSON document", json_path),
            ("JSON lines", jsonl_path),
            ("length-prefixed protobuf", framed_path),
        ):
            n1, stream = peak_rss_kib(path, "stream")
            n2, whole = peak_rss_kib(path, "whole")
            assert n1 == n2 == spans
            grow_stream, grow_whole = max(stream - base, 1), max(whole - base, 1)
            print(
                f"  {label:26s} streaming +{grow_stream / 1024:7.1f} MiB   "
                f"whole +{grow_whole / 1024:7.1f} MiB   ratio {grow_whole / grow_stream:.1f}x"
            )


if __name__ == "__main__":
    main()
