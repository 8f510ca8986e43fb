"""Microservice traces with one injected fault: the test bench of root-cause analysis.

`make_scenario` draws a random microservice system from a seed (seven to ten services
in a call tree, some calls sequential and some parallel, some services with a database
client span, every service on one of four hosts with a version), generates a *baseline*
window of traces, and a second, *anomalous* window in which one fault acts:

* ``"slow_database"``: one service's database calls become several times slower;
* ``"erroring_dependency"``: one service fails a share of its requests, and the error
  travels up to every caller, as instrumented servers report it;
* ``"retry_storm"``: one service fails attempts transiently and its caller retries with
  exponential backoff, so the callee's spans multiply and the caller waits;
* ``"noisy_neighbour"``: another tenant on one service's host steals CPU in bursts, so
  that service's own work is slower in part of the traces (the tenant is not traced).

The fault's service is the scenario's ``culprit``. A deploy marker (a new
``service.version``) comes with the culprit in half of the slow-database and erroring
scenarios, and an unrelated service is redeployed in a third of all scenarios, so a
change that lines up with the shift is evidence, not proof.

See the chapter *Root cause analysis* (5.2).

Examples:
    >>> s = make_scenario(3, "slow_database", n_traces=20)
    >>> s.kind, s.culprit in s.services
    ('slow_database', True)
    >>> len({sp.trace_id for sp in s.anomalous})
    20
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from otlpkb.otlp import Span

__all__ = ["FAULT_KINDS", "Scenario", "ServiceNode", "make_scenario", "scenarios"]

FAULT_KINDS: tuple[str, ...] = (
    "slow_database",
    "erroring_dependency",
    "retry_storm",
    "noisy_neighbour",
)
"""The injected faults, in the order `scenarios` cycles through them."""

_NAMES = (
    "frontend",
    "cart",
    "checkout",
    "currency",
    "shipping",
    "payment",
    "email",
    "catalog",
    "ads",
    "recommendation",
    "auth",
    "inventory",
    "pricing",
    "search",
)
SERVER, CLIENT = 2, 3


@dataclass(frozen=True)
class ServiceNode:
    """One service of a generated system.

    Attributes:
        name: ``service.name``.
        operation: the name of its server span.
        own_ms: median of its own work (ms), half before and half after its calls.
        sigma: log-standard deviation of its own work.
        calls: groups of callee services; groups run in sequence, callees in a group in
            parallel.
        database: the name of its database client span, or ``""``.
        host: ``host.name`` it runs on.
    """

    name: str
    operation: str
    own_ms: float
    sigma: float
    calls: tuple[tuple[str, ...], ...] = ()
    database: str = ""
    host: str = ""


@dataclass(frozen=True)
class Scenario:
    """A generated system, its two windows of traces and the truth.

    Attributes:
        seed: the seed it was drawn from.
        kind: one of `FAULT_KINDS`.
        culprit: the service the fault acts on.
        services: the system, by service name; the root is ``"frontend"``.
        baseline: spans of the healthy window.
        anomalous: spans of the window with the fault.
        deployed: services redeployed between the windows (new ``service.version``).
    """

    seed: int
    kind: str
    culprit: str
    services: Mapping[str, ServiceNode]
    baseline: list[Span] = field(repr=False)
    anomalous: list[Span] = field(repr=False)
    deployed: tuple[str, ...] = ()


def _system(rng: random.Random) -> dict[str, ServiceNode]:
    n = rng.randint(7, 10)
    names = ["frontend", *rng.sample(_NAMES[1:], n - 1)]
    parents = {names[i]: names[rng.randrange(i)] for i in range(1, n)}
    nodes = {}
    for name in names:
        callees = [c for c in names if parents.get(c) == name]
        groups: list[tuple[str, ...]] = []
        while callees:
            size = rng.randint(1, len(callees))
            groups.append(tuple(callees[:size]))
            callees = callees[size:]
        db = "SELECT" if name != "frontend" and rng.random() < 0.4 else ""
        nodes[name] = ServiceNode(
            name,
            "GET /checkout" if name == "frontend" else f"{name.title()}Request",
            float(rng.uniform(1.0, 8.0)),
            float(rng.uniform(0.2, 0.5)),
            tuple(groups),
            f"{db} {name}_items" if db else "",
            f"node-{rng.randrange(4)}",
        )
    return nodes


@dataclass
class _Fault:
    slow: dict[str, float] = field(default_factory=dict)  # service or service/db -> factor
    error: dict[str, float] = field(default_factory=dict)  # service -> failure probability
    flaky: dict[str, float] = field(default_factory=dict)  # service -> per-attempt failure
    burst: tuple[str, float, float] = ("", 0.0, 1.0)  # service, share of traces, factor


@dataclass
class _Trace:
    """What generating one trace needs; its methods append spans to ``out``."""

    rng: random.Random
    nodes: Mapping[str, ServiceNode]
    versions: Mapping[str, str]
    fault: _Fault
    trace_id: str
    noisy: bool
    out: list[Span]

    def span(
        self, span_id: str, parent: str, service: str, name: str, kind: int,
        start: int, end: int, failed: bool,
    ) -> Span:  # fmt: skip
        node = self.nodes[service]
        resource = {"service.version": self.versions[service], "host.name": node.host}
        return Span(
            self.trace_id, span_id, parent, name, kind, start, end, 2 if failed else 0,
            service_name=service, resource_attributes=resource,
        )  # fmt: skip

    def emit(self, parent: str, name: str, start: int) -> tuple[int, bool]:
        """The server span of ``name`` and its subtree; its end and whether it failed."""
        rng, node, fault = self.rng, self.nodes[name], self.fault
        span_id = _id(rng, 64)
        index = len(self.out)
        self.out.append(self.span(span_id, parent, name, node.operation, SERVER, 0, 0, False))
        own = rng.lognormvariate(math.log(node.own_ms), node.sigma) * fault.slow.get(name, 1.0)
        if self.noisy and fault.burst[0] == name:
            own *= fault.burst[2] * rng.lognormvariate(0.0, 0.3)
        clock = start + int(own / 2 * 1e6)
        failed = bool(rng.random() < fault.error.get(name, 0.0))
        if node.database:
            db_ms = rng.lognormvariate(math.log(node.own_ms / 2), 0.4)
            end_db = clock + int(db_ms * fault.slow.get(f"{name}/db", 1.0) * 1e6)
            self.out.append(
                self.span(_id(rng, 64), span_id, name, node.database, CLIENT, clock, end_db,
                          False)
            )  # fmt: skip
            clock = end_db
        for group in node.calls:
            ends = [self.call(span_id, callee, clock) for callee in group]
            clock = max(end for end, _ in ends)
            failed = failed or any(err for _, err in ends)
        end = clock + int(own / 2 * 1e6)
        self.out[index] = self.span(
            span_id, parent, name, node.operation, SERVER, start, end, failed
        )
        return end, failed

    def call(self, parent: str, callee: str, start: int) -> tuple[int, bool]:
        """A call with the caller's retry policy: up to 4 attempts, backoff 10, 20, 40 ms."""
        p_flaky = self.fault.flaky.get(callee, 0.0)
        clock = start
        for attempt in range(4):
            if p_flaky and self.rng.random() < p_flaky:  # a transient failure, answered fast
                end = clock + int(self.rng.lognormvariate(math.log(0.5), 0.3) * 1e6)
                operation = self.nodes[callee].operation
                self.out.append(
                    self.span(_id(self.rng, 64), parent, callee, operation, SERVER, clock,
                              end, True)
                )  # fmt: skip
                if attempt == 3:
                    return end, True
                clock = end + int(10 * 2**attempt * 1e6)  # the caller waits: its own time
                continue
            return self.emit(parent, callee, clock)
        raise AssertionError("unreachable")  # pragma: no cover


