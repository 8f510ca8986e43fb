r"""Security hardening of an OTLP pipeline: PII redaction, a configuration audit, STRIDE.

The reference implementation of the chapter *Security hardening* (A.3):

* `Redactor` removes and masks sensitive attribute values of spans, logs and resources,
  with the semantics of the Collector's ``redaction`` processor (an allow-list that fails
  closed, ignored keys, blocked key patterns, blocked values) and two additions: values are
  also searched in their decoded forms (percent-encoding, HTML entities, ``\uXXXX``
  escapes, base64, hex, Unicode compatibility forms and obfuscated ``[at]``), and a match
  found only in a decoded form masks the whole value, so an encoding cannot smuggle a
  value past it; and masking can use a keyed hash (HMAC-SHA-256, `keyed_hash`) instead of
  asterisks, so that equal values stay joinable without being enumerable;
* `detect` names the kinds of sensitive data in a string: payment card numbers (with the
  Luhn check, `luhn_valid`), e-mail addresses, bearer and basic credentials, JSON Web
  Tokens, IPv4 and IPv6 addresses;
* `audit_config` reads a Collector configuration (YAML) and reports `AuditFinding` s:
  TLS below 1.2, ``insecure`` and ``insecure_skip_verify``, receivers without
  authentication or TLS off the loopback interface, endpoints bound to every interface,
  secrets written in plain text, pipelines without a ``memory_limiter`` first; malformed
  YAML raises `ConfigError` with its line;
* `threat_model` lists STRIDE threats per pipeline component, with the audit rule that
  checks each one and its status for a configuration.

See the chapter *Security hardening* (A.3).

Examples:
    >>> r = Redactor(allowed_keys=["http.route", "user.note"], hash_key=b"k")
    >>> out = r.redact({"http.route": "/pay", "user.note": "mail alice@example.com",
    ...                 "password": "hunter2"})
    >>> out.attributes["http.route"], out.removed
    ('/pay', ('password',))
    >>> out.attributes["user.note"].startswith("mail <email:")
    True
    >>> [f.rule for f in audit_config("tls:\n  min_version: '1.0'\n")]
    ['TLS_MIN_VERSION']
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import ipaddress
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import yaml

from otlpkb.otlp import AttributeValue, Span

__all__ = [
    "AUDIT_RULES",
    "DEFAULT_BLOCKED_KEYS",
    "KINDS",
    "STRIDE",
    "AuditFinding",
    "ConfigError",
    "Redacted",
    "Redactor",
    "Threat",
    "audit_config",
    "detect",
    "keyed_hash",
    "luhn_valid",
    "threat_model",
]

#: Kinds of sensitive data `detect` finds.
KINDS: tuple[str, ...] = ("card", "email", "jwt", "credential", "ipv4", "ipv6")

#: Key patterns whose values are always masked (case-insensitive regular expressions).
DEFAULT_BLOCKED_KEYS: tuple[str, ...] = (
    r"pass(word)?|passwd|secret|token|api[-_.]?key|authorization|cookie|session|credential",
)

# --8<-- [start:patterns]
_PATTERNS: dict[str, re.Pattern[str]] = {
    "card": re.compile(r"(?<![\d.])\d(?:[ -]?\d){11,18}(?![\d.])"),
    "email": re.compile(r"[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "jwt": re.compile(r"(?i)eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*"),
    "credential": re.compile(r"(?i)\b(?:bearer|basic|token)\s+[\w.~+/=-]{8,}"),
    "ipv4": re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])"),
    "ipv6": re.compile(
        r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
        r"(?:%\w+)?(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])"
    ),
}
# --8<-- [end:patterns]


def luhn_valid(digits: str) -> bool:
    """The Luhn check of payment card numbers (ISO/IEC 7812-1, annex B).

    Examples:
        >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
        (True, False)
    """
    if not digits.isdigit():
        return False
    # --8<-- [start:luhn]
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)  # double every second digit from the right
        total += d - 9 if d > 9 else d
    return total % 10 == 0
    # --8<-- [end:luhn]


def _valid(kind: str, text: str) -> bool:
    if kind == "card":
        digits = re.sub(r"[ -]", "", text)
        return 12 <= len(digits) <= 19 and luhn_valid(digits)  # Maestro has 12
    if kind == "ipv4":
        return all(int(octet) <= 255 for octet in text.split("."))
    if kind == "ipv6":
        try:
            ipaddress.IPv6Address(text.split("%")[0])
        except ValueError:
            return False
        return True
    return True


def _matches(text: str) -> list[tuple[str, int, int]]:
    found = []
    for kind, pattern in _PATTERNS.items():
        for m in pattern.finditer(text):
            if _valid(kind, m.group()):
                found.append((kind, m.start(), m.end()))
    return found


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_OBFUSCATED_AT = re.compile(r"\s*[\[({<]\s*at\s*[\])}>]\s*", re.IGNORECASE)
_OBFUSCATED_DOT = re.compile(r"\s*[\[({<]\s*dot\s*[\])}>]\s*", re.IGNORECASE)
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
_HEX_RUN = re.compile(r"\b(?:[0-9A-Fa-f]{2}){8,}\b")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\x([0-9A-Fa-f]{2})")


def _printable(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text and sum(c.isprintable() for c in text) >= 0.9 * len(text) else None


def _decodings(text: str) -> set[str]:
    """The forms an encoder could have hidden text in, decoded one layer each."""
    out = set()
    # --8<-- [start:decode]
    if not text.isascii() or "\u00ad" in text:
        out.add(unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH))
    if "%" in text or "+" in text:
        out.add(urllib.parse.unquote_plus(text))
    if "&" in text:
        out.add(html.unescape(text))
    if "\\" in text:
        out.add(_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text))
    if _OBFUSCATED_AT.search(text) or _OBFUSCATED_DOT.search(text):
        out.add(_OBFUSCATED_DOT.sub(".", _OBFUSCATED_AT.sub("@", text)))
    for run in _BASE64_RUN.findall(text):
        padded = run.rstrip("=") + "=" * (-len(run.rstrip("=")) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                decoded = _printable(decode(padded))
            except (binascii.Error, ValueError):
                continue
            if decoded:
                out.add(decoded)
    for run in _HEX_RUN.findall(text):
        decoded = _printable(bytes.fromhex(run))
        if decoded:
            out.add(decoded)
    # --8<-- [end:decode]
    out.discard(text)
    return out


_TRIGGERS = frozenset("0123456789@%&\\:")
_KEYWORDS = re.compile(r"(?i)bearer|basic|token|[\[({<]\s*(?:at|dot)\s*[\])}>]")


def _plain(text: str) -> bool:
    """True when no detector or decoder can fire on `text`.

    That is: ASCII only, no digit, ``@``, ``%``, ``&``, backslash or colon, no long
    base64-like run and no credential keyword.
    """
    return (
        text.isascii()
        and _TRIGGERS.isdisjoint(text)
        and not _BASE64_RUN.search(text)
        and not _KEYWORDS.search(text)
    )


def _views(text: str, depth: int = 3) -> list[str]:
    seen, frontier = [text], [text]
    for _ in range(depth):
        frontier = [d for t in frontier for d in _decodings(t) if d not in seen]
        seen.extend(frontier)
        if not frontier:
            break
    return seen


def detect(value: str) -> set[str]:
    """The kinds of sensitive data in `value` (see `KINDS`), in any decoded form.

    Examples:
        >>> sorted(detect("card 4111 1111 1111 1111 from 10.0.0.1"))
        ['card', 'ipv4']
        >>> detect("alice%40example.com")
        {'email'}
        >>> detect("order 4111111111111112 at 09:30:00")
        set()
    """
    if not isinstance(value, str):
        raise TypeError(f"value must be a string, got {type(value).__name__}")
    return {kind for view in _views(value) for kind, _, _ in _matches(view)}


def keyed_hash(value: str | bytes, key: bytes, *, length: int = 16) -> str:
    """HMAC-SHA-256 of `value` under `key`, as `length` hex digits.

    A bare hash of a low-entropy value (an IPv4 address, a card number with a known
    prefix, an e-mail address from a customer list) is reversed by hashing every
    candidate; without the key, that search is impossible, and equal values still give
    equal tokens, so redacted data can be joined.

    Examples:
        >>> keyed_hash("10.0.0.1", b"secret")
        'eb5a0e55d511c2fe'
        >>> keyed_hash("10.0.0.1", b"secret") == keyed_hash(b"10.0.0.1", b"secret")
        True
    """
    if not isinstance(key, bytes) or not key:
        raise ValueError("key must be non-empty bytes")
    if not 8 <= length <= 64:
        raise ValueError(f"length must lie in [8, 64], got {length!r}")
    data = value.encode() if isinstance(value, str) else bytes(value)
    return hmac.new(key, data, hashlib.sha256).hexdigest()[:length]


@dataclass(frozen=True)
class Redacted:
    """Attributes after redaction, and what was done to them.

    Attributes:
        attributes: the attributes that remain, with sensitive values masked.
        removed: keys deleted because they are not on the allow-list.
        masked: keys whose value was masked, wholly or in part.
        kinds: the kinds of sensitive data found (``"key"`` for a blocked key).
    """

    attributes: dict[str, AttributeValue]
    removed: tuple[str, ...]
    masked: tuple[str, ...]
    kinds: frozenset[str]


class Redactor:
    """Redacts attribute maps as the Collector's ``redaction`` processor does, and more.

    Order, per key: an ignored key passes untouched; a key not on the allow-list is
    removed (an empty allow-list removes every key: it *fails closed*) unless
    `allow_all_keys`; a key that matches a blocked key pattern has its whole value
    masked; any other value (numbers, lists and maps included, as with the processor's
    ``redact_all_types``) is searched with `detect`, and each match is masked in place,
    or the whole value when the match was only visible in a decoded form.

    Args:
        allowed_keys: keys to keep.
        allow_all_keys: keep every key (values are still checked).
        ignored_keys: keys kept without any check.
        blocked_key_patterns: regular expressions (case-insensitive, searched) of keys
            whose values are always masked.
        hash_key: with a key, a masked value becomes ``<kind:hmac>`` (`keyed_hash`);
            without, ``****``.
        memo_size: string values remembered with their result (telemetry repeats the same
            values all the time); the memo is emptied when full; 0 disables it.

    Examples:
        >>> Redactor().redact({"user.id": "42"}).removed  # fails closed
        ('user.id',)
        >>> Redactor(allow_all_keys=True).redact({"ip": "10.1.2.3"}).attributes
        {'ip': '****'}
    """

    def __init__(
        self,
        *,
        allowed_keys: Iterable[str] = (),
        allow_all_keys: bool = False,
        ignored_keys: Iterable[str] = (),
        blocked_key_patterns: Iterable[str] = DEFAULT_BLOCKED_KEYS,
        hash_key: bytes | None = None,
        memo_size: int = 65_536,
    ) -> None:
        if isinstance(memo_size, bool) or not isinstance(memo_size, int) or memo_size < 0:
            raise ValueError(f"memo_size must be an int >= 0, got {memo_size!r}")
        self.memo_size = memo_size
        self._memo: dict[str, tuple[AttributeValue, frozenset[str]]] = {}
        self._rules: dict[str, str] = {}
        allowed = frozenset(_strings("allowed_keys", allowed_keys))
        self.allowed_keys = allowed
        if not isinstance(allow_all_keys, bool):
            raise TypeError(f"allow_all_keys must be a bool, got {allow_all_keys!r}")
        self.allow_all_keys = allow_all_keys
        ignored = frozenset(_strings("ignored_keys", ignored_keys))
        self.ignored_keys = ignored
        patterns = _strings("blocked_key_patterns", blocked_key_patterns)
        try:
            blocked = [re.compile(p, re.IGNORECASE) for p in patterns]
        except re.error as exc:
            raise ValueError(f"blocked_key_patterns has a bad pattern: {exc}") from exc
        self.blocked_keys = blocked
        if hash_key is not None and (not isinstance(hash_key, bytes) or not hash_key):
            raise ValueError("hash_key must be non-empty bytes or None")
        self.hash_key = hash_key

    def _rule(self, key: str) -> str:
        if key in self.ignored_keys:
            rule = "ignore"
        elif not (self.allow_all_keys or key in self.allowed_keys):
            rule = "remove"
        elif any(p.search(key) for p in self.blocked_keys):
            rule = "block"
        else:
            rule = "check"
        if len(self._rules) < 65_536:
            self._rules[key] = rule
        return rule

    def _token(self, kind: str, text: str) -> str:
        if self.hash_key is None:
            return "****"
        return f"<{kind}:{keyed_hash(text, self.hash_key)}>"

    def redact_value(self, value: AttributeValue) -> tuple[AttributeValue, set[str]]:
        """One value with every sensitive part masked, and the kinds found."""
        if isinstance(value, list):
            parts = [self.redact_value(v) for v in value]
            return [p for p, _ in parts], set().union(*(k for _, k in parts))
        if isinstance(value, dict):
            items = {k: self.redact_value(v) for k, v in value.items()}
            return {k: v for k, (v, _) in items.items()}, set().union(
                *(kinds for _, kinds in items.values())
            )
        if value is None or isinstance(value, bool):
            return value, set()
        if isinstance(value, str) and self.memo_size:
            if value not in self._memo:
                if len(self._memo) >= self.memo_size:
                    self._memo.clear()
                out, kinds = self._redact_scalar(value)
                self._memo[value] = (out, frozenset(kinds))
            out, frozen = self._memo[value]
            return out, set(frozen)
        return self._redact_scalar(value)

    def _redact_scalar(self, value: str | bytes | int | float) -> tuple[AttributeValue, set[str]]:
        raw = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
        text = str(raw)
        if _plain(text):
            return value, set()
        # --8<-- [start:redact]
        hits = _matches(text)
        if not hits and not any(_matches(view) for view in _views(text)[1:]):
            return value, set()
        out, last = [], 0
        for kind, start, end in sorted(hits, key=lambda h: (h[1], -h[2])):
            if start < last:  # overlaps a match already masked
                continue
            out += [text[last:start], self._token(kind, text[start:end])]
            last = end
        masked = "".join(out) + text[last:]
        left = {k for view in _views(masked) for k, _, _ in _matches(view)}
        if left:  # still there once decoded: fail closed, mask the whole value
            return self._token(sorted(left)[0], text), left | {k for k, _, _ in hits}
        return masked, {k for k, _, _ in hits}
        # --8<-- [end:redact]

    def redact(self, attributes: Mapping[str, AttributeValue]) -> Redacted:
        """Redact one attribute map (span, log record, resource or event attributes)."""
        if not isinstance(attributes, Mapping):
            raise TypeError(f"attributes must be a mapping, got {type(attributes).__name__}")
        kept: dict[str, AttributeValue] = {}
        removed, masked, kinds = [], [], set()
        # --8<-- [start:keys]
        for key, value in attributes.items():
            rule = self._rules.get(key) or self._rule(key)
            if rule == "ignore":
                kept[key] = value
            elif rule == "remove":
                removed.append(key)  # not allowed: fail closed
            elif rule == "block":
                kept[key] = self._token("key", str(value))
                masked.append(key)
                kinds.add("key")
            else:
                kept[key], found = self.redact_value(value)
                if found:
                    masked.append(key)
                    kinds |= found
        # --8<-- [end:keys]
        return Redacted(kept, tuple(removed), tuple(masked), frozenset(kinds))

    def redact_span(self, span: Span) -> Span:
        """A copy of `span` with its own, its resource's and its events' attributes redacted."""
        if not isinstance(span, Span):
            raise TypeError(f"span must be a Span, got {type(span).__name__}")
        events = tuple(
            replace(e, attributes=self.redact(e.attributes).attributes) for e in span.events
        )
        return replace(
            span,
            attributes=self.redact(span.attributes).attributes,
            resource_attributes=self.redact(span.resource_attributes).attributes,
            events=events,
        )


def _strings(name: str, values: Iterable[str]) -> list[str]:
    if isinstance(values, str):
        raise TypeError(f"{name} must be a list of strings, not a string ({values!r})")
    out = list(values)
    for i, v in enumerate(out):
        if not isinstance(v, str):
            raise TypeError(f"{name}[{i}] must be a string, got {v!r}")
    return out


# ------------------------------------------------------------------------- the audit

Severity = Literal["high", "medium", "low"]

#: Audit rules: id -> (severity, what it flags).
AUDIT_RULES: dict[str, tuple[Severity, str]] = {
    "TLS_MIN_VERSION": ("high", "TLS min_version below 1.2"),
    "INSECURE_TLS": ("high", "insecure: true (no TLS) towards a non-loopback endpoint"),
    "SKIP_VERIFY": ("high", "insecure_skip_verify: true (certificate not checked)"),
    "NO_AUTH": ("high", "receiver off loopback without an authenticator"),
    "NO_TLS": ("medium", "receiver off loopback without TLS"),
    "WILDCARD_BIND": ("medium", "endpoint bound to every interface (0.0.0.0 or ::)"),
    "PLAINTEXT_SECRET": ("high", "secret written in the file instead of ${env:...}"),
    "NO_MEMORY_LIMITER": ("medium", "pipeline without a memory_limiter processor"),
    "MEMORY_LIMITER_NOT_FIRST": ("low", "memory_limiter is not the first processor"),
}

_SECRET_KEY = re.compile(
    r"(?i)^(password|passwd|secret|client_secret|token|bearer_token|api[-_]?key|"
    r"authorization|x-api-key|private_key|key_pem|access_key|secret_key|sas_token)$"
)
_LOOPBACK = ("localhost", "127.", "::1", "[::1]")
_WILDCARD = ("0.0.0.0", "::", "[::]", "")


class ConfigError(ValueError):
    """A Collector configuration that cannot be read, with the line and column (1-based)."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class AuditFinding:
    """One problem in a Collector configuration.

    Attributes:
        rule: the rule's id (a key of `AUDIT_RULES`).
        severity: ``"high"``, ``"medium"`` or ``"low"``.
        path: where, as dotted keys (``receivers.otlp.protocols.grpc.endpoint``).
        line: 1-based line of the offending key or value.
        message: what is wrong, with the value.
    """

    rule: str
    severity: Severity
    path: str
    line: int
    message: str


