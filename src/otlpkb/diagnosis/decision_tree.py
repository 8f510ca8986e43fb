"""A diagnosis decision tree over a Collector's own metrics, kept as data.

The tree is a mapping of node ids to `Question` nodes (an indicator of
`otlpkb.diagnosis.telemetry.INDICATORS`, a comparison, a threshold, and the ids to go to
on yes and no) and `Finding` leaves (what is wrong, why, what to change). `evaluate`
walks it over one snapshot or a time-ordered series of snapshots and returns a
`Diagnosis`: the ``path`` taken, with the evidence at each node (``metric``, ``value``,
``threshold``), and the ``finding``. `to_mermaid` draws the same data as a mermaid
flowchart, so the picture in the chapter cannot drift from the code, and highlights a
diagnosis's path.

An indicator that the snapshots cannot give (its metrics are absent, or a rate without a
clock) answers *no*, and the step records ``value=None``: a tree must still reach a leaf
on a Collector with part of its telemetry switched off.

`DEFAULT_TREE` encodes the order an operator checks a Collector in: is data arriving;
is it refused at the door (by the memory limiter, or by back-pressure from a full
queue); is the sending queue overflowing, persistently (the back end is slow or down) or
in bursts (the queue is too small); are exports failing without the queue filling
(permanent rejections, such as a batch larger than the back end accepts); is the queue
filling. Its thresholds follow the Collector's documentation where it gives one (scale
out at 60–70 % queue fill) and are otherwise stated in the leaves.

See the chapter *Diagnosis decision tree* (5.1).

Examples:
    >>> from otlpkb.diagnosis.telemetry import parse_exposition
    >>> snap = parse_exposition('''
    ... otelcol_receiver_accepted_spans{receiver="otlp"} 5000
    ... otelcol_receiver_refused_spans{receiver="otlp"} 0
    ... otelcol_exporter_sent_spans{exporter="otlp"} 2000
    ... otelcol_exporter_send_failed_spans{exporter="otlp"} 0
    ... otelcol_exporter_enqueue_failed_spans{exporter="otlp"} 3000
    ... otelcol_exporter_queue_size{exporter="otlp"} 1000
    ... otelcol_exporter_queue_capacity{exporter="otlp"} 1000
    ... ''')
    >>> d = evaluate(DEFAULT_TREE, [snap])
    >>> d.finding.id
    'backend_slow'
    >>> [(s.node, s.answer) for s in d.path][:3]
    [('traffic', True), ('refused', False), ('enqueue_failed', True)]
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from otlpkb.diagnosis.telemetry import INDICATORS, Snapshot, indicators

__all__ = [
    "DEFAULT_TREE",
    "OPERATORS",
    "DecisionTree",
    "Diagnosis",
    "Finding",
    "Question",
    "Step",
    "evaluate",
    "to_mermaid",
]

Op = Literal[">", ">=", "<", "<="]
OPERATORS: Mapping[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
"""The comparisons a `Question` may use."""


@dataclass(frozen=True)
class Question:
    """An inner node: is ``metric`` ``op`` ``threshold``?

    Attributes:
        id: the node's id.
        text: the question in words.
        metric: an indicator name (`otlpkb.diagnosis.telemetry.INDICATORS`).
        op: ``">"``, ``">="``, ``"<"`` or ``"<="``.
        threshold: the value compared against.
        yes: the id of the node on *yes*.
        no: the id of the node on *no* (also taken when the indicator is unavailable).
    """

    id: str
    text: str
    metric: str
    op: Op
    threshold: float
    yes: str
    no: str


@dataclass(frozen=True)
class Finding:
    """A leaf: a diagnosis.

    Attributes:
        id: the leaf's id.
        title: the finding in a few words.
        severity: ``"ok"``, ``"warning"`` or ``"critical"``.
        cause: why the metrics look like this.
        fix: what to change (configuration with its keys).
        source: the documentation or issue the finding rests on.
    """

    id: str
    title: str
    severity: Literal["ok", "warning", "critical"]
    cause: str
    fix: str
    source: str


@dataclass(frozen=True)
class DecisionTree:
    """Nodes by id and the id of the root.

    Raises:
        ValueError: a dangling child id, an unknown indicator or operator, a node
            reachable twice on one path (a cycle), or a node not reachable from the root.
    """

    root: str
    nodes: Mapping[str, Question | Finding]

    def __post_init__(self) -> None:
        if self.root not in self.nodes:
            raise ValueError(f"root {self.root!r} is not a node id")
        for key, node in self.nodes.items():
            if node.id != key:
                raise ValueError(f"node {key!r} carries the id {node.id!r}")
            if isinstance(node, Question):
                if node.metric not in INDICATORS:
                    raise ValueError(f"node {key!r}: unknown indicator {node.metric!r}")
                if node.op not in OPERATORS:
                    raise ValueError(f"node {key!r}: op must be one of {list(OPERATORS)}")
                for child in (node.yes, node.no):
                    if child not in self.nodes:
                        raise ValueError(f"node {key!r} points at a missing node {child!r}")
            elif not isinstance(node, Finding):
                raise TypeError(f"node {key!r} is neither a Question nor a Finding")
        seen: set[str] = set()

        def walk(node_id: str, path: tuple[str, ...]) -> None:
            if node_id in path:
                raise ValueError(f"cycle through {node_id!r}: {' -> '.join(path)}")
            seen.add(node_id)
            node = self.nodes[node_id]
            if isinstance(node, Question):
                walk(node.yes, (*path, node_id))
                walk(node.no, (*path, node_id))

        walk(self.root, ())
        unreachable = sorted(set(self.nodes) - seen)
        if unreachable:
            raise ValueError(f"nodes not reachable from the root: {unreachable}")

    @property
    def findings(self) -> list[Finding]:
        """The leaves, in definition order."""
        return [n for n in self.nodes.values() if isinstance(n, Finding)]


@dataclass(frozen=True)
class Step:
    """The evidence at one node of a path.

    Attributes:
        node: the question's id.
        metric: the indicator tested.
        value: its value (``None`` when the snapshots cannot give it).
        op: the comparison.
        threshold: the threshold.
        answer: the branch taken (``False`` when ``value`` is ``None``).
    """

    node: str
    metric: str
    value: float | None
    op: str
    threshold: float
    answer: bool


@dataclass(frozen=True)
class Diagnosis:
    """The result of `evaluate`.

    Attributes:
        path: the questions asked, in order, with their evidence.
        finding: the leaf reached.
        indicators: every indicator computed from the snapshots.
    """

    path: tuple[Step, ...]
    finding: Finding
    indicators: Mapping[str, float]

    @property
    def healthy(self) -> bool:
        """The finding's severity is ``"ok"``."""
        return self.finding.severity == "ok"


