"""A catalogue of pipeline optimizations, each with a measured or modelled effect.

The reference implementation of the chapter *Optimization catalogue* (6.3):

* batching — `batching_effect`: export requests per second and the latency a batch
  processor adds, from the closed form of chapter 1.3
  (`otlpkb.performance.throughput.batch_closed_form`);
* compression — `compress`, `decompress` and `compression_ratios`: gzip (the Python
  standard library's zlib), zstd (the ``zstandard`` package) and snappy (the framed
  format, from ``cramjam``) measured on real OTLP/protobuf payloads; `cpu_seconds_per_mb`
  measures their CPU cost (for benchmarks: it is a timing, never the same twice);
* sampling — `head_sample` (consistent probability sampling on the trace id's 56 random
  bits, as the specification's ``th`` threshold does) and `tail_sample` (keep errors and
  slow traces, then a probabilistic share of the rest);
* attribute limits — `limit_attributes`: the SDK's attribute count and value length
  limits applied to spans, whose encoded size `otlpkb.performance.resources` measures;
* queue sizing — `queue_for_outage`: the sending queue that rides out an outage of the
  back end without dropping, and the memory it takes.

See the chapter *Optimization catalogue* (6.3).

Examples:
    >>> payload = b"service.name=checkout;http.route=/api/cart;" * 200
    >>> [(r.codec, r.level, r.ratio > 10) for r in compression_ratios([payload])][:2]
    [('gzip', 1, True), ('gzip', 6, True)]
    >>> decompress(compress(payload, "snappy"), "snappy") == payload
    True
"""

from __future__ import annotations

import gzip
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import cramjam
import zstandard

from otlpkb._checks import non_negative, positive
from otlpkb.otlp import Span, SpanTable
from otlpkb.performance.throughput import batch_closed_form
from otlpkb.tracing.traces import assemble_traces

__all__ = [
    "CODECS",
    "DEFAULT_LEVELS",
    "DEFAULT_SETTINGS",
    "BatchingEffect",
    "CompressionResult",
    "QueueSizing",
    "batching_effect",
    "compress",
    "compression_ratios",
    "cpu_seconds_per_mb",
    "decompress",
    "head_sample",
    "limit_attributes",
    "queue_for_outage",
    "tail_sample",
]

#: The codecs, as the Collector's ``compression`` setting names them.
CODECS = ("gzip", "zstd", "snappy")
#: The level each codec uses when none is given: zlib's default 6 for gzip, zstd's default
#: 3; snappy has no levels (``None``).
DEFAULT_LEVELS: dict[str, int | None] = {"gzip": 6, "zstd": 3, "snappy": None}


def _codec(codec: str, level: int | None) -> int | None:
    if codec not in CODECS:
        raise ValueError(f"codec must be one of {', '.join(CODECS)}, got {codec!r}")
    if codec == "snappy":
        if level is not None:
            raise ValueError(f"snappy has no compression levels, got level={level!r}")
        return None
    chosen = DEFAULT_LEVELS[codec] if level is None else level
    if isinstance(chosen, bool) or not isinstance(chosen, int):
        raise TypeError(f"level must be an int, got {level!r}")
    low, high = (1, 9) if codec == "gzip" else (1, 22)
    if not low <= chosen <= high:
        raise ValueError(f"{codec} level must be in [{low}, {high}], got {chosen!r}")
    return chosen


def compress(payload: bytes, codec: str, *, level: int | None = None) -> bytes:
    """Compress ``payload`` the way an exporter sends it with ``compression: <codec>``.

    gzip runs with ``mtime=0`` (the same input always gives the same bytes); zstd writes
    a frame with the content size; snappy uses the framing format (what the Collector's
    HTTP client writes, through ``snappy.NewBufferedWriter``).

    Args:
        payload: the bytes to compress (an OTLP/protobuf request body).
        codec: ``"gzip"``, ``"zstd"`` or ``"snappy"``.
        level: compression level (gzip 1-9, zstd 1-22); default `DEFAULT_LEVELS`.

    Returns:
        The compressed bytes.

    Raises:
        ValueError: an unknown codec or a level out of range.
        TypeError: a payload that is not bytes.
    """
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise TypeError(f"payload must be bytes, got {type(payload).__name__}")
    chosen = _codec(codec, level)
    data = bytes(payload)
    # --8<-- [start:compress]
    if codec == "gzip":
        return gzip.compress(data, compresslevel=chosen or 6, mtime=0)
    if codec == "zstd":
        return zstandard.ZstdCompressor(level=chosen or 3).compress(data)
    return bytes(cramjam.snappy.compress(data))  # the framing format
    # --8<-- [end:compress]


