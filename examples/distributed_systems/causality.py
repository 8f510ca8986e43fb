# %% [markdown]
# # Causality and partial order
#
# The companion script of the chapter *Causality and partial order* (3.3). It computes
# Lamport and vector timestamps for the textbook execution of Coulouris et al. (three
# processes, events a-f, two messages), draws its space-time diagram, then turns to
# spans: a checkout trace across five services whose *payments* clock is 120 µs behind.
# The skew is detected, adjusted away with the smallest shifts, and drawn before and
# after.

# %%
import matplotlib.pyplot as plt

from otlpkb import datasets
from otlpkb.otlp import Span, SpanLink, read_traces
from otlpkb.tracing.causality import (
    Event,
    adjust_clock_skew,
    causal_order,
    detect_clock_skew,
    happens_before_pairs,
    inject_clock_skew,
    lamport_timestamps,
    vector_timestamps,
)

# Coulouris, Dollimore, Kindberg & Blair, Distributed Systems (5th ed.), figures
# 14.5-14.7.
execution = {
    "p1": [Event("a"), Event("b", "send", "m1")],
    "p2": [Event("c", "receive", "m1"), Event("d", "send", "m2")],
    "p3": [Event("e"), Event("f", "receive", "m2")],
}
lamport = lamport_timestamps(execution)
vector = vector_timestamps(execution)
for name in "abcdef":
    v = vector[name]
    print(f"{name}: L = {lamport[name]}  V = ({v['p1']}, {v['p2']}, {v['p3']})")
hb = happens_before_pairs(execution)
print(
    "e -> b?",
    ("e", "b") in hb,
    "| L(e) < L(b)?",
    lamport["e"] < lamport["b"],
    "| vectors concurrent?",
    vector["e"].concurrent(vector["b"]),
)

# %% [markdown]
# ## The space-time diagram
#
# Time runs to the right (here: Lamport time), one line per process, an arrow per
# message.

# %%
procs = list(execution)
fig, ax = plt.subplots(figsize=(7, 3))
where = {}
for row, p in enumerate(procs):
    y = len(procs) - 1 - row
    ax.axhline(y, color="0.7", lw=1)
    ax.annotate(p, (0.3, y), va="center", ha="right")
    for e in execution[p]:
        x = lamport[e.name]
        where[e.name] = (x, y)
        ax.scatter([x], [y], color="k", zorder=3)
        v = vector[e.name]
        ax.annotate(
            f"{e.name} ({v['p1']},{v['p2']},{v['p3']})", (x, y + 0.15), ha="center"
        )
sends = {
    e.message: e.name for evs in execution.values() for e in evs if e.kind == "send"
}
for evs in execution.values():
    for e in evs:
        if e.kind == "receive":
            ax.annotate(
                "",
                xy=where[e.name],
                xytext=where[sends[e.message]],
                arrowprops={"arrowstyle": "-|>", "color": "tab:blue"},
            )
ax.set_xlim(0, 6)
ax.set_ylim(-0.6, 2.6)
ax.set_yticks([])
ax.set_xlabel("Lamport time")
plt.show()

# %% [markdown]
# ## A trace with a skewed clock
#
# Five services; the numbers are microseconds. `frontend` handles a checkout, calls
# `payments` (which queries `db` and publishes a receipt) and `inventory`; `mailer`
# consumes the receipt in a trace of its own, linked to the producer span.

# %%
BASE, US = 1_700_000_000_000_000_000, 1_000
TRACE, MAIL = "4bf92f3577b34da6a3ce929d0e0e4736", "a3ce929d0e0e47364bf92f3577b34da6"
SHAPE = [  # span id, parent, service, name, kind, start, end (µs)
    ("01", "", "frontend", "GET /checkout", 2, 0, 1000),
    ("02", "01", "frontend", "POST /pay", 3, 100, 600),
    ("03", "02", "payments", "POST /pay", 2, 150, 550),
    ("04", "03", "payments", "SELECT", 3, 200, 400),
    ("05", "04", "db", "SELECT", 2, 220, 380),
    ("06", "03", "payments", "publish receipt", 4, 420, 440),
    ("07", "01", "frontend", "GET /stock", 3, 650, 900),
    ("08", "07", "inventory", "GET /stock", 2, 680, 870),
]
spans = [
    Span(
        TRACE,
        sid.rjust(16, "0"),
        parent.rjust(16, "0") if parent else "",
        name,
        kind,
        BASE + start * US,
        BASE + end * US,
        0,
        service_name=service,
    )
    for sid, parent, service, name, kind, start, end in SHAPE
]
spans.append(
    Span(
        MAIL,
        "9".rjust(16, "0"),
        "",
        "process receipt",
        5,
        BASE + 700 * US,
        BASE + 800 * US,
        0,
        service_name="mailer",
        links=(SpanLink(TRACE, "6".rjust(16, "0")),),
    )
)
print("findings on the clean trace:", detect_clock_skew(spans))

order = causal_order(spans)
key = {(s.service_name, s.name): (s.trace_id, s.span_id) for s in spans}
print(
    "checkout -> mail:",
    order.precedes(key["frontend", "GET /checkout"], key["mailer", "process receipt"]),
)
print(
    "db query || stock check:",
    order.concurrent(key["db", "SELECT"], key["inventory", "GET /stock"]),
)

skewed = inject_clock_skew(spans, "payments", -120 * US)
for f in detect_clock_skew(skewed):
    print(
        f"{f.parent_clock:>9} -> {f.clock:<9} {f.relation}: "
        f"early {f.early_ns / US:g} µs, "
        f"late {f.late_ns / US:g} µs, smallest shift {f.shift_ns / US:+g} µs"
    )

# %% [markdown]
# ## Adjusting
#
# `contain` moves each skewed subtree by the smallest amount that puts it back inside
# its parent; `center` is Jaeger's rule (centre the server in the client). Both leave
# durations alone and neither touches the input.

# %%
for mode in ("contain", "center"):
    result = adjust_clock_skew(skewed, mode=mode)
    shifts = {
        s.service_name: result.deltas.get((s.trace_id, s.span_id), 0) / US
        for s in skewed
    }
    print(
        f"{mode:>7}: shifts (µs) {shifts}; "
        f"findings after: {detect_clock_skew(result.spans)}"
    )
adjusted = adjust_clock_skew(skewed).spans

fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
for ax, version, title in (
    (axes[0], skewed, "payments 120 µs behind"),
    (axes[1], adjusted, "after adjust_clock_skew"),
):
    trace = [s for s in version if s.trace_id == TRACE]
    for row, s in enumerate(trace):
        start = (s.start_time_unix_nano - BASE) / US
        width = (s.end_time_unix_nano - s.start_time_unix_nano) / US
        color = "tab:red" if s.service_name == "payments" else "tab:blue"
        ax.barh(row, width, left=start, color=color, alpha=0.6)
        ax.annotate(
            f"{s.service_name}: {s.name}", (start + 5, row), va="center", fontsize=7
        )
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel("µs since the trace began")
axes[0].set_yticks([])
plt.show()

# %% [markdown]
# ## A real OTLP file
#
# The Jaeger project's OTLP fixture `otel_traces_01.json` has four spans whose parents
# are not in their traces: there is nothing to compare, so nothing is flagged or moved.

# %%
real = read_traces(datasets.path("otlp/jaeger/otel_traces_01.json"))
print(len(real), "spans;", detect_clock_skew(real), adjust_clock_skew(real).deltas)
