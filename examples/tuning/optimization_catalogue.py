# %% [markdown]
# # Optimization catalogue (优化方案库)
#
# Companion script of chapter 6.3: compression on a batch the real OpenTelemetry SDK
# encodes, the batch processor's effect, head and tail sampling, attribute limits and
# queue sizing.

# %%
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otlpkb.tracing.traces import assemble_traces
from otlpkb.tuning.optimizations import (
    batching_effect,
    compression_ratios,
    head_sample,
    queue_for_outage,
    tail_sample,
)
from otlpkb.tuning.workload import shop_traces

# %% [markdown]
# ## Compression of an SDK batch (512 spans, the SDK's default batch)

# %%
memory = InMemorySpanExporter()
provider = TracerProvider(resource=Resource.create({"service.name": "checkout"}))
provider.add_span_processor(SimpleSpanProcessor(memory))
tracer = provider.get_tracer("example")
for i in range(512):
    with tracer.start_as_current_span("GET /api/cart") as span:
        span.set_attribute("http.route", "/api/cart")
        span.set_attribute("user.id", f"user-{i % 97}")
payload = encode_spans(memory.get_finished_spans()).SerializeToString()
for r in compression_ratios([payload]):
    print(
        f"{r.codec:6} level {r.level!s:4}  {r.output_bytes:7,} bytes  "
        f"ratio {r.ratio:5.2f}"
    )

# %% [markdown]
# ## Batching: 2,000 spans/s through the batch processor's defaults

# %%
e = batching_effect(2000.0)
print(
    f"{e.requests_per_second:.1f} requests/s of {e.mean_batch:.0f} spans, "
    f"{e.added_latency_s * 1e3:.0f} ms added"
)

# %% [markdown]
# ## Sampling: what survives of 2,000 traces with rare errors

# %%
spans = shop_traces(2000, seed=3, error_rate=0.001)
errors = {t for t, tr in assemble_traces(spans).items() if tr.root.status_code == 2}
for name, kept in (
    ("head 10 %", head_sample(spans, 0.1)),
    (
        "tail errors + >60 ms + 5 %",
        tail_sample(spans, latency_ms=60.0, probability=0.05),
    ),
):
    ids = {s.trace_id for s in kept}
    print(
        f"{name:28} spans kept {len(kept) / len(spans):6.1%}  errors kept "
        f"{len(errors & ids)}/{len(errors)}"
    )

# %% [markdown]
# ## Queue sizing: ride out a 5-minute back-end outage

# %%
q = queue_for_outage(e.requests_per_second, 300.0, bytes_per_batch=e.bytes_per_request)
print(
    f"queue_size >= {q.queue_size}, {q.memory_bytes / 1e6:.0f} MB; the default 1000 "
    f"drops {q.dropped_fraction:.0%} of the outage's data"
)