def decompress(data: bytes, codec: str) -> bytes:
    """Undo `compress`.

    Raises:
        ValueError: an unknown codec, or data that is not valid for it.
    """
    _codec(codec, None if codec == "snappy" else DEFAULT_LEVELS.get(codec))
    try:
        if codec == "gzip":
            return gzip.decompress(data)
        if codec == "zstd":
            return zstandard.ZstdDecompressor().decompress(data)
        return bytes(cramjam.snappy.decompress(data))
    except (OSError, EOFError, zstandard.ZstdError, cramjam.DecompressionError) as error:
        raise ValueError(f"data is not valid {codec}: {error}") from None


@dataclass(frozen=True)
class CompressionResult:
    """One codec and level on a set of payloads.

    Attributes:
        codec: ``"gzip"``, ``"zstd"`` or ``"snappy"``.
        level: its level (``None`` for snappy).
        payloads: number of payloads (each compressed on its own, like one request).
        input_bytes: their total size.
        output_bytes: the total size compressed.
    """

    codec: str
    level: int | None
    payloads: int
    input_bytes: int
    output_bytes: int

    @property
    def ratio(self) -> float:
        """``input_bytes / output_bytes``."""
        return self.input_bytes / self.output_bytes

    @property
    def saved(self) -> float:
        """The fraction of bytes saved, ``1 - output / input``."""
        return 1.0 - self.output_bytes / self.input_bytes


#: The (codec, level) settings `compression_ratios` compares by default.
DEFAULT_SETTINGS: tuple[tuple[str, int | None], ...] = (
    ("gzip", 1),
    ("gzip", 6),
    ("zstd", 1),
    ("zstd", 3),
    ("snappy", None),
)


def compression_ratios(
    payloads: Sequence[bytes],
    settings: Sequence[tuple[str, int | None]] = DEFAULT_SETTINGS,
) -> list[CompressionResult]:
    """Compress every payload with every (codec, level) setting and count the bytes.

    The counts are deterministic: the same payloads always give the same table.

    Args:
        payloads: request bodies, each compressed on its own.
        settings: ``(codec, level)`` pairs; default gzip 1 and 6, zstd 1 and 3, snappy.

    Returns:
        One `CompressionResult` per setting, in the order given.

    Raises:
        ValueError: no payloads, an empty payload, or a bad setting.
    """
    if not payloads:
        raise ValueError("payloads must not be empty")
    total = 0
    for i, p in enumerate(payloads):
        if not isinstance(p, bytes | bytearray | memoryview):
            raise TypeError(f"payloads[{i}] must be bytes, got {type(p).__name__}")
        if len(p) == 0:
            raise ValueError(f"payloads[{i}] is empty")
        total += len(p)
    return [
        CompressionResult(
            codec=codec,
            level=_codec(codec, level),
            payloads=len(payloads),
            input_bytes=total,
            output_bytes=sum(len(compress(p, codec, level=level)) for p in payloads),
        )
        for codec, level in settings
    ]


def cpu_seconds_per_mb(
    payloads: Sequence[bytes],
    codec: str,
    *,
    level: int | None = None,
    min_seconds: float = 0.2,
    clock: Callable[[], float] = time.process_time,
) -> float:
    """CPU seconds to compress one MB (10^6 bytes) of ``payloads`` with ``codec``.

    The payloads are compressed in rounds until ``min_seconds`` of CPU time have passed
    (at least one round). A timing: it changes from run to run and machine to machine,
    so it belongs in benchmarks, never in a page or a test assertion.

    Args:
        payloads: request bodies.
        codec: ``"gzip"``, ``"zstd"`` or ``"snappy"``.
        level: compression level.
        min_seconds: CPU time to accumulate, > 0.
        clock: the clock to read (default ``time.process_time``).

    Returns:
        CPU seconds per MB of input.
    """
    _codec(codec, level)
    budget = positive("min_seconds", min_seconds)
    size = sum(len(p) for p in payloads)
    if size == 0:
        raise ValueError("payloads must hold at least one byte")
    rounds, start = 0, clock()
    while True:
        for p in payloads:
            compress(p, codec, level=level)
        rounds += 1
        elapsed = clock() - start
        if elapsed >= budget:
            return elapsed / (rounds * size / 1e6)


@dataclass(frozen=True)
class BatchingEffect:
    """What a batch processor does to a stream of spans.

    Attributes:
        spans_per_second: the incoming rate.
        requests_per_second: export requests per second after batching.
        mean_batch: mean spans per export request.
        added_latency_s: mean time a span waits in the batch.
        timeout_fraction: fraction of batches the timer sent (the rest were full).
        bytes_per_request: mean uncompressed request size, given the bytes per span.
    """

    spans_per_second: float
    requests_per_second: float
    mean_batch: float
    added_latency_s: float
    timeout_fraction: float
    bytes_per_request: float