def _load(text: str, source: str) -> tuple[Any, dict[tuple[str, ...], int]]:
    """The document as Python objects, and the 1-based line of every key path."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{source}: line {line}, column {col}: {problem}", line, col) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: line 1, column 1: {exc}", 1, 1) from None
    if root is None:
        return {}, {}
    if not isinstance(root, yaml.MappingNode):
        line = root.start_mark.line + 1
        raise ConfigError(
            f"{source}: line {line}, column 1: the top level must be a mapping", line, 1
        )
    lines: dict[tuple[str, ...], int] = {}

    def build(node: yaml.Node, path: tuple[str, ...]) -> Any:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out = {}
            for k, v in node.value:
                key = str(k.value)
                out[key] = build(v, (*path, key))
                lines[(*path, key)] = k.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            return [build(v, (*path, str(i))) for i, v in enumerate(node.value)]
        return yaml.safe_load(yaml.serialize(node))

    return build(root, ()), lines


def _walk(obj: Any, path: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], Any]]:
    yield path, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, (*path, str(i)))


def _host(endpoint: str) -> str:
    rest = endpoint.split("://", 1)[-1].split("/", 1)[0]
    if rest.startswith("["):
        return rest[: rest.find("]") + 1]
    return rest.rsplit(":", 1)[0] if rest.count(":") == 1 else rest


def audit_config(text: str, *, source: str = "<config>") -> list[AuditFinding]:
    """Audit a Collector configuration for the usual security mistakes.

    Every rule of `AUDIT_RULES` is checked; findings come back in the order of their
    lines. Values written as ``${env:NAME}`` (or any ``${...}`` expansion) are never
    secrets in plain text.

    Args:
        text: the YAML text.
        source: the file name, for error messages.

    Raises:
        ConfigError: the YAML is malformed or its top level is not a mapping; the
            message names the line and column.

    Examples:
        >>> cfg = '''
        ... receivers:
        ...   otlp:
        ...     protocols:
        ...       grpc:
        ...         endpoint: 0.0.0.0:4317
        ... '''
        >>> [(f.rule, f.line) for f in audit_config(cfg)]
        [('NO_AUTH', 6), ('NO_TLS', 6), ('WILDCARD_BIND', 6)]
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    doc, lines = _load(text, source)
    found: list[AuditFinding] = []

    def flag(rule: str, path: tuple[str, ...], detail: str) -> None:
        severity, what = AUDIT_RULES[rule]
        line = lines.get(path, 1)
        found.append(AuditFinding(rule, severity, ".".join(path), line, f"{what}: {detail}"))

    # --8<-- [start:audit]
    for path, value in _walk(doc):
        key = path[-1] if path else ""
        server_side = bool(path) and path[0] in ("receivers", "extensions")
        if key == "min_version" and str(value) in ("1.0", "1.1"):
            flag("TLS_MIN_VERSION", path, f"min_version {value}")
        elif key == "insecure_skip_verify" and value is True:
            flag("SKIP_VERIFY", path, "insecure_skip_verify: true")
        elif _SECRET_KEY.match(key) and isinstance(value, str) and "${" not in value:
            flag("PLAINTEXT_SECRET", path, f"{key} has a literal value")
        elif key == "endpoint" and isinstance(value, str) and path[0] == "exporters":
            tls = _get(doc, (*path[:-1], "tls")) or {}
            plain = tls.get("insecure") is True or value.startswith("http://")
            if plain and not _host(value).startswith(_LOOPBACK):
                flag("INSECURE_TLS", path, f"{value} without TLS")
        elif key == "endpoint" and isinstance(value, str) and server_side:
            host = _host(value)
            server = _get(doc, path[:-1]) or {}
            if host in _WILDCARD:
                flag("WILDCARD_BIND", path, value)
            if path[0] == "receivers" and not host.startswith(_LOOPBACK):
                if not (server.get("auth") or {}).get("authenticator"):
                    flag("NO_AUTH", path, f"{value} accepts anyone")
                if not server.get("tls"):
                    flag("NO_TLS", path, f"{value} in plain text")
    # --8<-- [end:audit]
    pipelines = _get(doc, ("service", "pipelines")) or {}
    for name, pipeline in pipelines.items() if isinstance(pipelines, dict) else ():
        processors = (pipeline or {}).get("processors") or []
        limiter = [i for i, p in enumerate(processors) if str(p).split("/")[0] == "memory_limiter"]
        where = ("service", "pipelines", name)
        if not limiter:
            flag("NO_MEMORY_LIMITER", where, f"pipeline {name} processors {processors}")
        elif limiter[0] != 0:
            flag("MEMORY_LIMITER_NOT_FIRST", (*where, "processors"), f"{processors}")
    return sorted(found, key=lambda f: (f.line, f.rule))


