"""Every example runs to the end under runpy, as a reader would run it, headless, and its
key printed results hold.

An example that calls ``sys.exit`` (even ``sys.exit(0)``) fails: in a page build that trap
gives exit status 0 and an empty site, and in a notebook it kills the kernel.

Each example's output is then read back (one run per example) and its key results checked
against something that is not the example's own arithmetic: a published value (its source
named), the parameter the example planted in its synthetic data, a file on disk counted
here, networkx on the graph the example prints, or two independent computations that the
example prints side by side (a simulation and a formula, a brute force and an optimiser).
A wrong implementation breaks these. An example without such a check fails a test.
"""

from __future__ import annotations

import ast
import base64
import calendar
import datetime as dt
import errno
import functools
import hashlib
import hmac
import itertools
import json
import math
import os
import re
import subprocess
import sys
import tempfile
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


# ---------------------------------------------------- sections 4, 5, 8, 9 and the appendix


def protocol_specification(out: str) -> None:
    # TLC's counts in the manifest.json files of tlaplus/Examples (commit 04e4315a):
    # distinctStates, totalStates (states generated), stateDepth
    tlc = {
        "TCommit (3 RMs)": (34, 94, 7),
        "TwoPhase (3 RMs)": (288, 1146, 11),
        "Peterson": (42, 77, 11),
        "MCInnerFIFO": (3864, 9660, 11),
    }
    for name, counts in tlc.items():
        found = grab(
            rf"^{re.escape(name)}\s+ok=True distinct=(\d+) generated=(\d+) depth=(\d+)$", out
        )
        assert tuple(map(int, found)) == counts, name
    # Die Hard (DieHard.tla): every printed step is a legal pouring of a 5- and a 3-gallon
    # jug, and the last one leaves 4 gallons in the big jug
    steps = [
        (a, int(b), int(s)) for a, b, s in re.findall(r"^  (\w+)\s+big=(\d) small=(\d)$", out, re.M)
    ]
    assert steps[0] == ("Init", 0, 0) and steps[-1][1] == 4
    for (_, b, s), (action, b2, s2) in itertools.pairwise(steps):
        moves = {
            "FillBigJug": (5, s),
            "FillSmallJug": (b, 3),
            "EmptyBigJug": (0, s),
            "EmptySmallJug": (b, 0),
            "BigToSmall": (b - min(b, 3 - s), s + min(b, 3 - s)),
            "SmallToBig": (b + min(s, 5 - b), s - min(s, 5 - b)),
        }
        assert moves[action] == (b2, s2), action
    # OTLP specification, "Failures" and "Partial Success": each seeded bug breaks the
    # property it violates, on a trace whose last action is the forbidden one
    assert "correct exporter: ok" in out
    for bug, prop, last in [
        ("retry_partial", "PartialNeverRetried", "PartialSuccess -> Retry"),
        ("retry_permanent", "PermanentNeverRetried", "Permanent -> Retry"),
        ("ack_before_persist", "AcknowledgedNotLost", "Success -> Crash"),
    ]:
        assert re.search(rf"^{bug}\s+-> {prop}: .*{last}$", out, re.M), bug
    # max_attempts = 3 by default: the off-by-one client retries a third time
    (trace,) = grab(r"^off_by_one_budget\s+-> AttemptsWithinBudget: (.*)$", out)
    assert trace.split(" -> ").count("Retry") == 3


def algorithm_correctness(out: str) -> None:
    import sympy as sp

    lam, mu = sp.symbols("lambda mu", positive=True)
    derived = {
        name: sp.sympify(expr.replace("lambda", "lam"), locals={"lam": lam, "mu": mu})
        for name, expr in re.findall(r"^  (\w+)\s+= (.*)$", out, re.M)
        if name in {"p0", "L", "W", "Wq", "Lq", "p_wait"}
    }
    # Kleinrock, Queueing Systems I (1975), M/M/1: rho = lambda / mu
    rho = lam / mu
    textbook = {
        "p0": 1 - rho,
        "L": rho / (1 - rho),
        "W": 1 / (mu - lam),
        "Wq": rho / (mu - lam),
        "Lq": rho**2 / (1 - rho),
        "p_wait": rho,
    }
    assert set(derived) == set(textbook)
    for name, expr in textbook.items():
        assert sp.simplify(derived[name] - expr) == 0, name
    # Erlang C with one server is P(wait) = a; in heavy traffic every request waits
    (steps,) = grab(r"^proved: True (\{'c=1'.*\})$", out)
    limits = ast.literal_eval(steps)
    assert limits.pop("c=1") == "a" and set(limits.values()) == {"1"}
    # the Collector's configretry defaults (5 s, x1.5, at most 30 s, max_elapsed_time 300 s)
    # with cenkalti/backoff's rule: stop when the elapsed time plus the next wait > 300 s
    waits, k = [], 0
    while sum(waits) + min(5 * 1.5**k, 30) <= 300:
        waits.append(min(5 * 1.5**k, 30))
        k += 1
    found = grab(r"^retries (\d+) total ([\d.]+) s; closed form ([\d.]+)$", out)
    assert (int(found[0]), float(found[1]), float(found[2])) == (len(waits), sum(waits), sum(waits))
    # Akka's PhiAccrualFailureDetector: phi = -log10(1 / (1 + e^z)), z = y (1.5976 +
    # 0.070566 y^2), y = (t - mean) / std
    at = ast.literal_eval(grab(r"^phi at 0.5, 1.0, 1.5 s \(logistic\): (\[.*\])$", out)[0])
    for t, printed in zip((0.5, 1.0, 1.5), at):
        y = (t - 1.0) / 0.2
        assert printed == round(math.log10(1 + math.exp(y * (1.5976 + 0.070566 * y * y))), 3)


