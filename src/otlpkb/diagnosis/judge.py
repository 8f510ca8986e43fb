"""Judge many closed trace pieces at once: the structural checks of `otlpkb inspect`, in numpy.

A *piece* is the spans of one trace that the inspector's window held together. For each
piece this module answers what `otlpkb.tracing.traces.assemble_traces` and
`otlpkb.tracing.causality.clock_skew.detect_clock_skew` (default arguments) answer for
that piece alone, with the same rules, but for thousands of pieces in a few array
operations instead of dicts and dataclasses per trace:

* the first copy of a span id is the span, later copies are duplicates;
* a span whose parent id is ``""`` is a root; one whose parent id is not a span of the
  piece is an orphan;
* a span that no root or orphan leads to lies on (or under) a parent-pointer loop: found
  by pointer doubling, then handed to `otlpkb.tracing.cycles.parent_cycles`, which is rare;
* a child whose parent is in the piece, is not itself, and runs on another service (or on
  an unknown one, ``""``) is skewed if it starts before its parent or, for a CLIENT parent
  and a SERVER child, ends after it.

``tests/diagnosis/test_judge.py`` checks every count against the chapter 3 tools.

See the chapter *Diagnostic toolset* (5.4).

Examples:
    >>> from otlpkb.diagnosis.judge import judge_pieces
    >>> client = ("a", "", "web", "GET /", 3, 0, 100)
    >>> server = ("b", "a", "db", "SELECT", 2, 90, 120)  # ends after the client call
    >>> lost = ("c", "x", "db", "SELECT", 1, 5, 6)  # parent x never arrived
    >>> found = judge_pieces(["t1"], [[client, server, lost]])
    >>> found.orphans, found.skewed, found.root, found.duration
    (1, 1, [('web', 'GET /')], [120])
"""

from __future__ import annotations

import operator
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt

from otlpkb.otlp import Span
from otlpkb.tracing.causality.clock_skew import CLIENT, SERVER
from otlpkb.tracing.cycles import parent_cycles

__all__ = ["Row", "Verdicts", "codes", "judge_pieces"]

Row = tuple[str, str, str, str, int, int, int]
"""A span as the judge reads it: span id, parent id, service, name, kind, start, end."""


@dataclass(frozen=True)
class Verdicts:
    """What `judge_pieces` found: totals, and per piece what the slowest-trace list needs.

    Attributes:
        duplicates: extra copies of span ids.
        orphans: spans whose parent is not in their piece.
        multi_root: pieces with more than one root.
        rootless: pieces without a root.
        cycles: parent-pointer loops.
        skewed: children whose times contradict causality with their parent's.
        spans: per piece, distinct span ids.
        duration: per piece, last end minus first start (ns, Python ints).
        root: per piece, ``(service, name)`` of its root if it has exactly one, else None.
    """

    duplicates: int
    orphans: int
    multi_root: int
    rootless: int
    cycles: int
    skewed: int
    spans: list[int]
    duration: list[int]
    root: list[tuple[str, str] | None]


def codes(*columns: Sequence[Hashable]) -> list[npt.NDArray[np.int64]]:
    """Integer codes, equal exactly when the values are (``==``, as a dict sees them).

    The codes are shared over ``columns`` and number the values in order of first
    appearance; ``dict`` does the work in C.
    """
    values = list(chain.from_iterable(columns))
    index = dict(zip(dict.fromkeys(values), range(len(values))))
    code = np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))
    return np.split(code, np.cumsum([len(c) for c in columns[:-1]]))


def _ints(values: Sequence[int]) -> npt.NDArray[np.int64]:
    return np.fromiter(values, dtype=np.int64, count=len(values))


