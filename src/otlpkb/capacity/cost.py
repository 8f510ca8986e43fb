"""Cost optimization: what each signal costs, and the cheapest sampling and retention plan.

* `signal_costs` prices the Collector CPU and memory, the back end's storage and the
  network egress of each signal per month, from the per-item costs of the chapter
  *Resource consumption* (1.4) and a `Prices` you supply.
* `optimize_sampling` chooses, for every service, a trace sampling option (head sampling
  with probability ``p``, or tail sampling that keeps every error trace plus ``p`` of the
  rest) and the retention of traces and metrics, minimising the monthly cost subject to
  `Requirements`: enough error traces and enough baseline traces per service and hour for
  root-cause analysis (chapter 5.2), traces kept for the investigation window, and metrics
  kept for the SLO window (chapter 8.3). The cost separates by service once the
  retentions are fixed, so the optimum is exact: `brute_force_sampling`, which enumerates
  every combination, is its check.

Prices are inputs. `EXAMPLE_PRICES` holds round illustrative numbers for the examples
and the chapter; they are not anybody's current list prices.

See the chapter *Cost optimization* (7.4).

Examples:
    >>> svc = [Service("checkout", spans_per_second=2000.0, error_fraction=0.01)]
    >>> req = Requirements(error_traces_per_hour=100, traces_per_hour=1000)
    >>> plan = optimize_sampling(svc, req)
    >>> plan.sampling["checkout"]
    SamplingOption(mode='head', probability=0.05)
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from otlpkb._checks import non_negative as _non_negative
from otlpkb._checks import positive as _positive
from otlpkb.performance.resources import DEFAULT_PROFILE, CostProfile

__all__ = [
    "DEFAULT_OPTIONS",
    "EXAMPLE_PRICES",
    "Plan",
    "Prices",
    "Requirements",
    "SamplingOption",
    "Service",
    "brute_force_sampling",
    "optimize_sampling",
    "plan_cost",
    "signal_costs",
]

GiB = 2.0**30
HOURS_PER_MONTH = 730.0  # 8,760 h / 12
CATEGORIES = ("compute", "memory", "storage", "egress")


@dataclass(frozen=True)
class Prices:
    """Unit prices, in one currency. Inputs: put your own contract's numbers here.

    Attributes:
        cpu_core_hour: one CPU core (vCPU) for an hour.
        memory_gib_hour: one GiB of memory for an hour.
        storage_gib_month: one GiB stored (after compression, per replica) for a month.
        egress_gib: one GiB sent out of the network (after compression).
    """

    cpu_core_hour: float
    memory_gib_hour: float
    storage_gib_month: float
    egress_gib: float

    def __post_init__(self) -> None:
        for name in ("cpu_core_hour", "memory_gib_hour", "storage_gib_month", "egress_gib"):
            _non_negative(name, getattr(self, name))


EXAMPLE_PRICES = Prices(
    cpu_core_hour=0.04, memory_gib_hour=0.005, storage_gib_month=0.10, egress_gib=0.05
)
"""Round illustrative prices for examples (not current list prices of any provider)."""


def signal_costs(
    *,
    spans_per_second: float = 0.0,
    logs_per_second: float = 0.0,
    metric_points_per_second: float = 0.0,
    retention_days: Mapping[str, float] | float = 7.0,
    profile: CostProfile = DEFAULT_PROFILE,
    prices: Prices = EXAMPLE_PRICES,
    target_utilization: float = 0.7,
    replication: int = 1,
    hold_seconds: float = 0.2,
) -> dict[str, dict[str, float]]:
    """Monthly cost of each signal by category (compute, memory, storage, egress).

    Compute: cores ``rate × cpu_seconds_per_item / target_utilization``; memory: the
    items held for ``hold_seconds`` in batches and queues; storage: compressed bytes per
    day × retention × replication (the steady-state volume); egress: the compressed
    bytes sent to the back end in a month (730 h).

    Examples:
        >>> c = signal_costs(spans_per_second=15_000.0, target_utilization=1.0,
        ...                  prices=Prices(1.0, 0.0, 0.0, 0.0))
        >>> round(c["spans"]["compute"], 6)   # one core for 730 hours at 1 per core-hour
        730.0
    """
    if not isinstance(profile, CostProfile):
        raise TypeError(f"profile must be a CostProfile, got {type(profile).__name__}")
    if not isinstance(prices, Prices):
        raise TypeError(f"prices must be a Prices, got {type(prices).__name__}")
    target = _positive("target_utilization", target_utilization)
    if target > 1:
        raise ValueError(f"target_utilization must be in (0, 1], got {target_utilization!r}")
    rates = {
        "spans": _non_negative("spans_per_second", spans_per_second),
        "logs": _non_negative("logs_per_second", logs_per_second),
        "metric_points": _non_negative("metric_points_per_second", metric_points_per_second),
    }
    if isinstance(retention_days, Mapping):
        days = {
            s: _non_negative(f"retention_days[{s!r}]", retention_days.get(s, 0.0)) for s in rates
        }
    else:
        days = dict.fromkeys(rates, _non_negative("retention_days", retention_days))
    copies = _positive("replication", replication)
    hold = _non_negative("hold_seconds", hold_seconds)
    out: dict[str, dict[str, float]] = {}
    for s, rate in rates.items():
        c = getattr(profile, s)
        wire = rate * c.bytes_per_item / c.compression_ratio  # bytes per second
        # --8<-- [start:signal_costs]
        cores = rate * c.cpu_seconds_per_item / target
        held_gib = rate * hold * c.memory_bytes_per_item / GiB
        stored_gib = wire * 86_400 * days[s] * copies / GiB
        sent_gib = wire * 3600 * HOURS_PER_MONTH / GiB
        out[s] = {
            "compute": cores * prices.cpu_core_hour * HOURS_PER_MONTH,
            "memory": held_gib * prices.memory_gib_hour * HOURS_PER_MONTH,
            "storage": stored_gib * prices.storage_gib_month,
            "egress": sent_gib * prices.egress_gib,
        }
        # --8<-- [end:signal_costs]
    return out


# ----------------------------------------------------------------------------- optimisation


@dataclass(frozen=True)
class Service:
    """A service's trace traffic.

    Attributes:
        name: the ``service.name``.
        spans_per_second: spans it produces.
        error_fraction: fraction of its traces that contain an error, in [0, 1].
        spans_per_trace: mean spans of its traces (the trace rate is the span rate over it).
    """

    name: str
    spans_per_second: float
    error_fraction: float
    spans_per_trace: float = 10.0

    def __post_init__(self) -> None:
        _non_negative("spans_per_second", self.spans_per_second)
        if not 0 <= _non_negative("error_fraction", self.error_fraction) <= 1:
            raise ValueError(f"error_fraction must be in [0, 1], got {self.error_fraction!r}")
        _positive("spans_per_trace", self.spans_per_trace)

    @property
    def traces_per_hour(self) -> float:
        """Traces started per hour."""
        return self.spans_per_second / self.spans_per_trace * 3600


@dataclass(frozen=True)
class SamplingOption:
    """A trace sampling choice for one service.

    Attributes:
        mode: ``"head"`` (the SDK keeps a trace with ``probability``; the Collector sees
            only kept spans) or ``"tail"`` (the Collector's tail sampler holds every trace
            for ``decision_wait``, keeps every trace with an error and ``probability`` of
            the others).
        probability: in [0, 1].
    """

    mode: Literal["head", "tail"]
    probability: float

    def __post_init__(self) -> None:
        if self.mode not in ("head", "tail"):
            raise ValueError(f"mode must be 'head' or 'tail', got {self.mode!r}")
        if not 0 <= _non_negative("probability", self.probability) <= 1:
            raise ValueError(f"probability must be in [0, 1], got {self.probability!r}")

    def kept_fraction(self, error_fraction: float) -> float:
        """Fraction of all traces kept."""
        if self.mode == "head":
            return self.probability
        return error_fraction + (1 - error_fraction) * self.probability


DEFAULT_OPTIONS: tuple[SamplingOption, ...] = tuple(
    SamplingOption(mode, p)
    for mode in ("head", "tail")
    for p in (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0)
)
"""Head and tail sampling at 0.1 % ... 100 %."""


@dataclass(frozen=True)
class Requirements:
    """What the data must still support after sampling and expiry.

    Attributes:
        error_traces_per_hour: error traces kept per service and hour, for root-cause
            analysis of the errors (chapter 5.2).
        traces_per_hour: traces kept per service and hour (errors included), the baseline
            the RCA compares the errors with.
        trace_retention_days: the investigation window: how far back an incident is
            examined.
        metric_retention_days: the SLO window (28 or 30 days, chapter 8.3): SLOs are
            computed from metrics, which are not sampled.
    """

    error_traces_per_hour: float = 50.0
    traces_per_hour: float = 1000.0
    trace_retention_days: float = 7.0
    metric_retention_days: float = 30.0

    def __post_init__(self) -> None:
        for name in (
            "error_traces_per_hour",
            "traces_per_hour",
            "trace_retention_days",
            "metric_retention_days",
        ):
            _non_negative(name, getattr(self, name))


@dataclass(frozen=True)
class Plan:
    """A sampling and retention plan and its monthly cost.

    Attributes:
        sampling: the option chosen per service.
        trace_retention_days: days traces are kept.
        metric_retention_days: days metrics are kept.
        cost: monthly cost by category (`CATEGORIES`) and ``"total"``.
        evaluated: plans whose cost was computed to find this one.
    """

    sampling: Mapping[str, SamplingOption]
    trace_retention_days: float
    metric_retention_days: float
    cost: Mapping[str, float]
    evaluated: int


def _meets(service: Service, option: SamplingOption, req: Requirements) -> bool:
    """Whether ``option`` keeps enough traces of ``service`` for the RCA."""
    per_hour = service.traces_per_hour
    # --8<-- [start:meets]
    errors = per_hour * service.error_fraction
    kept_errors = errors if option.mode == "tail" else errors * option.probability
    kept = per_hour * option.kept_fraction(service.error_fraction)
    return kept_errors >= min(req.error_traces_per_hour, errors) and kept >= min(
        req.traces_per_hour, per_hour
    )
    # --8<-- [end:meets]


def _service_cost(
    service: Service,
    option: SamplingOption,
    trace_days: float,
    profile: CostProfile,
    prices: Prices,
    decision_wait: float,
    target: float,
) -> dict[str, float]:
    """Monthly cost of one service's spans under ``option``, by category."""
    c = profile.spans
    r = service.spans_per_second
    kept = r * option.kept_fraction(service.error_fraction)
    # --8<-- [start:service_cost]
    processed = r if option.mode == "tail" else kept  # head sampling drops in the SDK
    held = r * decision_wait if option.mode == "tail" else 0.0  # spans awaiting a decision
    wire = kept * c.bytes_per_item / c.compression_ratio
    return {
        "compute": processed * c.cpu_seconds_per_item / target * prices.cpu_core_hour * 730,
        "memory": held * c.memory_bytes_per_item / GiB * prices.memory_gib_hour * 730,
        "storage": wire * 86_400 * trace_days / GiB * prices.storage_gib_month,
        "egress": wire * 3600 * 730 / GiB * prices.egress_gib,
    }
    # --8<-- [end:service_cost]


