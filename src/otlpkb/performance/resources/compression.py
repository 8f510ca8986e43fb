"""What gzip and OTLP/JSON do to an OTLP request: four encodings of one request, measured.

`encoded_sizes` takes a serialized export request and measures it as OTLP/protobuf,
gzipped protobuf, OTLP/JSON and gzipped JSON. gzip runs with ``mtime=0`` so the same input
always gives the same bytes.

See the chapter *Resource consumption* (1.4).

Examples:
    >>> from otlpkb.performance.resources import synthetic_request
    >>> s = encoded_sizes(synthetic_request("traces", 64), "traces")
    >>> s.items, s.json > s.protobuf > s.gzip
    (64, True)
"""

from __future__ import annotations

import base64
import gzip
import json
import math
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format  # type: ignore[import-untyped, unused-ignore]
from google.protobuf.message import DecodeError  # type: ignore[import-untyped, unused-ignore]

from otlpkb._checks import integer as _integer
from otlpkb.performance.resources._messages import Signal, request_type

__all__ = ["EncodedSizes", "encoded_sizes"]

_HEX_KEYS = frozenset({"traceId", "spanId", "parentSpanId"})


@dataclass(frozen=True)
class EncodedSizes:
    """Sizes in bytes of one OTLP request in four encodings.

    Attributes:
        items: spans, metric data points or log records in the request.
        protobuf: OTLP/protobuf (``application/x-protobuf``) body.
        gzip: the protobuf body gzipped (``Content-Encoding: gzip``).
        json: OTLP/JSON body (hex ids, integer enums, lowerCamelCase keys, compact).
        json_gzip: the JSON body gzipped.
    """

    items: int
    protobuf: int
    gzip: int
    json: int
    json_gzip: int

    @property
    def compression_ratio(self) -> float:
        """Protobuf bytes over gzipped protobuf bytes."""
        return self.protobuf / self.gzip

    def per_item(self) -> dict[str, float]:
        """Each size divided by the number of items (``nan`` for an empty request)."""
        n = self.items or math.nan
        return {
            "protobuf": self.protobuf / n,
            "gzip": self.gzip / n,
            "json": self.json / n,
            "json_gzip": self.json_gzip / n,
        }


def _hex_ids(node: Any) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            if k in _HEX_KEYS and isinstance(v, str):
                out[k] = base64.b64decode(v).hex()
            else:
                out[k] = _hex_ids(v)
        return out
    if isinstance(node, list):
        return [_hex_ids(v) for v in node]
    return node


def _count_items(msg: Any, signal: str) -> int:
    if signal == "traces":
        return sum(len(ss.spans) for rs in msg.resource_spans for ss in rs.scope_spans)
    if signal == "logs":
        return sum(len(sl.log_records) for rl in msg.resource_logs for sl in rl.scope_logs)
    n = 0
    for rm in msg.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                if kind is not None:
                    n += len(getattr(m, kind).data_points)
    return n


def encoded_sizes(request: bytes, signal: Signal, *, compresslevel: int = 6) -> EncodedSizes:
    """Measure one OTLP/protobuf export request as protobuf, gzip, OTLP/JSON and JSON+gzip.

    gzip runs with ``mtime=0`` so the same input always gives the same bytes; level 6 is
    zlib's and Go's default. The JSON form follows the OTLP/JSON rules (hex trace and span
    ids instead of protobuf JSON's base64, enums as integers, 64-bit integers as strings)
    and is written without spaces.

    Args:
        request: a serialized ``Export{Trace,Metrics,Logs}ServiceRequest``.
        signal: ``"traces"``, ``"metrics"`` or ``"logs"``.
        compresslevel: gzip level, 1-9.

    Returns:
        An `EncodedSizes`.

    Examples:
        >>> from otlpkb.performance.resources import synthetic_request
        >>> s = encoded_sizes(synthetic_request("traces", 100, attributes=8), "traces")
        >>> s.items, s.protobuf < s.json, s.gzip < s.protobuf
        (100, True, True)
    """
    message_type = request_type(signal)
    if not isinstance(request, bytes | bytearray | memoryview):
        raise TypeError(f"request must be bytes, got {type(request).__name__}")
    level = _integer("compresslevel", compresslevel, 1)
    if level > 9:
        raise ValueError(f"compresslevel must be between 1 and 9, got {compresslevel!r}")
    body = bytes(request)
    msg = message_type()
    try:
        msg.ParseFromString(body)
    except DecodeError as exc:
        raise ValueError(f"request is not a valid OTLP/protobuf {signal} request: {exc}") from None
    # --8<-- [start:encoded_sizes]
    as_dict = json_format.MessageToDict(msg, use_integers_for_enums=True)
    text = json.dumps(_hex_ids(as_dict), separators=(",", ":"), ensure_ascii=False)
    js = text.encode("utf-8")  # OTLP/JSON: hex ids, integer enums, no spaces
    return EncodedSizes(
        items=_count_items(msg, signal),
        protobuf=len(body),
        gzip=len(gzip.compress(body, compresslevel=level, mtime=0)),  # reproducible
        json=len(js),
        json_gzip=len(gzip.compress(js, compresslevel=level, mtime=0)),
    )
    # --8<-- [end:encoded_sizes]
