"""Read OTLP trace files and payloads into span tables.

Accepted inputs (``format``):

* ``"json"``: one OTLP/JSON ``ExportTraceServiceRequest`` / ``TracesData`` document;
* ``"jsonl"``: JSON lines, one request per line, as the Collector's ``file`` exporter
  writes with ``format: json`` (the OpenTelemetry file-exporter format);
* ``"protobuf"``: one binary ``ExportTraceServiceRequest`` / ``TracesData``, e.g. an
  OTLP/HTTP request body;
* ``"protobuf-stream"``: the ``file`` exporter's ``format: proto`` file: frames of a 4-byte
  big-endian length followed by a serialized request (a frame holding JSON is read too);
* ``"auto"`` (default) picks one of the above from the first bytes.

Ids come out as lowercase hex; an all-zero or absent ``parentSpanId`` means "no parent"
(``""``), while an all-zero trace or span id is an error. Every format may be gzip-compressed
(detected by the magic bytes). The source is a path, a bytes-like object or a binary file
object.

What streams: JSON lines and length-prefixed frames are decoded one line / frame at a time,
so :func:`iter_trace_batches` reads a file of any size in memory bounded by the largest line
or frame plus one batch. A single JSON document or protobuf message is read whole, then
batched.

See the chapter *Distributed tracing* (3.1).

Examples:
    >>> from otlpkb import datasets
    >>> from otlpkb.otlp import read_traces
    >>> table = read_traces(datasets.path("otlp/proto-examples/trace.json"))
    >>> span = table[0]
    >>> span.trace_id, span.parent_span_id, span.kind, span.service_name
    ('5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b173', 2, 'my.service')
"""

from __future__ import annotations

import gzip
import io
import json
import os
import zlib
from collections.abc import Iterator
from typing import IO, Any, Literal

from .errors import OTLPDecodeError
from .json_reader import FieldError, decode_json_document, new_columns
from .proto_reader import decode_protobuf
from .spans import COLUMNS, SpanTable

__all__ = ["FORMATS", "Format", "Source", "iter_trace_batches", "read_traces"]

Format = Literal["auto", "json", "jsonl", "protobuf", "protobuf-stream"]
FORMATS: tuple[str, ...] = ("auto", "json", "jsonl", "protobuf", "protobuf-stream")
Source = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

_BUFFER = 1 << 18
_CHUNK = 1 << 24


