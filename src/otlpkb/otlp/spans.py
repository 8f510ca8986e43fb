"""The span record and the columnar span table the OTLP readers produce.

A `SpanTable` keeps one Python list per field (a column). It iterates as
`Span` records, slices and gathers like a sequence, and converts to numpy arrays for
vectorised analysis (`SpanTable.to_numpy`). Identifiers are lowercase hex strings
(32 digits for trace ids, 16 for span ids, ``""`` for "no parent"); times are integer
nanoseconds since the Unix epoch; ``kind`` and ``status_code`` are the OTLP enum integers.

See the chapter *Distributed tracing* (3.1).

Examples:
    >>> from otlpkb.otlp import Span, SpanTable
    >>> root = Span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "", "GET /",
    ...             2, 1_000, 5_000, 0, service_name="frontend")
    >>> child = Span("0af7651916cd43dd8448eb211c80319c", "00f067aa0ba902b7", "b7ad6b7169203331",
    ...              "SELECT", 3, 2_000, 3_500, 0, service_name="db")
    >>> table = SpanTable.from_spans([root, child])
    >>> len(table), table[1].parent_span_id, table[1].duration_nano
    (2, 'b7ad6b7169203331', 1500)
    >>> table.to_numpy()["duration_nano"].tolist()
    [4000, 1500]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Protocol, Union, overload

import numpy as np
import numpy.typing as npt

__all__ = [
    "COLUMNS",
    "AttributeValue",
    "LinkLike",
    "Span",
    "SpanEvent",
    "SpanLike",
    "SpanLink",
    "SpanTable",
    "int_array",
]

AttributeValue = Union[  # noqa: UP007 - a recursive alias needs Union on 3.11
    str, bool, int, float, bytes, None, list["AttributeValue"], dict[str, "AttributeValue"]
]
"""A decoded OTLP ``AnyValue``: string, bool, int, float, bytes, ``None`` (empty value),
a list (``arrayValue``) or a dict (``kvlistValue``)."""


@dataclass(frozen=True, slots=True)
class SpanEvent:
    """A timestamped event on a span (``Span.Event``)."""

    time_unix_nano: int
    name: str = ""
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)
    dropped_attributes_count: int = 0


@dataclass(frozen=True, slots=True)
class SpanLink:
    """A link from a span to a span of (usually) another trace (``Span.Link``)."""

    trace_id: str
    span_id: str
    trace_state: str = ""
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)
    flags: int = 0
    dropped_attributes_count: int = 0


class LinkLike(Protocol):
    """What the trace analyses read from a link: the linked span's ids."""

    @property
    def trace_id(self) -> str:
        """Hex trace id of the linked span."""

    @property
    def span_id(self) -> str:
        """Hex span id of the linked span."""


class SpanLike(Protocol):
    """The span fields the trace analyses read; `Span` has them all.

    Analyses accept any object with these attributes, so a test or a user can pass spans
    from another source (say, a small dataclass) without building `Span` records.
    """

    @property
    def trace_id(self) -> str:
        """Hex trace id."""

    @property
    def span_id(self) -> str:
        """Hex span id."""

    @property
    def parent_span_id(self) -> str:
        """Hex parent span id, ``""`` for a root span."""

    @property
    def kind(self) -> int:
        """OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer."""

    @property
    def service_name(self) -> str:
        """The resource's ``service.name``."""

    @property
    def status_code(self) -> int:
        """``Status.code``: 0 unset, 1 ok, 2 error."""

    @property
    def start_time_unix_nano(self) -> int:
        """Start, ns since the Unix epoch."""

    @property
    def end_time_unix_nano(self) -> int:
        """End, ns since the Unix epoch."""

    @property
    def links(self) -> Sequence[LinkLike]:
        """Links to other spans."""