def concurrency_safety(out: str) -> None:
    # each seeded bug is found by the property it breaks, in the model and on threads
    assert re.search(r"^correct: True \d+ states", out, re.M)
    assert re.search(r"^if_not_while\s+-> QueueBounded ", out, re.M)
    assert re.search(r"^notify_one\s+-> deadlock ", out, re.M)
    assert re.search(r"^drop_on_shutdown\s+-> NoSilentLoss ", out, re.M)
    # the lost wake-up: capacity 1 never exceeded, and at the end nobody can run (the
    # exporter waits, every producer is done or waits)
    rows = re.findall(
        r"^\w+\s+producers (.+?)\s+queue (\d+) batch (\d+) exporter (\w+)$", out, re.M
    )
    assert rows and all(int(q) <= 1 for _, q, _, _ in rows)
    pcs, _, _, exporter = rows[-1]
    assert exporter == "wait" and set(pcs.split()) <= {"done", "wait"} and "wait" in pcs
    assert len(rows) == 1 + int(grab(r"^notify_one\s+-> deadlock after (\d+) steps", out)[0])
    assert "fixed: 0 of 20 runs failed" in out
    # threads are scheduled by the OS: the overflow shows in most runs, not always in all
    overflow = re.search(r"\('if_not_while',\): (\d+) of 20 runs failed \(overflow \1,", out)
    assert overflow and int(overflow[1]) >= 10
    assert "('drop_on_shutdown',): 20 of 20 runs failed (overflow 0, loss 20)" in out


def system_invariants(out: str) -> None:
    # Peterson.tla (tlaplus/Examples, TLAPS THEOREM IndInvariant): Inv is inductive
    # relative to TypeOK; mutual exclusion alone holds but is not
    assert "Mutex: holds True, initiation True, consecution False" in out
    assert "Inv: holds True, initiation True, consecution True" in out
    before, after = grab(r"breaking step: (\(.*?\)) --\w+--> (\(.*?\))$", out)
    assert ast.literal_eval(before)[:2].count("cs") <= 1
    assert ast.literal_eval(after)[:2] == ("cs", "cs")
    # the planted exporter drops whole requests silently: only it breaks the ledger, by
    # a whole number of 5-item requests
    assert re.search(r"^correct: \d+ events, ledger held: True$", out, re.M)
    (missing,) = floats(r"(\d+) items missing", out)
    assert missing > 0 and missing % 5 == 0


def alert_fatigue(out: str) -> None:
    # the planted alerts: 20 instances x 2 warnings, and BackendDown in 2 clusters; each
    # fires once and resolves within the 4 h repeat_interval. One group per alert gives a
    # firing and a resolved notification each; inhibition (Alertmanager's
    # inhibit_rules, equal: [cluster]) silences every warning while BackendDown fires,
    # leaving BackendDown's 2 groups x (firing, resolved)
    counts = [int(x) for x in re.findall(r"^.{28} +(\d+) notifications$", out, re.M)]
    assert counts[0] == 2 * (20 * 2 + 2) and counts[2] == 2 * 2
    # grouped by (alertname, cluster): 6 groups, at least one firing and one resolved
    # notification each, and fewer than one per alert
    assert 2 * 6 <= counts[1] < counts[0]
    # Nagios Core, base/flapping.c: 21 states from all OK, transitions weighted 0.75 to
    # 1.25, flapping from 20 % (high_service_flap_threshold) down to 5 % (low)
    states = [False] * 10 + [i % 3 != 0 for i in range(30)] + [True] * 30
    history, flap, flags = [False] * 21, False, []
    for state in states:
        history = [*history[1:], state]
        change = sum((0.75 + 0.5 * k / 19) for k in range(20) if history[k] != history[k + 1]) / 20
        flap = True if change >= 0.2 else False if change <= 0.05 else flap
        flags.append(flap)
    first, last = flags.index(True), len(flags) - 1 - flags[::-1].index(True)
    assert floats(r"^flapping from check (\d+) to check (\d+)$", out) == [first, last]
    # 30 pages over 7 days, every fourth one opens an incident: recall 1, precision at
    # least 8/30, one count per 12 h shift
    precision, recall = floats(r"^precision ([\d.]+), recall ([\d.]+)$", out)
    assert recall == 1.0 and precision >= round(8 / 30, 2)
    shifts = ast.literal_eval(grab(r"^pages per 12 h shift: (\(.*\))$", out)[0])
    assert len(shifts) == 14 and sum(shifts) == 30


