# %% [markdown]
# # Consistency models
#
# The companion script of the chapter *Consistency models* (3.4). It checks a short
# register history for linearizability and draws it with the linearization points the
# checker found, runs the checker on the twelve Jepsen etcd histories that ship with
# otlpkb and compares the verdicts with the published ones, and then looks at a
# dashboard scenario through the weaker lenses: sequential consistency and the session
# guarantees.

# %%
import math

import matplotlib.pyplot as plt

from otlpkb import datasets
from otlpkb.consistency import (
    History,
    Operation,
    check_linearizability,
    check_sequential_consistency,
    check_session_guarantees,
    linearization_points,
    parse_jepsen_log,
)

# %% [markdown]
# ## A short history
#
# Three clients share one register (initially `None`). Client 0 writes 1, then
# compare-and-sets 1 to 2; client 1 reads twice; client 2 writes 3 and never hears back
# (a timeout: the write may or may not have happened).

# %%
history = History(
    [
        Operation(0, "write", call=0.0, ret=2.0, value=1),
        Operation(1, "read", call=1.0, ret=3.5, value=1),
        Operation(0, "cas", call=3.0, ret=5.0, expected=1, value=2),
        Operation(2, "write", call=4.0, ret=math.inf, value=3),
        Operation(1, "read", call=4.5, ret=6.0, value=3),
        Operation(1, "read", call=7.0, ret=8.0, value=3),
    ]
)
result = check_linearizability(history, model="cas-register")
print(result.explain(history))
points = linearization_points(history, result.order, where="middle")
for i, t in zip(result.order, points, strict=True):
    print(f"  t={t:4.1f}  #{i} {history[i].describe()}")

# %% [markdown]
# The read at 7–8 returning 3 needs the timed-out write to have taken effect. Change
# it to return 2 and the history is still linearizable (the pending write then never
# happened); make the *first* read return 3 and it is not: 3 is written only after that
# read returned.

# %%
bad = History([*history[:1], Operation(1, "read", 1.0, 3.5, value=3), *history[2:]])
verdict = check_linearizability(bad)
print(verdict.linearizable)
print(verdict.explain(bad))


# %%
def draw_history(ax, history, order):
    """Operation intervals per process and the linearization points."""
    found = dict(
        zip(order, linearization_points(history, order, where="middle"), strict=True)
    )
    end = max(op.ret for op in history if not op.pending) + 1.5
    for i, op in enumerate(history):
        right = end if op.pending else op.ret
        ax.plot(
            [op.call, right],
            [op.process] * 2,
            lw=6,
            alpha=0.35,
            solid_capstyle="butt",
            color="C0" if not op.pending else "C7",
        )
        ax.text(
            (op.call + right) / 2,
            op.process + 0.18,
            f"#{i} {op.describe()[3:]}",
            ha="center",
            fontsize=8,
        )
        if i in found:
            ax.plot(found[i], op.process, "o", color="C3")
    ax.set_yticks(sorted({op.process for op in history}))
    ax.set_yticklabels([f"client {p}" for p in sorted({op.process for op in history})])
    ax.set_ylim(-0.6, max(op.process for op in history) + 0.7)
    ax.invert_yaxis()
    ax.set_xlabel("time")


fig, ax = plt.subplots(figsize=(7, 3))
draw_history(ax, history, result.order)
ax.set_title("intervals (grey: never returned) and linearization points (red)")
plt.show()

# %% [markdown]
# ## The Jepsen etcd histories
#
# Each log records five clients hammering one etcd key with reads, writes and
# compare-and-sets while Jepsen injected network partitions. `verdicts.txt` holds the
# published answers.

# %%
expected = dict(
    line.split()
    for line in datasets.path("jepsen/verdicts.txt").read_text().splitlines()
)
print(
    f"{'log':>8} {'ops':>4} {'pending':>7} "
    f"{'expected':>8} {'computed':>8} {'states':>6}"
)
for num in range(12):
    h = parse_jepsen_log(datasets.path(f"jepsen/etcd_{num:03d}.log"))
    r = check_linearizability(h)
    print(
        f"{num:>8} {len(h):>4} {sum(op.pending for op in h):>7} {expected[str(num)]:>8}"
        f" {str(r.linearizable).lower():>8} {r.states_explored:>6}"
    )

# %%
h = parse_jepsen_log(datasets.path("jepsen/etcd_000.log"))
r = check_linearizability(h)
print(f"longest linearizable prefix: {len(r.longest_prefix)} operations")
for i in r.unplaceable:
    print(
        f"  cannot be placed: #{i} {h[i].describe()} "
        f"(lines {h[i].call:.0f}-{h[i].ret:.0f})"
    )

# %% [markdown]
# ## Weaker models: a dashboard after ingest
#
# Client 0 is a pipeline that writes a dashboard's data; client 1 is the user's browser.
# The browser reads the new value and then, from a lagging replica, the old one. Without
# the store's version order, each session guarantee alone can be met by *some* order of
# the two writes, but not all at once; given the order (v1 before v2), monotonic reads
# fails outright.

# %%
dash = History(
    [
        Operation(0, "write", 0, 1, key="cpu", value="v1"),
        Operation(0, "write", 2, 3, key="cpu", value="v2"),
        Operation(1, "read", 4, 5, key="cpu", value="v2"),
        Operation(1, "read", 6, 7, key="cpu", value="v1"),
        Operation(0, "read", 8, 9, key="cpu", value="v2"),
    ]
)
print("linearizable:", check_linearizability(dash, "kv").linearizable)
print("sequentially consistent:", check_sequential_consistency(dash, "kv").consistent)
report = check_session_guarantees(dash)
print(dict(report.holds), "jointly:", report.all_hold)
for v in report.violations:
    print(" ", v.guarantee, v.operations, v.reason)
report = check_session_guarantees(dash, arbitration=[0, 1])
print(dict(report.holds))
for v in report.violations:
    print(" ", v.guarantee, v.operations, v.reason)
