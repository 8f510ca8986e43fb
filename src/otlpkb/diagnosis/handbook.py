"""A handbook of Collector problems, each with symptoms a program can check.

Every `Problem` of `HANDBOOK` is one that Collector operators report in the Collector's
issue tracker or that its documentation warns about. Its *symptoms* are predicates:
`Condition` objects on the indicators of `otlpkb.diagnosis.telemetry` (all must hold)
and regular expressions on the Collector's log lines (one must match). A problem with
both needs both. Each entry also carries the cause, the fix, the configuration change
(YAML, with the defaults it departs from) and its source. `match` checks every entry
against snapshots and log lines and returns the problems whose symptoms are present,
with the evidence.

The chapter's page is generated from `HANDBOOK`, grouped by `Problem.symptom`, so the
page and the predicates cannot disagree.

See the chapter *Common problems handbook* (5.3).

Examples:
    >>> from otlpkb.diagnosis.telemetry import parse_exposition
    >>> snap = parse_exposition('''
    ... otelcol_receiver_accepted_spans 1000
    ... otelcol_exporter_sent_spans{exporter="otlp"} 600
    ... otelcol_exporter_enqueue_failed_spans{exporter="otlp"} 400
    ... ''')
    >>> [m.problem.id for m in match(HANDBOOK, [snap])]
    ['queue_full']
    >>> [m.problem.id for m in match(HANDBOOK, [], logs=["... sending queue is full"])]
    ['queue_full_log']
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from otlpkb.diagnosis.decision_tree import OPERATORS, Op
from otlpkb.diagnosis.telemetry import INDICATORS, Snapshot, indicators

__all__ = ["HANDBOOK", "SYMPTOMS", "Condition", "Match", "Problem", "match"]

SYMPTOMS: tuple[str, ...] = (
    "Data is dropped",
    "Exports fail",
    "Memory and refusals",
    "Slow pipeline and backlog",
    "Nothing arrives or nothing shows",
)
"""The symptom groups of the handbook, in the page's order."""


@dataclass(frozen=True)
class Condition:
    """A predicate on one indicator: ``indicator op threshold``.

    An unknown indicator (NaN) makes the condition false.
    """

    indicator: str
    op: Op
    threshold: float

    def holds(self, value: float) -> bool:
        """Whether ``value`` satisfies the condition."""
        return not math.isnan(value) and OPERATORS[self.op](value, self.threshold)


@dataclass(frozen=True)
class Problem:
    """One entry of the handbook.

    Attributes:
        id: a short id.
        title: the problem in a few words.
        symptom: its group (one of `SYMPTOMS`).
        conditions: predicates on indicators; all must hold.
        logs: regular expressions on log lines; one must match (if any are given).
        cause: why it happens.
        fix: what to do.
        config: the configuration change, YAML.
        source: the issue or documentation page it comes from.
    """

    id: str
    title: str
    symptom: str
    conditions: tuple[Condition, ...]
    logs: tuple[str, ...]
    cause: str
    fix: str
    config: str
    source: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", self.config.strip("\n"))
        if self.symptom not in SYMPTOMS:
            raise ValueError(f"{self.id}: symptom must be one of {SYMPTOMS}")
        if not self.conditions and not self.logs:
            raise ValueError(f"{self.id}: a problem needs a condition or a log pattern")
        for c in self.conditions:
            if c.indicator not in INDICATORS or c.op not in OPERATORS:
                raise ValueError(f"{self.id}: bad condition {c}")
        for pattern in self.logs:
            re.compile(pattern)

    @cached_property
    def _regex(self) -> re.Pattern[str] | None:
        return re.compile("|".join(f"(?:{p})" for p in self.logs)) if self.logs else None


@dataclass(frozen=True)
class Match:
    """A problem whose symptoms are present, with the evidence.

    Attributes:
        problem: the entry.
        values: the value of each condition's indicator.
        log_lines: the log lines that matched (at most five).
    """

    problem: Problem
    values: tuple[float, ...]
    log_lines: tuple[str, ...]