def alert_rules(out: str) -> None:
    # promtool (Prometheus) accepts the printed rules
    text = out[out.index("groups:") : out.index("\n\n")] + "\n"
    assert text.count("  - alert: ") == 2
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "rules.yaml"
        path.write_text(text, encoding="utf-8")
        check = subprocess.run(
            ["promtool", "check", "rules", str(path)], capture_output=True, text=True, check=False
        )
    assert check.returncode == 0 and "SUCCESS: 2 rules found" in check.stdout, check
    assert "read back identical: True" in out and "findings on the shipped set: 0" in out
    # the draft's planted defects, each found: the Collector's queue_size is a gauge
    # (Collector docs, internal telemetry), Prometheus's naming practice for recording
    # rules (level:metric:operations), an unbounded trace_id label, [30s] at 15 s scrapes
    found = set(re.findall(r"^(?:error|warning)\s+(\S+)\s+(\S+)\s", out, re.M))
    assert found >= {
        ("QueueGrowing", "labels/severity"),
        ("QueueGrowing", "labels/value"),
        ("QueueGrowing", "promql/counter"),
        ("ExportErrors", "labels/required"),
        ("ExportErrors", "for/long"),
        ("ExportErrors", "promql/rate-range"),
        ("spans_by_trace", "record/name"),
        ("spans_by_trace", "promql/cardinality"),
    }


def observability_practices(out: str) -> None:
    # the OTLP/JSON files counted here: one finding per span without a kind
    for name in ("otlp/jaeger/example_trace.json", "otlp/proto-examples/trace.json"):
        data = json.loads((ROOT / "src/otlpkb/datasets" / name).read_text(encoding="utf-8"))
        table = [s for r in data["resourceSpans"] for ss in r["scopeSpans"] for s in ss["spans"]]
        unset = sum(s.get("kind", 0) in (0, "SPAN_KIND_UNSPECIFIED") for s in table)
        assert grab(rf"^{re.escape(name)}: (\d+) spans, (\d+) findings$", out) == (
            str(len(table)),
            str(unset),
        )
    # OpenTelemetry semantic conventions (HTTP, stable since v1.23): the old names
    assert re.search(
        r"attributes/deprecated\s+2000 http.method\s+deprecated: use http.request.method", out
    )
    assert re.search(r"http.status_code\s+deprecated: use http.response.status_code", out)
    # 2000 names drawn from 10^6 ids: 10^6 (1 - (1 - 10^-6)^2000) distinct expected
    (names,) = floats(r"span/name-cardinality\s+\d+ service\s+(\d+) distinct span names", out)
    assert names == pytest.approx(1e6 * (1 - (1 - 1e-6) ** 2000), abs=5)
    (users,) = floats(r"^user.id\s+(\d+) distinct \(HyperLogLog\)$", out)
    assert users == pytest.approx(5000 * (1 - (1 - 1 / 5000) ** 2000), rel=0.05)
    # Flajolet et al. (2007): m = 2^14 one-byte registers, standard error 1.04 / sqrt(m)
    estimate, nbytes = floats(r"estimate ([\d,]+) from ([\d,]+) bytes of registers", out)
    assert nbytes == 2**14
    assert abs(estimate / 1e6 - 1) <= 3 * 1.04 / math.sqrt(2**14)


