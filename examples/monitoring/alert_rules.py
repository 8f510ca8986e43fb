# %% [markdown]
# # Alert rule design (告警规则设计)
#
# Companion script of chapter 8.1: the shipped alerts for an OpenTelemetry Collector as
# a Prometheus rule file, read back, and a linter run on a rule file with the usual
# mistakes.

# %%
from otlpkb.monitoring.rules import collector_rules, dump_rules, lint_rules, load_rules

# %% [markdown]
# ## The shipped rule set, written as the YAML Prometheus reads

# %%
runbook = "https://runbooks.example.com/otelcol"
group = collector_rules(job="otelcol", runbook_url=runbook)
text = dump_rules([group])
print(text.split("  - alert: OtelcolExporterEnqueueFailed")[0])
print(f"{len(group.rules)} alerts; read back identical: {load_rules(text) == [group]}")
print(f"findings on the shipped set: {len(lint_rules([group]))}")

# %% [markdown]
# ## A rule file with the usual mistakes

# %%
BAD = """\
groups:
- name: otelcol-draft
  rules:
  - alert: QueueGrowing
    expr: rate(otelcol_exporter_queue_size[1m]) > 0
    labels:
      severity: sev2
      value: "{{ $value }}"
  - alert: ExportErrors
    expr: sum(rate(otelcol_exporter_send_failed_spans_total[30s])) > 0
    for: 2h
    annotations:
      summary: export errors
  - record: spans_by_trace
    expr: sum by (trace_id) (rate(otelcol_receiver_accepted_spans_total[5m]))
"""
for f in lint_rules(load_rules(BAD, source="draft.yaml")):
    print(f"{f.severity:7} {f.rule:15} {f.check:22} {f.message}")
