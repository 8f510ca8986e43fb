"""Read OTLP trace files and payloads into span tables.

Accepted inputs (``format``):

* ``"json"``: one OTLP/JSON ``ExportTraceServiceRequest`` / ``TracesData`` document;
* ``"jsonl"``: JSON lines, one request per line, as the Collector's ``file`` exporter
  writes with ``format: json`` (the OpenTelemetry file-exporter format);
* ``"protobuf"``: one binary ``ExportTraceServiceRequest`` / ``TracesData``, e.g. an
  OTLP/HTTP request body;
* ``"protobuf-stream"``: the ``file`` exporter's ``format: proto`` file: frames of a 4-byte
  big-endian length followed by a serialized request (a frame holding JSON is read too);
* ``"auto"`` (default) picks one of the above from the first bytes: JSON if they start
  with ``{`` or ``[`` (after blanks) or a byte-order mark, or are UTF-16/32 JSON; binary
  if the first byte is 0x0A (field 1, ``resource_spans``); frames if a 4-byte length is
  followed by 0x0A or ``{``; any other JSON value is reported as such. Anything else is
  an error saying what the input looks like (zero bytes, text, zstd, ...), and a binary
  message that reads as OTLP metrics or logs is named as such.

Ids come out as lowercase hex; an all-zero or absent ``parentSpanId`` means "no parent"
(``""``). A span whose own trace or span id is empty or all zeros, whose end precedes its
start, or whose time was written as a float above 2**53 is kept and flagged in its
``problems`` (counted by `SpanTable.invalid_count`); ``strict=True`` makes it an error.
``null`` for any field means the field is unset, as ProtoJSON says. Every format may be
gzip-compressed (detected by the magic bytes). The source is a path, a bytes-like object
or a binary file object.

What streams: `iter_trace_batches` reads a file of any size in bounded memory. JSON
lines and length-prefixed frames are decoded one line / frame at a time. A single OTLP/JSON
document is read in chunks through an incremental decoder (UTF-8, or the UTF-16/32 that
`json.loads` detects) and decoded one ``resourceSpans`` element at a time with
`json.JSONDecoder.raw_decode`; unknown top-level fields before or after the array are
skipped value by value. Memory is then bounded by the largest line, frame, ``resourceSpans``
element or other top-level value, plus one batch. Only a binary protobuf message
(``"protobuf"``) is read whole, then batched. `read_traces` runs the same decoder to
the end. A JSON object that repeats a key, anywhere, is an error (a whole-document parse
would silently keep the last one); snake_case proto field names are read as their
lowerCamelCase fields (see `otlpkb.otlp.json_reader`).

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

import codecs
import gzip
import io
import json
import os
import re
import zlib
from collections.abc import Generator, Iterator
from decimal import Decimal
from typing import IO, Any, Literal

from .errors import OTLPDecodeError
from .json_reader import (
    SNAKE_CASE_FIELDS,
    DuplicateKeyError,
    FieldError,
    check_no_resource_spans,
    decode_json_document,
    decode_resource_spans,
    find_duplicate_key,
    marking_object,
    new_columns,
    strict_object,
)
from .proto_reader import decode_protobuf
from .spans import COLUMNS, SpanTable

__all__ = [
    "FORMATS",
    "Format",
    "Source",
    "iter_column_batches",
    "iter_trace_batches",
    "read_traces",
]

Format = Literal["auto", "json", "jsonl", "protobuf", "protobuf-stream"]
FORMATS: tuple[str, ...] = ("auto", "json", "jsonl", "protobuf", "protobuf-stream")
Source = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

_BUFFER = 1 << 18
_CHUNK = 1 << 24
_JSON_CHUNK = 1 << 18  # bytes read per refill when streaming a JSON document
_JSON_MARGIN = 32  # a value ending this close to the end of the window is re-read
_JSON_WS = re.compile(r"[ \t\n\r]*")
_LINE_WS = re.compile(r"[ \t\r]*")
_ANY_WS = re.compile(r"[ \t\n\r\x0b\x0c]*")
# fractions and exponents as Decimal, so that an int64 written 1.7e18 is read exactly
_DECODER = json.JSONDecoder(object_pairs_hook=strict_object, parse_float=Decimal)
_MARKING = json.JSONDecoder(object_pairs_hook=marking_object, parse_float=Decimal)
_KEEP_KEYS = 64
_SIGNAL_KEYS = frozenset(("resourceMetrics", "resourceLogs", "resourceProfiles", "resource_spans"))


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

    def __init__(
        self, source: Source, *, strict: bool = False, columns: tuple[str, ...] = COLUMNS
    ) -> None:
        self.strict = strict
        self.columns = columns  # what a binary message fills; other decoders fill all
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
    if isinstance(exc, ValueError):  # e.g. an integer longer than int_max_str_digits
        return inp.error(f"malformed JSON: {exc}", line=line, byte_offset=offset)
    return inp.error("JSON nested too deeply", line=line, byte_offset=offset)


def _decode_json_unit(
    inp: _Input, text: bytes, out: dict[str, list[Any]], *, line: int | None, offset: int
) -> None:
    hook = strict_object
    while True:
        try:
            doc = json.loads(text, object_pairs_hook=hook, parse_float=Decimal)
        except DuplicateKeyError:
            hook = marking_object  # parse again, marking the object, to say where
            continue
        except (ValueError, RecursionError) as exc:
            raise _json_error(inp, exc, line=line, offset=offset) from None
        break
    found = find_duplicate_key(doc) if hook is marking_object else None
    if found is not None:
        path = found.path or "(document)"
        raise inp.error(found.reason, line=line, byte_offset=offset, json_path=path)
    _decode_parsed(inp, doc, out, line=line, offset=offset)


def _decode_parsed(
    inp: _Input, doc: object, out: dict[str, list[Any]], *, line: int | None, offset: int
) -> None:
    try:
        decode_json_document(doc, out, strict=inp.strict)
    except FieldError as exc:
        raise inp.error(
            exc.reason,
            line=line,
            byte_offset=offset if line is not None else None,
            json_path=exc.path or "(document)",
        ) from None


def _decode_proto_unit(inp: _Input, data: bytes, out: dict[str, list[Any]], *, offset: int) -> None:
    try:
        decode_protobuf(data, out, strict=inp.strict, columns=inp.columns)
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


class _Prepend:
    """``head`` followed by the rest of ``tail``, as an object with ``read(n)``."""

    def __init__(self, head: bytes, tail: io.BufferedReader) -> None:
        self._head = memoryview(head)
        self._tail = tail

    def read(self, n: int) -> bytes:
        if self._head:
            piece, self._head = bytes(self._head[:n]), self._head[n:]
            return piece
        return self._tail.read(n)


class _JsonWindow:
    """The decoded text of a JSON byte stream, held as a sliding window.

    ``buf[pos:]`` is the text not yet consumed; `value` decodes one JSON value with
    `json.JSONDecoder.raw_decode`, refilling the window from the stream while the
    value may continue past its end. Text before ``pos`` is dropped at every refill, so the
    window holds one value (plus up to a chunk) however large the document.
    """

    def __init__(self, inp: _Input, stream: io.BufferedReader, chunk: int) -> None:
        self._inp = inp
        self.strict = inp.strict
        self._stream = stream
        self._chunk = chunk
        head = _read_exactly(stream, 4)
        self.encoding = json.detect_encoding(head)  # as json.loads(bytes) does
        self._decoder = codecs.getincrementaldecoder(self.encoding)(errors="surrogatepass")
        # a codec without BOM to count bytes: utf-16* -> utf-16-le, utf-32* -> utf-32-le
        self._width = {"utf-1": "utf-16-le", "utf-3": "utf-32-le"}.get(self.encoding[:5], "utf-8")
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._base = 0  # characters dropped before buf[0]
        self._line = 1  # line number of buf[0]
        self._col = 0  # characters between the last newline and buf[0]
        self._bytes_in = 0  # bytes given to the decoder
        self._feed(head)

    def _feed(self, data: bytes) -> None:
        pending = len(self._decoder.getstate()[0])
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise self._inp.error(
                f"not UTF-8 text: {exc.reason}",
                byte_offset=self._bytes_in - pending + exc.start,
            ) from None
        self._bytes_in += len(data)
        self.eof = not data
        if self.pos:  # drop the consumed text, keeping line and column bookkeeping
            buf, p = self.buf, self.pos
            newlines = buf.count("\n", 0, p)
            if newlines:
                self._line += newlines
                self._col = p - buf.rindex("\n", 0, p) - 1
            else:
                self._col += p
            self._base += p
            self.buf, self.pos = buf[p:], 0
        self.buf += text

    def fill(self) -> None:
        """Read more text: at least a chunk, and at least as much as is pending (so O(n))."""
        if not self.eof:
            self._feed(self._stream.read(max(self._chunk, len(self.buf) - self.pos)))

    def skip(self, pattern: re.Pattern[str] = _JSON_WS) -> str:
        """Skip characters matching ``pattern``; the next character, ``""`` at the end."""
        while True:
            match = pattern.match(self.buf, self.pos)
            assert match is not None  # every pattern matches the empty string
            self.pos = match.end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof:
                return ""
            self.fill()

    def value(self, path: str = "") -> Any:
        """Decode the JSON value after optional whitespace and move past it.

        ``path`` is the value's JSON path, for the error if an object in it repeats a key.
        """
        self.skip()
        decoder = _DECODER
        while True:
            buf = self.buf
            try:
                value, end = decoder.raw_decode(buf, self.pos)
            except DuplicateKeyError:
                decoder = _MARKING  # decode again, marking the object, to say where
                continue
            except json.JSONDecodeError as exc:
                # an error at the end of the window, or an unterminated string, may only
                # mean that the value continues in the next chunk
                near_end = exc.pos >= len(buf) - _JSON_MARGIN
                if not self.eof and (near_end or exc.msg.startswith("Unterminated string")):
                    self.fill()
                    continue
                raise self.syntax_error(exc.msg, exc.pos) from None
            except RecursionError:
                raise self.error_at(self.mark(), "JSON nested too deeply") from None
            except ValueError as exc:  # an integer longer than int_max_str_digits
                raise self.error_at(self.mark(), f"malformed JSON: {exc}") from None
            if not self.eof and len(buf) - end < _JSON_MARGIN:
                self.fill()  # a number such as 12|34 may go on in the next chunk
                continue
            found = find_duplicate_key(value) if decoder is _MARKING else None
            if found is not None:
                where = FieldError(found.path, found.reason).under(path) if path else found
                raise self.error_at(self.mark(), where.reason, where.path or "(document)")
            self.pos = end
            return value

    def mark(self) -> int:
        """The absolute character position of ``pos`` (valid until ``pos`` moves on)."""
        return self._base + self.pos

    def where(self, mark: int) -> tuple[int, int, int]:
        """Line, column (as `json` counts them) and byte offset of a kept position."""
        buf, idx = self.buf, mark - self._base
        assert 0 <= idx <= len(buf), "a position reported after it left the window"
        line = self._line + buf.count("\n", 0, idx)
        newline = buf.rfind("\n", 0, idx)
        column = idx - newline if newline >= 0 else self._col + idx + 1
        tail = len(buf[idx:].encode(self._width, "surrogatepass"))
        return line, column, self._bytes_in - len(self._decoder.getstate()[0]) - tail

    def syntax_error(self, msg: str, idx: int | None = None) -> OTLPDecodeError:
        line, column, offset = self.where(self._base + (self.pos if idx is None else idx))
        return self._inp.error(
            f"malformed JSON: {msg}", line=line, column=column, byte_offset=offset
        )

    def error_at(self, mark: int, reason: str, json_path: str | None = None) -> OTLPDecodeError:
        line, _, offset = self.where(mark)
        return self._inp.error(reason, line=line, byte_offset=offset, json_path=json_path)

    def rest(self) -> io.BufferedReader:
        """The unconsumed bytes (from ``pos``) followed by the rest of the stream."""
        head = self.buf[self.pos :].encode("utf-8", "surrogatepass")
        return _buffered(_Prepend(head + self._decoder.getstate()[0], self._stream))


def _json_document(inp: _Input, out: dict[str, list[Any]], *, auto: bool) -> Iterator[None]:
    """Decode one OTLP/JSON document, one ``resourceSpans`` element at a time.

    With ``auto`` (the format was detected, not given), a document that fills the first
    line and is followed by more lines makes the input JSON lines, as before streaming.
    """
    text = _JsonWindow(inp, inp.stream, _JSON_CHUNK)
    first = text.skip()
    if first in ("\x0b", "\x0c", ""):  # bytes.strip() whitespace that JSON does not allow
        error = text.syntax_error("Expecting value")
        if text.skip(_ANY_WS) == "":
            raise inp.error("empty input: an OTLP/JSON document needs at least '{}'")
        raise error
    if first != "{":  # not an object: decode it whole to report what it is
        mark = text.mark()
        _decode_whole(text, mark, text.value(), out)  # raises: not an object
        return  # pragma: no cover
    text.pos += 1
    seen_spans = False
    keys: set[str] = set()
    seen_keys: dict[str, str] = {}  # field name -> its spelling in the document
    char = text.skip()
    if char == "}":
        text.pos += 1
    else:
        while True:
            if char != '"':
                raise text.syntax_error("Expecting property name enclosed in double quotes")
            key_mark = text.mark()
            raw_key = text.value()
            key = SNAKE_CASE_FIELDS.get(raw_key, raw_key)
            if key in seen_keys:
                other = raw_key if raw_key != key else seen_keys[key]
                raise text.error_at(key_mark, DuplicateKeyError(other, key).reason, key)
            seen_keys[key] = raw_key
            if key == "resourceSpans":
                seen_spans = True
            else:
                keys.add(key)
                if len(keys) > _KEEP_KEYS:  # keep what the "no resourceSpans" error shows
                    keys = set(sorted(keys)[:8]) | (keys & _SIGNAL_KEYS)
            if text.skip() != ":":
                raise text.syntax_error("Expecting ':' delimiter")
            text.pos += 1
            if key != "resourceSpans":
                text.value(key)  # an unknown field: ignored, as OTLP/JSON requires
            elif text.skip() == "[":
                yield from _resource_spans(text, out)
            else:
                mark = text.mark()
                value = text.value(key)
                if value is not None:  # null: unset, an empty request
                    _decode_whole(text, mark, {"resourceSpans": value}, out)
            char = text.skip()
            if char == ",":
                text.pos += 1
                char = text.skip()
            elif char == "}":
                text.pos += 1
                break
            else:
                raise text.syntax_error("Expecting ',' delimiter")
    if not seen_spans:
        try:
            check_no_resource_spans(keys)
        except FieldError as exc:
            raise inp.error(exc.reason, json_path=exc.path or "(document)") from None
    yield from _after_document(inp, text, out, auto=auto)


def _resource_spans(text: _JsonWindow, out: dict[str, list[Any]]) -> Iterator[None]:
    text.pos += 1  # "["
    if text.skip() == "]":
        text.pos += 1
        return
    index = 0
    while True:
        text.skip()
        mark = text.mark()
        element = text.value(f"resourceSpans[{index}]")
        try:
            decode_resource_spans(element, index, out, strict=text.strict)
        except FieldError as exc:
            raise text.error_at(mark, exc.reason, exc.path) from None
        del element
        yield None
        index += 1
        char = text.skip()
        if char == ",":
            text.pos += 1
        elif char == "]":
            text.pos += 1
            return
        else:
            raise text.syntax_error("Expecting ',' delimiter")


def _decode_whole(text: _JsonWindow, mark: int, doc: object, out: dict[str, list[Any]]) -> None:
    """Decode a value read whole: a top-level non-object, or a non-array resourceSpans."""
    try:
        decode_json_document(doc, out, strict=text.strict)
    except FieldError as exc:
        raise text.error_at(mark, exc.reason, exc.path or "(document)") from None


def _after_document(
    inp: _Input, text: _JsonWindow, out: dict[str, list[Any]], *, auto: bool
) -> Iterator[None]:
    """Allow only whitespace after the document, or, if ``auto``, JSON lines from line 2."""
    if auto and text.encoding.startswith("utf-8") and text.where(text.mark())[0] == 1:
        char = text.skip(_LINE_WS)
        if char == "\n":  # the first line held one whole document: JSON lines
            text.pos += 1
            offset = text.where(text.mark())[2]
            yield from _jsonl(inp, out, text.rest(), start_line=2, start_offset=offset)
            return
    if text.skip() != "":
        raise text.syntax_error("Extra data")


def _is_json_frame(payload: bytes) -> bool:
    """Whether a ``protobuf-stream`` frame holds JSON rather than a binary message.

    A binary ``TracesData`` starts with byte 0x0A (field 1, length-delimited), which is
    also JSON whitespace, and the next byte is the first ``ResourceSpans``' length: 123
    bytes make it ``{``. So a frame starting with 0x0A is binary, whatever follows.
    """
    return payload[:1] != b"\n" and payload.lstrip(b" \t\r\n")[:1] == b"{"


_JSON_START = frozenset(b'{["-0123456789tfn')
_BOMS = (b"\x00\x00\xfe\xff", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_MAGIC = {
    b"\x28\xb5\x2f\xfd": "zstd-compressed data (only gzip is detected)",
    b"PK\x03\x04": "a zip archive",
    b"BZh": "bzip2-compressed data (only gzip is detected)",
    b"\xfd7zXZ": "xz-compressed data (only gzip is detected)",
    b"\xff\x06\x00\x00sNaPpY": "snappy-framed data (only gzip is detected)",
}


def _detect(inp: _Input) -> str:
    """The format of ``inp`` from its first bytes, or an error naming what it looks like."""
    # --8<-- [start:detect]
    head = inp.stream.peek(64)[:64]
    if not head:
        raise inp.error("empty input: no OTLP document to detect (pass format=)")
    stripped = head.lstrip(b" \t\r\n")
    if head.startswith(_BOMS) or stripped[:1] in (b"{", b"["):
        return "json?"  # UTF-8, or UTF-16/32 with a byte-order mark
    if head[0] == 0x0A:  # field 1 (resource_spans), length-delimited
        return "protobuf"
    size, body = int.from_bytes(head[:4], "big"), head[4:]
    if size and (body[:1] == b"\n" or body.lstrip(b" \t\r\n")[:1] == b"{"):
        return "protobuf-stream"  # a 4-byte length, then a binary or JSON request
    encoding = json.detect_encoding(head)
    text = head.decode(encoding, "ignore").lstrip(" \t\r\n")
    if encoding != "utf-8" and text[:1] in ("{", "["):
        return "json?"  # UTF-16/32 without a byte-order mark
    if stripped and stripped[0] in _JSON_START:
        return "json?"  # a JSON value that is not an object: the decoder says which
    raise inp.error(f"not OTLP trace data: {_looks_like(head)}")
    # --8<-- [end:detect]


def _looks_like(head: bytes) -> str:
    """What the first bytes of an input that is no OTLP format look like, in words."""
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            return f"it looks like {what}"
    if not any(head):
        return f"it starts with {len(head)} zero bytes (a zero-filled or truncated file?)"
    if all(32 <= b < 127 or b in b"\t\r\n" for b in head):
        return f"it looks like text that is not JSON: {head[:24].decode()!r}"
    return (
        f"it starts with bytes {head[:8].hex(' ')}; OTLP/JSON starts with '{{', a binary "
        "request with 0x0a, a file-exporter frame with a 4-byte length and then one of those"
    )


def _decode_units(inp: _Input, fmt: str, out: dict[str, list[Any]]) -> Iterator[None]:
    """Decode ``inp`` into ``out``, yielding after every line, frame or resourceSpans element."""
    stream = inp.stream
    try:
        if fmt == "auto":
            fmt = _detect(inp)
        if fmt in ("json", "json?"):
            yield from _json_document(inp, out, auto=fmt == "json?")
        elif fmt == "jsonl":
            yield from _jsonl(inp, out, inp.stream, start_line=1, start_offset=0)
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
                # --8<-- [start:frames]
                size = int.from_bytes(header, "big")
                payload = _read_exactly(stream, size)
                if len(payload) < size:
                    raise inp.error(
                        f"truncated frame: the length prefix says {size} bytes, "
                        f"only {len(payload)} follow",
                        byte_offset=offset,
                    )
                if _is_json_frame(payload):
                    _decode_json_unit(inp, payload, out, line=None, offset=offset + 4)
                else:
                    _decode_proto_unit(inp, payload, out, offset=offset + 4)
                offset += 4 + size
                # --8<-- [end:frames]
                yield None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise inp.error(f"corrupt or truncated gzip stream: {exc}") from None


def _jsonl(
    inp: _Input,
    out: dict[str, list[Any]],
    stream: io.BufferedReader,
    *,
    start_line: int,
    start_offset: int,
) -> Iterator[None]:
    offset = start_offset
    for lineno, line in enumerate(stream, start=start_line):
        if line.strip():
            _decode_json_unit(inp, line, out, line=lineno, offset=offset)
            yield None
        offset += len(line)


def _check_strict(strict: object) -> bool:
    if not isinstance(strict, bool):
        raise TypeError(f"strict must be a bool, got {strict!r}")
    return strict


def _check_format(format: str) -> str:
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    return format


def read_traces(source: Source, *, format: Format = "auto", strict: bool = False) -> SpanTable:
    """Read every span of an OTLP trace file or payload into a `SpanTable`.

    Args:
        source: a path, a bytes-like object or a binary file object; gzip is detected.
        format: ``"auto"``, ``"json"``, ``"jsonl"``, ``"protobuf"`` or ``"protobuf-stream"``
            (see the module docstring).
        strict: raise for a span that is well-formed but invalid (an empty or all-zero
            trace or span id, an end before the start, a time written as a float above
            2**53) instead of keeping it with its ``problems`` set.

    Returns:
        The spans in file order; `SpanTable.invalid_count` counts the flagged ones.

    Raises:
        OTLPDecodeError: malformed or invalid input; the message names the file, the
            position (line, byte offset, JSON path) and the problem.
        ValueError: ``format`` is not one of `FORMATS`.
        TypeError: ``source`` is of an unsupported type.
    """
    fmt = _check_format(format)
    out = new_columns()
    inp = _Input(source, strict=_check_strict(strict))
    try:
        for _ in _decode_units(inp, fmt, out):
            pass
    finally:
        inp.close()
    return SpanTable._wrap(out)


def iter_trace_batches(
    source: Source, *, format: Format = "auto", batch_size: int = 10_000, strict: bool = False
) -> Iterator[SpanTable]:
    """Read ``source`` as a sequence of span tables of at most ``batch_size`` spans each.

    JSON lines, length-prefixed protobuf frames and a single OTLP/JSON document (one
    ``resourceSpans`` element at a time) are decoded incrementally, so memory is bounded by
    the largest line, frame or element plus one batch; only a binary protobuf message is
    read whole. Spans keep file order; the concatenation of the batches equals
    `read_traces`. ``strict`` is as in `read_traces`.

    Raises:
        OTLPDecodeError: as `read_traces`. Batches before the bad unit (line, frame or
            ``resourceSpans`` element) are yielded first, so a truncated or malformed file
            always ends in an error, never in silently fewer spans.
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
    return _tables(_batches(source, fmt, batch_size, _check_strict(strict), COLUMNS))


def _tables(batches: Generator[dict[str, list[Any]], None, None]) -> Iterator[SpanTable]:
    try:
        for batch in batches:
            yield SpanTable._wrap(batch)
    finally:
        batches.close()  # closes the file now, not when collected


def _check_source(source: object) -> None:
    if not isinstance(source, str | os.PathLike | bytes | bytearray | memoryview) and not hasattr(
        source, "read"
    ):
        raise TypeError(
            "source must be a path, a bytes-like object or a binary file object, "
            f"got {type(source).__name__}"
        )


def iter_column_batches(
    source: Source, columns: tuple[str, ...], *, batch_size: int = 10_000
) -> Iterator[dict[str, list[Any]]]:
    """`iter_trace_batches` for bulk work: each batch as a dict of the named columns only.

    The values and errors are those of `iter_trace_batches`; a binary protobuf message
    builds only ``columns`` (no event, link or attribute objects that are never read).

    Raises:
        ValueError: a name is not in `COLUMNS`, or ``batch_size`` is not positive.
    """
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown columns {unknown}; columns are {', '.join(COLUMNS)}")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    _check_source(source)
    return _batches(source, "auto", batch_size, False, columns)


def _batches(
    source: Source, fmt: str, batch_size: int, strict: bool, columns: tuple[str, ...]
) -> Generator[dict[str, list[Any]], None, None]:
    out = new_columns()
    inp = _Input(source, strict=strict, columns=columns)
    try:
        for _ in _decode_units(inp, fmt, out):
            while len(out["trace_id"]) >= batch_size:
                batch = {name: out[name][:batch_size] for name in columns}
                for name in COLUMNS:
                    del out[name][:batch_size]
                yield batch
        if out["trace_id"]:
            yield out if columns == COLUMNS else {name: out[name] for name in columns}
    finally:
        inp.close()