def _get(doc: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


# --------------------------------------------------------------------- threat model

#: The six STRIDE categories (Microsoft, Kohnfelder and Garg 1999).
STRIDE: tuple[str, ...] = (
    "Spoofing",
    "Tampering",
    "Repudiation",
    "Information disclosure",
    "Denial of service",
    "Elevation of privilege",
)


@dataclass(frozen=True)
class Threat:
    """One threat to one component of an OTLP pipeline.

    Attributes:
        component: where (SDK, receiver, processors, exporter, back end, configuration).
        category: its STRIDE category.
        threat: what an attacker (or an accident) does.
        mitigation: what prevents it.
        rule: the `audit_config` rule that checks the mitigation, or ``""``.
        status: ``"open"`` (the audit found the rule broken), ``"checked"`` (the rule
            passed) or ``"manual"`` (no rule: check by hand).
    """

    component: str
    category: str
    threat: str
    mitigation: str
    rule: str
    status: str


_THREATS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "SDK / agent",
        "Spoofing",
        "a process sends telemetry as another service",
        "client certificates or per-service tokens on the receiver",
        "NO_AUTH",
    ),
    (
        "SDK / agent",
        "Information disclosure",
        "PII and secrets in attributes leave the host",
        "redaction processor with an allow-list; keyed hashing",
        "",
    ),
    (
        "receiver",
        "Spoofing",
        "anyone on the network writes into the pipeline",
        "auth.authenticator on every receiver off loopback",
        "NO_AUTH",
    ),
    (
        "receiver",
        "Tampering",
        "payloads altered in transit",
        "TLS 1.2 or later on the receiver",
        "NO_TLS",
    ),
    (
        "receiver",
        "Denial of service",
        "floods from every interface exhaust memory",
        "bind to the interface the clients use; memory_limiter first",
        "WILDCARD_BIND",
    ),
    (
        "processors",
        "Denial of service",
        "a burst fills the heap until the process dies",
        "memory_limiter as the first processor",
        "NO_MEMORY_LIMITER",
    ),
    (
        "processors",
        "Repudiation",
        "data dropped without a trace of who sent it",
        "keep auth context (include_metadata) and monitor refused counters",
        "",
    ),
    (
        "exporter",
        "Information disclosure",
        "telemetry readable on the wire",
        "TLS towards the back end; never insecure: true off loopback",
        "INSECURE_TLS",
    ),
    (
        "exporter",
        "Spoofing",
        "a man in the middle poses as the back end",
        "verify certificates; never insecure_skip_verify",
        "SKIP_VERIFY",
    ),
    (
        "exporter",
        "Tampering",
        "a downgrade to a broken protocol version",
        "min_version 1.2 or later",
        "TLS_MIN_VERSION",
    ),
    (
        "back end",
        "Information disclosure",
        "stored PII outlives its purpose",
        "redact before export; retention limits in the back end",
        "",
    ),
    (
        "configuration",
        "Information disclosure",
        "API keys committed with the config",
        "${env:...} or ${file:...} for every secret",
        "PLAINTEXT_SECRET",
    ),
    (
        "configuration",
        "Elevation of privilege",
        "the Collector runs as root",
        "a dedicated unprivileged user; minimum components",
        "",
    ),
)


def threat_model(findings: Sequence[AuditFinding] | None = None) -> list[Threat]:
    """The STRIDE threats of an OTLP pipeline, with their status for one configuration.

    Args:
        findings: `audit_config`'s result for the configuration; ``None`` marks every
            threat with a rule as ``"checked"`` only if findings are given, so without
            them the status is ``"unknown"`` for those.

    Examples:
        >>> model = threat_model(audit_config("receivers: {}"))
        >>> sorted({t.category for t in model}) == sorted(STRIDE)
        True
    """
    broken = {f.rule for f in findings} if findings is not None else None
    out = []
    for component, category, threat, mitigation, rule in _THREATS:
        if not rule:
            status = "manual"
        elif broken is None:
            status = "unknown"
        else:
            status = "open" if rule in broken else "checked"
        out.append(Threat(component, category, threat, mitigation, rule, status))
    return out
