r"""Routing telemetry across regions and providers: hash rings, membership changes, failover.

The reference implementation of the chapter *Multi-cloud management* (A.2):

* `HashRing`: the consistent hash ring of the Collector's ``loadbalancing`` exporter, the
  same positions and the same lookup (CRC-32 of the routing key modulo 36,000 positions,
  100 points an endpoint), so that a ring built here routes a trace ID to the endpoint the
  Collector picks;
* `moved_fraction`: the exact share of the key space that changes owner when the list of
  back ends changes, and `expected_split_traces`, the closed form for the number of traces
  whose spans land on two back ends after one membership change;
  `simulate_membership_change` measures the same thing on random traces, with load
  balancers that learn of the change at different times (the DNS resolver's poll);
* `rank_destinations`: latency-, cost- and health-aware ordering of destinations, which is
  the priority list of a failover;
* `failover_shares`, `failback_delay`, `abandon_probability` and `simulate_failover`: the
  ``failover`` connector's priority levels with ``retry_interval``, ``retry_gap`` and
  ``max_retries``, in closed form and simulated.

See the chapter *Multi-cloud management* (A.2).

Examples:
    >>> ring = HashRing(["endpoint-1", "endpoint-2"])
    >>> ring.endpoint_for(bytes([128, 128, 0, 0]))
    'endpoint-2'
    >>> bigger = HashRing(["endpoint-1", "endpoint-2", "endpoint-3"])
    >>> 0.2 < moved_fraction(ring, bigger) < 0.5
    True
    >>> failover_shares([0.99, 0.9]).round(3).tolist()
    [0.99, 0.009, 0.001]
"""

from __future__ import annotations

import heapq
import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from otlpkb._checks import integer, non_negative, positive