def evaluate(tree: DecisionTree, snapshots: Sequence[Snapshot] | Snapshot) -> Diagnosis:
    """Walk ``tree`` over one snapshot or a time-ordered series of them.

    Args:
        tree: the tree (`DEFAULT_TREE`, or one of your own).
        snapshots: a `Snapshot`, or several in time order (rates and ratios then cover
            the interval from the first to the last).

    Returns:
        The path with its evidence, and the finding.

    Raises:
        TypeError: ``tree`` is not a `DecisionTree`.
        ValueError: as `otlpkb.diagnosis.telemetry.indicators`.
    """
    if not isinstance(tree, DecisionTree):
        raise TypeError(f"tree must be a DecisionTree, got {type(tree).__name__}")
    snaps = [snapshots] if isinstance(snapshots, Snapshot) else list(snapshots)
    values = indicators(snaps)
    path: list[Step] = []
    node = tree.nodes[tree.root]
    # --8<-- [start:walk]
    while isinstance(node, Question):
        value = values[node.metric]
        known = not math.isnan(value)
        answer = known and OPERATORS[node.op](value, node.threshold)
        evidence = value if known else None
        path.append(Step(node.id, node.metric, evidence, node.op, node.threshold, answer))
        node = tree.nodes[node.yes if answer else node.no]
    # --8<-- [end:walk]
    return Diagnosis(tuple(path), node, values)


