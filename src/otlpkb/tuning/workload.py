"""Synthetic traces of a small shop: a reproducible workload for the tuning chapters.

`shop_traces` generates complete traces of one request type, ``GET /checkout``, through
seven services: the front end calls the cart, then the checkout service, which converts
the currency and quotes shipping in parallel, charges the payment service (which writes
to its database) and finally sends an e-mail. Every span does some work of its own
before and after its children (lognormal, per operation), so self time and the critical
path are non-trivial. A *fault* multiplies one operation's own work, the way a slow
dependency or a regression would, and ``error_rate`` marks spans as failed (an error on a
span also marks its parent, as instrumented servers do).

The traces are plain `otlpkb.otlp.Span` records, so everything that reads OTLP data reads
them; `otlpkb.tuning.hotspots` (chapter 6.1) finds the planted fault.

See the chapter *Identifying problems* (6.1).

Examples:
    >>> spans = shop_traces(3, seed=1)
    >>> len(spans), sorted({s.service_name for s in spans})[:3]
    (27, ['cart', 'checkout', 'currency'])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from otlpkb._checks import non_negative, positive
from otlpkb.otlp import Span

__all__ = ["SHOP", "Operation", "shop_traces"]

SERVER, CLIENT = 2, 3


@dataclass(frozen=True)
class Operation:
    """One operation of the synthetic shop and how it calls the next ones.

    Attributes:
        service: the service that runs it.
        name: the span name.
        kind: OTLP span kind (2 server, 3 client).
        own_ms: median of its own work in milliseconds (half before, half after the
            children).
        sigma: log-standard deviation of its own work (lognormal).
        children: groups of child operation keys; the groups run one after the other,
            the operations inside a group in parallel.
    """

    service: str
    name: str
    kind: int
    own_ms: float
    sigma: float
    children: tuple[tuple[str, ...], ...] = ()


#: The shop's call tree, keyed ``"service: name"``; the root is ``"frontend: GET /checkout"``.
SHOP: Mapping[str, Operation] = {
    "frontend: GET /checkout": Operation(
        "frontend",
        "GET /checkout",
        SERVER,
        4.0,
        0.3,
        (("cart: GetCart",), ("checkout: PlaceOrder",)),
    ),
    "cart: GetCart": Operation("cart", "GetCart", SERVER, 3.0, 0.4, (("redis: HGETALL",),)),
    "redis: HGETALL": Operation("redis", "HGETALL", CLIENT, 0.8, 0.5),
    "checkout: PlaceOrder": Operation(
        "checkout",
        "PlaceOrder",
        SERVER,
        5.0,
        0.3,
        (
            ("currency: Convert", "shipping: GetQuote"),
            ("payment: Charge",),
            ("email: SendConfirmation",),
        ),
    ),
    "currency: Convert": Operation("currency", "Convert", SERVER, 2.0, 0.4),
    "shipping: GetQuote": Operation("shipping", "GetQuote", SERVER, 6.0, 0.5),
    "payment: Charge": Operation(
        "payment", "Charge", SERVER, 8.0, 0.4, (("payment: INSERT payments",),)
    ),
    "payment: INSERT payments": Operation("payment", "INSERT payments", CLIENT, 4.0, 0.6),
    "email: SendConfirmation": Operation("email", "SendConfirmation", SERVER, 3.0, 0.4),
}
_ROOT = "frontend: GET /checkout"


def shop_traces(
    n_traces: int,
    *,
    seed: int = 0,
    faults: Mapping[str, float] | None = None,
    error_rate: float = 0.0,
    interval_ms: float = 50.0,
    start_unix_nano: int = 1_700_000_000_000_000_000,
) -> list[Span]:
    """Generate ``n_traces`` complete traces of the shop's ``GET /checkout``.

    Args:
        n_traces: number of traces, >= 1.
        seed: seed of every random draw (same seed, same spans).
        faults: operation key (``"service: name"``, see `SHOP`) -> factor multiplying
            its own work, e.g. ``{"payment: INSERT payments": 8.0}``.
        error_rate: probability that an operation fails (its span and its ancestors get
            status ERROR), in [0, 1].
        interval_ms: mean time between the starts of consecutive traces (Poisson).
        start_unix_nano: start of the first trace.

    Returns:
        The spans of all traces, nine per trace, parents before children.

    Raises:
        ValueError: a bad count, an unknown fault key or a rate out of range.
    """
    if isinstance(n_traces, bool) or not isinstance(n_traces, int) or n_traces < 1:
        raise ValueError(f"n_traces must be an int >= 1, got {n_traces!r}")
    factor = dict(faults or {})
    for key, value in factor.items():
        if key not in SHOP:
            raise ValueError(f"faults: unknown operation {key!r}; known: {', '.join(SHOP)}")
        positive(f"faults[{key!r}]", value)
    p_error = non_negative("error_rate", error_rate)
    if p_error > 1:
        raise ValueError(f"error_rate must be in [0, 1], got {error_rate!r}")
    gap = positive("interval_ms", interval_ms)
    rng = np.random.default_rng(seed)
    spans: list[Span] = []
    clock = float(start_unix_nano)
    for _ in range(n_traces):
        trace_id = rng.bytes(16).hex()
        _emit(rng, trace_id, "", _ROOT, int(clock), factor, p_error, spans)
        clock += rng.exponential(gap) * 1e6
    return spans


def _emit(
    rng: np.random.Generator,
    trace_id: str,
    parent: str,
    key: str,
    start: int,
    factor: Mapping[str, float],
    p_error: float,
    out: list[Span],
) -> tuple[int, bool]:
    """Append the span of ``key`` starting at ``start`` and its subtree; return its end."""
    op = SHOP[key]
    span_id = rng.bytes(8).hex()
    index = len(out)
    out.append(Span(trace_id, span_id, parent, op.name, op.kind, start, start, 0))  # placeholder
    own = rng.lognormal(np.log(op.own_ms), op.sigma) * factor.get(key, 1.0) * 1e6
    clock = start + int(own / 2)
    failed = bool(rng.random() < p_error)
    for group in op.children:
        ends = [
            _emit(rng, trace_id, span_id, child, clock, factor, p_error, out) for child in group
        ]
        clock = max(end for end, _ in ends)
        failed = failed or any(err for _, err in ends)
    end = clock + int(own / 2)
    out[index] = Span(
        trace_id,
        span_id,
        parent,
        op.name,
        op.kind,
        start,
        end,
        2 if failed else 0,
        service_name=op.service,
    )
    return end, failed
