"""The error raised for OTLP input that cannot be decoded.

Every reader in `otlpkb.otlp` reports bad input with one exception type,
`OTLPDecodeError`, whose message names the file, the position (line, byte offset,
JSON path) and what is wrong. It subclasses `ValueError`, so callers that already
catch ``ValueError`` keep working.

See the chapter *Distributed tracing* (3.1).

Examples:
    >>> from otlpkb.otlp import OTLPDecodeError
    >>> err = OTLPDecodeError("spanId must be 16 hex digits", source="t.json",
    ...                       json_path="resourceSpans[0].scopeSpans[0].spans[2].spanId")
    >>> str(err)
    't.json: resourceSpans[0].scopeSpans[0].spans[2].spanId: spanId must be 16 hex digits'
    >>> isinstance(err, ValueError)
    True
"""

from __future__ import annotations

__all__ = ["OTLPDecodeError"]


class OTLPDecodeError(ValueError):
    """OTLP input that is malformed, of the wrong type or not a traces document.

    Attributes:
        reason: what is wrong, in words.
        source: the file name, or ``"<bytes>"`` / ``"<stream>"`` for in-memory input.
        line: 1-based line number (JSON lines, or a JSON syntax error), if known.
        column: 1-based column of a JSON syntax error, if known.
        byte_offset: offset in the (decompressed) input where the bad unit starts, if known.
        json_path: the path of the bad field, e.g.
            ``resourceSpans[0].scopeSpans[1].spans[3].traceId``, if known.
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str = "<input>",
        line: int | None = None,
        column: int | None = None,
        byte_offset: int | None = None,
        json_path: str | None = None,
    ) -> None:
        self.reason = reason
        self.source = source
        self.line = line
        self.column = column
        self.byte_offset = byte_offset
        self.json_path = json_path
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.source]
        if self.line is not None:
            parts.append(f"line {self.line}" + (f" column {self.column}" if self.column else ""))
        if self.byte_offset is not None:
            parts.append(f"byte {self.byte_offset}")
        if self.json_path:
            parts.append(self.json_path)
        return ": ".join([*parts, self.reason])

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild,
            (
                self.reason,
                self.source,
                self.line,
                self.column,
                self.byte_offset,
                self.json_path,
            ),
        )


def _rebuild(
    reason: str,
    source: str,
    line: int | None,
    column: int | None,
    byte_offset: int | None,
    json_path: str | None,
) -> OTLPDecodeError:
    return OTLPDecodeError(
        reason,
        source=source,
        line=line,
        column=column,
        byte_offset=byte_offset,
        json_path=json_path,
    )