def slo_sla(out: str) -> None:
    # The Site Reliability Workbook, chapter 5, "Alerting on SLOs": 2 % of the budget in
    # 1 h (burn 14.4), 5 % in 6 h (6), 10 % in 1 d (3) and 3 d (1), over 30 days
    rows = re.findall(r"^(page|ticket)\s+(\w+)/(\w+)\s+burn\s+([\d.]+) \(budget (\d+)%", out, re.M)
    assert [(s, lw, sw, float(b), int(p)) for s, lw, sw, b, p in rows] == [
        ("page", "1h", "5m", 14.4, 2),
        ("page", "6h", "30m", 6.0, 5),
        ("ticket", "1d", "2h", 3.0, 10),
        ("ticket", "3d", "6h", 1.0, 10),
    ]
    for objective, minutes in re.findall(
        r"^\s*([\d.]+)%: budget [\d.]+% =\s+([\d.]+) min$", out, re.M
    ):
        assert float(minutes) == round((100 - float(objective)) / 100 * 30 * 24 * 60, 1)
    # the Workbook's detection time: (1 - SLO) / error ratio x window x burn rate
    hours = {"1h": 1, "6h": 6, "1d": 24, "3d": 72}
    blocks = re.split(r"^(?=page|ticket)", out[out.index("page ") :], flags=re.M)[1:5]
    for block, (_, lw, _, burn, _) in zip(blocks, rows):
        for ratio, when in re.findall(r"(\d+)% errors: fires after ([\d:.]+)", block):
            h, m, s = when.split(":")
            seconds = 3600 * int(h) + 60 * int(m) + float(s)
            want = 0.001 / (int(ratio) / 100) * hours[lw] * 3600 * float(burn)
            assert seconds == pytest.approx(want), (lw, ratio)
        never = re.findall(r"(\d+)% errors: never fires", block)
        assert all(int(r) / 100 <= float(burn) * 0.001 for r in never)
    # Sloth's page and ticket alerts on the dataset's SLO: burn x (1 - objective)
    spec = (ROOT / "src/otlpkb/datasets/sloth/getting-started.yml").read_text(encoding="utf-8")
    (objective,) = floats(r"^\s+objective: ([\d.]+)$", spec)
    budget = round(1 - objective / 100, 6)
    thresholds = re.findall(r"ratio_rate(\w+)\{[^}]*\} > \(([\d.]+) \* ([\d.]+)\)", out)
    assert sorted((w, float(b)) for w, b, _ in thresholds) == sorted(
        [
            ("5m", 14.4),
            ("1h", 14.4),
            ("30m", 6),
            ("6h", 6),
            ("2h", 3),
            ("1d", 3),
            ("6h", 1),
            ("3d", 1),
        ]
    )
    assert {float(x) for _, _, x in thresholds} == {budget}


def common_problems(out: str) -> None:
    shares = ast.literal_eval(grab(r"^(\d+) problems: (\{.*\})$", out)[1])
    assert sum(shares.values()) == int(grab(r"^(\d+) problems:", out)[0])
    # the snapshots of the planted back-end outage, read here: nothing sent, the queue full
    prom = (ROOT / "src/otlpkb/datasets/collector/sim/backend_down-t110.prom").read_text()
    sent = int(grab(r'^otelcol_exporter_sent_spans\{exporter="otlp"\} (\d+)$', prom)[0])
    size, cap = (
        int(grab(rf'^otelcol_exporter_queue_{k}\{{exporter="otlp"\}} (\d+)$', prom)[0])
        for k in ("size", "capacity")
    )
    assert sent == 0 and size == cap
    assert re.search(
        r"^Back end down or unreachable\s+exporter_sent_fraction = 0, queue_fill = 1$", out, re.M
    )
    # the planted log lines (the Collector's own messages) and the problems they name
    ids = re.findall(r"^(\w+)\s{2,}[A-Z]", out, re.M)
    assert set(ids) == {"retries_exhausted", "deadline_exceeded", "soft_limit_too_low"}


def decision_tree(out: str) -> None:
    # the planted fault of each simulated run is the finding
    want = {
        "healthy": "healthy",
        "slow_backend": "backend_slow",
        "backend_down": "backend_down",
        "queue_too_small": "queue_too_small",
        "memory_limit": "memory_limit",
        "receiver_overload": "receiver_overload",
        "batch_too_large": "permanent_rejection",
    }
    assert dict(re.findall(r"^(\w+)\s+-> (\w+)\s", out, re.M)) == want
    # the real Collector v0.109 snapshot with a memory limiter refusing, counted here
    prom = (ROOT / "src/otlpkb/datasets/collector/v0.109-memory-limiter.prom").read_text()

    def total(metric: str) -> float:
        return sum(float(x) for x in re.findall(rf"^{metric}\{{[^}}]*\}} (\S+)$", prom, re.M))

    accepted, refused = (
        total("otelcol_receiver_accepted_spans"),
        total("otelcol_receiver_refused_spans"),
    )
    assert floats(r"^traffic\s+offered_items\s+([\d.]+) ", out) == [accepted + refused]
    (ratio,) = floats(r"^refused\s+receiver_refused_ratio\s+([\d.]+) ", out)
    assert ratio == round(refused / (accepted + refused), 4)
    assert "finding: Memory limit hit" in out


def root_cause_analysis(out: str) -> None:
    # the planted culprit ranks first; ranking beats the naive one on every fault kind
    (culprit,) = grab(r"^culprit: (\w+) \(", out)
    assert grab(r"^(\w+)\s+score", out) == (culprit,)
    rows = re.findall(r"^(\w+)\s+(\d)/6\s+(\d)/6\s+(\d)/6\s+(\d)/6$", out, re.M)
    assert len(rows) == 4
    for _, top1, top3, naive1, naive3 in rows:
        assert int(top1) <= int(top3) and int(naive1) <= int(naive3)
        assert int(top1) >= 5 and int(top3) == 6 and int(top1) >= int(naive1)


