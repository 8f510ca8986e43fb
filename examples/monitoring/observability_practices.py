# %% [markdown]
# # Observability practices (可观测性最佳实践)
#
# Companion script of chapter 8.4: real OTLP files and deliberately bad spans checked
# against the semantic conventions, and attribute cardinality counted exactly and with a
# HyperLogLog sketch.

# %%
import numpy as np

from otlpkb import datasets, otlp
from otlpkb.monitoring.lint import HyperLogLog, attribute_cardinality, lint_spans
from otlpkb.otlp import Span

# %% [markdown]
# ## Real files

# %%
for name in ("otlp/jaeger/example_trace.json", "otlp/proto-examples/trace.json"):
    spans = otlp.read_traces(datasets.path(name))
    issues = lint_spans(spans)
    print(f"{name}: {len(spans)} spans, {len(issues)} findings")
    for i in issues:
        print(f"    {i.severity:7} {i.check:22} {i.subject}: {i.message}")

# %% [markdown]
# ## Deliberately bad spans: one per request, ids in names, old attribute names

# %%
rng = np.random.default_rng(3)
bad = [
    Span(
        f"{i + 1:032x}",
        f"{i + 1:016x}",
        "",
        f"GET /orders/{rng.integers(10**6)}",
        1,
        0,
        1_000_000,
        0,
        attributes={
            "http.method": "GET",
            "http.status_code": 200,
            "user.id": f"u{rng.integers(5000)}",
            "host.name": "node-7",
        },
        resource_attributes={"service.name": "unknown_service:python"},
    )
    for i in range(2000)
]
for i in lint_spans(bad, max_span_names=100):
    print(f"{i.severity:7} {i.check:22} {i.count:5} {i.subject[:20]:20} {i.message}")

# %% [markdown]
# ## Cardinality: exact up to 1,000 values per key, a sketch beyond

# %%
for c in attribute_cardinality(bad, exact_limit=1000):
    kind = "exact" if c.exact else "HyperLogLog"
    print(f"{c.key:18} {c.distinct:8.0f} distinct ({kind})")

hll = HyperLogLog(precision=14)
values = rng.integers(0, 2**64, 1_000_000, dtype=np.uint64)
hll.add_hashes(values)
print(
    f"1,000,000 random ids: estimate {hll.estimate():,.0f} "
    f"from {hll.registers.nbytes:,} bytes of registers"
)
