"""Every example runs to the end under runpy, as a reader would run it, headless, and its
key printed results hold.

An example that calls ``sys.exit`` (even ``sys.exit(0)``) fails: in a page build that trap
gives exit status 0 and an empty site, and in a notebook it kills the kernel.

Each example's output is then read back (one run per example) and its key results checked
against something that is not the example's own arithmetic: a published value (its source
named), the parameter the example planted in its synthetic data, a file on disk counted
here, networkx on the graph the example prints, or two independent computations that the
example prints side by side (a simulation and a formula, a brute force and an optimiser).
A wrong implementation breaks these. An example without such a check fails a test unless it
is listed in UNCHECKED, the examples of the sections that landed after these checks.
"""

from __future__ import annotations

import ast
import calendar
import functools
import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kbtest import ROOT

RUNNER = """
import runpy, sys
try:
    runpy.run_path(sys.argv[1], run_name="__main__")
except SystemExit as exc:
    print(f"example called sys.exit({exc.code!r})", file=sys.stderr)
    sys.exit(3)
"""

EXAMPLES = sorted((ROOT / "examples").rglob("*.py"))


@functools.cache
def run_example(path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    return subprocess.run(
        [sys.executable, "-c", RUNNER, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_example_runs(example: Path) -> None:
    result = run_example(example)
    assert result.returncode == 0, f"{example} failed:\n{result.stderr[-4000:]}"
    assert result.stdout.strip(), f"{example} printed nothing: an example should show results"


def test_the_runner_catches_sys_exit_zero(tmp_path: Path) -> None:
    trap = tmp_path / "trap.py"
    trap.write_text("import sys\nprint('partial')\nsys.exit(0)\n")
    result = run_example(trap)
    assert result.returncode == 3 and "sys.exit(0)" in result.stderr


def test_examples_are_percent_scripts_without_header() -> None:
    for example in EXAMPLES:
        text = example.read_text(encoding="utf-8")
        assert "# %%" in text, f"{example} is not a jupytext percent script"
        assert not text.startswith("# ---"), f"{example} carries a jupytext header"


# ------------------------------------------------------------------ key printed results


def grab(pattern: str, out: str) -> tuple[str, ...]:
    """The groups of the first line matching ``pattern`` (which must be there)."""
    match = re.search(pattern, out, re.MULTILINE)
    assert match, f"no line matches {pattern!r} in:\n{out[-3000:]}"
    return match.groups()


def floats(pattern: str, out: str) -> list[float]:
    return [float(x.replace(",", "")) for x in grab(pattern, out)]


def cost_optimization(out: str) -> None:
    # the optimiser's plan costs what a brute force over every plan finds
    assert grab(r"; ([\d.]+) a month$", out) == grab(r"^brute force: ([\d.]+) after", out)
    lines = re.findall(r"compute .*\(total \d+ a month\)", out)
    assert len(lines) == 3
    for line in lines:
        parts = [int(x) for x in re.findall(r"\d+", line)]  # rounded to whole units
        assert abs(sum(parts[:-1]) - parts[-1]) <= 2, line


def forecasting(out: str) -> None:
    # the synthetic peaks were generated with growth_per_week=0.04
    (growth,) = floats(r"log-linear growth ([\d.]+)% per week", out)
    assert abs(growth - 4.0) <= 0.5
    intervals = re.findall(r"in (\d+) days, 80 % interval (\d+) to (\d+|inf)", out)
    assert len(intervals) == 2
    for when, low, high in intervals:
        assert float(low) <= float(when) <= float(high)


def resource_usage(out: str) -> None:
    # headroom to a 70 % target is 0.70 / u - 1, within the rounding of the printed u
    rows = re.findall(r"^p\d+: (\d+)% of 4 cores; room to grow to 70 %: \+(\d+)%", out, re.M)
    assert len(rows) == 4
    for u, g in rows:
        lo, hi = 70 / (int(u) + 0.5) - 1, 70 / (int(u) - 0.5) - 1
        assert lo - 0.005 <= int(g) / 100 <= hi + 0.005, (u, g)
    # robust STL gives the planted incident's hours weight 0
    (weights,) = grab(r"^robustness weights there: \[(.*)\]", out)
    assert [float(w) for w in weights.split()] == [0.0] * 5
    shares = [int(x) for x in re.findall(r"'(\d+)%'", out)]
    assert len(shares) == 3 and abs(sum(shares) - 100) <= 1


def scaling_decisions(out: str) -> None:
    # Kubernetes documentation, "Horizontal Pod Autoscaling", scaling policies: Pods 4 and
    # Percent 10 per 60 s with selectPolicy Max remove max(4, ceil(10 % of current)).
    steps = json.loads(grab(r"^(\[80, .*\])$", out)[0])
    want = [80]
    while len(want) < len(steps):
        want.append(max(10, want[-1] - max(4, math.ceil(0.1 * want[-1]))))
    assert steps == want


def causality(out: str) -> None:
    clocks = {
        name: (int(lamport), tuple(int(v) for v in vector.split(",")))
        for name, lamport, vector in re.findall(r"^(\w): L = (\d+)  V = \(([\d, ]+)\)", out, re.M)
    }
    assert len(clocks) == 6
    # Lamport 1978: happened-before (vector below vector) implies a smaller Lamport clock
    for la, va in clocks.values():
        for lb, vb in clocks.values():
            if va != vb and all(x <= y for x, y in zip(va, vb)):
                assert la < lb
    ve, vb = clocks["e"][1], clocks["b"][1]
    concurrent = not all(x <= y for x, y in zip(ve, vb)) and not all(y <= x for x, y in zip(ve, vb))
    assert grab(r"^e -> b\? (\w+) .* vectors concurrent\? (\w+)$", out) == (
        "False",
        str(concurrent),
    )
    assert "findings on the clean trace: []" in out


def consistency(out: str) -> None:
    # the published verdicts of the Jepsen etcd histories (datasets/jepsen/verdicts.txt)
    rows = re.findall(r"^\s+\d+\s+\d+\s+\d+\s+(true|false)\s+(true|false)\s+\d+$", out, re.M)
    assert len(rows) == 12 and all(expected == computed for expected, computed in rows)
    assert "\nFalse\nnot linearizable:" in out


def cycle_detection(out: str) -> None:
    import networkx as nx

    edges = re.findall(r"^\s*(\w+) -> (\w+)\s+calls", out, re.M)
    graph = nx.DiGraph(edges)
    assert grab(r"^\d+ spans, (\d+) services, (\d+) edges", out) == (
        str(graph.number_of_nodes()),
        str(len(edges)),
    )
    printed = ast.literal_eval(grab(r"^elementary cycles: (\[.*\])$", out)[0])
    assert {frozenset(c) for c in printed} == {frozenset(c) for c in nx.simple_cycles(graph)}
    components = [ast.literal_eval(x) for x in re.findall(r"^(\['[^]]*\])", out, re.M)]
    assert {frozenset(c) for c in components} == {
        frozenset(c) for c in nx.strongly_connected_components(graph)
    }


def tracing(out: str) -> None:
    # the OTLP/JSON files counted here, span by span
    rows = re.findall(
        r"^(otlp/\S+)\s+spans=(\d+) traces=(\d+) roots=(\d+) orphans=(\d+)", out, re.M
    )
    assert len(rows) == 4
    for name, spans, traces, roots, orphans in rows:
        data = json.loads((ROOT / "src/otlpkb/datasets" / name).read_text(encoding="utf-8"))
        table = [s for r in data["resourceSpans"] for ss in r["scopeSpans"] for s in ss["spans"]]
        ids = {(s["traceId"], s["spanId"]) for s in table}
        parented = [s for s in table if s.get("parentSpanId")]
        want = (
            len(table),
            len({s["traceId"] for s in table}),
            len(table) - len(parented),
            sum((s["traceId"], s["parentSpanId"]) not in ids for s in parented),
        )
        assert (int(spans), int(traces), int(roots), int(orphans)) == want, name


def failure_detection(out: str) -> None:
    (simulated, paper, limit) = floats(
        r"first detection: simulated ([\d.]+) periods, paper ([\d.]+), limit .* = ([\d.]+)", out
    )
    assert limit == round(math.e / (math.e - 1), 3)
    assert simulated == pytest.approx(paper, rel=0.02)
    pairs = re.findall(r"false positives per probe simulated ([\d.]+), paper ([\d.]+)", out)
    assert len(pairs) == 4
    for sim, formula in pairs:
        assert float(sim) == pytest.approx(float(formula), rel=0.05)


def mechanisms(out: str) -> None:
    # RFC 9110 §5.6.7 (the obsolete RFC 850 form): Sunday, 06-Nov-94 08:49:37 GMT
    (delay,) = floats(r"^([\d.]+) s$", out)
    assert delay == calendar.timegm((1994, 11, 6, 8, 49, 37)) - 784111700.0
    # the Collector's configretry defaults: 5 s, multiplier 1.5, at most 30 s
    nominal = json.loads(grab(r"^nominal : (\[.*\])$", out)[0])
    assert nominal == [min(5.0 * 1.5**k, 30.0) for k in range(len(nominal))]
    # OTLP specification, failures: 429 and UNAVAILABLE are retryable, 400 is not
    assert re.search(r"^retry\s+\{'grpc_code': 'UNAVAILABLE'\}$", out, re.M)
    assert re.search(r"^retry\s+\{'http_status': 429, ", out, re.M)
    assert re.search(r"^drop\s+\{'http_status': 400\}$", out, re.M)
    # RFC 9110 §10.2.3: an HTTP-date Retry-After is that instant less the current time
    (after,) = floats(r"HTTP 503 is retryable.*retry_after=([\d.]+)$", out)
    assert after == calendar.timegm((1999, 12, 31, 23, 59, 59)) - 946684000.0


def recovery(out: str) -> None:
    appended = re.findall(r"^appended seq (\d+)$", out, re.M)
    # the example appends len(b"\x00\x10\x00\x00half a frame") = 16 torn bytes by hand
    assert grab(r"records=(\d+), torn_bytes=(\d+)", out) == (str(len(appended)), "16")
    assert "recovered intact: True" in out and "refused: corrupt" in out
    assert f"b'{{\"next_seq\": {len(appended)}}}'" in out
    received, applied = floats(r"^received (\d+), applied (\d+)$", out)
    assert applied == 200 < received  # 200 distinct requests, each applied once


def reliability(out: str) -> None:
    rows = re.findall(r"A = ([\d.]+)\s+nines = ([\d.]+)\s+downtime =\s+([\d.]+) min/year", out)
    assert len(rows) == 3
    for a, n, down in rows:
        assert float(n) == pytest.approx(-math.log10(1 - float(a)), abs=0.01)
        assert float(down) == pytest.approx((1 - float(a)) * 365.25 * 1440, abs=0.5)
    exact, rare = floats(r"P\(top\) exact ([\d.e-]+), rare-event ([\d.e-]+)", out)
    assert exact <= rare <= exact * 1.001  # the rare-event sum bounds it from above
    lost = [float(x) for x in re.findall(r"fraction of telemetry lost ([\d.e-]+)", out)]
    assert lost == sorted(lost, reverse=True)


def latency(out: str) -> None:
    rows = re.findall(r"sketch\s+([\d.]+) ms\s+exact\s+([\d.]+) ms\s+error ([\d.]+)%", out)
    assert len(rows) == 4
    for sketch, exact, error in rows:  # the 1 % relative-accuracy guarantee
        assert abs(float(sketch) / float(exact) - 1) <= 0.01 + 1e-4
        assert float(error) == pytest.approx(100 * abs(float(sketch) / float(exact) - 1), abs=0.01)
    # DDSketch (Masson, Rim and Lee 2019) at 1 %: indices ceil(log_gamma x), 1 us to 1,000 s
    gamma = 1.01 / 0.99
    want = math.ceil(math.log(1e3, gamma)) - math.ceil(math.log(1e-6, gamma)) + 1
    assert floats(r"counters for 1 us to 1,000 s at 1 %: (\d+)", out) == [want]
    # opentelemetry-proto metrics.proto: base 2^(2^-scale); relative error (b - 1)/(b + 1)
    base = 2.0 ** (2.0**-8)
    (accuracy,) = floats(r"at scale 8 has accuracy ([\d.]+)%", out)
    assert accuracy == round(100 * (base - 1) / (base + 1), 4)
    # Dean and Barroso, "The Tail at Scale" (2013): 63 % at a fan-out of 100
    assert floats(r"1% slow leaves at N=100: ([\d.]+)", out) == [round(1 - 0.99**100, 3)]
    assert floats(r"p99 request over 100 leaves: ([\d.]+)", out)[0] == pytest.approx(
        0.99 ** (1 / 100), rel=1e-12
    )


def queueing(out: str) -> None:
    (area, little) = floats(r"time-average L = ([\d.]+); lambda_hat \* W = ([\d.]+)", out)
    assert area == little  # Little's law holds sample path by sample path
    (sim, formula) = floats(r"simulated Wq = ([\d.]+); Erlang C Wq = ([\d.]+)", out)
    assert sim == pytest.approx(formula, rel=0.05)
    (formula, sim) = floats(r"Erlang C P\(wait\) = ([\d.]+); simulated ([\d.]+)", out)
    assert sim == pytest.approx(formula, rel=0.05)
    # far above saturation a long buffer refuses the excess: 1 - 1/rho at rho = 1.1
    (refused,) = floats(r"utilization 1.100: P\(refused\) ([\d.]+)", out)
    assert refused == pytest.approx(1 - 1 / 1.1, abs=1e-4)


def resources(out: str) -> None:
    # the bytes the OpenTelemetry protobuf encoder wrote against the size model
    assert len(set(grab(r"^request bytes: (\d+) model: (\d+)$", out))) == 1
    # protobuf wire format: a KeyValue with a 20-byte key (1 tag + 1 length + 20) and an
    # AnyValue holding a 20-byte string (1 + 1 + 1 + 1 + 20), in a length-delimited field
    assert grab(r"\((\d+) per 20\+20-character attribute\)", out) == (str(2 + 22 + 24),)


def throughput(out: str) -> None:
    # smoeding/usl tests/peak-scalability.Rout.save: the SPEC SDM91 peak rounds to 97
    assert floats(r"peak at N=(\d+)", out) == [97]
    # OTLP specification: 100 spans a request, 200 ms + 300 ms, one request in flight
    assert floats(r"^([\d.]+) spans/s$", out) == [100 / 0.5]
    rows = re.findall(r"^\s+\d+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+\S+$", out, re.M)
    assert len(rows) == 5
    for model, sim, added_model, added_sim in rows:  # closed form against simulation
        assert float(sim) == pytest.approx(float(model), rel=0.01)
        assert float(added_sim) == pytest.approx(float(added_model), rel=0.01)


def bottleneck_analysis(out: str) -> None:
    (x,) = floats(r"^throughput ([\d.]+) req/s", out)
    demands = json.loads(grab(r"^demands \(ms\) (\[.*\])$", out)[0])
    utilizations = json.loads(grab(r"^utilizations (\[.*\])$", out)[0])
    assert utilizations == pytest.approx([x * d / 1000 for d in demands])  # U = X D
    (ceiling,) = floats(r"ceiling ([\d.]+) req/s", out)
    assert ceiling == pytest.approx(1000 / max(demands), abs=0.05)
    rows = re.findall(r"X=([\d.]+) .*BJB \[([\d.]+), ([\d.]+)\]  ABA <= ([\d.]+)", out)
    assert len(rows) == 5
    for row in rows:
        mva, low, high, aba = map(float, row)
        assert low <= mva <= min(high, aba)
    (sim,) = floats(r"^simulated X\(3\): ([\d.]+)", out)
    (mva,) = floats(r"^MVA       X\(3\): ([\d.]+)", out)
    assert sim == pytest.approx(mva, rel=0.03)


def identifying_problems(out: str) -> None:
    rows = re.findall(r"^\w+: [^\n]*?\s+(\d+)\s+([\d.]+)%\s+(\d+)\s+([\d.]+)%$", out, re.M)
    assert len(rows) >= 3
    totals = [int(ms) / float(pct) for ms, pct, _, _ in rows]  # self ms / self % = total
    assert max(totals) == pytest.approx(min(totals), rel=0.02)
    assert [int(r[0]) for r in rows] == sorted((int(r[0]) for r in rows), reverse=True)


def optimization_catalogue(out: str) -> None:
    rows = re.findall(r"level \S+\s+([\d,]+) bytes\s+ratio\s+([\d.]+)", out)
    originals = [int(b.replace(",", "")) * float(r) for b, r in rows]  # one input for all
    assert len(rows) == 5 and max(originals) == pytest.approx(min(originals), rel=0.01)
    (rate,) = floats(r"^([\d.]+) requests/s of \d+ spans", out)
    (slots, dropped) = floats(r"queue_size >= (\d+), .* drops (\d+)%", out)
    assert slots >= rate * 300  # a 5-minute outage
    assert dropped == round(100 * (1 - 1000 / slots))
    (head,) = floats(r"head 10 %\s+spans kept\s+([\d.]+)%", out)
    assert abs(head - 10) <= 1.5
    kept, errors = grab(r"tail errors.*errors kept (\d+)/(\d+)", out)
    assert kept == errors


def regression_detection(out: str) -> None:
    # the series was generated with a 12 % regression at run 70 and a 5 % fix at run 150
    found = re.findall(r"^run (\d+): .* \(([+-][\d.]+)%", out, re.M)
    assert [int(i) for i, _ in found] == [70, 150]
    assert float(found[0][1]) == pytest.approx(12.0, abs=2.0)
    assert float(found[1][1]) == pytest.approx(-5.0, abs=2.0)
    # the two runs were drawn with medians 12 and 13.5 ms: the true ratio is 1.125
    low, high = floats(r"95 % interval \[([\d.]+), ([\d.]+)\]", out)
    assert low <= 13.5 / 12 <= high and out.rstrip().endswith("slower")


CLAIMS: dict[str, Callable[[str], None]] = {
    "capacity/cost_optimization.py": cost_optimization,
    "capacity/forecasting.py": forecasting,
    "capacity/resource_usage.py": resource_usage,
    "capacity/scaling_decisions.py": scaling_decisions,
    "distributed_systems/causality.py": causality,
    "distributed_systems/consistency.py": consistency,
    "distributed_systems/cycle_detection.py": cycle_detection,
    "distributed_systems/tracing.py": tracing,
    "fault_tolerance/failure_detection.py": failure_detection,
    "fault_tolerance/mechanisms.py": mechanisms,
    "fault_tolerance/recovery.py": recovery,
    "fault_tolerance/reliability.py": reliability,
    "performance/latency.py": latency,
    "performance/queueing.py": queueing,
    "performance/resources.py": resources,
    "performance/throughput.py": throughput,
    "tuning/bottleneck_analysis.py": bottleneck_analysis,
    "tuning/identifying_problems.py": identifying_problems,
    "tuning/optimization_catalogue.py": optimization_catalogue,
    "tuning/regression_detection.py": regression_detection,
}


# Examples whose key results are not checked here yet (sections that landed after the
# checks were written): each should move to CLAIMS; a new example goes straight there.
UNCHECKED = {
    "advanced/chaos_engineering.py",
    "advanced/multi_cloud.py",
    "advanced/security_hardening.py",
    "diagnosis/common_problems.py",
    "diagnosis/decision_tree.py",
    "diagnosis/root_cause_analysis.py",
    "formal/algorithm_correctness.py",
    "formal/concurrency_safety.py",
    "formal/protocol_specification.py",
    "formal/system_invariants.py",
    "monitoring/alert_fatigue.py",
    "monitoring/alert_rules.py",
    "monitoring/observability_practices.py",
    "monitoring/slo_sla.py",
}


def test_every_example_is_checked_or_listed() -> None:
    names = {str(p.relative_to(ROOT / "examples")) for p in EXAMPLES}
    assert names - set(CLAIMS) - UNCHECKED == set(), "add a check of its results to CLAIMS"
    assert set(CLAIMS) <= names and names >= UNCHECKED and not set(CLAIMS) & UNCHECKED


CHECKED = [p for p in EXAMPLES if str(p.relative_to(ROOT / "examples")) in CLAIMS]


@pytest.mark.parametrize("example", CHECKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_example_key_results_hold(example: Path) -> None:
    name = str(example.relative_to(ROOT / "examples"))
    result = run_example(example)
    assert result.returncode == 0, result.stderr[-4000:]
    CLAIMS[name](result.stdout)
