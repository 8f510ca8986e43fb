"""Benchmark: otlpkb's analytic span sizes against protobuf serialization, and encoding costs.

1. Size of N spans: ``span_size`` over otlpkb Span objects (pure Python, from the wire
   rules) against protobuf's ``ByteSize`` on the same spans as ``trace_pb2.Span`` messages
   (upb, C), side by side in the same run; the sums must agree exactly.
2. CPU cost per span of what an SDK or Collector does to a request: serialize to
   protobuf, gzip (level 6), and produce OTLP/JSON (google.protobuf.json_format), measured
   with ``time.process_time`` on the machine that runs it.

    .venv/bin/python scripts/bench/bench_resources.py [--quick]
"""

from __future__ import annotations

import argparse
import gzip
import time

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from otlpkb.otlp import read_traces
from otlpkb.performance.resources import span_size, synthetic_request


def best_of(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 spans instead of 50,000")
    args = parser.parse_args()
    n = 2_000 if args.quick else 50_000
    body = synthetic_request("traces", n, attributes=8, seed=7)
    msg = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
    pb_spans = list(msg.resource_spans[0].scope_spans[0].spans)
    spans = list(read_traces(body, format="protobuf"))

    model_total = sum(span_size(s) for s in spans)
    pb_total = sum(s.ByteSize() for s in pb_spans)
    assert model_total == pb_total, (model_total, pb_total)
    t_model = best_of(lambda: sum(span_size(s) for s in spans))
    t_pb = best_of(lambda: sum(s.ByteSize() for s in pb_spans))
    print(f"{n} spans, 8 attributes each, {len(body) / n:.1f} protobuf bytes per span")
    print(f"sizes agree exactly: {model_total} bytes")
    print(f"span_size (Python)      {1e6 * t_model / n:8.2f} us/span")
    print(f"protobuf ByteSize (upb) {1e6 * t_pb / n:8.2f} us/span   ratio {t_model / t_pb:.1f}x")

    t_ser = best_of(lambda: msg.SerializeToString())
    t_gz = best_of(lambda: gzip.compress(body, compresslevel=6, mtime=0))
    t_json = best_of(lambda: json_format.MessageToJson(msg, use_integers_for_enums=True))
    print(f"serialize protobuf      {1e6 * t_ser / n:8.2f} us/span")
    print(
        f"gzip level 6            {1e6 * t_gz / n:8.2f} us/span   vs serialize {t_gz / t_ser:.1f}x"
    )
    print(
        f"OTLP/JSON (json_format) {1e6 * t_json / n:8.2f} us/span   "
        f"vs serialize {t_json / t_ser:.1f}x"
    )


if __name__ == "__main__":
    main()
