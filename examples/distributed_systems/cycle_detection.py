# %% [markdown]
# # Cycle detection
#
# The companion script of the chapter *Cycle detection* (3.2). It generates a seeded set
# of traces for a small shop (a gateway, orders, payments, inventory, pricing, a fraud
# check, a notifier), in which two loops hide: payments calls orders back (A → B → A)
# and a retry policy makes inventory and pricing call each other. It aggregates the
# spans into a service call graph, finds its strongly connected components (Tarjan) and
# elementary cycles (Johnson), draws the graph, and finds a parent-pointer loop in a
# malformed trace. Finally it reads a real OTLP file shipped with otlpkb.

# %%
import math
import random

import matplotlib.pyplot as plt

from otlpkb import datasets
from otlpkb.otlp import Span, read_traces
from otlpkb.tracing.cycles import (
    elementary_cycles,
    parent_cycles,
    service_call_graph,
    strongly_connected_components,
)

# Each request type is a call tree: (service, [children]). Two of them loop.
REQUESTS = {
    "browse": ("gateway", [("inventory", [("pricing", [])])]),
    "checkout": (
        "gateway",
        [("orders", [("payments", [("fraud", []), ("orders", [])])])],
    ),
    "reprice": ("gateway", [("pricing", [("inventory", [("pricing", [])])])]),
    "notify": ("gateway", [("orders", [("notifier", [])])]),
}


def make_traces(n_traces: int, seed: int) -> list[Span]:
    """Spans of ``n_traces`` requests; calls fail with p = 2 % (5 % in loops)."""
    rng = random.Random(seed)
    spans: list[Span] = []
    for t in range(n_traces):
        trace_id = f"{t + 1:032x}"
        kind = rng.choice(sorted(REQUESTS))
        counter = 0
        todo = [(REQUESTS[kind], "", 0)]
        while todo:
            (service, children), parent, depth = todo.pop()
            counter += 1
            span_id = f"{t + 1:08x}{counter:08x}"
            looping = kind in ("reprice", "checkout") and depth >= 2
            failed = rng.random() < (0.05 if looping else 0.02)
            start = 1_700_000_000_000_000_000 + t * 10_000_000 + depth * 1_000
            spans.append(
                Span(
                    trace_id,
                    span_id,
                    parent,
                    f"{kind} at {service}",
                    2 if parent else 1,
                    start,
                    start + 5_000_000 - depth * 2_000,
                    2 if failed else 0,
                    service_name=service,
                )
            )
            todo.extend((child, span_id, depth + 1) for child in children)
    return spans


spans = make_traces(500, seed=42)
graph = service_call_graph(spans)
print(f"{len(spans)} spans, {len(graph.nodes)} services, {len(graph.calls)} edges")
for (caller, callee), calls in sorted(graph.calls.items()):
    print(
        f"  {caller:>9} -> {callee:<9} calls {calls:4d}  "
        f"error rate {graph.error_rate(caller, callee):.1%}"
    )

# %% [markdown]
# ## Strongly connected components and elementary cycles
#
# Tarjan's algorithm returns the components sinks-first (reverse topological order of
# the condensation). Components with more than one service, or a service that calls
# itself, contain cycles; Johnson's algorithm lists them.

# %%
components = strongly_connected_components(graph.edges, graph.nodes)
for component in components:
    marker = "  <- loop" if len(component) > 1 else ""
    print(sorted(component), marker)
cycles = elementary_cycles(graph.edges)
print("elementary cycles:", cycles)

# %% [markdown]
# ## The call graph, drawn on a circle
#
# Edges on a cycle are red; a node's colour is its component.

# %%
on_cycle = {(c[i], c[(i + 1) % len(c)]) for c in cycles for i in range(len(c))}
angle = {s: 2 * math.pi * i / len(graph.nodes) for i, s in enumerate(graph.nodes)}
pos = {s: (math.cos(a), math.sin(a)) for s, a in angle.items()}
component_of = {s: i for i, c in enumerate(components) for s in c}
fig, ax = plt.subplots(figsize=(6, 6))
for (u, v), calls in graph.calls.items():
    color = "tab:red" if (u, v) in on_cycle else "0.5"
    ax.annotate(
        "",
        xy=pos[v],
        xytext=pos[u],
        arrowprops={
            "arrowstyle": "-|>",
            "color": color,
            "lw": 0.8 + calls / 150,
            "shrinkA": 18,
            "shrinkB": 18,
            "connectionstyle": "arc3,rad=0.12",
        },
    )
for s, (x, y) in pos.items():
    ax.scatter([x], [y], s=900, color=plt.cm.tab10(component_of[s] % 10), zorder=3)
    ax.annotate(s, (x, y), ha="center", va="center", fontsize=8, zorder=4)
ax.set_xlim(-1.4, 1.4)
ax.set_ylim(-1.4, 1.4)
ax.set_aspect("equal")
ax.axis("off")
plt.show()

# %% [markdown]
# ## A malformed trace: parent pointers that loop
#
# A broken propagator can make span A the parent of B and B the parent of A. Every
# recursive tree walk over such a trace spins forever; `parent_cycles` finds the loop in
# linear time.

# %%
broken = [
    Span(
        "ab" * 16,
        "00000000000000a1",
        "00000000000000b2",
        "handler",
        2,
        0,
        10,
        0,
        service_name="orders",
    ),
    Span(
        "ab" * 16,
        "00000000000000b2",
        "00000000000000a1",
        "client",
        3,
        1,
        9,
        0,
        service_name="gateway",
    ),
    Span(
        "ab" * 16,
        "00000000000000c3",
        "00000000000000a1",
        "db",
        3,
        2,
        8,
        0,
        service_name="orders",
    ),
]
print(parent_cycles(broken))
print(parent_cycles(spans))  # the generated traces are well formed

# %% [markdown]
# ## A real OTLP file
#
# The Jaeger project's OTLP/JSON test fixture: five spans of three services, all roots,
# so the call graph has no edges and nothing loops.

# %%
real = read_traces(datasets.path("otlp/jaeger/example_trace.json"))
real_graph = service_call_graph(real)
print(real_graph.nodes, real_graph.calls, parent_cycles(real))