class _RawAdapter(io.RawIOBase):
    """A raw stream over any object with ``read(n)`` (so it can sit under a BufferedReader)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        if data is None:
            return 0
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(
                f"source must be opened in binary mode; read() returned {type(data).__name__}"
            )
        n = len(data)
        buffer[:n] = data
        return n


def _buffered(stream: Any) -> io.BufferedReader:
    return io.BufferedReader(_RawAdapter(stream), buffer_size=_BUFFER)


class _Input:
    """An opened source: a peekable binary stream, its display name and what to close."""

    def __init__(self, source: Source) -> None:
        self._close: Any = None
        if isinstance(source, bytes | bytearray | memoryview):
            self.name = "<bytes>"
            raw: Any = io.BytesIO(bytes(source))
        elif isinstance(source, str | os.PathLike):
            self.name = os.fspath(source)
            raw = open(source, "rb")  # noqa: SIM115 - closed in close()
            self._close = raw
        elif hasattr(source, "read"):
            name = getattr(source, "name", None)
            self.name = name if isinstance(name, str) else "<stream>"
            raw = source
        else:
            raise TypeError(
                "source must be a path, a bytes-like object or a binary file object, "
                f"got {type(source).__name__}"
            )
        self.stream: io.BufferedReader = _buffered(raw)
        self.compressed = False
        if self.stream.peek(2)[:2] == b"\x1f\x8b":
            self.compressed = True
            self.stream = _buffered(gzip.GzipFile(fileobj=self.stream, mode="rb"))

    def close(self) -> None:
        if self._close is not None:
            self._close.close()

    def error(self, reason: str, **where: Any) -> OTLPDecodeError:
        suffix = " (gzip-decompressed)" if self.compressed and "byte_offset" in where else ""
        return OTLPDecodeError(reason + suffix, source=self.name, **where)


def _json_error(inp: _Input, exc: Exception, *, line: int | None, offset: int) -> OTLPDecodeError:
    if isinstance(exc, json.JSONDecodeError):
        return inp.error(
            f"malformed JSON: {exc.msg}",
            line=exc.lineno if line is None else line,
            column=exc.colno,
            byte_offset=offset,
        )
    if isinstance(exc, UnicodeDecodeError):
        return inp.error(f"not UTF-8 text: {exc.reason}", line=line, byte_offset=offset + exc.start)
    return inp.error("JSON nested too deeply", line=line, byte_offset=offset)


def _decode_json_unit(
    inp: _Input, text: bytes, out: dict[str, list[Any]], *, line: int | None, offset: int
) -> None:
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise _json_error(inp, exc, line=line, offset=offset) from None
    _decode_parsed(inp, doc, out, line=line, offset=offset)


def _decode_parsed(
    inp: _Input, doc: object, out: dict[str, list[Any]], *, line: int | None, offset: int
) -> None:
    try:
        decode_json_document(doc, out)
    except FieldError as exc:
        raise inp.error(
            exc.reason,
            line=line,
            byte_offset=offset if line is not None else None,
            json_path=exc.path or "(document)",
        ) from None


def _decode_proto_unit(inp: _Input, data: bytes, out: dict[str, list[Any]], *, offset: int) -> None:
    try:
        decode_protobuf(data, out)
    except FieldError as exc:
        raise inp.error(exc.reason, byte_offset=offset, json_path=exc.path or None) from None


def _read_exactly(stream: io.BufferedReader, n: int) -> bytes:
    parts = []
    remaining = n
    while remaining > 0:
        chunk = stream.read(min(remaining, _CHUNK))
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


def _detect(inp: _Input) -> str:
    head = inp.stream.peek(64)[:64]
    stripped = head.lstrip(b" \t\r\n\xef\xbb\xbf")
    if not head:
        raise inp.error("empty input: no OTLP document to detect (pass format= to accept it)")
    if stripped[:1] in (b"{", b"["):
        return "json?"
    if head[:1] == b"\x00":
        return "protobuf-stream"
    return "protobuf"


def _decode_units(inp: _Input, fmt: str, out: dict[str, list[Any]]) -> Iterator[None]:
    """Decode ``inp`` into ``out``, yielding after every line, frame or document."""
    stream = inp.stream
    try:
        if fmt == "auto":
            fmt = _detect(inp)
        if fmt == "json?":
            first = stream.readline()
            try:
                doc = json.loads(first)
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                fmt, prefix = "json", first
            else:
                _decode_parsed(inp, doc, out, line=1, offset=0)
                yield None
                yield from _jsonl(inp, out, start_line=2, start_offset=len(first))
                return
        else:
            prefix = b""
        if fmt == "json":
            data = prefix + stream.read()
            if not data.strip():
                raise inp.error("empty input: an OTLP/JSON document needs at least '{}'")
            _decode_json_unit(inp, data, out, line=None, offset=0)
            yield None
        elif fmt == "jsonl":
            yield from _jsonl(inp, out, start_line=1, start_offset=0)
        elif fmt == "protobuf":
            _decode_proto_unit(inp, stream.read(), out, offset=0)
            yield None
        else:  # protobuf-stream
            offset = 0
            while True:
                header = stream.read(4)
                if not header:
                    return
                if len(header) < 4:
                    raise inp.error(
                        f"truncated frame header: {len(header)} of 4 length bytes",
                        byte_offset=offset,
                    )
                size = int.from_bytes(header, "big")
                payload = _read_exactly(stream, size)
                if len(payload) < size:
                    raise inp.error(
                        f"truncated frame: the length prefix says {size} bytes, "
                        f"only {len(payload)} follow",
                        byte_offset=offset,
                    )
                if payload.lstrip()[:1] == b"{":
                    _decode_json_unit(inp, payload, out, line=None, offset=offset + 4)
                else:
                    _decode_proto_unit(inp, payload, out, offset=offset + 4)
                offset += 4 + size
                yield None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise inp.error(f"corrupt or truncated gzip stream: {exc}") from None


def _jsonl(
    inp: _Input, out: dict[str, list[Any]], *, start_line: int, start_offset: int
) -> Iterator[None]:
    offset = start_offset
    for lineno, line in enumerate(inp.stream, start=start_line):
        if line.strip():
            _decode_json_unit(inp, line, out, line=lineno, offset=offset)
            yield None
        offset += len(line)


def _check_format(format: str) -> str:
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    return format


# --8<-- [start:read_traces]
def read_traces(source: Source, *, format: Format = "auto") -> SpanTable:
    """Read every span of an OTLP trace file or payload into a :class:`SpanTable`.

    Args:
        source: a path, a bytes-like object or a binary file object; gzip is detected.
        format: ``"auto"``, ``"json"``, ``"jsonl"``, ``"protobuf"`` or ``"protobuf-stream"``
            (see the module docstring).

    Returns:
        The spans in file order.

    Raises:
        OTLPDecodeError: malformed or invalid input; the message names the file, the
            position (line, byte offset, JSON path) and the problem.
        ValueError: ``format`` is not one of :data:`FORMATS`.
        TypeError: ``source`` is of an unsupported type.
    """
    fmt = _check_format(format)
    out = new_columns()
    inp = _Input(source)
    try:
        for _ in _decode_units(inp, fmt, out):
            pass
    finally:
        inp.close()
    return SpanTable._wrap(out)


# --8<-- [end:read_traces]


def iter_trace_batches(
    source: Source, *, format: Format = "auto", batch_size: int = 10_000
) -> Iterator[SpanTable]:
    """Read ``source`` as a sequence of span tables of at most ``batch_size`` spans each.

    JSON lines and length-prefixed protobuf frames are decoded incrementally, so memory is
    bounded by the largest line or frame plus one batch; a single document is read whole.
    Spans keep file order; the concatenation of the batches equals :func:`read_traces`.

    Raises:
        OTLPDecodeError: as :func:`read_traces` (batches before the bad unit are yielded).
        ValueError: ``batch_size`` is not a positive int, or ``format`` is unknown.

    Examples:
        >>> from otlpkb import datasets
        >>> from otlpkb.otlp import iter_trace_batches
        >>> path = datasets.path("otlp/jaeger/example_trace.json")
        >>> [len(b) for b in iter_trace_batches(path, batch_size=2)]
        [2, 2, 1]
    """
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    fmt = _check_format(format)
    _check_source(source)
    return _batches(source, fmt, batch_size)


def _check_source(source: object) -> None:
    if not isinstance(source, str | os.PathLike | bytes | bytearray | memoryview) and not hasattr(
        source, "read"
    ):
        raise TypeError(
            "source must be a path, a bytes-like object or a binary file object, "
            f"got {type(source).__name__}"
        )


def _batches(source: Source, fmt: str, batch_size: int) -> Iterator[SpanTable]:
    out = new_columns()
    inp = _Input(source)
    try:
        for _ in _decode_units(inp, fmt, out):
            while len(out["trace_id"]) >= batch_size:
                batch = {name: out[name][:batch_size] for name in COLUMNS}
                for name in COLUMNS:
                    del out[name][:batch_size]
                yield SpanTable._wrap(batch)
        if out["trace_id"]:
            yield SpanTable._wrap(out)
    finally:
        inp.close()
