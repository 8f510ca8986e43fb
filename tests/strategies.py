"""Hypothesis building blocks shared by test modules (tests/ is on pytest's path)."""

from __future__ import annotations

import math

from hypothesis import strategies as st


def draw_operation_timing(
    draw, alive: list[int], last_return: list[float], pending_one_in: int
) -> tuple[int, int, float, bool]:
    """Pick a live process and a call/return time for its next operation.

    Calls of one process follow its previous return; about one operation in
    ``pending_one_in`` never returns (return time infinite), and its process stops.
    Returns ``(process, call, return, pending)`` and updates ``alive``/``last_return``.
    """
    p = draw(st.sampled_from(alive))
    call = int(last_return[p]) + draw(st.integers(1, 3))
    pending = draw(st.integers(0, pending_one_in - 1)) == 0
    ret = math.inf if pending else call + draw(st.integers(0, 4))
    if pending:
        alive.remove(p)
    else:
        last_return[p] = ret
    return p, call, ret, pending