def batching_effect(
    spans_per_second: float,
    *,
    send_batch_size: int = 8192,
    timeout: float = 0.2,
    bytes_per_span: float = 300.0,
) -> BatchingEffect:
    """The batch processor's effect on request rate and latency (Poisson arrivals).

    The defaults are the batch processor's (``send_batch_size: 8192``,
    ``timeout: 200ms``). The model is `otlpkb.performance.throughput.batch_closed_form`
    (chapter 1.3): a batch leaves when it is full or when the timer fires.

    Args:
        spans_per_second: incoming spans per second, > 0.
        send_batch_size: the size trigger, >= 1.
        timeout: the timer, seconds, > 0.
        bytes_per_span: mean encoded size of a span, > 0.

    Returns:
        The `BatchingEffect`.

    Examples:
        >>> e = batching_effect(1000.0)
        >>> round(e.requests_per_second, 2), round(e.mean_batch), round(e.added_latency_s, 3)
        (5.0, 200, 0.1)
    """
    size = positive("bytes_per_span", bytes_per_span)
    # --8<-- [start:batching]
    stats = batch_closed_form(spans_per_second, send_batch_size, timeout)
    return BatchingEffect(
        spans_per_second=stats.items_per_second,
        requests_per_second=stats.batches_per_second,
        mean_batch=stats.mean_batch_size,
        added_latency_s=stats.mean_added_latency,
        timeout_fraction=stats.timeout_fraction,
        bytes_per_request=stats.mean_batch_size * size,
    )
    # --8<-- [end:batching]


def _spans(spans: SpanTable | Iterable[Span]) -> list[Span]:
    items = list(spans)
    for i, span in enumerate(items):
        if not isinstance(span, Span):
            raise TypeError(f"spans[{i}] must be a Span, got {type(span).__name__}")
    return items


def _probability(name: str, value: float) -> float:
    p = non_negative(name, value)
    if p > 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return p


def head_sample(spans: SpanTable | Iterable[Span], probability: float) -> list[Span]:
    r"""Consistent head sampling: keep a trace iff its randomness reaches the threshold.

    The randomness $R$ is the trace id's last 56 bits (W3C Trace Context level 2 random
    trace ids); a trace is kept iff $R \ge T$ with the rejection threshold
    $T = \lfloor(1 - p)\,2^{56}\rfloor$ (OpenTelemetry's consistent probability
    sampling). Every service that samples with the same $p$ keeps the same traces, and a
    larger $p$ keeps a superset.

    Args:
        spans: spans of any number of traces.
        probability: the sampling probability $p$ in [0, 1].

    Returns:
        The spans of the kept traces, in input order.

    Examples:
        >>> from otlpkb.tuning.workload import shop_traces
        >>> spans = shop_traces(400, seed=3)
        >>> round(len(head_sample(spans, 0.25)) / len(spans), 2)
        0.27
    """
    p = _probability("probability", probability)
    # --8<-- [start:head]
    threshold = math.floor((1.0 - p) * 2**56)
    keep = {}
    for span in _spans(spans):
        if span.trace_id not in keep:
            keep[span.trace_id] = int(span.trace_id[-14:], 16) >= threshold
    return [s for s in _spans(spans) if keep[s.trace_id]]
    # --8<-- [end:head]


def tail_sample(
    spans: SpanTable | Iterable[Span],
    *,
    keep_errors: bool = True,
    latency_ms: float | None = None,
    probability: float = 0.0,
) -> list[Span]:
    """Tail sampling: decide per complete trace, after seeing all of its spans.

    Policies in the order the Collector's ``tail_sampling`` processor would evaluate a
    ``status_code`` policy, a ``latency`` policy and a ``probabilistic`` policy: a trace
    is kept if any span has status ERROR, if its root (or, without a single root, its
    extent) lasts longer than ``latency_ms``, or if its randomness passes head sampling
    at ``probability``.

    Args:
        spans: spans of any number of traces.
        keep_errors: keep every trace with an error span.
        latency_ms: keep every trace longer than this (ms), or ``None``.
        probability: keep this share of the remaining traces.

    Returns:
        The spans of the kept traces, in input order.
    """
    p = _probability("probability", probability)
    if latency_ms is not None:
        non_negative("latency_ms", latency_ms)
    items = _spans(spans)
    threshold = math.floor((1.0 - p) * 2**56)
    kept = set()
    # --8<-- [start:tail]
    for trace_id, trace in assemble_traces(items).items():
        error = keep_errors and any(s.status_code == 2 for s in trace.spans)
        start = min(s.start_time_unix_nano for s in trace.spans)
        end = max(s.end_time_unix_nano for s in trace.spans)
        root = trace.root
        duration = (root.duration_nano if root else end - start) / 1e6
        slow = latency_ms is not None and duration > latency_ms
        lucky = int(trace_id[-14:], 16) >= threshold
        if error or slow or lucky:
            kept.add(trace_id)
    # --8<-- [end:tail]
    return [s for s in items if s.trace_id in kept]