def _label(text: str) -> str:
    return text.replace('"', "'")


def to_mermaid(tree: DecisionTree, diagnosis: Diagnosis | None = None) -> str:
    """The tree as a mermaid flowchart (top-down), with a diagnosis's path highlighted.

    Examples:
        >>> print(to_mermaid(DEFAULT_TREE).splitlines()[0])
        flowchart TD
    """
    lines = ["flowchart TD"]
    taken: set[tuple[str, str]] = set()
    if diagnosis is not None:
        ids = [s.node for s in diagnosis.path] + [diagnosis.finding.id]
        taken = set(itertools.pairwise(ids))
    edges = 0
    highlight = []
    # --8<-- [start:mermaid]
    for node in tree.nodes.values():
        if isinstance(node, Finding):
            lines.append(f'    {node.id}(["{_label(node.title)}"])')
            continue
        lines.append(
            f'    {node.id}{{"{_label(node.text)}<br/>{node.metric} {node.op} {node.threshold:g}"}}'
        )
        for label, child in (("yes", node.yes), ("no", node.no)):
            lines.append(f"    {node.id} -->|{label}| {child}")
            if (node.id, child) in taken:
                highlight.append(str(edges))
            edges += 1
    # --8<-- [end:mermaid]
    for leaf in tree.findings:
        lines.append(f"    class {leaf.id} {leaf.severity}")
    lines.append("    classDef ok fill:#e6f4ea,stroke:#1e8e3e")
    lines.append("    classDef warning fill:#fef7e0,stroke:#e37400")
    lines.append("    classDef critical fill:#fce8e6,stroke:#d93025")
    if highlight:
        lines.append(f"    linkStyle {','.join(highlight)} stroke-width:4px")
    return "\n".join(lines)


