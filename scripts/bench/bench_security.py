"""Benchmark of otlpkb.advanced.security (chapter A.3, Security hardening).

Redaction throughput in attributes per second on the attributes of the real OTLP trace
files shipped in ``otlpkb.datasets`` (span, resource and event attributes of the
opentelemetry-proto example and the Jaeger fixtures), repeated to a working set, in the
same run as the baseline a user would write first: a plain loop that applies the same six
regular expressions with ``re.sub`` to every string value (no decoding, no validation, no
allow-list). Both answers are compared: how many values each one changed.

Usage: python scripts/bench/bench_security.py [--quick]
"""

from __future__ import annotations

import argparse
import time

from otlpkb import datasets, otlp
from otlpkb.advanced.security import Redactor

FILES = (
    "otlp/proto-examples/trace.json",
    "otlp/jaeger/example_trace.json",
    "otlp/jaeger/otel_traces_01.json",
    "otlp/jaeger/link_attributes_trace.json",
)
PATTERNS = (
    r"\b(?:\d[ -]?){12,18}\d\b",
    r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}",
    r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*",
    r"(?i)\b(?:bearer|basic)\s+\S{8,}",
    r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
    r"\b[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}\b",
)


def attribute_maps() -> list[dict]:
    maps = []
    for name in FILES:
        for span in otlp.read_traces(datasets.path(name)):
            maps.append(dict(span.attributes))
            maps.append(dict(span.resource_attributes))
            maps += [dict(e.attributes) for e in span.events]
    return [m for m in maps if m]


def regex_loop(maps: list[dict], compiled: list) -> int:
    changed = 0
    for attrs in maps:
        for value in attrs.values():
            if isinstance(value, str):
                new = value
                for p in compiled:
                    new = p.sub("****", new)
                changed += new != value
    return changed


def main() -> None:
    import re

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    args = parser.parse_args()
    base = attribute_maps()
    repeat = 200 if args.quick else 3000
    maps = base * repeat
    n_attrs = sum(len(m) for m in maps)
    compiled = [re.compile(p) for p in PATTERNS]
    redactor = Redactor(allow_all_keys=True)
    cold = Redactor(allow_all_keys=True, memo_size=0)

    t0 = time.perf_counter()
    ours = sum(len(redactor.redact(m).masked) for m in maps)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours_cold = sum(len(cold.redact(m).masked) for m in maps)
    t_cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    theirs = regex_loop(maps, compiled)
    t_loop = time.perf_counter() - t0

    print(
        f"{len(base)} attribute maps from {len(FILES)} OTLP files, x{repeat}: "
        f"{n_attrs:,} attributes"
    )
    print(
        f"Redactor (decoded views, validation): {n_attrs / t_ours:12,.0f} attributes/s, "
        f"{ours} values masked"
    )
    print(
        f"Redactor without its memo:            {n_attrs / t_cold:12,.0f} attributes/s, "
        f"{ours_cold} values masked"
    )
    print(
        f"plain regex loop (6 x re.sub):        {n_attrs / t_loop:12,.0f} attributes/s, "
        f"{theirs} values changed"
    )
    print(
        f"Redactor time / loop time: {t_ours / t_loop:.2f} (with memo), "
        f"{t_cold / t_loop:.2f} (without)"
    )


if __name__ == "__main__":
    main()
