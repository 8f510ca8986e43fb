# %% [markdown]
# # Distributed tracing: from OTLP bytes to the critical path
#
# This example reads real OTLP trace files, produces traces with the OpenTelemetry SDK,
# assembles them into trees, and computes self time, the critical path and per-service
# latency. It runs offline in a few seconds: `python
# examples/distributed_systems/tracing.py`.

# %%
import random

import matplotlib.pyplot as plt
from opentelemetry import trace as otel_trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from otlpkb import datasets
from otlpkb.otlp import extract_trace_context, read_traces
from otlpkb.tracing.traces import (
    assemble_traces,
    critical_path,
    latency_summary,
    self_times,
)

random.seed(7)  # the SDK draws trace and span ids from the random module

# %% [markdown]
# ## 1. Real files
# The opentelemetry-proto example and three Jaeger fixtures, read as OTLP/JSON.

# %%
for name in [
    "otlp/proto-examples/trace.json",
    "otlp/jaeger/example_trace.json",
    "otlp/jaeger/link_attributes_trace.json",
    "otlp/jaeger/otel_traces_01.json",
]:
    table = read_traces(datasets.path(name))
    traces = assemble_traces(table)
    roots = sum(len(t.roots) for t in traces.values())
    orphans = sum(len(t.orphans) for t in traces.values())
    print(
        f"{name:42s} spans={len(table)} traces={len(traces)} "
        f"roots={roots} orphans={orphans}"
    )

# %% [markdown]
# ## 2. Traces from the OpenTelemetry SDK
# Each service gets its own tracer provider (its own `service.name` resource); children
# are started in their parent's context, as context propagation would do across
# processes. Timestamps are explicit so that the output is reproducible.

# %%
memory = InMemorySpanExporter()
providers = {}
for service in ["frontend", "cart", "currency", "shipping", "payment", "email"]:
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    providers[service] = provider.get_tracer("example")


def span(service, name, parent, start_ms, end_ms, t0, kind=SpanKind.INTERNAL):
    ctx = otel_trace.set_span_in_context(parent) if parent is not None else None
    s = providers[service].start_span(
        name, context=ctx, kind=kind, start_time=t0 + int(start_ms * 1e6)
    )
    s.end(end_time=t0 + int(end_ms * 1e6))
    return s


def checkout(rng, t0):
    """One checkout request: a mix of sequential and concurrent calls."""
    d = [rng.lognormvariate(0, 0.4) for _ in range(8)]
    root = providers["frontend"].start_span(
        "GET /checkout", kind=SpanKind.SERVER, start_time=t0
    )
    root_ctx = otel_trace.set_span_in_context(root)
    cart_end = 2 + 12 * d[0]
    cart = providers["cart"].start_span(
        "GetCart", context=root_ctx, kind=SpanKind.SERVER, start_time=t0 + int(2e6)
    )
    span("cart", "HGETALL cart", cart, 3, 3 + 6 * d[1], t0, SpanKind.CLIENT)
    cart.end(end_time=t0 + int(cart_end * 1e6))
    # currency and shipping are called concurrently after the cart
    cur_end = cart_end + 1 + 8 * d[2]
    ship_end = cart_end + 1 + 15 * d[3]
    span("currency", "Convert", root, cart_end + 1, cur_end, t0, SpanKind.SERVER)
    span("shipping", "GetQuote", root, cart_end + 1, ship_end, t0, SpanKind.SERVER)
    pay_start = max(cur_end, ship_end) + 1
    pay_end = pay_start + 25 * d[4]
    pay = providers["payment"].start_span(
        "Charge",
        context=root_ctx,
        kind=SpanKind.SERVER,
        start_time=t0 + int(pay_start * 1e6),
    )
    span("payment", "fraud.score", pay, pay_start + 2, pay_start + 2 + 9 * d[5], t0)
    pay.end(end_time=t0 + int(pay_end * 1e6))
    end = pay_end + 3 * d[6]
    # the confirmation e-mail is sent asynchronously and may outlive the request
    span(
        "email",
        "SendConfirmation",
        root,
        pay_end + 1,
        pay_end + 1 + 20 * d[7],
        t0,
        SpanKind.CONSUMER,
    )
    root.end(end_time=t0 + int(end * 1e6))


rng = random.Random(42)
for i in range(200):
    checkout(rng, 1_700_000_000_000_000_000 + i * 10**9)

# encode exactly as the SDK's OTLP exporter does, then read the bytes back
payload = encode_spans(memory.get_finished_spans()).SerializeToString()
table = read_traces(payload)
traces = assemble_traces(table)
print(
    f"{len(payload):,} bytes of OTLP/protobuf -> {len(table)} spans "
    f"in {len(traces)} traces;"
    f" complete: {sum(t.is_complete for t in traces.values())}"
)

# %% [markdown]
# ## 3. One trace: waterfall, self time and critical path

# %%
first = next(iter(traces.values()))
t_root = first.root.start_time_unix_nano
path = critical_path(first)
selfs = self_times(first)
rows = first.walk()
fig, ax = plt.subplots(figsize=(8, 4))
for y, (s, depth) in enumerate(rows):
    start = (s.start_time_unix_nano - t_root) / 1e6
    ax.barh(y, s.duration_nano / 1e6, left=start, color="lightgray", edgecolor="gray")
    ax.text(
        start, y, "  " * depth + f"{s.service_name}: {s.name}", va="center", fontsize=8
    )
row_of = {s.span_id: y for y, (s, _) in enumerate(rows)}
for seg in path:
    ax.barh(
        row_of[seg.span_id],
        seg.duration_nano / 1e6,
        left=(seg.start - t_root) / 1e6,
        color="crimson",
        height=0.35,
    )
ax.invert_yaxis()
ax.set_xlabel("time since the root started (ms)")
ax.set_yticks([])
ax.set_title("Waterfall; critical path in red")
plt.show()

for s, depth in rows:
    print(
        f"{'  ' * depth}{s.service_name:9s} {s.name:18s} "
        f"duration {s.duration_nano / 1e6:6.2f} ms   "
        f"self {selfs[s.span_id] / 1e6:6.2f} ms"
    )
print(
    "critical path:",
    " -> ".join(dict.fromkeys(first.span(g.span_id).name for g in path)),
)

# %% [markdown]
# ## 4. Latency by service across all 200 traces

# %%
for row in latency_summary(table, by="service"):
    print(
        f"{row.key:9s} n={row.count:4d} p50={row.p50_ms:6.2f} p99={row.p99_ms:6.2f} ms "
        f"self total={row.self_ms:8.1f} ms"
    )

# %% [markdown]
# ## 5. W3C trace context

# %%
incoming = [
    ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    ("tracestate", "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7"),
]
print(extract_trace_context(incoming))
print(
    extract_trace_context(
        [("traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")]
    )
)