def _id(rng: random.Random, bits: int) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def _window(
    rng: random.Random,
    nodes: Mapping[str, ServiceNode],
    versions: Mapping[str, str],
    fault: _Fault,
    n_traces: int,
    start: int,
) -> list[Span]:
    spans: list[Span] = []
    clock = float(start)
    for _ in range(n_traces):
        noisy = bool(rng.random() < fault.burst[1])
        trace = _Trace(rng, nodes, versions, fault, _id(rng, 128), noisy, spans)
        trace.emit("", "frontend", int(clock))
        clock += rng.expovariate(1 / 50.0) * 1e6
    return spans


def make_scenario(seed: int, kind: str | None = None, *, n_traces: int = 80) -> Scenario:
    """Draw a system from ``seed``, inject a fault of ``kind`` and generate both windows.

    Args:
        seed: the seed of every draw (same seed and kind, same scenario).
        kind: one of `FAULT_KINDS`; ``None`` picks one from the seed.
        n_traces: traces in each window, >= 5.

    Raises:
        ValueError: an unknown kind or too few traces.
    """
    if kind is None:
        kind = FAULT_KINDS[seed % len(FAULT_KINDS)]
    if kind not in FAULT_KINDS:
        raise ValueError(f"kind must be one of {FAULT_KINDS}, got {kind!r}")
    if isinstance(n_traces, bool) or not isinstance(n_traces, int) or n_traces < 5:
        raise ValueError(f"n_traces must be an int >= 5, got {n_traces!r}")
    rng = random.Random(f"otlpkb-rca-{seed}-{kind}")
    nodes = _system(rng)
    names = list(nodes)
    before = {n: f"1.{rng.randrange(20)}.0" for n in names}
    after = dict(before)
    fault = _Fault()
    # --8<-- [start:inject]
    if kind == "slow_database":
        with_db = [n for n in names if nodes[n].database] or names[1:]
        culprit = str(rng.choice(with_db))
        nodes[culprit] = _with_db(nodes[culprit])
        fault.slow[f"{culprit}/db"] = float(rng.uniform(4.0, 12.0))
    elif kind == "erroring_dependency":
        culprit = str(rng.choice(names[1:]))
        fault.error[culprit] = float(rng.uniform(0.15, 0.5))
    elif kind == "retry_storm":
        culprit = str(rng.choice(names[1:]))
        fault.flaky[culprit] = float(rng.uniform(0.4, 0.7))
    else:  # noisy_neighbour: bursts of stolen CPU on the culprit's host
        culprit = str(rng.choice(names[1:]))
        fault.burst = (culprit, float(rng.uniform(0.3, 0.7)), float(rng.uniform(3.0, 8.0)))
    # --8<-- [end:inject]
    deployed = []
    if kind in ("slow_database", "erroring_dependency") and rng.random() < 0.5:
        deployed.append(culprit)
    if rng.random() < 1 / 3:
        deployed.append(str(rng.choice([n for n in names if n != culprit])))
    for name in deployed:
        after[name] = before[name].rsplit(".", 1)[0] + ".1"
    healthy = _window(rng, nodes, before, _Fault(), n_traces, 1_700_000_000_000_000_000)
    faulty = _window(rng, nodes, after, fault, n_traces, 1_700_000_600_000_000_000)
    return Scenario(seed, kind, culprit, nodes, healthy, faulty, tuple(deployed))


def _with_db(node: ServiceNode) -> ServiceNode:
    if node.database:
        return node
    return ServiceNode(
        node.name,
        node.operation,
        node.own_ms,
        node.sigma,
        node.calls,
        f"SELECT {node.name}_items",
        node.host,
    )


def scenarios(n: int, *, n_traces: int = 80, seed: int = 0) -> list[Scenario]:
    """``n`` scenarios, seeds ``seed, seed+1, ...``, cycling through `FAULT_KINDS`."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    return [
        make_scenario(seed + k, FAULT_KINDS[k % len(FAULT_KINDS)], n_traces=n_traces)
        for k in range(n)
    ]
