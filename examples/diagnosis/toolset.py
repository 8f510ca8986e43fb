# %% [markdown]
# # Diagnostic toolset (诊断工具集)
#
# Companion script of chapter 5.4: write a small file-exporter archive of generated
# traces with known defects (lost spans, a skewed clock, a duplicated export),
# inspect it in bounded memory, and export its spans to Parquet for DuckDB.

# %%
import gzip
import random
import tempfile
from pathlib import Path

import duckdb

from otlpkb.diagnosis.inspect import inspect_traces, otlp_json_lines, write_parquet
from otlpkb.diagnosis.scenarios import make_scenario
from otlpkb.tracing.causality.clock_skew import inject_clock_skew

# %% [markdown]
# ## An archive with known defects

# %%
rng = random.Random(7)
spans = []
for seed in range(6):
    s = make_scenario(seed, n_traces=40)
    spans += s.baseline + s.anomalous
kept = [x for x in spans if x.parent_span_id == "" or rng.random() > 0.02]  # lose 2 %
kept = inject_clock_skew(kept, "cart", -5_000_000)  # cart's clock runs 5 ms behind
kept += kept[:50]  # one export delivered twice (a retry after a lost response)
lost = len(spans) - (len(kept) - 50)
tmp = Path(tempfile.mkdtemp())
with gzip.open(tmp / "traces.json.gz", "wt") as f:
    for line in otlp_json_lines(kept, per_line=500):
        f.write(line + "\n")
print(f"{len(kept)} spans written, {lost} lost on purpose, 50 duplicated")

# %% [markdown]
# ## What `otlpkb inspect` reports

# %%
for window in (200, 200_000):  # spans held in open traces
    r = inspect_traces([tmp], window=window)
    print(
        f"window {window:>7}: spans {r.spans}, traces {r.traces}, orphans {r.orphans}, "
        f"duplicates {r.duplicate_spans}, skewed {r.skewed_spans}, "
        f"split {r.split_traces}"
    )
for s in r.services[:5]:
    print(f"  {s.service:14} {s.spans:6} spans  {s.error_rate:6.2%} errors")
for o in r.operations[:3]:
    op = f"{o.service}: {o.operation}"
    print(f"  {op:32} p50 {o.p50_ms:7.2f}  p99 {o.p99_ms:7.2f} ms")

# %% [markdown]
# ## Parquet, queried with DuckDB

# %%
n = write_parquet([tmp], tmp / "spans.parquet")
rows = duckdb.sql(
    f"SELECT service_name, count(*) AS spans, "
    f"round(quantile_cont(duration_nano / 1e6, 0.99), 2) AS p99_ms "
    f"FROM '{tmp / 'spans.parquet'}' GROUP BY 1 ORDER BY p99_ms DESC LIMIT 4"
).fetchall()
print(f"{n} spans in Parquet; slowest services by p99:", rows)