def limit_attributes(
    span: Span, *, count_limit: int | None = 128, value_length_limit: int | None = None
) -> Span:
    """Apply the SDK's span attribute limits to one span, as the specification says.

    The first ``count_limit`` attributes are kept and the rest discarded (counted in
    ``dropped_attributes_count``); string and bytes values longer than
    ``value_length_limit`` are truncated, as are strings inside array values. The
    defaults are the specification's: 128 attributes, no length limit.

    Args:
        span: the span.
        count_limit: the most attributes kept, >= 0, or ``None`` for no limit.
        value_length_limit: the longest value kept, >= 0, or ``None``.

    Returns:
        A new `Span` (the input is left as it is).

    Examples:
        >>> from otlpkb.otlp import Span
        >>> s = Span("0" * 31 + "1", "0" * 15 + "1", "", "op", 1, 0, 1, 0,
        ...          attributes={"a": "x" * 10, "b": 1, "c": 2})
        >>> t = limit_attributes(s, count_limit=2, value_length_limit=4)
        >>> dict(t.attributes), t.dropped_attributes_count
        ({'a': 'xxxx', 'b': 1}, 1)
    """
    for name, limit in (("count_limit", count_limit), ("value_length_limit", value_length_limit)):
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise ValueError(f"{name} must be an int >= 0 or None, got {limit!r}")
    # --8<-- [start:limits]
    items = list(span.attributes.items())
    kept = items if count_limit is None else items[:count_limit]

    def cut(value: object) -> object:
        if value_length_limit is None:
            return value
        if isinstance(value, str | bytes):
            return value[:value_length_limit]
        if isinstance(value, list):
            return [cut(v) for v in value]
        return value

    return replace(
        span,
        attributes={k: cut(v) for k, v in kept},  # type: ignore[misc]
        dropped_attributes_count=span.dropped_attributes_count + len(items) - len(kept),
    )
    # --8<-- [end:limits]


@dataclass(frozen=True)
class QueueSizing:
    """A sending queue sized to ride out an outage of the back end.

    Attributes:
        queue_size: batches the queue must hold (the ``queue_size`` setting with the
            default ``requests`` sizer).
        memory_bytes: what those batches take in memory (uncompressed).
        dropped_fraction: the share of the outage's data a queue of
            ``current_queue_size`` would drop.
    """

    queue_size: int
    memory_bytes: float
    dropped_fraction: float


def queue_for_outage(
    batches_per_second: float,
    outage_s: float,
    *,
    bytes_per_batch: float,
    current_queue_size: int = 1000,
) -> QueueSizing:
    r"""The exporter queue that holds everything produced during an outage.

    While the back end is down nothing leaves the queue, so it fills at the arrival
    rate: $\lceil \lambda_b\,T\rceil$ batches. Retries of the batches in flight add to
    that (at most ``num_consumers`` more). A queue of size $K$ drops
    $\max(0, \lambda_b T - K) / (\lambda_b T)$ of the outage's data.

    Args:
        batches_per_second: batches arriving at the exporter per second, > 0.
        outage_s: the outage to survive, seconds, >= 0.
        bytes_per_batch: mean uncompressed batch size, > 0.
        current_queue_size: the configured ``queue_size`` (default 1000), >= 1.

    Returns:
        The `QueueSizing`.

    Examples:
        >>> q = queue_for_outage(5.0, 300.0, bytes_per_batch=60_000)
        >>> q.queue_size, round(q.memory_bytes / 1e6), round(q.dropped_fraction, 3)
        (1500, 90, 0.333)
    """
    rate = positive("batches_per_second", batches_per_second)
    outage = non_negative("outage_s", outage_s)
    size = positive("bytes_per_batch", bytes_per_batch)
    if isinstance(current_queue_size, bool) or not isinstance(current_queue_size, int):
        raise TypeError(f"current_queue_size must be an int, got {current_queue_size!r}")
    if current_queue_size < 1:
        raise ValueError(f"current_queue_size must be >= 1, got {current_queue_size!r}")
    # --8<-- [start:queue]
    arriving = rate * outage
    needed = math.ceil(arriving)
    dropped = max(0.0, arriving - current_queue_size) / arriving if arriving > 0 else 0.0
    # --8<-- [end:queue]
    return QueueSizing(queue_size=needed, memory_bytes=needed * size, dropped_fraction=dropped)