def judge_pieces(trace_ids: Sequence[str], pieces: Sequence[Sequence[Row]]) -> Verdicts:
    """Judge ``pieces``: each a non-empty list of `Row`, piece ``i`` of trace ``trace_ids[i]``."""
    sizes = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    span_ids, parent_ids, services, names, kinds, starts, ends = zip(
        *chain.from_iterable(pieces), strict=True
    )
    piece = np.repeat(np.arange(len(pieces), dtype=np.int64), sizes)
    span_code, parent_code = codes(span_ids, parent_ids)
    width = len(span_ids) * 2  # more than any code
    # --8<-- [start:judge]
    key = piece * width + span_code  # (piece, span id) as one int
    order = np.argsort(key, kind="stable")
    first = np.ones(len(key), dtype=bool)
    first[order[1:]] = key[order[1:]] != key[order[:-1]]  # first copy of each key
    keep = np.flatnonzero(first)  # the distinct spans, in input order
    sorted_keys = key[order][first[order]]
    parent_key = piece[keep] * width + parent_code[keep]
    at = np.minimum(np.searchsorted(sorted_keys, parent_key), len(sorted_keys) - 1)
    has_parent = sorted_keys[at] == parent_key
    no_parent = np.fromiter(map(operator.not_, parent_ids), dtype=bool, count=len(key))
    is_root = no_parent[keep]  # parent id "": a root
    orphan = ~is_root & ~has_parent
    roots = np.bincount(piece[keep][is_root], minlength=len(pieces))
    # --8<-- [end:judge]
    # parent positions within ``keep``: distinct keys sorted match ``keep`` sorted by key
    position = np.empty(len(key), dtype=np.int64)
    position[keep] = np.arange(len(keep))
    parent = np.where(has_parent & ~is_root, position[order[first[order]]][at], -1)
    kept_piece = piece[keep]
    start, end = _ints(starts)[keep], _ints(ends)[keep]
    (clock,) = codes([*services, ""])  # the last code is that of "", an unknown clock
    unknown = clock[keep] == clock[-1]
    cycles = _loops(trace_ids, kept_piece, parent, keep, span_ids, parent_ids)
    skewed = _skewed(parent, clock[keep], unknown, _ints(kinds)[keep], start, end)
    bounds = np.flatnonzero(np.r_[True, kept_piece[1:] != kept_piece[:-1]])
    first_start = np.minimum.reduceat(start, bounds).tolist()
    last_end = np.maximum.reduceat(end, bounds).tolist()
    root_of: list[tuple[str, str] | None] = [None] * len(pieces)
    single = roots == 1
    for i, p in zip(keep[is_root].tolist(), kept_piece[is_root].tolist(), strict=True):
        if single[p]:
            root_of[p] = (services[i], names[i])
    return Verdicts(
        duplicates=len(key) - len(keep),
        orphans=int(orphan.sum()),
        multi_root=int((roots > 1).sum()),
        rootless=int((roots == 0).sum()),
        cycles=cycles,
        skewed=skewed,
        spans=np.diff(np.r_[bounds, len(keep)]).tolist(),
        duration=[e - s for s, e in zip(first_start, last_end, strict=True)],
        root=root_of,
    )


def _loops(
    trace_ids: Sequence[str],
    piece: npt.NDArray[np.int64],
    parent: npt.NDArray[np.int64],
    keep: npt.NDArray[np.int64],
    span_ids: Sequence[str],
    parent_ids: Sequence[str],
) -> int:
    """Parent-pointer loops, counted by `parent_cycles` in the pieces that have one."""
    # Pointer doubling: after k rounds every span points 2**k steps up (or to its top).
    # A span whose top still has a parent in the piece never reached a root or orphan.
    top = np.where(parent >= 0, parent, np.arange(len(parent)))
    for _ in range(max(1, len(parent).bit_length())):
        top = top[top]
    looped = np.unique(piece[parent[top] >= 0])
    lo, hi = np.searchsorted(piece, looped), np.searchsorted(piece, looped, side="right")
    found = 0
    for p, a, b in zip(looped.tolist(), lo.tolist(), hi.tolist(), strict=True):
        rows = keep[a:b].tolist()  # ``piece`` is sorted: each piece's spans are contiguous
        spans = [Span(trace_ids[p], span_ids[i], parent_ids[i], "", 0, 0, 0, 0) for i in rows]
        found += len(parent_cycles(spans))
    return found


def _skewed(
    parent: npt.NDArray[np.int64],
    clock: npt.NDArray[np.int64],
    unknown: npt.NDArray[np.bool_],
    kind: npt.NDArray[np.int64],
    start: npt.NDArray[np.int64],
    end: npt.NDArray[np.int64],
) -> int:
    """Children that break causality against a parent on another (or unknown) clock."""
    c = np.flatnonzero((parent >= 0) & (parent != np.arange(len(parent))))
    p = parent[c]
    other_clock = (clock[c] != clock[p]) | unknown[c]
    rpc = (kind[p] == CLIENT) & (kind[c] == SERVER)
    late = rpc & (end[c] > end[p])
    return int((other_clock & ((start[c] < start[p]) | late)).sum())
