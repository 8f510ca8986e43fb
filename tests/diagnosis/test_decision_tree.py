"""otlpkb.diagnosis.decision_tree: the tree, its walk and its drawing.

External checks:

* Prometheus's own query engine (``promtool test rules``, Debian package prometheus)
  evaluates the PromQL an operator would write for the tree's indicators
  (``increase()`` ratios, queue fill by exporter, its minimum over the window) over the
  same simulated scrapes, and must agree with `indicators`.
* The hand-written dumps in ``otlpkb/datasets/collector`` follow the Collector's
  documentation (names from its generated ``documentation.md`` files; symptoms from
  opentelemetry.io's internal-telemetry and scaling pages, issues #6046, #9043): each must
  reach the finding its source describes.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb import datasets
from otlpkb.diagnosis.decision_tree import (
    DEFAULT_TREE,
    OPERATORS,
    DecisionTree,
    Finding,
    Question,
    evaluate,
    to_mermaid,
)
from otlpkb.diagnosis.telemetry import INDICATORS, indicators, parse_exposition, read_snapshot
from otlpkb.sim.selfmetrics import FAULTS, simulate_fault

EXPECTED = {
    "healthy": "healthy",
    "slow_backend": "backend_slow",
    "backend_down": "backend_down",
    "queue_too_small": "queue_too_small",
    "memory_limit": "memory_limit",
    "receiver_overload": "receiver_overload",
    "batch_too_large": "permanent_rejection",
}


@pytest.mark.parametrize("fault", FAULTS)
def test_every_shipped_simulated_fault_is_found(fault) -> None:
    series = [
        read_snapshot(datasets.path(f"collector/sim/{fault}-t{t:03d}.prom")) for t in (30, 110)
    ]
    assert evaluate(DEFAULT_TREE, series).finding.id == EXPECTED[fault]
    assert evaluate(DEFAULT_TREE, series[-1]).finding.id == EXPECTED[fault]


@pytest.mark.parametrize("seed", range(1, 4))
@pytest.mark.parametrize("fault", FAULTS)
def test_other_seeds_and_the_suffixed_form_find_the_same(fault, seed) -> None:
    scrapes = simulate_fault(fault, until=90.0, seed=seed, suffixes=seed % 2 == 0)
    snaps = [parse_exposition(s) for s in scrapes]
    assert evaluate(DEFAULT_TREE, snaps[2:]).finding.id == EXPECTED[fault]


@pytest.mark.parametrize(
    ("name", "finding"),
    [
        ("builtin-healthy.prom", "healthy"),
        ("custom-reader-backend-down.prom", "backend_down"),
        ("v0.109-memory-limiter.prom", "memory_limit"),
        ("idle-no-data.prom", "no_data"),
        ("otlp-push-permanent-rejection.json", "permanent_rejection"),
    ],
)
def test_hand_written_dumps_reach_the_finding_their_source_describes(name, finding) -> None:
    d = evaluate(DEFAULT_TREE, read_snapshot(datasets.path(f"collector/{name}")))
    assert d.finding.id == finding
    assert d.healthy == (finding == "healthy")


def test_the_path_carries_the_evidence() -> None:
    d = evaluate(DEFAULT_TREE, read_snapshot(datasets.path("collector/v0.109-memory-limiter.prom")))
    assert [s.node for s in d.path] == ["traffic", "refused", "limiter"]
    refused = d.path[1]
    assert refused.metric == "receiver_refused_ratio" and refused.threshold == 0.01
    assert refused.value == pytest.approx(412077 / (2319000 + 412077))
    assert refused.answer is True and refused.op == ">"


def test_an_unavailable_indicator_answers_no_and_records_none() -> None:
    snap = parse_exposition(
        "otelcol_receiver_accepted_spans 10\notelcol_receiver_refused_spans 0\n"
        "otelcol_exporter_sent_spans 10\n"
    )
    d = evaluate(DEFAULT_TREE, snap)
    assert d.finding.id == "healthy"
    unknown = [s for s in d.path if s.value is None]
    assert unknown and all(s.answer is False for s in unknown)
    assert {s.metric for s in unknown} >= {"exporter_enqueue_failed_ratio", "queue_fill"}


def test_malformed_trees_are_rejected() -> None:
    leaf = Finding("ok", "fine", "ok", "", "", "")
    with pytest.raises(ValueError, match="missing node"):
        DecisionTree(
            "q", {"q": Question("q", "?", "queue_fill", ">", 0.5, "ok", "gone"), "ok": leaf}
        )
    with pytest.raises(ValueError, match="unknown indicator"):
        DecisionTree("q", {"q": Question("q", "?", "vibes", ">", 0.5, "ok", "ok"), "ok": leaf})
    with pytest.raises(ValueError, match="cycle"):
        DecisionTree(
            "a",
            {
                "a": Question("a", "?", "queue_fill", ">", 0.5, "b", "ok"),
                "b": Question("b", "?", "queue_fill", ">", 0.9, "a", "ok"),
                "ok": leaf,
            },
        )
    with pytest.raises(ValueError, match="not reachable"):
        DecisionTree("ok", {"ok": leaf, "lost": Finding("lost", "", "ok", "", "", "")})
    with pytest.raises(TypeError):
        evaluate("tree", [])  # type: ignore[arg-type]


_counter = st.integers(0, 10**6).map(float)


@st.composite
def snapshots(draw):
    cap = draw(st.integers(1, 5000))
    return parse_exposition(
        f"otelcol_process_uptime {draw(st.integers(1, 10**5))}\n"
        f"otelcol_receiver_accepted_spans {draw(_counter)}\n"
        f"otelcol_receiver_refused_spans {draw(_counter)}\n"
        f"otelcol_processor_memory_limiter_refused_spans {draw(_counter)}\n"
        f'otelcol_exporter_sent_spans{{exporter="otlp"}} {draw(_counter)}\n'
        f'otelcol_exporter_send_failed_spans{{exporter="otlp"}} {draw(_counter)}\n'
        f'otelcol_exporter_enqueue_failed_spans{{exporter="otlp"}} {draw(_counter)}\n'
        f'otelcol_exporter_queue_size{{exporter="otlp"}} {draw(st.integers(0, cap))}\n'
        f'otelcol_exporter_queue_capacity{{exporter="otlp"}} {cap}\n'
    )


@given(snapshots())
@settings(max_examples=100 * SCALE)
def test_every_walk_is_a_root_to_leaf_path_consistent_with_its_evidence(snap) -> None:
    d = evaluate(DEFAULT_TREE, snap)
    assert d.path[0].node == DEFAULT_TREE.root
    for step, after in zip(d.path, [*[s.node for s in d.path[1:]], d.finding.id], strict=True):
        node = DEFAULT_TREE.nodes[step.node]
        assert isinstance(node, Question)
        assert step.value is None or step.value == d.indicators[node.metric]
        assert step.answer == (
            step.value is not None and OPERATORS[node.op](step.value, node.threshold)
        )
        assert after == (node.yes if step.answer else node.no)
    assert isinstance(d.finding, Finding)
    assert len(d.path) == len(set(s.node for s in d.path))


def test_mermaid_draws_every_node_and_edge_and_highlights_the_path() -> None:
    d = evaluate(DEFAULT_TREE, read_snapshot(datasets.path("collector/idle-no-data.prom")))
    text = to_mermaid(DEFAULT_TREE, d)
    questions = [n for n in DEFAULT_TREE.nodes.values() if isinstance(n, Question)]
    edges = [line for line in text.splitlines() if "-->|" in line]
    assert len(edges) == 2 * len(questions)
    for node in DEFAULT_TREE.nodes:
        assert f"    {node}" in text
    assert text.splitlines()[-1] == "    linkStyle 1 stroke-width:4px"  # traffic -no-> no_data
    assert "linkStyle" not in to_mermaid(DEFAULT_TREE)
    assert all(m in INDICATORS for m in (q.metric for q in questions))


# ----------------------------------------------------------------- PromQL (promtool)

PROMQL = {
    "receiver_refused_ratio": (
        "sum(increase(otelcol_receiver_refused_spans[{w}])) / "
        "(sum(increase(otelcol_receiver_accepted_spans[{w}])) + "
        "sum(increase(otelcol_receiver_refused_spans[{w}])))"
    ),
    "exporter_send_failed_ratio": (
        "sum(increase(otelcol_exporter_send_failed_spans[{w}])) / "
        "(sum(increase(otelcol_exporter_sent_spans[{w}])) + "
        "sum(increase(otelcol_exporter_send_failed_spans[{w}])))"
    ),
    "exporter_enqueue_failed_ratio": (
        "sum(increase(otelcol_exporter_enqueue_failed_spans[{w}])) / "
        "(sum(increase(otelcol_exporter_sent_spans[{w}])) + "
        "sum(increase(otelcol_exporter_send_failed_spans[{w}])) + "
        "sum(increase(otelcol_exporter_enqueue_failed_spans[{w}])))"
    ),
    "queue_fill": (
        "max(otelcol_exporter_queue_size / on(exporter) otelcol_exporter_queue_capacity)"
    ),
    "queue_fill_min": (
        "min_over_time((max(otelcol_exporter_queue_size / on(exporter) "
        "otelcol_exporter_queue_capacity))[{w}:10s])"
    ),
}


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
@pytest.mark.parametrize(
    "fault", ["slow_backend", "memory_limit", "batch_too_large", "receiver_overload"]
)
def test_indicators_equal_what_prometheus_computes_from_the_same_scrapes(
    fault, tmp_path: Path
) -> None:
    scrapes = simulate_fault(fault, until=120.0, seed=5)
    snaps = [parse_exposition(s) for s in scrapes]
    ours = indicators(snaps)
    names = sorted({s.name for s in snaps[0].samples})
    series = []
    for name in names:
        labels = {tuple(sorted(s.labels.items())) for s in snaps[0].samples if s.name == name}
        for key in labels:
            values = [
                next(
                    s.value
                    for s in snap.samples
                    if s.name == name and tuple(sorted(s.labels.items())) == key
                )
                for snap in snaps
            ]
            selector = name + "{" + ",".join(f'{k}="{v}"' for k, v in key) + "}"
            series.append(
                f"      - series: '{selector}'\n"
                f"        values: '{' '.join(repr(v) for v in values)}'"
            )
    window = f"{10 * (len(snaps) - 1)}s"
    tests = []
    for indicator, expr in PROMQL.items():
        value = ours[indicator]
        if math.isnan(value):
            continue
        tests.append(
            f"      - expr: '{expr.format(w=window)}'\n"
            f"        eval_time: {window}\n"
            f"        exp_samples:\n          - value: {value!r}"
        )
    (tmp_path / "rules.yml").write_text("groups: []\n")
    (tmp_path / "test.yml").write_text(
        "rule_files: [rules.yml]\nevaluation_interval: 10s\ntests:\n  - interval: 10s\n"
        "    input_series:\n"
        + "\n".join(series)
        + "\n    promql_expr_test:\n"
        + "\n".join(tests)
        + "\n"
    )
    run = subprocess.run(
        ["promtool", "test", "rules", "test.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert len(tests) >= 4