def match(
    problems: Iterable[Problem],
    snapshots: Sequence[Snapshot] | Snapshot,
    *,
    logs: Iterable[str] = (),
) -> list[Match]:
    """The problems whose symptoms the snapshots and log lines show, in handbook order.

    Args:
        problems: the entries to check (`HANDBOOK`).
        snapshots: a `Snapshot` or a time-ordered series; may be empty when only logs
            are checked (every condition is then false).
        logs: the Collector's log lines.
    """
    snaps = [snapshots] if isinstance(snapshots, Snapshot) else list(snapshots)
    values = indicators(snaps) if snaps else dict.fromkeys(INDICATORS, math.nan)
    lines = [str(line) for line in logs]
    found = []
    for p in problems:
        # --8<-- [start:match]
        observed = tuple(values[c.indicator] for c in p.conditions)
        if not all(c.holds(v) for c, v in zip(p.conditions, observed, strict=True)):
            continue
        hits = [line for line in lines if p._regex and p._regex.search(line)]
        if p.logs and not hits:
            continue
        found.append(Match(p, observed, tuple(hits[:5])))
        # --8<-- [end:match]
    return found


HANDBOOK: tuple[Problem, ...] = (
    Problem(
        "queue_full",
        "Sending queue full",
        "Data is dropped",
        (Condition("exporter_enqueue_failed_ratio", ">", 0.0),),
        (),
        "The exporter's sending queue is at its capacity, so new batches are refused and "
        "dropped before they reach the retry logic (behind a batch processor the error "
        "stops there). The queue fills when the back end is slower than the load or "
        "unreachable, or when bursts exceed a small queue.",
        "Find out why the queue does not drain (see the decision tree of chapter 5.1); "
        "size the queue for the longest outage you want to ride out; add consumers if "
        "the back end has spare capacity.",
        """
exporters:
  otlp:
    sending_queue:
      queue_size: 5000      # default 1000 (batches, sizer: requests)
      num_consumers: 20     # default 10
""",
        "exporter/exporterhelper README (sending_queue, failure behavior); "
        "opentelemetry-collector-contrib #9009",
    ),
    Problem(
        "queue_full_log",
        "Queue full, seen in the log",
        "Data is dropped",
        (),
        (r"sending queue is full", r"Dropping data because sending_queue is full"),
        "The same overflow as *Sending queue full*, in the log: newer Collectors return "
        "'sending queue is full' to the caller, older ones logged 'Dropping data because "
        "sending_queue is full'.",
        "As for *Sending queue full*; the log line names the exporter.",
        """
exporters:
  otlp:
    sending_queue:
      queue_size: 5000
""",
        "opentelemetry.io docs/collector/internal-telemetry (monitoring); "
        "exporter/exporterhelper queue_sender.go (ErrQueueIsFull)",
    ),
    Problem(
        "retries_exhausted",
        "Retries exhausted, data dropped",
        "Data is dropped",
        (),
        (r"no more retries left", r"Exporting failed\. Dropping data"),
        "retry_on_failure gave up: the next retry would have started after "
        "max_elapsed_time (300 s by default) or after the request's deadline, and the "
        "items are counted in otelcol_exporter_send_failed_*.",
        "Fix the back end first; a longer max_elapsed_time and a persistent queue ride "
        "out longer outages at the cost of memory or disk.",
        """
exporters:
  otlp:
    retry_on_failure:
      max_elapsed_time: 900s   # default 300s; 0 retries forever
    sending_queue:
      storage: file_storage    # survive restarts during the outage
""",
        "opentelemetry-collector #12451; config/configretry",
    ),
    Problem(
        "processor_drops",
        "A processor drops data",
        "Data is dropped",
        (Condition("processor_dropped_ratio", ">", 0.05),),
        (),
        "A processor emits fewer items than it receives: a filter, a sampler or a "
        "transform that drops, by design or by a too-broad rule.",
        "Check which processor (the `processor` label) and whether the drop is intended; "
        "for samplers the ratio is the sampling rate.",
        """
processors:
  filter/drop-health:
    error_mode: ignore
    traces:
      span:
        - 'attributes["http.route"] == "/healthz"'   # keep the rule narrow
""",
        "processor/processorhelper documentation.md (incoming_items, outgoing_items); "
        "docs/monitoring.md (data loss), removed in opentelemetry-collector #11483",
    ),
    Problem(
        "partial_success",
        "The back end accepted only part of a request",
        "Data is dropped",
        (),
        (r"Partial success response", r"partial success"),
        "The back end answered with partial_success and rejected some items; the client "
        "must not retry, and the Collector only logs it (the items count as sent).",
        "Read rejected_spans / error_message in the log line: usually invalid data "
        "(bad timestamps, too many attributes) that the back end refuses.",
        """
processors:
  transform/limit:
    trace_statements:
      - limit(span.attributes, 100, [])   # stay under the back end's attribute limit
""",
        "opentelemetry-proto docs/specification.md (partial success); "
        "exporter/otlphttpexporter otlp.go",
    ),
    Problem(
        "request_too_large",
        "Batches larger than the back end accepts",
        "Exports fail",
        (),
        (r"larger than max", r"\b413\b", r"Request Entity Too Large", r"Content Too Large"),
        "A batch exceeds the receiving side's message limit (4 MiB by default in gRPC "
        "servers; HTTP 413 from OTLP/HTTP): a permanent error, so the whole batch is "
        "dropped without retry.",
        "Bound the batch: send_batch_max_size on the batch processor (or "
        "sending_queue.batch.max_size), or raise the server's limit "
        "(max_recv_msg_size_mib on a receiving Collector).",
        """
processors:
  batch:
    send_batch_size: 8192
    send_batch_max_size: 8192   # default 0: unbounded
receivers:
  otlp:
    protocols:
      grpc:
        max_recv_msg_size_mib: 16   # on the receiving Collector; grpc-go default 4
""",
        "opentelemetry-collector #6046, #12219, #11746",
    ),
    Problem(
        "auth_failure",
        "The back end rejects the credentials",
        "Exports fail",
        (),
        (r"Unauthenticated", r"PermissionDenied", r"\b401\b", r"\b403\b"),
        "The back end refuses the request's credentials; both codes are permanent errors, "
        "so every batch fails without retry.",
        "Check the exporter's headers or auth extension and the token's scope and expiry.",
        """
exporters:
  otlphttp:
    endpoint: https://otlp.example.com
    headers:
      authorization: "Bearer ${env:OTLP_TOKEN}"
""",
        "exporter/otlpexporter otlp.go (shouldRetry); receiver/otlpreceiver errors.go",
    ),
    Problem(
        "backend_unreachable",
        "Back end down or unreachable",
        "Exports fail",
        (Condition("exporter_sent_fraction", "<", 0.05), Condition("queue_fill", ">", 0.8)),
        (),
        "Almost nothing is delivered while the queue is full: every attempt fails with a "
        "retryable error (connection refused, DNS, TLS handshake, Unavailable) and the "
        "consumers sit out their backoff.",
        "Check the exporter's endpoint, DNS and TLS from the Collector's host; the log "
        "line 'Exporting failed. Will retry the request after interval.' carries the "
        "error.",
        """
exporters:
  otlp:
    endpoint: backend.observability.svc:4317
    tls:
      insecure: false
""",
        "opentelemetry.io docs/collector/troubleshooting",
    ),
    Problem(
        "failing_without_backlog",
        "Exports fail without a backlog",
        "Exports fail",
        (Condition("exporter_send_failed_ratio", ">", 0.01), Condition("queue_fill", "<", 0.1)),
        (),
        "Exports fail while the queue stays empty, so the failures are not retried: "
        "permanent errors (HTTP 400/413, gRPC InvalidArgument, ResourceExhausted without "
        "RetryInfo), such as batches above the back end's size limit or data it rejects.",
        "Read the exporter's error log for the status code; cap the batch size below the "
        "back end's limit if it is a size error.",
        """
processors:
  batch:
    send_batch_max_size: 4096   # below the back end's request limit
""",
        "exporter/otlpexporter otlp.go (shouldRetry); opentelemetry-collector #6046",
    ),
    Problem(
        "throttled",
        "The back end throttles",
        "Exports fail",
        (),
        (r"\b429\b", r"Too Many Requests", r"RESOURCE_EXHAUSTED", r"ResourceExhausted"),
        "The back end answers 429 (HTTP) or RESOURCE_EXHAUSTED with RetryInfo (gRPC); "
        "the exporter waits at least the server's delay before retrying, so throughput "
        "drops to what the back end grants.",
        "Raise the back end's quota or lower the volume (sampling, filtering); the "
        "queue must be large enough to hold the difference meanwhile.",
        """
exporters:
  otlp:
    retry_on_failure:
      initial_interval: 5s   # the server's Retry-After is a floor on the backoff
      max_interval: 30s
""",
        "opentelemetry-proto docs/specification.md (throttling); "
        "exporter/otlphttpexporter otlp.go (Retry-After)",
    ),
    Problem(
        "deadline_exceeded",
        "Exports time out",
        "Exports fail",
        (),
        (r"context deadline exceeded", r"DeadlineExceeded"),
        "An attempt took longer than the exporter's timeout (5 s by default) or than the "
        "deadline the upstream request carried; in a chain of Collectors a short "
        "deadline upstream cuts every hop below it.",
        "Raise the exporter's timeout if the back end is merely slow, and check the "
        "upstream client's timeout in gateway chains.",
        """
exporters:
  otlp:
    timeout: 30s   # exporterhelper default 5s
""",
        "opentelemetry-collector #11183; exporter/exporterhelper timeout_sender.go",
    ),
    Problem(
        "memory_limiter_refusing",
        "Memory limiter refusing data",
        "Memory and refusals",
        (Condition("memory_limiter_refused_ratio", ">", 0.01),),
        (),
        "Memory is above the soft limit (limit_mib - spike_limit_mib); the memory "
        "limiter refuses data with a retryable error until the heap falls below it.",
        "Find what holds the memory (usually a queue behind a slow back end) and fix "
        "that; then give the Collector more memory or more replicas.",
        """
processors:
  memory_limiter:
    check_interval: 1s
    limit_percentage: 80
    spike_limit_percentage: 20
""",
        "processor/memorylimiterprocessor README",
    ),
    Problem(
        "soft_limit_too_low",
        "Refusing data far below the memory limit",
        "Memory and refusals",
        (),
        (r"Memory usage is above soft limit\. Refusing data",),
        "The soft limit is limit_mib - spike_limit_mib; a spike limit close to the limit "
        "leaves a soft limit far below it (900 and 650 MiB give 250 MiB), so the limiter "
        "refuses at a modest heap.",
        "Keep spike_limit_mib at about 20 % of limit_mib (the default when unset).",
        """
processors:
  memory_limiter:
    check_interval: 1s
    limit_mib: 900
    spike_limit_mib: 180    # soft limit 720 MiB; 650 gave 250 MiB
""",
        "opentelemetry-collector #9043",
    ),
    Problem(
        "hard_limit_gc",
        "Memory above the hard limit, forced garbage collection",
        "Memory and refusals",
        (),
        (r"Memory usage is above hard limit\. Forcing a GC",),
        "The heap reached limit_mib; the limiter forces a GC, which costs CPU and, if "
        "the memory is live, frees little.",
        "Lower what the pipeline holds (queue_size, batch sizes) or raise the limit; set "
        "GOMEMLIMIT to about 80 % of the hard limit so the Go runtime collects earlier.",
        """
processors:
  memory_limiter:
    limit_mib: 1600
# and in the container: GOMEMLIMIT=1280MiB
""",
        "processor/memorylimiterprocessor README and memorylimiter.go; "
        "opentelemetry-collector #4981",
    ),
    Problem(
        "queue_exceeds_memory",
        "A queue that does not fit in memory",
        "Memory and refusals",
        (Condition("queue_fill", ">", 0.5), Condition("memory_limiter_refused_ratio", ">", 0.01)),
        (),
        "The queue holds enough to push memory past the limiter's soft limit: the "
        "queue's capacity (batches times batch size times bytes per item) is larger "
        "than the memory the Collector has.",
        "Size queue_size so that a full queue fits under the soft limit, or use a "
        "persistent queue, which keeps the backlog on disk.",
        """
exporters:
  otlp:
    sending_queue:
      queue_size: 500             # full queue x batch bytes < soft limit
      storage: file_storage       # or keep it on disk
""",
        "opentelemetry.io docs/collector/troubleshooting; opentelemetry-collector #8694",
    ),
    Problem(
        "no_memory_limiter",
        "No memory limiter, large heap",
        "Memory and refusals",
        (
            Condition("memory_limiter_present", "<", 0.5),
            Condition("memory_rss_bytes", ">", 2.0**30),
        ),
        (),
        "Without a memory_limiter nothing stops the heap from growing under load until "
        "the container is OOM-killed, and every item in flight is lost.",
        "Add memory_limiter as the first processor of every pipeline.",
        """
processors:
  memory_limiter:
    check_interval: 1s
    limit_percentage: 80
    spike_limit_percentage: 20
service:
  pipelines:
    traces:
      processors: [memory_limiter, batch]   # first
""",
        "processor/memorylimiterprocessor README (best practices); "
        "opentelemetry.io docs/collector/troubleshooting",
    ),
    Problem(
        "receiver_backpressure",
        "Receivers refuse without memory pressure",
        "Memory and refusals",
        (
            Condition("receiver_refused_ratio", ">", 0.01),
            Condition("exporter_enqueue_failed_ratio", ">", 0.0),
        ),
        (),
        "The error of a full queue travels back through the pipeline to the receiver "
        "when no batch processor is in front of the exporter; clients see 503 or "
        "Unavailable and must retry.",
        "Add capacity downstream (consumers, back end, replicas) or a batch processor; "
        "make sure clients retry.",
        """
processors:
  batch: {}
service:
  pipelines:
    traces:
      processors: [memory_limiter, batch]
""",
        "opentelemetry.io docs/collector/internal-telemetry (receiver refused); "
        "receiver/otlpreceiver errors.go",
    ),
    Problem(
        "scrape_commit_failed",
        "Prometheus receiver: scrape commit failed",
        "Memory and refusals",
        (),
        (r"Scrape commit failed",),
        "The prometheus receiver could not hand a scrape to the pipeline, typically "
        "because the memory limiter refused it ('data refused due to high memory "
        "usage'); that scrape's samples are lost.",
        "Relieve the memory pressure (see *Memory limiter refusing data*) or shard "
        "the scrape targets across Collectors.",
        """
receivers:
  prometheus:
    config:
      scrape_configs:
        - job_name: app
          scrape_interval: 30s   # fewer, larger gaps instead of lost scrapes
""",
        "opentelemetry-collector #8217",
    ),
    Problem(
        "queue_filling",
        "Sending queue filling",
        "Slow pipeline and backlog",
        (Condition("queue_fill", ">", 0.6),),
        (),
        "The queue is above 60 % of its capacity: the back end is falling behind and the "
        "queue will overflow if the load holds.",
        "Scale out at 60-70 % fill (the documentation's rule) unless the back end is the "
        "bottleneck.",
        """
exporters:
  otlp:
    sending_queue:
      num_consumers: 20
""",
        "opentelemetry.io docs/collector/scaling",
    ),
    Problem(
        "backend_bottleneck",
        "The back end is the bottleneck: scaling out will not help",
        "Slow pipeline and backlog",
        (Condition("queue_fill_min", ">=", 0.8), Condition("exporter_sent_fraction", ">=", 0.05)),
        (),
        "The queue is full at every scrape while exports still succeed: the back end "
        "takes data at a fixed rate; more Collectors only add more queues.",
        "Scale the back end or reduce the volume (sampling); more consumers help only if "
        "the back end serves requests in parallel.",
        """
processors:
  probabilistic_sampler:
    sampling_percentage: 25
""",
        "opentelemetry.io docs/collector/scaling (when not to scale)",
    ),
    Problem(
        "small_batches",
        "Every batch waits for the timeout",
        "Slow pipeline and backlog",
        (
            Condition("batch_timeout_share", ">", 0.95),
            Condition("receiver_accepted_rate", ">", 5000.0),
        ),
        (),
        "send_batch_size is never reached within the timeout, so every batch waits the "
        "full timeout and is smaller than configured: latency without the batching "
        "benefit.",
        "Lower send_batch_size to what arrives in one timeout, or accept the latency.",
        """
processors:
  batch:
    send_batch_size: 1024   # default 8192; a trigger, not a limit
    timeout: 200ms
""",
        "processor/batchprocessor README (send_batch_size acts as a trigger)",
    ),
    Problem(
        "out_of_order",
        "Remote write rejects out-of-order samples",
        "Slow pipeline and backlog",
        (),
        (r"out of order sample", r"duplicate sample for timestamp"),
        "Prometheus rejects samples older than the newest one of a series: several "
        "Collectors write the same series, or retries arrive late.",
        "Make series unique per Collector (an instance label) and keep one writer per series.",
        """
exporters:
  prometheusremotewrite:
    external_labels:
      collector: ${env:HOSTNAME}
""",
        "opentelemetry-collector #2315; opentelemetry-collector-contrib #11438",
    ),
    Problem(
        "cardinality_overflow",
        "Cardinality limit reached",
        "Slow pipeline and backlog",
        (),
        (r"otel\.metric\.overflow", r"cardinality limit"),
        "A metrics connector (spanmetrics) created more series than its limit; the excess "
        "goes into an overflow series, and without a limit memory grows until OOM.",
        "Drop high-cardinality dimensions and set aggregation_cardinality_limit.",
        """
connectors:
  spanmetrics:
    aggregation_cardinality_limit: 5000
    dimensions:
      - name: http.route     # never a raw URL or an id
""",
        "opentelemetry-collector-contrib #38990, #21290",
    ),
    Problem(
        "no_data",
        "No data arriving",
        "Nothing arrives or nothing shows",
        (Condition("offered_items", "<=", 0.0),),
        (),
        "No receiver accepted or refused anything: clients do not reach the Collector. "
        "The otlp receiver listens on localhost:4317 and localhost:4318 by default, out "
        "of reach of other hosts and pods.",
        "Listen on the pod's address and check the clients' OTEL_EXPORTER_OTLP_ENDPOINT.",
        """
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 0.0.0.0:4317   # default localhost:4317
      http:
        endpoint: 0.0.0.0:4318
""",
        "receiver/otlpreceiver factory.go; opentelemetry.io docs/collector/troubleshooting",
    ),
    Problem(
        "renamed_metrics",
        "Dashboards empty after an upgrade: renamed metrics",
        "Nothing arrives or nothing shows",
        (Condition("legacy_metric_names", ">", 0.5),),
        (),
        "This Collector reports the memory limiter under the names deprecated in "
        "v0.110.0 (otelcol_processor_refused_spans with a processor label); dashboards "
        "and alerts written for the new names (otelcol_processor_memory_limiter_*) show "
        "nothing, and the reverse after an upgrade.",
        "Query both names during the migration, or normalise them (otlpkb does).",
        """
# PromQL over both names
sum(rate(otelcol_processor_memory_limiter_refused_spans[5m]))
  or sum(rate(otelcol_processor_refused_spans{processor=~"memory_limiter.*"}[5m]))
""",
        "processor/memorylimiterprocessor documentation.md (Deprecated since 0.110.0)",
    ),
)
"""The handbook: problems Collector operators report, with checkable symptoms."""