DEFAULT_TREE = DecisionTree(
    root="traffic",
    nodes={
        "traffic": Question(
            "traffic", "Is data arriving?", "offered_items", ">", 0, "refused", "no_data"
        ),
        "refused": Question(
            "refused",
            "Do receivers refuse data?",
            "receiver_refused_ratio",
            ">",
            0.01,
            "limiter",
            "enqueue_failed",
        ),
        "limiter": Question(
            "limiter",
            "Does the memory limiter refuse?",
            "memory_limiter_refused_ratio",
            ">",
            0.01,
            "memory_limit",
            "receiver_overload",
        ),
        "enqueue_failed": Question(
            "enqueue_failed",
            "Does the sending queue overflow?",
            "exporter_enqueue_failed_ratio",
            ">",
            0.001,
            "sustained",
            "send_failed",
        ),
        "sustained": Question(
            "sustained",
            "Is the queue full at every scrape?",
            "queue_fill_min",
            ">=",
            0.8,
            "delivering",
            "queue_too_small",
        ),
        "delivering": Question(
            "delivering",
            "Does anything reach the back end?",
            "exporter_sent_fraction",
            "<",
            0.05,
            "backend_down",
            "backend_slow",
        ),
        "send_failed": Question(
            "send_failed",
            "Do exports fail?",
            "exporter_send_failed_ratio",
            ">",
            0.01,
            "failing_backlog",
            "filling",
        ),
        "failing_backlog": Question(
            "failing_backlog",
            "Is the queue backing up?",
            "queue_fill",
            ">",
            0.1,
            "backend_down",
            "permanent_rejection",
        ),
        "filling": Question(
            "filling",
            "Is the queue filling?",
            "queue_fill",
            ">",
            0.6,
            "queue_filling",
            "healthy",
        ),
        "no_data": Finding(
            "no_data",
            "No data arriving",
            "warning",
            "No receiver accepted or refused an item: clients do not reach this Collector "
            "(endpoint, port, TLS, network policy) or the pipeline has no receiver.",
            "Check the clients' OTEL_EXPORTER_OTLP_ENDPOINT and the receiver's endpoint: "
            "the otlp receiver defaults to localhost:4317 (gRPC) and localhost:4318 "
            "(HTTP), which other hosts cannot reach.",
            "receiver/otlpreceiver/factory.go; opentelemetry.io docs/collector/troubleshooting",
        ),
        "memory_limit": Finding(
            "memory_limit",
            "Memory limit hit",
            "critical",
            "The memory_limiter is above its soft limit (limit_mib - spike_limit_mib) and "
            "refuses data; clients must retry or lose it. Usually the queue behind it holds "
            "too much because the back end is slow.",
            "Give the Collector more memory or lower what it holds: a smaller "
            "sending_queue.queue_size, a faster back end, more replicas; keep "
            "memory_limiter first in the pipeline and GOMEMLIMIT at about 80 % of the limit.",
            "processor/memorylimiterprocessor/README.md",
        ),
        "receiver_overload": Finding(
            "receiver_overload",
            "Back-pressure reaches the receivers",
            "critical",
            "Receivers refuse data while the memory limiter does not: an error from "
            "downstream (a full sending queue without a batch processor in front) "
            "travels back to the clients.",
            "Add capacity where the pipeline saturates: sending_queue.num_consumers, "
            "more Collector replicas, or a batch processor to cut per-request cost.",
            "opentelemetry.io docs/collector/internal-telemetry (monitoring section)",
        ),
        "queue_too_small": Finding(
            "queue_too_small",
            "Sending queue too small for bursts",
            "warning",
            "Items are dropped at the sending queue while it is not persistently full: "
            "bursts overflow a queue that the exporter otherwise keeps up with.",
            "Raise sending_queue.queue_size (default 1000 batches) to cover a burst, or "
            "smooth the load; watch otelcol_exporter_enqueue_failed_spans.",
            "exporter/exporterhelper/README.md (sending_queue)",
        ),
        "backend_slow": Finding(
            "backend_slow",
            "Back end slower than the load",
            "critical",
            "The queue stays full and overflows while exports still succeed: the back end "
            "(or the exporter's concurrency) cannot take the arrival rate.",
            "Scale the back end or raise sending_queue.num_consumers (default 10); adding "
            "Collectors does not help when the back end is the bottleneck.",
            "opentelemetry.io docs/collector/scaling (when not to scale)",
        ),
        "backend_down": Finding(
            "backend_down",
            "Back end down or unreachable",
            "critical",
            "Nothing (or little) is delivered, the queue is full and retries hold the "
            "consumers; send_failed grows once retry_on_failure.max_elapsed_time "
            "(default 300 s) runs out.",
            "Restore the back end; a persistent queue (sending_queue.storage) keeps the "
            "backlog across restarts; check the exporter's endpoint, TLS and credentials.",
            "opentelemetry.io docs/collector/internal-telemetry (monitoring section)",
        ),
        "permanent_rejection": Finding(
            "permanent_rejection",
            "Back end rejects requests permanently",
            "critical",
            "Exports fail without backing up the queue: the errors are not retryable "
            "(HTTP 400/413, gRPC InvalidArgument or ResourceExhausted without RetryInfo), "
            "for instance batches larger than the back end accepts.",
            "Cap batch size: batch.send_batch_max_size (or sending_queue.batch.max_size) "
            "below the back end's limit; check the exporter's error logs for the status.",
            "opentelemetry-collector issues #6046, #12219 (4 MiB gRPC limit)",
        ),
        "queue_filling": Finding(
            "queue_filling",
            "Sending queue filling",
            "warning",
            "The queue is above 60 % of its capacity without overflowing yet: the back end "
            "is falling behind.",
            "Scale out before it overflows (the documentation suggests at 60-70 % fill); "
            "check the back end's latency.",
            "opentelemetry.io docs/collector/scaling",
        ),
        "healthy": Finding(
            "healthy",
            "Healthy",
            "ok",
            "Data arrives, nothing is refused, dropped or failing, and the queue is short.",
            "Nothing to change.",
            "opentelemetry.io docs/collector/internal-telemetry (monitoring section)",
        ),
    },
)
"""The decision tree of the chapter."""