@dataclass(frozen=True, slots=True)
class Span:
    """One span: a named, timed operation within a trace.

    Attributes:
        trace_id: 32 lowercase hex digits (16 bytes).
        span_id: 16 lowercase hex digits (8 bytes).
        parent_span_id: the parent's span id, or ``""`` for a root span.
        name: the operation name.
        kind: OTLP ``SpanKind`` (0 unspecified, 1 internal, 2 server, 3 client,
            4 producer, 5 consumer).
        start_time_unix_nano: start, ns since the epoch.
        end_time_unix_nano: end, ns since the epoch.
        status_code: 0 unset, 1 ok, 2 error.
        status_message: the status description.
        service_name: the resource attribute ``service.name`` (``""`` if absent).
        attributes: span attributes.
        resource_attributes: attributes of the resource that emitted the span.
        events: the span's events.
        links: the span's links.
        trace_state: the W3C ``tracestate`` of the span context.
        flags: OTLP span flags (low 8 bits: W3C trace flags; bits 8-9: remote-parent info).
        scope_name: instrumentation scope name.
        scope_version: instrumentation scope version.
        dropped_attributes_count: attributes dropped by the SDK's limits.
        dropped_events_count: events dropped by the SDK's limits.
        dropped_links_count: links dropped by the SDK's limits.
        problems: what the reader kept but found invalid, one phrase each with the
            field's JSON name (an empty or all-zero trace or span id, an end before the
            start, a time written as a float); empty for a valid span.
    """

    # --8<-- [start:span]
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: int
    start_time_unix_nano: int
    end_time_unix_nano: int
    status_code: int
    status_message: str = ""
    service_name: str = ""
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)
    resource_attributes: Mapping[str, AttributeValue] = field(default_factory=dict)
    events: tuple[SpanEvent, ...] = ()
    links: tuple[SpanLink, ...] = ()
    trace_state: str = ""
    flags: int = 0
    scope_name: str = ""
    scope_version: str = ""
    dropped_attributes_count: int = 0
    dropped_events_count: int = 0
    dropped_links_count: int = 0
    problems: tuple[str, ...] = ()
    # --8<-- [end:span]

    @property
    def duration_nano(self) -> int:
        """``end_time_unix_nano - start_time_unix_nano``."""
        return self.end_time_unix_nano - self.start_time_unix_nano


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Span))
"""The column names of a `SpanTable`, in `Span` field order."""

_STRING_COLUMNS = ("trace_id", "span_id", "parent_span_id", "name", "service_name")
_INT_COLUMNS = {
    "kind": np.int32,
    "status_code": np.int32,
    "flags": np.int64,
    "start_time_unix_nano": np.int64,
    "end_time_unix_nano": np.int64,
}


