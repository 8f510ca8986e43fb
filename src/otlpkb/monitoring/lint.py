"""Linting OTLP traces against the semantic conventions, and attribute cardinality.

* `lint_spans` reports, per service and check, what makes telemetry hard to use: a
  resource without ``service.name`` (or with the SDK's ``unknown_service`` default), span
  names that embed ids or numbers (one name per request instead of per operation), too many
  distinct span names, ``SPAN_KIND_UNSPECIFIED``, HTTP spans of kind INTERNAL, a status
  message without an error status, server spans answering 5xx without an error status,
  deprecated attribute names (`DEPRECATED_ATTRIBUTES`), and attributes on the wrong level
  (resource attributes on spans and the reverse).
* `HyperLogLog` estimates the number of distinct values with ``2**precision`` registers of
  six bits' worth (relative standard error ``1.04 / sqrt(2**precision)``, 0.8 % at the
  default 14), and `attribute_cardinality` counts each attribute's distinct values exactly
  up to ``exact_limit`` and with a HyperLogLog beyond it.

The deprecated names and their replacements are those of the OpenTelemetry semantic
conventions as the ``opentelemetry-semantic-conventions`` package (0.66b2) marks them
("Deprecated: Replaced by ..."); the tests check every entry against that package.

See the chapter *Observability practices* (8.4).

Examples:
    >>> from otlpkb.otlp import Span
    >>> span = Span("0" * 31 + "1", "0" * 15 + "1", "", "GET /users/12345", 0, 0, 1, 0,
    ...             attributes={"http.method": "GET"})
    >>> sorted(i.check for i in lint_spans([span]))  # doctest: +NORMALIZE_WHITESPACE
    ['attributes/deprecated', 'resource/service-name', 'span/kind', 'span/name-cardinality']
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from otlpkb.otlp import Span

__all__ = [
    "DEPRECATED_ATTRIBUTES",
    "RESOURCE_ATTRIBUTE_PREFIXES",
    "Cardinality",
    "HyperLogLog",
    "Issue",
    "attribute_cardinality",
    "lint_spans",
]

#: Deprecated attribute -> its replacement (semantic conventions, as marked in
#: ``opentelemetry-semantic-conventions`` 0.66b2, ``_incubating/attributes``).
DEPRECATED_ATTRIBUTES: Mapping[str, str] = {
    "http.method": "http.request.method",
    "http.status_code": "http.response.status_code",
    "http.url": "url.full",
    "http.scheme": "url.scheme",
    "http.user_agent": "user_agent.original",
    "http.client_ip": "client.address",
    "http.request_content_length": "http.request.header.content-length",
    "http.response_content_length": "http.response.header.content-length",
    "net.peer.name": "server.address",
    "net.peer.port": "server.port",
    "net.host.name": "server.address",
    "net.host.port": "server.port",
    "net.transport": "network.transport",
    "net.sock.peer.addr": "network.peer.address",
    "net.sock.peer.port": "network.peer.port",
    "db.statement": "db.query.text",
    "db.operation": "db.operation.name",
    "db.system": "db.system.name",
    "messaging.operation": "messaging.operation.type",
    "deployment.environment": "deployment.environment.name",
    "otel.library.name": "otel.scope.name",
    "otel.library.version": "otel.scope.version",
}

#: Attribute namespaces that describe the producer and belong on the resource.
RESOURCE_ATTRIBUTE_PREFIXES = (
    "service.",
    "telemetry.sdk.",
    "host.",
    "os.",
    "process.",
    "container.",
    "k8s.",
    "cloud.",
    "deployment.",
)

#: Span attributes that describe one operation and never belong on a resource.
_SPAN_ONLY = ("http.request.", "http.response.", "url.", "db.query.", "rpc.method", "http.route")

_HIGH_CARDINALITY_NAME = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # UUID
    r"|\b[0-9a-fA-F]{16,}\b"  # hex ids
    r"|(?<=[/=:_\-.\s])\d{2,}(?=$|[/?&#.\s])"  # numeric path segments, ports aside
    r"|\?.*="  # query strings
    r"|@"  # e-mail addresses
)

_KIND_UNSPECIFIED, _KIND_INTERNAL, _KIND_SERVER = 0, 1, 2

#: reason -> (check, severity, message)
_FINDINGS = {
    "no-service": ("resource/service-name", "error", "no service.name: set OTEL_SERVICE_NAME"),
    "default-service": (
        "resource/service-name",
        "warning",
        "the SDK's default service.name: set OTEL_SERVICE_NAME",
    ),
    "id-in-name": (
        "span/name-cardinality",
        "warning",
        "names embed ids or numbers: name the operation, put the id in an attribute",
    ),
    "unspecified-kind": ("span/kind", "warning", "SPAN_KIND_UNSPECIFIED: set the kind"),
    "internal-http": ("span/kind", "warning", "an HTTP span of kind INTERNAL"),
    "message-no-error": ("span/status", "warning", "a status message without Error is ignored"),
    "5xx-no-error": ("span/status", "warning", "a 5xx server span not marked Error"),
}
_STATUS_ERROR = 2


@dataclass(frozen=True)
class Issue:
    """One finding, aggregated over the spans of one service that show it.

    Attributes:
        check: The check's name, e.g. ``"attributes/deprecated"``.
        severity: ``"error"`` (the data cannot be used as intended) or ``"warning"``.
        service: The resource's ``service.name`` (``""`` when missing).
        subject: What the finding is about: a span name, an attribute key, a resource.
        message: What is wrong and what to do.
        count: How many spans show it.
    """

    check: str
    severity: Literal["error", "warning"]
    service: str
    subject: str
    message: str
    count: int


def lint_spans(spans: Iterable[Span], *, max_span_names: int = 200) -> list[Issue]:
    """Check spans (with their resources) against the semantic conventions.

    Args:
        spans: Spans as `otlpkb.otlp.read_traces` returns them.
        max_span_names: More distinct span names than this in one service is reported
            as a cardinality problem even when no single name looks suspicious.

    Returns:
        One `Issue` per (check, service, subject), with the number of spans, in the order
        first seen.
    """
    if isinstance(max_span_names, bool) or not isinstance(max_span_names, int):
        raise TypeError(f"max_span_names must be an int, got {max_span_names!r}")
    if max_span_names < 1:
        raise ValueError(f"max_span_names must be >= 1, got {max_span_names!r}")
    found: dict[tuple[str, str, str], list[object]] = {}
    names: dict[str, set[str]] = defaultdict(set)

    def note(check: str, level: str, svc: str, subject: str, message: str) -> None:
        entry = found.setdefault((check, svc, subject), [level, message, 0])
        entry[2] = int(entry[2]) + 1  # type: ignore[call-overload]

    def add(reason: str, svc: str, subject: str) -> None:
        note(*_FINDINGS[reason][:2], svc, subject, _FINDINGS[reason][2])

    for span in spans:
        if not isinstance(span, Span):
            raise TypeError(f"spans must hold otlpkb.otlp.Span records, got {span!r}")
        svc = str(span.resource_attributes.get("service.name", ""))
        attrs, res = span.attributes, span.resource_attributes
        names[svc].add(span.name)
        op = _HIGH_CARDINALITY_NAME.sub("{id}", span.name)  # one subject per operation
        code = str(attrs.get("http.response.status_code", attrs.get("http.status_code", "")))
        # --8<-- [start:lint_span]
        if not svc:
            add("no-service", svc, "resource")
        elif svc.startswith("unknown_service"):
            add("default-service", svc, "resource")
        if op != span.name:
            add("id-in-name", svc, op)
        if span.kind == _KIND_UNSPECIFIED:
            add("unspecified-kind", svc, op)
        http = "http.request.method" in attrs or "http.method" in attrs
        if http and span.kind == _KIND_INTERNAL:
            add("internal-http", svc, op)
        if span.status_message and span.status_code != _STATUS_ERROR:
            add("message-no-error", svc, op)
        failed = span.kind == _KIND_SERVER and code.isdigit() and int(code) >= 500
        if failed and span.status_code != _STATUS_ERROR:
            add("5xx-no-error", svc, op)
        for key in attrs:
            if key in DEPRECATED_ATTRIBUTES:
                new = DEPRECATED_ATTRIBUTES[key]
                note("attributes/deprecated", "warning", svc, key, f"deprecated: use {new}")
            if key.startswith(RESOURCE_ATTRIBUTE_PREFIXES):
                note("attributes/placement", "warning", svc, key, "set it on the resource")
        for key in res:
            if key.startswith(_SPAN_ONLY):
                note("attributes/placement", "warning", svc, key, "set it on the span")
        # --8<-- [end:lint_span]
    issues = [
        Issue(c, lv, s, subj, msg, n)  # type: ignore[arg-type]
        for (c, s, subj), (lv, msg, n) in found.items()
    ]
    for svc, seen in names.items():
        if len(seen) > max_span_names:
            issues.append(
                Issue(
                    "span/name-cardinality",
                    "warning",
                    svc,
                    "service",
                    f"{len(seen)} distinct span names (limit {max_span_names})",
                    len(seen),
                )
            )
    return issues


# --- cardinality --------------------------------------------------------------------


def _hash64(values: Iterable[object]) -> npt.NDArray[np.uint64]:
    """64-bit hashes of the values' ``repr`` (stable across runs, unlike ``hash``)."""
    digest = hashlib.blake2b
    return np.fromiter(
        (
            int.from_bytes(digest(repr(v).encode(), digest_size=8).digest(), "little")
            for v in values
        ),
        dtype=np.uint64,
    )


