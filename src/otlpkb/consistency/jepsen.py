"""Read Jepsen's register histories (the etcd logs) into a `History`.

Each line of a Jepsen log is one event::

    INFO  jepsen.util - 3	:invoke	:cas	[1 4]
    INFO  jepsen.util - 3	:ok	:cas	[1 4]

``<process> <type> <f> <value>`` where type is ``:invoke``, ``:ok``, ``:fail`` or
``:info`` and f is ``:read``, ``:write`` or ``:cas`` (value ``[expected new]``). The
semantics Jepsen gives the completion types, and what this parser does with them:

* ``:ok``: the operation happened; it completes at this line.
* ``:fail``: the operation definitely did not happen, so it is dropped (for a ``cas``,
  ``failed_cas="observe"`` keeps it as a cas that saw another value, the reading the
  porcupine checker gives etcd's "compare failed"). ``:fail :read :timed-out`` is a read
  that never returned: kept as a pending read.
* ``:info``: indeterminate (e.g. ``:timed-out``): the operation may or may not have
  taken effect, at any time after its invocation. It stays pending forever.

An invocation with no completion by the end of the log is pending as well. Times are
line numbers. Blank lines are skipped; anything else that is not an event raises
``ValueError`` naming the line number and its content.

See the chapter *Consistency models* (3.4).

Examples:
    >>> log = '''INFO  jepsen.util - 0	:invoke	:write	1
    ... INFO  jepsen.util - 1	:invoke	:read	nil
    ... INFO  jepsen.util - 0	:ok	:write	1
    ... INFO  jepsen.util - 1	:ok	:read	1
    ... INFO  jepsen.util - 2	:invoke	:cas	[1 2]
    ... INFO  jepsen.util - 2	:info	:cas	:timed-out'''
    >>> h = parse_jepsen_log(log)
    >>> [op.describe() for op in h]
    ['p0 write(1)', 'p1 read()->1', 'p2 cas(1->2) (pending)']
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Hashable
from pathlib import Path
from typing import Literal, cast

from otlpkb.consistency.history import History, Kind, Operation

__all__ = ["parse_jepsen_log"]

_EVENT = re.compile(
    r"^\s*INFO\s+jepsen\.util\s+-\s+(?P<process>\d+)\s+"
    r":(?P<type>invoke|ok|fail|info)\s+:(?P<f>read|write|cas)(?:\s+(?P<value>.*?))?\s*$"
)
_INT = re.compile(r"^-?\d+$")
_PAIR = re.compile(r"^\[\s*(\S+)\s+(\S+)\s*\]$")
_KEYWORD = re.compile(r"^:[\w.?!*+-]+$")


def _scalar(token: str) -> Hashable:
    if token == "nil":
        return None
    if _INT.match(token):
        return int(token)
    raise ValueError(f"not a value: {token!r}")


def _read_source(source: str | os.PathLike[str]) -> str:
    if isinstance(source, os.PathLike):
        return Path(source).read_text(encoding="utf-8")
    if not isinstance(source, str):
        raise TypeError(f"source must be a path or the log's text, got {type(source).__name__}")
    if "\n" in source or source.lstrip().startswith("INFO") or not source.strip():
        return source
    return Path(source).read_text(encoding="utf-8")


def parse_jepsen_log(
    source: str | os.PathLike[str],
    *,
    failed_cas: Literal["drop", "observe"] = "drop",
) -> History:
    """Parse a Jepsen register log (a path, or the log's text) into a `History`.

    Args:
        source: a path (``str`` or ``PathLike``) to the log, or the log's text (a string
            with a newline or starting with ``INFO``).
        failed_cas: ``"drop"`` (Jepsen's meaning of ``:fail``: it did not happen) or
            ``"observe"`` (keep a failed cas as one that saw a value other than expected).

    Returns:
        The history; operation ``i`` is the ``i``-th invocation kept, ``call``/``ret`` are
        line numbers (``ret = inf`` for an operation that never returned).

    Raises:
        ValueError: a malformed line (the message names its number and content), a
            completion without an invocation, or one that does not match its invocation.
        TypeError: ``source`` is neither a path nor a string.
    """
    if failed_cas not in ("drop", "observe"):
        raise ValueError(f"failed_cas must be 'drop' or 'observe', got {failed_cas!r}")
    text = _read_source(source)
    open_ops: dict[int, tuple[int, str, Hashable, Hashable]] = {}  # process -> invocation
    done: list[tuple[int, Operation]] = []  # (invocation line, operation)

    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        m = _EVENT.match(line)
        if m is None:
            raise ValueError(f"line {lineno}: not a Jepsen event: {line!r}")
        process, etype, f = int(m["process"]), m["type"], m["f"]
        token = (m["value"] or "").strip()
        try:
            if _KEYWORD.match(token) or not token:
                expected, value, keyword = None, None, token or None
            elif f == "cas":
                pair = _PAIR.match(token)
                if pair is None:
                    raise ValueError(f"cas needs [expected new], got {token!r}")
                expected, value, keyword = _scalar(pair[1]), _scalar(pair[2]), None
            else:
                expected, value, keyword = None, _scalar(token), None
        except ValueError as exc:
            raise ValueError(f"line {lineno}: {exc}: {line!r}") from None

        if etype == "invoke":
            if process in open_ops:
                raise ValueError(
                    f"line {lineno}: process {process} invokes while its operation from line"
                    f" {open_ops[process][0]} is still open: {line!r}"
                )
            if f != "read" and keyword is not None:
                raise ValueError(f"line {lineno}: {f} invoked without a value: {line!r}")
            open_ops[process] = (lineno, f, expected, value)
            continue

        if process not in open_ops:
            raise ValueError(f"line {lineno}: process {process} completes nothing: {line!r}")
        call, f0, exp0, val0 = open_ops.pop(process)
        if f != f0:
            raise ValueError(f"line {lineno}: {f} completes a {f0} from line {call}: {line!r}")
        if keyword is None and f != "read" and (exp0, val0) != (expected, value):
            raise ValueError(
                f"line {lineno}: completion value does not match the invocation on line"
                f" {call}: {line!r}"
            )
        kind = cast(Kind, f)
        # --8<-- [start:parse]
        if etype == "ok":
            if keyword is not None:
                raise ValueError(f"line {lineno}: :ok {f} without a value: {line!r}")
            read_value = value if f == "read" else val0
            op = Operation(process, kind, call, lineno, value=read_value, expected=exp0)
        elif etype == "info" or (f == "read" and keyword == ":timed-out"):
            op = Operation(process, kind, call, math.inf, value=val0, expected=exp0)
        elif f == "cas" and failed_cas == "observe" and keyword is None:
            op = Operation(process, "cas", call, lineno, val0, exp0, succeeded=False)
        else:  # :fail: it did not happen
            continue
        done.append((call, op))
        # --8<-- [end:parse]

    for process, (call, f0, exp0, val0) in open_ops.items():  # never completed
        done.append((call, Operation(process, f0, call, math.inf, value=val0, expected=exp0)))  # type: ignore[arg-type]
    done.sort(key=lambda item: item[0])
    return History(op for _, op in done)
