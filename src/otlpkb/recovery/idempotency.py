"""Idempotency keys and a bounded dedupe window.

OTLP exporters retry: after a timeout or a ``503`` the client sends the *same* request
again, and the server cannot tell whether the first attempt was applied. Delivery is
therefore at-least-once. A receiver turns it into "effectively once" for retries that land
inside a window: it derives a key for each request (a hash of the request bytes, or an id the
client supplies), remembers the keys it applied, and acknowledges a repeated key without
applying it again. Memory must stay bounded, so the window forgets keys by count
(``max_keys``, oldest first) and by age (``ttl`` seconds, on an injectable clock); a retry
that arrives after its key was forgotten is applied twice.

See the chapter *Recovery strategies* (2.3).

Examples:
    >>> now = [0.0]
    >>> window = DedupeWindow(max_keys=2, ttl=10.0, clock=lambda: now[0])
    >>> key = idempotency_key(b"ExportTraceServiceRequest bytes")
    >>> window.check_and_record(key), window.check_and_record(key)
    (True, False)
    >>> now[0] = 10.0           # the key is 10 s old: forgotten
    >>> window.check_and_record(key)
    True
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

__all__ = ["DedupeWindow", "idempotency_key"]

T = TypeVar("T")


def idempotency_key(body: bytes, *, client_id: str | None = None, signal: str = "") -> str:
    r"""Derive an idempotency key for a request.

    With ``client_id`` (for example a header the client sets once per logical request and
    keeps across retries) the key is that id, scoped by ``signal``; without it, the key is
    the SHA-256 of the request bytes, which works because OTLP retries resend identical
    bytes. Two *different* requests with identical bytes then share a key: for telemetry that
    is a duplicate anyway (same span ids, same points).

    Args:
        body: The request body as received (compressed or not, but consistently).
        client_id: A client-supplied request id, if any.
        signal: ``"traces"``, ``"metrics"``, ``"logs"``... keeps the key spaces apart.

    Returns:
        A hex string.

    Examples:
        >>> import hashlib
        >>> idempotency_key(b"abc") == hashlib.sha256(b"\x00abc").hexdigest()
        True
        >>> idempotency_key(b"abc", client_id="req-7", signal="traces")
        'traces:id:req-7'
    """
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError(f"body must be bytes, got {type(body).__name__}")
    if not isinstance(signal, str):
        raise TypeError(f"signal must be a str, got {type(signal).__name__}")
    if client_id is not None:
        if not isinstance(client_id, str) or not client_id:
            raise ValueError(f"client_id must be a non-empty str, got {client_id!r}")
        return f"{signal}:id:{client_id}"
    digest = hashlib.sha256(signal.encode() + b"\x00" + bytes(body)).hexdigest()
    return digest


class DedupeWindow:
    """Remembers recently applied keys, bounded by count and by age.

    Args:
        max_keys: Most keys remembered; the oldest is forgotten first. ``None``: no bound.
        ttl: Seconds a key is remembered after it was recorded. ``None``: no expiry.
        clock: Monotonic time in seconds (injectable for tests).

    At least one bound must be given. All methods are thread-safe.

    Examples:
        >>> window = DedupeWindow(max_keys=1, ttl=None)
        >>> window.check_and_record("a"), window.check_and_record("b"), "a" in window
        (True, True, False)
    """

    def __init__(
        self,
        max_keys: int | None = 100_000,
        ttl: float | None = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_keys is None and ttl is None:
            raise ValueError("max_keys and ttl cannot both be None: the window must be bounded")
        if max_keys is not None:
            if isinstance(max_keys, bool) or not isinstance(max_keys, int):
                raise TypeError(f"max_keys must be an int or None, got {type(max_keys).__name__}")
            if max_keys < 1:
                raise ValueError(f"max_keys must be at least 1, got {max_keys}")
        if ttl is not None:
            if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
                raise TypeError(f"ttl must be a number or None, got {type(ttl).__name__}")
            if not ttl > 0:
                raise ValueError(f"ttl must be positive, got {ttl}")
        if not callable(clock):
            raise TypeError(f"clock must be callable, got {type(clock).__name__}")
        self._max_keys = max_keys
        self._ttl = None if ttl is None else float(ttl)
        self._clock = clock
        self._keys: OrderedDict[str, float] = OrderedDict()  # key -> time recorded, oldest first
        self._lock = threading.Lock()

    # --8<-- [start:window-expire]
    def _expire(self, now: float) -> None:
        if self._ttl is not None:
            while self._keys:
                key, recorded = next(iter(self._keys.items()))
                if now - recorded < self._ttl:
                    break
                del self._keys[key]
        if self._max_keys is not None:
            while len(self._keys) > self._max_keys:
                self._keys.popitem(last=False)

    # --8<-- [end:window-expire]

    def check_and_record(self, key: str) -> bool:
        """Record ``key``; return True if it is new (apply the request), False if a duplicate."""
        if not isinstance(key, str):
            raise TypeError(f"key must be a str, got {type(key).__name__}")
        # --8<-- [start:window-check]
        with self._lock:
            now = self._clock()
            self._expire(now)
            if key in self._keys:
                return False
            self._keys[key] = now
            self._expire(now)
            return True
        # --8<-- [end:window-check]

    def forget(self, key: str) -> None:
        """Drop ``key`` so that a retry is applied (use when applying it failed)."""
        with self._lock:
            self._keys.pop(key, None)

    def apply_once(self, key: str, apply: Callable[[], T]) -> tuple[bool, T | None]:
        """Call ``apply`` unless ``key`` was applied within the window.

        If ``apply`` raises, the key is forgotten (so the client's retry is applied) and the
        exception propagates.

        Returns:
            ``(True, result)`` when applied now, ``(False, None)`` for a duplicate.
        """
        if not self.check_and_record(key):
            return False, None
        try:
            return True, apply()
        except BaseException:
            self.forget(key)
            raise

    def __contains__(self, key: object) -> bool:
        with self._lock:
            self._expire(self._clock())
            return key in self._keys

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._keys)