def chaos_engineering(out: str) -> None:
    # planted: 20 spans/s, 4 consumers of 50 ms, a 2,000-slot queue
    statuses = dict(re.findall(r"^(.{22}) (completed|deviated)\s+lost", out, re.M))
    losses = dict(re.findall(r"^(.{22}) \w+\s+lost\s+(\d+)", out, re.M))
    # a 30 s partition holds 600 spans: all fit; 150 s holds 3,000: some are lost
    assert int(losses["partition 30 s".ljust(22)]) == 0
    assert int(losses["partition 150 s".ljust(22)]) > 0
    # 2x slower: utilization 20 x 0.1 / 4 = 0.5; 5x: 1.25, the latency grows without bound
    assert statuses["back end 2x slower".ljust(22)] == "completed"
    assert statuses["back end 5x slower".ljust(22)] == "deviated"
    # ... but 200 s x (20 - 16) spans/s = 800 still fit in the queue
    assert int(losses["back end 5x slower".ljust(22)]) == 0
    found, fill = floats(
        r"^smallest breaking partition: ([\d.]+) s \(queue fill time ([\d.]+) s\)", out
    )
    assert fill == (2000 + 4) / 20 and abs(found - fill) <= 4 + 0.1 * fill
    # 100 records flushed every 16: the last 100 mod 16 acknowledged ones are lost
    assert "WAL, ack after append: CrashResult(acknowledged=100, recovered=100, lost=0)" in out
    assert f"recovered={100 - 100 % 16}, lost={100 % 16})" in out
    full = grab(
        r"acknowledged=(\d+), failed=(\d+), errno=(\d+), recovered=(\d+), "
        r"writable_after=True\) expected to fit: (\d+)",
        out,
    )
    acked, failed, code, recovered, fit = map(int, full)
    assert acked == recovered == fit and acked + failed == 60 and code == errno.EFBIG
    # a receiver stalling longer than the client's timeout is not exported
    assert "stall 0.05 s, timeout 5.0 s: exported=True" in out
    assert "stall 3.0 s, timeout 1.0 s: exported=False" in out


def multi_cloud(out: str) -> None:
    shares = ast.literal_eval(grab(r"^shares with 4: (\{.*\})$", out)[0])
    assert len(shares) == 4 and sum(shares.values()) == pytest.approx(1, abs=0.002)
    (moved,) = floats(r"^moved by adding a fifth: ([\d.]+) ", out)
    assert abs(moved - 0.2) <= 0.05  # consistent hashing moves about 1/5
    # split traces: 400 traces/s x moved fraction x 3 s of spread, and the simulation
    rows = re.findall(
        r":\s+([\d.]+) split traces \(closed form\s+([\d.]+), bound\s+([\d.]+)\)", out
    )
    assert len(rows) == 2
    for _, formula, _ in rows:
        assert float(formula) == pytest.approx(400 * moved * 3, rel=0.001)
    sim, formula, bound = map(float, rows[0])
    assert sim == pytest.approx(formula, rel=0.1) and bound == formula
    sim, _, bound = map(float, rows[1])
    assert formula < sim <= bound
    # the planted destinations: healthy, under 100 ms, by latency + weight x $/GiB
    destinations = [
        ("aws-eu-central-1", 11.0, 0.09, True),
        ("gcp-europe-west3", 14.0, 0.05, True),
        ("azure-westeurope", 24.0, 0.04, True),
        ("aws-us-east-1", 92.0, 0.02, True),
        ("gcp-us-east4", 95.0, 0.03, False),
    ]
    for weight, order in re.findall(r"^\s*(\d+) ms per \$/GiB: (\[.*\])$", out, re.M):
        up = [d for d in destinations if d[3] and d[1] <= 100]
        want = [d[0] for d in sorted(up, key=lambda d: d[1] + float(weight) * d[2])]
        assert ast.literal_eval(order) == want
    # priority failover with independent levels: A1, (1 - A1) A2, ...
    a = [0.995, 0.99, 0.98]
    want = [a[0], (1 - a[0]) * a[1], (1 - a[0]) * (1 - a[1]) * a[2], math.prod(1 - x for x in a)]
    printed = ast.literal_eval(grab(r"^instant failback shares: (\[.*\])$", out)[0])
    assert printed == [round(x, 5) for x in want]
    # the page's closed forms, against the probe schedule summed here: probe k at
    # (k + 1) R + G after the failure, the outage exponential with mean mttr
    mttr, r, g = 1800.0, 600.0, 30.0
    probes = [(k + 1) * r + g for k in range(200)]
    delay = sum(
        t * (math.exp(-lo / mttr) - math.exp(-t / mttr)) for lo, t in zip([0.0, *probes], probes)
    )
    assert floats(r"mttr 30 min, defaults: (\d+)$", out) == [round(delay)]
    # max_retries = 10: the outage outlasts the tenth probe
    (abandon,) = floats(r"max_retries=10\): ([\d.]+)$", out)
    assert abandon == round(math.exp(-probes[9] / mttr), 4)
    # simulated two years: no retry limit keeps the primary ~ its availability; a limit
    # abandons both levels
    lost0, below0 = floats(
        r"^max_retries= 0: .*lost ([\d.]+), below best ([\d.]+), abandoned \(\)$", out
    )
    assert lost0 < 0.001 and below0 < 0.01
    assert re.search(r"^max_retries=10: .*abandoned \(0, 1\)$", out, re.M)