def plan_cost(
    services: Sequence[Service],
    sampling: Mapping[str, SamplingOption],
    trace_retention_days: float,
    metric_retention_days: float,
    *,
    metric_points_per_second: float = 0.0,
    profile: CostProfile = DEFAULT_PROFILE,
    prices: Prices = EXAMPLE_PRICES,
    decision_wait: float = 30.0,
    target_utilization: float = 0.7,
) -> dict[str, float]:
    """Monthly cost of a plan by category, plus ``"total"``.

    Spans follow `SamplingOption`; metric points are never sampled and cost
    `signal_costs` at ``metric_retention_days``. ``decision_wait`` is the tail sampler's
    (its default is 30 s).
    """
    target = _positive("target_utilization", target_utilization)
    wait = _non_negative("decision_wait", decision_wait)
    days_t = _non_negative("trace_retention_days", trace_retention_days)
    days_m = _non_negative("metric_retention_days", metric_retention_days)
    total = dict.fromkeys(CATEGORIES, 0.0)
    for svc in services:
        if svc.name not in sampling:
            raise ValueError(f"sampling has no option for service {svc.name!r}")
        part = _service_cost(svc, sampling[svc.name], days_t, profile, prices, wait, target)
        for k, v in part.items():
            total[k] += v
    metrics = signal_costs(
        metric_points_per_second=metric_points_per_second,
        retention_days=days_m,
        profile=profile,
        prices=prices,
        target_utilization=target,
    )["metric_points"]
    for k, v in metrics.items():
        total[k] += v
    total["total"] = math.fsum(total[k] for k in CATEGORIES)
    return total


