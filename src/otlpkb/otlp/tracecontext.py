"""W3C Trace Context: parse and write the ``traceparent`` and ``tracestate`` HTTP headers.

`extract_trace_context` applies the receiving rules of the W3C Trace Context
Recommendation: it returns ``None`` wherever the specification says the receiver must
restart the trace (no, duplicated or invalid ``traceparent``; version ``ff``; all-zero ids;
uppercase hex; wrong lengths; anything after the flags in version ``00``). A version above
``00`` is parsed by the future-version rules: the known prefix must be well formed and
anything after it must start with ``-``. A ``tracestate`` that breaks its grammar (more than
32 list members, a bad key or value) is dropped, while the ``traceparent`` is kept. Several
``tracestate`` headers are combined in order.

Two levels of the ``tracestate`` rules are offered (``level``):

* ``2`` (default), the current rules: the key grammar of Trace Context Level 2
  (``key = ( lcalpha / DIGIT ) 0*255 ( keychar )``, where ``keychar`` includes ``@``;
  w3c/trace-context ``spec/20-http_request_header_format.md`` at commit
  02172780feed915014e371d0ae6d4b8d58158518), and a repeated key keeps the header: the first
  entry is kept, as the parser of the current test suite does (``test/test.py`` and
  ``test/tracecontext/tracestate.py`` at commit 0baeca7a0d48c2aab4eb01f5888dfb9783759745,
  which accept "kept as-is or one of them discarded"). That suite still expects the Level 1
  multi-tenant limits (it drops ``foo@=1`` or ``t@vvvvvvvvvvvvvvv=1``), which the Level 2
  ABNF allows; ``level=2`` follows the ABNF;
* ``1``, the Level 1 Recommendation (2021): simple and multi-tenant keys
  (``tenant@system``, at most 241 and 14 characters) and a repeated key invalidates the
  whole header, as the Level 1 suite expected.

See the chapter *Distributed tracing* (3.1).

Examples:
    >>> from otlpkb.otlp import extract_trace_context, format_traceparent
    >>> ctx = extract_trace_context([
    ...     ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    ...     ("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
    ... ])
    >>> ctx.trace_id, ctx.parent_id, ctx.flags, ctx.sampled
    ('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', '01', True)
    >>> ctx.tracestate
    [('rojo', '00f067aa0ba902b7'), ('congo', 't61rcWkgMzE')]
    >>> extract_trace_context([("traceparent", "ff-" + ctx.trace_id + "-00f067aa0ba902b7-01")])
    >>> format_traceparent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1)
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "MAX_TRACESTATE_MEMBERS",
    "TraceContext",
    "extract_trace_context",
    "format_traceparent",
    "format_tracestate",
    "parse_traceparent",
    "parse_tracestate",
]

MAX_TRACESTATE_MEMBERS = 32
"""The W3C limit on ``tracestate`` list members."""

# traceparent = version "-" trace-id "-" parent-id "-" trace-flags   (all lowercase hex)
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_OWS = " \t"
# Level 1 tracestate key: simple-key / multi-tenant-key (tenant-id "@" system-id)
_KEY_CHARS = r"[a-z0-9_\-*/]"
_KEY_LEVEL1 = re.compile(
    rf"[a-z]{_KEY_CHARS}{{0,255}}|[a-z0-9]{_KEY_CHARS}{{0,240}}@[a-z]{_KEY_CHARS}{{0,13}}"
)
# Level 2: key = ( lcalpha / DIGIT ) 0*255 ( keychar ); keychar adds "@"
_KEY_LEVEL2 = re.compile(r"[a-z0-9][a-z0-9_\-*/@]{0,255}")
_KEYS = {1: _KEY_LEVEL1, 2: _KEY_LEVEL2}
# value = 0*255(chr) nblk-chr;  chr = %x20 / nblk-chr;  nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
_VALUE = re.compile(r"[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]")


@dataclass(frozen=True)
class TraceContext:
    """A parsed W3C trace context.

    Attributes:
        version: two lowercase hex digits (``"00"`` today).
        trace_id: 32 lowercase hex digits, not all zero.
        parent_id: 16 lowercase hex digits, not all zero (the caller's span id).
        flags: two lowercase hex digits; bit 0 is *sampled*.
        tracestate: the vendor entries as (key, value) pairs, leftmost first.
    """

    version: str
    trace_id: str
    parent_id: str
    flags: str
    tracestate: list[tuple[str, str]] = field(default_factory=list)

    @property
    def sampled(self) -> bool:
        """Whether the *sampled* flag (bit 0 of ``flags``) is set."""
        return bool(int(self.flags, 16) & 1)

    @property
    def traceparent(self) -> str:
        """The ``traceparent`` header value for this context, written as version 00."""
        return format_traceparent(self.trace_id, self.parent_id, self.flags)


def parse_traceparent(value: str) -> tuple[str, str, str, str] | None:
    """Parse one ``traceparent`` value into (version, trace_id, parent_id, flags).

    Returns ``None`` for an invalid value (the receiver then restarts the trace).
    Leading and trailing spaces and tabs (HTTP optional whitespace) are ignored.
    """
    if not isinstance(value, str):
        return None
    # --8<-- [start:parse_traceparent]
    value = value.strip(_OWS)
    if len(value) < 55:
        return None
    match = _TRACEPARENT.match(value)
    if match is None:
        return None
    version, trace_id, parent_id, flags = match.groups()
    if version == "ff":  # forbidden version
        return None
    if version == "00" and len(value) != 55:  # version 00 has exactly four fields
        return None
    if len(value) > 55 and value[55] != "-":  # a future version may append "-..." fields
        return None
    if trace_id == "0" * 32 or parent_id == "0" * 16:
        return None
    return version, trace_id, parent_id, flags
    # --8<-- [end:parse_traceparent]


def _check_level(level: object) -> int:
    if level not in (1, 2) or isinstance(level, bool):
        raise ValueError(f"level must be 1 or 2 (W3C Trace Context level), got {level!r}")
    assert isinstance(level, int)
    return level


def parse_tracestate(value: str, *, level: int = 2) -> list[tuple[str, str]] | None:
    """Parse a (combined) ``tracestate`` value; ``None`` if it breaks the W3C grammar.

    Empty list members and optional whitespace around members are allowed; more than
    `MAX_TRACESTATE_MEMBERS` members or a bad key or value make the whole header invalid.
    A repeated key keeps its first entry at ``level=2`` and invalidates the header at
    ``level=1`` (see the module docstring).

    Raises:
        ValueError: ``level`` is not 1 or 2.

    Examples:
        >>> parse_tracestate("foo=1,foo=2,7x@y@z=3")
        [('foo', '1'), ('7x@y@z', '3')]
        >>> parse_tracestate("foo=1,foo=2", level=1) is None
        True
    """
    key_grammar = _KEYS[_check_level(level)]
    if not isinstance(value, str):
        return None
    entries: list[tuple[str, str]] = []
    seen: set[str] = set()
    for member in value.split(","):
        member = member.strip(_OWS)
        if not member:
            continue
        key, sep, val = member.partition("=")
        if not sep or key_grammar.fullmatch(key) is None or _VALUE.fullmatch(val) is None:
            return None
        if key in seen:
            if level == 1:
                return None
            continue  # Level 2: keep the first entry
        seen.add(key)
        entries.append((key, val))
        if len(entries) > MAX_TRACESTATE_MEMBERS:
            return None
    return entries


def extract_trace_context(
    headers: Iterable[tuple[str, str]], *, level: int = 2
) -> TraceContext | None:
    """The trace context of an incoming request, or ``None`` to restart the trace.

    Args:
        headers: the request headers as (name, value) pairs; names are case-insensitive
            and a header may repeat.
        level: the ``tracestate`` rules, 2 (current) or 1 (see the module docstring).

    Returns:
        The parsed context, with ``tracestate`` ``[]`` when that header is absent or
        invalid; ``None`` when ``traceparent`` is missing, repeated or invalid.

    Raises:
        TypeError: a header is not a (name, value) pair of strings.
        ValueError: ``level`` is not 1 or 2.
    """
    _check_level(level)
    parents: list[str] = []
    states: list[str] = []
    for index, item in enumerate(headers):
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise TypeError(f"headers[{index}] must be a (name, value) pair, got {item!r}")
        name, value = item
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(f"headers[{index}] must hold two strings, got {item!r}")
        lowered = name.lower()
        if lowered == "traceparent":
            parents.append(value)
        elif lowered == "tracestate":
            states.append(value)
    if len(parents) != 1:  # missing, or duplicated: restart the trace
        return None
    parsed = parse_traceparent(parents[0])
    if parsed is None:
        return None
    tracestate = parse_tracestate(",".join(states), level=level) if states else []
    return TraceContext(*parsed, tracestate=tracestate or [])


def format_traceparent(
    trace_id: str, parent_id: str, flags: int | str = 1, *, version: str = "00"
) -> str:
    """Write a ``traceparent`` header value.

    Args:
        trace_id: 32 lowercase hex digits, not all zero.
        parent_id: 16 lowercase hex digits, not all zero.
        flags: an int 0..255 or two lowercase hex digits.
        version: two lowercase hex digits other than ``ff``.

    Raises:
        ValueError: an argument breaks the grammar; the message names it.
    """
    if isinstance(flags, bool) or not isinstance(flags, int | str):
        raise TypeError(f"flags must be an int or a hex string, got {type(flags).__name__}")
    if isinstance(flags, int):
        if not 0 <= flags <= 255:
            raise ValueError(f"flags must be in 0..255, got {flags}")
        flags = f"{flags:02x}"
    checks = (
        ("version", version, 2),
        ("trace_id", trace_id, 32),
        ("parent_id", parent_id, 16),
        ("flags", flags, 2),
    )
    for name, value, digits in checks:
        if not isinstance(value, str) or re.fullmatch(f"[0-9a-f]{{{digits}}}", value) is None:
            raise ValueError(f"{name} must be {digits} lowercase hex digits, got {value!r}")
    if version == "ff":
        raise ValueError("version must not be 'ff' (forbidden by W3C Trace Context)")
    if trace_id == "0" * 32:
        raise ValueError(f"trace_id must not be all zeros, got {trace_id!r}")
    if parent_id == "0" * 16:
        raise ValueError(f"parent_id must not be all zeros, got {parent_id!r}")
    return f"{version}-{trace_id}-{parent_id}-{flags}"


def format_tracestate(entries: Iterable[tuple[str, str]], *, level: int = 2) -> str:
    """Write a ``tracestate`` header value from (key, value) pairs, leftmost first.

    Raises:
        ValueError: more than 32 entries, a key or value outside the W3C grammar of
            ``level``, or a repeated key (a writer never repeats one at either level); the
            message names the entry.

    Examples:
        >>> format_tracestate([("ot", "th:c"), ("congo", "t61rcWkgMzE")])
        'ot=th:c,congo=t61rcWkgMzE'
    """
    key_grammar = _KEYS[_check_level(level)]
    items = list(entries)
    if len(items) > MAX_TRACESTATE_MEMBERS:
        raise ValueError(
            f"entries must hold at most {MAX_TRACESTATE_MEMBERS} members, got {len(items)}"
        )
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise ValueError(f"entries[{index}] must be a (key, value) pair, got {item!r}")
        key, value = item
        if not isinstance(key, str) or key_grammar.fullmatch(key) is None:
            raise ValueError(f"entries[{index}] key {key!r} breaks the tracestate key grammar")
        if not isinstance(value, str) or _VALUE.fullmatch(value) is None:
            raise ValueError(
                f"entries[{index}] value {value!r} breaks the tracestate value grammar"
            )
        if key in seen:
            raise ValueError(f"entries[{index}] repeats the key {key!r}")
        seen.add(key)
    return ",".join(f"{k}={v}" for k, v in items)