def security_hardening(out: str) -> None:
    key = b"rotate-me-from-a-secret-store"
    assert grab(r"^keyed token \(HMAC-SHA-256\): (\w+)$", out) == (
        hmac.new(key, b"10.0.37.201", hashlib.sha256).hexdigest()[:16],
    )
    # the planted secrets: a Visa test card, a percent-encoded mail, an IPv6, a JWT
    assert ast.literal_eval(grab(r"^kinds found: (\[.*\])$", out)[0]) == [
        "card",
        "credential",
        "email",
        "ipv6",
        "jwt",
    ]
    assert "@" in base64.b64decode("bWFpbCBib2JAZXhhbXBsZS5vcmc=").decode()
    assert "hidden in base64: {'email'}" in out
    assert "removed (not allowed): ('session.token', 'enduser.id')" in out
    assert not re.search(r"4111|alice|2001:db8|eyJ", out.split("removed")[0], re.I)
    # the defects the configuration file declares on its first line, at their lines
    path = ROOT / "src/otlpkb/datasets/collector_configs/bad_everything.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    expected = set(lines[0].removeprefix("# expect:").split())
    found = re.findall(r"^  line\s+(\d+) (?:high|medium)\s+(\w+)$", out, re.M)
    assert {rule for _, rule in found} == expected
    assert len(found) == int(grab(r"^bad_everything.yaml: (\d+) findings$", out)[0])
    where = {
        "NO_AUTH": ("endpoint:",),
        "NO_TLS": ("endpoint:",),
        "WILDCARD_BIND": ("0.0.0.0:", '":'),
        "INSECURE_TLS": ("endpoint:",),
        "TLS_MIN_VERSION": ("min_version:",),
        "PLAINTEXT_SECRET": ("x-api-key:",),
        "NO_MEMORY_LIMITER": ("traces:", "logs:"),  # the pipelines without one
    }
    for line, rule in found:
        assert any(w in lines[int(line) - 1] for w in where[rule]), (line, rule)
    assert "good_gateway.yaml: 0 findings" in out


def data_recovery(out: str) -> None:
    # planted: 24 items with 3 crashes, batches of 4; every acknowledged item stored once
    found = grab(
        r"^crashes (\d+); acknowledged (\d+), stored (\d+), lost (\d+), stored twice (\d+)", out
    )
    assert tuple(map(int, found)) == (3, 24, 24, 0, 0)
    # items 20 to 31 of 50 were lost in transit; the source still buffers them all
    assert "gaps [Gap(source='svc', first=20, last=31)] filled 12 unrecoverable 0" in out
    # heartbeats every 10 s with checks 12 to 19 missing: silent from 110 s to 200 s
    assert "silences [(110.0, 200.0)]" in out