def _check(services: Sequence[Service], options: Sequence[SamplingOption]) -> None:
    if not services:
        raise ValueError("services is empty")
    names = [s.name for s in services]
    if len(set(names)) != len(names):
        raise ValueError(f"service names must be unique, got {names}")
    if not options:
        raise ValueError("options is empty")


def optimize_sampling(
    services: Sequence[Service],
    requirements: Requirements,
    *,
    options: Sequence[SamplingOption] = DEFAULT_OPTIONS,
    trace_retention_choices: Sequence[float] = (3.0, 7.0, 14.0, 30.0),
    metric_retention_choices: Sequence[float] = (15.0, 30.0, 90.0, 395.0),
    metric_points_per_second: float = 0.0,
    profile: CostProfile = DEFAULT_PROFILE,
    prices: Prices = EXAMPLE_PRICES,
    decision_wait: float = 30.0,
    target_utilization: float = 0.7,
) -> Plan:
    """The cheapest plan that meets ``requirements`` (exact).

    For each feasible pair of retentions the cost is a sum over services of terms that
    depend only on that service's option, so each service takes its cheapest feasible
    option independently; the best pair wins. Work: ``|retentions| × services ×
    |options|`` evaluations instead of ``|retentions| × |options|^services``.

    Raises:
        ValueError: no option or retention meets the requirements (the message says which
            service or which window).
    """
    _check(services, options)
    price = functools.partial(
        plan_cost,
        services,
        metric_points_per_second=metric_points_per_second,
        profile=profile,
        prices=prices,
        decision_wait=decision_wait,
        target_utilization=target_utilization,
    )
    args = (
        profile,
        prices,
        _non_negative("decision_wait", decision_wait),
        _positive("target_utilization", target_utilization),
    )
    t_days = [d for d in trace_retention_choices if d >= requirements.trace_retention_days]
    m_days = [d for d in metric_retention_choices if d >= requirements.metric_retention_days]
    if not t_days or not m_days:
        which = "trace" if not t_days else "metric"
        raise ValueError(f"no {which} retention choice covers the required window")
    best: tuple[float, dict[str, SamplingOption], float, float] | None = None
    evaluated = 0
    # --8<-- [start:optimize]
    for days_t, days_m in itertools.product(t_days, m_days):
        choice = {}
        for svc in services:
            feasible = [o for o in options if _meets(svc, o, requirements)]
            if not feasible:
                raise ValueError(f"no sampling option keeps enough traces of {svc.name!r}")
            evaluated += len(feasible)
            choice[svc.name] = min(
                feasible, key=lambda o: sum(_service_cost(svc, o, days_t, *args).values())
            )
        cost = price(choice, days_t, days_m)
        if best is None or cost["total"] < best[0]:
            best = (cost["total"], choice, days_t, days_m)
    # --8<-- [end:optimize]
    assert best is not None
    _, choice, days_t, days_m = best
    cost = price(choice, days_t, days_m)
    return Plan(MappingProxyType(choice), days_t, days_m, MappingProxyType(cost), evaluated)