__all__ = [
    "RING_POSITIONS",
    "RING_WEIGHT",
    "Destination",
    "FailoverResult",
    "HashRing",
    "MembershipChange",
    "abandon_probability",
    "expected_split_traces",
    "failback_delay",
    "failover_shares",
    "moved_fraction",
    "rank_destinations",
    "simulate_failover",
    "simulate_membership_change",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Positions on the Collector's ring: "360 degrees with two decimal places".
RING_POSITIONS = 36_000
#: Points an endpoint takes on the Collector's ring (``defaultWeight``).
RING_WEIGHT = 100


class HashRing:
    """A consistent hash ring built the way the ``loadbalancing`` exporter builds its own.

    Endpoint ``e`` takes the points ``crc32(e + byte(i)) mod positions`` for
    ``i = 0 .. weight - 1``; a point already taken by an earlier endpoint is skipped. A
    key (a trace ID's 16 bytes, a service name's UTF-8 bytes) hashes to
    ``crc32(key) mod positions`` and belongs to the first point at or after it, wrapping
    round to the first point of the ring.

    Args:
        endpoints: the back ends, in the resolver's order (duplicates are ignored).
        weight: points per endpoint (the Collector uses 100; at most 256, since the
            Collector appends the point number as one byte).
        positions: size of the position space (the Collector uses 36,000).

    Raises:
        ValueError: no endpoint, an empty endpoint name, or weight/positions out of range.
        TypeError: an endpoint that is not a string.

    Examples:
        >>> ring = HashRing(["endpoint-1", "endpoint-2"], weight=5)
        >>> ring.points[:3].tolist(), ring.owners[:3].tolist()
        ([1401, 4175, 10240], [0, 0, 1])
        >>> round(sum(ring.shares().values()), 12)
        1.0
    """

    def __init__(
        self,
        endpoints: Iterable[str],
        *,
        weight: int = RING_WEIGHT,
        positions: int = RING_POSITIONS,
    ) -> None:
        names: list[str] = []
        for i, e in enumerate(endpoints):
            if not isinstance(e, str):
                raise TypeError(f"endpoints[{i}] must be a string, got {e!r}")
            if not e:
                raise ValueError(f"endpoints[{i}] must not be empty")
            if e not in names:
                names.append(e)
        if not names:
            raise ValueError("endpoints must name at least one back end, got none")
        w = integer("weight", weight, minimum=1)
        if w > 256:
            raise ValueError(f"weight must be <= 256, got {weight!r}")
        size = integer("positions", positions, minimum=1)
        self.endpoints: tuple[str, ...] = tuple(names)
        self.weight = w
        self.positions = size
        # --8<-- [start:ring]
        taken: dict[int, int] = {}  # ring position -> index of the endpoint that owns it
        for owner, name in enumerate(self.endpoints):
            for i in range(self.weight):
                pos = zlib.crc32(name.encode() + bytes([i % 256])) % self.positions
                taken.setdefault(pos, owner)  # a position already taken is skipped
        order = sorted(taken)
        # --8<-- [end:ring]
        self.points: IntArray = np.array(order, dtype=np.int64)
        self.owners: IntArray = np.array([taken[p] for p in order], dtype=np.int64)

    def position(self, key: bytes) -> int:
        """The ring position of a routing key: ``crc32(key) mod positions``."""
        if not isinstance(key, (bytes, bytearray)):
            raise TypeError(f"key must be bytes, got {type(key).__name__}")
        return zlib.crc32(key) % self.positions

    def owner_of(self, positions: npt.ArrayLike) -> IntArray:
        """Index (into `endpoints`) of the endpoint that owns each ring position."""
        pos = np.asarray(positions, dtype=np.int64)
        if pos.size and (pos.min() < 0 or pos.max() >= self.positions):
            raise ValueError(f"positions must lie in [0, {self.positions}), got {pos!r}")
        # --8<-- [start:lookup]
        # the first point at or after the position, wrapping round to the first point
        idx = np.searchsorted(self.points, pos, side="left") % len(self.points)
        return self.owners[idx]
        # --8<-- [end:lookup]

    def endpoint_for(self, key: bytes) -> str:
        """The endpoint a routing key (a trace ID's bytes) is sent to."""
        return self.endpoints[int(self.owner_of(self.position(key)))]

    def owner_table(self) -> list[str]:
        """The endpoint that owns each of the ring's positions, position by position."""
        owners = self.owner_of(np.arange(self.positions))
        return [self.endpoints[int(k)] for k in owners]

    def shares(self) -> dict[str, float]:
        """The fraction of the position space each endpoint owns (what it receives)."""
        counts = np.bincount(
            self.owner_of(np.arange(self.positions)), minlength=len(self.endpoints)
        )
        return {e: float(c) / self.positions for e, c in zip(self.endpoints, counts)}


def moved_fraction(old: HashRing, new: HashRing) -> float:
    """The exact fraction of the key space whose owner differs between two rings.

    With keys spread uniformly over the positions (CRC-32 of random trace IDs), this is
    the probability that a trace's spans are routed elsewhere after the change.

    Args:
        old: the ring before the membership change.
        new: the ring after it (same number of positions).

    Raises:
        TypeError: an argument that is not a `HashRing`.
        ValueError: rings with different position spaces.

    Examples:
        >>> a = HashRing(["a", "b", "c", "d"])
        >>> moved_fraction(a, a)
        0.0
        >>> moved_fraction(a, HashRing(["a", "b", "c"])) == a.shares()["d"]
        True
    """
    for name, ring in (("old", old), ("new", new)):
        if not isinstance(ring, HashRing):
            raise TypeError(f"{name} must be a HashRing, got {type(ring).__name__}")
    if old.positions != new.positions:
        raise ValueError(
            "old.positions and new.positions must be equal, got "
            f"{old.positions} and {new.positions}"
        )
    everywhere = np.arange(old.positions)
    before = np.array(old.endpoints, dtype=object)[old.owner_of(everywhere)]
    after = np.array(new.endpoints, dtype=object)[new.owner_of(everywhere)]
    return float(np.count_nonzero(before != after)) / old.positions


def expected_split_traces(
    trace_rate: float, moved: float, mean_spread: float, resolver_lag: float = 0.0
) -> float:
    r"""Expected number of traces split over two back ends by one membership change.

    A trace's spans are exported over a *spread* $D$, from its first to its last span.
    When every load balancer switches rings at the same instant $c$, a trace is split
    exactly when its key moved (probability $m$) and $c$ falls inside its spread. With
    trace starts a Poisson process of rate $\lambda$, that is $\lambda\,m\,E[D]$ traces.
    When load balancers switch at different times within a window of length $I$ (the DNS
    resolver's ``interval``), the window widens to $E[D] + I$, and the result is an upper
    bound: $\lambda\,m\,(E[D] + I)$.

    Args:
        trace_rate: traces started per second, $\lambda$.
        moved: fraction of the key space that changed owner, $m$ (`moved_fraction`).
        mean_spread: mean seconds from a trace's first exported span to its last, $E[D]$.
        resolver_lag: seconds over which the load balancers pick up the change, $I$.

    Examples:
        >>> expected_split_traces(200.0, 0.2, 5.0)
        200.0
        >>> expected_split_traces(200.0, 0.2, 5.0, resolver_lag=5.0)
        400.0
    """
    lam = non_negative("trace_rate", trace_rate)
    m = non_negative("moved", moved)
    if m > 1:
        raise ValueError(f"moved must lie in [0, 1], got {moved!r}")
    d = non_negative("mean_spread", mean_spread)
    lag = non_negative("resolver_lag", resolver_lag)
    # --8<-- [start:split]
    return lam * m * (d + lag)
    # --8<-- [end:split]


@dataclass(frozen=True)
class MembershipChange:
    r"""What one membership change did to the traces in flight (`simulate_membership_change`).

    Attributes:
        traces: traces started in the simulated window.
        spans: spans exported.
        split_traces: traces whose spans reached more than one back end.
        split_fraction: ``split_traces / traces``.
        moved_fraction: exact fraction of the key space that changed owner.
        expected_split: closed form with no resolver lag, $\lambda m E[D]$.
        split_bound: the closed-form upper bound with the lag, $\lambda m (E[D] + I)$.
        spans_per_backend: spans received per endpoint (union of both rings' endpoints).
    """

    traces: int
    spans: int
    split_traces: int
    split_fraction: float
    moved_fraction: float
    expected_split: float
    split_bound: float
    spans_per_backend: dict[str, int]


def simulate_membership_change(
    old: HashRing,
    new: HashRing,
    *,
    trace_rate: float,
    mean_spread: float,
    spans_per_trace: int = 8,
    duration: float = 120.0,
    change_at: float = 60.0,
    resolver_lag: float = 0.0,
    instances: int = 1,
    seed: int = 0,
) -> MembershipChange:
    """Route random traces through load balancers that switch from `old` to `new` rings.

    Traces start as a Poisson process over ``[0, duration)`` with random 16-byte trace
    IDs. Each trace's spread is exponential with mean `mean_spread`; its first span is
    exported at the start, its last at the end of the spread and the others uniformly in
    between. Each span passes through one of `instances` load balancers chosen at random;
    load balancer ``j`` switches rings at ``change_at + lag_j`` with ``lag_j`` uniform in
    ``[0, resolver_lag]``. A trace is *split* when its spans reach two back ends.

    Args:
        old: ring before the change.
        new: ring after the change.
        trace_rate: traces started per second.
        mean_spread: mean seconds from a trace's first exported span to its last.
        spans_per_trace: spans per trace (at least 2).
        duration: simulated seconds.
        change_at: when the membership changes, in ``[0, duration]``.
        resolver_lag: window over which the load balancers see the change.
        instances: number of load balancers (Collector replicas running the exporter).
        seed: random seed.

    Examples:
        >>> r = simulate_membership_change(
        ...     HashRing(["a", "b", "c"]), HashRing(["a", "b", "c", "d"]),
        ...     trace_rate=100.0, mean_spread=2.0, seed=1)
        >>> r.split_traces > 0 and r.split_fraction < 0.05
        True
    """
    m = moved_fraction(old, new)
    lam = positive("trace_rate", trace_rate)
    spread = non_negative("mean_spread", mean_spread)
    k = integer("spans_per_trace", spans_per_trace, minimum=2)
    t_end = positive("duration", duration)
    c = non_negative("change_at", change_at)
    if c > t_end:
        raise ValueError(f"change_at must lie in [0, duration], got {change_at!r}")
    lag = non_negative("resolver_lag", resolver_lag)
    n_lb = integer("instances", instances, minimum=1)
    rng = np.random.default_rng(integer("seed", seed, minimum=0))
    n = int(rng.poisson(lam * t_end))
    start = rng.uniform(0.0, t_end, n)
    d = rng.exponential(spread, n) if spread > 0 else np.zeros(n)
    frac = np.sort(rng.uniform(0.0, 1.0, (n, k)), axis=1)
    frac[:, 0], frac[:, -1] = 0.0, 1.0
    ids = rng.integers(0, 256, (n, 16), dtype=np.uint8)
    pos = np.array([zlib.crc32(row.tobytes()) % old.positions for row in ids], dtype=np.int64)
    names = list(dict.fromkeys(old.endpoints + new.endpoints))
    old_owner = np.array([names.index(e) for e in old.endpoints])[old.owner_of(pos)]
    new_owner = np.array([names.index(e) for e in new.endpoints])[new.owner_of(pos)]
    switch = c + rng.uniform(0.0, lag, n_lb)
    # --8<-- [start:simulate]
    times = start[:, None] + frac * d[:, None]  # export time of every span, (n, k)
    via = rng.integers(0, n_lb, (n, k))  # the load balancer each span passes through
    uses_new = times >= switch[via]  # has that load balancer seen the change yet?
    backend = np.where(uses_new, new_owner[:, None], old_owner[:, None])
    split = (backend != backend[:, :1]).any(axis=1)
    # --8<-- [end:simulate]
    counts = np.bincount(backend.ravel(), minlength=len(names))
    return MembershipChange(
        traces=n,
        spans=n * k,
        split_traces=int(split.sum()),
        split_fraction=float(split.mean()) if n else 0.0,
        moved_fraction=m,
        expected_split=expected_split_traces(lam, m, spread),
        split_bound=expected_split_traces(lam, m, spread, lag),
        spans_per_backend={e: int(v) for e, v in zip(names, counts)},
    )


@dataclass(frozen=True)
class Destination:
    """A telemetry destination: a back end in some provider's region.

    Attributes:
        name: the name (it becomes the pipeline or exporter name).
        latency_ms: round trip from the gateway, in milliseconds.
        cost_per_gib: egress plus ingestion price per GiB sent there.
        healthy: whether its health check passes now.
        provider: the cloud provider (for display and grouping).
        region: the region.
    """

    name: str
    latency_ms: float
    cost_per_gib: float
    healthy: bool = True
    provider: str = ""
    region: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        non_negative("latency_ms", self.latency_ms)
        non_negative("cost_per_gib", self.cost_per_gib)
        if not isinstance(self.healthy, bool):
            raise TypeError(f"healthy must be a bool, got {self.healthy!r}")


def rank_destinations(
    destinations: Sequence[Destination],
    *,
    ms_per_dollar: float = 100.0,
    max_latency_ms: float = math.inf,
) -> list[Destination]:
    """Order healthy destinations by latency plus cost, within a latency budget.

    The score is ``latency_ms + ms_per_dollar * cost_per_gib``: `ms_per_dollar` says how
    many milliseconds of round trip one dollar per GiB is worth. Unhealthy destinations
    and those above `max_latency_ms` are left out; ties keep the input order. The result
    is a priority list, ready to become the ``priority_levels`` of a failover connector.

    Args:
        destinations: the candidates.
        ms_per_dollar: milliseconds of latency worth one dollar per GiB (0: latency only).
        max_latency_ms: latency budget; destinations above it are never chosen.

    Examples:
        >>> ds = [Destination("aws-eu", 12, 0.09), Destination("gcp-eu", 15, 0.05),
        ...       Destination("azure-us", 95, 0.02), Destination("aws-us", 90, 0.0, False)]
        >>> [d.name for d in rank_destinations(ds)]
        ['gcp-eu', 'aws-eu', 'azure-us']
        >>> [d.name for d in rank_destinations(ds, ms_per_dollar=0, max_latency_ms=50)]
        ['aws-eu', 'gcp-eu']
    """
    for i, d in enumerate(destinations):
        if not isinstance(d, Destination):
            raise TypeError(f"destinations[{i}] must be a Destination, got {d!r}")
    w = non_negative("ms_per_dollar", ms_per_dollar)
    if not (isinstance(max_latency_ms, (int, float)) and max_latency_ms > 0):
        raise ValueError(f"max_latency_ms must be a number > 0, got {max_latency_ms!r}")
    # --8<-- [start:rank]
    usable = [d for d in destinations if d.healthy and d.latency_ms <= max_latency_ms]
    return sorted(usable, key=lambda d: d.latency_ms + w * d.cost_per_gib)
    # --8<-- [end:rank]


def _fractions(name: str, values: object) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0 or not np.all((arr >= 0) & (arr <= 1)):
        raise ValueError(f"{name} must be a non-empty list of numbers in [0, 1], got {values!r}")
    return arr


def failover_shares(availability: Sequence[float]) -> FloatArray:
    r"""Share of time each priority level carries the data, with instant failover and back.

    Levels fail independently; level $i$ is up a fraction $A_i$ of the time. If data
    always goes to the highest level that is up, level $i$ carries it a fraction
    $A_i \prod_{j<i}(1-A_j)$ of the time, and all levels are down $\prod_j (1-A_j)$.

    Args:
        availability: $A_i$ of each level, highest priority first.

    Returns:
        One share per level, then the share of time with no level up (data lost).

    Examples:
        >>> failover_shares([0.9, 0.9]).round(3).tolist()
        [0.9, 0.09, 0.01]
    """
    a = _fractions("availability", availability)
    # --8<-- [start:shares]
    down_before = np.concatenate([[1.0], np.cumprod(1.0 - a)])  # all higher levels down
    return np.append(a * down_before[:-1], down_before[-1])
    # --8<-- [end:shares]


def failback_delay(mttr: float, retry_interval: float, retry_gap: float) -> float:
    r"""Expected time on the secondary per primary outage, under the connector's retries.

    When the primary level fails the connector moves down and starts a ticker; every
    `retry_interval` it waits `retry_gap` and then tries the primary once. With an
    exponential outage $X$ of mean $1/\mu$ and probe $k$ at $(k+1)R + G$ after the
    failure, the first successful probe comes after

    $$ E = R + G + R\,\frac{e^{-\mu (R+G)}}{1 - e^{-\mu R}} $$

    seconds (assuming the primary does not fail again before the probe).

    Args:
        mttr: mean outage length of the primary, seconds.
        retry_interval: the connector's ``retry_interval`` $R$, seconds.
        retry_gap: the connector's ``retry_gap`` $G$, seconds.

    Examples:
        >>> round(failback_delay(1800.0, 600.0, 30.0))
        2122
    """
    mu = 1.0 / positive("mttr", mttr)
    r = positive("retry_interval", retry_interval)
    g = non_negative("retry_gap", retry_gap)
    # --8<-- [start:failback]
    failed_probes = math.exp(-mu * (r + g)) / -math.expm1(-mu * r)  # E[probes that fail]
    return r + g + r * failed_probes
    # --8<-- [end:failback]


def abandon_probability(
    mttr: float, retry_interval: float, retry_gap: float, max_retries: int
) -> float:
    """Probability that one primary outage exhausts ``max_retries`` (never failing back).

    The connector counts failed probes per level and stops probing a level after
    `max_retries` failures; an exponential outage outlasts the first `max_retries` probes
    with probability ``exp(-(max_retries * R + G) / mttr)``. ``max_retries = 0`` means
    unlimited retries, probability 0.

    Examples:
        >>> round(abandon_probability(1800.0, 600.0, 30.0, 10), 4)
        0.0351
    """
    mu = 1.0 / positive("mttr", mttr)
    r = positive("retry_interval", retry_interval)
    g = non_negative("retry_gap", retry_gap)
    limit = integer("max_retries", max_retries, minimum=0)
    return 0.0 if limit == 0 else math.exp(-mu * (limit * r + g))


@dataclass(frozen=True)
class FailoverResult:
    """The outcome of `simulate_failover`.

    Attributes:
        shares: fraction of time each level carried the data, highest priority first.
        lost: fraction of time no level was selected (data dropped).
        below_best: fraction of time the data went to a lower level than the best one up.
        failovers: moves down to a lower level after an error.
        failbacks: successful probes of a higher level.
        failed_probes: probes that hit a level that was still down.
        abandoned: levels that exhausted ``max_retries`` by the end.
    """

    shares: FloatArray
    lost: float
    below_best: float
    failovers: int
    failbacks: int
    failed_probes: int
    abandoned: tuple[int, ...]


def _outages(
    rng: np.random.Generator, mttf: float, mttr: float, until: float
) -> list[tuple[float, bool]]:
    events: list[tuple[float, bool]] = []
    t, up = 0.0, True
    while True:
        t += rng.exponential(mttf if up else mttr)
        if t >= until:
            return events
        up = not up
        events.append((t, up))


class _Selector:
    """The failover connector's pipeline selector, driven by simulated time."""

    def __init__(self, levels: int, max_retries: int) -> None:
        self.n, self.max_retries = levels, max_retries
        self.stable = self.current = 0
        self.retries = [0] * levels
        self.failovers = self.failbacks = self.failed_probes = 0

    def exceeded(self, i: int) -> bool:
        return self.max_retries > 0 and i < self.n and self.retries[i] >= self.max_retries

    def keep_retrying(self) -> bool:
        return any(not self.exceeded(i) for i in range(min(self.stable, self.n)))

    def settle(self, up: list[bool]) -> bool:
        """Route data to the current level; True when a new retry ticker must start."""
        restart = False
        # --8<-- [start:selector]
        while self.current < self.n:
            if up[self.current]:  # data gets through: the level becomes the stable one
                if self.current != self.stable:
                    self.stable = self.current
                    self.retries[self.current] = 0
                    self.failbacks += 1
                return restart
            if self.current == self.stable:  # the stable level failed: move down
                idx = self.stable + 1
                while self.exceeded(idx):  # skip levels that used up their retries
                    idx += 1
                self.stable = self.current = idx
                self.failovers += 1
                restart = True
            else:  # a probe of a higher level failed: count it, back to stable
                self.retries[self.current] += 1
                self.failed_probes += 1
                self.current = self.stable
        # --8<-- [end:selector]
        return restart


def simulate_failover(
    mttf: Sequence[float],
    mttr: Sequence[float],
    *,
    retry_interval: float = 600.0,
    retry_gap: float = 30.0,
    max_retries: int = 10,
    duration: float = 86_400.0 * 30,
    seed: int = 0,
) -> FailoverResult:
    """Simulate the ``failover`` connector over levels that fail and recover at random.

    Level ``i`` alternates between up and down periods, exponential with means
    ``mttf[i]`` and ``mttr[i]``, starting up. Data flows all the time, so the connector
    sees an error the moment its current level is down. It follows the connector's
    pipeline selector: on an error at the stable level it moves down (skipping levels
    that used up `max_retries`) and restarts a ticker of `retry_interval`; at each tick
    it walks the higher levels that still have retries, one every `retry_gap`, routing
    data to each once: success makes that level stable, failure counts a retry.

    Args:
        mttf: mean up time of each level, highest priority first (seconds).
        mttr: mean down time of each level (seconds).
        retry_interval: the connector's ``retry_interval`` (default 10 minutes).
        retry_gap: the connector's ``retry_gap`` (default 30 seconds).
        max_retries: the connector's ``max_retries`` (default 10; 0 is unlimited).
        duration: simulated seconds.
        seed: random seed.

    Raises:
        ValueError: mismatched lists, a non-positive time, or ``retry_interval`` not
            greater than ``retry_gap`` times the number of levels (the connector's rule).

    Examples:
        >>> r = simulate_failover([86_400.0, 86_400.0], [3_600.0, 3_600.0], max_retries=0)
        >>> bool(r.shares[0] > 0.9 and r.failovers > 0 and r.lost < 0.01)
        True
    """
    up_t = [positive(f"mttf[{i}]", v) for i, v in enumerate(mttf)]
    down_t = [positive(f"mttr[{i}]", v) for i, v in enumerate(mttr)]
    if not up_t or len(up_t) != len(down_t):
        raise ValueError(
            f"mttf and mttr must be non-empty and of equal length, got {len(up_t)} "
            f"and {len(down_t)}"
        )
    r = positive("retry_interval", retry_interval)
    g = positive("retry_gap", retry_gap)
    if r <= g * len(up_t):
        raise ValueError(
            f"retry_interval must be greater than retry_gap times the number of levels, "
            f"got {retry_interval!r} <= {retry_gap!r} * {len(up_t)}"
        )
    sel = _Selector(len(up_t), integer("max_retries", max_retries, minimum=0))
    end = positive("duration", duration)
    rng = np.random.default_rng(integer("seed", seed, minimum=0))
    # events: (time, order, kind, level or generation); level changes sort first
    queue: list[tuple[float, int, str, int]] = []
    for i in range(sel.n):
        for t, _ in _outages(rng, up_t[i], down_t[i], end):
            queue.append((t, 0, "flip", i))
    heapq.heapify(queue)
    up = [True] * sel.n
    ticker = walk = 0  # generations: a restart cancels the pending tick and walk
    next_level = sel.n
    time_on = np.zeros(sel.n + 1)
    below = 0.0
    now = 0.0
    while queue:
        t, _, kind, arg = heapq.heappop(queue)
        if t > end:
            break
        best = next((i for i in range(sel.n) if up[i]), sel.n)
        time_on[min(sel.current, sel.n)] += t - now
        below += (t - now) if sel.current > best else 0.0
        now = t
        if kind == "flip":
            up[arg] = not up[arg]
        elif kind == "tick" and arg == ticker:
            if not sel.keep_retrying():
                continue
            walk += 1
            next_level = 0
            heapq.heappush(queue, (t + g, 1, "probe", walk))
            heapq.heappush(queue, (t + r, 1, "tick", ticker))
        elif kind == "probe" and arg == walk:
            while sel.exceeded(next_level):
                next_level += 1
            if next_level < min(sel.stable, sel.n):
                sel.current = next_level
                next_level += 1
                heapq.heappush(queue, (t + g, 1, "probe", walk))
        if sel.settle(up):
            ticker += 1
            walk += 1
            heapq.heappush(queue, (t + r, 1, "tick", ticker))
    best = next((i for i in range(sel.n) if up[i]), sel.n)
    time_on[min(sel.current, sel.n)] += end - now
    below += (end - now) if sel.current > best else 0.0
    return FailoverResult(
        shares=time_on[:-1] / end,
        lost=float(time_on[-1] / end),
        below_best=below / end,
        failovers=sel.failovers,
        failbacks=sel.failbacks,
        failed_probes=sel.failed_probes,
        abandoned=tuple(i for i in range(sel.n) if sel.exceeded(i)),
    )