def degradation(out: str) -> None:
    # a token bucket (golang.org/x/time/rate semantics): 5 tokens/s, burst 3, full at 0
    tokens, last, want = 3.0, 0.0, []
    for t in (0.0, 0.0, 0.0, 0.0, 0.1, 0.2, 0.4):
        tokens, last = min(3.0, tokens + 5.0 * (t - last)), t
        want.append(tokens >= 1 - 1e-9)
        tokens -= want[-1]
    assert ast.literal_eval(grab(r"^(\[(?:True|False).*\])$", out)[0]) == want
    # priority shedding: the stationary law of the birth-death chain (Kleinrock 1975, ch.
    # 3), arrivals of class k admitted below its threshold, 10 servers at rate 1
    rates, thresholds = (3.6, 4.8, 3.6), (20, 14, 11)
    p = [1.0]
    for n in range(20):
        admitted = sum(r for r, k in zip(rates, thresholds) if n < k)
        p.append(p[-1] * admitted / min(n + 1, 10))
    law = [x / sum(p) for x in p]
    rows = re.findall(r"^class (\d): refused ([\d.]+) \(closed form ([\d.]+)\)$", out, re.M)
    assert len(rows) == 3
    for k, sim, closed in rows:
        assert float(closed) == round(sum(law[thresholds[int(k)] :]), 3)
        assert float(sim) == pytest.approx(float(closed), abs=0.04)  # 1000 s, autocorrelated
    # one class: Erlang's loss law of M/M/10/20 at 12/s, P(n = 20)
    q = [12.0**n / (math.factorial(min(n, 10)) * 10.0 ** max(n - 10, 0)) for n in range(21)]
    assert floats(r"M/M/10/20 refuses ([\d.]+)$", out) == [round(q[-1] / sum(q), 3)]
    # the GC back-off (Collector issue #4981): with it off, a forced GC at each 1 s check
    # through the 120 s outage; with a 30 s cap, a handful
    gcs = [int(x) for x in re.findall(r"forced GCs\s+(\d+)", out)]
    assert len(gcs) == 2 and 110 <= gcs[1] <= 125 and gcs[0] <= gcs[1] / 5
    # thinning a Poisson stream to a 9/s target keeps 9/20 of it
    (kept, per_second) = floats(r"^kept ([\d.]+) of 20/s = ([\d.]+)/s", out)
    assert kept == pytest.approx(9 / 20, rel=0.05) and per_second == round(20 * kept, 2)


def postmortems(out: str) -> None:
    (start, end) = floats(r"^refusing from (\d+) s to (\d+) s;", out)
    (fired,) = floats(r"^alert fired at ([\d.]+) s$", out)
    # the timeline the example planted (impact at 600 s, acknowledged 4 min after the
    # page, resolved 2 h after the mitigation at the end of the refusals), in minutes
    mitigated = (end + 1 - 600) / 60
    assert f"(TTD {round((fired - 600) / 60)} min)" in out and "(TTA 4 min)" in out
    assert f"(TTM {round(mitigated)} min)" in out
    assert f"(TTR {(mitigated + 120) / 60:.1f} h)" in out
    # the budget: bad fraction x TTM over 0.1 % of 30 days (SRE Workbook, chapter 2)
    (bad,) = floats(r"^- Failed events while impacted: ([\d.]+)%$", out)
    (spent,) = floats(r"^- Error budget spent: ([\d.]+)% of the 30-day", out)
    assert spent == pytest.approx(100 * bad / 100 * mitigated / (0.001 * 30 * 24 * 60), abs=0.1)
    # the heartbeat's silence brackets the refusals within one 10 s beat
    gap = ast.literal_eval(grab(r"^gap in a 10 s heartbeat: (\[.*\])$", out)[0])
    assert len(gap) == 1 and start - 10 <= gap[0][0] < start and end < gap[0][1] <= end + 10
    assert "blameful phrases: []" in out
    # the shipped postmortem, read here
    path = ROOT / "src/otlpkb/datasets/incidents/postmortem-INC-2026-005.json"
    shipped = json.loads(path.read_text(encoding="utf-8"))
    assert out.rstrip().endswith(
        f"{shipped['incident']['title']} - {len(shipped['action_items'])} actions"
    )


def response_process(out: str) -> None:
    import numpy as np
    from scipy import stats

    assert "cannot go from acknowledged to resolved; allowed next: mitigated" in out
    # 8 % of requests failing for 31 min against a 99.9 % SLO over 30 days
    (spent,) = floats(r"^budget consumed ([\d.]+)%", out)
    assert spent == round(100 * 0.08 * 31 / (0.001 * 30 * 24 * 60), 1)
    # the incident records counted here: TTD = detected - started, TTA = acknowledged -
    # detected, TTM and TTR from the start; means, medians, p90; scipy's percentile
    # bootstrap for the interval of the mean (Monte Carlo, so within 10 %)
    path = ROOT / "src/otlpkb/datasets/incidents/records.json"
    records = json.loads(path.read_text(encoding="utf-8"))["incidents"]

    def minutes(a: str | None, b: str | None) -> float:
        if a is None or b is None:
            return math.nan
        return (dt.datetime.fromisoformat(b) - dt.datetime.fromisoformat(a)).total_seconds() / 60

    spans = {
        "TTD": ("started", "detected"),
        "TTA": ("detected", "acknowledged"),
        "TTM": ("started", "mitigated"),
        "TTR": ("started", "resolved"),
    }
    for metric, (a, b) in spans.items():
        times = [{"started": r["started"], **r["timeline"]} for r in records]
        x = np.array([minutes(t.get(a), t.get(b)) for t in times])
        x = x[~np.isnan(x)]
        pattern = (
            rf"^ {metric}  n=\s*(\d+)  mean=\s*([\d.]+) min  median=\s*([\d.]+)  "
            r"p90=\s*([\d.]+)  95% CI of mean \[([\d.]+), ([\d.]+)\]$"
        )
        n, mean, median, p90, low, high = floats(pattern, out)
        assert n == x.size
        assert (mean, median, p90) == tuple(
            round(float(v), 1) for v in (x.mean(), np.median(x), np.percentile(x, 90))
        )
        ci = stats.bootstrap(
            (x,), np.mean, method="percentile", n_resamples=4000, random_state=1
        ).confidence_interval
        assert low == pytest.approx(ci.low, rel=0.1) and high == pytest.approx(ci.high, rel=0.1)
    assert grab(r"one for \d+ of (\d+) incidents$", out) == (str(len(records)),)