class SpanTable(Sequence[Span]):
    """A columnar table of spans: one list per `Span` field.

    Build one with `from_spans`, `concat` or the readers
    (`otlpkb.otlp.read_traces`). Indexing with an int gives a `Span`; with a
    slice, a new table. Columns are shared, not copied, so treat them as read-only.
    """

    __slots__ = ("_columns", "_length")

    def __init__(self, columns: Mapping[str, Sequence[Any]] | None = None) -> None:
        """Wrap ``columns`` (a mapping from every name in `COLUMNS` to a list).

        Raises:
            ValueError: a column is missing, unknown, or of a different length.
        """
        if columns is None:
            self._columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
            self._length = 0
            return
        missing = [name for name in COLUMNS if name not in columns]
        extra = [name for name in columns if name not in COLUMNS]
        if missing or extra:
            raise ValueError(
                f"columns must be exactly {COLUMNS}; missing {missing}, unknown {extra}"
            )
        lengths = {name: len(columns[name]) for name in COLUMNS}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"columns must all have the same length, got {lengths}")
        self._columns = {name: list(columns[name]) for name in COLUMNS}
        self._length = lengths[COLUMNS[0]]

    @classmethod
    def _wrap(cls, columns: dict[str, list[Any]]) -> SpanTable:
        """Adopt ``columns`` without copying or checking (internal, for the readers)."""
        table = cls.__new__(cls)
        table._columns = columns
        table._length = len(columns["trace_id"])
        return table

    @classmethod
    def from_spans(cls, spans: Iterable[Span]) -> SpanTable:
        """A table holding ``spans`` in order.

        Raises:
            TypeError: an item is not a `Span`.
        """
        columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
        appenders = [columns[name].append for name in COLUMNS]
        for index, span in enumerate(spans):
            if not isinstance(span, Span):
                raise TypeError(f"spans[{index}] must be a Span, got {type(span).__name__}")
            for append, name in zip(appenders, COLUMNS, strict=True):
                append(getattr(span, name))
        return cls._wrap(columns)

    @classmethod
    def concat(cls, tables: Iterable[SpanTable]) -> SpanTable:
        """One table with the rows of ``tables`` in order.

        Raises:
            TypeError: an item is not a `SpanTable`.
        """
        columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
        for index, table in enumerate(tables):
            if not isinstance(table, SpanTable):
                raise TypeError(f"tables[{index}] must be a SpanTable, got {type(table).__name__}")
            for name in COLUMNS:
                columns[name].extend(table._columns[name])
        return cls._wrap(columns)

    def __len__(self) -> int:
        return self._length

    @property
    def invalid_count(self) -> int:
        """How many spans the reader kept but flagged invalid (non-empty ``problems``)."""
        return sum(1 for found in self._columns["problems"] if found)

    @overload
    def __getitem__(self, index: int) -> Span: ...

    @overload
    def __getitem__(self, index: slice) -> SpanTable: ...

    def __getitem__(self, index: int | slice) -> Span | SpanTable:
        if isinstance(index, slice):
            return SpanTable._wrap({name: col[index] for name, col in self._columns.items()})
        if not isinstance(index, int) or isinstance(index, bool):
            raise TypeError(f"index must be an int or a slice, got {type(index).__name__}")
        if not -self._length <= index < self._length:
            raise IndexError(f"span index {index} out of range for a table of {self._length}")
        return Span(*(self._columns[name][index] for name in COLUMNS))

    def __iter__(self) -> Iterator[Span]:
        return map(Span, *(self._columns[name] for name in COLUMNS))

    def __repr__(self) -> str:
        traces = len(set(self._columns["trace_id"]))
        return f"SpanTable({self._length} spans, {traces} traces)"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpanTable):
            return NotImplemented
        return self._columns == other._columns

    __hash__ = None  # type: ignore[assignment]

    def column(self, name: str) -> list[Any]:
        """The raw column ``name`` (a list; do not modify it).

        Raises:
            KeyError: ``name`` is not one of `COLUMNS`.
        """
        if name not in self._columns:
            raise KeyError(f"no column {name!r}; columns are {', '.join(COLUMNS)}")
        return self._columns[name]

    def take(self, indices: Iterable[int] | npt.NDArray[np.integer[Any]]) -> SpanTable:
        """A new table with the rows at ``indices`` (ints or a boolean/int numpy array).

        Raises:
            IndexError: an index is out of range.
        """
        idx = np.asarray(indices)
        if idx.dtype == np.bool_:
            if idx.shape != (self._length,):
                raise IndexError(f"boolean mask must have length {self._length}, got {idx.shape}")
            idx = np.flatnonzero(idx)
        positions = [int(i) for i in idx.reshape(-1)]
        for i in positions:
            if not -self._length <= i < self._length:
                raise IndexError(f"span index {i} out of range for a table of {self._length}")
        return SpanTable._wrap({n: [c[i] for i in positions] for n, c in self._columns.items()})

    def to_numpy(self) -> dict[str, npt.NDArray[Any]]:
        """The scalar columns as numpy arrays, plus ``duration_nano``.

        String columns (ids, ``name``, ``service_name``) become unicode arrays; ``kind`` and
        ``status_code`` int32; ``flags`` and the times int64 (ns).

        Raises:
            ValueError: a time does not fit in int64 (after the year 2262).
        """
        out: dict[str, npt.NDArray[Any]] = {}
        for name in _STRING_COLUMNS:
            out[name] = np.array(self._columns[name], dtype=str)
        for name in _INT_COLUMNS:
            out[name] = int_array(name, self._columns[name])
        out["duration_nano"] = out["end_time_unix_nano"] - out["start_time_unix_nano"]
        return out


def int_array(name: str, values: Sequence[int]) -> npt.NDArray[Any]:
    """The integer column ``name`` (``kind``, ``status_code``, ``flags`` or a time) as numpy.

    Raises:
        ValueError: a value does not fit the column's dtype (a time after the year 2262).
    """
    dtype = _INT_COLUMNS[name]
    try:
        return np.array(values, dtype=dtype)
    except OverflowError as exc:
        raise ValueError(f"column {name} has a value outside {dtype.__name__}") from exc
