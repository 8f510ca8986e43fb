# %% [markdown]
# # Data recovery (数据恢复)
#
# Companion script of chapter 9.3: a pipeline stage with a persistent queue is killed
# (SIGKILL, real processes, real files) at chosen steps and restarted; the audit shows
# every acknowledged item stored once. Then gaps in received telemetry are found and
# filled from the source's own persistent queue.

# %%
import tempfile
from pathlib import Path

from otlpkb.incident.replay import (
    DedupSink,
    PersistentQueue,
    backfill,
    crash_and_recover,
    find_gaps,
    find_time_gaps,
)

# %% [markdown]
# ## Three crashes, then a clean run

# %%
work = Path(tempfile.mkdtemp())
report = crash_and_recover(work / "crash", items=24, crash_points=[3, 10, 21], batch=4)
a = report.audit
print(
    f"crashes {report.crashes}; acknowledged {a.acknowledged}, stored {a.stored}, "
    f"lost {a.lost}, stored twice {a.stored_twice}, "
    f"duplicates refused {a.duplicates_refused}"
)

# %% [markdown]
# ## A gap in received data, filled from the source's persistent queue

# %%
source = PersistentQueue(work / "source")
for i in range(50):
    source.put(f"svc:{i}".encode())
buffered = {int(p.decode().split(":")[1]): p for _, p in source.pending()}
received = [("svc", i) for i in range(50) if not 20 <= i < 32]  # 12 lost in transit
gaps = find_gaps(received)
sink = DedupSink(work / "backend.jsonl")
filled, lost = backfill(gaps, lambda s, n: buffered.get(n), sink)
print("gaps", gaps, "filled", filled, "unrecoverable", lost)
source.close()

# %% [markdown]
# ## Silences in a 10-second metric stream

# %%
times = [10.0 * k for k in range(30) if not 12 <= k < 20]
print("silences", find_time_gaps(times, interval=10.0))