def toolset(out: str) -> None:
    # planted: 6 scenarios of 40 baseline and 40 anomalous traces, 50 spans sent twice
    written, _, duplicated = floats(r"^(\d+) spans written, (\d+) lost on purpose, (\d+) dup", out)
    assert duplicated == 50
    rows = re.findall(
        r"^window\s+(\d+): spans (\d+), traces (\d+), orphans (\d+), duplicates (\d+), "
        r"skewed (\d+), split (\d+)$",
        out,
        re.M,
    )
    assert len(rows) == 2 and all(int(r[1]) == written for r in rows)
    # with every trace held open: 6 x 2 x 40 traces, none split, every duplicate seen
    _, _, traces, _, duplicates, _, split = map(int, rows[1])
    assert (traces, duplicates, split) == (6 * 2 * 40, duplicated, 0)
    # DuckDB reading the Parquet file counts the spans per service as the inspector does
    services = dict(re.findall(r"^  (\w+)\s+(\d+) spans\s", out, re.M))
    n, table = grab(r"^(\d+) spans in Parquet; slowest services by p99: (\[.*\])$", out)
    assert int(n) == written
    duck = {name: count for name, count, _ in ast.literal_eval(table)}
    common = set(duck) & set(services)
    assert len(common) >= 2 and all(duck[s] == int(services[s]) for s in common)


CLAIMS: dict[str, Callable[[str], None]] = {
    "advanced/chaos_engineering.py": chaos_engineering,
    "advanced/multi_cloud.py": multi_cloud,
    "advanced/security_hardening.py": security_hardening,
    "capacity/cost_optimization.py": cost_optimization,
    "capacity/forecasting.py": forecasting,
    "capacity/resource_usage.py": resource_usage,
    "capacity/scaling_decisions.py": scaling_decisions,
    "diagnosis/common_problems.py": common_problems,
    "diagnosis/decision_tree.py": decision_tree,
    "diagnosis/root_cause_analysis.py": root_cause_analysis,
    "diagnosis/toolset.py": toolset,
    "distributed_systems/causality.py": causality,
    "distributed_systems/consistency.py": consistency,
    "distributed_systems/cycle_detection.py": cycle_detection,
    "distributed_systems/tracing.py": tracing,
    "fault_tolerance/failure_detection.py": failure_detection,
    "fault_tolerance/mechanisms.py": mechanisms,
    "fault_tolerance/recovery.py": recovery,
    "fault_tolerance/reliability.py": reliability,
    "formal/algorithm_correctness.py": algorithm_correctness,
    "formal/concurrency_safety.py": concurrency_safety,
    "formal/protocol_specification.py": protocol_specification,
    "formal/system_invariants.py": system_invariants,
    "incident/data_recovery.py": data_recovery,
    "incident/degradation.py": degradation,
    "incident/postmortems.py": postmortems,
    "incident/response_process.py": response_process,
    "monitoring/alert_fatigue.py": alert_fatigue,
    "monitoring/alert_rules.py": alert_rules,
    "monitoring/observability_practices.py": observability_practices,
    "monitoring/slo_sla.py": slo_sla,
    "performance/latency.py": latency,
    "performance/queueing.py": queueing,
    "performance/resources.py": resources,
    "performance/throughput.py": throughput,
    "tuning/bottleneck_analysis.py": bottleneck_analysis,
    "tuning/identifying_problems.py": identifying_problems,
    "tuning/optimization_catalogue.py": optimization_catalogue,
    "tuning/regression_detection.py": regression_detection,
}


def test_every_example_is_checked() -> None:
    names = {str(p.relative_to(ROOT / "examples")) for p in EXAMPLES}
    assert names - set(CLAIMS) == set(), "add a check of its results to CLAIMS"
    assert set(CLAIMS) <= names, "CLAIMS names an example that does not exist"


CHECKED = [p for p in EXAMPLES if str(p.relative_to(ROOT / "examples")) in CLAIMS]


@pytest.mark.parametrize("example", CHECKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_example_key_results_hold(example: Path) -> None:
    name = str(example.relative_to(ROOT / "examples"))
    result = run_example(example)
    assert result.returncode == 0, result.stderr[-4000:]
    CLAIMS[name](result.stdout)