def _bit_length(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    n = np.zeros(x.shape, dtype=np.int64)
    x = x.copy()
    for s in (32, 16, 8, 4, 2, 1):
        big = x >= np.uint64(1 << s)
        n[big] += s
        x[big] >>= np.uint64(s)
    return n + (x > 0)


class HyperLogLog:
    """A HyperLogLog sketch of the distinct values added to it (Flajolet et al., 2007).

    With ``m = 2**precision`` registers and 64-bit hashes, the estimate's relative
    standard error is ``1.04 / sqrt(m)``; small cardinalities use linear counting, as in
    the paper, and 64-bit hashes make the large-range correction unnecessary (Heule et al.,
    2013).

    Examples:
        >>> hll = HyperLogLog(precision=12)
        >>> hll.add(f"user-{i}" for i in range(50_000))
        >>> abs(hll.estimate() / 50_000 - 1) < 3 * 1.04 / 64
        True
    """

    def __init__(self, precision: int = 14) -> None:
        if isinstance(precision, bool) or not isinstance(precision, int):
            raise TypeError(f"precision must be an int, got {precision!r}")
        if not 4 <= precision <= 18:
            raise ValueError(f"precision must be in 4..18, got {precision!r}")
        self.precision = precision
        self.registers = np.zeros(1 << precision, dtype=np.uint8)

    def add(self, values: Iterable[object]) -> None:
        """Add values (any objects; they are hashed through their ``repr``)."""
        self.add_hashes(_hash64(values))

    def add_hashes(self, hashes: npt.ArrayLike) -> None:
        """Add values already hashed to uniformly distributed 64-bit integers."""
        h = np.asarray(hashes, dtype=np.uint64)
        p = self.precision
        # --8<-- [start:hll_add]
        index = (h >> np.uint64(64 - p)).astype(np.int64)  # the first p bits pick a register
        rest = h & np.uint64((1 << (64 - p)) - 1)  # the other 64 - p bits
        rank = (64 - p) - _bit_length(rest) + 1  # position of the first 1 bit
        np.maximum.at(self.registers, index, rank.astype(np.uint8))
        # --8<-- [end:hll_add]

    def estimate(self) -> float:
        """The estimated number of distinct values added."""
        m = self.registers.size
        # --8<-- [start:hll_estimate]
        alpha = 0.7213 / (1 + 1.079 / m)
        raw = alpha * m * m / float(np.sum(2.0 ** -self.registers.astype(float)))
        zeros = int(np.count_nonzero(self.registers == 0))
        if raw <= 2.5 * m and zeros:
            return m * math.log(m / zeros)  # linear counting for small cardinalities
        return raw
        # --8<-- [end:hll_estimate]


@dataclass(frozen=True)
class Cardinality:
    """The distinct values of one attribute key.

    Attributes:
        key: The attribute key.
        distinct: The count: exact when ``exact``, otherwise a HyperLogLog estimate.
        exact: Whether ``distinct`` is an exact count.
        spans: How many spans carry the key.
    """

    key: str
    distinct: float
    exact: bool
    spans: int


def attribute_cardinality(
    spans: Iterable[Span], *, exact_limit: int = 10_000, precision: int = 14
) -> list[Cardinality]:
    """Distinct values per span attribute key, highest first.

    Each key is counted exactly with a set until it holds ``exact_limit`` values; from
    then on its values go into a `HyperLogLog` of the given precision (relative standard
    error ``1.04 / sqrt(2**precision)``), so memory per key stays bounded.
    """
    if isinstance(exact_limit, bool) or not isinstance(exact_limit, int) or exact_limit < 1:
        raise ValueError(f"exact_limit must be an int >= 1, got {exact_limit!r}")
    exact: dict[str, set[object]] = defaultdict(set)
    sketches: dict[str, HyperLogLog] = {}
    seen: dict[str, int] = defaultdict(int)
    for span in spans:
        for key, value in span.attributes.items():
            seen[key] += 1
            v = repr(value)
            if key in sketches:
                sketches[key].add((v,))
                continue
            values = exact[key]
            values.add(v)
            if len(values) > exact_limit:
                sketches[key] = HyperLogLog(precision)
                sketches[key].add(values)
                del exact[key]
    out = [Cardinality(k, float(len(v)), True, seen[k]) for k, v in exact.items()]
    out += [Cardinality(k, s.estimate(), False, seen[k]) for k, s in sketches.items()]
    return sorted(out, key=lambda c: (-c.distinct, c.key))