def brute_force_sampling(
    services: Sequence[Service],
    requirements: Requirements,
    *,
    options: Sequence[SamplingOption] = DEFAULT_OPTIONS,
    trace_retention_choices: Sequence[float] = (3.0, 7.0, 14.0, 30.0),
    metric_retention_choices: Sequence[float] = (15.0, 30.0, 90.0, 395.0),
    metric_points_per_second: float = 0.0,
    profile: CostProfile = DEFAULT_PROFILE,
    prices: Prices = EXAMPLE_PRICES,
    decision_wait: float = 30.0,
    target_utilization: float = 0.7,
) -> Plan | None:
    """Every combination of options and retentions, checked one by one (small cases only).

    The reference `optimize_sampling` is checked against; ``None`` when nothing is
    feasible. Exponential in the number of services.
    """
    _check(services, options)
    price = functools.partial(
        plan_cost,
        services,
        metric_points_per_second=metric_points_per_second,
        profile=profile,
        prices=prices,
        decision_wait=decision_wait,
        target_utilization=target_utilization,
    )
    best: Plan | None = None
    evaluated = 0
    for days_t, days_m in itertools.product(trace_retention_choices, metric_retention_choices):
        if (
            days_t < requirements.trace_retention_days
            or days_m < requirements.metric_retention_days
        ):
            continue
        for combo in itertools.product(options, repeat=len(services)):
            if not all(_meets(s, o, requirements) for s, o in zip(services, combo)):
                continue
            choice = {s.name: o for s, o in zip(services, combo)}
            cost = price(choice, days_t, days_m)
            evaluated += 1
            if best is None or cost["total"] < best.cost["total"]:
                best = Plan(
                    MappingProxyType(choice), days_t, days_m, MappingProxyType(cost), evaluated
                )
    if best is None:
        return None
    return Plan(
        best.sampling, best.trace_retention_days, best.metric_retention_days, best.cost, evaluated
    )
